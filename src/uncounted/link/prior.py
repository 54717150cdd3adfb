"""The prior model: how true matches spread over each comparison's levels, shipped with the
package, and the rule that blends it with what a project's own records can teach.

Two lists kept by different organisations rarely share an ID number or a date of birth, and
then no training session can tell how often true matches agree on their names: blocked on the
name, the name's own m is not identified. Without a prior, training "learnt" nothing and left
the name weightless, and `link` found no pair (issue 11). So each comparison level carries a
prior m, estimated once from labelled pairs (``scripts/build_link_prior.py``: real releases
labelled by valid ID, in Arabic and Arabic-Latin, and the simulator for Hebrew, Latin-only and
partial names) and stored as aggregate shares, no names.

The name levels come in classes, by how many lineage parts (father, grandfather, family) both
records give (``comparisons.NAME_CLASSES``). A prior m is the share of a class's matches at each
of its levels, so it holds for any mix of four-part and two-part names; in a project, the m of a
level is its class's share of all pairs (missing parts taken as uninformative, as splink takes a
missing value) times that share. u is always the project's own.

Per class, the m the data identify (from the training sessions whose expected matches in the
class reach ``MIN_CLASS_MATCHES``) and the prior are blended as counts:
``(n m_data + PRIOR_PAIRS m_prior) / (n + PRIOR_PAIRS)``, n the expected matches behind the data;
a class the data say nothing of keeps the prior.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any, Final

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from numpy.typing import NDArray

from uncounted.link.comparisons import (
    AGE_LEVEL_CLASS,
    AGES,
    BIRTH_YEARS,
    DATES_OF_BIRTH,
    NAME_CLASSES,
    NAME_LEVEL_CLASS,
    PARTS,
)
from uncounted.link.numbering import levels_by_number

NAME: Final = "name"
# Comparisons whose levels come in classes (by which fields both records give), level label
# -> class; every other comparison is one class.
LEVEL_CLASSES: Final[dict[str, dict[str, str]]] = {NAME: NAME_LEVEL_CLASS, "age": AGE_LEVEL_CLASS}
ONE_CLASS: Final = "all"
PRIOR_FILE: Final = "prior_m.json"
# The weight of the prior, in matching pairs: a class that 20 or more expected matches speak
# for leans on the data more than on the prior.
PRIOR_PAIRS: Final = 20.0
# Fewer expected matches of a class than this in a session say too little about its m.
MIN_CLASS_MATCHES: Final = 20.0
# Each level's share within its class is kept at least this (see training.M_FLOOR).
CLASS_M_FLOOR: Final = 1e-3
# A session's matches must carry at least this share of the evidence true matches carry.
MIN_EVIDENCE_SHARE: Final = 0.5
# Below this, the strongest level a comparison's pairs reach does not set matches apart.
MIN_TOP_WEIGHT: Final = 1.0


@dataclass(frozen=True)
class MEstimate:
    """One estimate of a comparison's m, by level (splink's numbering: 0 = ELSE), and how many
    matching pairs stand behind it (expected, for a training session)."""

    m: NDArray[np.float64]
    matches: float


@dataclass(frozen=True)
class ClassSource:
    """Where the m of one class of a comparison's levels came from."""

    comparison: str
    name_class: str
    share_of_pairs: float
    source: str  # "data", "data and prior", "prior", "none"
    matches: float
    # Session estimates set aside because their "matches" did not agree like matches.
    set_aside: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "comparison": self.comparison,
            "class": self.name_class,
            "share_of_pairs": round(self.share_of_pairs, 6),
            "source": self.source,
            "matches": round(self.matches, 1),
            "set_aside": self.set_aside,
        }


@cache
def _prior_text() -> str:
    return (resources.files("uncounted.link") / "data" / PRIOR_FILE).read_text(encoding="utf-8")


def prior_m() -> dict[str, dict[str, float]]:
    """comparison -> level label -> prior m within the level's class (ELSE included)."""
    loaded = json.loads(_prior_text())
    return {name: dict(levels) for name, levels in loaded["m"].items()}


