#!/bin/sh
# The image's one entry point; its first argument is the role (docker/*.compose.yml name one per service):
#   portal         check the configuration (system checks, --deploy), migrate, serve HTTP with uvicorn
#   portal-worker  the portal's Celery worker (run orchestration)
#   portal-beat    the portal's Celery beat, exactly one per portal: every 5 minutes it fails the runs
#                  still unfinished RUN_TIMEOUT_SECONDS after their start (state in /tmp)
#   miner-web      check, migrate, serve the miner's API (share intake, runs, health): with a broker
#                  (REDIS_URL) under gunicorn's WSGI threads (its worker serves /peer/ws), else uvicorn
#   miner-worker   check, then the Celery worker that computes runs and serves /peer/ws on MINER_PEER_LISTEN
#   manage ARGS    `python manage.py ARGS`, e.g. `docker compose run --rm miner-web manage show_fingerprints`
# Anything else runs as given. DEPLOYMENT_MODE follows from the role; a contradicting value stops here.
# Only the web roles migrate (the workers need the tables only when a task arrives).
# Variables read here, not by the settings: PORT (default 8000), WEB_TLS_CERT_FILE and WEB_TLS_KEY_FILE
# (uvicorn serves https itself, as in the local test consortium; behind a reverse proxy leave them unset),
# WEB_CONCURRENCY and FORWARDED_ALLOW_IPS (read by uvicorn and gunicorn themselves; a miner's gunicorn web
# takes 2 processes by default), WEB_THREADS (a miner's gunicorn threads, default 32).
set -eu

mode() {
  if [ -n "${DEPLOYMENT_MODE:-}" ] && [ "$DEPLOYMENT_MODE" != "$1" ]; then
    echo "entrypoint: role $ROLE needs DEPLOYMENT_MODE=$1, not $DEPLOYMENT_MODE" >&2
    exit 2
  fi
  export DEPLOYMENT_MODE="$1"
}

prepare() {
  # System checks refuse a misconfigured role (e.g. consortium.E010: a miner without its peers) before
  # the process serves anything.
  python manage.py check --deploy --fail-level ERROR
  python manage.py migrate --noinput
}

serve_wsgi() {
  # gunicorn's threads: about half uvicorn's CPU per share submission (docs/performance.md, "Share
  # intake"); two processes by default: 20-30 % more submissions a second than one on two cores.
  prepare
  set -- --bind "${BIND_HOST:-0.0.0.0}:${PORT:-8000}" --workers "${WEB_CONCURRENCY:-2}" \
    --worker-class gthread --threads "${WEB_THREADS:-32}"
  if [ -n "${WEB_TLS_CERT_FILE:-}" ]; then
    set -- "$@" --certfile "$WEB_TLS_CERT_FILE" --keyfile "${WEB_TLS_KEY_FILE:?WEB_TLS_KEY_FILE is not set}"
  fi
  exec python -m gunicorn consortium.wsgi:application "$@"
}

serve() {
  prepare
  set -- --host "${BIND_HOST:-0.0.0.0}" --port "${PORT:-8000}" --proxy-headers --no-server-header "$@"
  if [ -n "${WEB_TLS_CERT_FILE:-}" ]; then
    set -- "$@" --ssl-certfile "$WEB_TLS_CERT_FILE" --ssl-keyfile "${WEB_TLS_KEY_FILE:?WEB_TLS_KEY_FILE is not set}"
  fi
  exec python -m uvicorn consortium.asgi:application "$@"
}

ROLE="${1:-}"
[ $# -gt 0 ] && shift
case "$ROLE" in
  portal)
    mode portal
    serve
    ;;
  portal-worker)
    mode portal
    python manage.py check --fail-level ERROR
    exec celery --app consortium worker --loglevel "${LOG_LEVEL:-INFO}" --concurrency 1
    ;;
  portal-beat)
    mode portal
    python manage.py check --fail-level ERROR
    exec celery --app consortium beat --loglevel "${LOG_LEVEL:-INFO}" --schedule /tmp/celerybeat-schedule
    ;;
  miner-web)
    mode miner
    if [ -n "${REDIS_URL:-}${REDIS_URL_FILE:-}" ]; then
      serve_wsgi
    fi
    # Without a broker it serves /peer/ws itself: a websocket message of at most one peer-channel record
    # (1 MiB + framing), never compressed.
    serve --ws-max-size 1114168 --ws-per-message-deflate false
    ;;
  miner-worker)
    mode miner
    python manage.py check --fail-level ERROR
    # One run at a time in this process (the settings choose the solo pool), which serves /peer/ws.
    exec celery --app consortium worker --loglevel "${LOG_LEVEL:-INFO}"
    ;;
  manage)
    exec python manage.py "$@"
    ;;
  "")
    echo "entrypoint: name a role: portal, portal-worker, portal-beat, miner-web, miner-worker, manage" >&2
    exit 2
    ;;
  *)
    exec "$ROLE" "$@"
    ;;
esac
