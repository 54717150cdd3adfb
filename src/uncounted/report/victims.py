"""Documented victims: the persons of the latest link run by age and sex, place and time.

Counts are of persons (linked records), not of rows; the attributes are each person's summary
values (the most common among their records). Only persons of one status are documented
victims (killed unless the estimate was of another; the rule is :mod:`uncounted.store.statuses`):
the others are counted apart under their own status. Before linkage there are no persons and
the section says so.
"""

from __future__ import annotations

from typing import Any, Final

from uncounted.store.person_counts import first_release_counts, profile_of_persons
from uncounted.store.persons import person_ids
from uncounted.store.project import Project
from uncounted.store.statuses import DEFAULT_STATUS, counts_as, person_statuses, status_label

AGE_BAND: Final = 5
OLDEST_BAND: Final = 80  # 80 and over in one band, as in most published pyramids
TOP_PLACES: Final = 15


def age_band(age: float | None) -> str:
    if age is None:
        return "unknown"
    start = min(int(age // AGE_BAND) * AGE_BAND, OLDEST_BAND)
    return f"{OLDEST_BAND}+" if start == OLDEST_BAND else f"{start}–{start + AGE_BAND - 1}"


def band_order() -> list[str]:
    return [age_band(float(a)) for a in range(0, OLDEST_BAND + 1, AGE_BAND)]


def victims_section(project: Project, status: str = DEFAULT_STATUS) -> dict[str, Any]:
    """The section for the persons of ``status``; the others only as counts by status."""
    found = person_statuses(project)
    ids = person_ids(project)
    by_status: dict[str, int] = {}
    counted = []
    for person in ids:
        label = status_label(*found.get(person, ([], True)), status)
        by_status[label] = by_status.get(label, 0) + 1
        if counts_as(label, status):
            counted.append(person)
    set_apart = {k: v for k, v in sorted(by_status.items()) if not counts_as(k, status)}
    persons = len(counted)
    if not persons:
        return {"persons": 0, **({"status": status, "set_apart": set_apart} if set_apart else {})}
    profile = profile_of_persons(project, counted)
    by_band: dict[str, dict[str, int]] = {b: {"male": 0, "female": 0, "unknown": 0}
                                          for b in [*band_order(), "unknown"]}
    for age, sex, n in profile.by_age_and_sex:
        column = sex if sex in ("male", "female") else "unknown"
        by_band[age_band(age)][column] += n
    pyramid = [{"age": band, **counts} for band, counts in by_band.items()]
    places = profile.by_place
    unknown_place = persons - sum(n for _, n in places)
    months = profile.by_month
    return {
        "persons": persons,
        "status": status,
        "set_apart": set_apart,
        "pyramid": pyramid,
        "sex": {
            key: sum(row[key] for row in pyramid) for key in ("male", "female", "unknown")
        },
        # the figure's caption says how many are not drawn for want of an age
        "unknown_age": sum(by_band["unknown"].values()),
        "places": [{"place": p, "persons": n} for p, n in places[:TOP_PLACES]],
        "other_places": {"places": max(0, len(places) - TOP_PLACES),
                         "persons": sum(n for _, n in places[TOP_PLACES:])},
        "unknown_place": unknown_place,
        "deaths_by_month": [{"month": m, "persons": n} for m, n in months],
        "unknown_date": persons - sum(n for _, n in months),
        "first_release": _first_release(project),
    }


def _first_release(project: Project) -> list[dict[str, Any]]:
    """Persons by the release of their list in which they first appear — for lists published
    in several releases, how the documented count grew (empty for single releases)."""
    rows = first_release_counts(project)
    return [{"list": lst, "release": rel.isoformat(), "new_persons": int(n)}
            for lst, rel, n in rows]
