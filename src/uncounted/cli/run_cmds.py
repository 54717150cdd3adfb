"""Commands that run whole stages: simulate and demo (the report is in report_cmds)."""

from __future__ import annotations

from pathlib import Path

import typer

from uncounted.cli import output
from uncounted.cli.project_cmds import JSON_OPTION
from uncounted.simulate import ConflictConfig, simulate_conflict, write_simulation
from uncounted.simulate.config import HEBREW_LISTS, with_field_list
from uncounted.workflow.demo import run_demo


def register(app: typer.Typer) -> None:
    app.command("simulate")(simulate)
    app.command("demo")(demo)


def simulate(
    outdir: Path = typer.Argument(..., help="Folder for the lists and the truth files."),
    lists: int | None = typer.Option(
        None,
        "--lists",
        min=1,
        max=6,
        help="How many lists: 1-6, default 4 (the Hebrew population: 1-3, default 3).",
    ),
    victims: int = typer.Option(20_000, "--victims", min=1, help="True number of victims."),
    seed: int = typer.Option(1, "--seed", help="Seed: the same seed gives the same files."),
    field_list: bool = typer.Option(
        False,
        "--field-list",
        help="Add a field NGO's list after the others: Latin or Latin and Arabic names of 2-3 "
        "parts with kunyas and titles, no IDs, incident dates, ages for about half.",
    ),
    population: str = typer.Option(
        "gaza",
        "--population",
        help="gaza: Arabic names (given, father, grandfather, family). hebrew: Hebrew given and "
        "family names, with a Hebrew victims list, an English news list and a register.",
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Simulate a conflict with known truth: one CSV per list, truth.csv, persons.csv, truth.json.

    Example: uncounted simulate sim --lists 4 --victims 20000 --seed 1
    Also: uncounted simulate sim --field-list; uncounted simulate sim-he --population hebrew
    """
    if population not in ("gaza", "hebrew"):
        raise typer.BadParameter("gaza or hebrew", param_hint="--population")
    if population == "hebrew":
        if field_list:
            raise typer.BadParameter(
                "the field list is a list of the gaza population", param_hint="--field-list"
            )
        if lists is not None and lists > len(HEBREW_LISTS):
            raise typer.BadParameter(
                f"the Hebrew population has {len(HEBREW_LISTS)} lists", param_hint="--lists"
            )
        n_lists = len(HEBREW_LISTS) if lists is None else lists
        config = ConflictConfig(
            n_victims=victims, n_lists=n_lists, seed=seed, population="hebrew"
        )
    else:
        n_lists = 4 if lists is None else lists
        config = ConflictConfig(
            n_victims=victims,
            n_lists=n_lists,
            seed=seed,
            lists=with_field_list(n_lists) if field_list else None,
        )
    with output.progress_reporter(not as_json) as progress:
        simulation = simulate_conflict(config, progress)
        manifest = write_simulation(simulation, outdir, progress)

    def render() -> None:
        for entry in manifest["files"]:
            rows = f"{entry['rows']:,} rows" if "rows" in entry else ""
            output.stdout.print(f"{outdir / entry['file']}  {entry['kind']} {rows}")
        output.stdout.print(f"true total: {victims:,} victims")

    output.emit({"outdir": str(outdir), **manifest}, as_json=as_json, render=render)


def demo(
    folder: Path = typer.Argument(
        Path("demo-project"), help="Folder for the demo (replaced if it holds an earlier demo)."
    ),
    victims: int = typer.Option(20_000, "--victims", min=100, help="True number of victims."),
    lists: int = typer.Option(4, "--lists", min=2, max=6, help="How many lists."),
    seed: int = typer.Option(1, "--seed", help="Seed of the simulated conflict."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Run everything on a simulated conflict: simulate, init, ingest, and every later stage.

    Example: uncounted demo demo-project
    """
    with output.stdout_to_stderr(as_json), output.progress_reporter(not as_json) as progress:
        result = run_demo(folder, n_victims=victims, n_lists=lists, seed=seed, progress=progress)

    def render() -> None:
        say = output.stdout.print
        say(
            f"Simulated {result.true_total:,} victims recorded by {len(result.lists)} lists "
            f"(files and truth in {result.simulated})."
        )
        for entry in result.lists:
            say(
                f"  {entry['list']}: {entry['rows']:,} rows → {entry['records']:,} records, "
                f"{entry['quarantined']:,} quarantined"
            )
        link = result.linkage
        say(
            f"Linkage: {link['persons']:,} persons (truth: {link['true_persons']:,}); pair "
            f"precision {link['pair']['precision']:.3f}, recall {link['pair']['recall']:.3f}, "
            f"F1 {link['pair']['f1']:.3f}; B-cubed F1 {link['bcubed']['f1']:.3f}"
        )
        say(f"Estimated total (true: {result.true_total:,}):")
        for label, key in (
            ("from our linkage", "from_linked_persons"),
            ("with perfect linkage", "from_true_persons"),
        ):
            estimate = result.estimates[key]
            if estimate["estimate"] is None:
                say(f"  {label}: no estimate ({estimate['refused']})")
                continue
            say(
                f"  {label}: {estimate['estimate']:,.0f} "
                f"[{estimate['lower']:,.0f}, {estimate['upper']:,.0f}] "
                f"from {estimate['observed']:,} observed persons"
            )
            for warning in estimate["warnings"]:
                say(f"    warning: {warning}")
        say(f"Project: {result.project}")
        say("Times: " + ", ".join(f"{k} {v:.1f} s" for k, v in result.seconds.items()))
        say(f"Report: {result.report}", markup=False, highlight=False)
        say(f"  open it in a browser: xdg-open {result.report}", markup=False, highlight=False)
        say(f"  or as PDF: uncounted report {result.project} --format pdf", markup=False,
            highlight=False)
        say(f"Browse and review in the web app: uncounted serve {result.project}", markup=False,
            highlight=False)

    output.emit(result.to_dict(), as_json=as_json, render=render)

