#!/usr/bin/env bash
# Set up and run the whole test suite: unit and integration tests on the embedded py-evm
# chain and on a real Hardhat node (started by the tests on 127.0.0.1), on SQLite and on
# the PostgreSQL server at 127.0.0.1:5432; plus mypy and ruff.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --with-node

if ! pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
  echo "PostgreSQL is not answering on 127.0.0.1:5432; starting the local cluster" >&2
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql)" main start
fi

# The browser tests drive Debian's Chromium; nothing may download a browser of its own.
if [ ! -x /usr/bin/chromium ]; then
  apt-get update -qq && apt-get install -y -qq chromium
fi

mkdir -p test-artifacts
.venv/bin/mypy
.venv/bin/ruff check
.venv/bin/lint-imports --no-cache > test-artifacts/lint-imports.txt || { cat test-artifacts/lint-imports.txt; exit 1; }
.venv/bin/python -m pytest "$@"
