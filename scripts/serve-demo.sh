#!/usr/bin/env bash
# The verifier web app on demo data: set up, build a demo ledger on the embedded chain (brands, goods,
# a shipment in transit, a recalled lot, a stolen item, a cloned code…), print a URL for every verdict,
# then serve on http://127.0.0.1:8000 (Ctrl-C stops it). PORT=… to use another port.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh

export LEDGER_HOME=${LEDGER_HOME:-$PWD/.ledger-web-demo}
export LEDGER_PASSPHRASE=${LEDGER_PASSPHRASE:-demo passphrase}
export LEDGER_CHAIN=embedded
unset LEDGER_DATABASE_URL
port=${PORT:-8000}

.venv/bin/python scripts/demo_data.py --base-url "http://127.0.0.1:$port"
echo
echo "Scan page: http://127.0.0.1:$port/   API: http://127.0.0.1:$port/api/v1/openapi.json"
exec .venv/bin/ledger serve --host 127.0.0.1 --port "$port"
