"""Linkage quality against known truth: pairwise and B-cubed precision, recall and F1.

Pair metrics count record pairs put together; they are dominated by big clusters (a family of
ten merged wrongly is 45 false pairs). B-cubed scores every record by the overlap of its
predicted and true clusters, so it weighs persons, which is what the estimates count.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Scores:
    precision: float
    recall: float
    f1: float

    def as_dict(self) -> dict[str, float]:
        return {"precision": self.precision, "recall": self.recall, "f1": self.f1}


def _f1(precision: float, recall: float) -> float:
    return 0.0 if precision + recall == 0 else 2 * precision * recall / (precision + recall)


def _pairs(counts: Mapping[Any, int]) -> int:
    return sum(n * (n - 1) // 2 for n in counts.values())


def pair_scores(truth: Mapping[str, Hashable], predicted: Mapping[str, Hashable]) -> Scores:
    """Precision and recall of same-cluster record pairs; records only in one map are ignored.
    With no pairs on a side, that side's score is 1 (nothing claimed, nothing wrong)."""
    common = [r for r in truth if r in predicted]
    both = Counter((truth[r], predicted[r]) for r in common)
    true_pairs = _pairs(Counter(truth[r] for r in common))
    predicted_pairs = _pairs(Counter(predicted[r] for r in common))
    agreed = _pairs(both)
    precision = agreed / predicted_pairs if predicted_pairs else 1.0
    recall = agreed / true_pairs if true_pairs else 1.0
    return Scores(precision, recall, _f1(precision, recall))


def bcubed_scores(truth: Mapping[str, Hashable], predicted: Mapping[str, Hashable]) -> Scores:
    """B-cubed: per record, the share of its predicted cluster that is truly its person
    (precision) and the share of its person that is in its predicted cluster (recall)."""
    common = [r for r in truth if r in predicted]
    if not common:
        return Scores(1.0, 1.0, 1.0)
    both = Counter((truth[r], predicted[r]) for r in common)
    true_sizes = Counter(truth[r] for r in common)
    predicted_sizes = Counter(predicted[r] for r in common)
    precision = recall = 0.0
    for (person, cluster), n in both.items():
        # n records share this (person, cluster) cell; each scores n / cluster size etc.
        precision += n * n / predicted_sizes[cluster]
        recall += n * n / true_sizes[person]
    precision /= len(common)
    recall /= len(common)
    return Scores(precision, recall, _f1(precision, recall))
