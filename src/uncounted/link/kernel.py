"""The name and ID comparisons' levels of a block of pairs, compiled.

The name atoms (``name_atoms()``) are computed here as DuckDB computes their SQL (the string
tests of ``uncounted.link.strings`` give DuckDB's exact results), as bits of one integer per
pair, atom ``ATOMS[k]`` at bit k (the layout is made from ``ATOMS``, the one list of the atoms);
the level is then read from a table of all 2^17 combinations of atoms, made once from
``NAME_LEVELS`` by evaluating its conditions, so the levels' logic is written in one place only.
A part's agreement depends on its two values and on whether the records are in two scripts,
so it is computed once per distinct pair of values and kept in a dictionary: a conflict's lists
repeat a few thousand given and family names across millions of pairs.

``tests/link/test_kernel.py`` checks the levels against the SQL levels on simulated records,
Arabic records garbled by a PDF export, and records in two scripts, and every atom against its
SQL on simulated records.
"""

from __future__ import annotations

from functools import cache
from typing import Any, Final

import numpy as np
import numpy.typing as npt
from numba import njit, types
from numba.typed import Dict

from uncounted.link.comparisons import (
    ATOMS,
    CROSS_SCRIPT_THRESHOLD,
    FUZZY_THRESHOLD,
    FUZZY_UNEQUAL_LENGTH_MIN,
    GARBLED_LENGTH_MIN,
    NAME_LEVELS,
    PARTS,
)
from uncounted.link.conditions import AllOf, AnyOf, Atom, Condition
from uncounted.link.encoded import (
    PART_KEY,
    PART_RASM,
    PART_SKEL,
    PART_XKEYS,
    PART_XKEYS_END,
    PART_XSKELS,
    PART_XSKELS_END,
    REC_ID_ANY,
    REC_ID_VALID,
    REC_LINEAGE,
    REC_LINEAGE_END,
    REC_NAME4,
    REC_NAMESAKES,
    REC_SCRIPT,
    EncodedFeatures,
)
from uncounted.link.numbering import NULL_LEVEL, level_number, level_numbers
from uncounted.link.strings import jaro_winkler, share_any, within_one_edit

GIVEN, FATHER, GRANDFATHER, FAMILY = range(len(PARTS))
# What the kernel computes of a pair, each under the name of the atom (``ATOMS``) it is. Per part
# (given, father, grandfather, family): spelled the same; for the given name similar, for a
# lineage part alike (the same or similar); for a lineage part, given on both records.
_PART_STRONG: Final = ("g_strong", "f_strong", "gf_strong", "fam_strong")
_PART_SIMILAR: Final = ("g_similar", "f_alike", "gf_alike", "fam_alike")
_LINEAGE_KNOWN: Final = ("f_known", "gf_known", "fam_known")
_PAIR_ATOMS: Final = ("missing", "across", "name4_same", "no_namesake", "g_moved", "any_order")
KERNEL_ATOMS: Final = (*_PAIR_ATOMS, *_PART_STRONG, *_PART_SIMILAR, *_LINEAGE_KNOWN)
# Positions in KERNEL_ATOMS, and so in the kernel's layout (``atom_layout``).
MISSING, ACROSS, NAME4_SAME, NO_NAMESAKE, G_MOVED, ANY_ORDER = range(len(_PAIR_ATOMS))
STRONG: Final = len(_PAIR_ATOMS)  # + part
SIMILAR: Final = STRONG + len(_PART_STRONG)  # + part
KNOWN: Final = SIMILAR + len(_PART_SIMILAR) - FATHER  # + part, FATHER to FAMILY
# A part's agreement, cached per pair of values: same spelling; alike within a script (fuzzy
# or garbled); alike across scripts (Latin skeletons or similarity); and "known".
_STRONG, _WITHIN, _ACROSS, _KNOWN = 1, 2, 4, 8
# Beyond this many remembered agreements the dictionary is emptied (about 40 bytes each): a
# million records' pairs of values would otherwise hold gigabytes.
KNOWN_MAX: Final = 4_000_000
# The ID comparison's levels (``id_comparison()``: same valid ID, same ID, one edit apart,
# ELSE, after the null level) in splink's numbering.
_ID_LEVELS: Final = 4
ID_NULL: Final = NULL_LEVEL
ID_SAME_VALID, ID_SAME, ID_ONE_EDIT, ID_ELSE = (
    level_number(position, _ID_LEVELS) for position in range(_ID_LEVELS)
)


