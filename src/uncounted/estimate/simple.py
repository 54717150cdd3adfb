"""Closed-form two-list estimates: Chapman's bias-corrected Lincoln-Petersen for every pair."""

from __future__ import annotations

import itertools
import math

from scipy.stats import norm

from uncounted.core.errors import UncountedError
from uncounted.estimate.result import EstimateResult
from uncounted.estimate.table import CaptureTable


def chapman(n1: int, n2: int, both: int) -> tuple[float, float]:
    """Chapman (1951) estimate and Seber's (1970) variance for two lists."""
    estimate = (n1 + 1) * (n2 + 1) / (both + 1) - 1
    variance = (n1 + 1) * (n2 + 1) * (n1 - both) * (n2 - both) / ((both + 1) ** 2 * (both + 2))
    return estimate, variance


def chapman_interval(
    observed: int, estimate: float, variance: float, level: float
) -> tuple[float, float]:
    """Chao's (1987) log-transformed interval: it never goes below the number observed."""
    unseen = estimate - observed
    if unseen <= 0 or variance <= 0:
        return float(observed), float(observed)
    z = float(norm.ppf(0.5 + level / 2))
    factor = math.exp(z * math.sqrt(math.log(1 + variance / unseen**2)))
    return observed + unseen / factor, observed + unseen * factor


class Chapman:
    """Two-list estimates for every pair of lists; ``result_`` is the first pair's.

    Each pair ignores everyone seen only on other lists and assumes the two lists capture
    independently, which is why these numbers are a check, not a final answer.
    """

    def __init__(self, level: float = 0.95) -> None:
        self.level = level

    def fit(self, table: CaptureTable) -> Chapman:
        if table.n_lists < 2:
            raise UncountedError("the Chapman estimate needs at least two lists")
        self.pairs_: list[EstimateResult] = []
        for a, b in itertools.combinations(table.lists, 2):
            pair = table.select([a, b])
            n1 = int(pair.counts[1] + pair.counts[3])
            n2 = int(pair.counts[2] + pair.counts[3])
            both = int(pair.counts[3])
            estimate, variance = chapman(n1, n2, both)
            lower, upper = chapman_interval(pair.observed, estimate, variance, self.level)
            warnings = []
            if both < 7:
                warnings.append(
                    f"only {both} people are on both {a} and {b}: the two-list estimate is "
                    "unstable (Chapman's correction is reliable from about 7)"
                )
            self.pairs_.append(
                EstimateResult(
                    method="chapman",
                    model=f"{a}·{b}",
                    observed=pair.observed,
                    estimate=estimate,
                    lower=lower,
                    upper=upper,
                    level=self.level,
                    diagnostics={"n1": n1, "n2": n2, "both": both, "variance": variance,
                                 "lists": [a, b]},
                    warnings=warnings,
                )
            )
        self.result_ = self.pairs_[0]
        return self
