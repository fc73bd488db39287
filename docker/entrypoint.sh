#!/bin/sh
# web: check the configuration, migrate, serve HTTP and websockets with uvicorn.
# worker: the Celery worker (a miner's protocol runs, the portal's orchestration).
# Anything else runs as given, e.g. `docker compose run miner0 python manage.py shell`.
set -eu

case "${1:-web}" in
  web)
    # System checks refuse a misconfigured role (e.g. consortium.E001: a miner without
    # MINER_INDEX) before the process serves anything.
    python manage.py check --deploy --fail-level ERROR
    python manage.py migrate --noinput
    exec python -m uvicorn consortium.asgi:application \
      --host 0.0.0.0 --port 8000 --proxy-headers --no-server-header
    ;;
  worker)
    python manage.py check --fail-level ERROR
    exec celery --app consortium worker --loglevel INFO --concurrency 1
    ;;
  *)
    exec "$@"
    ;;
esac
