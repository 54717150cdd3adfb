"""One list's rows: the victims it captured, written in its own script, spelling and format,
with its own recording errors and duplicate entries."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from uncounted.simulate import errors as err
from uncounted.simulate import styles
from uncounted.simulate.config import ListDesign, RecordingErrors
from uncounted.simulate.geography import place_names
from uncounted.simulate.hebrew import HebrewNames, list_names
from uncounted.simulate.names import NameTables, arabic_typo, latin_typo, split_word
from uncounted.simulate.population import Population
from uncounted.simulate.romanize import CONVENTION_NAMES, CONVENTIONS, romanize_token

# Name part columns: given, father, grandfather, great-grandfather, family.
PART_COLUMNS = ("given_ar", "father_ar", "grandfather_ar", None, "family_ar")


@dataclass
class ListRecords:
    """The rows of one list as written, with the truth behind each row."""

    design: ListDesign
    table: pd.DataFrame  # the columns of the CSV, all strings
    person: np.ndarray  # index of the true victim behind each row
    errors: list[str]  # per row: the errors injected, ";"-joined
    extra_copy: np.ndarray  # True on the second entry of a duplicated victim


class Spellings:
    """Arabic spelling forms and Latin romanizations of the vocabulary, computed once."""

    def __init__(self, tables: NameTables, arabic_forms: np.ndarray) -> None:
        self.tables = tables
        self.vocabulary = tables.vocabulary
        self.arabic_forms = arabic_forms
        self._latin: dict[int, str] = {}

    def latin(self, tokens: np.ndarray, convention: np.ndarray, variant: np.ndarray) -> np.ndarray:
        code = (tokens.astype(np.int64) * len(CONVENTION_NAMES) + convention) * 2 + variant
        unique, inverse = np.unique(code, return_inverse=True)
        out = np.empty(len(unique), dtype=object)
        for k, value in enumerate(unique.tolist()):
            text = self._latin.get(value)
            if text is None:
                token, rest = divmod(value, 2 * len(CONVENTION_NAMES))
                conv, var = divmod(rest, 2)
                text = romanize_token(
                    str(self.vocabulary[token]), CONVENTIONS[CONVENTION_NAMES[conv]], var
                )
                self._latin[value] = text
            out[k] = text
        return out[inverse]


def _flags(rng: np.random.Generator, rate: float, n: int) -> np.ndarray:
    return rng.random(n) < rate


def _join(columns: list[np.ndarray]) -> np.ndarray:
    return np.array(
        [" ".join(p for p in parts if p) for parts in zip(*columns, strict=True)], dtype=object
    )


def _pick_part(rng: np.random.Generator, parts: list[np.ndarray], rows: np.ndarray) -> np.ndarray:
    """For each row, the index of a present part to damage."""
    present = np.stack([p[rows] != "" for p in parts], axis=1)
    scores = rng.random(present.shape) * present
    return np.argmax(scores, axis=1)


def build_list(
    design: ListDesign,
    errors: RecordingErrors,
    members: np.ndarray,
    population: Population,
    spellings: Spellings | HebrewNames,
    household_start: np.ndarray,
    household_size: np.ndarray,
    rng: np.random.Generator,
) -> ListRecords:
    duplicated = members[_flags(rng, errors.duplicate, len(members))]
    person = np.concatenate([members, duplicated])
    extra_copy = np.concatenate([np.zeros(len(members), bool), np.ones(len(duplicated), bool)])
    m = len(person)
    codes: list[list[str]] = [[] for _ in range(m)]

    def note(mask: np.ndarray, code: str) -> None:
        for i in np.flatnonzero(mask):
            codes[i].append(code)

    note(extra_copy, "duplicate")
    names, latin = _names(design, errors, person, population, spellings, rng, note)
    fields: dict[str, np.ndarray] = {**names}
    if latin is not None:
        fields["name_latin"] = latin

    ids = population.id_number[person].copy()
    missing_id = _flags(rng, errors.id_missing, m) & (ids != "")
    note(err.relative_id(ids, _flags(rng, errors.id_of_relative, m) & ~missing_id, person,
                         household_start, household_size, population.id_number, rng),
         "id_of_relative")  # fmt: skip
    note(
        err.one_digit_off(ids, _flags(rng, errors.id_digit_wrong, m) & ~missing_id, rng),
        "id_digit_wrong",
    )
    note(
        err.transpose_digits(ids, _flags(rng, errors.id_transposed, m) & ~missing_id, rng),
        "id_transposed",
    )
    ids[missing_id] = ""
    note(missing_id, "id_missing")
    fields["id_number"] = ids

    true_age = population.age[person]
    age, drifted, heaped = err.recorded_age(
        true_age, _flags(rng, errors.age_off_by_one, m), _flags(rng, errors.age_heaping, m), rng
    )
    note(drifted, "age_off_by_one")
    note(heaped, "age_heaping")

    dob = population.date_of_birth[person]
    drift = _flags(rng, errors.dob_year_drift, m)
    dob = err.drift_birth_year(dob, drift, rng)
    note(drift, "dob_year_drift")
    placeholder = _flags(rng, errors.dob_placeholder, m)
    placeholder &= dob != dob.astype("datetime64[Y]").astype("datetime64[D]")
    dob = err.placeholder_dob(dob, placeholder)
    note(placeholder, "dob_placeholder")
    dob_missing = _flags(rng, errors.dob_missing, m)
    note(dob_missing, "dob_missing")

    sex = population.sex[person].copy()
    sex_wrong = _flags(rng, errors.sex_wrong, m)
    sex = np.where(sex_wrong, 1 - sex, sex)
    note(sex_wrong, "sex_wrong")

    geography = population.geography
    n_regions = len(geography.regions)
    governorate = population.governorate[person].copy()
    town = population.town[person].copy()
    place_wrong = _flags(rng, errors.place_wrong, m)
    neighbour = np.clip(governorate + np.where(rng.random(m) < 0.5, -1, 1), 0, n_regions - 1)
    neighbour = np.where(neighbour == governorate, 1 if n_regions > 1 else 0, neighbour)
    town_gov = geography.town_region()
    first_town = np.array([int(np.flatnonzero(town_gov == g)[0]) for g in range(n_regions)])
    governorate = np.where(place_wrong, neighbour, governorate)
    town = np.where(place_wrong, first_town[governorate], town)
    note(place_wrong, "place_wrong")
    place_missing = _flags(rng, errors.place_missing, m)
    note(place_missing, "place_missing")

    true_dod = population.date_of_death[person]
    dod_shift = _flags(rng, errors.death_date_shift, m)
    dod = err.shift_days(true_dod, dod_shift, rng, 3)
    note(dod_shift, "death_date_shift")
    # The incident date is the household's: days before the death of those who died of their
    # wounds. A list that writes it errs by the same days as one that writes the death.
    incident = population.date_of_incident
    event = (incident[person] if incident is not None else true_dod) + (dod - true_dod)

    # Gaps that are the list's habit rather than slips: drawn only when a design has them.
    age_blank = np.zeros(m, dtype=bool)
    if design.age_share < 1.0:
        age_blank = ~_flags(rng, design.age_share, m)
        note(age_blank, "age_missing")
    sex_blank = np.zeros(m, dtype=bool)
    if design.sex_share < 1.0:
        sex_blank = ~_flags(rng, design.sex_share, m)
        note(sex_blank, "sex_missing")

    order = _row_order(design, rng, m, age, dod, fields)
    fmt = design.format
    spelling = rng.integers(0, 4, m)
    columns: dict[str, np.ndarray] = {}
    for header, field in fmt.columns:
        if field == "row_id":
            values: np.ndarray = np.arange(1, m + 1).astype(str).astype(object)
            columns[header] = values
            continue
        if field in fields:
            values = fields[field]
        elif field == "age":
            values = age.astype(str).astype(object)
            values[age_blank] = ""
        elif field == "sex":
            values = np.where(sex == 0, fmt.sex_labels[0], fmt.sex_labels[1]).astype(object)
            values[sex_blank] = ""
        elif field == "date_of_birth":
            values = _format_dates(dob, fmt.date_format)
            values[dob_missing] = ""
        elif field == "date_of_death":
            values = _format_dates(dod, fmt.date_format)
        elif field == "event_date":
            values = _format_dates(event, fmt.date_format)
        elif field == "place":
            values = place_names(
                geography, fmt.place_style, governorate, town, spelling, design.name
            )
            values[place_missing] = ""
        else:
            raise ValueError(f"list {design.name!r}: unknown field {field!r} in its format")
        columns[header] = values[order]
    table = pd.DataFrame(columns)
    return ListRecords(
        design=design,
        table=table,
        person=person[order],
        errors=[";".join(codes[i]) for i in order.tolist()],
        extra_copy=extra_copy[order],
    )


def _row_order(
    design: ListDesign,
    rng: np.random.Generator,
    m: int,
    age: np.ndarray,
    dod: np.ndarray,
    fields: dict[str, np.ndarray],
) -> np.ndarray:
    shuffled = rng.permutation(m)
    if design.order == "random":
        return shuffled
    if design.order == "age":
        key = age[shuffled]
    elif design.order == "date_of_death":
        key = dod[shuffled].astype(np.int64)
    else:
        name = fields.get("name_ar", fields.get("name_latin"))
        if name is None:
            return shuffled
        key = np.argsort(np.argsort(name[shuffled].astype(str), kind="stable"), kind="stable")
    return shuffled[np.argsort(key, kind="stable")]


def _format_dates(dates: np.ndarray, date_format: str) -> np.ndarray:
    text = pd.Series(pd.to_datetime(dates)).dt.strftime(date_format)
    return text.to_numpy(dtype=object)


def _names(
    design: ListDesign,
    errors: RecordingErrors,
    person: np.ndarray,
    population: Population,
    spellings: Spellings | HebrewNames,
    rng: np.random.Generator,
    record: Callable[[np.ndarray, str], None],
) -> tuple[dict[str, np.ndarray], np.ndarray | None]:
    if isinstance(spellings, HebrewNames):
        return list_names(design, errors, person, population, spellings, rng, record)
    m = len(person)
    tokens = np.stack(
        [
            population.given[person],
            population.father[person],
            population.grandfather[person],
            population.great_grandfather[person],
            population.family[person],
        ],
        axis=1,
    )
    five = _flags(rng, design.five_part_share, m)
    tokens[~five, 3] = -1
    dropped = _flags(rng, errors.name_part_dropped, m)
    drop_column = np.where(rng.random(m) < 0.5, 1, 2)
    tokens[dropped, drop_column[dropped]] = -1
    record(dropped, "name_part_dropped")
    swapped = _flags(rng, errors.name_parts_swapped, m) & ~dropped
    swapped &= tokens[:, 1] != tokens[:, 2]
    tokens[swapped, 1], tokens[swapped, 2] = tokens[swapped, 2], tokens[swapped, 1].copy()
    record(swapped, "name_parts_swapped")
    # Field-list writing draws only for designs that ask for it: the default lists' random
    # streams, and so their files, stay as they were.
    if design.name_parts:
        styles.shorten(tokens, design.name_parts, rng, record)
    decorations = None
    if design.kunya_share > 0 or design.title_share > 0:
        decorations = styles.draw_decorations(
            design, person, population, spellings.tables, rng, record
        )

    out: dict[str, np.ndarray] = {}
    latin: np.ndarray | None = None
    if design.script in ("arabic", "both"):
        style = _flags(rng, design.spaced_compound_share, m).astype(int) + 2 * _flags(
            rng, design.hamza_share, m
        ).astype(int)
        parts = []
        for column in range(5):
            tok = tokens[:, column]
            text = spellings.arabic_forms[style, np.maximum(tok, 0)]
            parts.append(np.where(tok >= 0, text, "").astype(object))
        if decorations is not None:
            decorations.apply_arabic(parts, style, spellings.arabic_forms, spellings.vocabulary)
        for code, rate, damage in (
            ("name_typo", errors.name_typo, arabic_typo),
            ("name_split", errors.name_split, split_word),
        ):
            hit = np.flatnonzero(_flags(rng, rate, m))
            which = _pick_part(rng, parts, hit)
            changed = np.zeros(m, dtype=bool)
            for row, column in zip(hit.tolist(), which.tolist(), strict=True):
                before = parts[column][row]
                after = damage(before, rng)
                if after != before:
                    parts[column][row] = after
                    changed[row] = True
            record(changed, code)
        out["name_ar"] = _join(parts)
        for column, name in enumerate(PART_COLUMNS):
            if name is not None:
                out[name] = parts[column]
    if design.script in ("latin", "both"):
        names = list(design.conventions) or ["english"]
        weights = np.array([design.conventions.get(c, 1.0) for c in names], dtype=float)
        chosen = rng.choice(len(names), size=m, p=weights / weights.sum())
        convention = np.array([CONVENTION_NAMES.index(c) for c in names])[chosen]
        variant = (rng.random(m) < 0.3).astype(int)
        parts = []
        for column in range(5):
            tok = tokens[:, column]
            text = spellings.latin(np.maximum(tok, 0), convention, variant)
            parts.append(np.where(tok >= 0, text, "").astype(object))
        if decorations is not None:
            decorations.apply_latin(parts, convention, variant, spellings.vocabulary)
        latin = _join(parts)
        for code, rate, damage in (
            ("latin_typo", errors.name_typo, latin_typo),
            ("latin_split", errors.name_split, split_word),
        ):
            changed = np.zeros(m, dtype=bool)
            for row in np.flatnonzero(_flags(rng, rate, m)).tolist():
                before = latin[row]
                after = damage(before, rng)
                if after != before:
                    latin[row] = after
                    changed[row] = True
            record(changed, code)
    if design.script == "both" and design.arabic_share < 1.0 and "name_ar" in out:
        latin_only = ~_flags(rng, design.arabic_share, m)
        for written in ("name_ar", *(name for name in PART_COLUMNS if name)):
            out[written][latin_only] = ""
        record(latin_only, "latin_only")
    return out, latin
