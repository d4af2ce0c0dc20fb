"""Persistent state: the scan cache, the results store and the advisory database, in SQLite.

The stores' file names and the advisory feeds' defaults are named here, where the command
line's help reads them without importing the stores (docs/benchmarks.md, issue 21)."""

#: The results store's file in the user data directory.
RESULTS_FILENAME = "results.sqlite3"
#: The advisory database's file in the user data directory.
ADVISORIES_FILENAME = "advisories.sqlite3"
#: Where OSV's ``<ecosystem>/all.zip`` feeds are fetched from.
ADVISORIES_BASE_URL = "https://osv-vulnerabilities.storage.googleapis.com"
#: OSV's query API, asked about a scan's dependencies with ``outwork scan --osv-api``.
OSV_API_URL = "https://api.osv.dev"
#: Ecosystems ``outwork db update`` fetches when none are named.
DEFAULT_ECOSYSTEMS: tuple[str, ...] = (
    "PyPI",
    "npm",
    "crates.io",
    "Go",
    "RubyGems",
    "Maven",
    "Packagist",
    "NuGet",
    "Hex",
    "Pub",
    "ConanCenter",
)
#: An advisory database older than this many days draws a warning.
STALE_AFTER_DAYS = 7
