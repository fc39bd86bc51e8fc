"""Onboarding parties, on every chain × database: roles on chain, GS1 company prefixes that never nest,
premises committed on chain by their party."""

from __future__ import annotations

import pytest
from eth_account import Account
from sqlalchemy import text

from ledger.chain.roles import Role
from ledger.custody.ledger import Ledger
from ledger.errors import InvalidInput, PrefixNests, PrefixOwned, RoleError
from ledger.geo import Location
from ledger.index.queries import brand_directory, prefix_length_of
from ledger.proofs.premises import premises_hash
from ledger.verify.verifier import Verifier

# The `ledger` fixture's brands: acme owns 9521234, bolt owns 0614141.
TAKEN = [
    (["952123"], PrefixNests, "prefix 952123 is the start of 9521234, which belongs to acme: company prefixes never nest"),
    (["95212345"], PrefixNests, "GS1 company prefix 95212345 extends 9521234, which belongs to acme"),
    (["952123456789"], PrefixNests, "GS1 company prefix 952123456789 extends 9521234, which belongs to acme"),
    (["061414"], PrefixNests, "GS1 company prefix 061414 is the start of 0614141, which belongs to bolt"),
    (["7000001", "06141412"], PrefixNests, "06141412 extends 0614141, which belongs to bolt"),
    (["9521234"], PrefixOwned, "GS1 company prefix 9521234 belongs to acme"),
    (["7000001", "70000012"], InvalidInput, "GS1 company prefixes '7000001 70000012': nest"),
    (["7000001", "7000001"], InvalidInput, "GS1 company prefixes '7000001 7000001': nest"),
    (["70000"], InvalidInput, "is not 6 to 12 digits"),
    (["７０００００１"], InvalidInput, "is not 6 to 12 digits"),  # full-width digits: str.isdigit() says yes
]


@pytest.mark.parametrize(("prefixes", "error", "message"), TAKEN)
def test_taken_or_nesting_prefixes_are_refused_before_anything_is_signed(
        ledger: Ledger, prefixes: list[str], error: type[Exception], message: str) -> None:
    block = ledger.chain.block_number()
    with pytest.raises(error, match=message.replace("(", r"\(")):
        ledger.add_party("evil", Role.BRAND, prefixes)
    assert ledger.chain.block_number() == block  # no key funded, no role granted, nothing bound
    assert "evil" not in ledger.keystore.names()
    assert [p.name for p, _ in ledger.parties()] == ["admin", "acme", "bolt", "truck", "shop", "customs"]


def test_a_binding_only_the_chain_knows_is_refused_too(ledger: Ledger) -> None:
    """Another organisation bound 8000001 on the shared contract; this index has not synced it yet."""
    admin, other = ledger.keystore.unlock("admin"), Account.create()
    ledger.chain.grant_role(admin, "BRAND", other.address)
    ledger.chain.bind_prefix(admin, "8000001", other.address)
    for prefix, which in (("800000", "is the start of"), ("80000012", "extends")):
        with pytest.raises(PrefixNests, match=f"{prefix} {which} 8000001, which belongs to {other.address}") as info:
            ledger.add_party("late", Role.BRAND, [prefix])
        assert (info.value.prefix, info.value.bound, info.value.owner) == (prefix, "8000001", other.address)
    with pytest.raises(PrefixOwned, match=f"8000001 belongs to {other.address}"):
        ledger.add_party("late", Role.BRAND, ["8000001"])
    assert "late" not in ledger.keystore.names()


def test_siblings_of_a_bound_prefix_are_bound(ledger: Ledger) -> None:
    ledger.add_party("acme2", Role.BRAND, ["9521235", "952124"])
    assert ledger.chain.prefix_owner("9521235") == ledger.party("acme2").address
    directory = brand_directory(ledger.engine)
    assert directory.owner_of("09521234543213") == (directory.by_address(ledger.party("acme").address), "9521234")
    assert prefix_length_of(ledger.engine, "09521235000003") == 7 and prefix_length_of(ledger.engine, "09521240000007") == 6


def test_a_nested_binding_in_the_index_is_refused_not_followed(ledger: Ledger) -> None:
    """A row the contract would never accept (bolt on 95212345, inside acme's 9521234) must not take acme's goods:
    reads that need the brand directory refuse it instead of picking one owner."""
    with ledger.engine.begin() as conn:
        conn.execute(text("INSERT INTO prefixbinding (prefix, brand) VALUES ('95212345', :b)"),
                     {"b": ledger.party("bolt").address})
    for read in (lambda: brand_directory(ledger.engine), lambda: prefix_length_of(ledger.engine, "09521234543213"),
                 lambda: Verifier(ledger).verify("/01/09521234543213/21/1")):
        with pytest.raises(InvalidInput, match="'95212345': bolt's prefix extends 9521234 of acme.*never nest"):
            read()


@pytest.mark.parametrize(("role", "chain_roles"), [
    (Role.BRAND, {"BRAND"}), (Role.CARRIER, {"CUSTODIAN", "CARRIER"}), (Role.DISTRIBUTOR, {"CUSTODIAN", "DISTRIBUTOR"}),
    (Role.RETAILER, {"CUSTODIAN", "RETAILER"}), (Role.OFFICER, {"OFFICER"}), (Role.AUDITOR, {"AUDITOR"}),
])
def test_each_role_is_on_chain_with_a_custodians_kind(ledger: Ledger, role: Role, chain_roles: set[str]) -> None:
    party = ledger.add_party("newcomer", role)
    held = {name for name in ("BRAND", "CUSTODIAN", "CARRIER", "DISTRIBUTOR", "RETAILER", "OFFICER", "AUDITOR", "ADMIN")
            if ledger.chain.has_role(name, party.address)}
    assert held == chain_roles


def test_premises_are_committed_on_chain_by_their_party(ledger: Ledger) -> None:
    acme = ledger.party("acme").address
    assert ledger.chain.premises_hash(acme) == bytes(32)
    ledger.add_premises("acme", Location(51.4416, 5.4697, "Eindhoven plant"))
    ledger.add_premises("acme", Location(52.37, 4.89, "Amsterdam DC"))
    both = premises_hash([(51.4416, 5.4697, "Eindhoven plant"), (52.37, 4.89, "Amsterdam DC")])
    assert ledger.chain.premises_hash(acme) == both
    block = ledger.chain.block_number()
    ledger.add_premises("acme", Location(52.37, 4.89, "Amsterdam DC"))  # known already: nothing to commit
    assert ledger.chain.block_number() == block
    assert ledger.remove_premises("acme", Location(51.4416, 5.4697)) == 1
    assert ledger.chain.premises_hash(acme) == premises_hash([(52.37, 4.89, "Amsterdam DC")])
    with pytest.raises(InvalidInput, match="is not a premises of acme"):
        ledger.remove_premises("acme", Location(1, 1))
    assert ledger.remove_premises("acme") == 1
    assert ledger.chain.premises_hash(acme) == bytes(32)


@pytest.mark.parametrize("name", ["customs", "admin"])
def test_only_goods_holders_have_premises(ledger: Ledger, name: str) -> None:
    block = ledger.chain.block_number()
    with pytest.raises(RoleError, match=f"{name} may not have premises: that needs the brand, carrier, distributor or "
                                        "retailer role"):
        ledger.add_premises(name, Location(51.95, 4.14, "Rotterdam"))
    assert ledger.chain.block_number() == block and ledger.premises() == {}
