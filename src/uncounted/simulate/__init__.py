"""uncounted.simulate: synthetic conflicts with known truth, for the demo, tests and benchmarks.

``simulate_conflict(ConflictConfig(n_victims=20000, n_lists=4, seed=1))`` draws victims in
households, decides which lists record whom, and writes each list's rows in its own script,
spelling and format, with recording errors; ``write_simulation(sim, outdir)`` writes one CSV
per list plus the truth (``truth.csv``, ``persons.csv``, ``truth.json``) and a manifest.
See ``docs/simulation.md`` for what the model makes realistic and what it simplifies.
"""

from uncounted.simulate.config import (
    DEFAULT_LISTS,
    DEFAULT_WAVES,
    NO_ERRORS,
    ConflictConfig,
    ListDesign,
    ListFormat,
    RecordingErrors,
    Wave,
)
from uncounted.simulate.simulation import Simulation, simulate_conflict
from uncounted.simulate.writer import write_simulation

__all__ = [
    "DEFAULT_LISTS",
    "DEFAULT_WAVES",
    "NO_ERRORS",
    "ConflictConfig",
    "ListDesign",
    "ListFormat",
    "RecordingErrors",
    "Simulation",
    "Wave",
    "simulate_conflict",
    "write_simulation",
]
