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
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import isotonic_regression

#: Bin edges on the probability scale: finer near 0 and 1, where most pairs are.
BINS: Final = (0.0, 0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 0.8, 0.9, 0.95, 0.99, 0.999, 1.0)
#: Pseudo-labels at the predicted probability added to each isotonic pool.
PRIOR_LABELS: Final = 2.0
#: Fewest labels (with both answers among them) for a recalibration to be fitted, overall and
#: for a pair of lists of its own.
MIN_LABELS: Final = 20
MIN_GROUP_LABELS: Final = 15


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
    # where a pool with few labels is shrunk to: the prediction itself, or another curve
    prior: Callable[[NDArray[np.float64]], NDArray[np.float64]] | None = None

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
            # shrink a pool's share towards its mean prediction (or the prior curve there) by
            # a few pseudo-labels
            target = mean_p if self.prior is None else float(
                self.prior(np.array([mean_p]))[0])
            value = (n * share + self.prior_labels * target) / (n + self.prior_labels)
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


@dataclass
class GroupedCalibration:
    """Isotonic recalibration per group of pairs (a pair of lists) within its kind (pairs
    within one list, pairs across two): each kind gets a fit on its labels (shrunk towards the
    prediction), each group with ``MIN_GROUP_LABELS`` labels and both answers a fit of its own
    shrunk towards its kind's curve; other groups take their kind's curve (or, for a kind
    without enough labels, the prediction as it is).

    Why per pair of lists: one model scores pairs of very different kinds. On the simulated
    demo, pairs with the Latin-script press list (no ID numbers) scored 0.5-0.7 are the same
    person 90% of the time, pairs between the Arabic lists scored alike 18% of the time: one
    curve for both would be wrong for each.
    """

    prior_labels: float = PRIOR_LABELS
    min_labels: int = MIN_GROUP_LABELS

    def fit(self, probability: Sequence[float] | NDArray[np.float64],
            is_match: Sequence[bool] | NDArray[np.bool_],
            groups: Sequence[str] | None = None) -> GroupedCalibration:
        p = np.asarray(probability, dtype=np.float64)
        y = np.asarray(is_match, dtype=bool)
        g = np.asarray(groups if groups is not None else ["a|b"] * p.size, dtype=object)
        kinds = np.array([kind_of(str(v)) for v in g], dtype=object)
        self.kinds_: dict[str, IsotonicCalibration] = {}
        for kind in sorted(set(kinds.tolist())):
            here = kinds == kind
            if here.sum() >= self.min_labels and 0 < y[here].sum() < here.sum():
                self.kinds_[kind] = IsotonicCalibration(self.prior_labels).fit(p[here], y[here])
        self.groups_: dict[str, IsotonicCalibration] = {}
        for name in sorted({str(v) for v in g}):
            here = g == name
            parent = self.kinds_.get(kind_of(name))
            if here.sum() >= self.min_labels and 0 < y[here].sum() < here.sum():
                self.groups_[name] = IsotonicCalibration(
                    self.prior_labels, None if parent is None else parent.transform
                ).fit(p[here], y[here])
        self.n_labels_ = int(p.size)
        return self

    def transform(self, probability: Sequence[float] | NDArray[np.float64],
                  groups: Sequence[str] | None = None) -> NDArray[np.float64]:
        p = np.asarray(probability, dtype=np.float64)
        g = np.asarray(groups if groups is not None else ["a|b"] * p.size, dtype=object)
        out = p.copy()
        kinds = np.array([kind_of(str(v)) for v in g], dtype=object)
        for kind, calibration in self.kinds_.items():
            here = kinds == kind
            if here.any():
                out[here] = calibration.transform(p[here])
        for name, calibration in self.groups_.items():
            here = g == name
            if here.any():
                out[here] = calibration.transform(p[here])
        return out

    def as_dict(self) -> dict[str, Any]:
        return {"labels": self.n_labels_,
                "kinds": {name: c.as_dict() for name, c in self.kinds_.items()},
                "groups": {name: c.as_dict() for name, c in self.groups_.items()}}


def kind_of(group: str) -> str:
    """``within`` for a pair of one list (``a|a``), else ``across``."""
    left, _, right = group.partition("|")
    return "within" if left == right else "across"


def stratified_sample(
    probability: Sequence[float] | NDArray[np.float64],
    size: int,
    seed: int,
    bins: Sequence[float] = BINS,
    groups: Sequence[str] | None = None,
) -> NDArray[np.int64]:
    """Indices of ``size`` pairs drawn at random within strata — probability bins, within
    each group (pair of lists) when ``groups`` are given — as evenly across the strata that
    hold pairs as their sizes allow (a stratum smaller than its share gives all its pairs, the
    rest go to the others); by stratum then draw order. Same seed, same sample."""
    p = np.asarray(probability, dtype=np.float64)
    edges = np.asarray(bins, dtype=np.float64)
    where = np.clip(np.searchsorted(edges, p, side="right") - 1, 0, len(edges) - 2)
    if groups is not None:
        names, group_code = np.unique(np.asarray(groups, dtype=str), return_inverse=True)
        where = group_code * (len(edges) - 1) + where
        n_strata = len(names) * (len(edges) - 1)
    else:
        n_strata = len(edges) - 1
    rng = np.random.default_rng(seed)
    members = [np.flatnonzero(where == b) for b in range(n_strata)]
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
