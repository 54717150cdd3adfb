"""The report's releases section: which lists it compares and the plain data that
``report/templates/_releases.html.j2`` renders (every count through the small-cell filter).

The diffs and chains themselves are computed by :mod:`uncounted.workflow.release_diff` (its
``releases_section(project)`` reads the project, calls these and hands the section to the
report as ``ReportInputs.releases``); the report does not import the workflow.
"""

from __future__ import annotations

from typing import Any

from uncounted.store.link_runs import run_count
from uncounted.store.lists import lists_with_several_releases
from uncounted.store.project import Project


def lists_to_compare(project: Project) -> list[str]:
    """The lists with two dated releases or more; none when the project has not been linked
    (the section is then left out)."""
    lists = lists_with_several_releases(project)
    linked = run_count(project)
    if not lists or not linked:
        return []
    return lists


def list_entry(
    list_name: str, releases: list[str], diffs: list[dict[str, Any]], chain: dict[str, Any]
) -> dict[str, Any]:
    """One list of the section: ``diffs`` holds one ``ReleaseDiff.to_dict()`` per consecutive
    pair of releases, oldest first; ``chain`` is ``ReleaseChain.to_dict()``."""
    return {"list": list_name, "releases": releases, "diffs": diffs, "chain": chain}


def releases_section(
    entries: list[dict[str, Any]], problem: str | None = None
) -> dict[str, Any]:
    """``{"lists": [list_entry, ...], "note"}``; when the releases could not be compared
    (records ingested after the latest link run) the lists are empty and ``note`` says why."""
    if problem is not None:
        return {"lists": [], "note": f"Releases not compared: {problem}"}
    return {"lists": entries, "note": None}
