"""The victims: households, names, ages, places, dates of death and ID numbers.

Deaths come in households: a strike kills a father, his wife and children together, or a man
alone. Names follow the Gaza pattern given - father - grandfather - family, so children share
their father's given name as their father name and his father name as their grandfather name,
brothers' households share grandfather and family, and a wife keeps her own father's lineage.
That is what makes linkage hard: many victims have nearly the same name.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources

import numpy as np

from uncounted.simulate.config import GOVERNORATES, ConflictConfig, Wave
from uncounted.simulate.geography import GAZA, TOWN_WEIGHTS, TOWNS, Geography
from uncounted.simulate.names import NameTables

__all__ = ["TOWNS", "TOWN_WEIGHTS", "Population", "make_population"]

HEAD, SPOUSE, CHILD, SIBLING, GRANDFATHER, GRANDMOTHER, SINGLE = range(7)
ROLE_NAMES: tuple[str, ...] = (
    "head",
    "spouse",
    "child",
    "sibling_of_head",
    "grandfather",
    "grandmother",
    "alone",
)
MALE, FEMALE = 0, 1

Progress = Callable[[str, int, int], None]


@dataclass
class Population:
    """One row per victim, as parallel arrays (person i is index i)."""

    household: np.ndarray
    clan: np.ndarray
    role: np.ndarray
    sex: np.ndarray  # MALE / FEMALE
    age: np.ndarray  # true age in whole years at death
    date_of_birth: np.ndarray  # datetime64[D]
    date_of_death: np.ndarray  # datetime64[D]
    governorate: np.ndarray  # index into geography.regions (for Gaza, GOVERNORATES)
    town: np.ndarray  # index into geography.towns
    id_number: np.ndarray  # str, "" for victims who never had one
    # Name parts as token ids into NameTables.vocabulary.
    given: np.ndarray
    father: np.ndarray
    grandfather: np.ndarray
    great_grandfather: np.ndarray
    family: np.ndarray
    visibility: np.ndarray  # latent tendency to be recorded by any list
    # The date of the attack that killed the household: the date of death, except for those
    # who died of their wounds days later. Field lists record this date.
    date_of_incident: np.ndarray | None = None
    geography: Geography = GAZA

    @property
    def size(self) -> int:
        return len(self.sex)

    def age_group(self) -> np.ndarray:
        return np.where(self.age < 18, 0, np.where(self.age < 60, 1, 2))


def read_age_table() -> dict[int, tuple[np.ndarray, np.ndarray]]:
    """Victims by age (0-90, 90 = 90+) per sex, from the packaged table."""
    text = resources.files("uncounted.simulate").joinpath("data/age_sex.tsv").read_text("utf-8")
    ages: dict[int, list[tuple[int, int]]] = {MALE: [], FEMALE: []}
    for row in csv.DictReader(text.splitlines(), delimiter="\t"):
        ages[MALE if row["sex"] == "M" else FEMALE].append((int(row["age"]), int(row["people"])))
    return {
        sex: (np.array([a for a, _ in rows]), np.array([n for _, n in rows], dtype=float))
        for sex, rows in ages.items()
    }


def _household_sizes(rng: np.random.Generator, n_victims: int) -> np.ndarray:
    """Victims per household: many lone victims, and a long tail of whole families."""
    sizes: list[np.ndarray] = []
    total = 0
    while total < n_victims:
        batch = max(64, (n_victims - total) // 2)
        alone = rng.random(batch) < 0.55
        family = 2 + rng.negative_binomial(1.5, 0.4, size=batch)
        drawn = np.where(alone, 1, np.minimum(family, 40))
        sizes.append(drawn)
        total += int(drawn.sum())
    all_sizes = np.concatenate(sizes)
    ends = np.cumsum(all_sizes)
    keep = int(np.searchsorted(ends, n_victims)) + 1
    all_sizes = all_sizes[:keep].copy()
    all_sizes[-1] -= int(all_sizes.sum()) - n_victims
    return all_sizes


def _roles(rng: np.random.Generator, sizes: np.ndarray, member: np.ndarray) -> np.ndarray:
    n = len(member)
    size = np.repeat(sizes, sizes)
    u = rng.random(n)
    role = np.where(u < 0.88, CHILD, SIBLING)
    role = np.where((member == 0) & (rng.random(n) < 0.75), HEAD, role)
    role = np.where((member == 1) & (rng.random(n) < 0.65), SPOUSE, role)
    role = np.where((member == 2) & (size >= 5) & (rng.random(n) < 0.2), GRANDFATHER, role)
    role = np.where((member == 3) & (size >= 6) & (rng.random(n) < 0.2), GRANDMOTHER, role)
    return np.where(size == 1, SINGLE, role)


def _ages_and_sexes(
    rng: np.random.Generator, role: np.ndarray, household: np.ndarray, n_households: int
) -> tuple[np.ndarray, np.ndarray]:
    n = len(role)
    head_age = np.minimum(22 + rng.gamma(3.0, 6.0, size=n_households), 80).astype(int)[household]
    sex = np.where(rng.random(n) < 0.5, MALE, FEMALE)
    age = np.zeros(n, dtype=int)
    is_child = role == CHILD
    span = np.clip(head_age - 18, 1, 32)
    # Young children outnumber older ones in large families.
    age[is_child] = np.floor(rng.random(int(is_child.sum())) ** 1.1 * span[is_child]).astype(int)
    age[role == HEAD] = head_age[role == HEAD]
    sex[role == HEAD] = MALE
    spouse = role == SPOUSE
    age[spouse] = np.maximum(17, head_age[spouse] - rng.integers(0, 11, int(spouse.sum())))
    sex[spouse] = FEMALE
    sibling = role == SIBLING
    age[sibling] = np.maximum(1, head_age[sibling] + rng.integers(-10, 11, int(sibling.sum())))
    elder_m = role == GRANDFATHER
    age[elder_m] = head_age[elder_m] + 22 + rng.integers(0, 16, int(elder_m.sum()))
    sex[elder_m] = MALE
    elder_f = role == GRANDMOTHER
    age[elder_f] = head_age[elder_f] + 18 + rng.integers(0, 13, int(elder_f.sum()))
    sex[elder_f] = FEMALE
    alone = role == SINGLE
    if alone.any():
        table = read_age_table()
        male_share = table[MALE][1][15:].sum() / (
            table[MALE][1][15:].sum() + table[FEMALE][1][15:].sum()
        )
        alone_sex = np.where(rng.random(int(alone.sum())) < male_share, MALE, FEMALE)
        alone_age = np.empty(int(alone.sum()), dtype=int)
        for s in (MALE, FEMALE):
            ages, people = table[s]
            # Lone deaths are mostly of adults; children die with their families.
            weights = np.where(ages >= 15, people, people * 0.15)
            picks = alone_sex == s
            alone_age[picks] = rng.choice(ages, size=int(picks.sum()), p=weights / weights.sum())
        age[alone] = alone_age + np.where(alone_age >= 90, rng.integers(0, 8, len(alone_age)), 0)
        sex[alone] = alone_sex
    return np.minimum(age, 104), sex


def _death_dates(
    rng: np.random.Generator, waves: tuple[Wave, ...], n_households: int, n_regions: int
) -> tuple[np.ndarray, np.ndarray]:
    """A date of death and a region per household, wave by wave."""
    shares = np.array([w.share for w in waves], dtype=float)
    wave = rng.choice(len(waves), size=n_households, p=shares / shares.sum())
    starts = np.array([np.datetime64(w.start, "D") for w in waves])
    lengths = np.array([(w.end - w.start).days + 1 for w in waves])
    # Each wave starts hard and tails off.
    offset = np.floor(rng.random(n_households) ** 1.4 * lengths[wave]).astype(int)
    dod = starts[wave] + offset.astype("timedelta64[D]")
    governorate = np.empty(n_households, dtype=int)
    for index, w in enumerate(waves):
        picks = wave == index
        weights = np.array(w.places, dtype=float)
        governorate[picks] = rng.choice(n_regions, size=int(picks.sum()), p=weights / weights.sum())
    return dod, governorate


def _towns(
    rng: np.random.Generator, governorate: np.ndarray, geography: Geography = GAZA
) -> np.ndarray:
    town_gov = geography.town_region()
    all_weights = np.array(geography.town_weights, dtype=float)
    town = np.empty(len(governorate), dtype=int)
    for g in range(len(geography.regions)):
        candidates = np.flatnonzero(town_gov == g)
        weights = all_weights[candidates] / all_weights[candidates].sum()
        picks = governorate == g
        town[picks] = rng.choice(candidates, size=int(picks.sum()), p=weights)
    return town


def years_between(start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """Whole calendar years from ``start`` to ``end`` (datetime64[D] arrays)."""
    start_y = start.astype("datetime64[Y]").astype(int)
    end_y = end.astype("datetime64[Y]").astype(int)
    start_md = (start - start.astype("datetime64[Y]").astype("datetime64[D]")).astype(int)
    end_md = (end - end.astype("datetime64[Y]").astype("datetime64[D]")).astype(int)
    # Day-of-year comparison is off by one around 29 February; a day's error is harmless here.
    return end_y - start_y - (end_md < start_md).astype(int)


def check_digits(first_eight: np.ndarray) -> np.ndarray:
    """The ninth digit of each ID, vectorised.

    Same arithmetic as ``uncounted.core.ids.check_digit`` (weights 1, 2, 1, 2, ..., digit sums
    of two-digit products); the tests hold the two equal. Looping over that function costs
    seconds at a million victims.
    """
    total = np.zeros(len(first_eight), dtype=np.int64)
    rest = first_eight.astype(np.int64).copy()
    for position in range(7, -1, -1):
        digit = rest % 10
        rest //= 10
        product = digit * (1 if position % 2 == 0 else 2)
        total += np.where(product > 9, product - 9, product)
    return (10 - total % 10) % 10


def _ids(
    rng: np.random.Generator, birth_year: np.ndarray, share_without: float, age: np.ndarray
) -> np.ndarray:
    """Unique valid 9-digit IDs; the leading digit follows the birth cohort as in the real lists."""
    n = len(birth_year)
    lead = np.where(birth_year < 1980, 9, np.where(birth_year < 1992, 8, 4))
    body = lead * 10_000_000 + rng.integers(0, 10_000_000, n)
    while True:
        order = np.argsort(body, kind="stable")
        clash = np.zeros(n, dtype=bool)
        clash[order[1:]] = body[order[1:]] == body[order[:-1]]
        if not clash.any():
            break
        body[clash] = lead[clash] * 10_000_000 + rng.integers(0, 10_000_000, int(clash.sum()))
    ids = np.char.add(np.char.zfill(body.astype(str), 8), check_digits(body).astype(str))
    ids = ids.astype(object)
    # Those without an ID are mostly babies born during the war.
    weight = np.where(age == 0, 20.0, 1.0)
    without = rng.random(n) < share_without * weight * n / weight.sum()
    ids[without] = ""
    return ids


def _distinct_given_names(
    rng: np.random.Generator, tables: NameTables, given: np.ndarray, sex: np.ndarray,
    father: np.ndarray, household: np.ndarray, role: np.ndarray,
) -> np.ndarray:  # fmt: skip
    """Redraw given names so that siblings in one household do not share one."""
    sibling_like = np.isin(role, (CHILD, SIBLING, SINGLE))
    for _ in range(8):
        key = household.astype(np.int64) * 4_000_000 + father * 2000 + given
        order = np.argsort(key, kind="stable")
        repeated = np.zeros(len(key), dtype=bool)
        repeated[order[1:]] = key[order[1:]] == key[order[:-1]]
        redo = repeated & sibling_like
        if not redo.any():
            break
        for s, table in ((MALE, tables.given_male), (FEMALE, tables.given_female)):
            picks = np.flatnonzero(redo & (sex == s))
            given[picks] = table.draw(rng, len(picks))
    return given


def make_population(
    config: ConflictConfig, tables: NameTables, rng: np.random.Generator,
    progress: Progress | None = None,
) -> Population:  # fmt: skip
    n = config.n_victims
    sizes = _household_sizes(rng, n)
    n_households = len(sizes)
    household = np.repeat(np.arange(n_households), sizes)
    starts = np.cumsum(sizes) - sizes
    member = np.arange(n) - np.repeat(starts, sizes)
    role = _roles(rng, sizes, member)
    age, sex = _ages_and_sexes(rng, role, household, n_households)
    if progress:
        progress("population", n // 3, n)

    # Brothers' households form a clan that shares the grandfather's line and the family name.
    clan_of_household = np.cumsum(rng.random(n_households) < 0.62) - 1
    clan_of_household -= clan_of_household.min()
    n_clans = int(clan_of_household.max()) + 1
    clan_father = tables.grandfather.draw(rng, n_clans)  # the clan's G
    clan_grandfather = tables.grandfather.draw(rng, n_clans)  # GG
    clan_great = tables.grandfather.draw(rng, n_clans)  # GGG
    clan_family = tables.family.draw(rng, n_clans)
    clan = clan_of_household[household]
    head_name = tables.father.draw(rng, n_households)[household]  # F
    g, gg, ggg, fam = clan_father[clan], clan_grandfather[clan], clan_great[clan], clan_family[clan]
    fresh = tables.grandfather.draw(rng, n)

    given = np.where(sex == MALE, tables.given_male.draw(rng, n), tables.given_female.draw(rng, n))
    father = head_name.copy()
    grandfather = g.copy()
    great = gg.copy()
    family = fam.copy()
    by_role = {
        HEAD: (head_name, g, gg, ggg),
        SIBLING: (given, g, gg, ggg),
        GRANDFATHER: (g, gg, ggg, fresh),
    }
    for r, (gi, fa, gf, ggf) in by_role.items():
        picks = role == r
        given[picks], father[picks], grandfather[picks], great[picks] = (
            gi[picks], fa[picks], gf[picks], ggf[picks],
        )  # fmt: skip
    # Wives and grandmothers carry their own father's line; some married a cousin.
    married_in = np.isin(role, (SPOUSE, GRANDMOTHER))
    k = int(married_in.sum())
    father[married_in] = tables.father.draw(rng, k)
    grandfather[married_in] = tables.grandfather.draw(rng, k)
    great[married_in] = tables.grandfather.draw(rng, k)
    cousin = rng.random(k) < 0.3
    family[married_in] = np.where(cousin, fam[married_in], tables.family.draw(rng, k))
    given = _distinct_given_names(rng, tables, given, sex, father, household, role)
    if progress:
        progress("population", 2 * n // 3, n)

    dod_household, gov_household = _death_dates(rng, config.waves, n_households, len(GOVERNORATES))
    # Most of a household dies together; some die of their wounds days later.
    late = np.where(rng.random(n) < 0.1, rng.integers(1, 15, n), 0)
    end = np.datetime64(max(w.end for w in config.waves), "D")
    dod = np.minimum(dod_household[household] + late.astype("timedelta64[D]"), end)
    governorate = gov_household[household]
    town = _towns(rng, gov_household)[household]
    days_into_year = rng.integers(0, 365, n)
    dob = (
        dod
        - (age * 365.2425).astype(int).astype("timedelta64[D]")
        - days_into_year.astype("timedelta64[D]")
    )
    age = years_between(dob, dod)
    birth_year = dob.astype("datetime64[Y]").astype(int) + 1970
    id_number = _ids(rng, birth_year, config.share_without_id, age)

    share = config.household_visibility_share
    visibility = np.sqrt(share) * rng.standard_normal(n_households)[household] + np.sqrt(
        1 - share
    ) * rng.standard_normal(n)
    if progress:
        progress("population", n, n)
    return Population(
        household=household,
        clan=clan,
        role=role,
        sex=sex,
        age=age,
        date_of_birth=dob,
        date_of_death=dod,
        governorate=governorate,
        town=town,
        id_number=id_number,
        given=given,
        father=father,
        grandfather=grandfather,
        great_grandfather=great,
        family=family,
        visibility=visibility,
        date_of_incident=dod_household[household],
    )
