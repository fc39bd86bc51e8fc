"""ChainClient: everything the ledger does on chain, on the embedded py-evm chain or a JSON-RPC node.

Transactions are signed locally with the acting party's key and sent raw, so the node never
sees a private key; reverts come back as :class:`ChainRejected` with the contract's custom
error decoded. An anchor is signed first (:class:`SignedTx`), so the ledger can journal the
exact transaction before sending it, and :meth:`ChainClient.settle` can later tell whether
that transaction anchored its root, never will, or is not known yet.

Reads on the verify path (``get_anchor(…, quick=True)``) use their own connection with a short
timeout and no retries, behind a circuit breaker: a hung node costs one short wait, after which
verifications go on from the index (CHAIN_UNREACHABLE) until a probe finds the node back.
"""

from __future__ import annotations

import contextlib
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
from hexbytes import HexBytes
from web3 import Web3
from web3.contract.contract import Contract, ContractFunction
from web3.exceptions import ContractLogicError, RequestTimedOut, TimeExhausted, TransactionNotFound, Web3Exception, Web3RPCError
from web3.logs import DISCARD
from web3.types import Wei

from ..errors import ChainRejected, ChainUnreachable, ContractMissing, LedgerError, TxOutcomeUnknown
from ..proofs.events import AnchorKind
from .breaker import CircuitBreaker, CircuitOpen
from .revert import describe_revert, revert_data

__all__ = ["ROLES", "AnchorRecord", "ChainClient", "OnChainAnchor", "Settlement", "SignedTx", "load_artifact"]

# What a failed request to the node raises (connection refused or reset, timeout, an RPC error).
_NODE_FAILURES = (requests.RequestException, OSError, Web3Exception)

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
class SignedTx:
    """A transaction signed and not yet sent: what the journal records before sending it."""

    tx_hash: bytes
    sender: str
    nonce: int
    raw: bytes
    action: str  # what it does, for messages: "anchor the registration batch"


@dataclass(frozen=True)
class Settlement:
    """Where a journalled anchor transaction stands: anchored (``record``), certainly never (``gone``, why),
    or not known yet (``waiting``, why)."""

    record: AnchorRecord | None = None
    gone: str = ""
    waiting: str = ""


def _first_line(exc: BaseException) -> str:
    return str(exc).split("\n")[0][:200] or type(exc).__name__


@dataclass(frozen=True)
class OnChainAnchor:
    """An anchor as contract storage holds it."""

    party: str
    kind: AnchorKind
    count: int
    block_number: int
    anchor_hash: bytes


