"""The features the name and ID comparisons read, as integer arrays a compiled kernel can use.

Every string is interned once (an id; its code points a span of one buffer), so equality is an
integer comparison and a string test reads code points without decoding. A name part's value is
everything its comparison reads (key, skeleton, undotted shape, Latin keys and skeletons); the
features derive all of them from the key, so a part is encoded by its key's distinct values. A
features table where one key carries two different derived values (built by other code) is not
encoded: ``encode_features`` returns None and the scorer falls back to SQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import duckdb
import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from uncounted.link.comparisons import PARTS

# Columns of ``EncodedFeatures.parts``: string ids (-1 for NULL), then spans of ``ids``.
PART_KEY, PART_SKEL, PART_RASM, PART_XKEYS, PART_XKEYS_END, PART_XSKELS, PART_XSKELS_END = range(7)
PART_WIDTH: Final = 7
# Columns of ``EncodedFeatures.records``: the four parts' value numbers, then the rest.
REC_SCRIPT, REC_NAME4, REC_NAMESAKES, REC_LINEAGE, REC_LINEAGE_END, REC_ID_VALID, REC_ID_ANY = (
    range(len(PARTS), len(PARTS) + 7)
)
REC_WIDTH: Final = len(PARTS) + 7
NULL: Final = -1


@dataclass(frozen=True)
class EncodedFeatures:
    chars: npt.NDArray[np.int32]  # code points of every interned string, one after another
    spans: npt.NDArray[np.int32]  # (strings, 2): a string's start and stop in ``chars``
    ids: npt.NDArray[np.int32]  # interned ids of the items of every list, one after another
    parts: npt.NDArray[np.int32]  # (4, values, PART_WIDTH): each part's distinct values
    records: npt.NDArray[np.int32]  # (records, REC_WIDTH), in the order of the features


class _Interner:
    def __init__(self) -> None:
        self.number: dict[str, int] = {}
        self.items: list[int] = []

    def __call__(self, text: str | None) -> int:
        if text is None:
            return NULL
        found = self.number.get(text)
        if found is None:
            found = self.number[text] = len(self.number)
        return found

    def span(self, texts: list[str] | None) -> tuple[int, int]:
        start = len(self.items)
        self.items.extend(self(t) for t in texts or ())
        return start, len(self.items)

    def strings(self) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.int32]]:
        encoded = [np.frombuffer(t.encode("utf-32-le"), dtype=np.int32) for t in self.number]
        lengths = np.array([len(e) for e in encoded], dtype=np.int64)
        stops = np.cumsum(lengths)
        spans = np.stack([stops - lengths, stops], axis=1).astype(np.int32)
        chars = np.concatenate(encoded) if encoded else np.zeros(0, dtype=np.int32)
        return chars.astype(np.int32), spans


def _codes(column: pa.ChunkedArray | pa.Array) -> tuple[npt.NDArray[np.int32], pa.Array]:
    """Dictionary codes of a column (NULL its own code) and the dictionary."""
    encoded = pc.dictionary_encode(column, null_encoding="encode")
    if isinstance(encoded, pa.ChunkedArray):
        encoded = encoded.combine_chunks()
    return encoded.indices.to_numpy(zero_copy_only=False).astype(np.int32), encoded.dictionary


def _derived_from_key(table: pa.Table, part: str) -> bool:
    columns = ", ".join(f'"{part}_{c}"' for c in ("key", "skel", "xkeys", "xskels", "rasm"))
    con = duckdb.connect()
    try:
        con.register("features", table)
        row = con.execute(
            f"SELECT (SELECT count(*) FROM (SELECT DISTINCT {columns} FROM features)) = "
            f'(SELECT count(*) FROM (SELECT DISTINCT "{part}_key" FROM features))'
        ).fetchone()
    finally:
        con.close()
    return bool(row and row[0])


def _part_values(
    table: pa.Table, part: str, interner: _Interner
) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.int32]]:
    codes, dictionary = _codes(table.column(f"{part}_key"))
    _, first_rows = np.unique(codes, return_index=True)
    rows = table.select([f"{part}_{c}" for c in ("key", "skel", "rasm", "xkeys", "xskels")]).take(
        pa.array(first_rows)
    )
    values = np.zeros((len(dictionary), PART_WIDTH), dtype=np.int32)
    for number, (key, skel, rasm, xkeys, xskels) in enumerate(
        zip(*(rows.column(i).to_pylist() for i in range(5)), strict=True)
    ):
        values[number, PART_KEY] = interner(key)
        values[number, PART_SKEL] = interner(skel)
        values[number, PART_RASM] = interner(rasm)
        values[number, PART_XKEYS : PART_XKEYS_END + 1] = interner.span(xkeys)
        values[number, PART_XSKELS : PART_XSKELS_END + 1] = interner.span(xskels)
    return codes, values


def _interned(column: pa.ChunkedArray, interner: _Interner) -> npt.NDArray[np.int32]:
    codes, dictionary = _codes(column)
    numbers = np.array([interner(v) for v in dictionary.to_pylist()], dtype=np.int32)
    return numbers[codes] if len(numbers) else np.full(len(codes), NULL, dtype=np.int32)


def _lists(column: pa.ChunkedArray, interner: _Interner) -> npt.NDArray[np.int32]:
    """Each row's list as a span of the interner's items; a NULL list is an empty span."""
    lists = column.combine_chunks()
    valid = lists.is_valid().to_numpy(zero_copy_only=False)
    offsets = lists.offsets.to_numpy().astype(np.int64)
    items = _interned(pa.chunked_array([lists.values]), interner)
    base = len(interner.items)
    interner.items.extend(items.tolist())
    spans = np.stack([offsets[:-1], offsets[1:]], axis=1) + base
    spans[~valid] = 0
    return spans.astype(np.int32)


def encode_features(table: pa.Table) -> EncodedFeatures | None:
    """The arrays of ``EncodedFeatures``, or None when a part's values are not its key's."""
    if not all(_derived_from_key(table, part) for part in PARTS):
        return None
    interner = _Interner()
    records = np.full((table.num_rows, REC_WIDTH), NULL, dtype=np.int32)
    values = []
    for number, part in enumerate(PARTS):
        codes, part_values = _part_values(table, part, interner)
        records[:, number] = codes
        values.append(part_values)
    parts = np.full((len(PARTS), max(len(v) for v in values), PART_WIDTH), NULL, dtype=np.int32)
    for number, part_values in enumerate(values):
        parts[number, : len(part_values)] = part_values

    records[:, REC_SCRIPT] = _interned(table.column("script"), interner)
    records[:, REC_NAME4] = _interned(table.column("name4_key"), interner)
    namesakes = table.column("name4_namesakes").to_numpy(zero_copy_only=False)
    records[:, REC_NAMESAKES] = np.where(np.isnan(namesakes.astype(float)), NULL, namesakes)
    records[:, REC_LINEAGE : REC_LINEAGE_END + 1] = _lists(table.column("lineage_xkeys"), interner)
    records[:, REC_ID_VALID] = table.column("id_number").is_valid().to_numpy(zero_copy_only=False)
    records[:, REC_ID_ANY] = _interned(
        pc.coalesce(table.column("id_number"), table.column("id_number_any")), interner
    )
    chars, spans = interner.strings()
    return EncodedFeatures(
        chars=chars,
        spans=spans,
        ids=np.array(interner.items, dtype=np.int32),
        parts=parts,
        records=records,
    )
