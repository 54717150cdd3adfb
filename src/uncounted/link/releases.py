"""The rules of comparing two releases of a list: which persons a release added, removed and
corrected against another, and the chain of all its releases. Pure: plain data in (the records
of each release with their person, the scored pairs that may relink two persons), dataclasses
out; no I/O and no project (:mod:`uncounted.workflow.release_diff` reads the project and calls
these).

Identity is the linkage's, never the ID number. A *person of a release* is a person of the
latest link run with at least one record in a source of that list and release. Let A be the
persons of the older release and B those of the newer. Every person of A ∪ B is exactly one of

- **added**: in B, not in A;
- **removed**: in A, not in B;
- **corrected**: in both, and at least one of ID number, name, sex, date of birth or age was
  changed (each kind is counted separately; a person may have several);
- **unchanged**: in both, and none of them was changed;

so ``added + unchanged + corrected_persons = |B|`` and ``removed + unchanged + corrected_persons
= |A|`` exactly. Over the same persons, and NOT part of that partition:

- **id_reissued**: corrected persons whose ID number changed and none of whose older IDs is
  carried by anyone in the newer release (the old number was withdrawn, the person kept);
- **id_reused**: ID numbers carried in the older release by one person and in the newer
  release by a different person (counted per ID number; ``PersonChange.id_reused`` marks the
  persons of both sides);
- **merged**: persons of both releases with more records in the older release than in the newer
  (duplicate rows folded into fewer); **split**: more records in the newer (a person listed once
  now listed several times);
- **relinked**: removed–added pairs joined by the diff, see below (already counted as corrected).

Comparison rules:

- A field is *changed* when both releases give it for the person and no value of the older
  release equals a value of the newer one (a person with duplicate rows keeps a field
  unchanged while any of its values survives). A value present on one side only (a column a
  release lacks, a blank ID later filled) is not a correction; it is counted under ``filled``
  (blank → value) or ``emptied`` (value → blank).
- Names are compared by their normalized form (:func:`uncounted.normalize.parse_name` tokens:
  letter variants folded, compounds glued, titles dropped) and by its shape: undotted for
  Arabic (:func:`uncounted.normalize.arabic_rasm`), without spaces in any script. A name is
  corrected when that shape changes. Names that differ only in dots, alef, hamza, a doubled
  letter or a space are what PDF conversion and spelling habits change (half of the name
  changes into the MoH release of 2024-03-29, taken from a PDF; 140 of 255 from 2024-04-30 to
  2024-06-30 are spaces); they are counted under ``minor["name_spelling"]``, not as
  corrections. The
  before/after values shown are the names as the lists wrote them.
- ID numbers are compared in their normalized nine-digit form; sex exactly; dates of birth
  exactly, except that a date whose day and month were exchanged (the Tech for Palestine file
  of 2024-08-08 writes 1978-11-04 for the 1978-04-11 of the others, in 8 of 20 sampled birth-date
  changes) is counted under ``minor["date_of_birth_day_month"]``, not as a correction.
- Ages are corrected when they moved by more than one year. A move of a year or less is counted
  under ``minor["age_within_a_year"]``: ages computed on different days differ by one around
  birthdays, fractions of a year under one shift with rounding, and the MoH release of
  2024-04-30 gives ages one year above those of 2024-06-30 for three persons in four.

Persons whose only changes are minor, or values filled or emptied, are unchanged.

Relinking. The linkage never puts two different valid ID numbers or two sexes into one person,
so a person whose valid ID was replaced by another valid ID (or whose sex was corrected) is two
persons, one only in the older release and one only in the newer. The diff joins such a pair
when the latest link run scored a pair of their records (older release against newer) at
``RELINK_PROBABILITY`` or more, strongest first, each person at most once. The pair then counts
as one corrected person (``relinked``); its ``person_id`` is the older person, its
``to_person_id`` the newer.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from uncounted.link.persons import age_group
from uncounted.normalize import arabic_rasm, normalize_id, parse_name

COMPARED_FIELDS: Final = ("id_number", "name", "sex", "date_of_birth", "age")
CLASSIFICATIONS: Final = ("unchanged", "corrected", "added", "removed")
AGE_CHANGE_YEARS: Final = 1.0  # a correction moves an age by more than this
MINOR_CHANGES: Final = ("name_spelling", "age_within_a_year", "date_of_birth_day_month")
# A removed and an added person are one person corrected when the model scored a pair of their
# records at least this high; the clustering kept them apart only by a hard rule (two valid IDs,
# two sexes), so the evidence must be stronger than the link threshold.
RELINK_PROBABILITY: Final = 0.5
# A column of the list's own (e.g. the MoH ``source``) is summarized when it has at most this
# many distinct values in the two releases: more is an identifier or free text.
MAX_FIELD_VALUES: Final = 20
MISSING: Final = "(missing)"


@dataclass(frozen=True)
class ReleaseRecord:
    """One record of a release, with the values the diff compares and shows."""

    record_id: str
    person_id: str
    source_sha256: str
    row_number: int
    id_number: str | None
    name: str | None
    name_key: str | None
    name_shape: str | None
    sex: str | None
    date_of_birth: str | None
    age: float | None
    raw: dict[str, str]


@dataclass
class PersonChange:
    """One person of either release and what happened to them between the two."""

    person_id: str
    to_person_id: str | None
    classification: str
    changed: tuple[str, ...]
    minor: tuple[str, ...]
    before: dict[str, list[str]]
    after: dict[str, list[str]]
    from_records: tuple[str, ...]
    to_records: tuple[str, ...]
    id_reissued: bool = False
    id_reused: bool = False
    merged: bool = False
    split: bool = False
    relinked: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "person_id": self.person_id,
            "to_person_id": self.to_person_id,
            "classification": self.classification,
            "changed": list(self.changed),
            "minor": list(self.minor),
            "before": self.before,
            "after": self.after,
            "from_records": list(self.from_records),
            "to_records": list(self.to_records),
            "id_reissued": self.id_reissued,
            "id_reused": self.id_reused,
            "merged": self.merged,
            "split": self.split,
            "relinked": self.relinked,
        }


@dataclass
class ReleaseDiff:
    """What ``to_release`` of ``list_name`` changed against ``from_release`` (see the module)."""

    list_name: str
    from_release: str
    to_release: str
    run_id: int
    from_persons: int
    to_persons: int
    from_records: int
    to_records: int
    unchanged: int
    added: int
    removed: int
    corrected_persons: int
    corrected: dict[str, int]
    filled: dict[str, int]
    emptied: dict[str, int]
    minor: dict[str, int]
    id_reissued: int
    id_reused: int
    merged: int
    split: int
    relinked: int
    summaries: dict[str, dict[str, dict[str, int]]]
    changes: list[PersonChange] = field(default_factory=list, repr=False)
    # ID numbers are personal data: kept for the CSV and the web page, left out of to_dict.
    reused_ids: list[str] = field(default_factory=list, repr=False)

    def to_dict(self, *, changes: bool = False) -> dict[str, Any]:
        document: dict[str, Any] = {
            "list": self.list_name,
            "from": self.from_release,
            "to": self.to_release,
            "run_id": self.run_id,
            "from_persons": self.from_persons,
            "to_persons": self.to_persons,
            "from_records": self.from_records,
            "to_records": self.to_records,
            "unchanged": self.unchanged,
            "added": self.added,
            "removed": self.removed,
            "corrected_persons": self.corrected_persons,
            "corrected": dict(self.corrected),
            "filled": dict(self.filled),
            "emptied": dict(self.emptied),
            "minor": dict(self.minor),
            "id_reissued": self.id_reissued,
            "id_reused": self.id_reused,
            "merged": self.merged,
            "split": self.split,
            "relinked": self.relinked,
            "summaries": self.summaries,
        }
        if changes:
            document["changes"] = [c.to_dict() for c in self.changes]
        return document


@dataclass
class ReleaseChain:
    """Every release of a list: who first appeared in each, who later left, where they went.

    ``releases``: one entry per release, oldest first, with ``persons`` (of that release),
    ``records``, ``first_seen`` (persons in no earlier release), ``first_seen_not_in_latest``
    (of those, not in the latest release), ``left`` (persons of this release absent from the
    next), ``returned`` (persons absent from the previous release but in an earlier one).
    ``persons_ever``: persons of any release; ``not_in_latest``: of those, persons absent from the
    latest release; ``not_in_latest_on_other_lists``: of those, persons with a record on another
    list of the project, in total (``"any"``) and per list.
    """

    list_name: str
    run_id: int
    releases: list[dict[str, Any]]
    persons_ever: int
    in_latest: int
    not_in_latest: int
    not_in_latest_on_other_lists: dict[str, int]

    def to_dict(self) -> dict[str, Any]:
        return {
            "list": self.list_name,
            "run_id": self.run_id,
            "releases": self.releases,
            "persons_ever": self.persons_ever,
            "in_latest": self.in_latest,
            "not_in_latest": self.not_in_latest,
            "not_in_latest_on_other_lists": dict(self.not_in_latest_on_other_lists),
        }



def _name_key(name: str | None) -> tuple[str | None, str | None]:
    """The normalized name and its shape: undotted for Arabic, without spaces in any script."""
    if not name:
        return None, None
    parts = parse_name(name)
    if not parts.tokens:
        return None, None
    key = " ".join(parts.tokens)
    joined = key.replace(" ", "")
    # One word, so that alef (kept only word-initially) and doubled letters fold alike
    # whether or not a space separates two parts.
    return key, (arabic_rasm(joined) or joined) if parts.script == "arabic" else joined


def release_records(
    rows: Iterable[Sequence[Any]],
) -> list[ReleaseRecord]:
    """The records of one release from its rows (record id, person id, source SHA-256, row
    number, ID number, name, sex, date of birth, age, raw values as JSON), in their order."""
    keys: dict[str, tuple[str | None, str | None]] = {}
    out = []
    for record_id, person, sha, row, id_number, name, sex, dob, age, raw in rows:
        if name not in keys:
            keys[name] = _name_key(name)
        out.append(
            ReleaseRecord(
                record_id=str(record_id),
                person_id=str(person),
                source_sha256=str(sha),
                row_number=int(row),
                id_number=normalize_id(id_number),
                name=name or None,
                name_key=keys[name][0],
                name_shape=keys[name][1],
                sex=sex or None,
                date_of_birth=dob.isoformat() if dob is not None else None,
                age=None if age is None or age != age else float(age),
                raw={str(k): "" if v is None else str(v) for k, v in json.loads(raw).items()},
            )
        )
    return out


def summarized_fields(mappings: Iterable[str], records: Iterable[ReleaseRecord]) -> list[str]:
    """The list's own columns worth summarizing: unmapped in the sources (``mappings``: their
    column mappings as JSON), with few distinct values in ``records``."""
    unmapped: list[str] = []
    for mapping in mappings:
        for column in json.loads(mapping).get("unmapped_columns", []):
            if column not in unmapped:
                unmapped.append(column)
    values: dict[str, set[str]] = {c: set() for c in unmapped}
    for record in records:
        for column in unmapped:
            value = record.raw.get(column, "")
            if value and len(values[column]) <= MAX_FIELD_VALUES:
                values[column].add(value)
    return [c for c in unmapped if 1 <= len(values[c]) <= MAX_FIELD_VALUES]


# -- comparing ----------------------------------------------------------------------------------


def _values(records: Sequence[ReleaseRecord], name: str) -> list[Any]:
    if name == "id_number":
        found: list[Any] = [r.id_number for r in records]
    elif name == "name":
        found = [r.name_shape for r in records]
    elif name == "name_key":
        found = [r.name_key for r in records]
    elif name == "sex":
        found = [r.sex for r in records]
    elif name == "date_of_birth":
        found = [r.date_of_birth for r in records]
    else:
        found = [r.age for r in records]
    return sorted({v for v in found if v is not None}, key=str)


def _shown(records: Sequence[ReleaseRecord], name: str) -> list[str]:
    """What the lists wrote, for the before/after columns (names as written, not keys)."""
    if name == "name":
        return sorted({r.name for r in records if r.name})
    return [_text(v) for v in _values(records, name)]


def _text(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _changed(name: str, before: list[Any], after: list[Any]) -> bool:
    if not before or not after:
        return False
    if name == "age":
        return min(abs(a - b) for a in before for b in after) > AGE_CHANGE_YEARS
    if name == "date_of_birth" and any(_swapped(a, b) for a in before for b in after):
        return False
    return not set(before) & set(after)


def _swapped(older: str, newer: str) -> bool:
    """Two ISO dates of one year with day and month exchanged (a date format read both ways)."""
    return (
        older != newer
        and older[:4] == newer[:4]
        and older[5:7] == newer[8:10]
        and older[8:10] == newer[5:7]
    )


def _minor(old: Sequence[ReleaseRecord], new: Sequence[ReleaseRecord]) -> tuple[str, ...]:
    """The minor changes of a person in both releases (see the module): not corrections."""
    found = []
    if _changed("name_key", _values(old, "name_key"), _values(new, "name_key")) and not _changed(
        "name", _values(old, "name"), _values(new, "name")
    ):
        found.append("name_spelling")
    ages_before, ages_after = _values(old, "age"), _values(new, "age")
    if ages_before and ages_after:
        closest = min(abs(a - b) for a in ages_before for b in ages_after)
        if 0 < closest <= AGE_CHANGE_YEARS:
            found.append("age_within_a_year")
    dates_before, dates_after = _values(old, "date_of_birth"), _values(new, "date_of_birth")
    if not set(dates_before) & set(dates_after) and any(
        _swapped(a, b) for a in dates_before for b in dates_after
    ):
        found.append("date_of_birth_day_month")
    return tuple(found)


def by_person(records: Iterable[ReleaseRecord]) -> dict[str, list[ReleaseRecord]]:
    """A release's records grouped by person, persons in the order of their first record."""
    persons: dict[str, list[ReleaseRecord]] = defaultdict(list)
    for record in records:
        persons[record.person_id].append(record)
    return persons