class ChainClient:
    def __init__(self, w3: Web3, label: str, embedded: bool = False, quick_w3: Web3 | None = None,
                 receipt_timeout: float = 120.0) -> None:
        self.w3 = w3
        self.quick_w3 = quick_w3 or w3
        self.label = label
        self.embedded = embedded
        self.receipt_timeout = receipt_timeout
        self.breaker = CircuitBreaker()
        self.artifact = load_artifact()
        self._contract: Contract | None = None
        self._quick_contract: Contract | None = None

    @classmethod
    def connect(cls, chain: str, chain_dir: Path, read_timeout: float = 2.0, write_timeout: float = 120.0) -> ChainClient:
        """``chain`` is ``embedded`` (state in ``chain_dir``) or a JSON-RPC URL.

        ``read_timeout`` bounds each quick read (the verifier's); ``write_timeout`` bounds the wait for a sent
        transaction's receipt (each other request waits at most 30 s of it).
        """
        if chain == "embedded":
            from ._embedded import open_embedded_web3

            return cls(open_embedded_web3(chain_dir), f"embedded chain in {chain_dir}", embedded=True,
                       receipt_timeout=write_timeout)
        w3 = Web3(Web3.HTTPProvider(chain, request_kwargs={"timeout": min(30.0, write_timeout)}))
        # web3 retries reads such as eth_call five times with back-off: on a hung node that multiplies the
        # wait. Quick reads try once; the breaker decides when to try again.
        quick = Web3(Web3.HTTPProvider(chain, request_kwargs={"timeout": read_timeout}, exception_retry_configuration=None))
        try:
            _ = w3.eth.chain_id  # the cheapest request: fails fast when nothing answers
        except _NODE_FAILURES as exc:
            raise ChainUnreachable(chain, type(exc).__name__ + ": " + _first_line(exc)) from None
        return cls(w3, chain, quick_w3=quick, receipt_timeout=write_timeout)

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
            raise ContractMissing(self.label, address)
        self._contract = self.w3.eth.contract(address=to_checksum_address(address), abi=self.artifact["abi"])
        self._quick_contract = self.quick_w3.eth.contract(address=to_checksum_address(address), abi=self.artifact["abi"])

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

    def _revert_reason(self, exc: Exception) -> str:
        data = revert_data(exc)
        return describe_revert(self.artifact["abi"], data) if data else _first_line(exc)

    def _sign(self, account: LocalAccount, call: ContractFunction | Any, action: str) -> SignedTx:
        """Build (estimating gas, so a revert shows here) and sign; nothing is sent."""
        try:
            tx = call.build_transaction({
                "from": account.address,
                "nonce": self.w3.eth.get_transaction_count(account.address, "pending"),
                "chainId": self.chain_id,
            })
        except (ContractLogicError, TransactionFailed) as exc:
            raise ChainRejected(action, self._revert_reason(exc)) from None
        except Web3RPCError as exc:
            if isinstance(exc, RequestTimedOut):
                raise ChainUnreachable(self.label, _first_line(exc)) from None
            raise ChainRejected(action, _first_line(exc)) from None  # the node answered with a refusal
        except _NODE_FAILURES as exc:
            raise ChainUnreachable(self.label, _first_line(exc)) from None
        signed = account.sign_transaction(cast(dict[str, Any], tx))
        return SignedTx(bytes(signed.hash), account.address, int(tx["nonce"]), bytes(signed.raw_transaction), action)

    def _submit(self, signed: SignedTx) -> Any:
        """Send ``signed`` and wait for its receipt.

        ChainRejected if the node refused it or it reverted: it then certainly anchors nothing.
        TxOutcomeUnknown if the node's answer was lost or late: it may be mined, now or later.
        """
        tx = "0x" + signed.tx_hash.hex()
        try:
            self.w3.eth.send_raw_transaction(signed.raw)
        except (ContractLogicError, TransactionFailed) as exc:
            raise ChainRejected(signed.action, self._revert_reason(exc)) from None
        except RequestTimedOut as exc:
            raise TxOutcomeUnknown(self.label, tx, f"the node timed out ({_first_line(exc)})") from None
        except Web3RPCError as exc:  # the node answered with a refusal (nonce used, no funds…)
            raise ChainRejected(signed.action, _first_line(exc)) from None
        except _NODE_FAILURES as exc:
            raise TxOutcomeUnknown(self.label, tx, f"the node's answer was lost ({_first_line(exc)})") from None
        try:
            receipt = self.w3.eth.wait_for_transaction_receipt(HexBytes(signed.tx_hash), timeout=self.receipt_timeout)
        except TimeExhausted:
            raise TxOutcomeUnknown(self.label, tx, f"it was not mined within {self.receipt_timeout:g} s") from None
        except _NODE_FAILURES as exc:  # sent: whatever went wrong since, it may be mined
            raise TxOutcomeUnknown(self.label, tx, f"its receipt could not be read ({_first_line(exc)})") from None
        if receipt["status"] != 1:
            raise ChainRejected(signed.action, f"transaction {tx} failed")
        return receipt

    def _send(self, account: LocalAccount, call: ContractFunction | Any, action: str) -> Any:
        return self._submit(self._sign(account, call, action))

    def grant_role(self, admin: LocalAccount, role: str, address: str) -> None:
        self._send(admin, self.contract.functions.grantRole(ROLES[role], address), f"grant {role} to {address}")

    def bind_prefix(self, admin: LocalAccount, prefix: str, brand: str) -> None:
        self._send(admin, self.contract.functions.bindPrefix(prefix, brand), f"bind prefix {prefix}")

    def publish_profile(self, party: LocalAccount, name: str, url: str) -> None:
        """Publish ``party``'s own directory entry (its name and service URL) on chain."""
        self._send(party, self.contract.functions.publishProfile(name, url), "publish the directory entry")

    def commit_premises(self, party: LocalAccount, premises_hash: bytes) -> None:
        self._send(party, self.contract.functions.commitPremises(premises_hash), "commit the premises")

    def sign_registration(self, brand: LocalAccount, root: bytes, count: int, prefix: str, metadata_hash: bytes) -> SignedTx:
        call = self.contract.functions.anchorRegistration(root, count, prefix, metadata_hash)
        return self._sign(brand, call, "anchor the registration batch")

    def sign_events(self, account: LocalAccount, root: bytes, kind: AnchorKind, count: int, metadata_hash: bytes) -> SignedTx:
        call = self.contract.functions.anchorEvents(root, int(kind), count, metadata_hash)
        return self._sign(account, call, f"anchor the {kind.name.lower()} events")

    def send_anchor(self, signed: SignedTx) -> AnchorRecord:
        """Send a signed anchor and wait for it (see :meth:`_submit` for what it raises)."""
        return self._anchor_from(self._submit(signed))

    def anchor_registration(self, brand: LocalAccount, root: bytes, count: int, prefix: str, metadata_hash: bytes) -> AnchorRecord:
        return self.send_anchor(self.sign_registration(brand, root, count, prefix, metadata_hash))

    def anchor_events(self, account: LocalAccount, root: bytes, kind: AnchorKind, count: int, metadata_hash: bytes) -> AnchorRecord:
        return self.send_anchor(self.sign_events(account, root, kind, count, metadata_hash))

    def settle(self, root: bytes, signed: SignedTx) -> Settlement:
        """Where the journalled transaction ``signed``, anchoring ``root``, stands; sends it again if the node lost it.

        Certain answers only: anchored (by its sender), or gone because the sender's nonce moved past it
        while the root stayed unanchored. A transaction the node does not know, with its nonce still free,
        is sent again (the same bytes: it can still anchor only once); anything else is ``waiting``.
        """
        try:
            return self._settle(root, signed, resend=True)
        except TxOutcomeUnknown as exc:
            return Settlement(waiting=exc.detail)
        except _NODE_FAILURES as exc:
            return Settlement(waiting=f"the chain did not answer ({_first_line(exc)})")

    def _settle(self, root: bytes, signed: SignedTx, resend: bool) -> Settlement:
        tx = "0x" + signed.tx_hash.hex()
        # The nonce before the anchor: if the nonce was already used and the root is not anchored in the later
        # state read after it, the transaction that used the nonce was not this one, or this one reverted.
        used = int(self.w3.eth.get_transaction_count(to_checksum_address(signed.sender), "latest"))
        on_chain = self.get_anchor(root)
        if on_chain is not None:
            block = on_chain.block_number
            record = next((r for r in self.anchors_between(block, block) if r.root == root), None)
            if record is None:
                return Settlement(waiting=f"its root is anchored in block {block}, but the node gave no log of it")
            if record.party != signed.sender:
                return Settlement(gone=f"its root was anchored by {record.party}, not by its signer {signed.sender}")
            return Settlement(record=record)
        if used > signed.nonce:
            return Settlement(gone=f"nonce {signed.nonce} of {signed.sender} was used by another transaction "
                                   f"(or {tx} reverted) and the root is not anchored")
        try:
            self.w3.eth.get_transaction(HexBytes(signed.tx_hash))
            return Settlement(waiting=f"it is waiting in the node's pool to be mined (nonce {signed.nonce})")
        except TransactionNotFound:
            pass
        if not resend:
            return Settlement(waiting=f"the node does not know {tx} and nonce {signed.nonce} is still free")
        with contextlib.suppress(ChainRejected):  # refused now (e.g. the nonce was just used): look again
            self._submit(signed)
        return self._settle(root, signed, resend=False)

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

    def get_anchor(self, root: bytes, quick: bool = False) -> OnChainAnchor | None:
        """The anchor of ``root`` in contract storage, or None.

        ``quick``: for the verify path: a short timeout, no retries, behind the breaker; any failure is
        ChainUnreachable, at once while the breaker is open.
        """
        if not quick:
            return self._read_anchor(self.contract, root)
        if self._quick_contract is None:
            raise LedgerError("no ledger contract attached; run `ledger init`")
        contract = self._quick_contract
        try:
            return self.breaker.call(lambda: self._read_anchor(contract, root), _NODE_FAILURES)
        except CircuitOpen as exc:
            raise ChainUnreachable(self.label, f"not asked: it failed to answer {exc.seconds_ago:.0f} s ago "
                                               "(asked again shortly)") from None
        except _NODE_FAILURES as exc:
            raise ChainUnreachable(self.label, _first_line(exc)) from None

    @staticmethod
    def _read_anchor(contract: Contract, root: bytes) -> OnChainAnchor | None:
        party, kind, count, block, anchor_hash = contract.functions.getAnchor(root).call()
        if int(party, 16) == 0:
            return None
        return OnChainAnchor(str(party), AnchorKind(kind), int(count), int(block), bytes(anchor_hash))

    def runs_artifact(self) -> bool:
        """Whether the deployed contract's code is this version's artifact (an older deployment lacks
        functions this code calls: premises commitments, a custodian's kind, nested-prefix checks)."""
        deployed = bytes(self.w3.eth.get_code(self.contract.address))
        return deployed == bytes.fromhex(self.artifact["deployedBytecode"].removeprefix("0x"))

    def has_role(self, role: str, address: str) -> bool:
        return bool(self.contract.functions.hasRole(ROLES[role], address).call())

    def prefix_owner(self, prefix: str) -> str | None:
        owner = str(self.contract.functions.prefixOwner(prefix).call())
        return None if int(owner, 16) == 0 else owner

    def conflicting_prefix(self, prefix: str) -> tuple[str, str] | None:
        """The bound prefix that ``prefix`` (6 to 12 digits) equals, starts or extends, and its brand."""
        bound, owner = self.contract.functions.conflictingPrefix(prefix).call()
        return None if int(owner, 16) == 0 else (str(bound), str(owner))

    def profile_of(self, party: str) -> tuple[str, str]:
        """The (name, service URL) ``party`` last published; ("", "") if it never published one."""
        name, url = self.contract.functions.profileOf(to_checksum_address(party)).call()
        return str(name), str(url)

    def is_admin(self, address: str) -> bool:
        """Whether ``address`` administers the contract (grants roles, binds prefixes)."""
        return self.has_role("ADMIN", address)

    def premises_hash(self, party: str) -> bytes:
        return bytes(self.contract.functions.premisesHash(party).call())

    def latest_anchor_hash(self) -> bytes:
        return bytes(self.contract.functions.latestAnchorHash().call())

    def anchor_count(self) -> int:
        return int(self.contract.functions.anchorCount().call())

    def block_number(self) -> int:
        return int(self.w3.eth.block_number)

    def anchors_between(self, from_block: int, to_block: int) -> list[AnchorRecord]:
        logs = self.contract.events.AnchorRecorded().get_logs(from_block=from_block, to_block=to_block)
        return sorted((self._record(log) for log in logs), key=lambda r: r.sequence)

    def prefix_bindings_between(self, from_block: int, to_block: int) -> list[tuple[str, str]]:
        logs = self.contract.events.PrefixBound().get_logs(from_block=from_block, to_block=to_block)
        return [(str(log["args"]["prefix"]), str(log["args"]["brand"])) for log in logs]

    def profiles_between(self, from_block: int, to_block: int) -> list[tuple[str, str, str]]:
        """``ProfilePublished`` logs in block order: (party, name, url)."""
        logs = self.contract.events.ProfilePublished().get_logs(from_block=from_block, to_block=to_block)
        ordered = sorted(logs, key=lambda log: (int(log["blockNumber"]), int(log["logIndex"])))
        return [(str(log["args"]["party"]), str(log["args"]["name"]), str(log["args"]["url"])) for log in ordered]
