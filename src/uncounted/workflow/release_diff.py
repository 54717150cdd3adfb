"""What one release of a list added, removed and corrected against another, and the chain of
all its releases: the `diff` command's work, the report's releases section and the web page's.
This module reads the project (through ``store``) and calls the rules of
:mod:`uncounted.link.releases`, which hold the comparison itself (see there for the rules).

Stable entry points (the web page and the report call these; keep their signatures):

- ``list_releases(project, list_name) -> list[str]``: the list's releases, oldest first.
- ``release_diff(project, list_name, from_release=None, to_release=None) -> ReleaseDiff``:
  without releases, the two latest; ``ReleaseDiff.to_dict()`` is the ``--json`` document and
  ``ReleaseDiff.changes`` holds one :class:`PersonChange` per person (``diff_rows`` turns them
  into CSV rows).
- ``release_chain(project, list_name) -> ReleaseChain``: every release of the list.
- ``releases_section(project)``: the report's releases section (:mod:`uncounted.report.releases`).

Identity is the linkage's, never the ID number: a *person of a release* is a person of the
latest link run with at least one record in a source of that list and release.
"""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from uncounted.core.errors import UncountedError
from uncounted.link.releases import (
    AGE_CHANGE_YEARS,
    CLASSIFICATIONS,
    COMPARED_FIELDS,
    CSV_COLUMNS,
    MAX_FIELD_VALUES,
    MINOR_CHANGES,
    MISSING,
    RELINK_PROBABILITY,
    PersonChange,
    ReleaseChain,
    ReleaseDiff,
    ReleaseRecord,
    chain_of_releases,
    compare_releases,
    diff_rows,
    release_records,
    relink,
    relink_records,
    summarized_fields,
    unmatched,
)
from uncounted.report.releases import list_entry, lists_to_compare
from uncounted.report.releases import releases_section as section_of
from uncounted.store.link_pairs import likely_pairs_touching
from uncounted.store.lists import list_names, release_dates
from uncounted.store.persons import persons_by_release, persons_on_other_lists
from uncounted.store.project import Project
from uncounted.store.records import release_rows, unlinked_record_count
from uncounted.store.sources import release_mappings
from uncounted.workflow.link_results import require_run

__all__ = [
    "AGE_CHANGE_YEARS",
    "CLASSIFICATIONS",
    "COMPARED_FIELDS",
    "CSV_COLUMNS",
    "MAX_FIELD_VALUES",
    "MINOR_CHANGES",
    "MISSING",
    "RELINK_PROBABILITY",
    "PersonChange",
    "ReleaseChain",
    "ReleaseDiff",
    "ReleaseRecord",
    "diff_rows",
    "list_releases",
    "release_chain",
    "release_diff",
    "releases_section",
]


# -- reading the project ------------------------------------------------------------------------


def list_releases(project: Project, list_name: str) -> list[str]:
    """The releases of a list, oldest first; an unknown list is an error naming the known ones."""
    known = list_names(project)
    if list_name not in known:
        raise UncountedError(
            f"no list is called {list_name!r}; the project has: {', '.join(known) or 'none'}",
            field="list",
        )
    return [_iso(d) for d in release_dates(project, list_name)]


def _iso(value: Any) -> str:
    return value.isoformat() if isinstance(value, dt.date) else str(value)


def _resolve_releases(
    project: Project, list_name: str, from_release: str | None, to_release: str | None
) -> tuple[str, str]:
    releases = list_releases(project, list_name)
    if len(releases) < 2:
        raise UncountedError(
            f"list {list_name!r} has {len(releases)} dated release(s); a diff needs two",
            field="list",
        )
    if from_release is None and to_release is None:
        return releases[-2], releases[-1]
    for given, option in ((from_release, "from"), (to_release, "to")):
        if given is not None and given not in releases:
            raise UncountedError(
                f"list {list_name!r} has no release {given!r}; its releases: "
                f"{', '.join(releases)}",
                field=option,
            )
    if from_release is None:
        assert to_release is not None
        earlier = [r for r in releases if r < to_release]
        if not earlier:
            raise UncountedError(f"no release of {list_name!r} is older than {to_release}",
                                 field="from")
        from_release = earlier[-1]
    if to_release is None:
        later = [r for r in releases if r > from_release]
        if not later:
            raise UncountedError(f"no release of {list_name!r} is newer than {from_release}",
                                 field="to")
        to_release = later[0]
    if from_release == to_release:
        raise UncountedError("--from and --to name the same release", field="to")
    return from_release, to_release


