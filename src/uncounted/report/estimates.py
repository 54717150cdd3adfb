"""Estimates: a stored estimate run as the report shows it — the headline, every method side by
side per stratum (a forest plot's rows), their convergence and identifiability diagnostics, and
what each method assumes in plain words.

The run is the plain dict of an ``estimate_runs`` row (see
:mod:`uncounted.workflow.estimation`); this module only reads it.
"""

from __future__ import annotations

import math
from typing import Any, Final

ASSUMPTIONS: Final[dict[str, str]] = {
    "ensemble": (
        "Led by the latent-class model (LCMCR), which allows for victims that some lists "
        "rarely record; its interval is widened to span every method whose own checks pass. "
        "It assumes what LCMCR assumes, and it cannot correct a bias all methods share, such "
        "as victims no list could ever record. The other methods are shown beside it."
    ),
    "stepwise": (
        "A log-linear model picked step by step among models that let pairs of lists depend "
        "on each other. It assumes the interactions it left out are absent, in particular "
        "that no combination of all lists behaves differently for the unrecorded; its "
        "bootstrap repeats the selection."
    ),
    "bic": (
        "The log-linear model with the best BIC among all hierarchical models. It assumes that "
        "model is right: the interval does not include the uncertainty of choosing it."
    ),
    "loglinear": (
        "One given log-linear model, assumed right; its interval ignores every other model."
    ),
    "lcmcr": (
        "A Bayesian latent-class model: victims fall into unobserved groups, and within a "
        "group the lists record people independently. It assumes such groups explain all "
        "dependence between lists, and that its chains have converged (R-hat)."
    ),
    "dga": (
        "Bayesian averaging over decomposable graphical models of list dependence, with a "
        "prior on the total. It assumes one of those graphs describes the dependence, and "
        "that the posterior does not depend on where its grid of totals ends."
    ),
    "sample-coverage": (
        "Chao's sample coverage: corrects for lists that depend on each other through people's "
        "visibility, to first order. It assumes the lists covary moderately (mean coefficient "
        "of covariation up to 0.8)."
    ),
    "chapman": (
        "Two lists only: assumes they record people independently of each other and that each "
        "person is equally likely to be recorded by each list — neither can be checked with "
        "two lists."
    ),
}

DIAGNOSTIC_KEYS: Final = ("rhat", "ess_bulk", "df", "converged", "edge_mass", "verdict")


def estimates_section(
    run: dict[str, Any] | None, *, computed_now: bool = False,
    latest_link_run: int | None = None,
) -> dict[str, Any]:
    """``latest_link_run`` flags a run made from the persons of an earlier link run."""
    if run is None:
        return {"run": None}
    result = run["result"]
    entries = result["estimates"]
    methods: dict[str, list[dict[str, Any]]] = result.get("methods", {})
    # without strata, the headline is the one stratum "all" (see workflow.estimation)
    total = entries[1] if len(entries) == 2 and entries[1]["stratum"] == "all" else (
        entries[0] if entries else None)
    forest: list[dict[str, Any]] = []
    diagnostics: list[dict[str, Any]] = []
    for entry in entries:
        stratum = entry["stratum"]
        behind = methods.get(stratum, [])
        # without strata the total is the sum over the one stratum "all": show it once
        if stratum == "total" and len(entries) == 2:
            continue
        # a headline is the run's method, whatever its result calls itself
        for item in [{"name": run["method"], **entry}, *behind]:
            forest.append(_forest_row(stratum, item))
            diagnostics.append(_diagnostic_row(stratum, item, entry))
    used = sorted({row["name"] for row in forest} | {run["method"]})
    return {
        "run": {k: run[k] for k in ("estimate_id", "created_at", "link_run_id", "method",
                                    "strata", "seed", "settings", "uncounted_version")},
        "computed_now": computed_now,
        "stale": latest_link_run is not None and run["link_run_id"] != latest_link_run,
        "latest_link_run": latest_link_run,
        "lists": result.get("lists", []),
        "caveats": result.get("caveats", []),
        # how the linkage's uncertainty was carried (issue 12): its share of the spread
        "linkage": {k: v for k, v in (result.get("linkage") or {"mode": "fixed"}).items()
                    if k != "tables"},
        "unlisted": result.get("unlisted", 0),
        "total": total,
        "strata": [e for e in entries if e["stratum"] != "total"],
        "forest": forest,
        "plottable": [row for row in forest if row["estimate"] is not None],
        "diagnostics": diagnostics,
        "assumptions": [{"method": m, "text": ASSUMPTIONS[m]} for m in used if m in ASSUMPTIONS],
        "sensitivity": sensitivity_view(result.get("sensitivity")),
    }


def sensitivity_view(document: dict[str, Any] | None) -> dict[str, Any] | None:
    """The stored sensitivity rows (see :mod:`uncounted.estimate.sensitivity`) for a table and
    a figure: infinite ends made ``None``, each row labelled, ``plottable`` those with a number."""
    if not document or not document.get("rows"):
        return None
    rows = [{**row, "label": f"{row['assumption']}: {row['variant']}",
             "estimate": _finite(row.get("estimate")), "lower": _finite(row.get("lower")),
             "upper": _finite(row.get("upper"))} for row in document["rows"]]
    return {
        "table": document.get("table", ""),
        "model": document.get("model"),
        "headline": _finite(document.get("headline")),
        "observed": document.get("observed"),
        "range": document.get("range"),
        "rows": rows,
        "plottable": [row for row in rows if row["estimate"] is not None],
    }


def _finite(value: Any) -> float | None:
    if value is None:
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def _forest_row(stratum: str, item: dict[str, Any]) -> dict[str, Any]:
    name = item.get("name", item["method"])
    label = name + (f" {item['model']}" if item.get("model") and
                    name in ("stepwise", "bic", "loglinear") else "")
    return {
        "stratum": stratum,
        "method": item["method"],
        "name": name,
        "label": f"{stratum} · {label}",
        "observed": int(item["observed"]),
        "estimate": _finite(item["estimate"]),
        "lower": _finite(item["lower"]),
        "upper": _finite(item["upper"]),
        "unbounded": item["upper"] is not None and _finite(item["upper"]) is None,
        "level": item.get("level", 0.95),
        "refused": item.get("refused"),
        "warnings": item.get("warnings", []),
    }


def _diagnostic_row(stratum: str, item: dict[str, Any], headline: dict[str, Any]
                    ) -> dict[str, Any]:
    found = item.get("diagnostics") or {}
    excluded = (headline.get("diagnostics") or {}).get("excluded", {})
    values = {key: found[key] for key in DIAGNOSTIC_KEYS if found.get(key) is not None}
    if "rhat" in values:
        values["rhat"] = round(float(values["rhat"]), 3)
    if "ess_bulk" in values:
        values["ess_bulk"] = round(float(values["ess_bulk"]))
    if "edge_mass" in values:
        values["edge_mass"] = f"{float(values['edge_mass']):.2g}"
    name = item.get("name", item["method"])
    if item["method"] == "ensemble":
        votes = [m for m, v in (found.get("votes") or {}).items() if v]
        if votes == ["lcmcr"]:
            status = ("headline: led by lcmcr, widened to " +
                      (", ".join(found.get("included", [])) or "nothing else"))
        else:
            status = "headline: pools " + (", ".join(found.get("included", [])) or "nothing")
    elif item.get("refused"):
        status = "refused: " + str(item["refused"])
    elif name in excluded:
        status = "left out: " + str(excluded[name])
    else:
        status = "used"
    return {"stratum": stratum, "method": name, "values": values, "status": status}
