"""The report's releases section: for every list with two or more releases, what each release
changed against the one before, and the chain of all its releases.

Plain data only; ``templates/_releases.html.j2`` renders it. Counts are raw here: every count
the partial shows goes through the report's ``cell`` filter, i.e. the small-cell suppression
of :mod:`uncounted.report.suppression`.

The work is :func:`uncounted.workflow.release_diff.release_diff` and ``release_chain``: this
module reads a workflow module, against the layer order (workflow above report), because the
`diff` command, the web page and the report share that one implementation.
"""

from __future__ import annotations

import itertools
from typing import Any

from uncounted.core.errors import UncountedError
from uncounted.store.project import Project
from uncounted.workflow.release_diff import list_releases, release_chain, release_diff


def releases_section(project: Project) -> dict[str, Any] | None:
    """``{"lists": [{"list", "releases", "diffs", "chain"}], "note"}``, or None when no list has
    two dated releases or the project has not been linked (the section is then left out).

    ``diffs`` holds one :meth:`ReleaseDiff.to_dict` per consecutive pair, oldest first;
    ``chain`` is :meth:`ReleaseChain.to_dict`. When records were ingested after the latest
    link run the lists are empty and ``note`` says why.
    """
    lists = [
        str(r[0])
        for r in project.con.execute(
            "SELECT list FROM sources WHERE release IS NOT NULL GROUP BY list"
            " HAVING count(DISTINCT release) >= 2 ORDER BY list"
        ).fetchall()
    ]
    linked = project.con.execute("SELECT count(*) FROM link_runs").fetchall()[0][0]
    if not lists or not linked:
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
                {
                    "list": name,
                    "releases": releases,
                    "diffs": diffs,
                    "chain": release_chain(project, name).to_dict(),
                }
            )
    except UncountedError as problem:
        return {"lists": [], "note": f"Releases not compared: {problem.message}"}
    return {"lists": entries, "note": None}
