"""Lists as capture systems: copies found and merged, periods that do not overlap warned."""

from __future__ import annotations

import numpy as np
import pandas as pd

from uncounted.estimate.systems import (
    COPY_SHARE,
    contained_lists,
    merge_contained,
    period_warnings,
)


def _table(rng: np.random.Generator, n: int = 2_000) -> pd.DataFrame:
    a = rng.random(n) < 0.6
    b = rng.random(n) < 0.4
    # c republishes a: all of its persons are on a, with a few of its own.
    c = a & (rng.random(n) < 0.9)
    c[:10] = True
    frame = pd.DataFrame({"a": a, "b": b, "c": c}).astype(int)
    return frame[frame.sum(axis=1) > 0].reset_index(drop=True)


def test_a_list_whose_persons_are_on_another_is_a_copy_and_merged_into_it() -> None:
    table = _table(np.random.default_rng(1))
    found = contained_lists(table, ["a", "b", "c"])
    assert [(c.name, c.within) for c in found] == [("c", "a")]
    assert found[0].share >= COPY_SHARE
    assert "copy or subset of 'a'" in found[0].reason()
    merged, kept = merge_contained(table, ["a", "b", "c"], found)
    assert kept == ["a", "b"] and "c" not in merged
    # Nobody is lost: a person on the copy alone is now on the list it copies.
    assert (merged[["a", "b"]].sum(axis=1) > 0).all()
    assert merged["a"].sum() == int((table["a"] | table["c"]).sum())


def test_independent_lists_are_left_alone() -> None:
    rng = np.random.default_rng(2)
    table = pd.DataFrame({n: (rng.random(3_000) < 0.5).astype(int) for n in "abc"})
    table = table[table.sum(axis=1) > 0]
    assert contained_lists(table, ["a", "b", "c"]) == []


def test_a_copy_of_a_copy_goes_to_the_original() -> None:
    base = np.zeros(200, dtype=int)
    base[:150] = 1
    table = pd.DataFrame({"a": base, "b": base.copy(), "c": base.copy(), "d": 1 - base})
    table.loc[:100, "c"] = 0
    table.loc[:50, "b"] = 0
    found = contained_lists(table, ["a", "b", "c", "d"])
    merged, kept = merge_contained(table, ["a", "b", "c", "d"], found)
    assert kept == ["a", "d"]
    assert merged["a"].sum() == 150


def test_a_list_of_another_period_is_warned() -> None:
    rng = np.random.default_rng(3)
    days = {
        "a": list(rng.uniform(19_600, 20_000, 500)),
        "b": list(rng.uniform(19_650, 20_000, 400)),
        "old": list(rng.uniform(11_000, 19_700, 100)),
    }
    warned = period_warnings(days)
    assert [w["list"] for w in warned] == ["old"]
    assert warned[0]["share_inside"] < 0.5


def test_a_long_dated_list_beside_undated_lists_is_named() -> None:
    rng = np.random.default_rng(4)
    days = {"old": list(rng.uniform(11_000, 19_700, 100))}
    warned = period_warnings(days, ["old", "undated"])
    assert [w["list"] for w in warned] == ["old"] and warned[0]["share_inside"] is None
    short = {"recent": list(rng.uniform(19_600, 19_900, 100))}
    assert period_warnings(short, ["recent", "undated"]) == []