def level_label(level: Mapping[str, Any]) -> str:
    return str(level.get("label_for_charts") or level.get("sql_condition", ""))


def level_classes(comparison: Mapping[str, Any]) -> list[str]:
    """The class of each non-null level, in splink's numbering (index 0 = ELSE, the last)."""
    levels = levels_by_number(comparison)
    by_label = LEVEL_CLASSES.get(comparison["output_column_name"])
    labels = [level_label(lv) for lv in levels]
    if by_label is None or not all(label in by_label for label in labels):
        return [ONE_CLASS] * len(levels)  # a model saved with other levels: one class
    return [by_label[label] for label in labels]


def _valid(features: pa.Table, column: str) -> NDArray[np.bool_]:
    if column not in features.column_names:
        return np.zeros(features.num_rows, dtype=bool)
    return np.asarray(pc.is_valid(features.column(column)).to_numpy(zero_copy_only=False))


def _pairs_by_pattern(pattern: NDArray[np.int64], size: int) -> list[tuple[int, int, float]]:
    counts = np.bincount(pattern, minlength=size).astype(float)
    out = []
    for a in range(size):
        for b in range(a, size):
            pairs = counts[a] * (counts[a] - 1) / 2 if a == b else counts[a] * counts[b]
            if pairs > 0:
                out.append((a, b, pairs))
    return out


def _name_class_shares(features: pa.Table) -> dict[str, float]:
    present = [_valid(features, f"{part}_key") for part in PARTS]
    pattern = sum(p.astype(np.int64) << k for k, p in enumerate(present))
    totals = dict.fromkeys(NAME_CLASSES, 0.0)
    by_known = {3: NAME_CLASSES[0], 2: NAME_CLASSES[1], 1: NAME_CLASSES[2]}
    for a, b, pairs in _pairs_by_pattern(np.asarray(pattern, dtype=np.int64), 16):
        both = a & b
        lineage = bin(both >> 1).count("1")
        if lineage:
            totals[by_known[lineage]] += pairs
        elif both & 1:
            totals[NAME_CLASSES[3]] += pairs
    total = sum(totals.values())
    return {c: (v / total if total else 0.0) for c, v in totals.items()}


def _age_class_shares(features: pa.Table) -> dict[str, float]:
    dob = _valid(features, "dob")
    year = _valid(features, "birth_year")
    age = _valid(features, "age_years")
    pattern = dob.astype(np.int64) | year.astype(np.int64) << 1 | age.astype(np.int64) << 2
    totals = {DATES_OF_BIRTH: 0.0, BIRTH_YEARS: 0.0, AGES: 0.0}
    for a, b, pairs in _pairs_by_pattern(pattern, 8):
        both = a & b
        if both & 1:
            totals[DATES_OF_BIRTH] += pairs
        elif both & 2:
            totals[BIRTH_YEARS] += pairs
        elif both:
            totals[AGES] += pairs
    total = sum(totals.values())
    return {c: (v / total if total else 0.0) for c, v in totals.items()}


def class_shares(features: pa.Table) -> dict[str, dict[str, float]]:
    """Per comparison with classes of levels, the share of the pairs it can compare that fall
    in each class, exactly, from how many records give each combination of fields."""
    return {NAME: _name_class_shares(features), "age": _age_class_shares(features)}


def _looks_like_matches(
    m_data: NDArray[np.float64], m_prior: NDArray[np.float64], u: NDArray[np.float64]
) -> bool:
    """Whether a session's "matching" class agrees like matches do: the weight the prior model
    would give its pairs, on average, is at least ``MIN_EVIDENCE_SHARE`` of what it gives true
    matches. EM can settle on another split of a block (pairs within one list against pairs
    across lists, say) whose "matches" mostly disagree on the names; such an estimate would
    teach the model that names do not matter."""
    weights = np.log2(np.maximum(m_prior, 1e-12) / np.maximum(u, 1e-12))
    expected_for_matches = float(m_prior @ weights)
    if expected_for_matches <= 0:
        return True
    return float(m_data @ weights) >= MIN_EVIDENCE_SHARE * expected_for_matches


