"""The `estimate` command: population-size estimates from a capture table or a project.

A project's estimates are stored as an estimate run, so a report shows these very numbers.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from uncounted.cli import output
from uncounted.cli.project_cmds import JSON_OPTION
from uncounted.core.errors import UncountedError
from uncounted.estimate.methods import get_method, make_estimator, method_names, results_of
from uncounted.estimate.replicated import LOCATIONS
from uncounted.estimate.result import EstimateResult
from uncounted.estimate.sensitivity import sensitivity_document
from uncounted.estimate.table import CaptureTable
from uncounted.store import Project
from uncounted.workflow.estimation import (
    DEFAULT_STATUS,
    estimate_project,
    parse_strata,
    save_estimate_run,
)
from uncounted.workflow.replicates import DEFAULT_REPLICATES, linkage_lines


def register(app: typer.Typer) -> None:
    app.command("estimate")(estimate)


DIRECTORY_ARGUMENT = typer.Argument(
    None, help="A project folder, once linkage has produced its persons table."
)
TABLE_OPTION = typer.Option(
    None, "--table", help="CSV with one 0/1 column per list and a 'count' column."
)
METHOD_OPTION = typer.Option("ensemble", "--method", help=f"One of: {', '.join(method_names())}.")
MODEL_OPTION = typer.Option(
    None, "--model", help="Log-linear model for --method loglinear, e.g. '[12,3]'."
)
STRATA_OPTION = typer.Option(
    None, "--strata", help="Comma-separated columns to split a project by, e.g. age_group,sex."
)
SEED_OPTION = typer.Option(1, "--seed", help="Seed: the same seed gives the same numbers.")
LEVEL_OPTION = typer.Option(0.95, "--level", min=0.5, max=0.999, help="Interval level.")
JOBS_OPTION = typer.Option(2, "--jobs", min=1, help="Worker processes or threads.")


def estimate(
    directory: Path | None = DIRECTORY_ARGUMENT,
    table: Path | None = TABLE_OPTION,
    method: str = METHOD_OPTION,
    model: str | None = MODEL_OPTION,
    strata: str | None = STRATA_OPTION,
    seed: int = SEED_OPTION,
    level: float = LEVEL_OPTION,
    jobs: int = JOBS_OPTION,
    status: str = typer.Option(
        DEFAULT_STATUS,
        "--status",
        help="Count the persons of this status only (killed, injured, detained, missing); "
        "persons of another status are set apart, never counted together.",
    ),
    keep_copies: bool = typer.Option(
        False,
        "--keep-copies",
        help="Keep a list that copies another (95%+ of its persons on it) as a system of its "
        "own; by default it is merged into the list it copies.",
    ),
    linkage: str = typer.Option(
        "auto",
        "--linkage",
        help="replicates: pool the estimate over linkage replicates drawn from the scored "
        "pairs, so the interval carries linkage uncertainty; fixed: take the stored persons "
        "as certain; auto (default): replicates when review labels calibrate the match "
        "probabilities, else fixed.",
    ),
    replicates: int = typer.Option(
        DEFAULT_REPLICATES, "--replicates", min=2, help="Linkage replicates to draw."
    ),
    linkage_location: str = typer.Option(
        "fixed",
        "--linkage-location",
        help="With replicates: fixed (default) centres the pooled estimate on the stored "
        "persons' and lets the replicates give the spread; replicates centres it on the "
        "replicates' own estimates (which the end-to-end study found biased upwards).",
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Estimate the total, including the people no list recorded, with intervals.

    Example: uncounted estimate --table uk5.csv --method ensemble --seed 1
    """
    try:
        get_method(method)
    except UncountedError as problem:
        raise typer.BadParameter(problem.message, param_hint="--method") from None
    if directory is None and table is None:
        raise typer.BadParameter(
            "give either a project folder or --table FILE.csv; the command needs one of them"
        )
    if directory is not None and table is not None:
        raise typer.BadParameter("give either a project folder or --table FILE.csv, not both")
    if model is not None and method != "loglinear":
        raise typer.BadParameter("--model is only for --method loglinear", param_hint="--model")
    if method == "loglinear" and model is None:
        raise typer.BadParameter("--method loglinear needs --model, e.g. '[12,3]'",
                                 param_hint="--model")
    if linkage_location not in LOCATIONS:
        raise typer.BadParameter(f"one of {', '.join(LOCATIONS)}, not {linkage_location!r}",
                                 param_hint="--linkage-location")
    if table is not None and strata:
        raise typer.BadParameter(
            "--strata splits a project's persons; a --table is already one stratum",
            param_hint="--strata",
        )
    sensitivity: dict[str, Any] | None = None
    caveats: list[str] = []
    systems: dict[str, Any] = {}
    linkage_info: dict[str, Any] = {}
    with output.progress_reporter(not as_json) as progress:
        if table is not None:
            results = _estimate_table(table, method, model, seed, level, jobs, progress)
            if method == "ensemble":
                progress("sensitivity", 0, 1)
                sensitivity = sensitivity_document(
                    CaptureTable.from_csv(table), seed=seed, level=level, n_jobs=jobs,
                    headline=results[0][1].estimate)
        else:
            assert directory is not None
            results, estimate_id, caveats, systems, sensitivity, linkage_info = (
                _estimate_project(
                    directory, method, strata, seed, level, jobs, status, keep_copies, linkage,
                    replicates, linkage_location,
                )
            )

    document: dict[str, Any] = {"estimates": [_as_dict(label, r) for label, r in results]}
    if sensitivity is not None:
        document["sensitivity"] = sensitivity
    if directory is not None:
        document["estimate_id"] = estimate_id
        document["caveats"] = caveats
        document["systems"] = systems
        document["linkage"] = {k: v for k, v in linkage_info.items() if k != "tables"}

    def render() -> None:
        _render(results, sensitivity)
        if directory is not None:
            for line in linkage_lines(linkage_info):
                output.stdout.print(line, markup=False, highlight=False)
            for caveat in caveats:
                output.stdout.print(f"caveat: {caveat}", style="bold yellow", markup=False)

    output.emit(document, as_json=as_json, render=render)


