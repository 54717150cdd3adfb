"""The `uncounted` command. Each sub-command lives in its own module and holds no logic.

Exit status: 0 success, 1 a problem in the data or the environment, 2 a usage error.
"""

from __future__ import annotations

import os
import sys
import traceback

import typer

from uncounted import __version__
from uncounted.cli import output
from uncounted.cli.diff_cmds import register as register_diff
from uncounted.cli.estimate_cmds import register as register_estimate
from uncounted.cli.link_cmds import register as register_link
from uncounted.cli.project_cmds import register as register_project
from uncounted.cli.report_cmds import register as register_report
from uncounted.cli.run_cmds import register as register_runs
from uncounted.cli.web_cmds import register as register_web
from uncounted.core.errors import UncountedError
from uncounted.store import lock

app = typer.Typer(
    name="uncounted",
    help="Link victim lists into one register and estimate the victims no list recorded.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


def _print_version(value: bool) -> None:
    # Eager: click runs it while parsing, before it asks for the command the group requires,
    # so `uncounted --version` alone answers instead of "Missing command".
    if value:
        typer.echo(f"uncounted {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(
    ctx: typer.Context,
    version: bool = typer.Option(
        False, "--version", is_eager=True, expose_value=False, callback=_print_version,
        help="Print the version and exit.",
    ),
    wait: float | None = typer.Option(
        None, "--wait", min=0, metavar="SECONDS",
        help="How long to wait for the project while another process holds it (the web"
        " server for a moment, another command for its whole run); then exit 1 naming the"
        " holder. Default: UNCOUNTED_WAIT, else as long as it takes; 0 fails at once.",
    ),
) -> None:
    # Only the command's name: its arguments may hold a name searched for.
    lock.configure(command=f"uncounted {ctx.invoked_subcommand or ''}".strip(),
                   report=output.report_wait, timeout=lock.POLICY if wait is None else wait)


register_project(app)
register_runs(app)
register_link(app)
register_estimate(app)
register_diff(app)
register_report(app)
register_web(app)


def run(argv: list[str] | None = None) -> None:
    """Console-script entry point: runs the app and maps failures onto exit statuses.

    Usage errors are typer's (a message on stderr and status 2) or a :class:`UsageError`
    raised where the rule lives (status 2). Problems in the data or the environment arrive as
    :class:`UncountedError` and leave with their message and status 1.
    """
    args = sys.argv[1:] if argv is None else argv
    as_json = "--json" in args
    try:
        app(args=args, prog_name="uncounted")
    except UncountedError as problem:
        _fail(str(problem), as_json, problem.to_dict(), problem.exit_status)
    except KeyboardInterrupt:
        output.stderr.print("interrupted")
        sys.exit(130)
    except Exception as unexpected:
        if os.environ.get("UNCOUNTED_DEBUG"):
            traceback.print_exc()
        _fail(
            f"internal error ({type(unexpected).__name__}: {unexpected}); "
            "set UNCOUNTED_DEBUG=1 for the traceback and please report it",
            as_json,
            {"type": "InternalError"},
        )


def _fail(message: str, as_json: bool, details: dict[str, object], status: int = 1) -> None:
    output.stderr.print(f"error: {message}", markup=False, highlight=False, style="red")
    if as_json:
        output.emit({"error": {**details, "message": message}}, as_json=True, render=lambda: None)
    sys.exit(status)


if __name__ == "__main__":
    run()