def unmatched(
    old_records: Iterable[ReleaseRecord], new_records: Iterable[ReleaseRecord]
) -> tuple[dict[str, list[ReleaseRecord]], dict[str, list[ReleaseRecord]]]:
    """(persons only in the older release, persons only in the newer), with their records: the
    persons a relinking may join."""
    before, after = by_person(old_records), by_person(new_records)
    removed_only = {p: rs for p, rs in before.items() if p not in after}
    added_only = {p: rs for p, rs in after.items() if p not in before}
    return removed_only, added_only


def relink_records(removed: dict[str, list[ReleaseRecord]]) -> list[str]:
    """The records whose scored pairs a relinking reads: those of the removed persons."""
    return list({r.record_id: p for p, rs in removed.items() for r in rs})


def relink(
    removed: dict[str, list[ReleaseRecord]],
    added: dict[str, list[ReleaseRecord]],
    scored: Iterable[tuple[Any, Any, Any]],
) -> list[tuple[str, str]]:
    """(older person, newer person) pairs the model scored as one person (see the module).

    ``scored``: the latest link run's pairs (left record, right record, probability) touching
    :func:`relink_records` at ``RELINK_PROBABILITY`` or more, strongest first."""
    if not removed or not added:
        return []
    old_person = {r.record_id: p for p, rs in removed.items() for r in rs}
    new_person = {r.record_id: p for p, rs in added.items() for r in rs}
    pairs: list[tuple[str, str]] = []
    used_old: set[str] = set()
    used_new: set[str] = set()
    for left, right, _ in scored:
        for old_record, new_record in ((left, right), (right, left)):
            old, new = old_person.get(old_record), new_person.get(new_record)
            if old and new and old not in used_old and new not in used_new:
                pairs.append((old, new))
                used_old.add(old)
                used_new.add(new)
    return pairs


