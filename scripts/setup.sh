#!/usr/bin/env bash
# Set up everything the tests (and the benches: valgrind, wrk) need on a machine that has only Node and npm:
# Debian packages for the differential tests, the integration lab (proxies, app servers,
# Django, Flask, Starlette), the HTML report tests (Chromium) and the pre-commit hook test (installed only
# when missing, so a second run is quick and quiet), then the pinned npm packages.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian package -> a file it installs (checked to decide whether to install).
declare -A wanted=(
  [python3-django]=/usr/lib/python3/dist-packages/django/__init__.py
  [gunicorn]=/usr/bin/gunicorn
  [nginx]=/usr/sbin/nginx
  [libnginx-mod-stream]=/usr/lib/nginx/modules/ngx_stream_module.so
  [haproxy]=/usr/sbin/haproxy
  [caddy]=/usr/bin/caddy
  [openssl]=/usr/bin/openssl
  [curl]=/usr/bin/curl
  [valgrind]=/usr/bin/valgrind
  [wrk]=/usr/bin/wrk
  [apache2]=/usr/sbin/apache2
  [libapache2-mod-wsgi-py3]=/usr/lib/apache2/modules/mod_wsgi.so
  [uwsgi]=/usr/bin/uwsgi-core
  [uwsgi-plugin-python3]=/usr/lib/uwsgi/plugins/python3_plugin.so
  [python3-flask]=/usr/lib/python3/dist-packages/flask/__init__.py
  [python3-starlette]=/usr/lib/python3/dist-packages/starlette/__init__.py
  [python3-uvicorn]=/usr/lib/python3/dist-packages/uvicorn/__init__.py
  [chromium]=/usr/bin/chromium
  [pre-commit]=/usr/bin/pre-commit
)
missing=()
for pkg in "${!wanted[@]}"; do
  [ -e "${wanted[$pkg]}" ] || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
      echo "setup: need root (or sudo) to install: ${missing[*]}" >&2; exit 1
    fi
  fi
  echo "setup: installing Debian packages: ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

npm ci --no-fund --no-audit --loglevel=error
