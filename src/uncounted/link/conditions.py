"""Conditions on a pair written once and rendered two ways: as one SQL expression for splink,
and lazily, for uncounted's own scorer, where each test runs only on the pairs the tests
before it left undecided.

DuckDB evaluates every operand of ``OR`` and ``AND`` on every row of a projection, however
cheap the first; a ``CASE`` tests a branch only on the rows no earlier branch took. The string
similarities on name parts cost microseconds a pair, so the order and the laziness matter.
The lazy form treats a missing value (NULL) as false, which is the same as the plain form
inside a level: conditions are built with AND and OR only, so NULL never makes a level true.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class AnyOf:
    """True when one of the terms is; the terms are tried in order, so cheap ones first."""

    terms: tuple[Condition, ...]


@dataclass(frozen=True)
class AllOf:
    """True when every term is; tried in order, so the likeliest to fail first."""

    terms: tuple[Condition, ...]


@dataclass(frozen=True)
class Atom:
    """Another named condition of the same comparison, computed before this one."""

    name: str


Condition = str | AnyOf | AllOf | Atom


def any_of(*terms: Condition) -> AnyOf:
    return AnyOf(tuple(terms))


def all_of(*terms: Condition) -> AllOf:
    return AllOf(tuple(terms))


def inline_sql(condition: Condition, atoms: Mapping[str, Condition]) -> str:
    """One SQL expression, atoms written out in full."""
    if isinstance(condition, str):
        return f"({condition})"
    if isinstance(condition, Atom):
        return inline_sql(atoms[condition.name], atoms)
    joiner = " OR " if isinstance(condition, AnyOf) else " AND "
    return "(" + joiner.join(inline_sql(t, atoms) for t in condition.terms) + ")"


def lazy_sql(
    condition: Condition,
    columns: Mapping[str, str],
    atoms: Mapping[str, Condition] | None = None,
) -> str:
    """A never-NULL boolean SQL expression that stops at the first term deciding it. An atom
    is read from its column in ``columns``, or, when it has none, tested in place from its
    condition in ``atoms``."""
    if isinstance(condition, str):
        return f"coalesce(({condition}), false)"
    if isinstance(condition, Atom):
        if condition.name in columns:
            return f'"{columns[condition.name]}"'
        if atoms is None or condition.name not in atoms:
            raise KeyError(f"no column and no condition for atom {condition.name!r}")
        return lazy_sql(atoms[condition.name], columns, atoms)
    if isinstance(condition, AnyOf):
        tests = " ".join(
            f"WHEN {lazy_sql(t, columns, atoms)} THEN true" for t in condition.terms
        )
        return f"CASE {tests} ELSE false END"
    tests = " ".join(
        f"WHEN NOT {lazy_sql(t, columns, atoms)} THEN false" for t in condition.terms
    )
    return f"CASE {tests} ELSE true END"


def references(condition: Condition) -> set[str]:
    """The atoms a condition reads."""
    if isinstance(condition, Atom):
        return {condition.name}
    if isinstance(condition, str):
        return set()
    return set().union(*(references(t) for t in condition.terms))


def stages(atoms: Mapping[str, Condition]) -> list[list[str]]:
    """Atom names in groups, each group reading only atoms of earlier groups."""
    done: set[str] = set()
    out: list[list[str]] = []
    while len(done) < len(atoms):
        ready = [n for n, c in atoms.items() if n not in done and references(c) <= done]
        if not ready:
            raise ValueError(f"atoms refer to each other in a cycle: {sorted(set(atoms) - done)}")
        out.append(ready)
        done.update(ready)
    return out
