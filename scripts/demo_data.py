"""Build the verifier demo: brands, goods, a shipment in transit, a recalled lot, a stolen item, a destroyed
one, an expired lot, a cloned code (scans recorded far apart), parties' premises, web users; print a URL for
every verdict.

Usage: LEDGER_PASSPHRASE=… python scripts/demo_data.py --home DIR --base-url http://127.0.0.1:8000
(DIR is rebuilt from scratch: it must be new, empty, or made by an earlier demo; see ledger/cli/demo_home.py).
"""

from __future__ import annotations

import argparse
import io
import time
from datetime import date
from pathlib import Path
from urllib.parse import urlencode

from ledger.chain.roles import Role
from ledger.cli.demo_home import prepare_demo_home
from ledger.codes.identifiers import ItemKey
from ledger.codes.qr_label import Label
from ledger.codes.signature import sign_code
from ledger.custody.ledger import Ledger
from ledger.custody.registration import ItemSpec
from ledger.errors import LedgerError
from ledger.geo import Location
from ledger.index.accounts import create_token, create_user, token_account
from ledger.products.catalogue import add_feature, add_picture, describe
from ledger.products.pictures import Picture, clean_picture
from ledger.products.sheet import FeatureText, ProductFacts
from ledger.proofs.events import Action
from ledger.settings import Settings
from ledger.verify.sites import INSPECTION_SITES
from ledger.verify.verifier import Verifier

PASSWORD = "demo password 1"
MEDICINE, RECALLED, OLD, BOLTS = "09521234543213", "09521234543220", "09521234543237", "80614141123458"


def _drawing(draw: str) -> Picture:
    """A picture drawn here (the demo downloads nothing): the pack's front, or the hologram on its cap."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (480, 320), "#f8fafc")
    pen = ImageDraw.Draw(image)
    if draw == "pack":
        pen.rectangle((60, 40, 420, 280), fill="#1d4ed8", outline="#0f172a", width=4)
        pen.rectangle((60, 200, 420, 240), fill="#facc15")
        pen.text((90, 80), "ACME", fill="white", font_size=64)
        pen.text((90, 160), "Aspirin 500 mg - 20 tablets", fill="white", font_size=22)
    else:
        for radius, colour in ((120, "#22c55e"), (90, "#a855f7"), (60, "#06b6d4"), (30, "#eab308")):
            pen.ellipse((240 - radius, 160 - radius, 240 + radius, 160 + radius), fill=colour)
    out = io.BytesIO()
    image.save(out, "PNG")
    return clean_picture(out.getvalue())


def _describe_products(ledger: Ledger) -> None:
    """acme's product sheet and identification guide for the medicine (see README, "Product identity and guides")."""
    now = int(time.time())
    describe(ledger.engine, "acme", ProductFacts.parse(
        MEDICINE, "Acme Aspirin 500", "Acetylsalicylic acid 500 mg, white round tablets scored on one side.",
        "20 tablets", "Acme brand protection, +31 40 123 4567, protect@acme.example"), now)
    add_picture(ledger.engine, "acme", MEDICINE, _drawing("pack"), now)
    add_feature(ledger.engine, "acme", MEDICINE, FeatureText.parse(
        "The hologram on the cap shows four rings that turn from green to purple when tilted."), _drawing("hologram"), now)
    add_feature(ledger.engine, "acme", MEDICINE, FeatureText.parse(
        "The yellow band is printed in raised ink: it can be felt with a fingertip."), None, now)


