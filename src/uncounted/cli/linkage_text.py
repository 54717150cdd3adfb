"""How a link run's training is put in words on the terminal (``link`` and ``status``)."""

from __future__ import annotations

from typing import Any


def training_lines(training: dict[str, Any]) -> list[str]:
    """One line per comparison: where its parameters came from and its strongest weight."""
    comparisons = training.get("comparisons", {})
    if not comparisons:
        return []
    lines = ["model parameters (m) from: data = these records, prior = the shipped prior model"]
    for name, found in comparisons.items():
        weight = found.get("top_weight")
        shown = (
            "no pair has it on both sides" if weight is None else f"best level {weight:+.1f} bits"
        )
        lines.append(f"  {name}: {found.get('source', 'none')} ({shown})")
    return lines
