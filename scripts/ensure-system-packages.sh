#!/usr/bin/env bash
# Installs the Debian packages the integration and browser tests need, when they are missing:
# PostgreSQL (integration tests), Redis (channel layer), Chromium (end-to-end pages), Node.js and npm
# (the JavaScript unit tests; npm installs axe-core for the accessibility checks), Caddy (the miner host's
# reverse-proxy example is validated by `caddy validate`).
# Idempotent: does nothing when all are present. Needs root (CI and the dev machines are root).
set -euo pipefail
need=()
[ -x "$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)/initdb" ] || need+=(postgresql)
command -v redis-server >/dev/null || need+=(redis-server)
command -v chromium >/dev/null || need+=(chromium)
command -v node >/dev/null || need+=(nodejs)
command -v npm >/dev/null || need+=(npm)
command -v caddy >/dev/null || need+=(caddy)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ]; then
  echo "missing system packages: ${need[*]} (install them with apt-get as root)" >&2
  exit 1
fi
echo "installing system packages: ${need[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq "${need[@]}" >/dev/null
