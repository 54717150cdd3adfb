"""Commands on a project folder: init, ingest, status, profiles."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from uncounted.cli import output
from uncounted.cli.linkage_text import training_lines
from uncounted.core.errors import MappingUsageError
from uncounted.ingest import mapping as mappings
from uncounted.ingest.pipeline import IngestSummary, ingest_file
from uncounted.store import Project
from uncounted.store.status import project_status

JSON_OPTION = typer.Option(False, "--json", help="Print one JSON document on stdout.")


def register(app: typer.Typer) -> None:
    app.command("init")(init)
    app.command("ingest")(ingest)
    app.command("status")(status)
    app.command("profiles")(profiles)


def init(
    directory: Path = typer.Argument(..., help="The new project folder (created if missing)."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Create a project folder: a DuckDB database, sources/ and reports/.

    Example: uncounted init gaza-2024
    """
    with Project.create(directory) as project:
        document = {"project": str(project.root), "database": str(project.root / "project.duckdb")}
    output.emit(
        document,
        as_json=as_json,
        render=lambda: output.stdout.print(f"created project {directory}"),
    )


def ingest(
    directory: Path = typer.Argument(..., help="The project folder."),
    file: Path = typer.Argument(
        ..., help="CSV, TSV, XLSX, JSON, JSON Lines (.jsonl) or Parquet file of one list."
    ),
    list_name: str = typer.Option(..., "--list", help="The list (capture system) it belongs to."),
    release: str | None = typer.Option(
        None, "--release", help="Release date YYYY-MM-DD (profiles can read it from the name)."
    ),
    profile: str | None = typer.Option(
        None, "--profile", help="A built-in profile (see profiles)."
    ),
    mapping_file: Path | None = typer.Option(None, "--mapping", help="A YAML mapping file."),
    maps: list[str] = typer.Option(
        [], "--map", help="FIELD=COLUMN, repeatable, e.g. --map full_name=name_en."
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Ingest one file of one list: every row becomes a record or a quarantined row.

    Example: uncounted ingest gaza-2024 fatalities_20240831.csv --list moh --profile gaza-moh
    """
    given = sum(x is not None and x != [] for x in (profile, mapping_file, maps or None))
    if given > 1:
        raise MappingUsageError("give only one of --profile, --mapping and --map")
    column_mapping = None
    if mapping_file is not None:
        column_mapping = mappings.from_yaml_file(mapping_file)
    elif maps:
        column_mapping = mappings.from_pairs(maps)
    with Project.open(directory) as project, output.progress_reporter(not as_json) as progress:
        summary = ingest_file(
            project,
            file,
            list_name=list_name,
            release=release,
            mapping=column_mapping,
            profile=profile,
            progress=progress,
        )
    output.emit(summary.to_dict(), as_json=as_json, render=lambda: _print_summary(summary))


def _print_summary(summary: IngestSummary) -> None:
    say = output.stdout.print
    if summary.already_ingested:
        say(
            f"{summary.source}: already ingested (sha256 {summary.sha256[:12]}…, list "
            f"{summary.list_name}); nothing changed"
        )
        for note in summary.notes:
            say(f"  note: {note}")
        return
    release = f", release {summary.release}" if summary.release else ""
    say(f"{summary.source} → list {summary.list_name}{release}")
    say(
        f"  read as {summary.format}"
        + (f", encoding {summary.encoding}" if summary.encoding else "")
        + (f", profile {summary.profile}" if summary.profile else "")
    )
    say(
        f"  rows {summary.rows:,} = records {summary.records:,} + quarantined "
        f"{summary.quarantined:,}"
    )
    checks = summary.checks
    ids = checks.get("id_check", {})
    say("  ID check digits: " + ", ".join(f"{k} {v:,}" for k, v in ids.items()))
    say(
        f"  placeholder birth dates (1 January): {checks.get('dob_placeholder', 0):,}; "
        f"duplicate rows: {checks.get('duplicate_rows', 0):,}; "
        f"records with flagged values: {checks.get('records_with_issues', 0):,}"
    )
    for field, count in checks.get("issues_by_field", {}).items():
        say(f"    {field}: {count:,} values flagged")
    for reason, count in checks.get("quarantine_reasons", {}).items():
        say(f"  quarantined, {reason}: {count:,}")
    for entry in checks.get("dates", []):
        say(f"  {entry['field']} (column {entry['column']}): read as "
            f"{entry['format'] or 'written'} — {entry['basis']}", markup=False, highlight=False)
    for note in summary.notes:
        say(f"  note: {note}")
    for warning in summary.warnings:
        say(f"  WARNING: {warning}", style="bold yellow", markup=False, highlight=False)


def status(
    directory: Path = typer.Argument(..., help="The project folder."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Lists, releases, sources, record and quarantine counts; the latest link run, persons
    and the review queue.

    Example: uncounted status gaza-2024 --json
    """
    with Project.open(directory) as project:
        document = project_status(project)
        # imported here: linkage loads splink, which `init` and `ingest` never need
        from uncounted.workflow.linkage import linkage_status

        document["linkage"] = linkage_status(project)

    def render() -> None:
        table = Table(title=f"project {directory}")
        for column in ("list", "release", "file", "rows", "records", "quarantined"):
            table.add_column(
                column, justify="right" if column in ("rows", "records", "quarantined") else "left"
            )
        for source in document["sources"]:
            table.add_row(
                source["list"],
                source["release"] or "—",
                source["file"],
                f"{source['rows']:,}",
                f"{source['records']:,}",
                f"{source['quarantined']:,}",
            )
        totals = document["totals"]
        table.add_row(
            "total",
            "",
            f"{totals['sources']} sources",
            f"{totals['rows']:,}",
            f"{totals['records']:,}",
            f"{totals['quarantined']:,}",
        )
        output.print_table(table)
        linkage = document["linkage"]
        if linkage is None:
            output.stdout.print("linkage: not run yet (uncounted link DIR)")
        else:
            run = linkage["latest_run"]
            output.stdout.print(
                f"linkage: run {run['run_id']} at {run['finished_at']} UTC (threshold "
                f"{run['threshold']}): {linkage['persons']:,} persons; "
                f"{linkage['records_not_linked']:,} records not linked yet; "
                f"{linkage['review_queue']:,} pairs in the review queue, "
                f"{linkage['review_decisions']:,} decisions so far",
                markup=False,
                highlight=False,
            )
            for line in training_lines(run.get("training", {})):
                output.stdout.print(f"  {line}", markup=False, highlight=False)
            for warning in run.get("warnings", []):
                output.stdout.print(f"  WARNING: {warning}", style="bold yellow", markup=False)
        missing = [s["file"] for s in document["sources"] if not s["stored_file_present"]]
        if missing:
            output.stdout.print(f"warning: stored copies missing for {missing}", style="yellow")

    output.emit(document, as_json=as_json, render=render)


def profiles(as_json: bool = JSON_OPTION) -> None:
    """The built-in column mappings for known lists.

    Example: uncounted profiles
    """
    document = [
        {"name": name, "description": " ".join(mappings.load_profile(name).description.split())}
        for name in mappings.profile_names()
    ]

    def render() -> None:
        for entry in document:
            output.stdout.print(f"[bold]{entry['name']}[/bold]: {entry['description']}")

    output.emit(document, as_json=as_json, render=render)
