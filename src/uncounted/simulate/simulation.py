"""Run a whole synthetic conflict: victims, captures, the lists as written, and the truth."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import product
from typing import Any

import numpy as np
import pandas as pd

from uncounted.simulate.capture import check_designs, draw_captures
from uncounted.simulate.config import AGE_GROUPS, SEXES, ConflictConfig, ListDesign
from uncounted.simulate.hebrew import HebrewNames, make_hebrew_population
from uncounted.simulate.names import NameTables, load_name_tables, spelling_forms
from uncounted.simulate.population import ROLE_NAMES, Population, Progress, make_population
from uncounted.simulate.records import ListRecords, Spellings, build_list


@dataclass
class Simulation:
    """A synthetic conflict with known truth. Lists are in ``designs`` order."""

    config: ConflictConfig
    designs: tuple[ListDesign, ...]
    tables: NameTables
    population: Population
    captured: np.ndarray  # (victims, lists) bool: the victim is on the list at least once
    capture_probability: np.ndarray  # (victims, lists): the probability the list had
    lists: dict[str, ListRecords]

    @property
    def list_names(self) -> list[str]:
        return [design.name for design in self.designs]

    def person_ids(self) -> np.ndarray:
        width = max(7, len(str(self.population.size)))
        return np.array(
            [f"P{i:0{width}d}" for i in range(1, self.population.size + 1)], dtype=object
        )

    def capture_patterns(self) -> np.ndarray:
        """Per victim, a string of 0/1 per list in list order ("1010")."""
        digits = self.captured.astype(np.int8).astype(str)
        if digits.shape[1] == 0:
            return np.full(self.population.size, "", dtype=object)
        patterns = digits[:, 0].astype(object)
        for column in range(1, digits.shape[1]):
            patterns = patterns + digits[:, column]
        return patterns

    def persons_frame(self) -> pd.DataFrame:
        """True attributes of every victim, on a list or not, and the lists that have them."""
        pop = self.population
        words = self.tables.vocabulary
        frame = pd.DataFrame(
            {
                "person_id": self.person_ids(),
                "household_id": pop.household + 1,
                "clan_id": pop.clan + 1,
                "role": np.array(ROLE_NAMES, dtype=object)[pop.role],
                "sex": np.array(SEXES, dtype=object)[pop.sex],
                "age": pop.age,
                "age_group": np.array(AGE_GROUPS, dtype=object)[pop.age_group()],
                "date_of_birth": pop.date_of_birth.astype(str),
                "date_of_death": pop.date_of_death.astype(str),
                "governorate": np.array(pop.geography.regions, dtype=object)[pop.governorate],
                "town": np.array([t[1] for t in pop.geography.towns], dtype=object)[pop.town],
                "id_number": pop.id_number,
                "given_name": words[pop.given],
                "father_name": words[pop.father],
                "grandfather_name": words[pop.grandfather],
                "great_grandfather_name": words[pop.great_grandfather],
                "family_name": words[pop.family],
            }
        )
        # The parts a naming system has (Hebrew names have no father or grandfather name).
        frame["full_name"] = [
            " ".join(part for part in parts if part)
            for parts in zip(
                frame["given_name"], frame["father_name"], frame["grandfather_name"],
                frame["family_name"], strict=True,
            )
        ]  # fmt: skip
        if self.tables.latin is not None:
            latin = self.tables.latin
            frame["given_name_latin"] = latin[pop.given]
            frame["family_name_latin"] = latin[pop.family]
        for index, name in enumerate(self.list_names):
            frame[f"on_{name}"] = self.captured[:, index].astype(int)
        frame["capture_pattern"] = self.capture_patterns()
        return frame

    def truth_frame(self) -> pd.DataFrame:
        """One row per list row: which victim it is, and which errors were put into it."""
        ids = self.person_ids()
        parts = []
        for name, records in self.lists.items():
            rows = len(records.person)
            parts.append(
                pd.DataFrame(
                    {
                        "list": name,
                        "row_number": np.arange(1, rows + 1),
                        "person_id": ids[records.person],
                        "extra_copy": records.extra_copy.astype(int),
                        "errors": records.errors,
                    }
                )
            )
        columns = ["list", "row_number", "person_id", "extra_copy", "errors"]
        return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=columns)

    def summary(self) -> dict[str, Any]:
        """The true totals: overall, per list, per stratum and per capture pattern."""
        pop = self.population
        patterns = self.capture_patterns()
        lists = []
        for index, design in enumerate(self.designs):
            records = self.lists[design.name]
            lists.append(
                {
                    "name": design.name,
                    "script": design.script,
                    "rows": len(records.person),
                    "persons": int(self.captured[:, index].sum()),
                    "extra_copies": int(records.extra_copy.sum()),
                }
            )
        strata = []
        age_group = pop.age_group()
        for (a, age_label), (s, sex_label), (g, gov_label) in product(
            enumerate(AGE_GROUPS), enumerate(SEXES), enumerate(pop.geography.regions)
        ):
            inside = (age_group == a) & (pop.sex == s) & (pop.governorate == g)
            caught = self.captured[inside]
            strata.append(
                {
                    "age_group": age_label,
                    "sex": sex_label,
                    "governorate": gov_label,
                    "total": int(inside.sum()),
                    "observed": int(caught.any(axis=1).sum()),
                    "per_list": {
                        name: int(caught[:, i].sum()) for i, name in enumerate(self.list_names)
                    },
                    "capture_patterns": _pattern_counts(patterns[inside], len(self.designs)),
                }
            )
        observed = int(self.captured.any(axis=1).sum())
        population = {} if self.config.population == "gaza" else {"population": "hebrew"}
        return {
            **population,
            "seed": self.config.seed,
            "true_total": pop.size,
            "observed": observed,
            "unobserved": pop.size - observed,
            "list_order": self.list_names,
            "lists": lists,
            "capture_patterns": _pattern_counts(patterns, len(self.designs)),
            "strata": strata,
        }


def _pattern_counts(patterns: np.ndarray, n_lists: int) -> dict[str, int]:
    """Counts of every capture pattern, the unobserved all-zero one included, in binary order."""
    values, counts = np.unique(patterns.astype(str), return_counts=True)
    found = dict(zip(values.tolist(), counts.tolist(), strict=True))
    return {
        "".join(bits): int(found.get("".join(bits), 0)) for bits in product("01", repeat=n_lists)
    }


def simulate_conflict(config: ConflictConfig, progress: Progress | None = None) -> Simulation:
    """Generate victims, draw who each list records, and write each list's rows.

    ``progress(stage, done, total)`` is called as the work advances. The same config gives
    the same simulation: all randomness comes from generators seeded by ``config.seed``,
    one per stage and one per list, so changing one list leaves the others' draws alone.
    """
    if config.n_victims < 1:
        raise ValueError("n_victims must be at least 1")
    designs = config.list_designs()
    check_designs(designs)
    streams = np.random.SeedSequence(config.seed).spawn(2)
    population_rng = np.random.default_rng(streams[0])
    capture_rng = np.random.default_rng(streams[1])
    spellings: Spellings | HebrewNames
    if config.population == "hebrew":
        hebrew_names = HebrewNames()
        population = make_hebrew_population(config, hebrew_names, population_rng, progress)
        # after the population: it adds the double family names it made
        tables = hebrew_names.name_tables()
        spellings = hebrew_names
    else:
        tables = load_name_tables()
        population = make_population(config, tables, population_rng, progress)
        spellings = Spellings(tables, spelling_forms(tables.vocabulary))
    captured, probability = draw_captures(population, designs, capture_rng)
    household_size = np.bincount(population.household)
    household_start = (np.cumsum(household_size) - household_size)[population.household]
    size_per_person = household_size[population.household]
    lists: dict[str, ListRecords] = {}
    total = len(designs)
    for index, design in enumerate(designs):
        if progress:
            progress("lists", index, total)
        list_seed = np.random.SeedSequence([config.seed, 1 + index, _stable_hash(design.name)])
        members = np.flatnonzero(captured[:, index])
        lists[design.name] = build_list(
            design,
            design.errors.scaled(config.error_scale),
            members,
            population,
            spellings,
            household_start,
            size_per_person,
            np.random.default_rng(list_seed),
        )
    if progress:
        progress("lists", total, total)
    return Simulation(
        config=config,
        designs=designs,
        tables=tables,
        population=population,
        captured=captured,
        capture_probability=probability,
        lists=lists,
    )


def _stable_hash(text: str) -> int:
    """A seed component from a name; Python's hash() changes between runs."""
    value = 0
    for byte in text.encode("utf-8"):
        value = (value * 131 + byte) % (2**32)
    return value
