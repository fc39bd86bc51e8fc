"""Who is asking: a signed request's address and the role the chain gives it, now.

The role is read from the contract (``hasRole``) for every request, not from this home's index,
so a party another organisation's administrator granted is known here at once, and a revoked one
is refused at once.
"""

from __future__ import annotations

from ..chain.client import ChainClient
from ..chain.roles import Role
from .request_signing import ReplayGuard, SignedRequest
from .sharing import Requester

__all__ = ["authenticate", "chain_role"]

# The order roles are asked in: a party holding several is read as the first (officers and auditors see most).
_ORDER = (Role.OFFICER, Role.AUDITOR, Role.BRAND, Role.CARRIER, Role.DISTRIBUTOR, Role.RETAILER, Role.ADMIN)


def chain_role(chain: ChainClient, address: str) -> Role | None:
    """The role ``address`` holds on chain, or None."""
    for role in _ORDER:
        if chain.has_role(role.chain_roles[-1], address):
            return role
    return None


def authenticate(chain: ChainClient, header: str, method: str, path: str, query: str, body: bytes, now: int,
                 replays: ReplayGuard) -> Requester:
    """The requester a signed ``Authorization: Ledger …`` header proves (RequestNotAuthenticated if it proves none)."""
    signed = SignedRequest.parse(header)
    address, digest = signed.checked(method, path, query, body, now)
    replays.first_use(digest, signed.timestamp, now)
    return Requester(address, chain_role(chain, address))
