"""The report's figures from its sections' data, small cells hidden as in the tables.

Each function takes a section's plain dict and returns a data URI (or None when there is
nothing to draw). A bar whose count the tables would suppress is drawn as zero and, where a
figure writes numbers, labelled like the table ("<5").
"""

from __future__ import annotations

from datetime import date
from typing import Any

from matplotlib.figure import Figure

from uncounted.report import figures
from uncounted.report.suppression import is_suppressed, suppress, suppressed_values


def pyramid_plot(victims: dict[str, Any], min_cell: int) -> str | None:
    rows = [r for r in victims.get("pyramid", []) if r["age"] != "unknown"]
    if not rows or not any(r["male"] or r["female"] for r in rows):
        return None
    return figures.to_data_uri(figures.pyramid(
        [r["age"] for r in rows],
        suppressed_values([r["male"] for r in rows], min_cell),
        suppressed_values([r["female"] for r in rows], min_cell),
    ))


def places_plot(victims: dict[str, Any], min_cell: int) -> str | None:
    places = victims.get("places", [])
    if not places:
        return None
    # place names can be in any script; the figure shows them as text like the table
    return figures.to_data_uri(figures.bars(
        [p["place"] for p in places], suppressed_values([p["persons"] for p in places], min_cell)
    ))


def deaths_figure(victims: dict[str, Any], min_cell: int) -> Figure | None:
    """Persons by month of death on a time axis ("YYYY-MM" months; a month no one died in,
    or a stretch of them, shows as a gap of its length)."""
    months = victims.get("deaths_by_month", [])
    if not months:
        return None
    return figures.monthly(
        [date.fromisoformat(m["month"] + "-01") for m in months],
        suppressed_values([m["persons"] for m in months], min_cell),
        ylabel="persons by month of death",
    )


def deaths_plot(victims: dict[str, Any], min_cell: int) -> str | None:
    figure = deaths_figure(victims, min_cell)
    return None if figure is None else figures.to_data_uri(figure)


def first_release_plot(victims: dict[str, Any], min_cell: int) -> str | None:
    rows = victims.get("first_release", [])
    if not rows:
        return None
    labels = [r["release"] if len({x["list"] for x in rows}) == 1 else
              f"{r['list']} {r['release']}" for r in rows]
    return figures.to_data_uri(figures.timeline(
        labels, suppressed_values([r["new_persons"] for r in rows], min_cell),
        ylabel="persons first listed",
    ))


def upset_plot(overlap: dict[str, Any], min_cell: int) -> str | None:
    shown = overlap["combinations"]["shown"]
    if not shown:
        return None
    combos = [
        (frozenset(c["sets"]),
         0 if is_suppressed(c["persons"], min_cell) else c["persons"],
         suppress(c["persons"], min_cell))
        for c in shown
    ]
    return figures.to_data_uri(figures.upset(
        overlap["sets"], combos, suppressed_values(overlap["set_sizes"], min_cell)))


def weights_plot(linkage: dict[str, Any]) -> str | None:
    histogram = linkage.get("weight_histogram") or {}
    if not histogram.get("counts"):
        return None
    return figures.to_data_uri(figures.histogram(
        histogram["edges"], histogram["counts"], threshold=linkage.get("threshold_weight"),
        xlabel="match weight (log2 odds) of the scored pairs",
    ))


def sensitivity_plot(estimates: dict[str, Any]) -> str | None:
    view = estimates.get("sensitivity") or {}
    rows = view.get("plottable", [])
    if not rows:
        return None
    return figures.to_data_uri(figures.sensitivity(rows, view.get("headline")))


def forest_plot(estimates: dict[str, Any]) -> str | None:
    rows = estimates.get("plottable", [])
    if not rows:
        return None
    # no tick for an observed count its table hides
    rows = [{**row, "observed": None if is_suppressed(row["observed"]) else row["observed"]}
            for row in rows]
    return figures.to_data_uri(figures.forest(rows))
