#!/usr/bin/env bash
# Usage: scripts/with-services.sh CMD [ARGS...]
# Starts a throwaway PostgreSQL and Redis on free 127.0.0.1 ports, exports DATABASE_URL and
# REDIS_URL (and PG*), runs CMD, then stops both from an EXIT trap and propagates CMD's exit code.
# As root, PostgreSQL runs as the 'postgres' system user (initdb and pg_ctl refuse root).
set -euo pipefail
PGBIN=${PGBIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}
if [ -z "$PGBIN" ] || [ ! -x "$PGBIN/initdb" ]; then
  echo "with-services: PostgreSQL is not installed (scripts/ensure-system-packages.sh installs it)" >&2
  exit 1
fi
command -v redis-server >/dev/null || { echo "with-services: redis-server is not installed" >&2; exit 1; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

SVC_TMP=$(mktemp -d "${TMPDIR:-/tmp}/consortium-svc.XXXXXX")
chmod 755 "$SVC_TMP"  # 'postgres' must traverse it
RPID=""
if [ "$(id -u)" = 0 ]; then
  id -u postgres >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin postgres
  AS_PG=(runuser -u postgres --)
else
  AS_PG=()
fi
cleanup() {
  set +e
  [ -n "$RPID" ] && kill "$RPID" 2>/dev/null && wait "$RPID" 2>/dev/null
  if [ -f "$SVC_TMP/pg/data/postmaster.pid" ]; then
    (cd "$SVC_TMP" && "${AS_PG[@]}" "$PGBIN/pg_ctl" -D "$SVC_TMP/pg/data" -m immediate -w stop >/dev/null)
  fi
  rm -rf "$SVC_TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mkdir -p "$SVC_TMP/pg"
[ "$(id -u)" = 0 ] && chown postgres: "$SVC_TMP/pg"
PGPORT=$(free_port)
(
  cd "$SVC_TMP"  # runuser'd tools warn when they cannot enter the caller's directory
  "${AS_PG[@]}" "$PGBIN/initdb" -D "$SVC_TMP/pg/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 \
    --no-sync >"$SVC_TMP/pg/initdb.log"
  "${AS_PG[@]}" "$PGBIN/pg_ctl" -D "$SVC_TMP/pg/data" -l "$SVC_TMP/pg/server.log" -w -t 30 -o \
    "-c listen_addresses=127.0.0.1 -p $PGPORT -k $SVC_TMP/pg -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
    start >/dev/null
  "$PGBIN/createdb" -h 127.0.0.1 -p "$PGPORT" -U postgres consortium
)

mkdir -p "$SVC_TMP/redis"
REDIS_PORT=$(free_port)
redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --dir "$SVC_TMP/redis" --save '' --appendonly no \
  --daemonize no --logfile "$SVC_TMP/redis/redis.log" &
RPID=$!
for _ in $(seq 50); do redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done
redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping >/dev/null

export PGHOST=127.0.0.1 PGPORT PGUSER=postgres PGDATABASE=postgres
export DATABASE_URL="postgres://postgres@127.0.0.1:$PGPORT/consortium"
export REDIS_URL="redis://127.0.0.1:$REDIS_PORT/0"
echo "services: postgresql 127.0.0.1:$PGPORT, redis 127.0.0.1:$REDIS_PORT" >&2
"$@"
