"""What a project holds: lists, releases, sources and counts, as plain data."""

from __future__ import annotations

import json
from typing import Any

from uncounted.store.lists import list_names
from uncounted.store.project import Project
from uncounted.store.schema import current_version
from uncounted.store.sources import source_rows


def project_status(project: Project) -> dict[str, Any]:
    con = project.con
    sources = [
        {
            "sha256": sha,
            "list": list_name,
            "release": release.isoformat() if release else None,
            "file": original,
            "stored_path": stored,
            "format": fmt,
            "encoding": encoding,
            "rows": rows,
            "records": records,
            "quarantined": quarantined,
            "checks": json.loads(checks),
            "ingested_at": ingested.isoformat(timespec="seconds"),
            "stored_file_present": (project.root / stored).is_file(),
        }
        for (
            sha,
            list_name,
            release,
            original,
            stored,
            fmt,
            encoding,
            rows,
            records,
            quarantined,
            checks,
            ingested,
        ) in source_rows(project)
    ]
    lists = []
    for name in list_names(project):
        own = [s for s in sources if s["list"] == name]
        lists.append(
            {
                "name": name,
                "sources": len(own),
                "releases": sorted({s["release"] for s in own if s["release"]}),
                "rows": sum(s["rows"] for s in own),
                "records": sum(s["records"] for s in own),
                "quarantined": sum(s["quarantined"] for s in own),
            }
        )
    return {
        "project": str(project.root),
        "schema_version": current_version(con),
        "lists": lists,
        "sources": sources,
        "totals": {
            "lists": len(lists),
            "sources": len(sources),
            "rows": sum(s["rows"] for s in sources),
            "records": sum(s["records"] for s in sources),
            "quarantined": sum(s["quarantined"] for s in sources),
        },
    }
