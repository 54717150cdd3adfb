"""A few linked persons with their records' names: what linkage joined, across spellings and
scripts.

This is the only personal data in the report and it is kept small on purpose (``limit``
persons, 0 for none). Persons whose records are written in more than one script come first,
then those with the most different spellings; ties go to the smaller person id, so the same
project gives the same examples.
"""

from __future__ import annotations

from typing import Any, Final

from uncounted.normalize.script import detect_script
from uncounted.store.person_counts import varied_spellings
from uncounted.store.project import Project

# None unless asked: a report is made to be sent on, and these are the only names in it.
DEFAULT_EXAMPLES: Final = 0
CANDIDATES: Final = 2000
MAX_RECORDS_SHOWN: Final = 6


def names_section(project: Project, limit: int = DEFAULT_EXAMPLES) -> dict[str, Any]:
    if limit <= 0:
        return {"limit": 0, "has_latin": False, "persons": []}
    rows = varied_spellings(project, CANDIDATES)
    by_person: dict[str, list[dict[str, Any]]] = {}
    for person_id, record_id, list_name, release, row_number, name, latin in rows:
        by_person.setdefault(person_id, []).append({
            "record_id": record_id,
            "list": list_name,
            "release": release.isoformat() if release else None,
            "row": row_number,
            "name": name,
            "latin": latin,
        })

    def rank(item: tuple[str, list[dict[str, Any]]]) -> tuple[int, int, int, str]:
        person_id, records = item
        scripts = {detect_script(t) for r in records for t in (r["name"], r["latin"]) if t}
        scripts -= {"unknown"}
        spellings = {(r["name"], r["latin"]) for r in records}
        return (-len(scripts), -len(spellings), len(person_id), person_id)

    chosen = sorted(by_person.items(), key=rank)[:limit]
    return {
        "limit": limit,
        "has_latin": any(r["latin"] for _, records in chosen for r in records),
        "persons": [
            {"person_id": pid, "records": records[:MAX_RECORDS_SHOWN],
             "more_records": max(0, len(records) - MAX_RECORDS_SHOWN)}
            for pid, records in chosen
        ],
    }
