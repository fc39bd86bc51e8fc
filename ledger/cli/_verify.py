"""``ledger verify``: the web's verifier on the command line, with the same verdict, action, reasons and scan record.

Exit codes by outcome, worst of all codes given: 0 genuine, 10 genuine with an alert (stolen,
recalled, expired, held by inspection, chain unreachable), 11 suspect, 12 counterfeit (apart
from the error codes 1-4 and 75 every command shares).
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..chain.roles import Role
from ..errors import InvalidInput
from ..geo import Location
from ..index.accounts import Account
from ..verify.report import has_alert, verification_json
from ..verify.sites import INSPECTION_SITES
from ..verify.verdicts import Verdict
from ..verify.verifier import Verification, Verifier
from ._context import CliContext, parse_coordinates, pass_ctx, read_input

__all__ = ["EXIT_OF", "verify"]

EXIT_ALERT = 10
EXIT_OF = {Verdict.GENUINE: 0, Verdict.SUSPECT: 11, Verdict.COUNTERFEIT: 12}


def _exit_code(v: Verification) -> int:
    code = EXIT_OF[v.judgement.verdict]
    return EXIT_ALERT if code == 0 and has_alert(v) else code


def _place(at: str | None, site: str | None) -> Location | None:
    if at and site:
        raise click.UsageError("give --at LAT,LON or --site NAME, not both")
    if site:
        if site not in INSPECTION_SITES:
            raise InvalidInput("--site", site, "is not a known inspection site", ", ".join(sorted(INSPECTION_SITES)))
        return INSPECTION_SITES[site]
    return parse_coordinates(at) if at else None


def _show(v: Verification) -> None:
    data = verification_json(v, with_custody=True)
    click.echo(f"{data['verdict'].upper():<12}{data['item']['key']}" + (f"  ({v.brand})" if v.brand else ""))
    click.echo(f"  {'ACTION ' + data['action'].upper():<24}{data['instruction']}")
    for reason in data["reasons"]:
        click.echo(f"  {reason['code']:<24}{reason['sentence']}")
        click.echo(f"  {'':<24}→ {reason['advice']}")
    custody = data["custody"]
    if custody:
        line = f"  status {custody['status']}, held by {custody['custodian']}"
        if custody["in_transit_to"]:
            line += f", in transit to {custody['in_transit_to']}"
        click.echo(line)
    if v.product:  # the brand's sheet: `ledger product show GTIN` has its pictures and identification guide
        click.echo(f"  product {v.product.name}" + (f", {v.product.pack_size}" if v.product.pack_size else "")
                   + (f"; identifying features: {len(v.product.features)}" if v.product.features else ""))


@click.command("verify", context_settings={"ignore_unknown_options": True})
@click.argument("code", required=False)
@click.option("--image", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Read the code(s) from a photo or scan (QR or GS1 DataMatrix).")
@click.option("--as", "party", metavar="PARTY", help="Scan as this party of the home (counts as an identified scanner).")
@click.option("--at", "at", metavar="LAT,LON", help="Where the code was scanned.")
@click.option("--site", help="Where the code was scanned, as a known inspection site (see the README).")
@click.option("--no-record", is_flag=True, help="Judge without recording the scan (it then feeds no clone rule).")
@pass_ctx
def verify(ctx: CliContext, code: str | None, image: Path | None, party: str | None, at: str | None, site: str | None,
           no_record: bool) -> None:
    """Judge CODE as the verifier does: genuine, suspect or counterfeit, with the reasons and what to do.

    Exit code: 0 genuine, 10 genuine with an alert, 11 suspect, 12 counterfeit (the worst of all codes read).
    """
    if bool(code) == bool(image):
        raise click.UsageError("give a CODE or --image PHOTO")
    place = _place(at, site)
    scanner = None
    if party:
        p = ctx.reader.party(party)
        scanner = Account(f"cli:{p.name}", p.name, p.address, Role(p.role))
    if image:
        from ..codes.images import MAX_IMAGE_BYTES, read_codes  # Pillow and the barcode reader: only for photos

        texts = read_codes(read_input(image, "--image", MAX_IMAGE_BYTES))
    else:
        texts = [code or ""]
    verifier = Verifier(ctx.reader)
    results = [verifier.verify(text, place, scanner, record=not no_record) for text in texts]

    def human() -> None:
        for v in results:
            _show(v)

    data = [verification_json(v, with_custody=True) for v in results]
    ctx.emit(data if image else data[0], human)
    worst = max(_exit_code(v) for v in results)
    if worst:
        sys.exit(worst)  # the group's close callback still runs as SystemExit unwinds
