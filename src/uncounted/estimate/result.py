"""Plain-data results shared by every estimator."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray


@dataclass
class EstimateResult:
    """A population-size estimate for one table by one method.

    ``estimate`` is the MLE or the posterior median. ``refused`` carries the reason when the
    method would not give a number (MLE does not exist, model not identifiable, too few lists);
    ``estimate``, ``lower`` and ``upper`` are then ``None``. ``draws`` holds posterior draws or
    bootstrap replicates of the total when the method has them, so that totals over strata can
    combine draws rather than interval ends.
    """

    method: str
    model: str | None
    observed: int
    estimate: float | None
    lower: float | None
    upper: float | None
    level: float = 0.95
    diagnostics: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    refused: str | None = None
    draws: NDArray[np.float64] | None = field(default=None, repr=False)

    @classmethod
    def refusal(
        cls,
        method: str,
        reason: str | None,
        *,
        observed: int,
        level: float,
        model: str | None = None,
        diagnostics: dict[str, Any] | None = None,
        warnings: list[str] | None = None,
    ) -> EstimateResult:
        """A result that gives no number, saying why: the one way every estimator refuses.
        ``reason`` is ``None`` only when passing on an inner result that gave no number and no
        reason."""
        return cls(
            method=method,
            model=model,
            observed=observed,
            estimate=None,
            lower=None,
            upper=None,
            level=level,
            diagnostics={} if diagnostics is None else diagnostics,
            warnings=[] if warnings is None else warnings,
            refused=reason,
        )

    @property
    def unobserved(self) -> float | None:
        return None if self.estimate is None else self.estimate - self.observed

    def to_dict(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "model": self.model,
            "observed": self.observed,
            "estimate": _clean(self.estimate),
            "lower": _clean(self.lower),
            "upper": _clean(self.upper),
            "level": self.level,
            "diagnostics": _jsonable(self.diagnostics),
            "warnings": list(self.warnings),
            "refused": self.refused,
        }

    def summary(self) -> str:
        label = self.method + (f" {self.model}" if self.model else "")
        if self.refused:
            return f"{label}: refused: {self.refused}"
        interval = ""
        if self.lower is not None and self.upper is not None:
            interval = f", {self.level:.0%} interval {self.lower:,.1f} to {self.upper:,.1f}"
        text = f"{label}: observed {self.observed:,}, estimate {self.estimate:,.1f}{interval}"
        for warning in self.warnings:
            text += f"\n  warning: {warning}"
        return text


def _clean(value: float | None) -> float | None:
    if value is None:
        return None
    value = float(value)
    return None if math.isnan(value) else value


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return [_jsonable(v) for v in value.tolist()]
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating | float):
        f = float(value)
        return None if math.isnan(f) or math.isinf(f) else f
    if isinstance(value, np.bool_):
        return bool(value)
    return value
