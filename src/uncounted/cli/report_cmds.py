"""The `report` command: the project's report as one self-contained HTML file, or as PDF."""

from __future__ import annotations

from pathlib import Path

import typer

from uncounted.cli import output
from uncounted.cli.project_cmds import JSON_OPTION
from uncounted.report.html import ReportOptions
from uncounted.report.names import DEFAULT_EXAMPLES
from uncounted.report.suppression import DEFAULT_MIN_CELL
from uncounted.workflow.estimation import parse_strata
from uncounted.workflow.reporting import FORMATS, write_report


def register(app: typer.Typer) -> None:
    app.command("report")(report)


def report(
    directory: Path = typer.Argument(..., help="The project folder."),
    fmt: str = typer.Option("html", "--format", help="html (one self-contained file) or pdf."),
    strata: str | None = typer.Option(
        None, "--strata", help="Show the estimate run split by these columns, e.g. "
        "age_group,sex (computed and stored with --seed if none exists)."),
    min_cell: int = typer.Option(
        DEFAULT_MIN_CELL, "--min-cell", min=0,
        help="Counts below this are shown as '<N' in every table (0 turns suppression off)."),
    names: int = typer.Option(
        DEFAULT_EXAMPLES, "--names", min=0,
        help="How many linked persons to show with their names; by default none, since a"
        " report is made to be sent on."),
    seed: int = typer.Option(1, "--seed", help="Seed for an estimate computed for the report."),
    truth: Path | None = typer.Option(
        None, "--truth", help="Known truth (CSV as for evaluate-linkage): adds linkage accuracy."),
    output_file: Path | None = typer.Option(
        None, "--output", help="Where to write it (default DIR/reports/report.html or .pdf)."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Write the project's report: sources, data quality, victims, overlap, linkage, estimates.

    Example: uncounted report gaza-2024 --format pdf --strata age_group,sex
    """
    if fmt not in FORMATS:
        raise typer.BadParameter(f"choose one of {', '.join(FORMATS)}", param_hint="--format")
    options = ReportOptions(min_cell=min_cell, name_examples=names,
                            strata=tuple(parse_strata(strata)))
    with output.stdout_to_stderr(as_json):
        result = write_report(directory, fmt=fmt, output=output_file, options=options,
                              seed=seed, truth=truth)

    def render() -> None:
        say = output.stdout.print
        say(f"report written to {result.path}", markup=False, highlight=False)
        if result.summary["estimate_computed_now"]:
            say(f"no stored estimate run matched; computed and stored estimate run "
                f"{result.summary['estimate_id']} with seed {seed}", markup=False)
        say(f"open it with: xdg-open {result.path}", markup=False, highlight=False)

    output.emit(result.to_dict(), as_json=as_json, render=render)
