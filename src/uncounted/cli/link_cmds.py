"""Linkage commands: link, explain, review, export, evaluate-linkage. Faces only: the work is in
:mod:`uncounted.workflow`."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from uncounted.cli import output
from uncounted.cli.linkage_text import training_lines
from uncounted.cli.project_cmds import JSON_OPTION
from uncounted.cli.review_text import comparison_rows
from uncounted.link.backends import BACKENDS
from uncounted.link.model import DEFAULT_THRESHOLD
from uncounted.link.review import DECISIONS
from uncounted.store import Project
from uncounted.workflow.evaluation import PAIR_SPLIT_RULE
from uncounted.workflow.evaluation import evaluate_linkage as evaluate_against_truth
from uncounted.workflow.explain import explain_person
from uncounted.workflow.export import FORMATS, WHAT
from uncounted.workflow.export import export as export_table
from uncounted.workflow.linkage import link_project
from uncounted.workflow.review import (
    default_reviewer,
    pair_for_review,
    record_decision,
    review_queue,
    review_sample,
)


def register(app: typer.Typer) -> None:
    app.command("link")(link)
    app.command("explain")(explain)
    app.command("review")(review)
    app.command("export")(export)
    app.command("evaluate-linkage")(evaluate_linkage)


DIRECTORY = typer.Argument(..., help="The project folder.")


def say(text: str, **style: Any) -> None:
    output.stdout.print(text, markup=False, highlight=False, **style)


def _text(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


# -- link ---------------------------------------------------------------------------------------


def link(
    directory: Path = DIRECTORY,
    threshold: float = typer.Option(
        DEFAULT_THRESHOLD,
        "--threshold",
        help="Match probability from which two records are linked, strongest pairs first; a "
        "record joins at most one record of any other file (0-1).",
    ),
    seed: int = typer.Option(1, "--seed", help="Seed: the same seed gives the same persons."),
    backend: str = typer.Option(
        BACKENDS[0], "--backend", help=f"{BACKENDS[0]} (default) or {' or '.join(BACKENDS[1:])}."
    ),
    duplicate_free: list[str] = typer.Option(
        [],
        "--duplicate-free",
        help="SHA-256 (or 8+ character prefix) of a source whose records are all different "
        "people; its records never merge with each other. Repeatable.",
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Deduplicate within lists and link across lists and releases into persons, in one model.

    Person ids stay stable across runs: a re-run gives new ids only to new persons and records
    the merges and splits it makes. Review decisions override the model.

    Example: uncounted link gaza-2024 --threshold 0.1
    """
    if not 0 < threshold < 1:
        raise typer.BadParameter("a probability strictly between 0 and 1", param_hint="--threshold")
    if backend not in BACKENDS:
        raise typer.BadParameter(f"one of {', '.join(BACKENDS)}", param_hint="--backend")
    with (
        output.stdout_to_stderr(as_json),
        Project.open(directory) as project,
        output.progress_reporter(not as_json) as progress,
    ):
        summary = link_project(
            project,
            threshold=threshold,
            seed=seed,
            backend=backend,
            duplicate_free=duplicate_free,
            progress=progress,
        )
    document = summary.to_dict()

    def render() -> None:
        say(
            f"link run {summary.run_id}: {summary.records:,} records, "
            f"{summary.candidate_pairs:,} candidate pairs → {summary.persons:,} persons "
            f"(threshold {summary.threshold}, seed {summary.seed}, {summary.backend})"
        )
        say(
            f"  persons: {summary.persons_created:,} new, {summary.persons_merged:,} merged "
            f"into others, {summary.persons_split:,} split"
        )
        say(
            f"  review decisions applied: {summary.decisions_applied:,}; labels used in "
            f"training: {summary.labels_used:,}"
        )
        for refused in summary.refused_must_links:
            say(
                f"  accepted pair kept apart: {refused['record_id_l']} and "
                f"{refused['record_id_r']}: {refused['reason']}",
                style="yellow",
            )
        say(
            f"  review queue: {summary.review_queue:,} pairs near the threshold "
            f"(uncounted review {directory})"
        )
        for line in training_lines(summary.training):
            say(f"  {line}")
        for warning in summary.warnings:
            say(f"  WARNING: {warning}", style="bold yellow")
        say(f"  {summary.seconds:.1f} s")

    output.emit(document, as_json=as_json, render=render)


