"""Constrained clustering of scored pairs into persons.

Plain connected components chain errors: one false link between two brothers merges two
families' records. Here pairs are merged strongest first (union-find), and a merge is refused
when the resulting cluster would hold two different valid ID numbers, two sexes, or ages too far
apart to be one person (cannot-link). A refused pair stays split; a later, weaker pair cannot
undo that because the same check applies to it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Final

import pandas as pd
import pyarrow as pa

# Ages on lists are heaped and off by one; within a person they stay within a few years, more
# for the old (whose ages are guessed more loosely).
AGE_TOLERANCE_YEARS: Final = 3.0
AGE_TOLERANCE_SHARE: Final = 0.1


@dataclass
class _Cluster:
    members: list[str]
    ids: set[str] = field(default_factory=set)
    sexes: set[str] = field(default_factory=set)
    age_min: float | None = None
    age_max: float | None = None


def ages_fit(low: float | None, high: float | None) -> bool:
    if low is None or high is None:
        return True
    return high - low <= max(AGE_TOLERANCE_YEARS, AGE_TOLERANCE_SHARE * high)


def _bounds(
    a: float | None, b: float | None, pick: Callable[[float, float], float]
) -> float | None:
    if a is None:
        return b
    if b is None:
        return a
    return pick(a, b)


def _compatible(a: _Cluster, b: _Cluster) -> bool:
    if len(a.ids | b.ids) > 1 or len(a.sexes | b.sexes) > 1:
        return False
    return ages_fit(_bounds(a.age_min, b.age_min, min), _bounds(a.age_max, b.age_max, max))


def _value(value: object) -> object | None:
    return None if value is None or (isinstance(value, float) and value != value) else value


def cluster_pairs(
    pairs: pd.DataFrame, features: pa.Table | pd.DataFrame, threshold: float = 0.9
) -> dict[str, str]:
    """Record id → cluster id (the smallest record id in the cluster, so ids are stable).

    ``pairs`` has unique_id_l, unique_id_r, match_probability; ``features`` has unique_id,
    id_number (valid IDs only), sex and age_years. Every record of ``features`` is returned,
    singletons included.
    """
    frame = features.to_pandas() if isinstance(features, pa.Table) else features
    clusters: dict[str, _Cluster] = {}
    parent: dict[str, str] = {}
    for uid, id_number, sex, age in zip(
        frame["unique_id"], frame["id_number"], frame["sex"], frame["age_years"], strict=True
    ):
        uid = str(uid)
        age = _value(age)
        cluster = _Cluster([uid], age_min=age, age_max=age)  # type: ignore[arg-type]
        if _value(id_number) is not None:
            cluster.ids.add(str(id_number))
        if _value(sex) is not None:
            cluster.sexes.add(str(sex))
        clusters[uid] = cluster
        parent[uid] = uid

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    strong = pairs[pairs["match_probability"] >= threshold]
    # Descending probability, ties broken by ids: the same pairs always merge in the same order.
    strong = strong.sort_values(
        ["match_probability", "unique_id_l", "unique_id_r"],
        ascending=[False, True, True],
        kind="mergesort",
    )
    for left, right in zip(strong["unique_id_l"], strong["unique_id_r"], strict=True):
        a, b = find(str(left)), find(str(right))
        if a == b or not _compatible(clusters[a], clusters[b]):
            continue
        root, child = (a, b) if a < b else (b, a)
        big, small = clusters[root], clusters.pop(child)
        big.members.extend(small.members)
        big.ids |= small.ids
        big.sexes |= small.sexes
        big.age_min = _bounds(big.age_min, small.age_min, min)
        big.age_max = _bounds(big.age_max, small.age_max, max)
        parent[child] = root
    out: dict[str, str] = {}
    for cluster in clusters.values():
        label = min(cluster.members)
        for member in cluster.members:
            out[member] = label
    return {uid: out[uid] for uid in parent}
