"""Encrypted keystore files (Web3 Secret Storage, via eth-account), one per party.

Private keys stay inside :class:`eth_account.signers.local.LocalAccount` objects: they are
never logged, printed or put in an error message.

A keystore opened without a passphrase is *locked*: it lists the keys and the addresses their files
name (both in clear text), which is all that work signing nothing needs (verifying, tracing, auditing,
syncing), and refuses to create or unlock a key with a KeystoreError that says so.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from eth_account import Account
from eth_account.signers.local import LocalAccount
from eth_utils.address import to_checksum_address

from ..errors import KeystoreError

__all__ = ["Keystore"]


class Keystore:
    def __init__(self, directory: Path, passphrase: str | None, kdf_iterations: int = 65536) -> None:
        """``passphrase`` None: a locked keystore (see the module's doc); an empty one is refused."""
        if passphrase is not None and not passphrase:
            raise KeystoreError("(all)", "the passphrase is empty; set LEDGER_PASSPHRASE or type one at the prompt")
        self.directory = directory
        self._passphrase = passphrase
        self._iterations = kdf_iterations
        self._unlocked: dict[str, LocalAccount] = {}

    @property
    def locked(self) -> bool:
        """Opened without a passphrase: keys are listed, never unlocked."""
        return self._passphrase is None

    def _passphrase_for(self, name: str) -> str:
        if self._passphrase is None:
            raise KeystoreError(name, "the keystore is locked: this command opened the ledger without the passphrase, "
                                "as it signs nothing; a command that signs asks for it (or reads LEDGER_PASSPHRASE)")
        return self._passphrase

    def _path(self, name: str) -> Path:
        return self.directory / f"{name}.json"

    def names(self) -> list[str]:
        return sorted(p.stem for p in self.directory.glob("*.json"))

    def address_of(self, name: str) -> str | None:
        """The address a key file names (its clear-text ``address`` field: no passphrase, no KDF), checksummed;
        None if the file has no readable address."""
        try:
            address = json.loads(self._path(name).read_text())["address"]
            return to_checksum_address("0x" + str(address).removeprefix("0x"))
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def create(self, name: str) -> LocalAccount:
        passphrase = self._passphrase_for(name)
        path = self._path(name)
        if path.exists():
            raise KeystoreError(name, f"a key already exists at {path}")
        account: LocalAccount = Account.create()
        encrypted = Account.encrypt(account.key, passphrase, kdf="scrypt", iterations=self._iterations)
        self.directory.mkdir(parents=True, exist_ok=True)
        # Written owner-only, and atomically, so a crash never leaves half a key file.
        tmp = path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as out:
            json.dump(encrypted, out)
        tmp.replace(path)
        self._unlocked[name] = account
        return account

    def unlock(self, name: str) -> LocalAccount:
        if name in self._unlocked:
            return self._unlocked[name]
        passphrase = self._passphrase_for(name)
        path = self._path(name)
        if not path.exists():
            raise KeystoreError(name, f"no key file at {path}; this ledger home does not hold that party's key")
        try:
            key = Account.decrypt(json.loads(path.read_text()), passphrase)
        except ValueError:
            raise KeystoreError(name, "wrong passphrase (MAC mismatch)") from None
        account: LocalAccount = Account.from_key(key)
        self._unlocked[name] = account
        return account
