"""Where a scan happened: a checked latitude/longitude (with an optional site name) and distances.

>>> round(haversine_km(Location(51.95, 4.14), Location(31.23, 121.47)))
8943
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from .errors import InvalidInput

__all__ = ["EARTH_RADIUS_KM", "Location", "haversine_km", "parse_location"]

EARTH_RADIUS_KM = 6371.0088  # IUGG mean radius
_EXPECTED = 'latitude -90…90 and longitude -180…180 in decimal degrees, e.g. {"lat": 51.95, "lon": 4.14}'


@dataclass(frozen=True, slots=True)
class Location:
    lat: float
    lon: float
    site: str = ""

    def __post_init__(self) -> None:
        for name, value, bound in (("latitude", self.lat, 90.0), ("longitude", self.lon, 180.0)):
            if not isinstance(value, (int, float)) or isinstance(value, bool) or not math.isfinite(value) or abs(value) > bound:
                raise InvalidInput(name, value, f"is not a number between -{bound:g} and {bound:g}", _EXPECTED)
        if len(self.site) > 80:
            raise InvalidInput("site", self.site[:40] + "…", "is longer than 80 characters", "a short place name")

    @property
    def label(self) -> str:
        """Text for a custody event's location field: the site if named, and the coordinates."""
        where = f"{self.lat:.4f},{self.lon:.4f}"
        return f"{self.site} ({where})" if self.site else where


def _number(name: str, raw: object) -> float:
    if isinstance(raw, bool) or raw is None or raw == "":
        raise InvalidInput(name, raw, "is missing", _EXPECTED)
    try:
        return float(raw)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise InvalidInput(name, raw, "is not a number", _EXPECTED) from None


def parse_location(data: Mapping[str, object], sites: Mapping[str, Location] | None = None) -> Location:
    """A location from form or JSON fields: a known ``site`` name, or ``lat`` and ``lon`` (both or neither)."""
    site = data.get("site")
    if site not in (None, ""):
        known = sites or {}
        if not isinstance(site, str) or site not in known:
            raise InvalidInput("site", site, "is not a known inspection site", ", ".join(sorted(known)) or "lat and lon")
        return known[site]
    return Location(_number("lat", data.get("lat")), _number("lon", data.get("lon")))


def haversine_km(a: Location, b: Location) -> float:
    """Great-circle distance; the error against the ellipsoid (≤ 0.5 %) is far below the speed margin."""
    phi1, phi2 = math.radians(a.lat), math.radians(b.lat)
    dphi, dlmb = phi2 - phi1, math.radians(b.lon - a.lon)
    h = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))
