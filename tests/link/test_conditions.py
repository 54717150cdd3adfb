"""Conditions rendered inline (for splink) and lazily (for uncounted's scorer) agree."""

from __future__ import annotations

import duckdb
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from uncounted.link.comparisons import NAME_LAZY_ATOMS, NAME_LEVELS, name_atoms
from uncounted.link.conditions import (
    AllOf,
    AnyOf,
    Atom,
    Condition,
    all_of,
    any_of,
    inline_sql,
    lazy_sql,
    references,
    stages,
)

COLUMNS = ("a", "b", "c", "d")
_VALUES = [True, False, None]
# every combination of true, false and missing in four columns
_TABLE = pa.table(
    {
        name: [_VALUES[(i // 3**k) % 3] for i in range(3 ** len(COLUMNS))]
        for k, name in enumerate(COLUMNS)
    }
)


def _conditions() -> st.SearchStrategy[Condition]:
    leaves = st.sampled_from([f'"{c}"' for c in COLUMNS] + [f'"{c}" IS NULL' for c in COLUMNS])
    return st.recursive(
        leaves,
        lambda inner: st.one_of(
            st.lists(inner, min_size=1, max_size=3).map(lambda t: AnyOf(tuple(t))),
            st.lists(inner, min_size=1, max_size=3).map(lambda t: AllOf(tuple(t))),
        ),
        max_leaves=8,
    )


@settings(max_examples=150, deadline=None)
@given(_conditions())
def test_lazy_and_inline_forms_are_true_on_the_same_rows(condition: Condition) -> None:
    con = duckdb.connect()
    con.register("t", _TABLE)
    inline = con.execute(
        f"SELECT list(CASE WHEN {inline_sql(condition, {})} THEN 1 ELSE 0 END ORDER BY rowid) "
        "FROM (SELECT *, row_number() OVER () AS rowid FROM t)"
    ).fetchone()
    lazy = con.execute(
        f"SELECT list(CASE WHEN {lazy_sql(condition, {})} THEN 1 ELSE 0 END ORDER BY rowid) "
        "FROM (SELECT *, row_number() OVER () AS rowid FROM t)"
    ).fetchone()
    assert inline == lazy


def test_atoms_are_staged_after_the_atoms_they_read() -> None:
    atoms: dict[str, Condition] = {
        "x": any_of(Atom("y"), '"a"'),
        "y": '"b"',
        "z": all_of(Atom("x"), Atom("y")),
    }
    assert stages(atoms) == [["y"], ["x"], ["z"]]
    assert inline_sql(atoms["z"], atoms) == '((("b") OR ("a")) AND ("b"))'
    assert '"col_x"' in lazy_sql(atoms["z"], {"x": "col_x", "y": "col_y"})


def test_name_levels_read_only_known_atoms_and_lazy_atoms_read_computed_ones() -> None:
    atoms = name_atoms()
    for condition, _, _ in NAME_LEVELS:
        assert references(condition) <= set(atoms)
    for name in NAME_LAZY_ATOMS:
        assert not references(atoms[name]) & NAME_LAZY_ATOMS
