#!/usr/bin/env bash
# npm start: install what is missing, then bring up Temporal, the database, the worker and the API.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec node --import tsx scripts/start.ts
