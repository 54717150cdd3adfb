"""The `uncounted` command. Each sub-command lives in its own module and holds no logic.

Exit status: 0 success, 1 a problem in the data or the environment, 2 a usage error.
"""

from __future__ import annotations

import importlib
import os
import sys
import traceback
from typing import Any, Final

import typer

from uncounted import __version__
from uncounted.cli import output
from uncounted.core.errors import UncountedError
from uncounted.store import lock

# The module that registers each command, in the order `--help` lists them. `run` imports
# only the module of the command it runs, so that `uncounted init` or `ingest` starts without
# the libraries other commands load (splink, numba, matplotlib: about 200 MB and 3 s).
COMMAND_MODULES: Final[dict[str, tuple[str, ...]]] = {
    "project_cmds": ("init", "ingest", "status", "profiles"),
    "run_cmds": ("simulate", "demo"),
    "link_cmds": ("link", "explain", "review", "export", "evaluate-linkage"),
    "estimate_cmds": ("estimate",),
    "diff_cmds": ("diff",),
    "report_cmds": ("report",),
    "web_cmds": ("serve", "user"),
}


def _print_version(value: bool) -> None:
    # Eager: click runs it while parsing, before it asks for the command the group requires,
    # so `uncounted --version` alone answers instead of "Missing command".
    if value:
        typer.echo(f"uncounted {__version__}")
        raise typer.Exit(0)


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


def build_app(modules: tuple[str, ...] = tuple(COMMAND_MODULES)) -> typer.Typer:
    """The `uncounted` command with the commands of ``modules`` (all by default)."""
    built = typer.Typer(
        name="uncounted",
        help="Link victim lists into one register and estimate the victims no list recorded.",
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
        rich_markup_mode=None,
    )
    built.callback()(_root)
    for module in modules:
        importlib.import_module(f"uncounted.cli.{module}").register(built)
    return built


def __getattr__(name: str) -> Any:
    # `app`, every command at once (for tests and the CLI reference), made on first use so
    # that importing `run` stays light.
    if name == "app":
        globals()["app"] = built = build_app()
        return built
    raise AttributeError(name)


def _modules_for(args: list[str]) -> tuple[str, ...]:
    """The module of the command ``args`` name (skipping the root options), else all."""
    rest = iter(args)
    for arg in rest:
        if arg == "--wait":
            next(rest, None)
        elif not arg.startswith("-"):
            return tuple(m for m, names in COMMAND_MODULES.items() if arg in names) or tuple(
                COMMAND_MODULES)
    return tuple(COMMAND_MODULES)


def run(argv: list[str] | None = None) -> None:
    """Console-script entry point: runs the app and maps failures onto exit statuses.

    Usage errors are typer's (a message on stderr and status 2) or a :class:`UsageError`
    raised where the rule lives (status 2). Problems in the data or the environment arrive as
    :class:`UncountedError` and leave with their message and status 1.
    """
    args = sys.argv[1:] if argv is None else argv
    as_json = "--json" in args
    try:
        build_app(_modules_for(args))(args=args, prog_name="uncounted")
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
