"""Linkage features: one row per record, built from the ``records`` table with uncounted.normalize.

Every name part gets four views, from strict to loose, so that the comparisons can say *how*
two parts agree:

- ``<part>_key``: the normalization key in the name's own script (hamza, taa marbuta, compounds
  and Latin spelling conventions folded);
- ``<part>_skel``: its consonant skeleton (letter drops and vowel spellings folded);
- ``<part>_xkeys``: candidate canonical *Latin* keys (vowels kept), whatever the script, so an
  Arabic record and a Latin record can be compared; a list because one Arabic spelling has
  several plausible romanizations;
- ``<part>_xskel``: the first Latin consonant skeleton, a scalar for blocking across scripts;
- ``<part>_xskels``: every candidate Latin consonant skeleton, for comparing across scripts;
- ``<part>_rasm``: for Arabic, the skeleton without dots (ب ت ث ن ي share one shape), which
  survives the letter confusions of PDF export and OCR.

Names repeat heavily, so every function runs once per distinct value (``map_unique``).
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections import Counter
from collections.abc import Sequence
from typing import Any, Final

import pandas as pd
import pyarrow as pa

from uncounted.normalize import (
    arabic_name_key,
    arabic_rasm,
    arabic_skeleton,
    cross_script_keys,
    cross_script_skeletons,
    detect_script,
    hebrew_name_key,
    latin_name_key,
    latin_skeleton,
    latin_token_skeleton,
    parse_names,
)
from uncounted.normalize.columns import map_unique

PARTS: Final = ("given", "father", "grandfather", "family")
_DOUBLE: Final = re.compile(r"(.)\1+")
# Romanization candidates multiply across the tokens of a compound part; a handful is enough to
# find the spelling a Latin list used, and bounding it keeps list_has_any cheap.
MAX_CANDIDATES: Final = 8
# When a record gives an age but no date of birth, its birth year is estimated from the date of
# death, or from this date (the middle of the simulated and real Gaza lists) when there is none.
DEFAULT_REFERENCE_DATE: Final = dt.date(2024, 1, 1)

FEATURE_SCHEMA: Final = pa.schema(
    [
        ("unique_id", pa.string()),
        ("list", pa.string()),
        ("release", pa.date32()),
        ("source_sha256", pa.string()),
        ("script", pa.string()),
        *[
            field
            for part in PARTS
            for field in (
                (f"{part}_key", pa.string()),
                (f"{part}_skel", pa.string()),
                (f"{part}_xkeys", pa.list_(pa.string())),
                (f"{part}_xskel", pa.string()),
                (f"{part}_xskels", pa.list_(pa.string())),
                (f"{part}_rasm", pa.string()),
            )
        ],
        ("given_xskel2", pa.string()),
        ("family_xskel2", pa.string()),
        ("lineage_xkeys", pa.list_(pa.string())),
        ("full_key", pa.string()),
        ("name4_key", pa.string()),
        ("name4_namesakes", pa.int32()),
        ("id_number", pa.string()),
        ("id_number_any", pa.string()),
        ("sex", pa.string()),
        ("birth_year", pa.int32()),
        ("birth_year_est", pa.int32()),
        ("birth_year_alt", pa.int32()),
        ("dob", pa.date32()),
        ("age_years", pa.float64()),
        ("date_of_death", pa.date32()),
    ]
)


def _part_key(text: str) -> str:
    """Key of one name part given in its own column, in the part's own script."""
    script = detect_script(text)
    if script == "arabic":
        return arabic_name_key(text)
    if script == "hebrew":
        return hebrew_name_key(text)
    return latin_name_key(text)


def _skeleton(key: str) -> str:
    script = detect_script(key)
    if script == "arabic":
        return arabic_skeleton(key)
    if script == "latin":
        return latin_skeleton(key)
    # Hebrew keys are already consonantal: the key is its own skeleton.
    return key


def _candidates(per_token: Sequence[tuple[str, ...]]) -> list[str]:
    """Whole-part candidates: one candidate per token, glued without spaces (Abd Allah and
    Abdallah must meet), in the order the bridge ranks them."""
    if not per_token:
        return []
    combos = itertools.islice(itertools.product(*per_token), MAX_CANDIDATES)
    return list(dict.fromkeys("".join(combo) for combo in combos))


def _latin_tokens_of(key: str) -> list[str] | None:
    """The tokens of a key that is already canonical Latin, else None. Canonical keys must not
    go through the romanizer again: canonicalising is not idempotent (the key writes ش as
    "c", which read again as a Latin letter becomes "k"), so "Shaheen" would never meet
    شاهين."""
    return key.split() if detect_script(key) == "latin" else None


def _xkeys(key: str) -> list[str]:
    tokens = _latin_tokens_of(key)
    if tokens is not None:
        return ["".join(tokens)] if tokens else []
    return _candidates(cross_script_keys(key))


