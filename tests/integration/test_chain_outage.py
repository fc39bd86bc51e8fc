"""The verifier keeps answering from the index when its chain goes away, and says so."""

from __future__ import annotations

from pathlib import Path

from ledger.chain.roles import Role
from ledger.codes.identifiers import ItemKey
from ledger.codes.qr_label import Label
from ledger.custody.ledger import Ledger
from ledger.custody.registration import ItemSpec
from ledger.settings import Settings
from ledger.verify.verifier import Verifier
from tests._hardhat import hardhat_node

GTIN = "09521234543213"


def test_a_dead_node_gives_chain_unreachable_not_an_error(tmp_path: Path) -> None:
    with hardhat_node() as url:
        settings = Settings(home=tmp_path / "home", chain=url, database_url=f"sqlite:///{tmp_path / 'index.sqlite'}",
                            passphrase="p", kdf_iterations=16)
        ledger = Ledger.init(settings)
        ledger.add_party("acme", Role.BRAND, ["9521234"])
        ledger.register("acme", [ItemSpec(GTIN, "1")])
        ledger.register("acme", [ItemSpec(GTIN, "2")])
        signer = ledger.keystore.unlock("acme")
        verifier = Verifier(ledger)
        first = verifier.verify(Label.signed(ItemKey(GTIN, "1"), "https://v.example", signer).uri)
        assert first.judgement.verdict.value == "genuine" and "CHAIN_UNREACHABLE" not in first.judgement.codes
    # The node is gone: item 2's anchor was never confirmed, so the chain must be asked, and cannot be.
    second = verifier.verify(Label.signed(ItemKey(GTIN, "2"), "https://v.example", signer).uri)
    assert second.registered and "CHAIN_UNREACHABLE" in second.judgement.codes
    assert second.judgement.verdict.value == "genuine"  # the index still vouches; the alert says it is provisional
    # Item 1's anchor was confirmed while the node was up, and anchors are append-only.
    again = verifier.verify(Label.signed(ItemKey(GTIN, "1"), "https://v.example", signer).uri)
    assert "CHAIN_UNREACHABLE" not in again.judgement.codes
    ledger.close()
