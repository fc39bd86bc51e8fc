#!/usr/bin/env bash
# Run a local Hardhat node on 127.0.0.1 (port $1, default 8545) for the scale-out set-up:
#   scripts/hardhat-node.sh & LEDGER_CHAIN=http://127.0.0.1:8545 ledger init
# Its state lives in memory: after a restart, run `ledger init --redeploy`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --with-node
exec npx --no-install hardhat node --hostname 127.0.0.1 --port "${1:-8545}"
