#!/usr/bin/env bash
# Set everything up in .venv and scan the bundled examples (exit 1 means: findings, as expected).
# The advisory database of the demo is built offline from the example OSV records, in .venv, so
# the user's own database is never touched.
set -uo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv || exit 2
.venv/bin/python -m pip install --quiet --upgrade pip || exit 2
.venv/bin/python -m pip install --quiet -e . || exit 2
export OUTWORK_DATA_DIR="$PWD/.venv/outwork-demo-data"
.venv/bin/outwork db update --ecosystem PyPI --from-file examples/dependencies/osv/PyPI >/dev/null || exit 2
.venv/bin/outwork db update --ecosystem npm --from-file examples/dependencies/osv/npm >/dev/null || exit 2
.venv/bin/outwork scan examples "$@"
