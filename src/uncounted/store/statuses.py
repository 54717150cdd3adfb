"""Which persons are of which status (killed, injured, detained, missing).

One rule for every layer: a person is of a status when any of its records says so; a person
some of whose records state no status is taken to be of the status asked for (a list that
states none is a list of the status being counted) and is counted as "unknown"; every other
person is set apart under the first status its records give. Records of different status are
never counted or estimated together.
"""

from __future__ import annotations

from typing import Final

from uncounted.store.project import Project

# "Documented victims" and the estimate mean this status unless the user names another.
DEFAULT_STATUS: Final = "killed"
UNKNOWN: Final = "unknown"


def person_statuses(project: Project) -> dict[str, tuple[list[str], bool]]:
    """Person id → (the statuses its records state, sorted; whether a record states none)."""
    rows = project.con.execute(
        "SELECT pr.person_id, list_sort(list_distinct(list(r.status))),"
        " bool_or(r.status IS NULL) FROM person_records pr"
        " JOIN records r USING (record_id) GROUP BY pr.person_id"
    ).fetchall()
    return {
        str(p): ([str(v) for v in (values or []) if v], bool(none)) for p, values, none in rows
    }


def status_label(values: list[str], unstated: bool, status: str) -> str:
    """The label a person is counted under when ``status`` is asked for."""
    if status in values:
        return status
    return UNKNOWN if unstated or not values else values[0]


def counts_as(label: str, status: str) -> bool:
    return label in (status, UNKNOWN)
