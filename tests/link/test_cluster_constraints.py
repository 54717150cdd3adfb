"""Must-link, cannot-link and duplicate-free releases in clustering, on tiny hand-made inputs."""

from __future__ import annotations

import time
from typing import ClassVar

import duckdb
import numpy as np
import pandas as pd
import pytest

from uncounted.link import cluster
from uncounted.link.cluster import cluster_pairs, cluster_records

ID_A, ID_B = "400000001", "400000002"


def features(**columns: list[object]) -> pd.DataFrame:
    n = len(columns["unique_id"])
    base: dict[str, list[object]] = {
        "id_number": [None] * n,
        "sex": ["male"] * n,
        "age_years": [30.0] * n,
        "source_sha256": ["s1"] * n,
    }
    base.update(columns)
    return pd.DataFrame(base)


def pairs(*rows: tuple[str, str, float]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["unique_id_l", "unique_id_r", "match_probability"])


def test_must_link_joins_a_pair_the_model_scored_low() -> None:
    f = features(unique_id=["a", "b", "c"])
    out = cluster_records(pairs(("a", "b", 0.2)), f, 0.9, must_link=[("b", "a")])
    assert out.clusters == {"a": "a", "b": "a", "c": "c"}
    assert out.must_links_applied == 1 and out.refused == []


def test_must_link_may_join_other_sexes_and_ages_but_not_two_valid_ids() -> None:
    f = features(
        unique_id=["a", "b", "c", "d"],
        sex=["male", "female", "male", "male"],
        age_years=[30.0, 55.0, 40.0, 30.0],
        id_number=[ID_A, None, None, ID_B],
    )
    out = cluster_records(pairs(), f, 0.9, must_link=[("a", "b"), ("a", "d")])
    assert out.clusters["b"] == "a"  # a reviewer overrides sex and age
    assert out.clusters["d"] == "d"  # but not two different valid IDs
    assert [(r.record_id_l, r.record_id_r) for r in out.refused] == [("a", "d")]
    assert "ID" in out.refused[0].reason


def test_after_a_reviewer_join_the_model_adds_only_what_fits_inside() -> None:
    f = features(
        unique_id=["a", "b", "c", "e"],
        sex=["male", "female", "male", "male"],
        age_years=[30.0, 50.0, 40.0, 70.0],
    )
    out = cluster_records(
        pairs(("a", "c", 0.99), ("a", "e", 0.98)), f, 0.9, must_link=[("a", "b")]
    )
    assert out.clusters["c"] == "a"  # 40 lies inside the accepted 30-50, sex already mixed
    assert out.clusters["e"] == "e"  # 70 widens the range beyond what anyone accepted


def test_a_sure_pair_may_join_two_sexes_but_a_chain_or_a_doubtful_pair_may_not() -> None:
    f = features(
        unique_id=["a", "b", "c", "d", "u", "e"],
        sex=["male", "female", "male", "female", None, "female"],
    )
    scored = pairs(
        ("a", "b", 0.99),  # the pair itself disagrees, and its score weighed that
        ("c", "d", 0.93),  # above the threshold, below the bar for a disagreement
        ("c", "u", 0.995),  # u gives no sex ...
        ("u", "e", 0.99),  # ... so e would join c's cluster through a chain: refused
    )
    out = cluster_pairs(scored, f, 0.9)
    assert out["b"] == "a"
    assert out["d"] == "d"
    assert out["u"] == "c" and out["e"] == "e"


def test_cannot_link_holds_directly_and_through_a_chain() -> None:
    f = features(unique_id=["a", "b", "c", "x", "y"])
    scored = pairs(("a", "b", 0.99), ("b", "c", 0.98), ("x", "y", 0.97))
    out = cluster_pairs(scored, f, 0.9, cannot_link=[("c", "a"), ("x", "y")])
    assert out["b"] == "a"
    assert out["c"] == "c"  # b-c would put c with a
    assert out["x"] == "x" and out["y"] == "y"


