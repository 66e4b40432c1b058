#!/usr/bin/env bash
# npm test: lint, type check, then every test against a real Temporal dev server, a real
# time-skipping test server and a fresh database on the running PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
if [ -z "${SKIP_LINT:-}" ]; then  # SKIP_LINT=1 while iterating on a few files; CI never sets it
  npx eslint .
  npx tsc --noEmit -p .
fi
exec node --import tsx test/harness/run.ts "$@"
