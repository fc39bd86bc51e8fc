#!/usr/bin/env bash
# Compiles the contracts with Hardhat (npm solc, see hardhat.config.js) and writes the
# committed artifact ledger/chain/contracts/ProvenanceLedger.json (+ .LICENSE), the package data
# the Python side deploys and calls the contract from.
#
#   scripts/build-contracts.sh             # compile into ./artifacts, update the committed artifact
#   scripts/build-contracts.sh OUT.json    # compile into a private temporary directory, write OUT.json
#                                          # (used by tests/integration/test_artifact.py)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

if [[ $# -eq 0 ]]; then
  npx --no-install hardhat compile --quiet
  node scripts/export-artifact.js artifacts ledger/chain/contracts/ProvenanceLedger.json
  echo "wrote ledger/chain/contracts/ProvenanceLedger.json"
  exit 0
fi

OUT="$(realpath -m "$1")"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
# Same config (compiler, optimizer, evmVersion), only artifacts and cache moved out of the tree,
# so a check never races with or depends on a developer's ./artifacts.
js() { node -p 'JSON.stringify(process.argv[1])' "$1"; }
cat >"$WORK/hardhat.config.js" <<JS
const base = require($(js "$ROOT/hardhat.config.js"));
module.exports = {
  ...base,
  paths: { ...base.paths, root: $(js "$ROOT"), artifacts: $(js "$WORK/artifacts"), cache: $(js "$WORK/cache") },
};
JS
npx --no-install hardhat --config "$WORK/hardhat.config.js" compile --quiet
node scripts/export-artifact.js "$WORK/artifacts" "$OUT"
