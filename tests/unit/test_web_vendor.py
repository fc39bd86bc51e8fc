"""The browser libraries committed in web/static/vendor are the npm packages package-lock.json pins (when installed)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "vendor-web.sh"
COPIES = re.findall(r"^copy (\S+) (\S+)$", SCRIPT.read_text(), re.MULTILINE)


def test_every_vendored_library_has_its_licence_beside_it() -> None:
    vendored = {name for _, name in COPIES}
    for _, name in COPIES:
        assert (ROOT / "web" / "static" / "vendor" / name).is_file(), name
    for source, name in COPIES:
        if not name.endswith(".LICENSE"):
            assert f"{source.split('/')[0].replace('uplot', 'uPlot')}.LICENSE" in vendored, name


@pytest.mark.skipif(not (ROOT / "node_modules" / "d3-geo").is_dir(), reason="scripts/setup.sh --with-node installs them")
@pytest.mark.parametrize(("source", "name"), COPIES)
def test_vendored_files_are_the_pinned_packages(source: str, name: str) -> None:
    assert (ROOT / "web" / "static" / "vendor" / name).read_bytes() == (ROOT / "node_modules" / source).read_bytes(), (
        f"{name} differs from node_modules/{source}: run scripts/vendor-web.sh")
