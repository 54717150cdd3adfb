"""Linkage of real releases with the ID numbers hidden, scored against those IDs.

The data sets are built by ``benchmarks/linkage_accuracy.py`` (read from ``../shared/data`` at
test time, never copied). Floors are the figures measured there, less a margin for the prior,
which is estimated from a random sample of pairs. Nothing here prints a name.
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
from pathlib import Path
from types import ModuleType

import pytest

pytestmark = [pytest.mark.realdata, pytest.mark.slow]

BENCHMARK = Path(__file__).resolve().parents[2] / "benchmarks" / "linkage_accuracy.py"


def _benchmark() -> ModuleType:
    spec = importlib.util.spec_from_file_location("linkage_accuracy", BENCHMARK)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _figures(run: str, folder: Path) -> dict[str, float]:
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        getattr(_benchmark(), run)(folder)
    figures = {}
    for line in printed.getvalue().splitlines():
        name, _, value = line.partition(": ")
        figures[name] = float(value)
    return figures


def test_two_moh_releases_without_ids(tmp_path: Path, shared_data: Path) -> None:
    figures = _figures("moh", tmp_path)
    # Measured: precision 0.992, recall 0.974, F1 0.983; exact names alone: F1 0.80.
    assert figures["moh_exact_name_baseline_pair_f1"] < 0.81
    assert figures["moh_pair_precision"] >= 0.985
    assert figures["moh_pair_f1"] >= 0.975
    assert figures["moh_bcubed_f1"] >= 0.99
    # Rows of one release with one ID and one name: all but those whose sex or age disagree.
    assert figures["moh_duplicate_pairs_in_one_person"] >= 0.94 * figures[
        "moh_duplicate_pairs_same_id_and_name"
    ]


def test_arabic_names_against_their_english_transliteration(
    tmp_path: Path, shared_data: Path
) -> None:
    figures = _figures("cross_script", tmp_path)
    # Measured: precision 0.999, recall 0.994, F1 0.996.
    assert figures["cross_script_pair_precision"] >= 0.99
    assert figures["cross_script_pair_f1"] >= 0.98
