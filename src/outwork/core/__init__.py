"""The spine every analyzer plugs into: artifacts, rules, findings, engine, configuration."""
