#!/usr/bin/env bash
# Rebuild the fixtures of tests/integration/test_migrations.py: ledger homes made by the code of
# main at b98089b (the last commit before migrations: tables made by create_all, no version table).
#
#   tests/data/index_b98089b/build.sh          (from the repository root; needs the local PostgreSQL)
#
# It runs the old code from a `git archive` of b98089b with this repository's .venv (same
# dependencies) and writes: home-sqlite.tar.gz (a home with its SQLite index), home-postgresql.tar.gz
# (a home whose index was on PostgreSQL) and index-postgresql.sql (that index, pg_dump --inserts).
# Keystore passphrase: "fixture passphrase". The files differ on every run (keys, timestamps).
set -euo pipefail
cd "$(dirname "$0")/../../.."
out=$PWD/tests/data/index_b98089b
python=$PWD/.venv/bin/python
admin_url=${LEDGER_TEST_POSTGRES:-postgresql://postgres@127.0.0.1:5432/test}
work=$(mktemp -d)
trap 'rm -rf "$work"; psql -q "$admin_url" -c "DROP DATABASE IF EXISTS ledger_fixture_b98089b WITH (FORCE)"' EXIT

git archive b98089b | tar -x -C "$work" --one-top-level=code
export PYTHONPATH=$work/code LEDGER_PASSPHRASE="fixture passphrase" LEDGER_KDF_ITERATIONS=16 LEDGER_CHAIN=embedded
unset LEDGER_DATABASE_URL
gtin=09521234543213
old_ledger() { (cd "$work" && "$python" -c 'from ledger.cli import main; main()' "$@"); }

make_home() {  # $1: home directory
  export LEDGER_HOME=$1
  old_ledger init
  old_ledger party add acme --role brand --prefix 9521234
  old_ledger party add truck --role carrier
  old_ledger party add shop --role retailer
  old_ledger party add customs --role officer
  old_ledger party locate shop 51.92,4.48 --label "Rotterdam store"
  old_ledger register --as acme --gtin $gtin --count 8 --lot L1 --expiry 2030-12-31
  old_ledger register --as acme --gtin $gtin --serials 100-103 --lot L2
  old_ledger pack --as acme --into 095212340000000013 /01/$gtin/21/1 /01/$gtin/21/2
  shipped=$(old_ledger --json ship --as acme --to truck --container 095212340000000013 /01/$gtin/21/3 /01/$gtin/21/4 \
            --location Antwerp | "$python" -c 'import json, sys; print(json.load(sys.stdin)["root"])')
  old_ledger receive --as truck "$shipped" --location Antwerp
  shipped=$(old_ledger --json ship --as truck --to shop /01/$gtin/21/3 /01/$gtin/21/4 \
            | "$python" -c 'import json, sys; print(json.load(sys.stdin)["root"])')
  old_ledger receive --as shop "$shipped" --location Rotterdam
  old_ledger status sold --as shop /01/$gtin/21/3
  old_ledger inspect --as customs --outcome passed --location Rotterdam /01/$gtin/21/4
  old_ledger status recall --as acme --lot L2
  old_ledger ship --as acme --to truck /01/$gtin/21/5 /01/$gtin/21/6   # left in transit: an open shipment
  old_ledger user add clerk --party shop --password "clerk password"
  old_ledger token create --user clerk --label scanner > /dev/null
  # Scans: the old verifier records one per verification.
  (cd "$work" && "$python" - <<PY)
from ledger.geo import Location
from ledger.ledger import Ledger
from ledger.settings import Settings
from ledger.verifier import Verifier

with Ledger.open(Settings.from_env()) as ledger:
    verifier = Verifier(ledger)
    verifier.verify("https://id.example.com/01/$gtin/21/4", Location(51.92, 4.48, "Rotterdam"))
    verifier.verify("/01/$gtin/21/100")
    verifier.verify("/01/$gtin/21/7", Location(52.37, 4.90, "Amsterdam"))
PY
  old_ledger audit
}

make_home "$work/sqlite/home"
tar -czf "$out/home-sqlite.tar.gz" -C "$work/sqlite" home

psql -q "$admin_url" -c "DROP DATABASE IF EXISTS ledger_fixture_b98089b WITH (FORCE)" -c "CREATE DATABASE ledger_fixture_b98089b"
pg_url=${admin_url%/*}/ledger_fixture_b98089b
export LEDGER_DATABASE_URL=${pg_url/postgresql:/postgresql+psycopg:}
make_home "$work/postgresql/home"
tar -czf "$out/home-postgresql.tar.gz" -C "$work/postgresql" home
pg_dump --inserts --no-owner --no-privileges "$pg_url" > "$out/index-postgresql.sql"
ls -l "$out"
