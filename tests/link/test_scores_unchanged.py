"""The linkage of a small simulated conflict, figure for figure, against what it gave before the
linkage code was restructured (issue 15: every rule once): the pairs' levels, the trained
weights, the scores and the persons. ``data/simulated_scores.json`` was measured at commit
62c797d; a change of behaviour shows here first. Simulated names only.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from uncounted.link import compiled_scoring
from uncounted.link.backends import duckdb_connection
from uncounted.link.cluster import cluster_records
from uncounted.link.features import build_features
from uncounted.link.model import LinkageModel
from uncounted.simulate import ConflictConfig, simulate_conflict, write_simulation
from uncounted.store import Project
from uncounted.workflow.simulated import ingest_simulated_lists

EXPECTED = Path(__file__).parent / "data" / "simulated_scores.json"


def _measure(folder: Path) -> dict[str, Any]:
    simulation = simulate_conflict(ConflictConfig(n_victims=1500, n_lists=4, seed=3), None)
    manifest = write_simulation(simulation, folder / "simulated", None)
    with Project.create(folder / "project") as project:
        ingest_simulated_lists(project, folder / "simulated", manifest)
        records = project.con.cursor().execute("SELECT * FROM records ORDER BY record_id").df()
    features = build_features(records)
    model = LinkageModel(seed=1).fit(features)
    pairs = model.predict(features)
    settings = model.model_
    assert settings is not None
    rules = [r["blocking_rule"] for r in settings["blocking_rules_to_generate_predictions"]]
    con = duckdb_connection()
    try:
        levels = compiled_scoring.pair_levels(con, features, settings, rules)
    finally:
        con.close()
    assert levels is not None
    clusters = cluster_records(pairs, features, 0.1).clusters
    sizes = Counter(Counter(clusters.values()).values())
    return {
        "records": features.num_rows,
        "prior": settings["probability_two_random_records_match"],
        "pairs": len(pairs),
        "linked_at_0.1": int((pairs["match_probability"] >= 0.1).sum()),
        "linked_at_0.9": int((pairs["match_probability"] >= 0.9).sum()),
        "match_weight_sum": float(pairs["match_weight"].sum()),
        "blocked_pairs": len(levels),
        "levels": {
            column.removeprefix("gamma_"): {
                str(int(k)): int(v) for k, v in sorted(levels[column].value_counts().items())
            }
            for column in levels.columns
            if column.startswith("gamma_")
        },
        "weights": {
            c["output_column_name"]: [
                None
                if level.get("is_null_level")
                else float(np.log2(level["m_probability"] / level["u_probability"]))
                for level in c["comparison_levels"]
            ]
            for c in settings["comparisons"]
        },
        "persons_at_0.1": len(set(clusters.values())),
        "person_sizes_at_0.1": {str(k): v for k, v in sorted(sizes.items())},
    }


def test_simulated_linkage_is_unchanged(tmp_path: Path) -> None:
    expected = json.loads(EXPECTED.read_text(encoding="utf-8"))
    found = _measure(tmp_path)
    # Counts exactly; sums of floating-point numbers to a relative 1e-9.
    for key in ("records", "pairs", "linked_at_0.1", "linked_at_0.9", "blocked_pairs", "levels"):
        assert found[key] == expected[key], key
    assert found["persons_at_0.1"] == expected["persons_at_0.1"]
    assert found["person_sizes_at_0.1"] == expected["person_sizes_at_0.1"]
    assert found["prior"] == pytest.approx(expected["prior"], rel=1e-9)
    assert found["match_weight_sum"] == pytest.approx(expected["match_weight_sum"], rel=1e-9)
    assert found["weights"].keys() == expected["weights"].keys()
    for name, weights in expected["weights"].items():
        ours = found["weights"][name]
        assert [w is None for w in ours] == [w is None for w in weights], name
        numbers = [w for w in weights if w is not None]
        assert [w for w in ours if w is not None] == pytest.approx(numbers, rel=1e-9), name
