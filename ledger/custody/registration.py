"""Planning a registration batch: validate every item, then build its Merkle tree.

Nothing here touches the chain or the database; :class:`ledger.custody.ledger.Ledger` anchors and
stores the plan. GS1 checks run once per distinct GTIN / lot, serials through biip's AI 21
pattern, so a million items validate in seconds.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from ..codes.identifiers import ai_value_pattern, canonical_key, item_id_of, validate_gtin, validate_lot, validate_serial
from ..errors import DuplicateItem, InvalidInput, InvalidItemKey, PrefixOwned
from ..proofs.merkle import MerkleTree, attributes_hash, item_leaf
from .state import STATE_COLUMNS, ItemState

__all__ = ["ITEM_COLUMNS", "MAX_BATCH", "MAX_CSV_BYTES", "BatchPlan", "ItemSpec", "plan_batch", "read_items_csv",
           "serial_range"]

# Column order of BatchPlan.rows, as the item table's bulk insert takes them.
ITEM_COLUMNS = ("item_id", "gtin", "serial", "lot", "expiry", "batch_root", "brand", "head_hash", *STATE_COLUMNS)

MAX_BATCH = 1_000_000  # uint40 on chain allows more; this bounds one transaction's memory
MAX_CSV_BYTES = 200 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class ItemSpec:
    gtin: str
    serial: str
    lot: str | None = None
    expiry: date | None = None


def serial_range(start: int, count: int) -> Iterator[str]:
    if start < 0 or count < 1:
        raise InvalidInput("serial range", f"{start}+{count}", "starts below 0 or is empty", "a start ≥ 0 and a count ≥ 1")
    if len(str(start + count - 1)) > 20:
        raise InvalidInput("serial range", f"{start}+{count}", "reaches serials over 20 digits", "serials of at most 20 digits")
    return (str(n) for n in range(start, start + count))


def read_items_csv(data: bytes | str) -> list[ItemSpec]:
    """Items from CSV with a header ``gtin,serial[,lot][,expiry]`` (expiry as YYYY-MM-DD)."""
    if isinstance(data, bytes):
        raw = data
        if len(raw) > MAX_CSV_BYTES:
            raise InvalidInput("CSV", f"{len(raw)} bytes", "is too large", f"at most {MAX_CSV_BYTES} bytes")
        try:
            data = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = raw.count(b"\n", 0, exc.start) + 1
            raise InvalidInput(f"CSV line {line}", f"byte 0x{raw[exc.start]:02X}", "is not UTF-8", "a UTF-8 text file") from None
    reader = csv.reader(io.StringIO(data))
    items = []
    serial_ok = ai_value_pattern("21").fullmatch
    lots: set[str] = set()
    try:
        header = [h.strip().lower() for h in next(reader, [])]
        if not {"gtin", "serial"} <= set(header) or not set(header) <= {"gtin", "serial", "lot", "expiry"}:
            raise InvalidInput("CSV header", ",".join(header), "does not name the columns", "gtin,serial[,lot][,expiry]")
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue
            if len(row) != len(header):
                raise InvalidInput(f"CSV line {reader.line_num}", ",".join(row), f"has {len(row)} fields",
                                   f"{len(header)} fields ({','.join(header)})")
            cells = dict(zip(header, (c.strip() for c in row), strict=False))
            spec = ItemSpec(cells["gtin"], cells["serial"], cells.get("lot") or None,
                            _parse_expiry(cells.get("expiry"), reader.line_num))
            _check_row(spec, reader.line_num, serial_ok, lots)
            items.append(spec)
    except csv.Error as exc:
        raise InvalidInput(f"CSV line {reader.line_num}", "", str(exc), "well-formed CSV") from None
    if not items:
        raise InvalidInput("CSV", "", "has no items", "at least one row under the header")
    return items


def _check_row(spec: ItemSpec, line: int, serial_ok: Callable[[str], object], lots: set[str]) -> None:
    """The GS1 checks plan_batch makes, here where the line is known, so an error names it."""
    try:
        validate_gtin(spec.gtin)
        if not serial_ok(spec.serial):
            validate_serial(spec.serial)
        if spec.lot is not None and spec.lot not in lots:
            lots.add(validate_lot(spec.lot))
    except InvalidItemKey as exc:
        raise InvalidItemKey(f"{exc.field} on CSV line {line}", exc.value, exc.problem, exc.expected) from None


def _parse_expiry(text: str | None, line: int) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"expiry on CSV line {line}", text, "is not a date", "YYYY-MM-DD") from None


@dataclass(frozen=True)
class BatchPlan:
    brand: str
    company_prefix: str
    timestamp: int
    tree: MerkleTree
    rows: list[tuple[Any, ...]]

    @property
    def root(self) -> bytes:
        return self.tree.root

    @property
    def count(self) -> int:
        return len(self.rows)


def plan_batch(brand: str, brand_prefixes: Iterable[str], items: Iterable[ItemSpec], timestamp: int,
               owners: dict[str, str] | None = None) -> BatchPlan:
    """Validate ``items`` for ``brand`` and build the batch's tree and index rows.

    All items must fall under one of the brand's GS1 company prefixes, and one batch under
    one prefix (the contract checks the brand owns the prefix it anchors under).
    ``owners`` maps other brands' prefixes to their names, for a precise refusal.
    """
    prefixes = sorted(brand_prefixes, key=len, reverse=True)
    serial_ok = ai_value_pattern("21").fullmatch
    gtins: dict[str, tuple[str, str]] = {}
    attrs: dict[tuple[str | None, date | None], bytes] = {}
    seen: set[bytes] = set()
    specs: list[tuple[str, str, str, str | None, date | None, str]] = []
    leaves: list[bytes] = []
    batch_prefix: str | None = None
    for spec in items:
        if spec.gtin not in gtins:
            gtin14 = validate_gtin(spec.gtin)
            prefix = next((p for p in prefixes if gtin14[1:].startswith(p)), None)
            if prefix is None:
                owner = next((o for p, o in (owners or {}).items() if gtin14[1:].startswith(p)), None)
                if owner is not None:
                    raise PrefixOwned(next(p for p in (owners or {}) if gtin14[1:].startswith(p)), owner)
                raise InvalidItemKey("GTIN", spec.gtin, f"is not under the brand's GS1 company prefixes ({', '.join(prefixes) or 'none'})",
                                     "a GTIN whose company prefix the brand owns")
            gtins[spec.gtin] = (gtin14, prefix)
        gtin14, prefix = gtins[spec.gtin]
        if batch_prefix is None:
            batch_prefix = prefix
        elif prefix != batch_prefix:
            raise InvalidInput("batch", spec.gtin, f"mixes company prefixes {batch_prefix} and {prefix}",
                               "one batch per company prefix")
        if not serial_ok(spec.serial):
            validate_serial(spec.serial)  # raises the precise message
        key = (spec.lot, spec.expiry)
        if key not in attrs:
            if spec.lot is not None:
                validate_lot(spec.lot)
            attrs[key] = attributes_hash(spec.lot, spec.expiry)
        item_id = item_id_of(gtin14, spec.serial)
        if item_id in seen:
            raise DuplicateItem(canonical_key(gtin14, spec.serial), "listed twice in this batch")
        seen.add(item_id)
        leaf = item_leaf(item_id, attrs[key])
        leaves.append(leaf)
        specs.append(("0x" + item_id.hex(), gtin14, spec.serial, spec.lot, spec.expiry, "0x" + leaf.hex()))
        if len(specs) > MAX_BATCH:
            raise InvalidInput("batch", f"{len(specs)}+ items", "is too large", f"at most {MAX_BATCH:,} items per batch")
    if not specs or batch_prefix is None:
        raise InvalidInput("batch", "0 items", "is empty", "at least one item")
    tree = MerkleTree.build(leaves)
    root = "0x" + tree.root.hex()
    state = ItemState.registered(brand).row
    rows = [(item_id, gtin14, serial, lot, expiry, root, brand, head, *state) for item_id, gtin14, serial, lot, expiry, head in specs]
    return BatchPlan(brand, batch_prefix, timestamp, tree, rows)
