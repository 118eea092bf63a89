#!/usr/bin/env bash
# Stop the PostgreSQL and Redis servers started by start-postgres-redis.sh.
#
#   bash scripts/services/stop-postgres-redis.sh [DATA_DIR]
set -euo pipefail

DATA_DIR="${1:-var/services}"
[[ -d "$DATA_DIR" ]] || exit 0
DATA_DIR="$(cd "$DATA_DIR" && pwd)"

if [[ -f "$DATA_DIR/postgres/postmaster.pid" ]]; then
    bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
    if [[ $(id -u) -eq 0 ]]; then
        runuser -u postgres -- "$bin/pg_ctl" -D "$DATA_DIR/postgres" -m fast -w stop >/dev/null
    else
        "$bin/pg_ctl" -D "$DATA_DIR/postgres" -m fast -w stop >/dev/null
    fi
fi
if [[ -f "$DATA_DIR/redis/redis.pid" ]]; then
    kill "$(cat "$DATA_DIR/redis/redis.pid")" 2>/dev/null || true
    for _ in $(seq 50); do [[ -f "$DATA_DIR/redis/redis.pid" ]] || break; sleep 0.1; done
fi
