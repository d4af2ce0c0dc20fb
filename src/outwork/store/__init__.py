"""Persistent state: the scan cache and the advisory database, in SQLite."""