def compare_releases(
    list_name: str,
    releases: tuple[str, str],
    run_id: int,
    old_records: Sequence[ReleaseRecord],
    new_records: Sequence[ReleaseRecord],
    relinked: list[tuple[str, str]],
    list_fields: Sequence[str],
) -> ReleaseDiff:
    """Classify every person of two releases of a list (see the module for the rules).

    ``releases``: (older, newer); ``relinked``: :func:`relink`'s pairs; ``list_fields``: the
    list's own columns to summarize (:func:`summarized_fields`)."""
    older, newer = releases
    before = by_person(old_records)
    after = by_person(new_records)
    removed_only = {p: rs for p, rs in before.items() if p not in after}
    added_only = {p: rs for p, rs in after.items() if p not in before}
    # Diff persons: (older person id or None, newer person id or None).
    pairs: list[tuple[str | None, str | None]] = [(p, p) for p in before if p in after]
    pairs += relinked
    paired_old = {o for o, _ in relinked}
    paired_new = {n for _, n in relinked}
    pairs += [(p, None) for p in removed_only if p not in paired_old]
    pairs += [(None, p) for p in added_only if p not in paired_new]

    changes = [
        _compare(old, new, before.get(old or "", []), after.get(new or "", []))
        for old, new in pairs
    ]
    reused_ids = _mark_ids(changes, before, after)

    counts = Counter(c.classification for c in changes)
    corrected = Counter(f for c in changes for f in c.changed)
    filled, emptied = _gaps(changes, before, after)
    return ReleaseDiff(
        list_name=list_name,
        from_release=older,
        to_release=newer,
        run_id=run_id,
        from_persons=len(before),
        to_persons=len(after),
        from_records=len(old_records),
        to_records=len(new_records),
        unchanged=counts["unchanged"],
        added=counts["added"],
        removed=counts["removed"],
        corrected_persons=counts["corrected"],
        corrected={f: corrected[f] for f in COMPARED_FIELDS},
        filled=filled,
        emptied=emptied,
        minor={m: sum(m in c.minor for c in changes) for m in MINOR_CHANGES},
        id_reissued=sum(c.id_reissued for c in changes),
        id_reused=len(reused_ids),
        merged=sum(c.merged for c in changes),
        split=sum(c.split for c in changes),
        relinked=len(relinked),
        summaries=_summaries(changes, before, after, list_fields, (older, newer)),
        changes=changes,
        reused_ids=reused_ids,
    )


