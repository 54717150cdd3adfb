"""uncounted.estimate"""

from uncounted.estimate.bootstrap import Bootstrap
from uncounted.estimate.loglinear import Independence, LogLinear
from uncounted.estimate.models import HierarchicalModel, all_hierarchical_models
from uncounted.estimate.selection import BestModel, Stepwise

__all__ = [
    "BestModel",
    "Bootstrap",
    "HierarchicalModel",
    "Independence",
    "LogLinear",
    "Stepwise",
    "all_hierarchical_models",
]
