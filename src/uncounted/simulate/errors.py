"""Recording errors on IDs, ages and dates, vectorised where the values allow it.

Name errors (letter confusions, splits) live in :mod:`uncounted.simulate.names`, next to the
letters they confuse. Each function here takes the values and a boolean mask of the records
hit, and returns the new values and the mask of records that actually changed, so the truth
file reports only errors that are really in the data.
"""

from __future__ import annotations

import numpy as np


def one_digit_off(ids: np.ndarray, hit: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Replace one digit by another. A single wrong digit always breaks the check digit."""
    changed = hit & (ids != "")
    for i in np.flatnonzero(changed):
        value = ids[i]
        position = int(rng.integers(len(value)))
        digit = (int(value[position]) + int(rng.integers(1, 10))) % 10
        ids[i] = value[:position] + str(digit) + value[position + 1 :]
    return changed


def transpose_digits(ids: np.ndarray, hit: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Swap two neighbouring digits that differ."""
    changed = np.zeros(len(ids), dtype=bool)
    for i in np.flatnonzero(hit & (ids != "")):
        value = ids[i]
        spots = [k for k in range(len(value) - 1) if value[k] != value[k + 1]]
        if not spots:
            continue
        k = spots[int(rng.integers(len(spots)))]
        ids[i] = value[:k] + value[k + 1] + value[k] + value[k + 2 :]
        changed[i] = True
    return changed


def relative_id(
    ids: np.ndarray,
    hit: np.ndarray,
    person: np.ndarray,
    household_start: np.ndarray,
    household_size: np.ndarray,
    true_ids: np.ndarray,
    rng: np.random.Generator,
) -> np.ndarray:
    """Write the ID of another victim of the same household (a parent's, a sibling's)."""
    size = household_size[person]
    candidates = hit & (size > 1)
    picks = np.flatnonzero(candidates)
    step = 1 + np.floor(rng.random(len(picks)) * (size[picks] - 1)).astype(int)
    start = household_start[person[picks]]
    other = start + (person[picks] - start + step) % size[picks]
    new = true_ids[other]
    changed = np.zeros(len(ids), dtype=bool)
    usable = (new != "") & (new != ids[picks])
    ids[picks[usable]] = new[usable]
    changed[picks[usable]] = True
    return changed


def shift_days(
    dates: np.ndarray, hit: np.ndarray, rng: np.random.Generator, most: int
) -> np.ndarray:
    """Move dates by one to ``most`` days, either way."""
    shift = rng.integers(1, most + 1, len(dates)) * np.where(rng.random(len(dates)) < 0.5, -1, 1)
    return np.where(hit, dates + shift.astype("timedelta64[D]"), dates)


def drift_birth_year(dob: np.ndarray, hit: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    years = np.where(rng.random(len(dob)) < 0.5, -1, 1)
    moved = dob.astype("datetime64[M]") + (12 * years).astype("timedelta64[M]")
    day = (dob - dob.astype("datetime64[M]").astype("datetime64[D]")).astype(int)
    shifted = moved.astype("datetime64[D]") + np.minimum(day, 27).astype("timedelta64[D]")
    return np.where(hit, shifted, dob)


def placeholder_dob(dob: np.ndarray, hit: np.ndarray) -> np.ndarray:
    """Only the year was known: written as 1 January of that year."""
    return np.where(hit, dob.astype("datetime64[Y]").astype("datetime64[D]"), dob)


def recorded_age(
    true_age: np.ndarray,
    off_by_one: np.ndarray,
    heaping: np.ndarray,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(age as written, changed by drift, changed by heaping).

    Drift is mostly upwards: lists count age at the day of the report, not of the death.
    Heaping rounds to the nearest multiple of five, as people do when they guess an age.
    """
    drift = np.where(rng.random(len(true_age)) < 0.75, 1, -1)
    age = np.where(off_by_one, np.maximum(true_age + drift, 0), true_age)
    drifted = age != true_age
    heap = heaping & (age >= 15)
    rounded = 5 * np.floor((age + 2.5) / 5).astype(int)
    heaped = heap & (rounded != age)
    return np.where(heap, rounded, age), drifted, heaped
