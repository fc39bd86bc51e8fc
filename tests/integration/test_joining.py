"""Several organisations on one Hardhat node: the administrator's home and a joining home, each holding only its
own keys, through the command line. Joining (`party add` writes a signed request, `party grant` grants it), the
directory on chain (`publishProfile`, `ledger sync`), the audit of it, and hostile request files."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from eth_account import Account
from sqlalchemy import update
from sqlmodel import Session, col

from ledger.cli.main import cli as ledger_cli
from ledger.cli.main import main
from ledger.errors import ChainRejected
from ledger.index.engine import open_engine
from ledger.index.models import Party
from ledger.proofs.join_request import JoinRequest
from tests._hardhat import hardhat_node

GTIN = "09521234543213"


@dataclass
class Home:
    path: Path
    env: dict[str, str]


@dataclass
class Network:
    url: str
    admin: Home  # deploys the contract and grants
    joiner: Home  # attaches to it: another organisation
    contract: str
    chain_id: int


class Cli:
    def __init__(self, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
        self.monkeypatch, self.capsys = monkeypatch, capsys

    def __call__(self, home: Home, *args: str) -> tuple[int, str, str]:
        for key, value in home.env.items():
            self.monkeypatch.setenv(key, value)
        try:
            main(list(args))
            code = 0
        except SystemExit as exit_info:
            code = int(exit_info.code or 0)
        captured = self.capsys.readouterr()
        return code, captured.out, captured.err

    def ok(self, home: Home, *args: str) -> Any:
        code, out, err = self(home, "--json", *args)
        assert code == 0, (args, out, err)
        return json.loads(out) if out.strip() else None


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Cli:
    return Cli(monkeypatch, capsys)


@pytest.fixture(scope="module")
def node() -> Iterator[str]:
    with hardhat_node() as url:
        yield url


def _home(path: Path, url: str) -> Home:
    return Home(path, {"LEDGER_HOME": str(path), "LEDGER_PASSPHRASE": "joining passphrase", "LEDGER_KDF_ITERATIONS": "16",
                       "LEDGER_CHAIN": url, "LEDGER_DATABASE_URL": ""})


def _ok(home: Home, *args: str) -> Any:
    """Run `ledger --json ARGS` in a fresh click runner (for module-scoped set-ups), expecting success."""
    result = CliRunner().invoke(ledger_cli, ["--json", *args], env=home.env, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _network(node: str, path: Path) -> Network:
    admin, joiner = _home(path / "admin", node), _home(path / "joiner", node)
    deployed = _ok(admin, "init")  # a contract of its own on the shared node
    _ok(admin, "party", "add", "acme", "--role", "brand", "--prefix", "9521234", "--url", "https://acme.example/ledger")
    joined = _ok(joiner, "init", "--attach", deployed["contract"])
    assert joined["admin"].startswith("none: this home joins a contract")
    return Network(node, admin, joiner, deployed["contract"], int(deployed["chain_id"]))


@pytest.fixture
def network(node: str, tmp_path: Path) -> Network:
    return _network(node, tmp_path)


@pytest.fixture(scope="module")
def shared_network(node: str, tmp_path_factory: pytest.TempPathFactory) -> Network:
    """One network for the table of hostile requests: none of them may change it."""
    return _network(node, tmp_path_factory.mktemp("hostile"))


def _audit(cli: Cli, home: Home) -> tuple[int, str]:
    """Sync (the audit reads every log from block 0, other organisations' included), then audit: (code, output)."""
    cli.ok(home, "sync")
    code, out, err = cli(home, "audit")
    return code, out + err


def _names(cli: Cli, home: Home) -> dict[str, dict[str, Any]]:
    return {p["name"]: p for p in cli.ok(home, "party", "list")}


def test_a_carrier_joins_is_granted_and_hands_goods_over_across_homes(network: Network, cli: Cli) -> None:
    admin, joiner = network.admin, network.joiner
    asked = cli.ok(joiner, "party", "add", "swift", "--role", "carrier", "--url", "https://swift.example:8443/")
    assert asked["granted"] is False and Path(asked["request"]).is_file()
    assert "swift" not in _names(cli, joiner)  # no role yet, so no party row: the audit stays clean meanwhile
    code, _, err = cli(joiner, "party", "add", "other", "--role", "brand", "--prefix", "952123")
    assert code == 1 and "952123" in err and "nest" in err  # refused before a key is made or a request written
    # The requester cannot grant itself.
    code, _, err = cli(joiner, "party", "grant", asked["request"])
    assert code == 1 and "does not hold the admin key of contract" in err
    # Before the grant, naming the party finds nothing to take up.
    code, _, err = cli(joiner, "register", "--as", "swift", "--gtin", GTIN, "--count", "1")
    assert code == 1 and "no party named 'swift'" in err

    granted = cli.ok(admin, "party", "grant", asked["request"])
    assert (granted["name"], granted["role"], granted["address"]) == ("swift", "carrier", asked["address"])
    code, _, err = cli(admin, "party", "grant", asked["request"])
    assert code == 1 and "already in this ledger's directory" in err  # once only

    synced = cli.ok(joiner, "sync")
    assert synced["adopted"] == ["swift"] and synced["profiles"] == 1  # acme's entry; swift's own is in already
    assert not Path(asked["request"]).exists()
    theirs = _names(cli, joiner)
    assert theirs["swift"]["service_url"] == "https://swift.example:8443/"
    assert theirs["acme"]["service_url"] == "https://acme.example/ledger"  # the other organisation's party, by its name
    assert theirs["acme"]["prefixes"] == ["9521234"] and theirs["acme"]["role"] == "brand"
    cli.ok(admin, "sync")
    ours = _names(cli, admin)
    assert ours["swift"]["service_url"] == "https://swift.example:8443/" and ours["swift"]["role"] == "carrier"
    # Custody across homes: acme ships from the admin's home, swift accepts with its own key in its own home.
    cli.ok(admin, "register", "--as", "acme", "--gtin", GTIN, "--count", "2")
    shipped = cli.ok(admin, "ship", "--as", "acme", "--to", "swift", f"/01/{GTIN}/21/1")
    assert shipped["count"] == 1
    for home in (admin, joiner):
        code, out = _audit(cli, home)
        assert code == 0, out


def test_the_first_command_as_a_granted_party_takes_it_up(network: Network, cli: Cli) -> None:
    asked = cli.ok(network.joiner, "party", "add", "customs", "--role", "officer")
    cli.ok(network.admin, "party", "grant", asked["request"])
    code, out, err = cli(network.joiner, "party", "locate", "customs", "51.9,4.1")
    assert code == 1 and "customs" in err  # an officer keeps no goods: the party is known now, its role decides
    assert _names(cli, network.joiner)["customs"]["role"] == "officer"


def test_a_brand_joins_with_its_prefix_and_registers_in_its_own_home(network: Network, cli: Cli) -> None:
    asked = cli.ok(network.joiner, "party", "add", "bolt", "--role", "brand", "--prefix", "0614141")
    cli.ok(network.admin, "party", "grant", asked["request"])
    registered = cli.ok(network.joiner, "register", "--as", "bolt", "--gtin", "00614141123452", "--count", "3")
    assert registered["count"] == 3
    assert _names(cli, network.admin)["bolt"]["prefixes"] == ["0614141"]
    code, out = _audit(cli, network.joiner)
    assert code == 0, out


def test_the_audit_checks_the_indexed_directory_against_the_chain(network: Network, cli: Cli) -> None:
    cli.ok(network.admin, "register", "--as", "acme", "--gtin", GTIN, "--count", "1")  # the audit needs an anchor
    assert _audit(cli, network.joiner)[0] == 0
    cli.ok(network.joiner, "sync")
    engine = open_engine(f"sqlite:///{network.joiner.path / 'index.sqlite'}")
    try:
        with Session(engine) as s:
            s.execute(update(Party).where(col(Party.name) == "acme").values(service_url="https://evil.example/"))
            s.commit()
        code, out = _audit(cli, network.joiner)
        assert code != 0 and "PROFILE_MISMATCH" in out and "https://evil.example/" in out, out
        with Session(engine) as s:
            s.execute(update(Party).where(col(Party.name) == "acme").values(service_url="https://acme.example/ledger",
                                                                             name="acme-renamed"))
            s.commit()
        code, out = _audit(cli, network.joiner)
        assert code != 0 and "PROFILE_MISMATCH" in out and "acme-renamed" in out, out
    finally:
        engine.dispose()


def test_a_published_name_taken_here_is_kept_apart(network: Network, cli: Cli) -> None:
    """A party may publish any name, another's included: the second `acme` is indexed as acme-<address digits>."""
    from ledger.custody.ledger import Ledger
    from ledger.settings import Settings

    cli.ok(network.admin, "register", "--as", "acme", "--gtin", GTIN, "--count", "1")  # the audit needs an anchor
    truck = cli.ok(network.admin, "party", "add", "truck", "--role", "carrier")
    with Ledger.open(Settings.from_env(network.admin.env)) as ledger:
        ledger.chain.publish_profile(ledger.keystore.unlock("truck"), "acme", "https://fake.example")
    cli.ok(network.joiner, "sync")
    names = _names(cli, network.joiner)
    label = "acme-" + truck["address"][2:8].lower()
    assert names["acme"]["role"] == "brand" and names["acme"]["service_url"] == "https://acme.example/ledger"
    assert names[label]["role"] == "carrier" and names[label]["service_url"] == "https://fake.example"
    assert "truck" not in names
    code, out = _audit(cli, network.joiner)
    assert code == 0, out
    # A name taken in the administrator's directory is refused at the grant.
    asked = cli.ok(network.joiner, "party", "add", "truck", "--role", "retailer")
    code, _, err = cli(network.admin, "party", "grant", asked["request"])
    assert code == 1 and "party name truck: is taken by" in err


def test_only_a_role_holder_publishes_and_only_its_own_entry(network: Network, cli: Cli) -> None:
    from ledger.custody.ledger import Ledger
    from ledger.settings import Settings

    with Ledger.open(Settings.from_env(network.admin.env)) as ledger:
        stranger = Account.create()
        ledger.chain.fund(stranger.address, 10**18)
        with pytest.raises(ChainRejected, match="NotAParty"):
            ledger.chain.publish_profile(stranger, "mallory", "")
        acme = ledger.keystore.unlock("acme")
        for name, url, error in (("", "", "InvalidProfileName"), ("a b", "", "InvalidProfileName"),
                                 ("x" * 81, "", "InvalidProfileName"), ("acme", "https://a b", "InvalidServiceUrl"),
                                 ("acme", "h" * 201, "InvalidServiceUrl"), ("acmé", "", "InvalidProfileName")):
            with pytest.raises(ChainRejected, match=error):
                ledger.chain.publish_profile(acme, name, url)
        assert ledger.chain.profile_of(acme.address) == ("acme", "https://acme.example/ledger")
        assert ledger.chain.profile_of(stranger.address) == ("", "")


# -- hostile request files ---------------------------------------------------------------------------------------

def _request(network: Network, **changes: Any) -> tuple[JoinRequest, Any]:
    key = Account.create()
    request = JoinRequest(key.address, "newco", "carrier", (), "https://newco.example", network.chain_id,
                          network.contract, int(time.time()))
    return replace(request, **changes), key


def _signed(network: Network, **changes: Any) -> bytes:
    request, key = _request(network, **changes)
    return request.signed(key).to_json().encode()


def _altered(network: Network, **changes: Any) -> bytes:
    request, key = _request(network)
    return replace(request.signed(key), **changes).to_json().encode()


def _other_signer(network: Network) -> bytes:
    request, _ = _request(network)
    return request.signed(Account.create()).to_json().encode()


def _edit(network: Network, edit: Callable[[dict[str, Any]], None]) -> bytes:
    data = json.loads(_signed(network))
    edit(data)
    return json.dumps(data).encode()


HOSTILE: list[tuple[str, Callable[[Network], bytes], str]] = [
    ("not JSON", lambda n: b"{not json", "join request file"),
    ("not an object", lambda n: b"[1, 2]", "is not a JSON object"),
    ("not UTF-8", lambda n: b"\xff\xfe{}", "is not JSON"),
    ("deeply nested", lambda n: b"[" * 100 + b"]" * 100, "nested too deeply"),
    ("huge file", lambda n: b" " * 20_000_000 + b"{}", "is larger than 16,384 bytes"),
    ("a field missing", lambda n: _edit(n, lambda d: d.pop("timestamp")), "missing ['timestamp']"),
    ("an unknown field", lambda n: _edit(n, lambda d: d.update(admin=True)), "unknown ['admin']"),
    ("another format", lambda n: _edit(n, lambda d: d.update(format="v2")), "join request format 'v2'"),
    ("address not hex", lambda n: _edit(n, lambda d: d.update(address="0xzz")), "is not an Ethereum address"),
    ("signature cut short", lambda n: _edit(n, lambda d: d.update(signature=d["signature"][:60])), "is not a 65-byte signature"),
    ("signature garbage", lambda n: _edit(n, lambda d: d.update(signature="0x" + "ff" * 65)), "is not a valid signature"),
    ("timestamp a text", lambda n: _edit(n, lambda d: d.update(timestamp="now")), "is not a whole number"),
    ("prefixes not a list", lambda n: _edit(n, lambda d: d.update(prefixes="9521234")), "is not a list of texts"),
    ("signed by another key", _other_signer, "its signature was made by"),
    ("name altered after signing", lambda n: _altered(n, name="admin2"), "its signature was made by"),
    ("role altered after signing", lambda n: _altered(n, role="officer"), "its signature was made by"),
    ("url altered after signing", lambda n: _altered(n, service_url="https://evil.example"), "its signature was made by"),
    ("another chain", lambda n: _signed(n, chain_id=1), "join request chain_id 1: is another chain's"),
    ("another contract", lambda n: _signed(n, contract="0x" + "12" * 20), "is another contract"),
    ("expired", lambda n: _signed(n, timestamp=int(time.time()) - 8 * 86400), "the request has expired"),
    ("from the future", lambda n: _signed(n, timestamp=int(time.time()) + 3600), "s in the future"),
    ("admin role asked", lambda n: _signed(n, role="admin"), "join request role 'admin': is not a role a party may ask for"),
    ("unknown role", lambda n: _signed(n, role="king"), "is not a role a party may ask for"),
    ("prefixes for a carrier", lambda n: _signed(n, prefixes=("0614142",)), "only a brand owns GS1 company prefixes"),
    ("nested prefix", lambda n: _signed(n, role="brand", prefixes=("95212345",)), "nest"),
    ("prefix taken", lambda n: _signed(n, role="brand", prefixes=("9521234",)), "9521234"),
    ("bad prefix", lambda n: _signed(n, role="brand", prefixes=("12ab",)), "is not 6 to 12 digits"),
    ("name with a space", lambda n: _signed(n, name="new co"), "is not a directory name"),
    ("name taken", lambda n: _signed(n, name="acme"), "party name acme: is taken by"),
    ("url not http", lambda n: _signed(n, service_url="ftp://newco.example"), "is not an http(s) URL"),
    ("url with a space", lambda n: _signed(n, service_url="https://newco.example/a b"), "printable ASCII"),
]


@pytest.mark.parametrize(("case", "make", "message"), HOSTILE, ids=[case for case, _, _ in HOSTILE])
def test_hostile_request_files_are_refused_with_the_reason(shared_network: Network, cli: Cli, tmp_path: Path, case: str,
                                                           make: Callable[[Network], bytes], message: str) -> None:
    network = shared_network
    path = tmp_path / "request.json"
    path.write_bytes(make(network))
    before = _names(cli, network.admin)
    code, _, err = cli(network.admin, "party", "grant", str(path))
    assert code == 1, (case, err)
    assert message in err, (case, err)
    assert "Traceback" not in err and len(err) < 1000
    assert _names(cli, network.admin) == before  # nothing granted, nothing written


BAD_URLS = [
    ("ftp://swift.example", "is not an http(s) URL with a host"),
    ("https://", "is not an http(s) URL with a host"),
    ("https://swift.example/a b", "printable ASCII"),
    ("https://swift.example:99999/", "is not a URL"),
    ("https://" + "s" * 200 + ".example", "is too long"),
    ("https://swïft.example", "printable ASCII"),
]


@pytest.mark.parametrize(("url", "message"), BAD_URLS)
def test_a_bad_service_url_is_refused_before_anything_is_made(shared_network: Network, cli: Cli, url: str,
                                                               message: str) -> None:
    for home in (shared_network.admin, shared_network.joiner):  # granting at once, and writing a join request
        keys = sorted((home.path / "keystore").glob("*.json"))
        code, _, err = cli(home, "party", "add", "swift", "--role", "carrier", "--url", url)
        assert code == 1 and f"--url '{url[:20]}" in err and message in err, err
        assert sorted((home.path / "keystore").glob("*.json")) == keys  # no key made
        assert not (home.path / "join-requests" / "swift.json").exists()
