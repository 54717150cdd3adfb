"""Constrained clustering of scored pairs into persons.

Plain connected components chain errors: one false link between two brothers merges two
families' records. Here pairs are merged strongest first (union-find), and a merge is refused
when the resulting cluster would hold two different valid ID numbers, two sexes, or ages too far
apart to be one person (cannot-link). A refused pair stays split; a later, weaker pair cannot
undo that because the same check applies to it. Two sexes are let through in one case only: a
pair scored at least ``SEX_DISAGREEMENT_PROBABILITY`` whose own two records disagree, joining
two clusters of one sex each (the model saw the disagreement and still found the rest decisive).

People's decisions come before the model's:

- **must-link** pairs (a reviewer accepted them) are merged first, whatever their score. Only
  hard constraints can refuse them: two different valid ID numbers, two records of one release
  declared duplicate-free, or a cannot-link pair. A refused must-link is reported back
  (:attr:`Clustering.refused`), never dropped silently. A reviewer may join records whose sex or
  age disagree (lists get these wrong); such a cluster then accepts further model links only
  when they add no new disagreement.
- **cannot-link** pairs (a reviewer rejected them) never end up in one cluster, by any chain.
- **duplicate-free sources**: records of one source (one release of one list) declared free of
  duplicates never merge with each other.
- **exclusive sources** (on request): records of one source join only through pairs listed
  as within-source links (or must-links), never through a chain. A release lists each person
  once or, by mistake, a few times; without this, a twin in one release links to the other
  twin through their shared record in the next release.

Records are numbered in the order of their ids, pairs are merged by descending probability with
ties broken by ids, so the same inputs always give the same clusters. Everything is arrays and
one union-find: a million records cluster in seconds.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from typing import Final

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from numba import njit

# Ages on lists are heaped, off by one, and on some releases plainly wrong; the model weighs how
# well ages agree, so this only stops merges no age error explains (on the 2024-03-29 and
# 2024-08-31 MoH releases, 3 years kept 100 true pairs apart and prevented no false one).
AGE_TOLERANCE_YEARS: Final = 10.0
AGE_TOLERANCE_SHARE: Final = 0.25

# A pair this sure may join two records whose sexes differ: its score already weighed the
# disagreement (lists get sex wrong: 13 of the 39 press records the demo of seed 1 left apart
# had a wrong sex, their true pairs scored 0.98-0.997). Only where the pair itself carries
# the disagreement; a chain through records of unknown sex still stays apart.
SEX_DISAGREEMENT_PROBABILITY: Final = 0.95

Pair = tuple[str, str]


def ages_fit(low: float | None, high: float | None) -> bool:
    if low is None or high is None:
        return True
    return high - low <= max(AGE_TOLERANCE_YEARS, AGE_TOLERANCE_SHARE * high)


@dataclass(frozen=True)
class RefusedLink:
    """A must-link pair that a hard constraint kept apart, and why."""

    record_id_l: str
    record_id_r: str
    reason: str

    def as_dict(self) -> dict[str, str]:
        return {
            "record_id_l": self.record_id_l,
            "record_id_r": self.record_id_r,
            "reason": self.reason,
        }


@dataclass
class Clustering:
    """Record id → cluster id (the smallest record id of the cluster), and refused must-links."""

    clusters: dict[str, str]
    refused: list[RefusedLink] = field(default_factory=list)
    must_links_applied: int = 0


def _codes(values: pd.Series) -> np.ndarray:
    """Integer codes of the distinct values (-1 for missing), by first appearance."""
    codes, _ = pd.factorize(values.astype(object), use_na_sentinel=True)
    return np.asarray(codes, dtype=np.int64)


def _strings(values: object) -> pa.Array:
    """Record ids as one Arrow string array."""
    if isinstance(values, pa.ChunkedArray):
        array = values.combine_chunks()
    elif isinstance(values, pa.Array):
        array = values
    else:
        array = pa.array(values, from_pandas=True)
    return array.cast(pa.string()) if array.type != pa.string() else array


def _number_pairs(
    numbers_of: Callable[[object, str], np.ndarray], pairs: Iterable[Pair], what: str
) -> list[tuple[int, int, str, str]]:
    """Pairs as record numbers (smaller first) with their ids, sorted, without repeats."""
    given = [(str(left), str(right)) for left, right in pairs]
    if not given:
        return []
    lefts = numbers_of([p[0] for p in given], what).tolist()
    rights = numbers_of([p[1] for p in given], what).tolist()
    out = set()
    for (left, right), a, b in zip(given, lefts, rights, strict=True):
        if a != b:
            out.add((a, left, b, right) if a < b else (b, right, a, left))
    return [(a, b, left, right) for a, left, b, right in sorted(out)]


# Why a must-link was refused, by the status code _merge returns.
_MERGED, _SAME, _IDS, _DUP_FREE, _REJECTED, _SOFT = 0, 1, 2, 3, 4, 5
_REASONS: Final = {
    _IDS: "two different valid ID numbers",
    _DUP_FREE: "two records of one release declared duplicate-free",
    _REJECTED: "a reviewer rejected a pair of these records",
}


@njit(cache=True)
def _find(parent: np.ndarray, x: int) -> int:
    while parent[x] != x:
        parent[x] = parent[parent[x]]
        x = parent[x]
    return x


@njit(cache=True)
def _allowed(allowed: np.ndarray, x: int, y: int, n: int) -> bool:
    """Whether the pair of records (numbers) is in the sorted keys ``low * n + high``."""
    key = min(x, y) * n + max(x, y)
    i = np.searchsorted(allowed, key)
    return bool(i < len(allowed) and allowed[i] == key)


@njit(cache=True)
def _merge(
    low: np.ndarray,
    high: np.ndarray,
    check_soft: bool,
    sex_free: np.ndarray,
    parent: np.ndarray,
    size: np.ndarray,
    id_code: np.ndarray,
    sex_bits: np.ndarray,
    age_min: np.ndarray,
    age_max: np.ndarray,
    dup_source: np.ndarray,
    allowed: np.ndarray,
    dup_head: np.ndarray,
    dup_tail: np.ndarray,
    dup_next: np.ndarray,
    cannot_record: np.ndarray,
    cannot_head: np.ndarray,
    cannot_tail: np.ndarray,
    cannot_next: np.ndarray,
    age_years: float,
    age_share: float,
) -> np.ndarray:
    """Merge the pairs in order unless a constraint forbids it; a status per pair.

    Per root: its valid ID code (-1 none), sexes as bits, age range (NaN none), and two linked
    lists: its records from duplicate-free sources, and its cannot-link entries (the record each
    entry must stay apart from). Hard constraints always apply; sex and age (``check_soft``) only
    to the model's pairs, and only against a disagreement the cluster does not hold already.
    ``sex_free[k]``: pair k may join two clusters of one sex each although they differ (its own
    two records disagree on sex and its score, which weighed that, is high).
    """
    status = np.empty(len(low), dtype=np.int8)
    for k in range(len(low)):
        a = _find(parent, low[k])
        b = _find(parent, high[k])
        if a == b:
            status[k] = _SAME
            continue
        if id_code[a] >= 0 and id_code[b] >= 0 and id_code[a] != id_code[b]:
            status[k] = _IDS
            continue
        conflict = False
        x = dup_head[a]
        while x >= 0 and not conflict:
            y = dup_head[b]
            while y >= 0:
                if dup_source[x] == dup_source[y] and not _allowed(allowed, x, y, len(parent)):
                    conflict = True
                    break
                y = dup_next[y]
            x = dup_next[x]
        if conflict:
            status[k] = _DUP_FREE
            continue
        e = cannot_head[a]
        while e >= 0:
            if _find(parent, cannot_record[e]) == b:
                conflict = True
                break
            e = cannot_next[e]
        if conflict:
            status[k] = _REJECTED
            continue
        if check_soft:
            sexes = sex_bits[a] | sex_bits[b]
            count = 0
            bits = sexes
            while bits:
                count += bits & 1
                bits >>= 1
            count_a = 0
            bits = sex_bits[a]
            while bits:
                count_a += bits & 1
                bits >>= 1
            count_b = 0
            bits = sex_bits[b]
            while bits:
                count_b += bits & 1
                bits >>= 1
            if count > max(count_a, count_b, 1) and not (
                sex_free[k] and count_a <= 1 and count_b <= 1
            ):
                status[k] = _SOFT
                continue
            lo = age_min[a]
            if np.isnan(lo) or age_min[b] < lo:
                lo = age_min[b]
            hi = age_max[a]
            if np.isnan(hi) or age_max[b] > hi:
                hi = age_max[b]
            if not np.isnan(lo) and hi - lo > max(age_years, age_share * hi):
                # A range a reviewer already accepted may take records that fall inside it.
                inside_a = lo == age_min[a] and hi == age_max[a]
                inside_b = lo == age_min[b] and hi == age_max[b]
                if not (inside_a or inside_b):
                    status[k] = _SOFT
                    continue
        # Union by size; the root keeps everything both sides held.
        if size[a] < size[b]:
            a, b = b, a
        parent[b] = a
        size[a] += size[b]
        if id_code[a] < 0:
            id_code[a] = id_code[b]
        sex_bits[a] |= sex_bits[b]
        if np.isnan(age_min[a]) or age_min[b] < age_min[a]:
            age_min[a] = age_min[b]
        if np.isnan(age_max[a]) or age_max[b] > age_max[a]:
            age_max[a] = age_max[b]
        if dup_head[b] >= 0:
            if dup_head[a] < 0:
                dup_head[a] = dup_head[b]
            else:
                dup_next[dup_tail[a]] = dup_head[b]
            dup_tail[a] = dup_tail[b]
        if cannot_head[b] >= 0:
            if cannot_head[a] < 0:
                cannot_head[a] = cannot_head[b]
            else:
                cannot_next[cannot_tail[a]] = cannot_head[b]
            cannot_tail[a] = cannot_tail[b]
        status[k] = _MERGED
    return status


@njit(cache=True)
def _roots(parent: np.ndarray) -> np.ndarray:
    out = np.empty(len(parent), dtype=np.int64)
    for i in range(len(parent)):
        out[i] = _find(parent, i)
    return out


def _frame(features: pa.Table | pd.DataFrame) -> pd.DataFrame:
    if isinstance(features, pa.Table):
        wanted = [
            c
            for c in ("unique_id", "id_number", "sex", "age_years", "source_sha256")
            if c in features.column_names
        ]
        return features.select(wanted).to_pandas()
    return features


@dataclass
class _Merging:
    """The union-find over record numbers and, per root, what its cluster holds (see
    ``_merge``): the arrays clustering updates in place, and the age tolerance."""

    parent: np.ndarray
    size: np.ndarray
    id_code: np.ndarray
    sex_bits: np.ndarray
    age_min: np.ndarray
    age_max: np.ndarray
    dup_source: np.ndarray
    allowed: np.ndarray
    dup_head: np.ndarray
    dup_tail: np.ndarray
    dup_next: np.ndarray
    cannot_record: np.ndarray
    cannot_head: np.ndarray
    cannot_tail: np.ndarray
    cannot_next: np.ndarray
    age_years: float = AGE_TOLERANCE_YEARS
    age_share: float = AGE_TOLERANCE_SHARE

    def merge(
        self, low: np.ndarray, high: np.ndarray, *, check_soft: bool, sex_free: np.ndarray
    ) -> np.ndarray:
        """Merge the pairs (low[k], high[k]) in order where no constraint forbids it; a status
        per pair (``_merge``)."""
        return _merge(
            low,
            high,
            check_soft,
            sex_free,
            self.parent,
            self.size,
            self.id_code,
            self.sex_bits,
            self.age_min,
            self.age_max,
            self.dup_source,
            self.allowed,
            self.dup_head,
            self.dup_tail,
            self.dup_next,
            self.cannot_record,
            self.cannot_head,
            self.cannot_tail,
            self.cannot_next,
            self.age_years,
            self.age_share,
        )


def _connect() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(":memory:")
    con.execute("SET enable_progress_bar = false")
    return con


class _RecordNumbers:
    """Record ids -> record numbers (the ranks of the ids), by a join in a private DuckDB:
    hashing a million strings in Python or Arrow takes several times longer. Each call opens
    its own connection and closes it however the call ends."""

    def __init__(self, ordered: pa.Array) -> None:
        self.ids = pa.table({"unique_id": ordered, "rank": np.arange(len(ordered), dtype=np.int64)})

    def __call__(self, values: object, what: str) -> np.ndarray:
        strings = _strings(values)
        wanted = pa.table({"i": np.arange(len(strings), dtype=np.int64), "unique_id": strings})
        with _connect() as con:
            con.register("ids", self.ids)
            con.register("wanted", wanted)
            found = con.sql(
                "SELECT w.unique_id, ids.rank FROM wanted w LEFT JOIN ids USING (unique_id) "
                "ORDER BY w.i"
            ).to_arrow_table()
        ranks = found.column("rank")
        if ranks.null_count:
            unknown = pc.filter(found.column("unique_id"), pc.is_null(ranks))[0].as_py()
            raise KeyError(f"{what} names a record that is not clustered: {unknown}")
        return ranks.to_numpy().astype(np.int64)


def cluster_records(
    pairs: pd.DataFrame,
    features: pa.Table | pd.DataFrame,
    threshold: float = 0.9,
    *,
    must_link: Iterable[Pair] = (),
    cannot_link: Iterable[Pair] = (),
    duplicate_free_sources: Collection[str] = (),
    exclusive_sources: bool = False,
    within_source_links: Iterable[Pair] = (),
) -> Clustering:
    """Cluster the records of ``features`` with the pairs scored at least ``threshold``.

    ``pairs`` has unique_id_l, unique_id_r, match_probability; ``features`` has unique_id,
    id_number (valid IDs only), sex, age_years, and source_sha256 when
    ``duplicate_free_sources`` names sources or ``exclusive_sources`` is set. Every record of
    ``features`` is returned, singletons included.
    """
    must_link = list(must_link)
    frame = _frame(features)
    uids = _strings(frame["unique_id"])
    n = len(uids)
    by_rank = pc.sort_indices(uids).to_numpy()
    ordered = uids.take(pa.array(by_rank))
    if n > 1 and pc.any(pc.equal(ordered[1:], ordered[:-1])).as_py():
        raise ValueError("features hold a unique_id twice")
    # Row of features -> record number (the rank of its id); attributes by record number.
    number = np.empty(n, dtype=np.int64)
    number[by_rank] = np.arange(n, dtype=np.int64)

    numbers_of = _RecordNumbers(ordered)

    def by_number(values: np.ndarray, fill: object) -> np.ndarray:
        out = np.full(n, fill, dtype=values.dtype)
        out[number] = values
        return out

    none = pd.Series([None] * n, dtype=object)
    id_codes = by_number(_codes(frame.get("id_number", none)), -1)
    sex_codes = _codes(frame.get("sex", none))
    if sex_codes.max(initial=-1) >= 62:
        raise ValueError("more than 62 distinct sex codes")
    sex_bits = by_number(np.where(sex_codes >= 0, np.left_shift(1, sex_codes), 0), 0)
    record_sex = sex_bits.copy()
    ages = by_number(
        pd.to_numeric(frame["age_years"], errors="coerce").to_numpy(dtype=float, na_value=np.nan),
        np.nan,
    )
    duplicate_free = {str(s) for s in duplicate_free_sources}
    dup_source = np.full(n, -1, dtype=np.int64)
    allowed = np.empty(0, dtype=np.int64)
    if duplicate_free or exclusive_sources:
        if "source_sha256" not in frame.columns:
            raise ValueError("source constraints need a source_sha256 column in features")
        sources = frame["source_sha256"]
        source_codes = _codes(
            sources if exclusive_sources else sources.where(sources.isin(duplicate_free))
        )
        dup_source = by_number(source_codes, -1)
    if exclusive_sources:
        # Records of a source not declared duplicate-free may join by these pairs only.
        free = by_number(sources.isin(duplicate_free).to_numpy(), False)
        linked = _number_pairs(
            numbers_of, [*within_source_links, *must_link], "a within-source link"
        )
        allowed = np.unique(
            np.array(
                [a * n + b for a, b, _, _ in linked if not free[a]],
                dtype=np.int64,
            )
        )
    dup_head = np.where(dup_source >= 0, np.arange(n), -1).astype(np.int64)
    dup_tail = dup_head.copy()
    dup_next = np.full(n, -1, dtype=np.int64)

    rejected = _number_pairs(numbers_of, cannot_link, "a cannot-link pair")
    cannot_record = np.empty(2 * len(rejected), dtype=np.int64)
    cannot_owner = np.empty(2 * len(rejected), dtype=np.int64)
    for e, (a, b, _, _) in enumerate(rejected):
        cannot_owner[2 * e], cannot_record[2 * e] = a, b
        cannot_owner[2 * e + 1], cannot_record[2 * e + 1] = b, a
    cannot_head = np.full(n, -1, dtype=np.int64)
    cannot_tail = np.full(n, -1, dtype=np.int64)
    cannot_next = np.full(len(cannot_record), -1, dtype=np.int64)
    for e, owner in enumerate(cannot_owner.tolist()):
        if cannot_head[owner] < 0:
            cannot_head[owner] = e
        else:
            cannot_next[cannot_tail[owner]] = e
        cannot_tail[owner] = e

    parent = np.arange(n, dtype=np.int64)
    size = np.ones(n, dtype=np.int64)
    merging = _Merging(
        parent=parent,
        size=size,
        id_code=id_codes,
        sex_bits=sex_bits,
        age_min=ages,
        age_max=ages.copy(),
        dup_source=dup_source,
        allowed=allowed,
        dup_head=dup_head,
        dup_tail=dup_tail,
        dup_next=dup_next,
        cannot_record=cannot_record,
        cannot_head=cannot_head,
        cannot_tail=cannot_tail,
        cannot_next=cannot_next,
    )

    result = Clustering({})
    accepted = _number_pairs(numbers_of, must_link, "a must-link pair")
    if accepted:
        status = merging.merge(
            np.array([p[0] for p in accepted], dtype=np.int64),
            np.array([p[1] for p in accepted], dtype=np.int64),
            check_soft=False,
            sex_free=np.zeros(len(accepted), dtype=np.bool_),
        )
        for (_, _, left, right), code in zip(accepted, status.tolist(), strict=True):
            if code in _REASONS:
                result.refused.append(RefusedLink(left, right, _REASONS[code]))
            else:
                result.must_links_applied += 1

    probability = pairs["match_probability"].to_numpy(dtype=float)
    strong = np.flatnonzero(probability >= threshold)
    left_pos = numbers_of(pairs["unique_id_l"].iloc[strong], "a scored pair")
    right_pos = numbers_of(pairs["unique_id_r"].iloc[strong], "a scored pair")
    low = np.minimum(left_pos, right_pos)
    high = np.maximum(left_pos, right_pos)
    # Descending probability, ties broken by ids: the same pairs always merge in the same order.
    merge_order = np.lexsort((right_pos, left_pos, -probability[strong]))
    sex_free = (
        (record_sex[low] != 0)
        & (record_sex[high] != 0)
        & (record_sex[low] != record_sex[high])
        & (probability[strong] >= SEX_DISAGREEMENT_PROBABILITY)
    )
    merging.merge(
        low[merge_order], high[merge_order], check_soft=True, sex_free=sex_free[merge_order]
    )

    roots = _roots(parent)
    smallest = np.full(n, n, dtype=np.int64)
    np.minimum.at(smallest, roots, np.arange(n, dtype=np.int64))
    label_of_number = smallest[roots]
    labels = ordered.take(pa.array(label_of_number[number]))
    result.clusters = dict(zip(uids.to_pylist(), labels.to_pylist(), strict=True))
    return result


def cluster_pairs(
    pairs: pd.DataFrame,
    features: pa.Table | pd.DataFrame,
    threshold: float = 0.9,
    *,
    must_link: Iterable[Pair] = (),
    cannot_link: Iterable[Pair] = (),
    duplicate_free_sources: Collection[str] = (),
) -> dict[str, str]:
    """Record id → cluster id (the smallest record id in the cluster, so ids are stable).

    See :func:`cluster_records`, which also reports must-links a hard constraint refused.
    """
    return cluster_records(
        pairs,
        features,
        threshold,
        must_link=must_link,
        cannot_link=cannot_link,
        duplicate_free_sources=duplicate_free_sources,
    ).clusters
