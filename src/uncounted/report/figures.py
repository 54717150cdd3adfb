"""The report's figures: matplotlib drawn to SVG and embedded as data URIs (no requests at all).

Every function takes plain numbers (already suppressed where a bar would show a small cell)
and returns a ``data:image/svg+xml;base64,...`` string for an ``<img>``: an image keeps its SVG
ids to itself, so figures cannot clash inside one page. Text stays text (``svg.fonttype``
none), drawn with the page's local fonts. Output is deterministic: a fixed hash salt and no
date in the metadata.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any, Final

import matplotlib

matplotlib.use("Agg")

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

FONT_FAMILY: Final = ["DejaVu Sans", "Noto Sans", "sans-serif"]
MALE: Final = "#3b6ea5"
FEMALE: Final = "#c0504d"
NEUTRAL: Final = "#4d4d4d"
ACCENT: Final = "#e08a00"

# typed loosely: matplotlib types rc keys as one long Literal
_STYLE: Final[Any] = {
    "svg.fonttype": "none",
    "svg.hashsalt": "uncounted",
    "font.family": "sans-serif",
    "font.sans-serif": FONT_FAMILY,
    "font.size": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
}


_THOUSANDS: Final = FuncFormatter(lambda value, _: f"{value:,.0f}")


def to_data_uri(figure: Figure, fmt: str = "svg") -> str:
    buffer = io.BytesIO()
    with plt.rc_context(_STYLE):
        metadata: dict[str, Any] = {"Date": None} if fmt == "svg" else {}
        figure.savefig(buffer, format=fmt, bbox_inches="tight", metadata=metadata, dpi=150)
    plt.close(figure)
    mime = "image/svg+xml" if fmt == "svg" else "image/png"
    return f"data:{mime};base64,{base64.b64encode(buffer.getvalue()).decode('ascii')}"


def _figure(width: float, height: float) -> tuple[Figure, Any]:
    with plt.rc_context(_STYLE):
        figure, axes = plt.subplots(figsize=(width, height))
    return figure, axes


def pyramid(groups: Sequence[str], male: Sequence[int], female: Sequence[int]) -> Figure:
    """Age–sex pyramid: males to the left, females to the right, youngest at the bottom."""
    with plt.rc_context(_STYLE):
        figure, axes = _figure(6.5, max(2.5, 0.22 * len(groups) + 1))
        positions = range(len(groups))
        axes.barh(positions, [-m for m in male], color=MALE, label="male")
        axes.barh(positions, list(female), color=FEMALE, label="female")
        axes.set_yticks(list(positions), list(groups))
        widest = max([*male, *female, 1])
        axes.set_xlim(-widest * 1.05, widest * 1.05)
        ticks = axes.get_xticks()
        axes.set_xticks(ticks, [f"{abs(t):,.0f}" for t in ticks])
        axes.set_xlim(-widest * 1.05, widest * 1.05)
        axes.axvline(0, color="#999", linewidth=0.6)
        axes.set_xlabel("persons")
        axes.set_ylabel("age (years)")
        axes.legend(loc="upper right", frameon=False)
    return figure


def bars(labels: Sequence[str], counts: Sequence[int], *, xlabel: str = "persons") -> Figure:
    """Horizontal bars, the first label on top."""
    with plt.rc_context(_STYLE):
        figure, axes = _figure(6.5, max(1.8, 0.24 * len(labels) + 0.8))
        positions = list(range(len(labels)))[::-1]
        axes.barh(positions, list(counts), color=NEUTRAL)
        axes.set_yticks(positions, list(labels))
        axes.set_xlabel(xlabel)
        axes.xaxis.set_major_formatter(_THOUSANDS)
    return figure


def timeline(labels: Sequence[str], counts: Sequence[int], *, ylabel: str) -> Figure:
    """Counts per period as columns, in the order given."""
    with plt.rc_context(_STYLE):
        figure, axes = _figure(7.0, 2.8)
        positions = list(range(len(labels)))
        axes.bar(positions, list(counts), color=NEUTRAL, width=0.8)
        step = max(1, len(labels) // 14)
        axes.set_xticks(positions[::step], list(labels)[::step], rotation=45, ha="right")
        axes.set_ylabel(ylabel)
        # persons come whole: no tick at 1.5 (which the formatter would print as "2")
        axes.yaxis.set_major_locator(MaxNLocator(integer=True))
        axes.yaxis.set_major_formatter(_THOUSANDS)
    return figure


def next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def monthly(months: Sequence[date], counts: Sequence[int], *, ylabel: str) -> Figure:
    """Counts per calendar month on a time axis: each bar spans its own month, so a stretch
    of months without a count is a gap as wide as the time it covers (not one category among
    evenly spaced others)."""
    with plt.rc_context(_STYLE):
        figure, axes = _figure(7.0, 2.8)
        starts = [date(m.year, m.month, 1) for m in months]
        # a small gap between neighbouring months keeps the bars apart
        widths = [timedelta(days=(next_month(s) - s).days * 0.85) for s in starts]
        axes.bar(starts, list(counts), width=widths, align="edge", color=NEUTRAL)
        locator = mdates.AutoDateLocator(minticks=3, maxticks=12)
        axes.xaxis.set_major_locator(locator)
        axes.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
        if starts:
            pad = timedelta(days=15)
            axes.set_xlim(mdates.date2num(starts[0] - pad),
                          mdates.date2num(next_month(starts[-1]) + pad))
        axes.set_ylabel(ylabel)
        # persons come whole: no tick at 1.5 (which the formatter would print as "2")
        axes.yaxis.set_major_locator(MaxNLocator(integer=True))
        axes.yaxis.set_major_formatter(_THOUSANDS)
    return figure


def histogram(
    edges: Sequence[float], counts: Sequence[int], *, threshold: float | None, xlabel: str
) -> Figure:
    """Counts already binned: bin ``i`` runs from ``edges[i]`` to ``edges[i] + width``."""
    with plt.rc_context(_STYLE):
        figure, axes = _figure(6.5, 2.6)
        width = (edges[1] - edges[0]) if len(edges) > 1 else 1.0
        axes.bar(list(edges), list(counts), width=width, align="edge", color=NEUTRAL)
        if threshold is not None:
            axes.axvline(threshold, color=ACCENT, linewidth=1.2, label="threshold")
            axes.legend(frameon=False)
        if any(counts):
            axes.set_yscale("log")
        axes.set_xlabel(xlabel)
        axes.set_ylabel("pairs (log scale)")
    return figure


def upset(
    sets: Sequence[str],
    combinations: Sequence[tuple[frozenset[str], int, str]],
    set_sizes: Sequence[int],
) -> Figure:
    """An UpSet plot: one column per combination (bar = persons, dots = the sets in it), one
    row per set with its name and size on the left. ``combinations`` are (sets, drawn count,
    label)."""
    n_sets, n_combos = len(sets), len(combinations)
    longest = max((len(name) for name in sets), default=4)
    with plt.rc_context(_STYLE):
        figure = plt.figure(figsize=(max(5.0, 0.42 * n_combos + 1.4 + 0.095 * longest),
                                     2.3 + 0.3 * n_sets))
        grid = figure.add_gridspec(
            2, 3, width_ratios=(1.1, 0.095 * longest + 0.1, max(2.0, 0.42 * n_combos)),
            height_ratios=(2.2, 0.3 * n_sets + 0.2), wspace=0.02, hspace=0.05)
        top = figure.add_subplot(grid[0, 2])
        dots = figure.add_subplot(grid[1, 2], sharex=top)
        names = figure.add_subplot(grid[1, 1], sharey=dots)
        sizes = figure.add_subplot(grid[1, 0], sharey=dots)
        xs = list(range(n_combos))
        drawn = [count for _, count, _ in combinations]
        top.bar(xs, drawn, color=NEUTRAL, width=0.6)
        for x, (_, count, label) in zip(xs, combinations, strict=True):
            top.text(x, count, " " + label, ha="center", va="bottom", fontsize=7, rotation=90)
        top.set_ylabel("persons")
        top.yaxis.set_major_formatter(_THOUSANDS)
        top.tick_params(axis="x", bottom=False, labelbottom=False)
        top.set_ylim(0, max([*drawn, 1]) * 1.35)
        rows = list(range(n_sets))[::-1]
        for x, (members, _, _) in zip(xs, combinations, strict=True):
            dots.scatter([x] * n_sets, rows, s=30, color="#d9d9d9", zorder=1)
            on = [row for row, name in zip(rows, sets, strict=True) if name in members]
            dots.scatter([x] * len(on), on, s=30, color="#1a1a1a", zorder=2)
            if len(on) > 1:
                dots.plot([x, x], [min(on), max(on)], color="#1a1a1a", linewidth=1.4, zorder=2)
        dots.set_xlim(-0.6, n_combos - 0.4)
        dots.axis("off")
        for row, name in zip(rows, sets, strict=True):
            names.text(0.97, row, name, ha="right", va="center")
        names.set_xlim(0, 1)
        names.axis("off")
        sizes.barh(rows, list(set_sizes), color=NEUTRAL, height=0.5)
        sizes.invert_xaxis()
        sizes.tick_params(axis="y", left=False, labelleft=False)
        sizes.spines["left"].set_visible(False)
        sizes.set_xlabel("persons on it")
        sizes.set_ylim(-0.6, n_sets - 0.4)
        sizes.locator_params(axis="x", nbins=3)
        sizes.xaxis.set_major_formatter(_THOUSANDS)
    return figure


def forest(rows: Sequence[dict[str, Any]]) -> Figure:
    """One line per (stratum, method): the interval as a line, the estimate as a dot, the
    ensemble headline as a diamond, and the observed count as a grey tick."""
    with plt.rc_context(_STYLE):
        figure, axes = _figure(7.2, max(2.0, 0.26 * len(rows) + 0.9))
        ys = list(range(len(rows)))[::-1]
        for y, row in zip(ys, rows, strict=True):
            headline = row["method"] == "ensemble"
            colour = ACCENT if headline else MALE
            if row["lower"] is not None and row["upper"] is not None:
                axes.plot([row["lower"], row["upper"]], [y, y], color=colour,
                          linewidth=2.2 if headline else 1.4)
            if row["estimate"] is not None:
                axes.plot([row["estimate"]], [y], marker="D" if headline else "o",
                          color=colour, markersize=6 if headline else 4)
            if row["observed"] is not None:  # None: the table hides it
                axes.plot([row["observed"]], [y], marker="|", color="#888", markersize=10)
        axes.set_yticks(ys, [row["label"] for row in rows])
        axes.set_xlabel("total persons (grey tick: observed; dot: estimate; line: interval)")
        axes.grid(axis="x", color="#eee")
        axes.xaxis.set_major_formatter(_THOUSANDS)
    return figure


def sensitivity(rows: Sequence[dict[str, Any]], headline: float | None) -> Figure:
    """One line per changed assumption: its estimate (dot) and interval (line), with the
    headline as a vertical line, so how far each assumption moves the total shows at a glance."""
    with plt.rc_context(_STYLE):
        figure, axes = _figure(7.2, max(2.0, 0.24 * len(rows) + 0.9))
        ys = list(range(len(rows)))[::-1]
        for y, row in zip(ys, rows, strict=True):
            colour = ACCENT if row.get("baseline") else MALE
            if row["lower"] is not None and row["upper"] is not None:
                axes.plot([row["lower"], row["upper"]], [y, y], color=colour, linewidth=1.4)
            axes.plot([row["estimate"]], [y], marker="o", color=colour, markersize=4)
        if headline is not None:
            axes.axvline(headline, color="#888", linewidth=1.0, linestyle="--")
        axes.set_yticks(ys, [row["label"] for row in rows])
        axes.set_xlabel("total persons (dashed: the headline estimate)")
        axes.grid(axis="x", color="#eee")
        axes.xaxis.set_major_formatter(_THOUSANDS)
    return figure
