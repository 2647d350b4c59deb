#!/usr/bin/env bash
# npm start: everything on one machine with no set-up. Starts the local Kafka broker (cached under
# .stack/), makes sure the local Postgres answers, builds the service and runs it with a development key.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/stack/stack.sh up

if ! pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
  echo "Postgres does not answer on 127.0.0.1:5432; trying to start the local cluster"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | tail -1)" main start || true
fi

# Build when there is no build yet or a source, the tariff or the dashboard changed since.
entry=dist/apps/ledger/src/main.js
if [ ! -f "$entry" ] || [ -n "$(find apps libs package.json tsconfig.json -newer "$entry" -print -quit)" ]; then
  npm run build --silent
fi

if [ -z "${LEDGER_API_KEYS:-}" ]; then
  dev_key="dev-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
  export LEDGER_API_KEYS="admin:${dev_key}"
  echo "development API key (admin role): ${dev_key}"
  echo "  try: curl -H 'Authorization: Bearer ${dev_key}' http://127.0.0.1:${PORT:-3000}/v1/ingest"
fi

LOG_FORMAT="${LOG_FORMAT:-pretty}" exec node dist/apps/ledger/src/main.js
