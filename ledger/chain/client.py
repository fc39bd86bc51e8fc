"""ChainClient: everything the ledger does on chain, on the embedded py-evm chain or a JSON-RPC node.

Transactions are signed locally with the acting party's key and sent raw, so the node never
sees a private key; reverts come back as :class:`ChainRejected` with the contract's custom
error decoded.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, cast

import requests
from eth_account.signers.local import LocalAccount
from eth_tester.exceptions import TransactionFailed
from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak
from web3 import Web3
from web3.contract.contract import Contract, ContractFunction
from web3.exceptions import ContractLogicError, TimeExhausted, Web3Exception
from web3.logs import DISCARD
from web3.types import Wei

from ..errors import ChainRejected, ChainUnreachable, LedgerError
from ..proofs.events import AnchorKind
from ._revert import describe_revert, revert_data

__all__ = ["ROLES", "AnchorRecord", "ChainClient", "OnChainAnchor", "load_artifact"]

# CARRIER, DISTRIBUTOR and RETAILER are granted beside CUSTODIAN to record a custodian's kind on chain
# (the verdicts and the app's custody rules tell them apart); the contract itself does not read them.
ROLES = {name: keccak(text=f"{name}_ROLE")
         for name in ("BRAND", "CUSTODIAN", "OFFICER", "AUDITOR", "CARRIER", "DISTRIBUTOR", "RETAILER")}
ROLES["ADMIN"] = bytes(32)  # OpenZeppelin's DEFAULT_ADMIN_ROLE


def load_artifact() -> dict[str, Any]:
    """The compiled contract committed inside the package (no Node.js needed at run time)."""
    text = resources.files("ledger.chain").joinpath("contracts/ProvenanceLedger.json").read_text()
    artifact: dict[str, Any] = json.loads(text)
    return artifact


@dataclass(frozen=True)
class AnchorRecord:
    """An anchor as its ``AnchorRecorded`` event tells it, with where it was mined."""

    root: bytes
    sequence: int
    kind: AnchorKind
    party: str
    count: int
    metadata_hash: bytes
    previous_anchor_hash: bytes
    anchor_hash: bytes
    tx_hash: bytes
    block_number: int


@dataclass(frozen=True)
class OnChainAnchor:
    """An anchor as contract storage holds it."""

    party: str
    kind: AnchorKind
    count: int
    block_number: int
    anchor_hash: bytes


class ChainClient:
    def __init__(self, w3: Web3, label: str, embedded: bool = False) -> None:
        self.w3 = w3
        self.label = label
        self.embedded = embedded
        self.artifact = load_artifact()
        self._contract: Contract | None = None

    @classmethod
    def connect(cls, chain: str, chain_dir: Path) -> ChainClient:
        """``chain`` is ``embedded`` (state in ``chain_dir``) or a JSON-RPC URL."""
        if chain == "embedded":
            from ._embedded import open_embedded_web3

            return cls(open_embedded_web3(chain_dir), f"embedded chain in {chain_dir}", embedded=True)
        w3 = Web3(Web3.HTTPProvider(chain, request_kwargs={"timeout": 30}))
        try:
            _ = w3.eth.chain_id  # the cheapest request: fails fast when nothing answers
        except (requests.RequestException, OSError, Web3Exception) as exc:
            raise ChainUnreachable(chain, type(exc).__name__ + ": " + str(exc).split("\n")[0][:200]) from None
        return cls(w3, chain)

    def close(self) -> None:
        """Release the embedded chain's store (a no-op for a JSON-RPC node)."""
        if self.embedded:
            from ._embedded import close_embedded_web3

            close_embedded_web3(self.w3)

    # -- contract ------------------------------------------------------------------------

    @property
    def contract(self) -> Contract:
        if self._contract is None:
            raise LedgerError("no ledger contract attached; run `ledger init`")
        return self._contract

    @property
    def chain_id(self) -> int:
        return int(self.w3.eth.chain_id)

    def attach(self, address: str) -> None:
        if not self.w3.eth.get_code(to_checksum_address(address)):
            raise ChainUnreachable(self.label, f"no ledger contract at {address} (was the node restarted? run `ledger init --redeploy`)")
        self._contract = self.w3.eth.contract(address=to_checksum_address(address), abi=self.artifact["abi"])

    def deploy(self, admin: LocalAccount) -> tuple[str, int]:
        """Deploy the contract with ``admin`` as its admin; return (address, block)."""
        factory = self.w3.eth.contract(abi=self.artifact["abi"], bytecode=self.artifact["bytecode"])
        receipt = self._send(admin, factory.constructor(admin.address), "deploy the ledger contract")
        self.attach(receipt["contractAddress"])
        return str(receipt["contractAddress"]), int(receipt["blockNumber"])

    # -- accounts ------------------------------------------------------------------------

    def fund(self, address: str, wei: int) -> None:
        """Give ``address`` gas money from one of the node's unlocked development accounts."""
        target = to_checksum_address(address)
        if self.w3.eth.get_balance(target) >= wei // 2:
            return
        donor = next((a for a in self.w3.eth.accounts if self.w3.eth.get_balance(a) > 2 * wei), None)
        if donor is None:
            raise ChainRejected(f"fund {address}", "the node has no unlocked account with funds; send it ETH for gas yourself")
        tx = self.w3.eth.send_transaction({"from": donor, "to": target, "value": Wei(wei)})
        self.w3.eth.wait_for_transaction_receipt(tx)

    # -- transactions --------------------------------------------------------------------

    def _send(self, account: LocalAccount, call: ContractFunction | Any, action: str) -> Any:
        try:
            tx = call.build_transaction({
                "from": account.address,
                "nonce": self.w3.eth.get_transaction_count(account.address, "pending"),
                "chainId": self.chain_id,
            })
            signed = account.sign_transaction(cast(dict[str, Any], tx))
            tx_hash = self.w3.eth.send_raw_transaction(signed.raw_transaction)
            receipt = self.w3.eth.wait_for_transaction_receipt(tx_hash, timeout=120)
        except (ContractLogicError, TransactionFailed) as exc:
            data = revert_data(exc)
            reason = describe_revert(self.artifact["abi"], data) if data else str(exc).split("\n")[0][:200]
            raise ChainRejected(action, reason) from None
        except TimeExhausted:
            raise ChainRejected(action, "the transaction was not mined within 120 s") from None
        except (requests.RequestException, OSError) as exc:
            raise ChainUnreachable(self.label, str(exc).split("\n")[0][:200]) from None
        if receipt["status"] != 1:
            raise ChainRejected(action, f"transaction 0x{bytes(tx_hash).hex()} failed")
        return receipt

    def grant_role(self, admin: LocalAccount, role: str, address: str) -> None:
        self._send(admin, self.contract.functions.grantRole(ROLES[role], address), f"grant {role} to {address}")

    def bind_prefix(self, admin: LocalAccount, prefix: str, brand: str) -> None:
        self._send(admin, self.contract.functions.bindPrefix(prefix, brand), f"bind prefix {prefix}")

    def commit_premises(self, party: LocalAccount, premises_hash: bytes) -> None:
        self._send(party, self.contract.functions.commitPremises(premises_hash), "commit the premises")

    def anchor_registration(self, brand: LocalAccount, root: bytes, count: int, prefix: str, metadata_hash: bytes) -> AnchorRecord:
        call = self.contract.functions.anchorRegistration(root, count, prefix, metadata_hash)
        return self._anchor_from(self._send(brand, call, "anchor the registration batch"))

    def anchor_events(self, account: LocalAccount, root: bytes, kind: AnchorKind, count: int, metadata_hash: bytes) -> AnchorRecord:
        call = self.contract.functions.anchorEvents(root, int(kind), count, metadata_hash)
        return self._anchor_from(self._send(account, call, f"anchor the {kind.name.lower()} events"))

    def _anchor_from(self, receipt: Any) -> AnchorRecord:
        for log in self.contract.events.AnchorRecorded().process_receipt(receipt, errors=DISCARD):
            return self._record(log)
        raise ChainRejected("anchor", "the transaction emitted no AnchorRecorded event")

    @staticmethod
    def _record(log: Any) -> AnchorRecord:
        a = log["args"]
        return AnchorRecord(
            root=bytes(a["root"]), sequence=int(a["sequence"]), kind=AnchorKind(a["kind"]), party=str(a["party"]),
            count=int(a["count"]), metadata_hash=bytes(a["metadataHash"]),
            previous_anchor_hash=bytes(a["previousAnchorHash"]), anchor_hash=bytes(a["anchorHash"]),
            tx_hash=bytes(log["transactionHash"]), block_number=int(log["blockNumber"]),
        )

    # -- reads ---------------------------------------------------------------------------

    def get_anchor(self, root: bytes) -> OnChainAnchor | None:
        party, kind, count, block, anchor_hash = self.contract.functions.getAnchor(root).call()
        if int(party, 16) == 0:
            return None
        return OnChainAnchor(str(party), AnchorKind(kind), int(count), int(block), bytes(anchor_hash))

    def has_role(self, role: str, address: str) -> bool:
        return bool(self.contract.functions.hasRole(ROLES[role], address).call())

    def prefix_owner(self, prefix: str) -> str | None:
        owner = str(self.contract.functions.prefixOwner(prefix).call())
        return None if int(owner, 16) == 0 else owner

    def conflicting_prefix(self, prefix: str) -> tuple[str, str] | None:
        """The bound prefix that ``prefix`` (6 to 12 digits) equals, starts or extends, and its brand."""
        bound, owner = self.contract.functions.conflictingPrefix(prefix).call()
        return None if int(owner, 16) == 0 else (str(bound), str(owner))

    def premises_hash(self, party: str) -> bytes:
        return bytes(self.contract.functions.premisesHash(party).call())

    def latest_anchor_hash(self) -> bytes:
        return bytes(self.contract.functions.latestAnchorHash().call())

    def block_number(self) -> int:
        return int(self.w3.eth.block_number)

    def anchors_between(self, from_block: int, to_block: int) -> list[AnchorRecord]:
        logs = self.contract.events.AnchorRecorded().get_logs(from_block=from_block, to_block=to_block)
        return sorted((self._record(log) for log in logs), key=lambda r: r.sequence)

    def prefix_bindings_between(self, from_block: int, to_block: int) -> list[tuple[str, str]]:
        logs = self.contract.events.PrefixBound().get_logs(from_block=from_block, to_block=to_block)
        return [(str(log["args"]["prefix"]), str(log["args"]["brand"])) for log in logs]
