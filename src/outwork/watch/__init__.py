"""Watching the registries: ``outwork watch pypi|npm`` (feeds.py reads the change feeds,
watcher.py scans each new release and records its verdict in the results store)."""
