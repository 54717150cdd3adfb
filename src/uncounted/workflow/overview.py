"""What a project holds, shaped for a page: headline figures, per-list counts, quarantined rows
and stored estimates. Read-only; nothing is computed that a command has not stored."""

from __future__ import annotations

import json
from typing import Any, Final

from uncounted.store.person_counts import persons_by_list_count, persons_per_list
from uncounted.store.project import Project
from uncounted.store.records import raw_of_records
from uncounted.store.sources import quarantine_page, quarantine_reasons, source_counts
from uncounted.store.status import project_status
from uncounted.workflow.estimation import latest_estimate_run
from uncounted.workflow.link_results import jsonable
from uncounted.workflow.linkage import linkage_status

QUARANTINE_PAGE: Final = 200


def dashboard(project: Project) -> dict[str, Any]:
    """Headline figures: sources and records, linkage, review, the latest stored estimate."""
    status = project_status(project)
    linkage = linkage_status(project)
    persons_by_lists = [
        {"lists": n, "persons": count} for n, count in persons_by_list_count(project)
    ]
    list_overlap = [
        {"list": name, "persons": count, "only_here": alone}
        for name, count, alone in persons_per_list(project)
    ]
    estimate = latest_estimate_run(project)
    return {
        "totals": status["totals"],
        "lists": status["lists"],
        "linkage": linkage,
        "persons_by_lists": persons_by_lists,
        "list_overlap": list_overlap,
        "estimate": estimate.to_dict() if estimate else None,
    }


def sources_overview(project: Project) -> dict[str, Any]:
    """Every source with its counts and checks, and why rows were quarantined, per source."""
    status = project_status(project)
    reasons: dict[str, dict[str, int]] = {}
    for sha, reasons_json in quarantine_reasons(project):
        counts = reasons.setdefault(sha, {})
        for problem in json.loads(reasons_json):
            text = problem.get("reason") or "unreadable"
            counts[text] = counts.get(text, 0) + 1
    for source in status["sources"]:
        source["quarantine_reasons"] = sorted(
            reasons.get(source["sha256"], {}).items(), key=lambda item: (-item[1], item[0])
        )
    return status


def quarantined_rows(
    project: Project, sha256: str, *, limit: int = QUARANTINE_PAGE, offset: int = 0
) -> dict[str, Any] | None:
    """A source's quarantined rows in file order: row number, raw values, reasons."""
    source = source_counts(project, sha256)
    if source is None:
        return None
    sha, list_name, release, name, rows, records, quarantined = source
    found = quarantine_page(project, sha256, limit, offset)
    return {
        "source": {"sha256": sha, "list": list_name, "release": jsonable(release), "file": name,
                   "rows": rows, "records": records, "quarantined": quarantined},
        "offset": offset,
        "limit": limit,
        "rows": [
            {"row_number": n, "raw": json.loads(raw), "reasons": json.loads(reasons)}
            for n, raw, reasons in found
        ],
    }


def raw_values(project: Project, record_ids: list[str]) -> dict[str, dict[str, Any]]:
    """Each record's row as the source file gave it (column → value)."""
    if not record_ids:
        return {}
    return {
        record_id: json.loads(raw) for record_id, raw in raw_of_records(project, record_ids)
    }


def display_name(record: dict[str, Any]) -> str | None:
    """The name as the record wrote it: the full name, else its parts, else the Latin name."""
    parts = [record.get(k) for k in ("given_name", "father_name", "grandfather_name",
                                     "family_name")]
    return record.get("full_name") or " ".join(p for p in parts if p) or record.get(
        "full_name_latin") or None
