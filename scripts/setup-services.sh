#!/usr/bin/env bash
# Install the servers the tests start themselves on loopback (Debian's packages), only when they
# are missing, so that a second run costs nothing: PostgreSQL for the results store's tests,
# Chromium for the HTML report's tests in a headless browser, and its WebDriver for the page of
# outwork serve.
set -euo pipefail

missing=()
if ! compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null; then
    missing+=(postgresql)
fi
if ! command -v chromium >/dev/null; then
    missing+=(chromium)
fi
# outwork serve's page: headless Chromium driven by Selenium through Debian's chromedriver.
if ! command -v chromedriver >/dev/null; then
    missing+=(chromium-driver)
fi
# The images layer's tests write real rpm databases: Berkeley DB's db_load (CentOS 7 style
# Packages files) and rpm itself.
if ! command -v db5.3_load >/dev/null; then
    missing+=(db5.3-util)
fi
if ! command -v rpm >/dev/null; then
    missing+=(rpm)
fi
if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
    echo "setup-services: ${missing[*]} missing; install them (Debian: apt-get install ${missing[*]})," \
        "or the tests that need them are skipped (and fail under CI=true)" >&2
    exit 0
fi
echo "== setup-services: apt-get install ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