def _estimate_table(
    path: Path, method: str, model: str | None, seed: int, level: float, jobs: int,
    progress: Any,
) -> list[tuple[str | None, EstimateResult]]:
    capture = CaptureTable.from_csv(path)
    extra: dict[str, Any] = {"progress": progress} if method == "ensemble" else {}
    estimator = make_estimator(method, seed=seed, level=level, n_jobs=jobs, model=model, **extra)
    estimator.fit(capture)
    return [(None, r) for r in results_of(estimator)]


def _estimate_project(
    directory: Path,
    method: str,
    strata: str | None,
    seed: int,
    level: float,
    jobs: int,
    status: str,
    keep_copies: bool,
    linkage: str = "auto",
    replicates: int = DEFAULT_REPLICATES,
    linkage_location: str = "fixed",
) -> tuple[
    list[tuple[str | None, EstimateResult]],
    int,
    list[str],
    dict[str, Any],
    dict[str, Any] | None,
    dict[str, Any],
]:
    """The estimates, as stored in a new estimate run (whose id comes second), its caveats,
    how the lists were taken as systems, the run's sensitivity rows, and how the linkage's
    uncertainty was carried."""
    columns = parse_strata(strata)  # a misspelt column is a usage error, before any work
    with Project.open(directory) as project:
        run = estimate_project(project, method=method, strata=columns, seed=seed,
                               level=level, jobs=jobs, status=status, keep_copies=keep_copies,
                               linkage=linkage, replicates=replicates,
                               linkage_location=linkage_location)
        estimate_id = save_estimate_run(project, run)
    results = [(entry["stratum"], _from_dict(entry)) for entry in run.estimates]
    return (
        results,
        estimate_id,
        run.result["caveats"],
        run.result["systems"],
        run.result.get("sensitivity"),
        run.result.get("linkage", {"mode": "fixed"}),
    )


def _from_dict(entry: dict[str, Any]) -> EstimateResult:
    fields = ("method", "model", "observed", "estimate", "lower", "upper", "level",
              "diagnostics", "warnings", "refused")
    return EstimateResult(**{name: entry[name] for name in fields})


