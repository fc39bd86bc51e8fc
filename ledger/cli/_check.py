"""``ledger check``: a code's brand signature checked offline, against the brand directory alone.

Kept apart from the other code verbs and light on imports (no chain, no index, no label or image
libraries unless --image is given), so a check at a border post starts at once.
"""

from __future__ import annotations

from pathlib import Path

import click

from ..codes.parsing import parse_code
from ..codes.signature import BrandDirectory, verify_code_signature
from ._context import CliContext, pass_ctx, read_input, read_text_input

__all__ = ["check"]

# A directory of thousands of brands is well under a megabyte.
_MAX_BRANDS_FILE = 16 * 1024 * 1024


@click.command()
@click.argument("code", required=False)
@click.option("--brands", "brands_file", type=click.Path(exists=True, dir_okay=False, path_type=Path), required=True,
              help="Brand directory JSON (from `ledger brands export`).")
@click.option("--image", type=click.Path(exists=True, dir_okay=False, path_type=Path), help="Read the code(s) from a photo.")
@pass_ctx
def check(ctx: CliContext, code: str | None, brands_file: Path, image: Path | None) -> None:
    """Check a code's brand signature offline: no chain, no index, only the brand directory."""
    directory = BrandDirectory.parse(read_text_input(brands_file, "--brands", _MAX_BRANDS_FILE))
    texts = _texts(code, image)
    results = []
    for text in texts:
        scanned = parse_code(text)
        result = verify_code_signature(scanned.key, scanned.signature, directory)
        results.append({"key": scanned.key.canonical, "reason": result.reason.value, "detail": result.detail,
                        "brand": result.brand})

    def human() -> None:
        for r in results:
            click.echo(f"{'VALID  ' if r['reason'] == 'VALID' else 'INVALID'} {r['key']}  {r['reason']}: {r['detail']}")

    ctx.emit(results, human)
    if any(r["reason"] != "VALID" for r in results):
        raise SystemExit(1)


def _texts(code: str | None, image: Path | None) -> list[str]:
    if bool(code) == bool(image):
        raise click.UsageError("give a CODE or --image PHOTO")
    if image is not None:
        from ..codes.images import MAX_IMAGE_BYTES, read_codes  # Pillow and the barcode reader: only for photos

        return read_codes(read_input(image, "--image", MAX_IMAGE_BYTES))
    assert code is not None
    return [code]
