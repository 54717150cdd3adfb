"""Rendering pages: the template environment, what every page gets, flash messages."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any, Final

import jinja2
from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from markupsafe import Markup

from uncounted import __version__
from uncounted.web.auth import Viewer
from uncounted.web.csrf import csrf_token

TEMPLATES_DIR: Final = Path(__file__).parent / "templates"
# (path, label, role needed): the navigation bar.
NAVIGATION: Final = (
    ("/", "Dashboard", "viewer"),
    ("/sources", "Sources", "viewer"),
    ("/persons", "Persons", "viewer"),
    ("/review", "Review", "reviewer"),
    ("/estimates", "Estimates", "viewer"),
    ("/releases", "Releases", "viewer"),
    ("/audit", "Audit log", "viewer"),
    ("/admin/users", "Users", "admin"),
)


def _number(value: Any, digits: int = 0) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, int | float):
        return f"{value:,.{digits}f}"
    return str(value)


def _text(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return str(value)


def _when(value: Any) -> str:
    """A UTC time to the second, without the ISO 'T'."""
    if value is None:
        return "—"
    return str(value).replace("T", " ")[:19]


def _weight(value: Any) -> str:
    return "—" if value is None else f"{value:+.2f}"


def _json_script(value: Any) -> Markup:
    """JSON safe inside <script type="application/json">: no '</' can close the element."""
    text = json.dumps(value, ensure_ascii=False).replace("<", "\\u003c").replace(">", "\\u003e")
    return Markup(text.replace("&", "\\u0026"))


def make_environment() -> jinja2.Environment:
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters.update(number=_number, text=_text, weight=_weight, when=_when,
                               json_script=_json_script)
    return environment


def flash(request: Request, message: str, kind: str = "info") -> None:
    """A message shown once, on the next page this session sees."""
    request.app.state.flashes[request.state.session.sid] = (kind, message)


def page_number(page: int, total: int, size: int) -> int:
    """The page to show: ``page`` within 1..the last page. Whatever number a URL carries (a
    huge one would overflow the database's OFFSET), the query gets a real page."""
    last = max(1, -(-total // size))
    return min(max(page, 1), last)


def redirect(path: str) -> RedirectResponse:
    return RedirectResponse(path, status_code=303)


def render(
    request: Request, template: str, context: dict[str, Any] | None = None, *,
    status_code: int = 200,
) -> HTMLResponse:
    state = request.app.state
    session = request.state.session
    viewer: Viewer | None = getattr(request.state, "viewer", None)
    page = {
        "viewer": viewer,
        "navigation": [(p, label) for p, label, role in NAVIGATION
                       if viewer is not None and viewer.can(role)],  # type: ignore[arg-type]
        "current_path": request.url.path,
        "csrf_token": csrf_token(state.secret, session.sid),
        "flash": state.flashes.pop(session.sid, None),
        "project_name": state.access.project_dir.name,
        "version": __version__,
        **(context or {}),
    }
    html = state.environment.get_template(template).render(page)
    return HTMLResponse(html, status_code=status_code)
