"""The `diff` command: what a new release of a list added, removed and corrected. Face only: the
work is in :mod:`uncounted.workflow.release_diff`."""

from __future__ import annotations

import csv
import io
import sys
from pathlib import Path
from typing import Any

import typer

from uncounted.cli import output
from uncounted.cli.project_cmds import JSON_OPTION
from uncounted.core.errors import UncountedError
from uncounted.store import Project
from uncounted.workflow.export import escape_formula
from uncounted.workflow.release_diff import (
    COMPARED_FIELDS,
    CSV_COLUMNS,
    ReleaseDiff,
    diff_rows,
    release_diff,
)

FORMATS = ("text", "csv")


def register(app: typer.Typer) -> None:
    app.command("diff")(diff)


def say(text: str, **style: Any) -> None:
    output.stdout.print(text, markup=False, highlight=False, **style)


def diff(
    directory: Path = typer.Argument(..., help="The project folder."),
    list_name: str = typer.Option(..., "--list", help="The list whose releases to compare."),
    from_release: str | None = typer.Option(
        None, "--from", help="The older release (YYYY-MM-DD); default: the one before --to."
    ),
    to_release: str | None = typer.Option(
        None, "--to", help="The newer release (YYYY-MM-DD); default: the one after --from."
    ),
    fmt: str = typer.Option(
        "text", "--format", help="text (counts) or csv (one row per person, before/after values;"
        " a text cell starting like a spreadsheet formula (= + - @) is written as '=...).",
    ),
    output_file: Path | None = typer.Option(
        None, "--output", help="With --format csv: write here instead of stdout."
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Classify every person of two releases of a list, by the linkage's persons (not by ID):
    unchanged, corrected (ID number, name, sex, date of birth, age, each counted), added,
    removed; and, over the same persons, IDs re-issued and reused, duplicates merged and split.

    Without --from and --to, the two latest releases. Needs a linked project (uncounted link).

    Example: uncounted diff gaza-2024 --list moh --from 2024-06-30 --to 2024-08-31 --json
    """
    if fmt not in FORMATS:
        raise typer.BadParameter("text or csv", param_hint="--format")
    if as_json and fmt == "csv" and output_file is None:
        raise typer.BadParameter("--json and --format csv both want stdout; add --output FILE")
    with output.stdout_to_stderr(as_json or fmt == "csv"), Project.open(
        directory, read_only=True
    ) as project:
        result = release_diff(project, list_name, from_release, to_release)
    if fmt == "csv":
        written = _write_csv(result, output_file)
        if output_file is not None:
            document = {**result.to_dict(), "output": str(written), "rows": len(result.changes)}
            output.emit(
                document,
                as_json=as_json,
                render=lambda: output.stderr.print(
                    f"{len(result.changes):,} persons written to {written}", markup=False
                ),
            )
        return
    output.emit(result.to_dict(), as_json=as_json, render=lambda: _render(result))


def _write_csv(result: ReleaseDiff, path: Path | None) -> Path | None:
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    # Made for spreadsheets: names that start like a formula are written as text ('=...).
    writer.writerows({key: escape_formula(value) if isinstance(value, str) else value
                      for key, value in row.items()} for row in diff_rows(result))
    if path is None:
        sys.stdout.write(text.getvalue())
        sys.stdout.flush()
        return None
    try:
        temporary = path.with_name(path.name + ".partial")
        temporary.write_text(text.getvalue(), encoding="utf-8")
        temporary.replace(path)
    except OSError as problem:
        raise UncountedError(f"cannot write the CSV: {problem.strerror}", file=str(path)) from None
    return path


def _render(result: ReleaseDiff) -> None:
    say(
        f"{result.list_name}: {result.from_release} ({result.from_persons:,} persons, "
        f"{result.from_records:,} records) → {result.to_release} ({result.to_persons:,} persons, "
        f"{result.to_records:,} records), link run {result.run_id}"
    )
    say(f"  unchanged  {result.unchanged:>9,}")
    say(f"  corrected  {result.corrected_persons:>9,}")
    for name in COMPARED_FIELDS:
        say(f"    {name:<15}{result.corrected[name]:>7,}")
    say(f"  added      {result.added:>9,}")
    say(f"  removed    {result.removed:>9,}")
    say("  over the same persons:")
    say(f"    ID re-issued   {result.id_reissued:>7,}")
    say(f"    ID reused      {result.id_reused:>7,}")
    say(f"    merged         {result.merged:>7,}   (fewer rows in the newer release)")
    say(f"    split          {result.split:>7,}   (more rows in the newer release)")
    say(f"    relinked       {result.relinked:>7,}   (two valid IDs or sexes, one person)")
    say(
        f"  not corrections: names differing only in dots, alef, hamza or a doubled letter "
        f"{result.minor['name_spelling']:,}; ages moved by a year or less "
        f"{result.minor['age_within_a_year']:,}; birth dates with day and month exchanged "
        f"{result.minor['date_of_birth_day_month']:,}"
    )
    filled = ", ".join(f"{k} {v:,}" for k, v in result.filled.items() if v)
    emptied = ", ".join(f"{k} {v:,}" for k, v in result.emptied.items() if v)
    if filled:
        say(f"  blank before, given now (not corrections): {filled}")
    if emptied:
        say(f"  given before, blank now (not corrections): {emptied}")