def _require_linked(project: Project, list_name: str) -> int:
    run = require_run(project)
    unlinked = unlinked_record_count(project, list_name)
    if unlinked:
        raise UncountedError(
            f"{unlinked:,} records of list {list_name!r} were ingested after the latest link run;"
            " run `uncounted link DIR` again",
            file=str(project.root),
        )
    return run.run_id


def _release_records(project: Project, list_name: str, release: str) -> list[ReleaseRecord]:
    return release_records(release_rows(project, list_name, release))


def release_diff(
    project: Project,
    list_name: str,
    from_release: str | None = None,
    to_release: str | None = None,
) -> ReleaseDiff:
    """Classify every person of two releases of a list (the rules: :mod:`uncounted.link.releases`).

    Without releases, the two latest; with one, its neighbour. Errors (exit 1 in the CLI): an
    unknown list or release, a list with fewer than two releases, a project not linked, or
    records ingested since the latest link run.
    """
    older, newer = _resolve_releases(project, list_name, from_release, to_release)
    if older > newer:
        raise UncountedError(
            f"release {older} is newer than {newer}: --from takes the older release", field="from"
        )
    run_id = _require_linked(project, list_name)
    old_records = _release_records(project, list_name, older)
    new_records = _release_records(project, list_name, newer)
    removed, added = unmatched(old_records, new_records)
    scored = (
        likely_pairs_touching(project, run_id, RELINK_PROBABILITY, relink_records(removed))
        if removed and added
        else []
    )
    relinked = relink(removed, added, scored)
    fields = summarized_fields(
        release_mappings(project, list_name, (older, newer)), [*old_records, *new_records]
    )
    return compare_releases(
        list_name, (older, newer), run_id, old_records, new_records, relinked, fields
    )


def release_chain(project: Project, list_name: str) -> ReleaseChain:
    """Every release of a list, oldest first (see :class:`ReleaseChain`)."""
    releases = list_releases(project, list_name)
    run_id = _require_linked(project, list_name)
    rows = [(_iso(r), str(p), int(n)) for r, p, n in persons_by_release(project, list_name)]
    entries, seen, latest = chain_of_releases(releases, rows)
    gone = seen - latest
    elsewhere, anywhere = persons_on_other_lists(project, list_name, sorted(gone))
    return ReleaseChain(
        list_name=list_name,
        run_id=run_id,
        releases=entries,
        persons_ever=len(seen),
        in_latest=len(latest),
        not_in_latest=len(gone),
        not_in_latest_on_other_lists={"any": int(anywhere),
                                      **{str(k): int(v) for k, v in elsewhere}},
    )


def releases_section(project: Project) -> dict[str, Any] | None:
    """The report's releases section, as plain data (:mod:`uncounted.report.releases` shapes
    it, ``report/templates/_releases.html.j2`` renders it, every count through the small-cell
    filter): ``{"lists": [{"list", "releases", "diffs", "chain"}], "note"}``, or None when no
    list has two dated releases or the project has not been linked (the section is then left
    out).

    ``diffs`` holds one :meth:`ReleaseDiff.to_dict` per consecutive pair, oldest first;
    ``chain`` is :meth:`ReleaseChain.to_dict`. When records were ingested after the latest
    link run the lists are empty and ``note`` says why.
    """
    lists = lists_to_compare(project)
    if not lists:
        return None
    entries = []
    try:
        for name in lists:
            releases = list_releases(project, name)
            diffs = [
                release_diff(project, name, older, newer).to_dict()
                for older, newer in itertools.pairwise(releases)
            ]
            entries.append(
                list_entry(name, releases, diffs, release_chain(project, name).to_dict())
            )
    except UncountedError as problem:
        return section_of([], problem.message)
    return section_of(entries)
