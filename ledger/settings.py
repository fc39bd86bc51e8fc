"""Settings: the one place the environment is read; everything else takes arguments.

| variable | default | meaning |
|---|---|---|
| LEDGER_HOME | ./.ledger | keys, the embedded chain, the SQLite index |
| LEDGER_CHAIN | embedded | `embedded` or a JSON-RPC URL (Hardhat node, anvil, any EVM network) |
| LEDGER_DATABASE_URL | sqlite:///$LEDGER_HOME/index.sqlite | any SQLAlchemy URL, e.g. postgresql+psycopg://… |
| LEDGER_PASSPHRASE | (prompt) | passphrase of the keystore files |
| LEDGER_KDF_ITERATIONS | 65536 | scrypt cost for new keystore files (geth's standard is 262144) |
| LEDGER_RESOLVER_URL | http://127.0.0.1:8000 | the verifier's public base URL, printed into label QR codes |
| LEDGER_CHAIN_READ_TIMEOUT | 2 | seconds a verification waits for the chain before answering from the index |
| LEDGER_CHAIN_WRITE_TIMEOUT | 120 | seconds an action waits for its transaction to be mined before it is left pending |
| LEDGER_SCAN_RETENTION_DAYS | 365 | days raw scan places and scanners are kept before `ledger intel purge` removes them |
| LEDGER_SMTP_HOST | (none: no e-mail) | the SMTP server e-mail alerts go through |
| LEDGER_SMTP_PORT | 587 (465 with ssl, 25 with none) | its port |
| LEDGER_SMTP_SECURITY | starttls | `starttls`, `ssl` (TLS from the start) or `none` (a relay on the same host only) |
| LEDGER_SMTP_USER, LEDGER_SMTP_PASSWORD | (none) | login, if the server wants one |
| LEDGER_SMTP_SENDER | alerts@localhost | the From address of e-mail alerts |
"""

from __future__ import annotations

import enum
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from .errors import InvalidInput

__all__ = ["Settings", "SmtpSecurity", "SmtpSettings"]


class SmtpSecurity(enum.StrEnum):
    STARTTLS = "starttls"
    SSL = "ssl"
    NONE = "none"


_DEFAULT_PORTS = {SmtpSecurity.STARTTLS: 587, SmtpSecurity.SSL: 465, SmtpSecurity.NONE: 25}


@dataclass(frozen=True)
class SmtpSettings:
    """The SMTP server e-mail alerts go through (:mod:`ledger.intel.mail`)."""

    host: str
    port: int = 0  # 0: the security's usual port
    security: SmtpSecurity = SmtpSecurity.STARTTLS
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    sender: str = "alerts@localhost"
    timeout: float = 10.0

    def __post_init__(self) -> None:
        if not self.host or len(self.host) > 253 or any(c.isspace() or c in "/@" for c in self.host):
            raise InvalidInput("LEDGER_SMTP_HOST", self.host, "is not a host name", "e.g. smtp.example.com or 127.0.0.1")
        if self.port == 0:
            object.__setattr__(self, "port", _DEFAULT_PORTS[self.security])
        if not 0 < self.port < 65536:
            raise InvalidInput("LEDGER_SMTP_PORT", self.port, "is not a port", "1 to 65535, e.g. 587")
        if (self.user is None) != (self.password is None):
            raise InvalidInput("LEDGER_SMTP_USER" if self.user is None else "LEDGER_SMTP_PASSWORD", "", "is missing",
                               "both LEDGER_SMTP_USER and LEDGER_SMTP_PASSWORD, or neither")
        if "@" not in self.sender or any(c.isspace() for c in self.sender):
            raise InvalidInput("LEDGER_SMTP_SENDER", self.sender, "is not an e-mail address", "e.g. alerts@ledger.example.com")

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> SmtpSettings | None:
        """The SMTP settings in ``env``, or None without LEDGER_SMTP_HOST (no e-mail alerts then)."""
        host = env.get("LEDGER_SMTP_HOST", "").strip()
        if not host:
            return None
        raw_security = env.get("LEDGER_SMTP_SECURITY", "starttls").strip().lower()
        try:
            security = SmtpSecurity(raw_security)
        except ValueError:
            raise InvalidInput("LEDGER_SMTP_SECURITY", raw_security, "is not a kind of SMTP security",
                               "starttls, ssl or none") from None
        raw_port = env.get("LEDGER_SMTP_PORT", "0").strip()
        if not (raw_port.isascii() and raw_port.isdigit() and len(raw_port) <= 5):
            raise InvalidInput("LEDGER_SMTP_PORT", raw_port, "is not a port", "1 to 65535, e.g. 587")
        return cls(host, int(raw_port), security, env.get("LEDGER_SMTP_USER") or None, env.get("LEDGER_SMTP_PASSWORD") or None,
                   env.get("LEDGER_SMTP_SENDER", "alerts@localhost").strip())


