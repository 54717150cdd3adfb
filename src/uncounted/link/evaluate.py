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


@dataclass(frozen=True)
class GroupScores:
    """Scores of the records of one group (an age group, a sex, a list)."""

    records: int
    pair: Scores
    bcubed: Scores

    def as_dict(self) -> dict[str, Any]:
        return {
            "records": self.records,
            "pair": self.pair.as_dict(),
            "bcubed": self.bcubed.as_dict(),
        }


def _pairs_touching(sizes: Mapping[Any, int], inside: Mapping[Any, int]) -> int:
    """Pairs within each cluster with at least one record in the group."""
    return sum(
        n * (n - 1) // 2 - (n - g) * (n - g - 1) // 2
        for key, n in sizes.items()
        if (g := inside.get(key, 0))
    )


def group_scores(
    truth: Mapping[str, Hashable],
    predicted: Mapping[str, Hashable],
    group_of: Mapping[str, Hashable],
) -> dict[Hashable, GroupScores]:
    """Pair and B-cubed scores split by a group of each record (records in both maps only).

    A pair counts in a group when either of its records is in it, so a pair across two lists
    counts for both lists. B-cubed averages the scores of the group's records, each measured
    against its whole predicted cluster and its whole true person.
    """
    common = [r for r in truth if r in predicted]
    true_sizes = Counter(truth[r] for r in common)
    predicted_sizes = Counter(predicted[r] for r in common)
    cells = Counter((truth[r], predicted[r]) for r in common)
    members: dict[Hashable, list[str]] = {}
    for record in common:
        if record in group_of:
            members.setdefault(group_of[record], []).append(record)
    out: dict[Hashable, GroupScores] = {}
    for group, records in members.items():
        in_true = Counter(truth[r] for r in records)
        in_predicted = Counter(predicted[r] for r in records)
        in_cells = Counter((truth[r], predicted[r]) for r in records)
        true_pairs = _pairs_touching(true_sizes, in_true)
        predicted_pairs = _pairs_touching(predicted_sizes, in_predicted)
        agreed = _pairs_touching(cells, in_cells)
        precision = agreed / predicted_pairs if predicted_pairs else 1.0
        recall = agreed / true_pairs if true_pairs else 1.0
        b_precision = sum(
            cells[(truth[r], predicted[r])] / predicted_sizes[predicted[r]] for r in records
        ) / len(records)
        b_recall = sum(
            cells[(truth[r], predicted[r])] / true_sizes[truth[r]] for r in records
        ) / len(records)
        out[group] = GroupScores(
            len(records),
            Scores(precision, recall, _f1(precision, recall)),
            Scores(b_precision, b_recall, _f1(b_precision, b_recall)),
        )
    return out
