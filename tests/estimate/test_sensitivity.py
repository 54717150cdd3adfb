"""Sensitivity of the total to the assumptions the data cannot check."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from uncounted.estimate.existence import check_model
from uncounted.estimate.glm import fit_poisson
from uncounted.estimate.loglinear import LogLinear
from uncounted.estimate.models import HierarchicalModel
from uncounted.estimate.sensitivity import (
    DEPENDENCE,
    INTERACTION,
    LATENT,
    LATENT_VARIANTS,
    Sensitivity,
    fit_with_offset,
    interaction_rows,
    persons_sensitivity,
)
from uncounted.estimate.table import CaptureTable

FAST = {"n_chains": 2, "burn_in": 200, "n_samples": 100, "thin": 2}
TABLE = CaptureTable(("a", "b", "c"), np.array([0, 120, 90, 30, 80, 25, 20, 12]))


def test_offset_zero_is_the_plain_fit() -> None:
    model = HierarchicalModel.parse("[12,3]", 3)
    check = check_model(TABLE.counts, model)
    y = TABLE.counts[1:].astype(float)[check.kept_cells]
    beta, covariance = fit_with_offset(check.design, y, np.zeros(y.size))
    plain = fit_poisson(check.design, y)
    np.testing.assert_allclose(beta, plain.coefficients, rtol=1e-8)
    np.testing.assert_allclose(covariance[0, 0], plain.covariance[0, 0], rtol=1e-6)


def test_all_list_interaction_scales_the_unobserved_in_the_saturated_model() -> None:
    # With three lists and every two-way term, the three-way interaction alone decides the
    # unobserved cell: people on all lists twice as common -> half as many unobserved.
    rows = interaction_rows(TABLE, (0.5, 2.0), 0.95)
    saturated = next(r for r in rows if "saturated" in r["variant"])
    doubled = next(r for r in rows if "x2 as common" in r["variant"])
    halved = next(r for r in rows if "x0.5 as common" in r["variant"])
    missing = saturated["estimate"] - TABLE.observed
    assert doubled["estimate"] - TABLE.observed == pytest.approx(missing / 2, rel=1e-6)
    assert halved["estimate"] - TABLE.observed == pytest.approx(missing * 2, rel=1e-6)
    independence = next(r for r in rows if r["variant"].startswith("no interactions"))
    direct = LogLinear(model="[1,2,3]", interval="wald").fit(TABLE).result_
    assert independence["estimate"] == pytest.approx(direct.estimate)


def test_every_assumption_has_rows_and_one_baseline_each() -> None:
    rows = Sensitivity(seed=3, lcmcr_options=FAST).fit(TABLE).rows_
    by = {a: [r for r in rows if r["assumption"] == a] for a in (INTERACTION, LATENT, DEPENDENCE)}
    assert len(by[LATENT]) == len(LATENT_VARIANTS)
    assert sum(r["baseline"] for r in by[LATENT]) == 1
    assert len(by[DEPENDENCE]) == 3  # one row per pair of lists
    for row in rows:
        assert (row["estimate"] is None) == (row["refused"] is not None) or row["refused"] is None
        if row["estimate"] is not None:
            assert math.isfinite(row["estimate"]) and row["lower"] <= row["upper"]


def test_same_seed_same_rows() -> None:
    first = Sensitivity(seed=9, lcmcr_options=FAST).fit(TABLE).rows_
    second = Sensitivity(seed=9, lcmcr_options=FAST).fit(TABLE).rows_
    assert first == second


def test_sparse_and_two_list_tables_give_refusals_not_errors() -> None:
    sparse = CaptureTable(("a", "b", "c"), np.array([0, 0, 1015, 0, 0, 0, 5318, 1]))
    rows = Sensitivity(seed=1, lcmcr_options=FAST).fit(sparse).rows_
    assert rows and all(r["estimate"] is not None or r["refused"] for r in rows)
    two = CaptureTable(("a", "b"), np.array([0, 10, 12, 5]))
    assert Sensitivity(seed=1).fit(two).rows_[0]["refused"]


def test_persons_are_pooled_over_strata() -> None:
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({name: (rng.random(400) < 0.4).astype(int) for name in "abc"})
    frame["sex"] = np.where(rng.random(400) < 0.5, "f", "m")
    document = persons_sensitivity(frame, ["a", "b", "c"], seed=1)
    listed = int((frame[["a", "b", "c"]].sum(axis=1) > 0).sum())
    assert document["observed"] == listed
    assert document["rows"] and document["range"] is not None