def _holds(condition: Condition, truth: dict[str, bool]) -> bool:
    if isinstance(condition, Atom):
        return truth[condition.name]
    if isinstance(condition, AnyOf):
        return any(_holds(t, truth) for t in condition.terms)
    if isinstance(condition, AllOf):
        return all(_holds(t, truth) for t in condition.terms)
    raise TypeError(f"a name level reads atoms only, not SQL: {condition!r}")


def atom_layout() -> npt.NDArray[np.int64]:
    """The bit of each atom of ``KERNEL_ATOMS`` in a pair's atom word: its position in
    ``ATOMS``. The kernel is given it at run time rather than reading it as a global, as numba's
    cache would keep a global's value from when the kernel was compiled."""
    if sorted(KERNEL_ATOMS) != sorted(ATOMS):
        raise RuntimeError(
            "the kernel computes other atoms than name_atoms(): update uncounted.link.kernel"
        )
    return np.array([ATOMS.index(atom) for atom in KERNEL_ATOMS], dtype=np.int64)


@cache
def name_level_table() -> npt.NDArray[np.int8]:
    """The name level (splink's numbering) of every combination of atoms, by atom word."""
    # NAME_LEVELS is the null level then the others; ELSE (what none takes) follows them.
    numbers = level_numbers([{"is_null_level": k == 0} for k in range(len(NAME_LEVELS) + 1)])
    table = np.empty(1 << len(ATOMS), dtype=np.int8)
    for word in range(len(table)):
        truth = {atom: bool(word >> bit & 1) for bit, atom in enumerate(ATOMS)}
        found = next(
            (k for k, (c, _, _) in enumerate(NAME_LEVELS) if _holds(c, truth)), len(NAME_LEVELS)
        )
        table[word] = numbers[found]
    return table


@njit(cache=True, nogil=True)
def _span_length(spans: npt.NDArray[np.int32], string: int) -> int:
    return -1 if string < 0 else spans[string, 1] - spans[string, 0]


@njit(cache=True, nogil=True)
def _part_agreement(
    a: npt.NDArray[np.int32],
    b: npt.NDArray[np.int32],
    across: bool,
    chars: npt.NDArray[np.int32],
    spans: npt.NDArray[np.int32],
    ids: npt.NDArray[np.int32],
    fused: bool,
) -> int:
    """The bits _STRONG, _WITHIN, _ACROSS of two values of one part (rows of parts)."""
    bits = _KNOWN
    key_a, key_b = a[PART_KEY], b[PART_KEY]
    if (
        (key_a >= 0 and key_a == key_b)
        or (a[PART_SKEL] >= 0 and a[PART_SKEL] == b[PART_SKEL])
        or share_any(ids, a[PART_XKEYS], a[PART_XKEYS_END], b[PART_XKEYS], b[PART_XKEYS_END])
    ):
        bits |= _STRONG
    length_a, length_b = _span_length(spans, key_a), _span_length(spans, key_b)
    skel_a, skel_b = a[PART_SKEL], b[PART_SKEL]
    if (
        length_a >= 0
        and length_b >= 0
        and (length_a == length_b or min(length_a, length_b) >= FUZZY_UNEQUAL_LENGTH_MIN)
        and skel_a >= 0
        and skel_b >= 0
        and jaro_winkler(
            chars, spans[skel_a, 0], spans[skel_a, 1], spans[skel_b, 0], spans[skel_b, 1], fused
        )
        >= FUZZY_THRESHOLD
    ):
        bits |= _WITHIN
    rasm_a, rasm_b = a[PART_RASM], b[PART_RASM]
    garbled = (
        rasm_a >= 0
        and rasm_b >= 0
        and (
            rasm_a == rasm_b
            or (
                min(_span_length(spans, rasm_a), _span_length(spans, rasm_b)) >= GARBLED_LENGTH_MIN
                and within_one_edit(
                    chars, spans[rasm_a, 0], spans[rasm_a, 1], spans[rasm_b, 0], spans[rasm_b, 1]
                )
            )
        )
    )
    if garbled:
        bits |= _WITHIN
    if across:
        if share_any(ids, a[PART_XSKELS], a[PART_XSKELS_END], b[PART_XSKELS], b[PART_XSKELS_END]):
            bits |= _ACROSS
        else:
            for i in range(a[PART_XKEYS], a[PART_XKEYS_END]):
                for j in range(b[PART_XKEYS], b[PART_XKEYS_END]):
                    x, y = ids[i], ids[j]
                    similarity = jaro_winkler(
                        chars, spans[x, 0], spans[x, 1], spans[y, 0], spans[y, 1], fused
                    )
                    if similarity >= CROSS_SCRIPT_THRESHOLD:
                        bits |= _ACROSS
    return bits


