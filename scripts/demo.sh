#!/usr/bin/env bash
# Set everything up in .venv and scan the bundled examples (exit 1 means: findings, as expected).
set -uo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv || exit 2
.venv/bin/python -m pip install --quiet --upgrade pip || exit 2
.venv/bin/python -m pip install --quiet -e . || exit 2
.venv/bin/outwork scan examples "$@"
