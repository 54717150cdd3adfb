"""String tests on code points, compiled, giving exactly what DuckDB's SQL functions give.

uncounted's compiled scorer (``uncounted.link.kernel``) must put every pair in the level the
model's SQL puts it in, so these reproduce DuckDB's semantics, not a textbook's:
``jaro_winkler_similarity`` is 0 when either string is empty, counts code points, and adds the
Winkler prefix bonus only above a Jaro similarity of 0.7, in one fused multiply-add when the
DuckDB build does (``duckdb_fuses_multiply_add``: the x86-64 wheel does, and the last bit
decides whether a pair of 10- and 12-letter names reaches 0.92); ``damerau_levenshtein(a, b) <= 1``
is "equal, or one substitution, insertion, deletion or swap of neighbours apart", for which no
distance needs computing. Strings are spans ``chars[start:stop]`` of one int32 buffer of code
points (tests/link/test_strings.py compares them with DuckDB on thousands of pairs).
"""

from __future__ import annotations

from typing import Any, Final

import duckdb
import numpy as np
import numpy.typing as npt
from llvmlite import ir
from numba import njit, types
from numba.extending import intrinsic

WINKLER_BOOST_ABOVE: Final = 0.7
WINKLER_PREFIX_WEIGHT: Final = 0.1
WINKLER_PREFIX_MAX: Final = 4


def duckdb_fuses_multiply_add(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether this DuckDB adds the Winkler bonus in a fused multiply-add: the two ways give
    0.805 and 0.8049999999999999 on this pair."""
    rows = con.execute("SELECT jaro_winkler_similarity('ccab', 'cagab')").fetchall()
    return bool(rows[0][0] == 0.805)


@intrinsic
def _fused_multiply_add(typingctx: Any, a: Any, b: Any, c: Any) -> Any:
    """a * b + c rounded once (LLVM's fma, exact with or without the instruction)."""
    signature = types.float64(types.float64, types.float64, types.float64)

    def codegen(context: Any, builder: Any, sig: Any, args: Any) -> Any:
        double = ir.DoubleType()
        fma = builder.module.declare_intrinsic(
            "llvm.fma", [double], ir.FunctionType(double, [double, double, double])
        )
        return builder.call(fma, args)

    return signature, codegen


@njit(cache=True, nogil=True)
def jaro_winkler(
    chars: npt.NDArray[np.int32], a0: int, a1: int, b0: int, b1: int, fused: bool
) -> float:
    """DuckDB's ``jaro_winkler_similarity`` of ``chars[a0:a1]`` and ``chars[b0:b1]``; ``fused``
    as ``duckdb_fuses_multiply_add`` says."""
    n = a1 - a0
    m = b1 - b0
    if n == 0 or m == 0:
        return 0.0
    window = max(n, m) // 2 - 1
    if window < 0:
        window = 0
    taken_a = np.zeros(n, dtype=np.bool_)
    taken_b = np.zeros(m, dtype=np.bool_)
    common = 0
    for i in range(n):
        low = max(0, i - window)
        high = min(m, i + window + 1)
        c = chars[a0 + i]
        for j in range(low, high):
            if not taken_b[j] and chars[b0 + j] == c:
                taken_a[i] = True
                taken_b[j] = True
                common += 1
                break
    if common == 0:
        return 0.0
    half_swaps = 0
    j = 0
    for i in range(n):
        if taken_a[i]:
            while not taken_b[j]:
                j += 1
            if chars[a0 + i] != chars[b0 + j]:
                half_swaps += 1
            j += 1
    swaps = half_swaps // 2
    similarity = (common / n + common / m + (common - swaps) / common) / 3.0
    if similarity > WINKLER_BOOST_ABOVE:
        prefix = 0
        limit = min(min(n, m), WINKLER_PREFIX_MAX)
        while prefix < limit and chars[a0 + prefix] == chars[b0 + prefix]:
            prefix += 1
        bonus = prefix * WINKLER_PREFIX_WEIGHT
        if fused:
            similarity = _fused_multiply_add(bonus, 1.0 - similarity, similarity)  # type: ignore[call-arg]
        else:
            similarity += bonus * (1.0 - similarity)
    return similarity


@njit(cache=True, nogil=True)
def within_one_edit(chars: npt.NDArray[np.int32], a0: int, a1: int, b0: int, b1: int) -> bool:
    """Whether DuckDB's ``damerau_levenshtein`` of the two spans is at most 1."""
    n = a1 - a0
    m = b1 - b0
    if n - m > 1 or m - n > 1:
        return False
    first = 0
    shorter = min(n, m)
    while first < shorter and chars[a0 + first] == chars[b0 + first]:
        first += 1
    if first == n and first == m:
        return True
    # the same from the end, not crossing the first difference
    last = 0
    while last < shorter - first and chars[a1 - 1 - last] == chars[b1 - 1 - last]:
        last += 1
    if n == m:
        rest = n - first - last
        if rest == 1:
            return True  # one substitution
        return (
            rest == 2
            and chars[a0 + first] == chars[b0 + first + 1]
            and chars[a0 + first + 1] == chars[b0 + first]
        )
    return first + last >= shorter  # one insertion or deletion


@njit(cache=True, nogil=True)
def spans_equal(chars: npt.NDArray[np.int32], a0: int, a1: int, b0: int, b1: int) -> bool:
    if a1 - a0 != b1 - b0:
        return False
    for k in range(a1 - a0):  # noqa: SIM110 (a loop numba compiles)
        if chars[a0 + k] != chars[b0 + k]:
            return False
    return True


@njit(cache=True, nogil=True)
def share_any(ids: npt.NDArray[np.int32], a0: int, a1: int, b0: int, b1: int) -> bool:
    """DuckDB's ``list_has_any`` of two short lists of interned strings (ids), NULL as empty."""
    for i in range(a0, a1):
        for j in range(b0, b1):
            if ids[i] == ids[j]:
                return True
    return False