@njit(cache=True, nogil=True)
def _lineage_within(
    a: npt.NDArray[np.int32],
    b: npt.NDArray[np.int32],
    parts: npt.NDArray[np.int32],
    ids: npt.NDArray[np.int32],
) -> bool:
    for p in range(1, 4):
        va = parts[p, a[p]]
        if va[PART_KEY] < 0:
            continue
        found = False
        for q in range(1, 4):
            vb = parts[q, b[q]]
            if share_any(
                ids, va[PART_XSKELS], va[PART_XSKELS_END], vb[PART_XSKELS], vb[PART_XSKELS_END]
            ):
                found = True
                break
        if not found:
            return False
    return True


@njit(cache=True, nogil=True)
def _lineage_any_order(
    a: npt.NDArray[np.int32],
    b: npt.NDArray[np.int32],
    parts: npt.NDArray[np.int32],
    ids: npt.NDArray[np.int32],
) -> bool:
    """As the atom "any_order" (comparisons._lineage_any_order)."""
    n_a = 0
    n_b = 0
    for p in range(1, 4):
        n_a += parts[p, a[p], PART_KEY] >= 0
        n_b += parts[p, b[p], PART_KEY] >= 0
    if min(n_a, n_b) < 2:
        return False
    return (n_a <= n_b and _lineage_within(a, b, parts, ids)) or (
        n_b <= n_a and _lineage_within(b, a, parts, ids)
    )


@njit(cache=True, nogil=True)
def _atom_word(
    a: npt.NDArray[np.int32],
    b: npt.NDArray[np.int32],
    parts: npt.NDArray[np.int32],
    chars: npt.NDArray[np.int32],
    spans: npt.NDArray[np.int32],
    ids: npt.NDArray[np.int32],
    fused: bool,
    layout: npt.NDArray[np.int64],
    known: Any,
    lazy: bool,
) -> int:
    """The atom word of two records (rows of records): bit ``layout[k]`` set when the atom
    ``KERNEL_ATOMS[k]`` holds. ``lazy``: "any_order" is tested only when the given names are
    the same or similar, as every level that reads it also asks."""
    values = parts.shape[1]
    across = a[REC_SCRIPT] >= 0 and b[REC_SCRIPT] >= 0 and a[REC_SCRIPT] != b[REC_SCRIPT]
    word = 0
    missing = True
    given_agrees = False
    for part in range(4):
        va, vb = a[part], b[part]
        if parts[part, va, PART_KEY] >= 0 and parts[part, vb, PART_KEY] >= 0:
            missing = False
            if part != GIVEN:
                word |= 1 << layout[KNOWN + part]
        cache_key = ((part * values + va) * values + vb) * 2 + int(across)
        bits = known.get(cache_key, 0)
        if bits == 0:
            if len(known) >= KNOWN_MAX:
                known.clear()
            bits = _part_agreement(
                parts[part, va], parts[part, vb], across, chars, spans, ids, fused
            )
            known[cache_key] = bits
        strong = int(bits & _STRONG != 0)
        similar = int(bits & _WITHIN != 0 or (across and bits & _ACROSS != 0))
        if part == GIVEN:
            given_agrees = strong == 1 or similar == 1
            word |= strong << layout[STRONG + part] | similar << layout[SIMILAR + part]
        else:
            alike = max(strong, similar)
            word |= strong << layout[STRONG + part] | alike << layout[SIMILAR + part]
    name4 = a[REC_NAME4]
    given_a, given_b = parts[GIVEN, a[GIVEN]], parts[GIVEN, b[GIVEN]]
    moved = share_any(
        ids, given_a[PART_XKEYS], given_a[PART_XKEYS_END], b[REC_LINEAGE], b[REC_LINEAGE_END]
    ) or share_any(
        ids, given_b[PART_XKEYS], given_b[PART_XKEYS_END], a[REC_LINEAGE], a[REC_LINEAGE_END]
    )
    word |= (
        int(missing) << layout[MISSING]
        | int(across) << layout[ACROSS]
        | int(name4 >= 0 and name4 == b[REC_NAME4]) << layout[NAME4_SAME]
        | int(max(a[REC_NAMESAKES], b[REC_NAMESAKES]) == 1) << layout[NO_NAMESAKE]
        | int(moved) << layout[G_MOVED]
    )
    if (given_agrees or not lazy) and _lineage_any_order(a, b, parts, ids):
        word |= 1 << layout[ANY_ORDER]
    return word