def test_a_must_link_that_contradicts_a_cannot_link_is_refused_and_reported() -> None:
    f = features(unique_id=["a", "b", "c"])
    out = cluster_records(
        pairs(), f, 0.9, must_link=[("a", "b"), ("b", "c")], cannot_link=[("a", "c")]
    )
    assert out.clusters == {"a": "a", "b": "a", "c": "c"}
    assert [(r.record_id_l, r.record_id_r) for r in out.refused] == [("b", "c")]
    assert "rejected" in out.refused[0].reason


def test_records_of_a_duplicate_free_release_never_merge() -> None:
    f = features(
        unique_id=["a", "b", "x", "p", "q"],
        source_sha256=["s1", "s1", "s2", "s3", "s3"],
    )
    scored = pairs(("a", "x", 0.99), ("b", "x", 0.98), ("p", "q", 0.97))
    free = cluster_records(scored, f, 0.9, duplicate_free_sources={"s1"})
    assert free.clusters["x"] == "a" and free.clusters["b"] == "b"
    assert free.clusters["q"] == "p"  # s3 was not declared duplicate-free
    assert cluster_pairs(scored, f, 0.9)["b"] == "a"  # by default releases may hold duplicates
    refused = cluster_records(pairs(), f, 0.9, must_link=[("a", "b")],
                              duplicate_free_sources={"s1"})
    assert refused.clusters["b"] == "b" and "duplicate-free" in refused.refused[0].reason


def test_unknown_records_in_constraints_are_refused() -> None:
    f = features(unique_id=["a", "b"])
    with pytest.raises(KeyError, match="zzz"):
        cluster_records(pairs(), f, 0.9, must_link=[("a", "zzz")])
    with pytest.raises(KeyError, match="zzz"):
        cluster_records(pairs(("a", "zzz", 0.99)), f, 0.9)


def test_the_same_input_in_another_order_gives_the_same_clusters() -> None:
    rng = np.random.default_rng(3)
    n = 400
    ids = [f"r{i:04d}" for i in range(n)]
    f = features(
        unique_id=ids,
        sex=list(rng.choice(["male", "female"], n)),
        age_years=list(rng.integers(0, 80, n).astype(float)),
        id_number=[str(v) if v % 3 == 0 else None for v in rng.integers(0, 50, n)],
    )
    left, right = rng.integers(0, n, 900), rng.integers(0, n, 900)
    scored = pairs(*(
        (ids[a], ids[b], float(p))
        for a, b, p in zip(left, right, rng.random(900).round(2), strict=True) if a != b
    ))
    first = cluster_pairs(scored, f, 0.5, cannot_link=[(ids[0], ids[1])])
    again = cluster_pairs(
        scored.sample(frac=1, random_state=1), f.sample(frac=1, random_state=2), 0.5,
        cannot_link=[(ids[1], ids[0])],
    )
    assert first == again
    # Every cluster is labelled by its smallest record id.
    for record, label in first.items():
        assert label <= record and first[label] == label


def test_a_large_input_clusters_quickly() -> None:
    rng = np.random.default_rng(1)
    n, m = 200_000, 300_000
    ids = np.array([f"{i:012x}:{i}" for i in range(n)])
    f = pd.DataFrame({
        "unique_id": ids,
        "id_number": None,
        "sex": rng.choice(["male", "female"], n),
        "age_years": rng.integers(0, 90, n).astype(float),
    })
    left = rng.integers(0, n, m)
    right = (left + rng.integers(1, 4, m)) % n
    scored = pd.DataFrame({
        "unique_id_l": ids[left], "unique_id_r": ids[right], "match_probability": rng.random(m)
    })
    cluster_records(pairs(("a", "b", 0.9)), features(unique_id=["a", "b"]), 0.5)  # compile
    start = time.perf_counter()
    out = cluster_records(scored, f, 0.5)
    assert len(out.clusters) == n
    assert time.perf_counter() - start < 20