def _compare(
    old: str | None,
    new: str | None,
    old_records: Sequence[ReleaseRecord],
    new_records: Sequence[ReleaseRecord],
) -> PersonChange:
    shown_before = {f: _shown(old_records, f) for f in COMPARED_FIELDS}
    shown_after = {f: _shown(new_records, f) for f in COMPARED_FIELDS}
    minor: tuple[str, ...] = ()
    if old is None or new is None:
        classification = "added" if old is None else "removed"
        changed: tuple[str, ...] = ()
    else:
        minor = _minor(old_records, new_records)
        changed = tuple(
            f for f in COMPARED_FIELDS
            if _changed(f, _values(old_records, f), _values(new_records, f))
        )
        classification = "corrected" if changed else "unchanged"
    both = bool(old_records) and bool(new_records)
    return PersonChange(
        person_id=old or new or "",
        to_person_id=new,
        classification=classification,
        changed=changed,
        minor=minor,
        before=shown_before,
        after=shown_after,
        from_records=tuple(r.record_id for r in old_records),
        to_records=tuple(r.record_id for r in new_records),
        merged=both and len(old_records) > len(new_records),
        split=both and len(new_records) > len(old_records),
        relinked=old is not None and new is not None and old != new,
    )


def _records_of(
    change: PersonChange,
    before: dict[str, list[ReleaseRecord]],
    after: dict[str, list[ReleaseRecord]],
) -> tuple[list[ReleaseRecord], list[ReleaseRecord]]:
    old = before.get(change.person_id, []) if change.classification != "added" else []
    new = after.get(change.to_person_id or "", [])
    return old, new