# -- explain ------------------------------------------------------------------------------------


def explain(
    directory: Path = DIRECTORY,
    person_id: str = typer.Argument(..., help="A person id, e.g. P000123."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Why a person is who they are: every record with its source file and row, and every
    scored pair between them with each comparison's level and match weight.

    Example: uncounted explain gaza-2024 P000123
    """
    with Project.open(directory) as project:
        document = explain_person(project, person_id)
    output.emit(document, as_json=as_json, render=lambda: _render_person(document))


def _record_name(record: dict[str, Any]) -> str:
    parts = [
        record.get(k) for k in ("given_name", "father_name", "grandfather_name", "family_name")
    ]
    joined = " ".join(p for p in parts if p)
    return record.get("full_name") or joined or record.get("full_name_latin") or "—"


def _render_person(document: dict[str, Any]) -> None:
    person = document["person"]
    say(
        f"{person['person_id']}: {person['n_records']} record(s) on "
        f"{', '.join(person['lists'])} (link run {document['run_id']}, threshold "
        f"{document['threshold']})"
    )
    say(
        f"  sex {_text(person['sex'])}, age {_text(person['age_years'])} "
        f"({_text(person['age_group'])}), place {_text(person['place'])}, died "
        f"{_text(person['date_of_death'])}"
    )
    handle = {r["record_id"]: f"#{i}" for i, r in enumerate(document["records"], 1)}
    table = Table(title="records")
    table.add_column("#")
    table.add_column("record id", no_wrap=True)  # whole, to paste into review --decide
    for column in (
        "list",
        "release",
        "file",
        "row",
        "name",
        "Latin name",
        "sex",
        "age",
        "born",
        "died",
        "ID",
    ):
        table.add_column(column)
    for record in document["records"]:
        id_text = record["id_number"] or "—"
        if record["id_number"] and record["id_check"]:
            id_text += f" ({record['id_check']})"
        table.add_row(
            handle[record["record_id"]],
            record["record_id"],
            record["list"],
            _text(record["release"]),
            record["source_file"],
            str(record["row_number"]),
            _record_name(record),
            _text(record["full_name_latin"]),
            _text(record["sex"]),
            _text(record["age_years"]),
            _text(record["date_of_birth"]),
            _text(record["date_of_death"]),
            id_text,
        )
    output.print_table(table)
    if not document["pairs"]:
        say(
            "no scored pairs inside this person"
            + ("" if len(document["records"]) < 2 else " (joined by review decisions)")
        )
    for pair in document["pairs"]:
        _render_pair(pair, f"{handle[pair['record_id_l']]} ↔ {handle[pair['record_id_r']]}")
        if pair["review"]:
            r = pair["review"]
            say(
                f"  review: {r['decision']} by {r['reviewer']} at {r['decided_at']} UTC"
                + (f" ({r['note']})" if r["note"] else "")
            )
    for decision in document["decisions"]:
        left = handle.get(decision["record_id_l"], decision["record_id_l"])
        right = handle.get(decision["record_id_r"], decision["record_id_r"])
        say(
            f"decision on {left} ↔ {right}: {decision['decision']} by {decision['reviewer']} "
            f"at {decision['decided_at']} UTC"
        )
    for event in document["events"]:
        others = ", ".join(event["other_ids"]) or "—"
        say(f"run {event['run_id']}: {event['event']} {event['person_id']} (others: {others})")


def _render_pair(pair: dict[str, Any], title: str) -> None:
    prior = pair.get("prior_weight")
    table = Table(
        title=f"{title}: probability {pair['match_probability']:.4f}, total weight "
        f"{pair['match_weight']:.2f}" + (f" (prior {prior:.2f})" if prior is not None else "")
    )
    table.add_column("comparison")
    table.add_column("level")
    table.add_column("weight", justify="right")
    table.add_column("term frequency", justify="right")
    for c in pair["comparisons"]:
        tf = c["tf_adjustment"]
        table.add_row(
            c["comparison"], c["level"], _weight(c["weight"]), "" if tf is None else _weight(tf)
        )
    output.print_table(table)


def _weight(value: float | None) -> str:
    return "—" if value is None else f"{value:+.2f}"


# -- review -------------------------------------------------------------------------------------


def review(
    directory: Path = DIRECTORY,
    reviewer: str | None = typer.Option(None, "--reviewer", help="Who decides ($USER)."),
    limit: int | None = typer.Option(None, "--limit", min=1, help="At most this many pairs."),
    low: float | None = typer.Option(
        None, "--low", help="Lowest probability in the queue (default: threshold / 2)."
    ),
    high: float | None = typer.Option(
        None, "--high", help="Highest probability in the queue (default: (1 + threshold) / 2)."
    ),
    decide: tuple[str, str, str] | None = typer.Option(
        None,
        "--decide",
        metavar="RECORD_ID RECORD_ID DECISION",
        help="Record one decision (accept, reject or skip) without asking.",
    ),
    note: str | None = typer.Option(None, "--note", help="A note kept with --decide."),
    list_queue: bool = typer.Option(False, "--list", help="Print the queue, decide nothing."),
    sample: int | None = typer.Option(
        None, "--sample", min=1,
        help="Review a sample of N pairs drawn at random within probability bins instead of "
        "the queue: labels on it calibrate the match probabilities (reliability table, "
        "linkage replicates in `estimate`).",
    ),
    sample_seed: int = typer.Option(1, "--seed", help="Seed of --sample: same seed, same pairs."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Review pairs near the threshold: both records side by side; a = accept (one person),
    r = reject (two people), s = skip, q = quit. Each decision is stored at once, with who and
    when; the latest decision on a pair overrides the model in every later link run.

    The queue holds the latest run's pairs with probability in [--low, --high] and no accept or
    reject yet, closest to the threshold first (skipped pairs after the rest).

    Examples: uncounted review gaza-2024 --limit 20;
    uncounted review gaza-2024 --decide 4616f704cf232c00:12 9a0b17c2d3e4f5a6:40 reject
    """
    if decide is not None and list_queue:
        raise typer.BadParameter("give --decide or --list, not both")
    if decide is not None:
        left, right, decision = decide
        if decision not in DECISIONS:
            raise typer.BadParameter(
                f"the decision is one of {', '.join(DECISIONS)}", param_hint="--decide"
            )
        with Project.open(directory) as project:
            stored = record_decision(project, left, right, decision, reviewer=reviewer, note=note)
        output.emit(
            stored,
            as_json=as_json,
            render=lambda: say(
                f"{stored['decision']}: {stored['record_id_l']} ↔ {stored['record_id_r']} by "
                f"{stored['reviewer']} at {stored['decided_at']} UTC"
            ),
        )
        return
    if note is not None:
        raise typer.BadParameter("--note goes with --decide", param_hint="--note")
    if sample is not None and (low is not None or high is not None):
        raise typer.BadParameter("--sample draws across all probabilities; leave out --low/--high")
    if list_queue:
        with Project.open(directory) as project:
            queue = (review_sample(project, sample, sample_seed) if sample is not None
                     else review_queue(project, low=low, high=high, limit=limit))
        output.emit(queue.to_dict(), as_json=as_json, render=lambda: _render_queue(queue))
        return
    if as_json:
        raise typer.BadParameter(
            "--json goes with --list or --decide; the review itself asks in the terminal",
            param_hint="--json",
        )
    with Project.open(directory) as project:
        _interactive(project, reviewer or default_reviewer(), low, high, limit,
                     sample=None if sample is None else (sample, sample_seed))


def _render_queue(queue: Any) -> None:
    say(
        f"review queue of link run {queue.run_id}: {queue.total:,} pairs with probability in "
        f"[{queue.low:.3g}, {queue.high:.3g}] (threshold {queue.threshold})"
    )
    table = Table()
    for column in ("record", "record", "probability", "weight", "linked now", "skipped"):
        # record ids whole: they are what review --decide takes
        table.add_column(column, no_wrap=column == "record")
    for pair in queue.pairs:
        table.add_row(
            pair["record_id_l"],
            pair["record_id_r"],
            f"{pair['match_probability']:.3f}",
            f"{pair['match_weight']:.2f}",
            "yes" if pair["same_person_now"] else "no",
            "yes" if pair["skipped_before"] else "",
        )
    output.print_table(table)


_SIDE_BY_SIDE = (
    ("list", "list"),
    ("release", "release"),
    ("file", "source_file"),
    ("row", "row_number"),
    ("person now", "person_id"),
    ("name", "full_name"),
    ("Latin name", "full_name_latin"),
    ("given", "given_name"),
    ("father", "father_name"),
    ("grandfather", "grandfather_name"),
    ("family", "family_name"),
    ("sex", "sex"),
    ("age", "age_years"),
    ("born", "date_of_birth"),
    ("died", "date_of_death"),
    ("place", "place"),
    ("ID", "id_number"),
    ("ID check", "id_check"),
)


def _render_side_by_side(details: dict[str, Any], position: str) -> None:
    left, right, pair = details["left"], details["right"], details["pair"]
    heading = f"pair {position}"
    if pair is not None:
        heading += (
            f": probability {pair['match_probability']:.3f} (threshold "
            f"{details['threshold']}), weight {pair['match_weight']:.2f}"
        )
    table = Table(title=heading)
    table.add_column("")
    # print_table keeps each header's id whole (its longest word), while the values wrap
    table.add_column(left["record_id"])
    table.add_column(right["record_id"])
    for label, key in _SIDE_BY_SIDE:
        a, b = left.get(key), right.get(key)
        if a is None and b is None:
            continue
        table.add_row(label, _text(a), _text(b), style=None if a == b else "bold")
    output.print_table(table)
    rows = comparison_rows(details)
    if rows:
        # one row per comparison: what each record gives, the level it reached, its weight
        compared = Table(title="how the model compared them")
        for column in ("comparison", "left", "right", "level"):
            compared.add_column(column)
        compared.add_column("weight", justify="right")
        for row in rows:
            compared.add_row(*row)
        output.print_table(compared)
    for earlier in details["decisions"]:
        say(
            f"  earlier: {earlier['decision']} by {earlier['reviewer']} at "
            f"{earlier['decided_at']} UTC"
        )


def _read_key(prompt: str) -> str:
    """One key: a keypress in a terminal, else one line of stdin ('' at the end)."""
    output.stdout.print(prompt, end="", markup=False, highlight=False)
    if sys.stdin.isatty():
        key = typer.getchar()
        output.stdout.print(key if key.isprintable() else "")
        return key
    line = sys.stdin.readline()
    return line.strip()[:1] if line else "q"


_KEYS: dict[str, str] = {"a": "accept", "r": "reject", "s": "skip"}


def _interactive(
    project: Project,
    reviewer: str,
    low: float | None,
    high: float | None,
    limit: int | None,
    read_key: Callable[[str], str] = _read_key,
    sample: tuple[int, int] | None = None,
) -> None:
    queue = (review_sample(project, *sample) if sample is not None
             else review_queue(project, low=low, high=high, limit=limit))
    say(
        f"{queue.total:,} pairs to review (probability in [{queue.low:.3g}, {queue.high:.3g}]); "
        f"deciding as {reviewer}"
    )
    made: dict[str, int] = {}
    for number, entry in enumerate(queue.pairs, 1):
        details = pair_for_review(project, entry["record_id_l"], entry["record_id_r"])
        _render_side_by_side(details, f"{number} of {len(queue.pairs)}")
        key = ""
        while key not in ("a", "r", "s", "q"):
            key = read_key("same person? a = accept, r = reject, s = skip, q = quit: ").lower()
        if key == "q":
            break
        stored = record_decision(
            project, entry["record_id_l"], entry["record_id_r"], _KEYS[key], reviewer=reviewer
        )
        made[stored["decision"]] = made.get(stored["decision"], 0) + 1
        say(f"  recorded: {stored['decision']}")
    summary = ", ".join(f"{n} {d}" for d, n in sorted(made.items())) or "none"
    say(f"decisions recorded: {summary}; they apply at the next `uncounted link`")


# -- export -------------------------------------------------------------------------------------


def export(
    directory: Path = DIRECTORY,
    what: str = typer.Argument(..., help="records or persons."),
    fmt: str = typer.Option("csv", "--format", help="csv or parquet."),
    output_file: Path | None = typer.Option(
        None, "--output", help="Where to write (default: DIR/exports/WHAT-runN.FORMAT)."
    ),
    no_formula_escape: bool = typer.Option(
        False, "--no-formula-escape",
        help="Write CSV text cells exactly as stored, for programs rather than spreadsheets.",
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Write every record with its person (records) or every person with its lists (persons).

    records: source_sha256, list, release, row_number (1 = first data row after the header),
    person_id, record_id and the normalized fields. persons: person_id, n_records, one 0/1
    column per list named list:<name>, then sex, age_years, age_group, place, date_of_death.

    CSV is made for spreadsheets: a text cell beginning with =, +, -, @, a tab or a carriage
    return gets a leading apostrophe ('=...), so a spreadsheet shows it instead of running it
    as a formula. --no-formula-escape turns that off; Parquet is never changed.

    Example: uncounted export gaza-2024 persons --format parquet --output persons.parquet
    """
    if what not in WHAT:
        raise typer.BadParameter("records or persons", param_hint="WHAT")
    if fmt not in FORMATS:
        raise typer.BadParameter("csv or parquet", param_hint="--format")
    with output.stdout_to_stderr(as_json), Project.open(directory) as project:
        result = export_table(project, what, fmt, output_file,
                              escape_formulas=not no_formula_escape)
    output.emit(
        result.to_dict(),
        as_json=as_json,
        render=lambda: say(
            f"{result.rows:,} {what} (link run {result.run_id}) written to {result.path}"
        ),
    )


# -- evaluate-linkage ---------------------------------------------------------------------------


def evaluate_linkage(
    directory: Path = DIRECTORY,
    truth: Path = typer.Option(
        ...,
        "--truth",
        help="CSV with person_id and record_id, or list and row_number (the simulator's "
        "truth.csv), or a simulation folder.",
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Linkage against known truth: pair and B-cubed precision, recall and F1, overall and by
    age group, sex and list of each record. A pair counts in a group when either of its records
    is in it (a pair across two lists counts for both).

    Example: uncounted evaluate-linkage demo-project/project --truth demo-project/simulated
    """
    with output.stdout_to_stderr(as_json), Project.open(directory) as project:
        document = evaluate_against_truth(project, truth)
    output.emit(document, as_json=as_json, render=lambda: _render_evaluation(document))


def _render_evaluation(document: dict[str, Any]) -> None:
    counts = document["records"]
    say(
        f"link run {document['run_id']} against {document['truth']}: {counts['evaluated']:,} "
        f"records evaluated ({counts['without_truth']:,} without truth, "
        f"{counts['truth_rows_without_record']:,} truth rows without a record); "
        f"{document['persons']:,} persons (truth: {document['true_persons']:,})"
    )
    table = Table(caption=PAIR_SPLIT_RULE)
    for column in (
        "split",
        "group",
        "records",
        "pair precision",
        "pair recall",
        "pair F1",
        "B³ precision",
        "B³ recall",
        "B³ F1",
    ):
        table.add_column(column, justify="left" if column in ("split", "group") else "right")

    def row(split: str, group: str, records: int | str, scores: dict[str, Any]) -> None:
        pair, bcubed = scores["pair"], scores["bcubed"]
        table.add_row(
            split,
            group,
            f"{records:,}" if isinstance(records, int) else records,
            *(f"{s[k]:.3f}" for s in (pair, bcubed) for k in ("precision", "recall", "f1")),
        )

    row("overall", "", counts["evaluated"], document["overall"])
    for split, groups in document["by"].items():
        for group, scores in groups.items():
            row(split, group, scores["records"], scores)
    output.print_table(table)
    found = document.get("reliability")
    if found and found["table"]:
        _render_reliability(found["table"], f"reliability of the match probabilities "
                            f"({found['pairs']:,} scored pairs; calibration error "
                            f"{found['calibration_error']:.3f})")
        again = found.get("recalibrated")
        if again:
            _render_reliability(again["table"], f"after recalibration on {again['labels']} "
                                f"review labels (calibration error "
                                f"{again['calibration_error']:.3f})")


def _render_reliability(rows: list[dict[str, Any]], title: str) -> None:
    table = Table(title=title)
    for column in ("probability", "pairs", "predicted", "observed", "95% interval"):
        table.add_column(column, justify="right")
    for r in rows:
        table.add_row(f"{r['low']:g} – {r['high']:g}", f"{r['pairs']:,}",
                      f"{r['predicted']:.3f}", f"{r['observed']:.3f}",
                      f"{r['observed_low']:.3f} – {r['observed_high']:.3f}")
    output.print_table(table)
