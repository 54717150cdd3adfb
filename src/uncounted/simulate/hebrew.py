"""The Hebrew population: Israelis killed from 7 October 2023, with Hebrew names.

Names are a given name and a family name. The tables below are small and were written from
general knowledge of common Hebrew names (not taken from any list of victims): about forty
given names per sex and forty family names, weighted so that a few (Cohen, Levi, Noa, Yosef)
are common, as in life. A common given name and a common family name can make a pair that a
real person bears, as with any common names; nothing else about a simulated person is real.

Each name has its Hebrew spelling, other Hebrew spellings (a nickname such as יוסי for יוסף,
full or defective spelling such as סיוון / סיון) and English transliterations, most usual first
(Yosef, Yossi, Joseph). Some married women carry a double family name (כהן-לוי, Cohen-Levi),
which lists write whole, with a space, or only one half.

Households: most victims die alone (young adults, mostly men: soldiers, festival-goers); the
rest with their family (a couple, their children), as in the communities by the Gaza fence.
Deaths follow ``HEBREW_WAVES`` (most on 7 October 2023); places are places of residence
(:data:`uncounted.simulate.geography.ISRAEL`). ID numbers are 9 digits with the same check
digit as the Gaza population's.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from uncounted.simulate.config import ConflictConfig, ListDesign, RecordingErrors
from uncounted.simulate.geography import ISRAEL
from uncounted.simulate.names import NameTables, TokenTable, latin_typo
from uncounted.simulate.population import (
    CHILD,
    FEMALE,
    HEAD,
    MALE,
    SINGLE,
    SPOUSE,
    Population,
    Progress,
    _death_dates,
    _towns,
    check_digits,
    years_between,
)

Record = Callable[[np.ndarray, str], None]


@dataclass(frozen=True)
class HebrewName:
    hebrew: str
    weight: float
    latin: tuple[str, ...]  # most usual first
    hebrew_variants: tuple[str, ...] = ()


def _n(hebrew: str, weight: float, *latin: str, variants: tuple[str, ...] = ()) -> HebrewName:
    return HebrewName(hebrew, weight, latin, variants)


GIVEN_MALE: tuple[HebrewName, ...] = (
    _n("יוסף", 5, "Yosef", "Yossi", "Joseph", "Yoseph", variants=("יוסי",)),
    _n("דוד", 5, "David", "Dudi", "Dovid", variants=("דודי",)),
    _n("משה", 4, "Moshe", "Moishe", "Moses"),
    _n("אברהם", 4, "Avraham", "Abraham", "Avi", variants=("אבי",)),
    _n("יצחק", 3, "Yitzhak", "Itzhak", "Yitzchak", "Isaac", variants=("איציק",)),
    _n("יעקב", 3, "Yaakov", "Yaacov", "Jacob", "Yakov", variants=("קובי",)),
    _n("שמואל", 2, "Shmuel", "Samuel", "Shmulik"),
    _n("אריאל", 3, "Ariel"),
    _n("איתי", 4, "Itay", "Itai", "Etai", variants=("איתיי",)),
    _n("עומר", 4, "Omer", "Omar"),
    _n("נועם", 4, "Noam"),
    _n("אורי", 3, "Uri", "Ori"),
    _n("יונתן", 4, "Yonatan", "Jonathan", "Yoni", variants=("יהונתן",)),
    _n("דניאל", 4, "Daniel"),
    _n("עידו", 3, "Ido", "Iddo"),
    _n("איתן", 3, "Eitan", "Etan", "Ethan"),
    _n("אלון", 3, "Alon"),
    _n("רון", 3, "Ron"),
    _n("גיא", 3, "Guy", "Gai"),
    _n("עמית", 3, "Amit"),
    _n("תומר", 3, "Tomer"),
    _n("יואב", 3, "Yoav"),
    _n("נדב", 2, "Nadav"),
    _n("אביב", 2, "Aviv"),
    _n("אלעד", 2, "Elad"),
    _n("שחר", 2, "Shahar", "Shachar"),
    _n("בן", 2, "Ben"),
    _n("מתן", 2, "Matan"),
    _n("אסף", 2, "Asaf", "Assaf"),
    _n("רועי", 3, "Roy", "Roei", "Roi", variants=("רואי",)),
    _n("אליהו", 2, "Eliyahu", "Eliahu", "Eli", variants=("אלי",)),
    _n("חיים", 2, "Haim", "Chaim", "Hayim"),
    _n("מאיר", 2, "Meir"),
    _n("שלמה", 2, "Shlomo", "Solomon"),
    _n("אהרון", 2, "Aharon", "Aaron", "Aron", variants=("אהרן",)),
    _n("יהודה", 2, "Yehuda", "Yehudah", "Judah"),
    _n("צבי", 1, "Tzvi", "Zvi", "Tsvi"),
    _n("מרדכי", 1, "Mordechai", "Motti", "Mordehai", variants=("מוטי",)),
    _n("ניר", 2, "Nir"),
    _n("גלעד", 2, "Gilad"),
)
GIVEN_FEMALE: tuple[HebrewName, ...] = (
    _n("נועה", 5, "Noa", "Noah"),
    _n("מאיה", 4, "Maya", "Maia", variants=("מיה",)),
    _n("תמר", 4, "Tamar"),
    _n("שירה", 4, "Shira"),
    _n("יעל", 4, "Yael", "Jael"),
    _n("מיכל", 4, "Michal"),
    _n("רחל", 3, "Rachel", "Rahel"),
    _n("שרה", 3, "Sarah", "Sara"),
    _n("אסתר", 3, "Esther", "Ester"),
    _n("רבקה", 2, "Rivka", "Rebecca", "Rivkah"),
    _n("לאה", 2, "Leah", "Lea"),
    _n("חנה", 3, "Hana", "Hannah", "Chana"),
    _n("אורית", 2, "Orit"),
    _n("ענבל", 2, "Inbal"),
    _n("שני", 2, "Shani"),
    _n("הדס", 2, "Hadas", "Hadass"),
    _n("טל", 2, "Tal"),
    _n("רוני", 2, "Roni", "Ronny"),
    _n("אביגיל", 2, "Avigail", "Abigail"),
    _n("אלה", 2, "Ella", "Ela"),
    _n("עדי", 2, "Adi"),
    _n("ליאור", 2, "Lior"),
    _n("דנה", 2, "Dana"),
    _n("נעמה", 2, "Naama", "Na'ama"),
    _n("מירב", 2, "Merav"),
    _n("רות", 1, "Ruth", "Ruti", "Ruthie", variants=("רותי",)),
    _n("יהודית", 1, "Yehudit", "Judith"),
    _n("אילנה", 2, "Ilana"),
    _n("גלית", 2, "Galit"),
    _n("סיוון", 2, "Sivan", variants=("סיון",)),
    _n("אביטל", 2, "Avital"),
    _n("ליה", 2, "Lia", "Liah"),
)
FAMILY: tuple[HebrewName, ...] = (
    _n("כהן", 10, "Cohen", "Kohen", "Cohn"),
    _n("לוי", 7, "Levi", "Levy"),
    _n("מזרחי", 4, "Mizrahi", "Mizrachi"),
    _n("פרץ", 3, "Peretz", "Perez"),
    _n("ביטון", 3, "Biton", "Bitton"),
    _n("דהן", 3, "Dahan"),
    _n("אברהם", 2, "Avraham", "Abraham"),
    _n("פרידמן", 2, "Friedman", "Fridman"),
    _n("אזולאי", 2, "Azulay", "Azoulay", "Azulai"),
    _n("מלכה", 2, "Malka"),
    _n("כץ", 2, "Katz", "Kats"),
    _n("אוחיון", 2, "Ohayon", "Ohayun"),
    _n("חדד", 2, "Hadad", "Haddad"),
    _n("גבאי", 2, "Gabay", "Gabai", "Gabbai"),
    _n("בן דוד", 2, "Ben David", "Ben-David", variants=("בן-דוד",)),
    _n("שפירא", 2, "Shapira", "Shapiro", variants=("שפירו",)),
    _n("אשכנזי", 2, "Ashkenazi"),
    _n("סגל", 2, "Segal", "Segel"),
    _n("גולן", 2, "Golan"),
    _n("שלום", 1, "Shalom"),
    _n("רוזנברג", 1, "Rosenberg", "Rozenberg"),
    _n("ברק", 1, "Barak"),
    _n("שמעוני", 1, "Shimoni"),
    _n("נחום", 1, "Nahum", "Nachum"),
    _n("קליין", 1, "Klein"),
    _n("וייס", 1, "Weiss", "Weis", "Vais", variants=("ויס",)),
    _n("גרינברג", 1, "Greenberg", "Grinberg"),
    _n("אדלר", 1, "Adler"),
    _n("בן חיים", 1, "Ben Haim", "Ben-Chaim", "Ben Chaim", variants=("בן-חיים",)),
    _n("הררי", 1, "Harari"),
    _n("רבינוביץ", 1, "Rabinovich", "Rabinowitz", variants=("רבינוביץ'",)),
    _n("אלמוג", 1, "Almog"),
    _n("שטרן", 1, "Stern", "Shtern"),
    _n("עזרא", 1, "Ezra"),
    _n("ששון", 1, "Sasson", "Sason"),
    _n("יוסף", 1, "Yosef", "Joseph"),
    _n("גולדברג", 1, "Goldberg"),
    _n("ברגר", 1, "Berger"),
    _n("זוהר", 1, "Zohar"),
    _n("אלמליח", 1, "Elmalich", "Elmaliah"),
)
HEBREW_VARIANT_SHARE = 0.12  # rows that write another Hebrew spelling, where there is one
# How a double family name is written: whole with a hyphen, with a space, first or second half.
DOUBLE_FORMS = np.array([0.6, 0.15, 0.15, 0.1])
DOUBLE_NAME_SHARE = 0.12  # married women with a double family name
OWN_NAME_SHARE = 0.13  # married women who kept their own family name only
# Letters that typists and scanners confuse in Hebrew.
HEBREW_CONFUSIONS: dict[str, str] = {
    "ה": "ח",
    "ח": "ה",
    "ד": "ר",
    "ר": "ד",
    "ב": "כ",
    "כ": "ב",
    "ט": "ת",
    "ת": "ט",
    "ס": "ש",
    "ק": "כ",
    "א": "ע",
    "ע": "א",
}
MATRES = frozenset("וי")


class HebrewNames:
    """The Hebrew vocabulary. Token 0 is the empty name (father and grandfather: Hebrew names
    have none); double family names are added as the population needs them."""

    def __init__(self) -> None:
        self.entries: list[HebrewName] = [HebrewName("", 0.0, ("",))]
        self.halves: dict[int, tuple[int, int]] = {}
        self._double: dict[tuple[int, int], int] = {}
        self.given_male = self._table(GIVEN_MALE)
        self.given_female = self._table(GIVEN_FEMALE)
        self.family = self._table(FAMILY)

    def _table(self, names: tuple[HebrewName, ...]) -> TokenTable:
        ids = []
        for name in names:
            ids.append(len(self.entries))
            self.entries.append(name)
        weights = np.array([name.weight for name in names], dtype=float)
        cumulative = np.cumsum(weights / weights.sum())
        cumulative[-1] = 1.0
        return TokenTable(np.array(ids, dtype=np.int64), cumulative)

    def double(self, first: int, second: int) -> int:
        """The token of the double family name first-second, made on first use."""
        key = (first, second)
        if key not in self._double:
            a, b = self.entries[first], self.entries[second]
            latin = tuple(f"{x}-{y}" for x, y in zip(a.latin, b.latin, strict=False))
            self._double[key] = len(self.entries)
            self.halves[len(self.entries)] = key
            self.entries.append(HebrewName(f"{a.hebrew}-{b.hebrew}", 0.0, latin))
        return self._double[key]

    def name_tables(self) -> NameTables:
        """The vocabulary as the simulation's NameTables (Hebrew spelling, usual Latin one)."""
        words = np.array([entry.hebrew for entry in self.entries], dtype=object)
        latin = np.array([entry.latin[0] for entry in self.entries], dtype=object)
        empty = TokenTable(np.zeros(1, dtype=np.int64), np.ones(1))
        return NameTables(
            vocabulary=words,
            given_male=self.given_male,
            given_female=self.given_female,
            father=empty,
            grandfather=empty,
            family=self.family,
            real_family_count=0,
            latin=latin,
        )

    def hebrew(self, token: int, rng: np.random.Generator) -> str:
        entry = self.entries[token]
        if entry.hebrew_variants and rng.random() < HEBREW_VARIANT_SHARE:
            return entry.hebrew_variants[int(rng.integers(len(entry.hebrew_variants)))]
        return entry.hebrew

    def latin(self, token: int, rng: np.random.Generator) -> str:
        """One of the token's transliterations, the usual ones more often (weights 1, 1/2, ...)."""
        spellings = self.entries[token].latin
        if len(spellings) == 1:
            return spellings[0]
        weights = 0.5 ** np.arange(len(spellings))
        return spellings[int(rng.choice(len(spellings), p=weights / weights.sum()))]