def _mark_ids(
    changes: list[PersonChange],
    before: dict[str, list[ReleaseRecord]],
    after: dict[str, list[ReleaseRecord]],
) -> list[str]:
    """Set ``id_reissued`` and ``id_reused`` on each change; return the reused ID numbers
    (carried in the older release by one person and in the newer by another)."""
    new_ids = {r.id_number for rs in after.values() for r in rs if r.id_number}
    old_owner: dict[str, set[int]] = defaultdict(set)
    new_owner: dict[str, set[int]] = defaultdict(set)
    for index, change in enumerate(changes):
        old, new = _records_of(change, before, after)
        for record in old:
            if record.id_number:
                old_owner[record.id_number].add(index)
        for record in new:
            if record.id_number:
                new_owner[record.id_number].add(index)
        if "id_number" in change.changed:
            change.id_reissued = not any(r.id_number in new_ids for r in old if r.id_number)
    reused = []
    for number, owners in old_owner.items():
        carriers = new_owner.get(number, set())
        if carriers - owners:
            reused.append(number)
            for index in owners | carriers:
                changes[index].id_reused = True
    return sorted(reused)


def _gaps(
    changes: list[PersonChange],
    before: dict[str, list[ReleaseRecord]],
    after: dict[str, list[ReleaseRecord]],
) -> tuple[dict[str, int], dict[str, int]]:
    filled: Counter[str] = Counter()
    emptied: Counter[str] = Counter()
    for change in changes:
        if change.classification not in ("unchanged", "corrected"):
            continue
        old, new = _records_of(change, before, after)
        for name in COMPARED_FIELDS:
            had, has = bool(_values(old, name)), bool(_values(new, name))
            filled[name] += not had and has
            emptied[name] += had and not has
    return ({f: filled[f] for f in COMPARED_FIELDS}, {f: emptied[f] for f in COMPARED_FIELDS})


