"""Estimation benchmarks: ``python benchmarks/estimation.py`` from the repository root.

The first four lines are the headline figures; the lines after them give baselines and ratios.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from loglinear_figures import (
    all_models_5_lists_baseline_seconds,
    all_models_5_lists_seconds,
    bootstrap_1000_stepwise_4_lists_baseline_seconds,
    bootstrap_1000_stepwise_4_lists_seconds,
)


def _bayes() -> tuple[float, float]:
    try:
        from bayes_figures import dga_5_lists_seconds, lcmcr_us_per_sweep
    except ImportError:
        return math.nan, math.nan
    return float(lcmcr_us_per_sweep()), float(dga_5_lists_seconds())


def main() -> None:
    lcmcr, dga = _bayes()
    all_models = all_models_5_lists_seconds()
    bootstrap = bootstrap_1000_stepwise_4_lists_seconds()
    print(f"lcmcr_us_per_sweep: {lcmcr:.3f}")
    print(f"all_models_5_lists_s: {all_models:.3f}")
    print(f"bootstrap_1000_stepwise_4_lists_s: {bootstrap:.3f}")
    print(f"dga_5_lists_s: {dga:.3f}")
    all_models_base = all_models_5_lists_baseline_seconds()
    bootstrap_base = bootstrap_1000_stepwise_4_lists_baseline_seconds()
    print(f"all_models_5_lists_numpy_irls_baseline_s: {all_models_base:.3f}")
    print(f"all_models_5_lists_speedup_vs_numpy: {all_models_base / all_models:.2f}")
    print(f"all_models_5_lists_speedup_vs_r_rcapture_48s: {48.0 / all_models:.1f}")
    print(f"bootstrap_1000_stepwise_4_lists_general_path_1core_baseline_s: {bootstrap_base:.3f}")
    print(f"bootstrap_1000_stepwise_4_lists_speedup_vs_general: {bootstrap_base / bootstrap:.2f}")
    print(f"bootstrap_1000_stepwise_4_lists_speedup_vs_r_sparsemse_40s: {40.0 / bootstrap:.1f}")


if __name__ == "__main__":
    main()
