#!/usr/bin/env bash
# Sourced by scripts/test.sh: a private PostgreSQL server for the queue-batch journal tests.
# Installs Debian's postgresql package when no server is installed, starts one on a free
# loopback port with its own data folder, exports QUEUE_BATCH_POSTGRES_URL, and stops it (and
# removes the folder) when the sourcing script exits.

postgres_bin() {
    ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}

if [ -z "$(postgres_bin)" ]; then
    echo "PostgreSQL server missing: installing Debian's postgresql package"
    if [ "$(id -u)" = 0 ]; then
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
    else
        sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
    fi
fi
QUEUE_BATCH_PG_BIN="$(postgres_bin)"
if [ -z "$QUEUE_BATCH_PG_BIN" ]; then
    echo "error: no PostgreSQL server after installing the postgresql package" >&2
    exit 1
fi

QUEUE_BATCH_PG_DIR="$(mktemp -d /tmp/queue-batch-postgres.XXXXXX)"
QUEUE_BATCH_PG_PORT="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')"
# PostgreSQL refuses to run as root: as root, the server runs as the package's postgres user.
QUEUE_BATCH_PG_AS=()
if [ "$(id -u)" = 0 ]; then
    chown postgres "$QUEUE_BATCH_PG_DIR"
    QUEUE_BATCH_PG_AS=(runuser -u postgres --)
fi
"${QUEUE_BATCH_PG_AS[@]}" "$QUEUE_BATCH_PG_BIN/initdb" -D "$QUEUE_BATCH_PG_DIR/data" -U queuebatch --auth=trust >/dev/null
"${QUEUE_BATCH_PG_AS[@]}" "$QUEUE_BATCH_PG_BIN/pg_ctl" -D "$QUEUE_BATCH_PG_DIR/data" -l "$QUEUE_BATCH_PG_DIR/server.log" -w -t 60 \
    -o "-p $QUEUE_BATCH_PG_PORT -k $QUEUE_BATCH_PG_DIR -c listen_addresses=127.0.0.1 -c max_connections=200 -c fsync=off" start >/dev/null

stop_queue_batch_postgres() {
    "${QUEUE_BATCH_PG_AS[@]}" "$QUEUE_BATCH_PG_BIN/pg_ctl" -D "$QUEUE_BATCH_PG_DIR/data" -m fast -w stop >/dev/null 2>&1 || true
    rm -rf "$QUEUE_BATCH_PG_DIR"
}
trap stop_queue_batch_postgres EXIT

export QUEUE_BATCH_POSTGRES_URL="postgres://queuebatch@127.0.0.1:$QUEUE_BATCH_PG_PORT/postgres"
echo "PostgreSQL for the tests at 127.0.0.1:$QUEUE_BATCH_PG_PORT (data in $QUEUE_BATCH_PG_DIR)"
