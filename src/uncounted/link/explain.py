"""Why two records were linked: each comparison's level and match weight, from a stored pair.

A scored pair keeps the match weight of every comparison (``mw_<name>``), which is the weight of
the comparison level the pair fell in: log2(m / u) of that level (0 for the null level, where a
value is missing). The level is recovered by matching the weight against the model's levels;
when two levels of one comparison have the same weight the label says so ("ambiguous").
Term-frequency adjustments (``tf_adj_<name>``: rare names weigh more) are separate numbers.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

MISSING_LABEL: Final = "missing (a value is empty)"
TF_PREFIX: Final = "tf_adj_"
_TOLERANCE: Final = 1e-6


@dataclass(frozen=True)
class Level:
    label: str
    weight: float
    is_null: bool


def model_levels(model: Mapping[str, Any]) -> dict[str, list[Level]]:
    """Comparison name → its levels with their match weights, from a splink model dict."""
    out: dict[str, list[Level]] = {}
    for comparison in model.get("comparisons", []):
        name = comparison.get("output_column_name") or comparison.get("comparison_description")
        levels = []
        for level in comparison.get("comparison_levels", []):
            if level.get("is_null_level"):
                levels.append(Level(MISSING_LABEL, 0.0, True))
                continue
            m, u = level.get("m_probability"), level.get("u_probability")
            weight = math.log2(m / u) if m and u else float("nan")
            label = str(level.get("label_for_charts") or level.get("sql_condition") or "?")
            levels.append(Level(label, weight, False))
        out[str(name)] = levels
    return out


def level_label(levels: list[Level], weight: float | None) -> str:
    """The label of the level with this weight; several levels sharing it are all named."""
    if weight is None or weight != weight:
        return "not scored"
    found = [
        lv.label
        for lv in levels
        if lv.weight == lv.weight and abs(lv.weight - weight) <= _TOLERANCE * max(1.0, abs(weight))
    ]
    if not found:
        return "unknown level"
    if len(found) == 1:
        return found[0]
    return "ambiguous: " + " / ".join(found)


def explain_weights(
    weights: Mapping[str, float | None], levels: Mapping[str, list[Level]]
) -> list[dict[str, Any]]:
    """Stored per-comparison weights → [{comparison, level, weight, tf_adjustment}], in the
    order the pair stored them."""
    out = []
    for name, weight in weights.items():
        if name.startswith(TF_PREFIX):
            continue
        tf = weights.get(TF_PREFIX + name)
        out.append(
            {
                "comparison": name,
                "level": level_label(levels.get(name, []), weight),
                "weight": weight,
                "tf_adjustment": tf,
            }
        )
    return out


def prior_weight(model: Mapping[str, Any]) -> float | None:
    """The match weight every pair starts from: log2 of the prior odds of a match."""
    p = model.get("probability_two_random_records_match")
    if not p or p >= 1:
        return None
    return math.log2(p / (1 - p))