def _summaries(
    changes: list[PersonChange],
    before: dict[str, list[ReleaseRecord]],
    after: dict[str, list[ReleaseRecord]],
    list_fields: Sequence[str],
    releases: tuple[str, str],
) -> dict[str, dict[str, dict[str, int]]]:
    """Counts of each classification by age group, sex and each of the list's own fields.

    Each value is the person's first given one, newer release first. A record without an age
    but with a birth date (the MoH list of 2024-01-05) is grouped by its age on the release
    date, which exceeds the age at death by at most the time between death and release.
    """
    tables: dict[str, dict[str, Counter[str]]] = {
        name: defaultdict(Counter) for name in ("age_group", "sex", *list_fields)
    }
    for change in changes:
        old, new = _records_of(change, before, after)
        records = [*new, *old]
        kind = change.classification
        dated = [(r, releases[1]) for r in new] + [(r, releases[0]) for r in old]
        age = next((r.age for r in records if r.age is not None), None)
        if age is None:
            age = next((_age_on(r.date_of_birth, day) for r, day in dated if r.date_of_birth),
                       None)
        tables["age_group"][age_group(age) or MISSING][kind] += 1
        tables["sex"][next((r.sex for r in records if r.sex), MISSING)][kind] += 1
        for column in list_fields:
            value = next((r.raw[column] for r in records if r.raw.get(column)), MISSING)
            tables[column][value][kind] += 1
    return {
        name: {
            value: {kind: counts[kind] for kind in CLASSIFICATIONS}
            for value, counts in sorted(table.items())
        }
        for name, table in tables.items()
    }


def _age_on(birth: str, day: str) -> float:
    born, then = dt.date.fromisoformat(birth), dt.date.fromisoformat(day)
    return then.year - born.year - ((then.month, then.day) < (born.month, born.day))


# -- rows for CSV -------------------------------------------------------------------------------

CSV_COLUMNS: Final = (
    "classification", "person_id", "to_person_id", "changed", "minor", "id_reissued", "id_reused",
    "merged", "split", "relinked",
    *(f"{side}_{name}" for name in COMPARED_FIELDS for side in ("before", "after")),
    "from_records", "to_records",
)


def diff_rows(diff: ReleaseDiff) -> list[dict[str, str]]:
    """One row per person of either release, columns ``CSV_COLUMNS``; several values of one
    field (a person listed twice) and several record ids are joined with ``|``."""
    rows = []
    for change in diff.changes:
        row = {
            "classification": change.classification,
            "person_id": change.person_id,
            "to_person_id": change.to_person_id or "",
            "changed": "|".join(change.changed),
            "minor": "|".join(change.minor),
            "id_reissued": str(int(change.id_reissued)),
            "id_reused": str(int(change.id_reused)),
            "merged": str(int(change.merged)),
            "split": str(int(change.split)),
            "relinked": str(int(change.relinked)),
            "from_records": "|".join(change.from_records),
            "to_records": "|".join(change.to_records),
        }
        for name in COMPARED_FIELDS:
            row[f"before_{name}"] = "|".join(change.before[name])
            row[f"after_{name}"] = "|".join(change.after[name])
        rows.append(row)
    return rows




# -- the chain of releases ----------------------------------------------------------------------


def chain_of_releases(
    releases: Sequence[str], rows: Iterable[tuple[str, str, int]]
) -> tuple[list[dict[str, Any]], set[str], set[str]]:
    """(one entry per release, oldest first, as in :attr:`ReleaseChain.releases`; the persons of
    any release; the persons of the latest) from ``rows``: (release, person, records of that
    person in that release)."""
    members: dict[str, set[str]] = {r: set() for r in releases}
    records: Counter[str] = Counter()
    for release, person, n in rows:
        members[release].add(person)
        records[release] += n
    latest = members[releases[-1]] if releases else set()
    seen: set[str] = set()
    entries: list[dict[str, Any]] = []
    for index, release in enumerate(releases):
        persons = members[release]
        first = persons - seen
        previous = members[releases[index - 1]] if index else set()
        following = members[releases[index + 1]] if index + 1 < len(releases) else None
        entries.append(
            {
                "release": release,
                "persons": len(persons),
                "records": records[release],
                "first_seen": len(first),
                "first_seen_not_in_latest": len(first - latest),
                "left": None if following is None else len(persons - following),
                "returned": len((persons - previous) & seen) if index else 0,
            }
        )
        seen |= persons
    return entries, seen, latest
