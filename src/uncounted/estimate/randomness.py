"""One way to turn a user's seed into independent random streams."""

from __future__ import annotations

import numpy as np

Seed = int | np.random.SeedSequence | None


def seed_sequence(seed: Seed) -> np.random.SeedSequence:
    """A SeedSequence from an int, an existing SeedSequence, or None (fresh entropy)."""
    if isinstance(seed, np.random.SeedSequence):
        return seed
    return np.random.SeedSequence(seed)


def unspawned(seed: np.random.SeedSequence) -> np.random.SeedSequence:
    """The same seed as it was before anything spawned from it.

    ``SeedSequence.spawn`` counts the children it has given, so passing one object to two
    estimators gives them different streams, and passing pickled copies (other processes)
    gives them the same: a fresh copy makes the stream depend on the seed alone."""
    return np.random.SeedSequence(seed.entropy, spawn_key=seed.spawn_key,
                                  pool_size=seed.pool_size)
