"""Median, min and max of repeated measurements, and how the report prints them."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Spread:
    """A measurement repeated `runs` times: its median and its range."""

    median: float
    low: float
    high: float
    runs: int

    @classmethod
    def of(cls, values: Sequence[float]) -> Spread:
        if not values:
            raise ValueError("no measurements")
        return cls(statistics.median(values), min(values), max(values), len(values))

    def overlaps(self, other: Spread) -> bool:
        """Whether the two ranges share a value: then the medians differ by no more than
        the runs' own spread, and their order may be noise."""
        return self.low <= other.high and other.low <= self.high

    def format(self, digits: int = 2, unit: str = "") -> str:
        """'12.3 [11.9, 13.0]': the median, then [min, max]."""
        return f"{self.median:.{digits}f}{unit} [{self.low:.{digits}f}, {self.high:.{digits}f}]"


def ratio(ours: Spread, peer: Spread) -> float:
    """Ours over the peer, of the medians."""
    return ours.median / peer.median
