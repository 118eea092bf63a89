#!/usr/bin/env bash
# Installs what the browser test (tests/test_browser_chat.py) needs:
#   - Debian's `chromium` package (apt-get, needs root or sudo), at /usr/bin/chromium;
#   - the PyPI `playwright` package into .venv, which drives that Chromium.
# Never runs `playwright install`: the tests launch /usr/bin/chromium, no browser download.
set -euo pipefail
cd "$(dirname "$0")/../.."

if [ ! -x /usr/bin/chromium ]; then
    echo "==> installing Debian's chromium (apt-get)"
    if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core
fi
if ! .venv/bin/python -c 'import playwright' 2>/dev/null; then
    echo "==> installing playwright into .venv"
    .venv/bin/python -m pip install --quiet "playwright>=1.40,<2"
fi
