"""Apply a per-value function over a column: lists, pandas Series or pyarrow arrays.

Names repeat heavily across releases (47k distinct among 123k MoH rows), so each distinct value
is computed once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

T = TypeVar("T")


def as_values(values: Iterable[Any]) -> list[Any]:
    """Python values of a list, tuple, pandas Series or pyarrow (chunked) array."""
    to_pylist = getattr(values, "to_pylist", None)
    if callable(to_pylist):
        return list(to_pylist())
    return list(values)


def map_unique(function: Callable[[str], T], values: Iterable[Any], missing: T) -> list[T]:
    """``function`` over each distinct non-empty string; ``missing`` for None, NaN and ""."""
    cache: dict[str, T] = {}
    out: list[T] = []
    for value in as_values(values):
        if value is None or value == "" or (isinstance(value, float) and value != value):
            out.append(missing)
            continue
        text = value if isinstance(value, str) else str(value)
        if text not in cache:
            cache[text] = function(text)
        out.append(cache[text])
    return out