def _within(values: NDArray[np.float64], positions: NDArray[np.int64]) -> NDArray[np.float64]:
    inside = values[positions]
    return inside / max(float(inside.sum()), 1e-300)


def _blend(
    estimates: Sequence[MEstimate],
    positions: NDArray[np.int64],
    prior: NDArray[np.float64] | None,
    u: NDArray[np.float64] | None,
) -> tuple[NDArray[np.float64] | None, float, int]:
    """The data's m within one class (median over the estimates that speak for it), the
    matches behind it, and how many estimates were set aside as not matches."""
    shares, matches, rejected = [], 0.0, 0
    for estimate in estimates:
        inside = float(estimate.m[positions].sum())
        in_class = estimate.matches * inside
        if in_class < MIN_CLASS_MATCHES or inside <= 0:
            continue
        share = estimate.m[positions] / inside
        if (
            prior is not None
            and u is not None
            and not _looks_like_matches(share, prior, _within(u, positions))
        ):
            rejected += 1
            continue
        shares.append(share)
        matches += in_class
    if not shares:
        return None, 0.0, rejected
    data = np.median(np.vstack(shares), axis=0)
    return data / data.sum(), matches, rejected


def blended_m(
    comparison: Mapping[str, Any],
    estimates: Sequence[MEstimate],
    prior: Mapping[str, float] | None,
    shares: Mapping[str, float],
    *,
    u: NDArray[np.float64] | None = None,
    reachable: set[int] | None = None,
) -> tuple[NDArray[np.float64] | None, list[ClassSource]]:
    """m of every level (splink numbering; None where neither data nor prior say anything, so
    the caller leaves those levels weightless) and where each class's m came from. The prior is
    spread over the levels in ``reachable`` only, when given (the levels some pair reached)."""
    name = comparison["output_column_name"]
    levels = levels_by_number(comparison)
    labels = [level_label(lv) for lv in levels]
    classes = level_classes(comparison)
    out = np.full(len(levels), np.nan)
    sources: list[ClassSource] = []
    for name_class in dict.fromkeys(classes):
        positions = np.array([k for k, c in enumerate(classes) if c == name_class])
        share = 1.0 if name_class == ONE_CLASS else float(shares.get(name_class, 0.0))
        prior_here = None
        if prior is not None and all(labels[k] in prior for k in positions):
            values = np.array([prior[labels[k]] for k in positions], dtype=float)
            if reachable is not None and any(int(k) in reachable for k in positions):
                # Matches can only fall in levels the project's pairs reach (one list and its
                # releases have no pair "on another list").
                values = values * np.array([int(k) in reachable for k in positions])
            if values.sum() > 0:
                prior_here = values / values.sum()
        data, matches, rejected = _blend(estimates, positions, prior_here, u)
        if data is not None and prior_here is not None:
            within = (matches * data + PRIOR_PAIRS * prior_here) / (matches + PRIOR_PAIRS)
            source = "data" if matches >= 10 * PRIOR_PAIRS else "data and prior"
        elif data is not None:
            within, source = data, "data"
        elif prior_here is not None:
            within, source = prior_here, "prior"
        else:
            within, source = None, "none"
        if within is not None:
            within = np.maximum(within, CLASS_M_FLOOR)
            out[positions] = share * within / within.sum()
        sources.append(ClassSource(name, name_class, share, source, matches, rejected))
    return (None if np.isnan(out).all() else out), sources


def summarize_sources(sources: Sequence[ClassSource]) -> dict[str, str]:
    """One word per comparison: where most of its pairs' m came from."""
    by_comparison: dict[str, list[ClassSource]] = {}
    for s in sources:
        by_comparison.setdefault(s.comparison, []).append(s)
    out = {}
    for name, found in by_comparison.items():
        weighty = [s for s in found if s.share_of_pairs >= 0.01] or found
        kinds = sorted({s.source for s in weighty})
        out[name] = (
            kinds[0]
            if len(kinds) == 1
            else " / ".join(f"{s.source} ({s.name_class})" for s in weighty)
        )
    return out
