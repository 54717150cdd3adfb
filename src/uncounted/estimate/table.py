"""Capture-history tables: one count per pattern of lists.

A pattern is stored as a bitmask: bit ``j`` is set when the person is on list ``j`` (lists in
column order). Index 0 of :meth:`CaptureTable.cell_counts` is the unobserved cell, always 0.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from uncounted.core.errors import UncountedError


def pattern_to_mask(pattern: Sequence[int]) -> int:
    mask = 0
    for j, bit in enumerate(pattern):
        if bit:
            mask |= 1 << j
    return mask


def mask_to_pattern(mask: int, n_lists: int) -> tuple[int, ...]:
    return tuple((mask >> j) & 1 for j in range(n_lists))


@dataclass(frozen=True)
class CaptureTable:
    """Counts of people by the set of lists that recorded them.

    ``counts`` has length ``2 ** len(lists)`` and is indexed by pattern bitmask; ``counts[0]``
    (nobody recorded) is always 0 because it is what estimation is for.
    """

    lists: tuple[str, ...]
    counts: NDArray[np.int64] = field(repr=False)

    def __post_init__(self) -> None:
        n_lists = len(self.lists)
        if n_lists < 1:
            raise UncountedError("a capture table needs at least one list")
        if len(set(self.lists)) != n_lists:
            raise UncountedError(f"list names repeat: {list(self.lists)}")
        counts = np.asarray(self.counts, dtype=np.int64)
        if counts.shape != (1 << n_lists,):
            raise UncountedError(
                f"{n_lists} lists need {1 << n_lists} cells, got shape {counts.shape}"
            )
        if (counts < 0).any():
            raise UncountedError("capture counts cannot be negative")
        if counts[0] != 0:
            raise UncountedError("the all-zero pattern is the unknown and must not carry a count")
        counts = counts.copy()
        counts.setflags(write=False)
        object.__setattr__(self, "counts", counts)

    # -- construction -------------------------------------------------------------------------
    @classmethod
    def from_patterns(
        cls,
        lists: Sequence[str],
        patterns: Iterable[Sequence[int]],
        counts: Iterable[int],
    ) -> CaptureTable:
        """Build from parallel sequences of 0/1 patterns and counts (repeats are added)."""
        n_lists = len(lists)
        cells = np.zeros(1 << n_lists, dtype=np.int64)
        for pattern, count in zip(patterns, counts, strict=True):
            if len(pattern) != n_lists:
                raise UncountedError(f"pattern {tuple(pattern)} does not have {n_lists} entries")
            if any(bit not in (0, 1) for bit in pattern):
                raise UncountedError(f"pattern {tuple(pattern)} must be 0/1")
            mask = pattern_to_mask(pattern)
            if mask == 0 and count:
                raise UncountedError(
                    "the all-zero pattern is the unknown and must not carry a count"
                )
            cells[mask] += int(count)
        return cls(tuple(lists), cells)

    @classmethod
    def from_memberships(
        cls,
        memberships: Iterable[Iterable[str]],
        lists: Sequence[str] | None = None,
    ) -> CaptureTable:
        """Build from one collection of list names per person."""
        people = [frozenset(m) for m in memberships]
        if lists is None:
            lists = sorted(set().union(*people)) if people else []
        index = {name: j for j, name in enumerate(lists)}
        cells = np.zeros(1 << len(lists), dtype=np.int64)
        for person in people:
            mask = 0
            for name in person:
                if name not in index:
                    raise UncountedError(
                        f"person is on list {name!r}, which is not in {list(lists)}"
                    )
                mask |= 1 << index[name]
            if mask:
                cells[mask] += 1
        return cls(tuple(lists), cells)

    @classmethod
    def from_mapping(
        cls, lists: Sequence[str], counts: Mapping[tuple[int, ...], int]
    ) -> CaptureTable:
        return cls.from_patterns(lists, list(counts.keys()), list(counts.values()))

    @classmethod
    def from_csv(cls, path: str | Path) -> CaptureTable:
        """Read a table with one 0/1 column per list and a ``count`` column."""
        path = Path(path)
        try:
            with path.open(newline="", encoding="utf-8-sig") as handle:
                reader = csv.reader(handle)
                header = next(reader, None)
                if header is None:
                    raise UncountedError("the table is empty", file=str(path))
                header = [h.strip() for h in header]
                if "count" not in header:
                    raise UncountedError("the table has no 'count' column", file=str(path))
                count_at = header.index("count")
                lists = [h for i, h in enumerate(header) if i != count_at]
                patterns: list[list[int]] = []
                counts: list[int] = []
                for row_number, row in enumerate(reader, start=1):
                    if not any(cell.strip() for cell in row):
                        continue
                    if len(row) != len(header):
                        raise UncountedError(
                            f"expected {len(header)} fields, found {len(row)}",
                            file=str(path),
                            row=row_number,
                        )
                    pattern = []
                    for i, cell in enumerate(row):
                        if i == count_at:
                            continue
                        if cell.strip() not in ("0", "1"):
                            raise UncountedError(
                                f"list membership must be 0 or 1, found {cell!r}",
                                file=str(path),
                                row=row_number,
                                field=header[i],
                            )
                        pattern.append(int(cell))
                    try:
                        count = int(float(row[count_at]))
                    except ValueError:
                        raise UncountedError(
                            f"count must be a whole number, found {row[count_at]!r}",
                            file=str(path),
                            row=row_number,
                            field="count",
                        ) from None
                    if count < 0:
                        raise UncountedError(
                            "count cannot be negative",
                            file=str(path),
                            row=row_number,
                            field="count",
                        )
                    patterns.append(pattern)
                    counts.append(count)
        except OSError as exc:
            raise UncountedError(f"cannot read the table: {exc.strerror}", file=str(path)) from None
        except UnicodeDecodeError:
            raise UncountedError("the table is not UTF-8 text", file=str(path)) from None
        try:
            return cls.from_patterns(lists, patterns, counts)
        except UncountedError as exc:
            raise UncountedError(exc.message, file=str(path)) from None

    # -- views --------------------------------------------------------------------------------
    @property
    def n_lists(self) -> int:
        return len(self.lists)

    @property
    def observed(self) -> int:
        """Number of distinct people recorded by at least one list."""
        return int(self.counts.sum())

    def list_totals(self) -> dict[str, int]:
        masks = np.arange(self.counts.size)
        return {
            name: int(self.counts[(masks >> j) & 1 == 1].sum()) for j, name in enumerate(self.lists)
        }

    def observed_cells(self) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
        """Bitmasks 1..2^J-1 and their counts (zeros included)."""
        masks = np.arange(1, self.counts.size, dtype=np.int64)
        return masks, self.counts[1:].copy()

    def design_patterns(self) -> NDArray[np.int8]:
        """0/1 matrix (2^J - 1) x J of the observable patterns, in bitmask order."""
        masks = np.arange(1, self.counts.size)
        return ((masks[:, None] >> np.arange(self.n_lists)[None, :]) & 1).astype(np.int8)

    def nonzero(self) -> list[tuple[tuple[int, ...], int]]:
        return [
            (mask_to_pattern(mask, self.n_lists), int(self.counts[mask]))
            for mask in range(1, self.counts.size)
            if self.counts[mask]
        ]

    def select(self, lists: Sequence[str]) -> CaptureTable:
        """Marginal table over a subset of the lists (people on none of them drop out)."""
        keep = [self.lists.index(name) for name in lists]
        cells = np.zeros(1 << len(keep), dtype=np.int64)
        for mask in range(1, self.counts.size):
            new = 0
            for k, j in enumerate(keep):
                if (mask >> j) & 1:
                    new |= 1 << k
            if new:
                cells[new] += self.counts[mask]
        return CaptureTable(tuple(lists), cells)

    def to_rows(self) -> list[dict[str, int]]:
        return [
            {**dict(zip(self.lists, pattern, strict=True)), "count": count}
            for pattern, count in self.nonzero()
        ]

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, CaptureTable):
            return NotImplemented
        return self.lists == other.lists and bool(np.array_equal(self.counts, other.counts))

    def __hash__(self) -> int:
        return hash((self.lists, self.counts.tobytes()))