def hebrew_typo(text: str, rng: np.random.Generator) -> str:
    """A slip in Hebrew: a confused letter, a vowel letter (ו, י) dropped or added, a letter
    doubled."""
    positions = [i for i, char in enumerate(text) if char not in " -'"]
    if len(positions) < 2:
        return text
    kind = rng.random()
    confusable = [i for i in positions if text[i] in HEBREW_CONFUSIONS]
    if kind < 0.4 and confusable:
        i = confusable[int(rng.integers(len(confusable)))]
        return text[:i] + HEBREW_CONFUSIONS[text[i]] + text[i + 1 :]
    if kind < 0.8:
        matres = [i for i in positions[1:] if text[i] in MATRES]
        if matres:  # defective spelling: שמעוני -> שמעני
            i = matres[int(rng.integers(len(matres)))]
            return text[:i] + text[i + 1 :]
        i = positions[1]  # full spelling: a yod after the first letter
        return text[:i] + "י" + text[i:]
    i = positions[int(rng.integers(len(positions)))]
    return text[: i + 1] + text[i] + text[i + 1 :]


def _household_sizes(rng: np.random.Generator, n: int) -> np.ndarray:
    sizes: list[int] = []
    total = 0
    while total < n:
        size = 1 if rng.random() < 0.6 else 2 + int(rng.binomial(5, 0.35))
        sizes.append(min(size, n - total))
        total += sizes[-1]
    return np.array(sizes, dtype=int)