def build(home: Path, base: str) -> None:
    # The demo's own home, never LEDGER_HOME's: the database URL is the home's SQLite file, whatever the environment says.
    prepare_demo_home(home)
    settings = Settings.from_env(home=home, chain="embedded", database_url=f"sqlite:///{home / 'index.sqlite'}")
    with Ledger.init(settings) as ledger:
        ledger.add_party("acme", Role.BRAND, ["9521234"])
        ledger.add_party("bolt", Role.BRAND, ["0614141"])
        ledger.add_party("swiftfreight", Role.CARRIER)
        ledger.add_party("cornershop", Role.RETAILER)
        ledger.add_party("customs-rotterdam", Role.OFFICER)
        ledger.add_party("audit-office", Role.AUDITOR)
        ledger.add_premises("acme", Location(51.4416, 5.4697, "Acme plant, Eindhoven"))
        ledger.add_premises("cornershop", Location(52.0907, 5.1214, "Cornershop, Utrecht"))
        ledger.register("acme", [ItemSpec(MEDICINE, str(n), "LOT-2026-11", date(2028, 11, 30)) for n in range(1, 1001)])
        ledger.register("acme", [ItemSpec(RECALLED, str(n), "LOT-RECALL", date(2027, 6, 30)) for n in range(1, 201)])
        ledger.register("acme", [ItemSpec(OLD, str(n), "LOT-OLD", date(2024, 1, 31)) for n in range(1, 11)])
        ledger.register("bolt", [ItemSpec(BOLTS, str(n), None, None) for n in range(6789, 6800)])
        _describe_products(ledger)
        key = lambda serial, gtin=MEDICINE: ItemKey(gtin, str(serial))  # noqa: E731 - a local shorthand
        received = ledger.ship("acme", "swiftfreight", [key(1), key(2), key(3)], "Acme plant, Eindhoven")
        ledger.receive("swiftfreight", received.root, "Port of Rotterdam")
        ledger.ship("acme", "cornershop", [key(10)], "Acme plant, Eindhoven")
        ledger.change_status("acme", Action.RECALL, lot="LOT-RECALL")
        ledger.change_status("customs-rotterdam", Action.REPORT_STOLEN, [key(500)], location="Port of Rotterdam")
        ledger.change_status("acme", Action.DESTROY, [key(20)], location="Acme plant, Eindhoven")
        users = {"olga": "customs-rotterdam", "ann": "acme", "fred": "swiftfreight", "carl": "cornershop",
                 "audrey": "audit-office"}
        for user, party in users.items():
            create_user(ledger.engine, user, party, PASSWORD)
        token = create_token(ledger.engine, "olga", "demo scanner")
        # A cloned code: the same label scanned in Rotterdam and, half an hour later, in Shanghai, by an
        # officer (anonymous scans are no clone evidence).
        officer = token_account(ledger.engine, token)
        now = ledger.clock()
        for offset, site in ((-1800, "Port of Rotterdam"), (0, "Port of Shanghai")):
            Verifier(ledger, clock=lambda offset=offset: now + offset).verify(
                Label.signed(key(42), base, ledger.keystore.unlock("acme")).uri, INSPECTION_SITES[site], officer)
        acme = ledger.keystore.unlock("acme")

        def link(serial: int | str, gtin: str = MEDICINE, signer: str = "acme") -> str:
            return Label.signed(key(serial, gtin), base, ledger.keystore.unlock(signer)).uri

        examples = [
            ("genuine", link(1)),
            ("genuine, in transit to cornershop", link(10)),
            ("genuine + RECALLED (hold)", link(1, RECALLED)),
            ("genuine + REPORTED_STOLEN (seize)", link(500)),
            ("genuine + EXPIRED", link(1, OLD)),
            ("genuine, RFID EPC (no signature: UNSIGNED_FORM note)",
             f"{base}/verify?code=urn:epc:tag:sgtin-96:3.0614141.812345.6789"),
            ("suspect: CLONE_IMPOSSIBLE_TRAVEL (Rotterdam, then Shanghai 30 min later)", link(42)),
            ("suspect: CUSTODY_MISMATCH (acme's stock in Eindhoven, scanned at the Port of Shanghai)",
             f"{base}/verify?{urlencode({'code': link(30), 'site': 'Port of Shanghai'})}"),
            ("counterfeit: DESTROYED", link(20)),
            ("counterfeit: UNREGISTERED (validly signed, never registered)", link(99999)),
            ("counterfeit: MISSING_SIGNATURE", f"{base}/01/{MEDICINE}/21/7"),
            ("counterfeit: BAD_SIGNATURE (signature of serial 8 on serial 7)",
             f"{base}/01/{MEDICINE}/21/7?sig={sign_code(key(8), acme)}"),
            ("counterfeit: PREFIX_NOT_OWNED (signed by bolt)", link(7, signer="bolt")),
        ]
    print("\nExample codes (open in a browser, or scan the QR of a label with that URI):")
    for title, url in examples:
        print(f"  {title}\n    {url}")
    print(f"\nWeb users (password {PASSWORD!r}): " + ", ".join(f"{u} ({p})" for u, p in users.items()))
    print(f"API token of olga (officer): {token}")
    print(f"  curl -s -X POST {base}/api/v1/verify -H 'Content-Type: application/json' "
          f"-H 'Authorization: Bearer {token}' -d '{{\"code\": \"{link(1)}\", \"location\": {{\"site\": \"Port of Rotterdam\"}}}}'")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, required=True, help="The demo's own ledger home (rebuilt from scratch).")
    parser.add_argument("--base-url", default="http://127.0.0.1:8000", help="Where `ledger serve` will listen.")
    args = parser.parse_args()
    try:
        build(args.home.expanduser().resolve(), args.base_url.rstrip("/"))
    except LedgerError as exc:
        raise SystemExit(f"error: {exc.message}") from None
