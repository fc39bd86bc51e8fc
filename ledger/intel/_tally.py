"""The sums hotspots and trends keep per cell or per row: scans by verdict, seizures, and the sites they were at."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from .records import ScanGroup, Seizure

__all__ = ["Tally"]


@dataclass
class Tally:
    scans: int = 0
    flagged: int = 0  # scans flagged (suspect, counterfeit or of a stolen item); seizures are counted apart
    suspect: int = 0
    counterfeit: int = 0
    stolen: int = 0
    seizures: int = 0
    sites: Counter[str] = field(default_factory=Counter)  # scans and seizures per site name, to label a cell

    def add_scans(self, group: ScanGroup) -> None:
        self.scans += group.scans
        self.flagged += group.flagged
        self.suspect += group.suspect
        self.counterfeit += group.counterfeit
        self.stolen += group.stolen
        self.sites[group.site] += group.scans

    def add_seizure(self, seizure: Seizure) -> None:
        self.seizures += 1
        self.sites[seizure.place.site if seizure.place else ""] += 1
