"""Are the match probabilities what they say? Reliability tables and isotonic recalibration.

A pair scored 0.7 should be the same person seven times in ten. Where the truth is known (a
simulation, a hand-linked sample) or reviewers labelled pairs, the pairs are grouped by
predicted probability (``BINS``) and each bin's mean prediction set beside the share that are
true matches: the reliability table.

Review labels give an unbiased share per bin only when the labelled pairs were drawn at random
within the bin, which is what ``uncounted review DIR --sample N`` does; the review queue, which
shows the pairs nearest the threshold first, does not. Because the sample is stratified by the
very probability being checked, the share *within* each bin stays unbiased whatever the
allocation across bins.

Recalibration: an isotonic (monotone) regression of the label on the predicted probability,
fitted by pool-adjacent-violators, shrunk towards the prediction where a pool holds few labels
(``PRIOR_LABELS`` pseudo-labels at the predicted value), and interpolated in between, so that a
few labels never turn a probability into a certainty.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import isotonic_regression

#: Bin edges on the probability scale: finer near 0 and 1, where most pairs are.
BINS: Final = (0.0, 0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 0.8, 0.9, 0.95, 0.99, 0.999, 1.0)
#: Pseudo-labels at the predicted probability added to each isotonic pool.
PRIOR_LABELS: Final = 2.0
#: Fewest labels (with both answers among them) for a recalibration to be fitted.
MIN_LABELS: Final = 20


def reliability_table(
    probability: Sequence[float] | NDArray[np.float64],
    is_match: Sequence[bool] | NDArray[np.bool_],
    bins: Sequence[float] = BINS,
) -> list[dict[str, Any]]:
    """Per probability bin holding pairs: its range, pairs, mean prediction, observed share of
    true matches and a 95% Wilson interval for that share."""
    p = np.asarray(probability, dtype=np.float64)
    y = np.asarray(is_match, dtype=bool)
    edges = np.asarray(bins, dtype=np.float64)
    where = np.clip(np.searchsorted(edges, p, side="right") - 1, 0, len(edges) - 2)
    rows = []
    for b in range(len(edges) - 1):
        here = where == b
        n = int(here.sum())
        if n == 0:
            continue
        share = float(y[here].mean())
        low, high = wilson(share, n)
        rows.append({
            "low": float(edges[b]), "high": float(edges[b + 1]), "pairs": n,
            "predicted": float(p[here].mean()), "observed": share,
            "observed_low": low, "observed_high": high,
            "matches": int(y[here].sum()),
        })
    return rows


def wilson(share: float, n: int, z: float = 1.96) -> tuple[float, float]:
    if n == 0:
        return 0.0, 1.0
    centre = (share + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(share * (1 - share) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return float(max(centre - half, 0.0)), float(min(centre + half, 1.0))


def calibration_error(table: Sequence[dict[str, Any]]) -> float:
    """Expected calibration error: pair-weighted mean |predicted - observed| over bins."""
    pairs = sum(row["pairs"] for row in table)
    if not pairs:
        return 0.0
    return float(sum(row["pairs"] * abs(row["predicted"] - row["observed"])
                     for row in table) / pairs)


@dataclass
class IsotonicCalibration:
    """Monotone map from predicted to calibrated probability (see the module docstring).

    ``fit(probability, is_match)`` then ``transform(probability)`` (or call it). Learned:
    ``knots_`` (predicted) and ``values_`` (calibrated), ``n_labels_``.
    """

    prior_labels: float = PRIOR_LABELS

    def fit(self, probability: Sequence[float] | NDArray[np.float64],
            is_match: Sequence[bool] | NDArray[np.bool_]) -> IsotonicCalibration:
        p = np.asarray(probability, dtype=np.float64)
        y = np.asarray(is_match, dtype=np.float64)
        if p.size != y.size or p.size == 0:
            raise ValueError("calibration needs as many labels as probabilities, at least one")
        order = np.argsort(p, kind="mergesort")
        p, y = p[order], y[order]
        fitted = isotonic_regression(y, increasing=True)
        pooled = np.asarray(fitted.x)
        blocks = np.asarray(fitted.blocks)
        knots, values = [], []
        for start, stop in itertools.pairwise(blocks):
            n = stop - start
            mean_p = float(p[start:stop].mean())
            share = float(pooled[start])
            # shrink a pool's share towards its mean prediction by a few pseudo-labels
            value = (n * share + self.prior_labels * mean_p) / (n + self.prior_labels)
            knots.append(mean_p)
            values.append(value)
        self.knots_ = np.asarray(knots)
        self.values_ = np.maximum.accumulate(np.asarray(values))
        self.n_labels_ = int(p.size)
        return self

    def transform(self, probability: Sequence[float] | NDArray[np.float64]
                  ) -> NDArray[np.float64]:
        p = np.asarray(probability, dtype=np.float64)
        # beyond the outer knots, keep the prediction's distance to 0 or 1 in proportion
        inside = np.interp(p, self.knots_, self.values_)
        low_k, low_v = self.knots_[0], self.values_[0]
        high_k, high_v = self.knots_[-1], self.values_[-1]
        below = p * (low_v / low_k) if low_k > 0 else np.full_like(p, low_v)
        above = 1 - (1 - p) * ((1 - high_v) / (1 - high_k)) if high_k < 1 else np.full_like(
            p, high_v)
        out = np.where(p < low_k, below, np.where(p > high_k, above, inside))
        return np.clip(out, 0.0, 1.0)

    __call__ = transform

    def as_dict(self) -> dict[str, Any]:
        return {"labels": self.n_labels_, "knots": [round(float(k), 6) for k in self.knots_],
                "values": [round(float(v), 6) for v in self.values_]}


def stratified_sample(
    probability: Sequence[float] | NDArray[np.float64],
    size: int,
    seed: int,
    bins: Sequence[float] = BINS,
) -> NDArray[np.int64]:
    """Indices of ``size`` pairs drawn at random within probability bins, as evenly across
    the bins that hold pairs as their sizes allow (a bin smaller than its share gives all its
    pairs, the rest go to the others); sorted by bin then draw order. Same seed, same sample."""
    p = np.asarray(probability, dtype=np.float64)
    edges = np.asarray(bins, dtype=np.float64)
    where = np.clip(np.searchsorted(edges, p, side="right") - 1, 0, len(edges) - 2)
    rng = np.random.default_rng(seed)
    members = [np.flatnonzero(where == b) for b in range(len(edges) - 1)]
    members = [m for m in members if m.size]
    quota = np.zeros(len(members), dtype=np.int64)
    left = min(size, int(sum(m.size for m in members)))
    open_bins = list(range(len(members)))
    while left > 0 and open_bins:
        each = max(left // len(open_bins), 1)
        for b in list(open_bins):
            take = min(each, members[b].size - quota[b], left)
            quota[b] += take
            left -= take
            if quota[b] == members[b].size:
                open_bins.remove(b)
            if left == 0:
                break
    picked = [rng.permutation(m)[:q] for m, q in zip(members, quota, strict=True)]
    return np.concatenate(picked).astype(np.int64) if picked else np.zeros(0, dtype=np.int64)
