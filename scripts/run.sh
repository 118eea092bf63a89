#!/usr/bin/env bash
# Starts the action server and the Rasa server together on the embedded default
# (SQLite files under var/) and stops both on Ctrl-C. Called by `make run`.
set -euo pipefail
cd "$(dirname "$0")/.."

RASA_PORT="${RASA_PORT:-5005}"
ACTIONS_PORT="${ACTIONS_PORT:-5055}"
export ACTION_ENDPOINT_URL="${ACTION_ENDPOINT_URL:-http://localhost:${ACTIONS_PORT}/webhook}"
mkdir -p var
# endpoints.yml names the default action server (port 5055); point it at this one.
sed "s#http://localhost:5055/webhook#${ACTION_ENDPOINT_URL}#" endpoints.yml > var/endpoints.yml

pids=()
stop() {
    trap - INT TERM EXIT
    echo
    echo "==> stopping"
    for pid in "${pids[@]}"; do kill -INT "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
}
trap stop INT TERM EXIT

.venv/bin/python -m rasa_sdk --actions actions --port "$ACTIONS_PORT" \
    --logging-config_file bot/privacy/logging.yml &
pids+=($!)
.venv/bin/python -m bot.rasa_cli run --model models/current.tar.gz --port "$RASA_PORT" \
    --endpoints var/endpoints.yml --credentials credentials.yml \
    --logging-config-file bot/privacy/logging.yml &
pids+=($!)

echo "==> waiting for the assistant to start (30-60 s)"
for _ in $(seq 1 180); do
    if curl -fsS "http://localhost:${RASA_PORT}/" >/dev/null 2>&1; then break; fi
    if ! kill -0 "${pids[1]}" 2>/dev/null; then echo "error: the Rasa server exited; see its log above" >&2; exit 1; fi
    sleep 1
done
cat <<MSG
==> the assistant is up
    Web chat: http://localhost:${RASA_PORT}/chat
    SMS:      POST http://localhost:${RASA_PORT}/webhooks/sms/webhook (Twilio; see README)
    REST:     curl -XPOST localhost:${RASA_PORT}/webhooks/rest/webhook -d '{"sender":"a","message":"hi"}'
    Actions:  http://localhost:${ACTIONS_PORT}/health
    Press Ctrl-C to stop both servers.
MSG
wait -n "${pids[@]}"
