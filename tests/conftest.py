"""Shared fixtures: every chain test runs on the embedded py-evm chain and on a real
Hardhat node; every database test on SQLite and on the local PostgreSQL server."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from web3 import Web3

from ledger.chain.roles import Role
from ledger.custody.ledger import Ledger
from ledger.settings import Settings
from tests._hardhat import ROOT, hardhat_node

CHAIN_BACKENDS = ["embedded", "hardhat"]
DATABASE_BACKENDS = ["sqlite", "postgresql"]
POSTGRES_ADMIN_URL = os.environ.get("LEDGER_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")

(ROOT / "test-artifacts").mkdir(exist_ok=True)


@pytest.fixture(scope="session")
def hardhat_url() -> Iterator[str]:
    with hardhat_node() as url:
        yield url


@pytest.fixture(params=CHAIN_BACKENDS)
def chain_backend(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The chain setting a test runs on: `embedded:<dir>` or a Hardhat node's URL."""
    if request.param == "hardhat":
        return str(request.getfixturevalue("hardhat_url"))
    return f"embedded:{tmp_path / 'chain'}"


@pytest.fixture
def web3_chain(chain_backend: str) -> Iterator[Web3]:
    """A connected Web3 whose `eth.accounts` are funded and unlocked (dev accounts)."""
    if chain_backend.startswith("embedded:"):
        from ledger.chain._embedded import close_embedded_web3, open_embedded_web3

        w3 = open_embedded_web3(Path(chain_backend.removeprefix("embedded:")))
        yield w3
        close_embedded_web3(w3)
    else:
        yield Web3(Web3.HTTPProvider(chain_backend))


def _postgres_database() -> Iterator[str]:
    name = f"ledger_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    base = POSTGRES_ADMIN_URL.rsplit("/", 1)[0]
    try:
        yield f"{base.replace('postgresql://', 'postgresql+psycopg://')}/{name}"
    finally:
        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh database on the local PostgreSQL server, whatever the test's parametrisation."""
    yield from _postgres_database()


@pytest.fixture(params=DATABASE_BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database: a SQLite file, or a new database on the PostgreSQL server."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'index.sqlite'}"
    else:
        yield from _postgres_database()


@pytest.fixture
def ledger_settings(chain_backend: str, database_url: str, tmp_path: Path) -> Settings:
    """Settings for a fresh ledger home on this chain and database (cheap keystore KDF for speed)."""
    chain = "embedded" if chain_backend.startswith("embedded:") else chain_backend
    return Settings(home=tmp_path / "home", chain=chain, database_url=database_url, passphrase="test passphrase",
                    kdf_iterations=16)


@pytest.fixture
def ledger(ledger_settings: Settings) -> Iterator[Ledger]:
    """An initialised ledger with two brands, a carrier, a retailer and an officer."""
    with Ledger.init(ledger_settings) as fresh:
        fresh.add_party("acme", Role.BRAND, ["9521234"])
        fresh.add_party("bolt", Role.BRAND, ["0614141"])
        fresh.add_party("truck", Role.CARRIER)
        fresh.add_party("shop", Role.RETAILER)
        fresh.add_party("customs", Role.OFFICER)
        yield fresh
