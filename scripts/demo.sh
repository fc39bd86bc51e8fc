#!/usr/bin/env bash
# Set up, create a demo ledger on the embedded chain (no services needed) and walk through
# it: two brands, a carrier, a retailer, an officer; a registered batch, a shipment in
# transit, a received one, a recalled lot, a stolen item; then verify, trace, print labels,
# encode an RFID tag, export EPCIS 2.0 and audit the whole ledger against the chain.
# It keeps its own home, .ledger-demo/ (DEMO_HOME=… for another), rebuilt on every run; your
# LEDGER_HOME and its keys are never used, and a directory the demo did not create is refused.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh

home=${DEMO_HOME:-$PWD/.ledger-demo}
.venv/bin/python -m ledger.cli.demo_home "$home"
export LEDGER_HOME=$home LEDGER_PASSPHRASE='demo passphrase' LEDGER_CHAIN=embedded
unset LEDGER_DATABASE_URL
ledger=.venv/bin/ledger
say() { printf '\n\033[1m$ ledger %s\033[0m\n' "$*"; "$ledger" "$@"; }

say init
say party add acme --role brand --prefix 9521234
say party add bolt --role brand --prefix 0614141
say party add swiftfreight --role carrier
say party add cornershop --role retailer
say party add customs-rotterdam --role officer
say register --as acme --gtin 09521234543213 --count 1000 --lot LOT-2026-11 --expiry 2028-11-30
say register --as acme --gtin 09521234543220 --count 200 --lot LOT-RECALL --expiry 2027-06-30
say register --as bolt --gtin 80614141123458 --serials 6789-6799
shipment=$("$ledger" --json ship --as acme --to swiftfreight /01/09521234543213/21/1 /01/09521234543213/21/2 \
  /01/09521234543213/21/3 --location "Acme plant, Eindhoven" | .venv/bin/python -c 'import json,sys; print(json.load(sys.stdin)["root"])')
echo "shipment $shipment"
say receive --as swiftfreight "$shipment" --location "Port of Rotterdam"
say ship --as acme --to cornershop /01/09521234543213/21/10 --location "Acme plant, Eindhoven"
say status recall --as acme --lot LOT-RECALL
say status stolen --as customs-rotterdam /01/09521234543213/21/500 --location "Port of Rotterdam"
say verify "https://verify.example.com/01/09521234543213/21/1?17=281130" || true  # the exit code is the verdict (0 genuine, 10 alert, 11 suspect, 12 counterfeit)
say verify "(01)09521234543213(21)500" || true  # the exit code is the verdict (0 genuine, 10 alert, 11 suspect, 12 counterfeit)
say verify urn:epc:tag:sgtin-96:3.0614141.812345.6789 || true  # the exit code is the verdict (0 genuine, 10 alert, 11 suspect, 12 counterfeit)
say verify /01/09521234543213/21/99999 || true
say trace /01/09521234543213/21/1
say labels --as acme --out "$LEDGER_HOME/labels.pdf" /01/09521234543213/21/1 /01/09521234543213/21/2 /01/09521234543213/21/3
say rfid encode /01/09521234543213/21/1
say epcis export /01/09521234543213/21/1 --out "$LEDGER_HOME/item-1.epcis.jsonld"
say audit
say sync
echo
echo "Demo ledger in $LEDGER_HOME. Try: LEDGER_HOME=$LEDGER_HOME LEDGER_PASSPHRASE='$LEDGER_PASSPHRASE' .venv/bin/ledger --help"
