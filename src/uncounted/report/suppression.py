"""Small-cell suppression: the one rule every published count in a report goes through.

A count of people below the threshold (default 5) is shown as ``"<5"`` so that a table cannot
single out a handful of identifiable victims; a threshold of 0 turns suppression off. Zero is
shown as ``0``: an empty cell identifies nobody. Names are not counts and never pass through
here.

Hiding a small cell is not enough when the table also prints its totals: with a row total of
276 and the other cells summing to 275, the "<5" is a 1. So a report's counts are gathered in
a :class:`Ledger` with every linear relation a reader knows between them (a total is the sum
of its parts, the same number printed twice, a part is at most its whole), and
:func:`protect` adds *complementary* suppression: it hides further cells, shown as ``"x"``,
until :func:`audit` — a linear programme that, for each hidden small cell, finds the least
and the greatest value consistent with everything printed — leaves every such cell a range at
least :func:`required_range` wide. A reader knows a "<5" is between 1 and 4 and, since only
counts of at least the threshold are ever hidden as "x", that an "x" is at least 5; the audit
knows that too. Complementary cells are chosen among the smallest counts that help, so as
little as possible is withheld.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, Literal

import numpy as np
from scipy.optimize import linprog

DEFAULT_MIN_CELL: Final = 5
SECONDARY_MARK: Final = "x"
Kind = Literal["primary", "secondary"]


class Count(int):
    """A count that went through a report's ledger, with whether (and why) it is hidden.

    An int, so templates and figures can use it like one; ``suppress`` prints it as ``"<5"``
    (a small cell), ``"x"`` (hidden so that a small cell cannot be worked out) or the number."""

    hidden: Kind | None

    def __new__(cls, value: int, hidden: Kind | None = None) -> Count:
        made = super().__new__(cls, value)
        made.hidden = hidden
        return made


def is_suppressed(count: int | None, threshold: int = DEFAULT_MIN_CELL) -> bool:
    """True when ``count`` must not be published as it is."""
    if isinstance(count, Count):  # the report's ledger has decided
        return count.hidden is not None
    return count is not None and threshold > 0 and 0 < count < threshold


def suppress(count: int | float | None, threshold: int = DEFAULT_MIN_CELL) -> str:
    """A count as it may be published: ``"<threshold"`` for small cells, ``"x"`` for cells
    hidden to protect them, else with separators."""
    if count is None:
        return "—"
    if isinstance(count, Count) and count.hidden == "secondary":
        return SECONDARY_MARK
    value = round(count)
    if is_suppressed(value, threshold):
        return f"<{threshold}"
    return f"{value:,}"


def suppress_table(
    rows: Iterable[Mapping[str, Any]],
    count_columns: Sequence[str],
    threshold: int = DEFAULT_MIN_CELL,
) -> list[dict[str, Any]]:
    """Copies of ``rows`` with each of ``count_columns`` replaced by its published text.

    Other columns are kept as they are; ``suppressed`` counts the cells hidden in the row.
    """
    out: list[dict[str, Any]] = []
    for row in rows:
        published = dict(row)
        hidden = 0
        for column in count_columns:
            value = row.get(column)
            if isinstance(value, int | float) and is_suppressed(round(value), threshold):
                hidden += 1
            published[column] = suppress(value, threshold)
        published["suppressed"] = hidden
        out.append(published)
    return out


def suppressed_values(
    counts: Sequence[int], threshold: int = DEFAULT_MIN_CELL
) -> list[int]:
    """Counts for a figure: small cells drawn as zero, so a bar never shows a value the
    tables hide."""
    return [0 if is_suppressed(c, threshold) else int(c) for c in counts]


# -- complementary suppression -------------------------------------------------------------------

Key = Hashable


@dataclass
class Ledger:
    """Every count a report prints (by a key of the caller's) and the linear relations a reader
    knows between them: ``sum(coefficient * count) == 0`` or ``<= 0``."""

    values: dict[Key, int] = field(default_factory=dict)
    equalities: list[list[tuple[float, Key]]] = field(default_factory=list)
    inequalities: list[list[tuple[float, Key]]] = field(default_factory=list)

    def add(self, key: Key, value: int) -> Key:
        self.values[key] = int(value)
        return key

    def relation(self, terms: Sequence[tuple[float, Key]]) -> None:
        """``sum(coefficient * count) == 0``, recorded only where it holds."""
        if all(k in self.values for _, k in terms) and self._evaluate(terms) == 0:
            self.equalities.append(list(terms))

    def bound(self, terms: Sequence[tuple[float, Key]]) -> None:
        """``sum(coefficient * count) <= 0``, recorded only where it holds."""
        if all(k in self.values for _, k in terms) and self._evaluate(terms) <= 0:
            self.inequalities.append(list(terms))

    def total(self, whole: Key, parts: Sequence[Key]) -> None:
        """``whole`` is the sum of ``parts``."""
        self.relation([(1.0, whole), *((-1.0, p) for p in parts)])

    def same(self, a: Key, b: Key) -> None:
        """The same number printed in two places."""
        self.total(a, [b])

    def at_most(self, part: Key, whole: Key) -> None:
        self.bound([(1.0, part), (-1.0, whole)])

    def _evaluate(self, terms: Sequence[tuple[float, Key]]) -> float:
        return sum(c * self.values[k] for c, k in terms)


def required_range(threshold: int) -> int:
    """How far apart the least and greatest possible values of a hidden small cell must be:
    half the threshold (2 for the default 5), and never more than "<threshold" itself allows
    (1 to threshold - 1)."""
    return max(0, min(threshold // 2, threshold - 2))


def _bounds(kind: Kind | None, value: int, threshold: int) -> tuple[float, float | None]:
    if kind == "primary":
        return 1.0, float(threshold - 1)
    if kind == "secondary":
        return float(threshold), None
    return float(value), float(value)


def audit(ledger: Ledger, hidden: Mapping[Key, Kind], threshold: int
          ) -> dict[Key, tuple[float, float]]:
    """For each hidden small cell, the least and greatest value consistent with every printed
    count and every relation of the ledger (a linear programme over the hidden cells)."""
    keys = sorted(hidden, key=repr)
    index = {k: i for i, k in enumerate(keys)}
    if not keys:
        return {}

    def rows(relations: list[list[tuple[float, Key]]]) -> tuple[np.ndarray, np.ndarray]:
        matrix, rhs = [], []
        for terms in relations:
            if not any(k in index for _, k in terms):
                continue
            row = np.zeros(len(keys))
            constant = 0.0
            for coefficient, key in terms:
                if key in index:
                    row[index[key]] += coefficient
                else:
                    constant += coefficient * ledger.values[key]
            matrix.append(row)
            rhs.append(-constant)
        if not matrix:
            return np.zeros((0, len(keys))), np.zeros(0)
        return np.array(matrix), np.array(rhs)

    a_eq, b_eq = rows(ledger.equalities)
    a_ub, b_ub = rows(ledger.inequalities)
    bounds = [_bounds(hidden[k], ledger.values[k], threshold) for k in keys]
    ranges: dict[Key, tuple[float, float]] = {}
    for key in keys:
        if hidden[key] != "primary":
            continue
        found = []
        for sign in (1.0, -1.0):
            objective = np.zeros(len(keys))
            objective[index[key]] = sign
            result = linprog(objective, A_ub=a_ub if len(b_ub) else None,
                             b_ub=b_ub if len(b_ub) else None,
                             A_eq=a_eq if len(b_eq) else None,
                             b_eq=b_eq if len(b_eq) else None, bounds=bounds, method="highs")
            if not result.success:  # the true values always satisfy the relations
                raise RuntimeError(f"suppression audit: {result.message}")
            found.append(sign * result.fun)
        ranges[key] = (found[0], found[1])
    return ranges


def protect(ledger: Ledger, threshold: int = DEFAULT_MIN_CELL) -> dict[Key, Kind]:
    """The cells to hide: every small cell, and enough others (the smallest that help) that
    :func:`audit` leaves each small cell a range of at least :func:`required_range`."""
    if threshold <= 0:
        return {}
    hidden: dict[Key, Kind] = {k: "primary" for k, v in ledger.values.items()
                               if 0 < v < threshold}
    need = required_range(threshold)
    relations = [*ledger.equalities, *ledger.inequalities]
    while True:
        ranges = audit(ledger, hidden, threshold)
        exposed = [k for k, (low, high) in ranges.items() if high - low < need - 1e-6]
        if not exposed:
            return hidden
        added = False
        for key in sorted(exposed, key=repr):
            # In each relation the exposed cell is in, hide the smallest count that may be
            # hidden; one at a time, then audit again.
            candidates = [(ledger.values[k], repr(k), k) for terms in relations
                          if any(k2 == key for _, k2 in terms)
                          for _, k in terms
                          if k not in hidden and ledger.values[k] >= threshold]
            if candidates:
                hidden[min(candidates)[2]] = "secondary"
                added = True
                break
        if not added:
            # Nothing left to hide next to the exposed cells: hide the smallest visible count
            # anywhere that shares a relation with any hidden cell.
            near = {k for terms in relations if any(k2 in hidden for _, k2 in terms)
                    for _, k in terms}
            candidates = [(ledger.values[k], repr(k), k) for k in near
                          if k not in hidden and ledger.values[k] >= threshold]
            if not candidates:
                return hidden  # everything related is hidden: nothing more can be done
            hidden[min(candidates)[2]] = "secondary"


def ranges_are_wide(ranges: Mapping[Key, tuple[float, float]], threshold: int) -> bool:
    need = required_range(threshold)
    return all(high - low >= need - 1e-6 for low, high in ranges.values()) and not any(
        math.isnan(low) or math.isnan(high) for low, high in ranges.values())
