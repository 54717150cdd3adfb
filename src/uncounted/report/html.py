"""Write a project's report as one self-contained HTML file (no external requests)."""

from __future__ import annotations

import platform
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jinja2

from uncounted import __version__
from uncounted.report.provenance import provenance
from uncounted.store.project import Project

_ENVIRONMENT = jinja2.Environment(
    loader=jinja2.PackageLoader("uncounted.report", "templates"),
    autoescape=jinja2.select_autoescape(["html", "j2"]),
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def build_report(project: Project, extra_sections: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "title": f"uncounted report: {project.root.name}",
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "versions": {"uncounted": __version__, "python": platform.python_version()},
        "provenance": provenance(project),
        "sections": extra_sections or {},
    }


def write_html_report(
    project: Project, path: Path | None = None, extra_sections: dict[str, Any] | None = None
) -> Path:
    path = path or project.reports_dir / "report.html"
    path.parent.mkdir(parents=True, exist_ok=True)
    html = _ENVIRONMENT.get_template("report.html.j2").render(
        report=build_report(project, extra_sections)
    )
    temporary = path.with_name(path.name + ".partial")
    temporary.write_text(html, encoding="utf-8")
    temporary.replace(path)
    return path
