#!/usr/bin/env bash
# Installs the web chat widget's one npm dependency (socket.io-client) from the lock file
# into web/node_modules, which the Rasa server serves at /chat/vendor/socket.io.js.
# Needs node >= 18 and npm. Re-runs `npm ci` only when web/package-lock.json changed.
set -euo pipefail
cd "$(dirname "$0")/../.."

if ! command -v npm >/dev/null 2>&1; then
    echo "error: npm is needed for the web chat widget (install Node.js 18+)" >&2
    exit 1
fi
stamp=web/node_modules/.installed-lock
if [ ! -f "$stamp" ] || ! cmp -s web/package-lock.json "$stamp"; then
    echo "==> installing the chat widget's npm dependencies (npm ci)"
    npm ci --prefix web --no-audit --no-fund --loglevel=error
    cp web/package-lock.json "$stamp"
fi
