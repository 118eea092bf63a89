#!/usr/bin/env bash
# Start PostgreSQL (tracker store) and Redis (lock store) on 127.0.0.1 for local
# runs and the replica test, installing Debian's packages first if they are missing.
#
#   bash scripts/services/start-postgres-redis.sh [DATA_DIR]
#
# DATA_DIR (default var/services) holds both servers' data, sockets, pids and logs.
# Ports: PG_PORT (default 55432), REDIS_PORT (default 56379). Safe to run again:
# servers already running from DATA_DIR are reused.
# On success, prints the environment for Rasa (also written to DATA_DIR/env):
#   TRACKER_DB_URL=postgresql://rasa:...@127.0.0.1:55432/rasa
#   REDIS_URL=redis://127.0.0.1:56379/1
# Exit codes: 0 ok, 77 packages missing and not installable (tests skip on this),
# anything else a real failure.
set -euo pipefail

EXIT_UNAVAILABLE=77
DATA_DIR="$(mkdir -p "${1:-var/services}" && cd "${1:-var/services}" && pwd)"
PG_PORT="${PG_PORT:-55432}"
REDIS_PORT="${REDIS_PORT:-56379}"
PG_USER=rasa
PG_DB=rasa
PG_DATA="$DATA_DIR/postgres"
REDIS_DIR="$DATA_DIR/redis"
started_at=$(date +%s)

log() { echo "[services] $*" >&2; }

pg_bindir() {
    local dir
    dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
    if [[ -z "$dir" ]] && command -v pg_config >/dev/null; then dir=$(pg_config --bindir); fi
    [[ -n "$dir" && -x "$dir/initdb" && -x "$dir/pg_ctl" ]] && echo "$dir"
}

have_packages() { pg_bindir >/dev/null && command -v redis-server >/dev/null && command -v redis-cli >/dev/null; }

install_packages() {
    if [[ $(id -u) -ne 0 ]] || ! command -v apt-get >/dev/null; then
        log "PostgreSQL/Redis missing and cannot install them (need root and apt-get)"
        exit "$EXIT_UNAVAILABLE"
    fi
    log "installing postgresql and redis-server from Debian's packages"
    if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
            --no-install-recommends postgresql redis-server >/dev/null; }; then
        log "apt-get could not install postgresql redis-server"
        exit "$EXIT_UNAVAILABLE"
    fi
}

# Run a PostgreSQL server command as the postgres user when we are root (the server refuses root).
as_pg() {
    if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

start_postgres() {
    local bin password_file password
    bin=$(pg_bindir)
    password_file="$DATA_DIR/pg-password"
    if [[ ! -s "$password_file" ]]; then
        (umask 077 && head -c 18 /dev/urandom | base64 | tr -d '/+=' > "$password_file")
    fi
    password=$(cat "$password_file")
    if [[ ! -f "$PG_DATA/PG_VERSION" ]]; then
        mkdir -p "$PG_DATA"
        if [[ $(id -u) -eq 0 ]]; then chown postgres: "$PG_DATA" "$password_file"; fi
        as_pg "$bin/initdb" -D "$PG_DATA" -U "$PG_USER" --pwfile="$password_file" \
            --auth-local=scram-sha-256 --auth-host=scram-sha-256 -E UTF8 >"$DATA_DIR/initdb.log"
    fi
    if as_pg "$bin/pg_ctl" -D "$PG_DATA" status >/dev/null 2>&1; then
        log "PostgreSQL already running from $PG_DATA"
    else
        as_pg "$bin/pg_ctl" -D "$PG_DATA" -l "$PG_DATA/server.log" -w -t 60 start \
            -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $PG_DATA" >/dev/null
    fi
    if ! PGPASSWORD="$password" psql -h 127.0.0.1 -p "$PG_PORT" -U "$PG_USER" -d postgres -tAc \
            "SELECT 1 FROM pg_database WHERE datname = '$PG_DB'" | grep -q 1; then
        PGPASSWORD="$password" psql -h 127.0.0.1 -p "$PG_PORT" -U "$PG_USER" -d postgres -qc \
            "CREATE DATABASE $PG_DB"
    fi
    echo "TRACKER_DB_URL=postgresql://$PG_USER:$password@127.0.0.1:$PG_PORT/$PG_DB"
}

start_redis() {
    mkdir -p "$REDIS_DIR"
    if redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG; then
        log "Redis already running on port $REDIS_PORT"
    else
        redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --dir "$REDIS_DIR" \
            --daemonize yes --pidfile "$REDIS_DIR/redis.pid" --logfile "$REDIS_DIR/redis.log" \
            --save "" --appendonly no
        for _ in $(seq 50); do
            redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG && break
            sleep 0.2
        done
        redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping | grep -q PONG
    fi
    echo "REDIS_URL=redis://127.0.0.1:$REDIS_PORT/1"
}

have_packages || install_packages
have_packages || { log "packages still missing after install"; exit "$EXIT_UNAVAILABLE"; }

{ start_postgres; start_redis; } > "$DATA_DIR/env"
cat "$DATA_DIR/env"
log "PostgreSQL on 127.0.0.1:$PG_PORT and Redis on 127.0.0.1:$REDIS_PORT ready in $(( $(date +%s) - started_at )) s"