def _rasm(key: str) -> str:
    """Arabic keys only: the skeleton without the dots that PDF export and OCR get wrong."""
    return arabic_rasm(key) if detect_script(key) == "arabic" else ""


def _loose(skeleton: str) -> str:
    """A Latin consonant skeleton without y and w after its first letter, and with sh and
    kh/ch as one letter. Romanizations write the Arabic and Hebrew long vowels ي and و as y or
    i, w or u (Safyani, Sfiani; Rawia, Rauia), and a skeleton that keeps one spelling's y
    cannot meet the other's i. "ch" is خ or Hebrew ח in English and German spellings but ش in
    French ones (Chadi, Bachir, Chaker): the canonical key reads it as kh, so an Arabic ش must
    be able to meet it here."""
    loose = skeleton[:1] + skeleton[1:].replace("y", "").replace("w", "")
    return _DOUBLE.sub(r"\1", loose.replace("c", "x"))


def _xskels(key: str) -> list[str]:
    tokens = _latin_tokens_of(key)
    if tokens is not None:
        return ["".join(_loose(latin_token_skeleton(t)) for t in tokens)] if tokens else []
    per_token = [tuple(dict.fromkeys(_loose(s) for s in c)) for c in cross_script_skeletons(key)]
    return _candidates(per_token)


def _xskel(key: str) -> str:
    found = _xskels(key)
    return found[0] if found else ""


def _frame(records: pa.Table | pd.DataFrame) -> pd.DataFrame:
    frame = records.to_pandas() if isinstance(records, pa.Table) else records.copy()
    for column in ("given_name", "father_name", "grandfather_name", "family_name"):
        if column not in frame:
            frame[column] = None
    for column in ("full_name_latin", "release", "source_sha256", "date_of_birth"):
        if column not in frame:
            frame[column] = None
    return frame.reset_index(drop=True)


def _dates(series: pd.Series) -> list[dt.date | None]:
    values = pd.to_datetime(series, errors="coerce")
    return [None if pd.isna(v) else v.date() for v in values]


def _none_if_empty(values: Sequence[Any]) -> list[Any]:
    return [
        v if v not in ("", None) and not (isinstance(v, float) and v != v) else None for v in values
    ]


def _namesakes(sources: Sequence[Any], names: Sequence[str | None]) -> list[int | None]:
    """How many records of the record's own file carry its four-part name (itself included).

    A term frequency that does not count the person's own records in other releases of the
    list: two records of one file with the same full name are namesakes (cousins named after
    the same grandfather), not one person seen twice.
    """
    counts = Counter(zip(sources, names, strict=True))
    return [
        None if name is None else counts[(source, name)]
        for source, name in zip(sources, names, strict=True)
    ]


