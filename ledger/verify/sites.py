"""Inspection sites an officer can pick when the device gives no position (ports, airports, border posts)."""

from __future__ import annotations

from ..geo import Location

__all__ = ["INSPECTION_SITES"]

INSPECTION_SITES: dict[str, Location] = {site.site: site for site in (
    Location(51.9496, 4.1453, "Port of Rotterdam"),
    Location(51.2637, 4.3999, "Port of Antwerp"),
    Location(53.5396, 9.9669, "Port of Hamburg"),
    Location(51.9536, 1.3511, "Port of Felixstowe"),
    Location(50.0379, 8.5622, "Frankfurt Airport cargo"),
    Location(49.0097, 2.5479, "Paris CDG cargo"),
    Location(25.0117, 55.0612, "Jebel Ali, Dubai"),
    Location(31.3389, 121.6200, "Port of Shanghai"),
    Location(1.2644, 103.8222, "Port of Singapore"),
    Location(33.7405, -118.2775, "Port of Los Angeles"),
)}
