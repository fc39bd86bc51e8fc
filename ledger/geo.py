"""Where a scan happened: a checked latitude/longitude (with an optional site name) and distances.

>>> round(haversine_km(Location(51.95, 4.14), Location(31.23, 121.47)))
8943
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from .errors import InvalidInput
from .untrusted import plain_text

__all__ = ["EARTH_RADIUS_KM", "Location", "haversine_km", "parse_location", "site_location"]

EARTH_RADIUS_KM = 6371.0088  # IUGG mean radius
_EXPECTED = 'latitude -90…90 and longitude -180…180 in decimal degrees, e.g. {"lat": 51.95, "lon": 4.14}'


@dataclass(frozen=True, slots=True)
class Location:
    lat: float
    lon: float
    site: str = ""

    def __post_init__(self) -> None:
        for name, value, bound in (("latitude", self.lat, 90.0), ("longitude", self.lon, 180.0)):
            # The bound is compared before isfinite(): an int too large for a float makes isfinite() raise.
            if not isinstance(value, (int, float)) or isinstance(value, bool) or not -bound <= value <= bound \
                    or not math.isfinite(value):
                raise InvalidInput(name, value, f"is not a number between -{bound:g} and {bound:g}", _EXPECTED)
        object.__setattr__(self, "lat", float(self.lat))
        object.__setattr__(self, "lon", float(self.lon))
        plain_text("site", self.site, 80, "a short place name")

    @property
    def label(self) -> str:
        """Text for a custody event's location field: the site if named, and the coordinates."""
        where = f"{self.lat:.4f},{self.lon:.4f}"
        return f"{self.site} ({where})" if self.site else where


def _number(name: str, raw: object, text: bool) -> float:
    if isinstance(raw, bool) or raw is None or raw == "":
        raise InvalidInput(name, raw, "is missing", _EXPECTED)
    if isinstance(raw, str) and not text:
        raise InvalidInput(name, raw, "is a string, not a number", _EXPECTED)
    if isinstance(raw, int):
        return raw  # as it is: float() overflows on a long one, and Location checks the range exactly
    try:
        return float(raw)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise InvalidInput(name, raw, "is not a number", _EXPECTED) from None


def site_location(site: object, sites: Mapping[str, Location] | None) -> Location:
    """The location of the inspection site named ``site``; InvalidInput if ``sites`` has no such name."""
    known = sites or {}
    if not isinstance(site, str) or site not in known:
        raise InvalidInput("site", site, "is not a known inspection site", ", ".join(sorted(known)) or "lat and lon")
    return known[site]


def parse_location(data: Mapping[str, object], sites: Mapping[str, Location] | None = None) -> Location:
    """A location from form fields or typed text: a known ``site`` name, or ``lat`` and ``lon`` (both or neither).

    An empty site means none was chosen. The JSON API reads locations with its own, stricter models
    (numbers as JSON numbers): web/_api_bodies.py.
    """
    site = data.get("site")
    if site not in (None, ""):
        return site_location(site, sites)
    return Location(_number("lat", data.get("lat"), text=True), _number("lon", data.get("lon"), text=True))


def haversine_km(a: Location, b: Location) -> float:
    """Great-circle distance; the error against the ellipsoid (≤ 0.5 %) is far below the speed margin."""
    phi1, phi2 = math.radians(a.lat), math.radians(b.lat)
    dphi, dlmb = phi2 - phi1, math.radians(b.lon - a.lon)
    h = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))