def build_features(
    records: pa.Table | pd.DataFrame, *, reference_date: dt.date = DEFAULT_REFERENCE_DATE
) -> pa.Table:
    """One feature row per record (columns as in the ``records`` table); see ``FEATURE_SCHEMA``."""
    frame = _frame(records)
    n = len(frame)
    # The primary name: full_name, else the Latin full name; rows with neither use part columns.
    full = [
        a if isinstance(a, str) and a.strip() else (b if isinstance(b, str) and b.strip() else None)
        for a, b in zip(frame["full_name"], frame["full_name_latin"], strict=True)
    ]
    parsed = parse_names(full)
    part_columns = {part: map_unique(_part_key, frame[f"{part}_name"], "") for part in PARTS}
    keys: dict[str, list[str]] = {part: [] for part in PARTS}
    full_keys: list[str | None] = []
    scripts: list[str] = []
    for i in range(n):
        parts = parsed[i]
        if full[i] is not None:
            values = [getattr(parts, part) or "" for part in PARTS]
            tokens = " ".join(parts.tokens)
            script = parts.script
        else:
            values = [part_columns[part][i] for part in PARTS]
            tokens = " ".join(v for v in values if v)
            script = detect_script(tokens)
        for part, value in zip(PARTS, values, strict=True):
            keys[part].append(value)
        full_keys.append(tokens or None)
        scripts.append(script)

    columns: dict[str, list[Any]] = {
        "unique_id": frame["record_id"].astype(str).tolist(),
        "list": frame["list"].tolist(),
        "release": _dates(frame["release"]),
        "source_sha256": _none_if_empty(frame["source_sha256"].tolist()),
        "script": scripts,
    }
    for part in PARTS:
        columns[f"{part}_key"] = _none_if_empty(keys[part])
        columns[f"{part}_skel"] = _none_if_empty(map_unique(_skeleton, keys[part], ""))
        empty: list[str] = []
        columns[f"{part}_xkeys"] = [v or None for v in map_unique(_xkeys, keys[part], empty)]
        columns[f"{part}_xskel"] = _none_if_empty(map_unique(_xskel, keys[part], ""))
        columns[f"{part}_xskels"] = [v or None for v in map_unique(_xskels, keys[part], empty)]
        columns[f"{part}_rasm"] = _none_if_empty(map_unique(_rasm, keys[part], ""))
    # The second romanization's skeleton (the first when there is one): blocking takes one
    # scalar per part, and an Arabic spelling whose first candidate is not the one a Latin list
    # wrote still meets it through the second (8% of the field-like case's missed pairs).
    for part in ("given", "family"):
        columns[f"{part}_xskel2"] = [
            (row[1] if len(row) > 1 else row[0]) if row else None
            for row in columns[f"{part}_xskels"]
        ]
    # Every Latin key of father, grandfather and family: where a given name may turn up when a
    # list swapped or dropped a part.
    columns["lineage_xkeys"] = [
        sorted(set().union(*(row or [] for row in parts))) or None
        for parts in zip(
            *(columns[f"{part}_xkeys"] for part in ("father", "grandfather", "family")),
            strict=True,
        )
    ]
    columns["full_key"] = full_keys
    # The four parts' keys together: equal only when every part is spelled the same way, and
    # the unit whose frequency says how common a full name is (brothers' sons share it).
    columns["name4_key"] = [
        "|".join(parts) if all(parts) else None
        for parts in zip(*(keys[part] for part in PARTS), strict=True)
    ]
    columns["name4_namesakes"] = _namesakes(columns["source_sha256"], columns["name4_key"])

    columns["id_number"], columns["id_number_any"] = _split_ids(frame)
    columns["sex"] = _none_if_empty(frame["sex"].tolist())

    dob_raw = _dates(frame["date_of_birth"])
    placeholder = (
        frame["dob_placeholder"].fillna(False).astype(bool).tolist()
        if "dob_placeholder" in frame
        else [False] * n
    )
    death = _dates(frame["date_of_death"])
    ages = [None if pd.isna(a) else float(a) for a in frame["age_years"]]
    # A 1 January placeholder keeps its year (lists write YYYY-01-01 when only the year is
    # known) but must not count as an exact date of birth.
    columns["dob"] = [
        None if d is None or p else d for d, p in zip(dob_raw, placeholder, strict=True)
    ]
    columns["birth_year"] = [None if d is None else d.year for d in dob_raw]
    columns["birth_year_est"] = [
        year
        if year is not None
        else (None if age is None else (dd or reference_date).year - int(age))
        for year, age, dd in zip(columns["birth_year"], ages, death, strict=True)
    ]
    # An age gives the birth year only to within one: born in (year - age - 1) or (year - age)
    # depending on the birthday. The other candidate, for blocking records with an age
    # against records with a date of birth (the year itself when it is known).
    columns["birth_year_alt"] = [
        year if year is not None or est is None else est - 1
        for year, est in zip(columns["birth_year"], columns["birth_year_est"], strict=True)
    ]
    columns["age_years"] = _ages(ages, dob_raw, death)
    columns["date_of_death"] = death
    return pa.Table.from_pydict(columns, schema=FEATURE_SCHEMA)


def identity_features(records: pa.Table | pd.DataFrame) -> pa.Table:
    """The few feature columns that need no name work, computed as :func:`build_features`
    computes them: ``unique_id``, ``source_sha256``, ``id_number`` (valid IDs only) and
    ``age_years`` (as recorded, else from the dates of birth and death). For what reads only
    those (linkage replicates), at a fraction of the cost of every name feature."""
    frame = _frame(records)
    ages = [None if pd.isna(a) else float(a) for a in frame["age_years"]]
    valid, _ = _split_ids(frame)
    return pa.table({
        "unique_id": pa.array(frame["record_id"].astype(str).tolist(), pa.string()),
        "source_sha256": pa.array(_none_if_empty(frame["source_sha256"].tolist()), pa.string()),
        "id_number": pa.array(valid, pa.string()),
        "age_years": pa.array(
            _ages(ages, _dates(frame["date_of_birth"]), _dates(frame["date_of_death"])),
            pa.float64()),
    })


def _split_ids(frame: pd.DataFrame) -> tuple[list[Any], list[Any]]:
    # Only an ID with a valid check digit is evidence strong enough to block and cannot-link
    # on; the rest (typos, partial IDs) still helps as a weaker comparison.
    id_check = (frame["id_check"].tolist() if "id_check" in frame
                else [None] * len(frame))
    ids = _none_if_empty(frame["id_number"].tolist())
    return ([v if c == "valid" else None for v, c in zip(ids, id_check, strict=True)],
            [None if c == "valid" else v for v, c in zip(ids, id_check, strict=True)])


def _ages(ages: Sequence[float | None], born: Sequence[dt.date | None],
          died: Sequence[dt.date | None]) -> list[float | None]:
    return [
        age if age is not None
        else (None if d is None or dd is None else round((dd - d).days / 365.25, 2))
        for age, d, dd in zip(ages, born, died, strict=True)
    ]
