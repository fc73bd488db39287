#!/bin/sh
# web: check the configuration, migrate, serve HTTP and websockets with uvicorn.
# worker: the Celery worker (a miner's protocol runs, the portal's orchestration).
# beat: the portal's Celery beat, exactly one per portal (CELERY_BEAT_SCHEDULE: every 5 minutes it
#   fails the runs still unfinished RUN_TIMEOUT_SECONDS after their start). Its state lives in /tmp.
# Anything else runs as given, e.g. `docker compose run miner0 python manage.py shell`.
set -eu

case "${1:-web}" in
  web)
    # System checks refuse a misconfigured role (e.g. consortium.E001: a miner without
    # MINER_INDEX) before the process serves anything.
    python manage.py check --deploy --fail-level ERROR
    python manage.py migrate --noinput
    # A websocket message of at most one peer-channel record (1 MiB + framing), never compressed.
    exec python -m uvicorn consortium.asgi:application \
      --host 0.0.0.0 --port 8000 --proxy-headers --no-server-header \
      --ws-max-size 1114168 --ws-per-message-deflate false
    ;;
  worker)
    python manage.py check --fail-level ERROR
    exec celery --app consortium worker --loglevel INFO --concurrency 1
    ;;
  beat)
    python manage.py check --fail-level ERROR
    exec celery --app consortium beat --loglevel INFO --schedule /tmp/celerybeat-schedule
    ;;
  *)
    exec "$@"
    ;;
esac
