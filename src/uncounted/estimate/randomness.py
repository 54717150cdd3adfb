"""One way to turn a user's seed into independent random streams."""

from __future__ import annotations

import numpy as np

Seed = int | np.random.SeedSequence | None


def seed_sequence(seed: Seed) -> np.random.SeedSequence:
    """A SeedSequence from an int, an existing SeedSequence, or None (fresh entropy)."""
    if isinstance(seed, np.random.SeedSequence):
        return seed
    return np.random.SeedSequence(seed)