@dataclass(frozen=True)
class Settings:
    home: Path
    chain: str = "embedded"
    database_url: str = ""
    passphrase: str | None = field(default=None, repr=False)
    kdf_iterations: int = 65536
    resolver_url: str = "http://127.0.0.1:8000"
    chain_read_timeout: float = 2.0
    chain_write_timeout: float = 120.0
    scan_retention_days: int = 365
    smtp: SmtpSettings | None = None

    def __post_init__(self) -> None:
        if not self.database_url:
            object.__setattr__(self, "database_url", f"sqlite:///{self.home / 'index.sqlite'}")
        if self.chain != "embedded" and not self.chain.startswith(("http://", "https://")):
            raise InvalidInput("LEDGER_CHAIN", self.chain, "is neither `embedded` nor a URL", "embedded or http(s)://host:port")
        if not self.resolver_url.startswith(("http://", "https://")):
            raise InvalidInput("LEDGER_RESOLVER_URL", self.resolver_url, "is not an http(s) URL", "e.g. https://verify.example.com")
        if self.kdf_iterations < 2 or self.kdf_iterations & (self.kdf_iterations - 1):
            raise InvalidInput("LEDGER_KDF_ITERATIONS", self.kdf_iterations, "is not a power of two", "e.g. 65536")
        for name, value in (("LEDGER_CHAIN_READ_TIMEOUT", self.chain_read_timeout),
                            ("LEDGER_CHAIN_WRITE_TIMEOUT", self.chain_write_timeout)):
            if not 0 < value <= 3600:
                raise InvalidInput(name, value, "is not a number of seconds from 0 to 3600", "e.g. 2 or 120")
        if not 1 <= self.scan_retention_days <= 36_500:
            raise InvalidInput("LEDGER_SCAN_RETENTION_DAYS", self.scan_retention_days, "is not a number of days from 1 to 36500",
                               "e.g. 365")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: object) -> Settings:
        env = os.environ if environ is None else environ
        values: dict[str, object] = {
            "home": Path(env.get("LEDGER_HOME", ".ledger")).expanduser().resolve(),
            "chain": env.get("LEDGER_CHAIN", "embedded"),
            "database_url": env.get("LEDGER_DATABASE_URL", ""),
            "passphrase": env.get("LEDGER_PASSPHRASE"),
            "resolver_url": env.get("LEDGER_RESOLVER_URL"),
        }
        if "LEDGER_KDF_ITERATIONS" in env:
            raw = env["LEDGER_KDF_ITERATIONS"]
            if not (raw.isascii() and raw.isdigit() and len(raw) <= 10):
                raise InvalidInput("LEDGER_KDF_ITERATIONS", raw, "is not a number", "a power of two such as 65536")
            values["kdf_iterations"] = int(raw)
        for name, key in (("LEDGER_CHAIN_READ_TIMEOUT", "chain_read_timeout"), ("LEDGER_CHAIN_WRITE_TIMEOUT", "chain_write_timeout")):
            if name in env:
                try:
                    values[key] = float(env[name])
                except ValueError:
                    raise InvalidInput(name, env[name], "is not a number", "seconds, e.g. 2 or 120") from None
        if "LEDGER_SCAN_RETENTION_DAYS" in env:
            raw = env["LEDGER_SCAN_RETENTION_DAYS"].strip()
            if not (raw.isascii() and raw.isdigit() and len(raw) <= 6):
                raise InvalidInput("LEDGER_SCAN_RETENTION_DAYS", raw, "is not a number of days", "e.g. 365")
            values["scan_retention_days"] = int(raw)
        values["smtp"] = SmtpSettings.from_env(env)
        values.update({k: v for k, v in overrides.items() if v is not None})
        values = {k: v for k, v in values.items() if v is not None}
        home = values["home"]
        values["home"] = Path(str(home)).expanduser().resolve()
        return cls(**values)  # type: ignore[arg-type]

    @property
    def keystore_dir(self) -> Path:
        return self.home / "keystore"

    @property
    def chain_dir(self) -> Path:
        return self.home / "chain"

    @property
    def deployment_file(self) -> Path:
        return self.home / "deployment.json"

    @property
    def lock_file(self) -> Path:
        """The file lock of writes (and schema upgrades) to a SQLite index; PostgreSQL uses an advisory lock."""
        return self.home / "write.lock"
