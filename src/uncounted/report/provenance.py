"""The provenance part of a report: every source with its hash, counts, checks and quarantine."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from uncounted.store.command_log import command_log_rows
from uncounted.store.project import Project
from uncounted.store.sources import quarantine_reasons
from uncounted.store.status import project_status


def provenance(project: Project) -> dict[str, Any]:
    """Plain data for the report: sources, lists, quarantine reasons and the command log."""
    status = project_status(project)
    reasons: dict[str, Counter[str]] = {}
    for sha256, reason_text in quarantine_reasons(project):
        first = json.loads(reason_text)[0]["reason"] if reason_text else "unknown"
        reasons.setdefault(sha256, Counter())[first.split(" (")[0]] += 1
    for source in status["sources"]:
        source["quarantine_reasons"] = dict(reasons.get(source["sha256"], Counter()).most_common())
    log = [
        {
            "command": c,
            "arguments": json.loads(a),
            "outcome": o,
            "finished_at": f.isoformat(timespec="seconds"),
            "version": v,
        }
        for c, a, o, f, v in command_log_rows(project)
    ]
    return {**status, "command_log": log}
