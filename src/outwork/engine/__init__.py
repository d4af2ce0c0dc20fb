"""The scan pipeline, above core and the analyzers and below the command line: targets are opened
by sources, artifacts dispatched to the analyzers the catalogue (:mod:`.registry`) loads, results
cached, the policy applied and attack paths joined (:mod:`.pipeline`)."""
