#!/usr/bin/env bash
# Install everything the ledger and its tests need, from the package registries only:
# a Python virtualenv in .venv (the package, editable, with test tools) and the npm
# packages for Hardhat (pinned by package-lock.json). Idempotent; quiet when up to date.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
stamp=.venv/.installed-$(cat pyproject.toml | sha256sum | cut -c1-16)
if [ ! -f "$stamp" ]; then
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet -e '.[test]'
  rm -f .venv/.installed-* && touch "$stamp"
fi

if [ "${1:-}" = "--with-node" ]; then
  lockstamp=node_modules/.installed-$(sha256sum package-lock.json | cut -c1-16)
  if [ ! -f "$lockstamp" ]; then
    npm ci --no-audit --no-fund --loglevel=error
    touch "$lockstamp"
  fi
fi