def _ages_sexes_roles(
    rng: np.random.Generator, sizes: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    n = int(sizes.sum())
    household = np.repeat(np.arange(len(sizes)), sizes)
    member = np.arange(n) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    size = sizes[household]
    head_age = np.minimum(25 + rng.gamma(3.0, 7.0, len(sizes)), 92).astype(int)[household]
    role = np.where(size == 1, SINGLE, np.where(member == 0, HEAD, CHILD))
    spouse = (member == 1) & (size >= 2) & (rng.random(n) < 0.85)
    role = np.where(spouse, SPOUSE, role)
    sex = np.where(rng.random(n) < 0.5, MALE, FEMALE)
    sex = np.where(role == HEAD, MALE, np.where(role == SPOUSE, FEMALE, sex))
    age = np.zeros(n, dtype=int)
    age[role == HEAD] = head_age[role == HEAD]
    age[spouse] = np.maximum(18, head_age[spouse] - rng.integers(-2, 8, int(spouse.sum())))
    child = role == CHILD
    span = np.maximum(head_age[child] - 21, 1)
    age[child] = np.floor(rng.random(int(child.sum())) * span).astype(int)
    # Alone: soldiers and young people at the festival, and adults of every age.
    alone = role == SINGLE
    k = int(alone.sum())
    young = rng.random(k) < 0.45
    age[alone] = np.where(
        young, rng.integers(18, 25, k), np.minimum(20 + rng.gamma(2.0, 12.0, k), 95).astype(int)
    )
    sex[alone] = np.where(rng.random(k) < 0.78, MALE, FEMALE)
    return age, sex, role


def _ids(rng: np.random.Generator, birth_year: np.ndarray) -> np.ndarray:
    """Unique 9-digit IDs with the check digit; older people's start with 0, younger with 2 or 3."""
    n = len(birth_year)
    lead = np.where(birth_year < 1975, 0, np.where(birth_year < 2000, 2, 3))
    body = lead * 10_000_000 + rng.integers(0, 10_000_000, n)
    for _ in range(100):
        order = np.argsort(body, kind="stable")
        clash = np.zeros(n, dtype=bool)
        clash[order[1:]] = body[order[1:]] == body[order[:-1]]
        if not clash.any():
            break
        body[clash] = lead[clash] * 10_000_000 + rng.integers(0, 10_000_000, int(clash.sum()))
    ids = np.char.add(np.char.zfill(body.astype(str), 8), check_digits(body).astype(str))
    return ids.astype(object)


def make_hebrew_population(
    config: ConflictConfig,
    names: HebrewNames,
    rng: np.random.Generator,
    progress: Progress | None = None,
) -> Population:
    """The victims of the Hebrew population, households first (see the module docstring)."""
    n = config.n_victims
    sizes = _household_sizes(rng, n)
    n_households = len(sizes)
    household = np.repeat(np.arange(n_households), sizes)
    age, sex, role = _ages_sexes_roles(rng, sizes)
    if progress:
        progress("population", n // 3, n)

    family = names.family.draw(rng, n_households)[household]
    given = np.where(sex == MALE, names.given_male.draw(rng, n), names.given_female.draw(rng, n))
    # No two children of a household share a given name.
    for _ in range(8):
        key = household.astype(np.int64) * 1000 + given
        order = np.argsort(key, kind="stable")
        repeated = np.zeros(n, dtype=bool)
        repeated[order[1:]] = key[order[1:]] == key[order[:-1]]
        if not repeated.any():
            break
        for s, table in ((MALE, names.given_male), (FEMALE, names.given_female)):
            picks = np.flatnonzero(repeated & (sex == s))
            given[picks] = table.draw(rng, len(picks))
    # A wife takes her husband's family name, keeps her own, or joins the two.
    spouse = np.flatnonzero(role == SPOUSE)
    own = names.family.draw(rng, len(spouse))
    choice = rng.random(len(spouse))
    own_first = rng.random(len(spouse)) < 0.5
    for index, person in enumerate(spouse.tolist()):
        husband = int(family[person])
        if own[index] == husband:
            continue
        if choice[index] < DOUBLE_NAME_SHARE:
            pair = (int(own[index]), husband) if own_first[index] else (husband, int(own[index]))
            family[person] = names.double(*pair)
        elif choice[index] < DOUBLE_NAME_SHARE + OWN_NAME_SHARE:
            family[person] = own[index]
    if progress:
        progress("population", 2 * n // 3, n)

    waves = config.wave_plan()
    dod_household, region_household = _death_dates(rng, waves, n_households, len(ISRAEL.regions))
    late = np.where(rng.random(n) < 0.08, rng.integers(1, 15, n), 0)
    end = np.datetime64(max(w.end for w in waves), "D")
    dod = np.minimum(dod_household[household] + late.astype("timedelta64[D]"), end)
    town = _towns(rng, region_household, ISRAEL)[household]
    days_into_year = rng.integers(0, 365, n)
    dob = (
        dod
        - (age * 365.2425).astype(int).astype("timedelta64[D]")
        - days_into_year.astype("timedelta64[D]")
    )
    age = years_between(dob, dod)
    id_number = _ids(rng, dob.astype("datetime64[Y]").astype(int) + 1970)
    share = config.household_visibility_share
    visibility = np.sqrt(share) * rng.standard_normal(n_households)[household] + np.sqrt(
        1 - share
    ) * rng.standard_normal(n)
    empty = np.zeros(n, dtype=np.int64)
    if progress:
        progress("population", n, n)
    return Population(
        household=household,
        clan=household.copy(),
        role=role,
        sex=sex,
        age=age,
        date_of_birth=dob,
        date_of_death=dod,
        governorate=region_household[household],
        town=town,
        id_number=id_number,
        given=given,
        father=empty,
        grandfather=empty.copy(),
        great_grandfather=empty.copy(),
        family=family,
        visibility=visibility,
        date_of_incident=dod_household[household],
        geography=ISRAEL,
    )


def list_names(
    design: ListDesign,
    errors: RecordingErrors,
    person: np.ndarray,
    population: Population,
    names: HebrewNames,
    rng: np.random.Generator,
    record: Record,
) -> tuple[dict[str, np.ndarray], np.ndarray | None]:
    """The names of one list's rows: Hebrew (whole and in parts) and Latin, with its errors.

    Returns the fields (``name_he``, ``given_he``, ``family_he``, ``given_latin``,
    ``family_latin``) and the Latin full name for a Latin list (None for a Hebrew one).
    """
    if design.script not in ("hebrew", "latin"):
        raise ValueError(
            f"list {design.name!r}: the Hebrew population's lists are written in Hebrew or "
            f"Latin script, not {design.script!r}"
        )
    m = len(person)
    given_tokens = population.given[person]
    family_tokens = population.family[person]
    form = rng.choice(len(DOUBLE_FORMS), size=m, p=DOUBLE_FORMS / DOUBLE_FORMS.sum())
    given_he = np.empty(m, dtype=object)
    family_he = np.empty(m, dtype=object)
    given_la = np.empty(m, dtype=object)
    family_la = np.empty(m, dtype=object)
    half_dropped = np.zeros(m, dtype=bool)
    for row in range(m):
        given, family = int(given_tokens[row]), int(family_tokens[row])
        given_he[row] = names.hebrew(given, rng)
        given_la[row] = names.latin(given, rng)
        halves = names.halves.get(family)
        if halves is None:
            family_he[row] = names.hebrew(family, rng)
            family_la[row] = names.latin(family, rng)
            continue
        first, second = (names.hebrew(h, rng) for h in halves)
        first_la, second_la = (names.latin(h, rng) for h in halves)
        written = int(form[row])
        family_he[row] = (f"{first}-{second}", f"{first} {second}", first, second)[written]
        family_la[row] = (
            f"{first_la}-{second_la}",
            f"{first_la} {second_la}",
            first_la,
            second_la,
        )[written]
        half_dropped[row] = written >= 2
    record(half_dropped, "name_part_dropped")
    # A slip falls on the given or the family name, in the script the list writes.
    typo = rng.random(m) < errors.name_typo
    on_given = rng.random(m) < 0.5
    if design.script == "hebrew":
        given_parts, family_parts, damage, code = given_he, family_he, hebrew_typo, "name_typo"
    else:
        given_parts, family_parts, damage, code = given_la, family_la, latin_typo, "latin_typo"
    changed = np.zeros(m, dtype=bool)
    for row in np.flatnonzero(typo).tolist():
        parts = given_parts if on_given[row] else family_parts
        before = parts[row]
        parts[row] = damage(before, rng)
        changed[row] = parts[row] != before
    record(changed, code)
    name_he = np.array([f"{g} {f}" for g, f in zip(given_he, family_he, strict=True)], dtype=object)
    latin = None
    if design.script == "latin":
        latin = np.array(
            [f"{g} {f}" for g, f in zip(given_la, family_la, strict=True)], dtype=object
        )
    fields = {
        "name_he": name_he,
        "given_he": given_he,
        "family_he": family_he,
        "given_latin": given_la,
        "family_latin": family_la,
    }
    return fields, latin
