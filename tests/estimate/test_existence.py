"""Existence (Fienberg-Rinaldo LP) and identifiability verdicts."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from uncounted.estimate.existence import check_model, check_models
from uncounted.estimate.models import HierarchicalModel, all_hierarchical_models
from uncounted.estimate.table import CaptureTable

ARTIFICIAL3_VERDICTS = {
    "[12,13,23]": "not_identifiable",
    "[12,3]": "mle_does_not_exist",
    "[12,13]": "mle_does_not_exist",
    "[12,23]": "mle_does_not_exist",
    "[13,2]": "ok",
    "[1,23]": "ok",
    "[13,23]": "ok",
    "[1,2,3]": "ok",
}


@pytest.mark.parametrize(("model", "verdict"), sorted(ARTIFICIAL3_VERDICTS.items()))
def test_artificial3_verdicts(mse_tables: Path, model: str, verdict: str) -> None:
    table = CaptureTable.from_csv(mse_tables / "artificial3.csv")
    check = check_model(table.counts, HierarchicalModel.parse(model, 3), table.lists)
    assert check.verdict == verdict
    assert (check.reason is None) == (verdict == "ok")


def test_korea_all_two_way_has_no_mle(mse_tables: Path) -> None:
    table = CaptureTable.from_csv(mse_tables / "korea.csv")
    check = check_model(table.counts, HierarchicalModel.parse("[12,13,23]", 3))
    assert check.verdict == "mle_does_not_exist"
    assert check.identifiable


def test_two_lists_without_overlap_have_no_mle() -> None:
    counts = np.array([0, 10, 12, 0])
    check = check_model(counts, HierarchicalModel.independence(2))
    assert check.verdict == "mle_does_not_exist"


def test_empty_list_is_refused() -> None:
    counts = np.array([0, 10, 12, 3, 0, 0, 0, 0])
    check = check_model(counts, HierarchicalModel.independence(3), ("a", "b", "c"))
    assert check.verdict == "mle_does_not_exist"
    assert "'c' recorded nobody" in str(check.reason)


def _lp_only_verdicts(counts: np.ndarray, models: list[HierarchicalModel]) -> list[bool]:
    """Existence by the LP alone, bypassing the linear-algebra shortcuts."""
    from uncounted.estimate import existence

    support = counts[1:] > 0
    prepared = [existence._prepare(support, m) for m in models]
    usable = [p for p in prepared if p.rank_deficiency == 0 and not p.empty_lists]
    return existence._lp_exists_many(usable), [p.model for p in usable]  # type: ignore[return-value]


@pytest.mark.parametrize("name", ["uk5", "western", "new_orleans5"])
def test_shortcuts_agree_with_the_linear_program(mse_tables: Path, name: str) -> None:
    table = CaptureTable.from_csv(mse_tables / f"{name}.csv")
    models = all_hierarchical_models(table.n_lists)[::7]
    lp, kept = _lp_only_verdicts(table.counts, models)
    checks = {c.model: c for c in check_models(table.counts, models)}
    assert [checks[m].mle_exists for m in kept] == lp


def test_verdict_depends_only_on_the_zero_pattern() -> None:
    rng = np.random.default_rng(5)
    counts = np.zeros(16, dtype=np.int64)
    counts[[1, 2, 4, 8, 3, 12]] = rng.integers(1, 50, size=6)
    other = counts * 3
    for model in all_hierarchical_models(4):
        assert check_model(counts, model).verdict == check_model(other, model).verdict
