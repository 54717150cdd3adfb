"""uncounted.estimate"""

from uncounted.estimate.bootstrap import Bootstrap
from uncounted.estimate.coverage import SampleCoverage
from uncounted.estimate.dga import DGA
from uncounted.estimate.ensemble import Ensemble
from uncounted.estimate.lcmcr import LCMCR
from uncounted.estimate.loglinear import Independence, LogLinear
from uncounted.estimate.methods import make_estimator, method_names
from uncounted.estimate.models import HierarchicalModel, all_hierarchical_models
from uncounted.estimate.result import EstimateResult
from uncounted.estimate.selection import BestModel, Stepwise
from uncounted.estimate.simple import Chapman
from uncounted.estimate.strata import StratifiedEstimate, estimate_tables
from uncounted.estimate.table import CaptureTable

__all__ = [
    "DGA",
    "LCMCR",
    "BestModel",
    "Bootstrap",
    "CaptureTable",
    "Chapman",
    "Ensemble",
    "EstimateResult",
    "HierarchicalModel",
    "Independence",
    "LogLinear",
    "SampleCoverage",
    "Stepwise",
    "StratifiedEstimate",
    "all_hierarchical_models",
    "estimate_tables",
    "make_estimator",
    "method_names",
]
