"""The web app's commands: serve, and user add / list / disable. Faces only: the work is in
:mod:`uncounted.web`."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import typer
from rich.table import Table

from uncounted.cli import output
from uncounted.cli.project_cmds import JSON_OPTION
from uncounted.core.errors import UncountedError
from uncounted.store import Project
from uncounted.web.binding import DEFAULT_HOST
from uncounted.web.users import ROLES, add_user, disable_user, list_users, set_password
from uncounted.workflow.review import default_reviewer

DIRECTORY = typer.Argument(..., help="The project folder.")

users_app = typer.Typer(
    help="The web app's users: add, list, password, disable.", no_args_is_help=True,
    rich_markup_mode=None,
)


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
    app.add_typer(users_app, name="user")


def _say(text: str) -> None:
    output.stdout.print(text, markup=False, highlight=False)


def serve(
    directory: Path = DIRECTORY,
    host: str = typer.Option(
        DEFAULT_HOST, "--host",
        help="Address to listen on. Anything but 127.0.0.1 needs at least one user.",
    ),
    port: int = typer.Option(8000, "--port", min=1, max=65535, help="Port to listen on."),
    allowed_host: list[str] = typer.Option(
        [], "--allowed-host",
        help="Another host name the app answers to (the public name behind a proxy);"
             " repeatable. Requests naming any other host are refused (DNS rebinding).",
    ),
    review_low: float | None = typer.Option(
        None, "--review-low",
        help="Lowest probability in the review queue (default: threshold / 2).",
    ),
    review_high: float | None = typer.Option(
        None, "--review-high",
        help="Highest probability in the review queue (default: (1 + threshold) / 2).",
    ),
    hold: float = typer.Option(
        10.0, "--hold", min=0, metavar="SECONDS",
        help="Keep the project open this long after a request while no command waits for it"
        " (pages are quicker); a command that asks gets it after the request in flight."
        " 0 closes it after every request.",
    ),
    behind_tls: bool = typer.Option(
        False, "--behind-tls",
        help="Mark session cookies Secure (the app is reached through an HTTPS proxy).",
    ),
) -> None:
    """Serve the project in the browser: dashboard, sources and quarantine, persons, the review
    queue, estimates, the audit log and users.

    On 127.0.0.1 without users there is no login (one local admin). Once a user exists every
    page needs a login; any other --host is refused until a user exists. Server logs carry
    the method, the route pattern and the status only, never names or query strings. The app
    answers only requests for its own host names (127.0.0.1, localhost, [::1], --host and any
    --allowed-host), and changes only from its own pages. The server opens the project only
    for the moment of each request, so other commands (ingest, link, status, ...) run while it
    serves; while one of them holds the project, pages show a notice naming it.

    Example: uncounted serve gaza-2024 --port 8000
    """
    import uvicorn

    from uncounted.web.app import create_app

    app = create_app(directory, host=host, allowed_hosts=allowed_host, review_low=review_low,
                     review_high=review_high, linger=hold)
    app.state.secure_cookie = behind_tls
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    web_log = logging.getLogger("uncounted.web")
    web_log.addHandler(handler)
    web_log.setLevel(logging.INFO)
    output.stderr.print(
        f"serving {directory} at http://{host}:{port}/ (Ctrl-C stops)", markup=False,
        highlight=False,
    )
    # One worker: requests take turns on the project's DuckDB file (one writer at a time).
    uvicorn.run(app, host=host, port=port, workers=1, access_log=False, server_header=False,
                log_level="info")


@users_app.command("add")
def user_add(
    directory: Path = DIRECTORY,
    name: str = typer.Argument(..., help="The user name (letters, digits, . _ -)."),
    role: str = typer.Option(..., "--role", help="viewer, reviewer or admin."),
    password_stdin: bool = typer.Option(
        False, "--password-stdin", help="Read the password from the first line of stdin."
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Add a user of the web app; the password is asked for (or read from stdin) and stored
    only as an Argon2id hash.

    Example: uncounted user add gaza-2024 analyst-1 --role reviewer
    """
    if role not in ROLES:
        raise typer.BadParameter(f"one of {', '.join(ROLES)}", param_hint="--role")
    password = _read_password(password_stdin)
    with Project.open(directory) as project:
        user = add_user(project, name, password, role, by=f"cli:{default_reviewer()}")
    output.emit(user.to_dict(), as_json=as_json,
                render=lambda: _say(f"added {user.username} ({user.role})"))


@users_app.command("list")
def user_list(directory: Path = DIRECTORY, as_json: bool = JSON_OPTION) -> None:
    """List the web app's users with their roles.

    Example: uncounted user list gaza-2024 --json
    """
    with Project.open(directory) as project:
        users = list_users(project)
    document = {"users": [u.to_dict() for u in users]}

    def render() -> None:
        if not users:
            _say("no users: `uncounted serve` works on 127.0.0.1 only, without login")
            return
        table = Table()
        for column in ("user", "role", "created (UTC)", "state"):
            table.add_column(column)
        for u in users:
            table.add_row(u.username, u.role, u.created_at, "disabled" if u.disabled else "enabled")
        output.print_table(table)

    output.emit(document, as_json=as_json, render=render)


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("password", hide_input=True, confirmation_prompt=True,
                                err=True)
    if not password:
        raise UncountedError("no password was given", field="password")
    return password


@users_app.command("password")
def user_password(
    directory: Path = DIRECTORY,
    name: str = typer.Argument(..., help="The user name."),
    password_stdin: bool = typer.Option(
        False, "--password-stdin", help="Read the password from the first line of stdin."
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Set a user's password; every session they have open ends (they log in again).

    Example: uncounted user password gaza-2024 analyst-1
    """
    password = _read_password(password_stdin)
    with Project.open(directory) as project:
        user = set_password(project, name, password, by=f"cli:{default_reviewer()}")
    output.emit(user.to_dict(), as_json=as_json,
                render=lambda: _say(f"new password for {user.username}; their sessions ended"))


@users_app.command("disable")
def user_disable(
    directory: Path = DIRECTORY,
    name: str = typer.Argument(..., help="The user name."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Disable a user: they cannot log in, and their open sessions stop working.

    Example: uncounted user disable gaza-2024 analyst-1
    """
    with Project.open(directory) as project:
        user = disable_user(project, name, by=f"cli:{default_reviewer()}")
    output.emit(user.to_dict(), as_json=as_json, render=lambda: _say(f"disabled {user.username}"))
