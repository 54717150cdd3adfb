"""Vega-Lite specs (built with Altair) for the pages; the browser draws them with the bundled
Vega JavaScript. Each function takes what a workflow function returned and gives a dict."""

from __future__ import annotations

from typing import Any, Final

import altair as alt
import pandas as pd

WIDTH: Final = 420
_COLORS: Final = ["#2b6777", "#c8553d", "#8e9aaf", "#f2a541", "#52ab98", "#6a4c93"]


def _spec(chart: alt.TopLevelMixin) -> dict[str, Any]:
    spec = chart.to_dict()
    spec.pop("$schema", None)  # a URL the browser would never need to fetch
    return spec


def records_by_list(lists: list[dict[str, Any]]) -> dict[str, Any]:
    rows = [
        {"list": item["name"], "kind": kind, "rows": item[key]}
        for item in lists
        for kind, key in (("records", "records"), ("quarantined", "quarantined"))
    ]
    chart = (
        alt.Chart(pd.DataFrame(rows, columns=["list", "kind", "rows"]))
        .mark_bar()
        .encode(
            y=alt.Y("list:N", title=None, sort="-x"),
            x=alt.X("sum(rows):Q", title="rows"),
            color=alt.Color("kind:N", title=None,
                            scale=alt.Scale(domain=["records", "quarantined"],
                                            range=[_COLORS[0], _COLORS[1]])),
            tooltip=["list:N", "kind:N", alt.Tooltip("sum(rows):Q", format=",", title="rows")],
        )
        .properties(width=WIDTH, title="Rows per list")
    )
    return _spec(chart)


def persons_by_lists(counts: list[dict[str, Any]]) -> dict[str, Any]:
    chart = (
        alt.Chart(pd.DataFrame(counts, columns=["lists", "persons"]))
        .mark_bar(color=_COLORS[0])
        .encode(
            x=alt.X("lists:O", title="number of lists naming the person",
                    axis=alt.Axis(labelAngle=0)),
            y=alt.Y("persons:Q", title="persons"),
            tooltip=["lists:O", alt.Tooltip("persons:Q", format=",")],
        )
        .properties(width=300, height=160,
                    title="Persons by the number of lists that name them")
    )
    return _spec(chart)


def estimate_intervals(estimates: list[dict[str, Any]], label: str,
                       title: str) -> dict[str, Any] | None:
    """Point estimate and interval per row (stratum or method), observed count beside it."""
    rows = [
        {label: e.get(label) or e.get("method"), "estimate": e["estimate"],
         "lower": e.get("lower"), "upper": e.get("upper"), "observed": e.get("observed")}
        for e in estimates
        if e.get("estimate") is not None and not e.get("refused")
    ]
    if not rows:
        return None
    frame = pd.DataFrame(rows)
    base = alt.Chart(frame).encode(y=alt.Y(f"{label}:N", title=None, sort=None))
    tooltip = [f"{label}:N", alt.Tooltip("estimate:Q", format=",.0f"),
               alt.Tooltip("lower:Q", format=",.0f"), alt.Tooltip("upper:Q", format=",.0f"),
               alt.Tooltip("observed:Q", format=",")]
    rule = base.mark_rule(color=_COLORS[0], strokeWidth=2).encode(
        x=alt.X("lower:Q", title="persons", scale=alt.Scale(zero=False)), x2="upper:Q",
        tooltip=tooltip,
    )
    point = base.mark_point(filled=True, size=70, color=_COLORS[0]).encode(
        x="estimate:Q", tooltip=tooltip
    )
    observed = base.mark_tick(color=_COLORS[1], thickness=2).encode(x="observed:Q",
                                                                    tooltip=tooltip)
    return _spec((rule + point + observed).properties(width=WIDTH, title=title))


def release_chain(releases: list[dict[str, Any]], list_name: str) -> dict[str, Any]:
    """Persons of each release: first seen in it, or already in an earlier one."""
    rows = [
        {"release": r["release"], "kind": kind, "persons": value}
        for r in releases
        for kind, value in (("first seen here", r["first_seen"]),
                            ("seen before", r["persons"] - r["first_seen"]))
    ]
    chart = (
        alt.Chart(pd.DataFrame(rows, columns=["release", "kind", "persons"]))
        .mark_bar()
        .encode(
            x=alt.X("release:O", title="release", axis=alt.Axis(labelAngle=0)),
            y=alt.Y("sum(persons):Q", title="persons"),
            color=alt.Color("kind:N", title=None,
                            scale=alt.Scale(domain=["seen before", "first seen here"],
                                            range=[_COLORS[2], _COLORS[0]])),
            tooltip=["release:O", "kind:N", alt.Tooltip("sum(persons):Q", format=",")],
        )
        .properties(width=WIDTH, height=200, title=f"{list_name}: persons per release")
    )
    return _spec(chart)
