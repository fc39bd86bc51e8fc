"""GS1's reference CBV 2.0 event hash generator (PyPI ``epcis-event-hash-generator``) as the tests
call it, and the ledger's pre-hash parts put in the CBV 2.0 order or in the reference's order (its
one divergence in field order; tests/unit/test_epcis_hash.py lists them all)."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from epcis_event_hash_generator import hash_generator, json_to_py

from ledger.epcis.hashing import _Canon

# The CBV 2.0 canonical property order (CBV 2.0 section 8.9; the reference generator's README table,
# with certificationInfo at 4 as its maintainers placed it), written out here rather than imported.
STANDARD_ORDER = ("eventTime", "eventTimeZoneOffset", "certificationInfo", "epcList", "parentID", "inputEPCList", "childEPCs",
                  "quantityList", "childQuantityList", "inputQuantityList", "outputEPCList", "outputQuantityList", "action",
                  "transformationID", "bizStep", "disposition", "persistentDisposition", "readPoint", "bizLocation",
                  "bizTransactionList", "sourceList", "destinationList", "sensorElementList", "ilmd")
NOT_HASHED = ("type", "eventID", "recordTime", "errorDeclaration")
# Divergence 1 (field order): the reference generator does not place these four by the table. They
# end up among the user extensions, after sensorElementList, in alphabetical order (so ilmd falls
# between destinationList and sourceList), and it writes parentID before epcList. Its own README
# illustrates example 3 with sourceList before destinationList, as the table says, above a hash that
# its code computes with destinationList first.
REFERENCE_TAIL = ("bizTransactionList", "sourceList", "destinationList", "ilmd")


def reference_prehashes(document: Mapping[str, Any]) -> list[str]:
    """GS1's reference generator on a whole document (it keeps namespaces in a module global: reset)."""
    json_to_py._namespaces.clear()
    return list(hash_generator.derive_prehashes_from_events(json_to_py.event_list_from_epcis_document_json(copy.deepcopy(document))))


def _segments(event: Mapping[str, Any], context: Any) -> tuple[dict[str, str], list[str]]:
    """Each standard field's part of the pre-hash string, and the user extensions' parts."""
    canon = _Canon(context)
    fields = {k: canon.field(k, v) for k, v in event.items() if k in STANDARD_ORDER and v not in (None, "", [], {})}
    extensions = [s for k, v in event.items() if k not in STANDARD_ORDER and k not in NOT_HASHED for s in canon.generic(k, v)]
    return fields, extensions


def in_standard_order(event: Mapping[str, Any], context: Any) -> str:
    fields, extensions = _segments(event, context)
    return f"eventType={event['type']}" + "".join(fields[k] for k in STANDARD_ORDER if k in fields) + "".join(sorted(extensions))


def in_reference_order(event: Mapping[str, Any], context: Any) -> str:
    """The same parts in the reference generator's order (divergence 1), and nothing else changed."""
    fields, extensions = _segments(event, context)
    order = [k for k in STANDARD_ORDER if k not in REFERENCE_TAIL and k != "parentID"]
    order.insert(order.index("epcList"), "parentID")
    tail = [fields[k] for k in REFERENCE_TAIL if k in fields] + extensions
    return f"eventType={event['type']}" + "".join(fields[k] for k in order if k in fields) + "".join(sorted(tail))


