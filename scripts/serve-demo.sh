#!/usr/bin/env bash
# The verifier web app on demo data: set up, build a demo ledger on the embedded chain (brands, goods,
# a shipment in transit, a recalled lot, a stolen item, a cloned code…), print a URL for every verdict,
# then serve on http://127.0.0.1:8000 (Ctrl-C stops it). PORT=… to use another port.
# It keeps its own home, .ledger-web-demo/ (DEMO_HOME=… for another), rebuilt on every run; your
# LEDGER_HOME and its keys are never used, and a directory the demo did not create is refused.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh

home=${DEMO_HOME:-$PWD/.ledger-web-demo}
export LEDGER_HOME=$home LEDGER_PASSPHRASE='demo passphrase' LEDGER_CHAIN=embedded
unset LEDGER_DATABASE_URL
port=${PORT:-8000}

.venv/bin/python scripts/demo_data.py --home "$home" --base-url "http://127.0.0.1:$port"
echo
echo "Scan page: http://127.0.0.1:$port/   API: http://127.0.0.1:$port/api/v1/openapi.json"
exec .venv/bin/ledger serve --host 127.0.0.1 --port "$port"