def test_exclusive_sources_keep_twins_apart_through_a_shared_record() -> None:
    # Twins t1, t2 in release s1; the next release s2 lists only t1 (as n1). The model scores
    # n1 close to both twins: without exclusivity the chain t2-n1-t1 merges the twins.
    f = features(unique_id=["t1", "t2", "n1"], source_sha256=["s1", "s1", "s2"])
    scored = pairs(("n1", "t1", 0.99), ("n1", "t2", 0.95))
    chained = cluster_records(scored, f, 0.5).clusters
    assert chained["t1"] == chained["t2"]
    exclusive = cluster_records(scored, f, 0.5, exclusive_sources=True).clusters
    assert exclusive == {"t1": "n1", "t2": "t2", "n1": "n1"}


def test_exclusive_sources_let_a_listed_duplicate_join_directly() -> None:
    f = features(unique_id=["d1", "d2", "n1"], source_sha256=["s1", "s1", "s2"])
    scored = pairs(("d1", "n1", 0.99), ("d2", "n1", 0.98), ("d1", "d2", 0.97))
    out = cluster_records(
        scored, f, 0.5, exclusive_sources=True, within_source_links=[("d2", "d1")]
    ).clusters
    assert len(set(out.values())) == 1
    # A must-link of one file is allowed too, without being listed again.
    alone = cluster_records(scored, f, 0.5, exclusive_sources=True, must_link=[("d1", "d2")])
    assert len(set(alone.clusters.values())) == 1 and alone.refused == []


def test_exclusive_sources_still_refuse_a_duplicate_free_source() -> None:
    f = features(unique_id=["d1", "d2"], source_sha256=["s1", "s1"])
    out = cluster_records(
        pairs(("d1", "d2", 0.99)),
        f,
        0.5,
        exclusive_sources=True,
        within_source_links=[("d1", "d2")],
        duplicate_free_sources={"s1"},
    ).clusters
    assert out == {"d1": "d1", "d2": "d2"}


class _Watched:
    """A DuckDB connection that fails its query, and notes whether it was closed."""

    opened: ClassVar[list[_Watched]] = []

    def __init__(self) -> None:
        self.con = duckdb.connect(":memory:")
        self.closed = False
        _Watched.opened.append(self)

    def __enter__(self) -> _Watched:
        self.con.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.closed = True
        self.con.__exit__(*exc)

    def register(self, name: str, table: object) -> None:
        self.con.register(name, table)

    def sql(self, query: str) -> object:
        raise RuntimeError("the query failed")


def test_the_connection_is_closed_when_clustering_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cluster, "_connect", _Watched)
    _Watched.opened.clear()
    f = features(unique_id=["a", "b"])
    with pytest.raises(RuntimeError, match="the query failed"):
        cluster_records(pairs(("a", "b", 0.95)), f, 0.9)
    assert _Watched.opened and all(w.closed for w in _Watched.opened)
    with pytest.raises(duckdb.ConnectionException):
        _Watched.opened[0].con.execute("SELECT 1")


def test_unknown_records_are_refused_and_no_connection_stays_open(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    opened: list[duckdb.DuckDBPyConnection] = []
    connect = cluster._connect

    def watched() -> duckdb.DuckDBPyConnection:
        opened.append(connect())
        return opened[-1]

    monkeypatch.setattr(cluster, "_connect", watched)
    f = features(unique_id=["a", "b"])
    with pytest.raises(KeyError, match="a must-link pair names a record that is not clustered"):
        cluster_records(pairs(("a", "b", 0.95)), f, 0.9, must_link=[("a", "z")])
    out = cluster_records(pairs(("a", "b", 0.95)), f, 0.9)
    assert out.clusters == {"a": "a", "b": "a"}
    assert len(opened) >= 2
    for con in opened:
        with pytest.raises(duckdb.ConnectionException):
            con.execute("SELECT 1")
