"""ZPL II labels for thermal label printers (Zebra and compatibles): the printer draws the QR.

Each label is one ``^XA … ^XZ`` format: the QR as ``^BQN,2,{dots}`` with the Digital Link
as its field data (error correction Q, automatic input: the printer chooses the encoding),
then the text lines in the printer's scalable font. Nothing is rasterised here, so a label
is a few hundred bytes of text and costs little more than its signature.

The printer's encoder may put the whole link in byte mode, so ZPL labels carry the
base64url form of the signature (87 characters; the decimal form is shorter only in
numeric mode), and the room kept for the QR is what byte mode needs for the link's length.
The module is a whole number of dots by construction (``^BQ``'s magnification).

Field data goes through ``^FH\\``: ``\\``, ``^`` and ``~`` are written as hex escapes, so no
text (a product name, a base URL with ``~``) can end a field or start a command.

>>> layout = ZplLayout.parse("57x32mm")
>>> layout.width, layout.height, layout.dots
(456, 256, 3)
>>> escape_field("50% off ^FS ~JA \\\\")
'50% off \\\\5EFS \\\\7EJA \\\\5C'
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

from ..errors import InvalidInput
from .qr_label import EC_LEVEL, QUIET_ZONE, Label, byte_mode_version

__all__ = ["ZplLayout", "escape_field", "zpl_label", "zpl_labels"]

_SIZE = re.compile(r"(\d+(?:\.\d+)?)x(\d+(?:\.\d+)?)(mm|in)(?:@(\d+))?", re.IGNORECASE)
_EXPECTED = "WIDTHxHEIGHT{mm|in}[@DPI], e.g. 57x32mm, 4x2in or 4x6in@300 (DPI 152, 203, 300 or 600)"
_DPIS = (152, 203, 300, 600)
MIN_DOTS, MAX_DOTS = 3, 10
DESIGN_LENGTH = 175  # characters: a link with lot, expiry and a base64url signature on a ~30-character base URL
_TEXT_MIN_WIDTH_MM = 18
_MAX_LINES = 6  # brand, product, serial, lot, expiry, "scan to verify"
_ESCAPES = str.maketrans({"\\": "\\5C", "^": "\\5E", "~": "\\7E"})


def escape_field(text: str) -> str:
    """``text`` for a ``^FH\\^FD`` field: the characters ZPL reads as commands written as hex escapes."""
    if "\\" in text or "^" in text or "~" in text:  # rare: the test is a fifth of translate's cost
        return text.translate(_ESCAPES)
    return text


@dataclass(frozen=True, slots=True)
class ZplLayout:
    """A label of ``width`` x ``height`` printer dots at ``dpi``, and the QR module in dots."""

    width: int
    height: int
    dpi: int = 203
    dots: int = 0  # 0: the largest up to twice the least at which a link of DESIGN_LENGTH fits
    _explicit_dots: bool = field(init=False, default=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_explicit_dots", bool(self.dots))
        if self.dpi not in _DPIS:
            raise InvalidInput("printer resolution", self.dpi, "is not a thermal printer's", "152, 203, 300 or 600 dpi")
        if not (self.dpi <= self.width <= 12 * self.dpi and self.dpi // 2 <= self.height <= 24 * self.dpi):
            raise InvalidInput("label size", f"{self.width}x{self.height} dots", "is outside 1 x 0.5 to 12 x 24 inches",
                               _EXPECTED)
        if self.dots and not MIN_DOTS <= self.dots <= MAX_DOTS:
            raise InvalidInput("dots per module", self.dots, f"is outside {MIN_DOTS}..{MAX_DOTS}",
                               f"{MIN_DOTS} to {MAX_DOTS} (^BQ's magnification)")
        if self.dots:
            return
        least = self._least()
        for dots in range(min(MAX_DOTS, 2 * least), least - 1, -1):
            if self._fits(byte_mode_version(DESIGN_LENGTH), dots):
                object.__setattr__(self, "dots", dots)
                return
        raise InvalidInput("label size", f"{self.width}x{self.height} dots",
                           f"is too small for a QR of a {DESIGN_LENGTH}-character link at {least} dots per module "
                           "with its text beside it", "a larger label, e.g. 57x32mm")

    def _least(self) -> int:
        """At least 3 dots at 203 dpi (0.375 mm), and proportionally more on finer printers."""
        return max(MIN_DOTS, round(MIN_DOTS * self.dpi / 203))

    @classmethod
    def parse(cls, text: str, dots: int = 0) -> ZplLayout:
        match = _SIZE.fullmatch(text.strip())
        if not match:
            raise InvalidInput("label size", text, "is not a size", _EXPECTED)
        width, height, unit, dpi_text = match.groups()
        dpi = int(dpi_text) if dpi_text else 203
        per_unit = dpi / 25.4 if unit.lower() == "mm" else dpi
        return cls(round(float(width) * per_unit), round(float(height) * per_unit), dpi, dots)

    def qr_box(self, version: int, dots: int | None = None) -> int:
        """The side in dots of a QR of ``version`` with its quiet zone."""
        return (17 + 4 * version + 2 * QUIET_ZONE) * (dots or self.dots)

    def _fits(self, version: int, dots: int) -> bool:
        box = self.qr_box(version, dots)
        return box <= self.height and self.width - box >= _TEXT_MIN_WIDTH_MM * self.dpi / 25.4

    def describe(self) -> str:
        return (f"{self.width} x {self.height} dots ({self.width * 25.4 / self.dpi:.0f} x {self.height * 25.4 / self.dpi:.0f} mm) "
                f"at {self.dpi} dpi: QR module {self.dots} dots ({self.dots * 25.4 / self.dpi:.2f} mm), "
                f"links up to {self.max_length()} characters")

    def max_length(self) -> int:
        """The longest link whose QR fits even in byte mode."""
        length = DESIGN_LENGTH
        while self._fits(byte_mode_version(length + 1), self.dots) and length < 1000:
            length += 1
        return length

    def holding(self, length: int) -> ZplLayout:
        """This layout, or with its default module lowered (not below the least) until a link of ``length``
        characters fits; a module given explicitly stays."""
        if self._explicit_dots or self._fits(byte_mode_version(length), self.dots):
            return self
        for dots in range(self.dots - 1, self._least() - 1, -1):
            if self._fits(byte_mode_version(length), dots):
                lowered = ZplLayout(self.width, self.height, self.dpi, dots)
                object.__setattr__(lowered, "_explicit_dots", False)
                return lowered
        return self

    def check_fits(self, label: Label) -> None:
        version = byte_mode_version(len(label.uri))
        if not self._fits(version, self.dots):
            raise InvalidInput("label", label.key.canonical, f"has a link of {len(label.uri)} characters, whose QR "
                               f"(version {version} in byte mode) does not fit {self.describe()}",
                               "a larger label, fewer dots per module (--dots), or a shorter base URL")


@lru_cache(maxsize=64)
def _frame(layout: ZplLayout, length: int) -> tuple[str, tuple[str, ...], int]:
    """What every label with a link of ``length`` characters shares: the format up to the link, each text
    line's field up to its text, and how many characters a line holds."""
    version = byte_mode_version(length)
    if not layout._fits(version, layout.dots):
        raise ValueError(version)
    quiet = QUIET_ZONE * layout.dots
    text_x, gap = layout.qr_box(version), layout.dpi // 25
    font = max(18, layout.dpi // 9)  # ~2.8 mm
    width = layout.width - text_x - gap
    lines = tuple(f"^FO{text_x},{quiet + i * (font + font // 4)}^A0N,{font},{font * 9 // 10}^FB{width},1,0,L^FH\\^FD"
                  for i in range(_MAX_LINES))
    head = f"^XA^CI28^PW{layout.width}^LL{layout.height}^LH0,0^FO{quiet},{quiet}^BQN,2,{layout.dots}^FH\\^FD{EC_LEVEL}A,"
    return head, lines, int(width / (0.55 * font))  # the scalable font's average width keeps lines inside ^FB's block


def zpl_label(label: Label, layout: ZplLayout) -> str:
    """One label as a ZPL format."""
    try:
        head, fields, chars = _frame(layout, len(label.uri))
    except ValueError:
        layout.check_fits(label)
        raise
    text = "".join(f"{field}{escape_field(line if len(line) <= chars else line[: chars - 1] + '…')}^FS"
                   for field, line in zip(fields, label.text_lines(), strict=False))
    return f"{head}{escape_field(label.uri)}^FS{text}^XZ\n"


def zpl_labels(labels: Iterable[Label], layout: ZplLayout) -> str:
    return "".join(zpl_label(label, layout) for label in labels)
