"""The compiled string tests against DuckDB's own functions, on random strings built to hit
the edge cases (empty, one letter, repeated letters, swaps, Arabic and Latin letters)."""

from __future__ import annotations

import random

import duckdb
import numpy as np
import pytest

from uncounted.link.strings import (
    duckdb_fuses_multiply_add,
    jaro_winkler,
    share_any,
    spans_equal,
    within_one_edit,
)

ALPHABETS = ("ab", "abc", "abcdefgh", "محمود", "عبدالرحمنيةى")


def _random_pairs(count: int, seed: int) -> list[tuple[str, str]]:
    rng = random.Random(seed)
    pairs = []
    for _ in range(count):
        letters = rng.choice(ALPHABETS)
        a = "".join(rng.choice(letters) for _ in range(rng.randint(0, 9)))
        edit = rng.random()
        if edit < 0.5 and a:  # a near miss: one or two random edits of a
            b = list(a)
            for _ in range(rng.randint(1, 2)):
                k = rng.randrange(len(b) + 1)
                kind = rng.randrange(4)
                if kind == 0 and k < len(b):
                    b[k] = rng.choice(letters)
                elif kind == 1:
                    b.insert(k, rng.choice(letters))
                elif kind == 2 and k < len(b):
                    del b[k]
                elif k + 1 < len(b):
                    b[k], b[k + 1] = b[k + 1], b[k]
            pairs.append((a, "".join(b)))
        else:
            b = "".join(rng.choice(letters) for _ in range(rng.randint(0, 9)))
            pairs.append((a, b))
    return pairs


def _spans(a: str, b: str) -> tuple[np.ndarray, int, int, int, int]:
    chars = np.array([ord(c) for c in a + b], dtype=np.int32)
    return chars, 0, len(a), len(a), len(a) + len(b)


@pytest.fixture(scope="module")
def reference() -> list[tuple[str, str, float, int]]:
    # the last two: Jaro-Winkler 0.92 or the float just below it, by how the bonus is rounded
    pairs = [
        *_random_pairs(6000, seed=7),
        ("martha", "marhta"),
        ("a", "a"),
        ("", ""),
        ("abcdefghij", "acbdefghijxy"),
        ("abcdefghijk", "axbcdefghijkyzw"),
    ]
    con = duckdb.connect()
    rows = con.execute(
        "SELECT a, b, jaro_winkler_similarity(a, b), damerau_levenshtein(a, b) "
        "FROM (SELECT unnest(?) AS a, unnest(?) AS b)",
        [[a for a, _ in pairs], [b for _, b in pairs]],
    ).fetchall()
    return [(a, b, float(jw), int(dl)) for a, b, jw, dl in rows]


def test_jaro_winkler_is_duckdbs_to_the_last_bit(
    reference: list[tuple[str, str, float, int]],
) -> None:
    fused = duckdb_fuses_multiply_add(duckdb.connect())
    for a, b, expected, _ in reference:
        assert jaro_winkler(*_spans(a, b), fused) == expected, (a, b)
    assert jaro_winkler(*_spans("abcdefghij", "acbdefghijxy"), not fused) != (
        jaro_winkler(*_spans("abcdefghij", "acbdefghijxy"), fused)
    )


def test_within_one_edit_is_damerau_at_most_one(
    reference: list[tuple[str, str, float, int]],
) -> None:
    near = 0
    for a, b, _, distance in reference:
        assert within_one_edit(*_spans(a, b)) == (distance <= 1), (a, b, distance)
        near += distance == 1
    assert near > 500  # the edits above make many pairs one apart


def test_span_equality_and_shared_ids() -> None:
    assert spans_equal(*_spans("abc", "abc"))
    assert not spans_equal(*_spans("abc", "abd"))
    assert not spans_equal(*_spans("ab", "abc"))
    ids = np.array([1, 2, 3, 4, 3], dtype=np.int32)
    assert share_any(ids, 0, 3, 3, 5)
    assert not share_any(ids, 0, 2, 3, 5)
    assert not share_any(ids, 0, 0, 0, 3)
