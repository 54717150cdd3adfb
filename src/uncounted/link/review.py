"""Review decisions on record pairs: what they mean for clustering and training.

A reviewer looks at a pair and decides ``accept`` (the same person), ``reject`` (two people) or
``skip`` (cannot tell, or later). Every decision is kept with who and when; for each pair the
latest counts. Accepted pairs are must-links and rejected pairs cannot-links: they override the
model in clustering, and both are labels for training. A skip changes nothing and sends the pair
to the back of the review queue.

The queue holds the latest run's pairs whose probability lies in a window around the threshold,
by default from half the threshold to half-way between the threshold and 1 (0.45 to 0.95 at the
default threshold 0.9), most uncertain first: the closest to the threshold in match weight
(log-odds), which is where a person's eye changes most.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

import pandas as pd

DECISIONS: Final = ("accept", "reject", "skip")


def ordered_pair(left: str, right: str) -> tuple[str, str]:
    """A pair of record ids as stored: the smaller first."""
    return (left, right) if left < right else (right, left)


def default_window(threshold: float) -> tuple[float, float]:
    """The probabilities a pair needs to enter the review queue, by default."""
    return threshold / 2, (1 + threshold) / 2


def threshold_weight(threshold: float) -> float:
    """The match weight (log2 odds) at which a pair reaches the threshold."""
    threshold = min(max(threshold, 1e-12), 1 - 1e-12)
    return math.log2(threshold / (1 - threshold))


@dataclass(frozen=True)
class Constraints:
    must_link: list[tuple[str, str]]
    cannot_link: list[tuple[str, str]]

    @property
    def applied(self) -> int:
        return len(self.must_link) + len(self.cannot_link)


def constraints_from(latest: Iterable[tuple[str, str, str]]) -> Constraints:
    """Must- and cannot-links from the latest decision of each pair (left, right, decision)."""
    must, cannot = [], []
    for left, right, decision in latest:
        if decision == "accept":
            must.append(ordered_pair(left, right))
        elif decision == "reject":
            cannot.append(ordered_pair(left, right))
    return Constraints(sorted(must), sorted(cannot))


def labels_from(latest: Iterable[tuple[str, str, str]]) -> pd.DataFrame:
    """Training labels: unique_id_l, unique_id_r, is_match (accept → True, reject → False)."""
    rows = [
        (*ordered_pair(left, right), decision == "accept")
        for left, right, decision in latest
        if decision in ("accept", "reject")
    ]
    rows.sort()
    return pd.DataFrame(
        {
            "unique_id_l": pd.Series([r[0] for r in rows], dtype=object),
            "unique_id_r": pd.Series([r[1] for r in rows], dtype=object),
            "is_match": pd.Series([r[2] for r in rows], dtype=bool),
        }
    )