def _as_dict(label: str | None, result: EstimateResult) -> dict[str, Any]:
    entry = result.to_dict()
    if label is not None:
        entry = {"stratum": label, **entry}
    return entry


def _number(value: float | None) -> str:
    if value is None:
        return "—"
    return "∞" if value == float("inf") else f"{value:,.0f}"


def _dots(row: dict[str, Any], low: float, high: float, width: int = 24) -> str:
    """A text dot plot: the interval as dashes, the estimate as a dot, on one shared scale."""
    if row["estimate"] is None or not high > low:
        return ""

    def at(value: float) -> int:
        return min(width - 1, max(0, round((value - low) / (high - low) * (width - 1))))

    cells = [" "] * width
    if row["lower"] is not None and row["upper"] is not None:
        for i in range(at(row["lower"]), at(row["upper"]) + 1):
            cells[i] = "─"
    cells[at(row["estimate"])] = "●"
    return "".join(cells)


SHORT_ASSUMPTION = {
    "highest-order interaction": "interaction",
    "latent classes and concentration prior": "latent classes",
    "dependence between named lists": "dependence",
}


def _render_sensitivity(sensitivity: dict[str, Any]) -> None:
    rows = sensitivity.get("rows", [])
    if not rows:
        return
    finite = [v for r in rows for v in (r["lower"], r["estimate"], r["upper"])
              if v is not None and v != float("inf")]
    low, high = (min(finite), max(finite)) if finite else (0.0, 0.0)
    grid = Table(title="How the total moves with what the data cannot check "
                       f"({sensitivity.get('table', '')})")
    grid.add_column("changed assumption")
    grid.add_column("estimate", justify="right")
    grid.add_column("interval", justify="right")
    grid.add_column(f"{_number(low)} … {_number(high)}", no_wrap=True)
    refusals: list[str] = []
    for r in rows:
        label = f"{SHORT_ASSUMPTION.get(r['assumption'], r['assumption'])}: {r['variant']}"
        label += " (baseline)" if r["baseline"] else ""
        if r["note"].startswith("R-hat"):
            label += f", {r['note']}"
        if r["refused"]:
            refusals.append(f"  {label}: {r['refused']}")
            interval = "refused"
        else:
            interval = f"{_number(r['lower'])} – {_number(r['upper'])}"
        grid.add_row(label, _number(r["estimate"]), interval, _dots(r, low, high))
    output.print_table(grid)
    for line in refusals:
        output.stdout.print(line, markup=False, highlight=False)


def _render(results: list[tuple[str | None, EstimateResult]],
            sensitivity: dict[str, Any] | None = None) -> None:
    level = results[0][1].level if results else 0.95
    has_strata = any(label is not None for label, _ in results)
    grid = Table(title="Estimated total (observed + unobserved)")
    if has_strata:
        grid.add_column("stratum")
    grid.add_column("method")
    grid.add_column("model")
    grid.add_column("observed", justify="right")
    grid.add_column("estimate", justify="right")
    grid.add_column(f"{level:.0%} interval", justify="right")
    for label, r in results:
        interval = "refused" if r.refused else f"{_number(r.lower)} – {_number(r.upper)}"
        cells = [r.method, r.model or "", f"{r.observed:,}", _number(r.estimate), interval]
        grid.add_row(*([label or ""] if has_strata else []), *cells)
    output.print_table(grid)

    def say(text: str) -> None:
        output.stdout.print(text, markup=False, highlight=False)

    for label, r in results:
        name = f"{label}: {r.method}" if label else r.method
        if r.refused:
            say(f"{name} refused: {r.refused}")
        if r.method == "ensemble" and "excluded" in r.diagnostics:
            if list(r.diagnostics.get("votes") or {}) == ["lcmcr"]:
                say(f"{name} is led by lcmcr, widened to the estimates of: "
                    f"{', '.join(r.diagnostics['included']) or 'none'}")
            else:
                say(f"{name} pools: {', '.join(r.diagnostics['included']) or 'none'}")
            for method, reason in r.diagnostics["excluded"].items():
                say(f"  left out {method}: {reason}")
        for warning in r.warnings:
            say(f"warning ({name}): {warning}")
    if sensitivity:
        _render_sensitivity(sensitivity)
