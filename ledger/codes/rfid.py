"""RFID batch export: one CSV row per item for bulk tag encoders.

>>> print(epc_csv([ItemKey("80614141123458", "6789")], 7, filter_value=3).strip())
key,epc_urn,tag_uri,hex
/01/80614141123458/21/6789,urn:epc:id:sgtin:0614141.812345.6789,urn:epc:tag:sgtin-96:3.0614141.812345.6789,3074257BF7194E4000001A85
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from .epc import DEFAULT_FILTER, SgtinTag
from .identifiers import ItemKey

__all__ = ["epc_csv"]


def epc_csv(keys: Iterable[ItemKey], prefix_length: int, filter_value: int = DEFAULT_FILTER) -> str:
    """CSV with key, EPC URN, tag URI and hex; SGTIN-96 where the serial fits, SGTIN-198 otherwise."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["key", "epc_urn", "tag_uri", "hex"])
    for key in keys:
        tag = SgtinTag.for_key(key, prefix_length, filter_value)
        writer.writerow([key.canonical, tag.sgtin.urn, tag.uri, tag.hex])
    return out.getvalue()