@njit(cache=True, nogil=True)
def _levels(
    left: npt.NDArray[np.int64],
    right: npt.NDArray[np.int64],
    records: npt.NDArray[np.int32],
    parts: npt.NDArray[np.int32],
    chars: npt.NDArray[np.int32],
    spans: npt.NDArray[np.int32],
    ids: npt.NDArray[np.int32],
    fused: bool,
    layout: npt.NDArray[np.int64],
    name_table: npt.NDArray[np.int8],
    known: Any,
    name_out: npt.NDArray[np.int8],
    id_out: npt.NDArray[np.int8],
) -> None:
    for k in range(len(left)):
        a = records[left[k]]
        b = records[right[k]]
        word = _atom_word(a, b, parts, chars, spans, ids, fused, layout, known, True)
        name_out[k] = name_table[word]

        id_a, id_b = a[REC_ID_ANY], b[REC_ID_ANY]
        if id_a < 0 or id_b < 0:
            id_out[k] = ID_NULL
        elif id_a == id_b:
            id_out[k] = ID_SAME_VALID if a[REC_ID_VALID] and b[REC_ID_VALID] else ID_SAME
        elif within_one_edit(chars, spans[id_a, 0], spans[id_a, 1], spans[id_b, 0], spans[id_b, 1]):
            id_out[k] = ID_ONE_EDIT
        else:
            id_out[k] = ID_ELSE


@njit(cache=True, nogil=True)
def _atom_words(
    left: npt.NDArray[np.int64],
    right: npt.NDArray[np.int64],
    records: npt.NDArray[np.int32],
    parts: npt.NDArray[np.int32],
    chars: npt.NDArray[np.int32],
    spans: npt.NDArray[np.int32],
    ids: npt.NDArray[np.int32],
    fused: bool,
    layout: npt.NDArray[np.int64],
    known: Any,
    out: npt.NDArray[np.int64],
) -> None:
    for k in range(len(left)):
        a = records[left[k]]
        b = records[right[k]]
        out[k] = _atom_word(a, b, parts, chars, spans, ids, fused, layout, known, False)


class PairLevels:
    """The name and ID levels of pairs of records of one encoded features table.

    Parameters: ``encoded`` from ``encode_features``; ``fused`` as
    ``strings.duckdb_fuses_multiply_add`` says of the DuckDB the SQL levels would run on.
    Keeps each part's agreements between calls, so call it on successive blocks of pairs.
    """

    def __init__(self, encoded: EncodedFeatures, *, fused: bool) -> None:
        self.encoded = encoded
        self.fused = fused
        self._known = Dict.empty(key_type=types.int64, value_type=types.int64)
        self._layout = atom_layout()

    def __call__(
        self, left: npt.NDArray[np.int64], right: npt.NDArray[np.int64]
    ) -> tuple[npt.NDArray[np.int8], npt.NDArray[np.int8]]:
        """Name and ID levels of the pairs (left[k], right[k]) of record positions."""
        e = self.encoded
        name = np.empty(len(left), dtype=np.int8)
        id_ = np.empty(len(left), dtype=np.int8)
        _levels(
            np.ascontiguousarray(left, dtype=np.int64),
            np.ascontiguousarray(right, dtype=np.int64),
            e.records,
            e.parts,
            e.chars,
            e.spans,
            e.ids,
            self.fused,
            self._layout,
            name_level_table(),
            self._known,
            name,
            id_,
        )
        return name, id_

    def atom_words(
        self, left: npt.NDArray[np.int64], right: npt.NDArray[np.int64]
    ) -> npt.NDArray[np.int64]:
        """The atom words of the pairs (left[k], right[k]): bit k for ``ATOMS[k]``, every atom
        tested (the levels test "any_order" only where a level can read it)."""
        e = self.encoded
        words = np.empty(len(left), dtype=np.int64)
        _atom_words(
            np.ascontiguousarray(left, dtype=np.int64),
            np.ascontiguousarray(right, dtype=np.int64),
            e.records,
            e.parts,
            e.chars,
            e.spans,
            e.ids,
            self.fused,
            self._layout,
            self._known,
            words,
        )
        return words
