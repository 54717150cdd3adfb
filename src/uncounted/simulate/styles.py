"""How a field list writes a name: short names, kunyas, nicknames and titles.

Registers write the full name (given - father - grandfather - family). A field team writes
what the family said: often only the given and family name, sometimes the father's between
them; a man known as "Abu Khaled" (father of Khaled) or a woman as أم محمد; a nickname such as
Hamada for Mohammed; a title of respect or of death before the name (الحاج، الشهيد، الدكتور،
المهندس; Hajj, Sheikh, Dr., Eng., Mrs.). A kunya or nickname is written after the name in
quotes, backticks or brackets, before the name, or instead of the given name.

A compound family name (ابوX, الX) is one name part, so a short name keeps it whole: "Ahmed
Abu Samra", never "Ahmed Abu".

Each decoration is named in the row's ``errors`` in ``truth.csv`` (``name_2_parts``,
``name_3_parts``, ``kunya``, ``nickname``, ``title``), so that linkage can be scored on them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from uncounted.simulate.config import ListDesign
from uncounted.simulate.names import NameTables, with_hamza
from uncounted.simulate.population import FEMALE, Population
from uncounted.simulate.romanize import CONVENTION_NAMES, CONVENTIONS, romanize_token

Record = Callable[[np.ndarray, str], None]


@dataclass(frozen=True)
class Title:
    arabic: tuple[str | None, str | None]  # (male, female); None: not given to that sex
    latin: tuple[tuple[str, str] | None, tuple[str, str] | None]  # two spellings each
    min_age: int
    weight: float


TITLES: tuple[Title, ...] = (
    Title(("الحاج", "الحاجة"), (("Hajj", "Haj"), ("Hajja", "Hajjah")), 45, 3.0),
    Title(("الشهيد", "الشهيدة"), (("Martyr", "Shaheed"), ("Martyr", "Shaheeda")), 0, 3.0),
    Title(("الدكتور", "الدكتورة"), (("Dr.", "Dr"), ("Dr.", "Dr")), 27, 1.0),
    Title(("المهندس", "المهندسة"), (("Eng.", "Eng"), ("Eng.", "Eng")), 23, 1.0),
    Title(("الشيخ", None), (("Sheikh", "Shaikh"), None), 35, 1.0),
    Title((None, "السيدة"), (None, ("Mrs.", "Mrs")), 20, 1.5),
)
# Nicknames by given name: (Arabic, two Latin spellings).
NICKNAMES: dict[str, tuple[str, tuple[str, str]]] = {
    "محمد": ("حمادة", ("Hamada", "Hamadeh")),
    "محمود": ("حمودة", ("Hamouda", "Hamoudeh")),
    "عبدالرحمن": ("عبود", ("Abboud", "Aboud")),
    "عبدالله": ("عبود", ("Abboud", "Aboud")),
    "فاطمة": ("فطوم", ("Fattoum", "Fatoum")),
}
NICKNAME_SHARE = 0.3  # of the decorated rows whose given name has a nickname
# "Umm" per romanization convention and variant.
UMM: dict[str, tuple[str, str]] = {
    "english": ("Umm", "Um"),
    "academic": ("Umm", "Umm"),
    "french": ("Oum", "Oum"),
    "phonetic": ("Om", "Um"),
}
PLACEMENTS: tuple[str, ...] = ("quotes", "backticks", "brackets", "before", "instead")
PLACEMENT_WEIGHTS = np.array([0.35, 0.15, 0.2, 0.15, 0.15])
KUNYA, NICKNAME = 1, 2


def shorten(
    tokens: np.ndarray, shares: dict[int, float], rng: np.random.Generator, record: Record
) -> None:
    """Blank the name parts a short name leaves out (in place): columns are given, father,
    grandfather, great-grandfather, family; -1 is a part not written."""
    for parts in shares:
        if parts not in (2, 3, 4):
            raise ValueError(f"name_parts: a name has 2, 3 or 4 parts, not {parts}")
    counts = np.array(sorted(shares))
    weights = np.array([shares[c] for c in counts], dtype=float)
    drawn = counts[rng.choice(len(counts), size=len(tokens), p=weights / weights.sum())]
    tokens[drawn == 2, 1:4] = -1
    tokens[drawn == 3, 2:4] = -1
    record(drawn == 2, "name_2_parts")
    record(drawn == 3, "name_3_parts")


@dataclass
class Decorations:
    """Per row: a title (index into TITLES, -1 none), a kunya or nickname, and its placement."""

    title: np.ndarray
    kind: np.ndarray  # 0 none, KUNYA, NICKNAME
    son: np.ndarray  # token of the son named in a kunya
    placement: np.ndarray  # index into PLACEMENTS
    female: np.ndarray
    given: np.ndarray  # the given name's token

    def rows(self) -> np.ndarray:
        return np.flatnonzero((self.title >= 0) | (self.kind > 0))

    def apply_arabic(
        self, parts: list[np.ndarray], style: np.ndarray, forms: np.ndarray, words: np.ndarray
    ) -> None:
        """Write titles and kunyas into the Arabic name parts (given first, family last)."""
        for i in self.rows().tolist():
            hamza = bool(style[i] & 2)
            addition = ""
            if self.kind[i] == NICKNAME:
                addition = NICKNAMES[str(words[self.given[i]])][0]
            elif self.kind[i] == KUNYA:
                prefix = "ام" if self.female[i] else "ابو"
                addition = (with_hamza(prefix) if hamza else prefix) + " "
                addition += str(forms[style[i], self.son[i]])
            title = ""
            if self.title[i] >= 0:
                title = TITLES[self.title[i]].arabic[int(self.female[i])] or ""
            self._place(parts, i, title, addition)

    def apply_latin(
        self, parts: list[np.ndarray], convention: np.ndarray, variant: np.ndarray,
        words: np.ndarray,
    ) -> None:  # fmt: skip
        """Write titles and kunyas into the Latin name parts, in the row's convention."""
        for i in self.rows().tolist():
            name = CONVENTION_NAMES[convention[i]]
            var = int(variant[i])
            addition = ""
            if self.kind[i] == NICKNAME:
                addition = NICKNAMES[str(words[self.given[i]])][1][var]
            elif self.kind[i] == KUNYA:
                son = str(words[self.son[i]])
                if self.female[i]:
                    addition = f"{UMM[name][var]} {romanize_token(son, CONVENTIONS[name], var)}"
                else:
                    addition = romanize_token("ابو" + son, CONVENTIONS[name], var)
            title = ""
            if self.title[i] >= 0:
                spellings = TITLES[self.title[i]].latin[int(self.female[i])]
                title = spellings[var] if spellings else ""
            self._place(parts, i, title, addition)

    def _place(self, parts: list[np.ndarray], i: int, title: str, addition: str) -> None:
        placement = PLACEMENTS[self.placement[i]]
        given, family = parts[0], parts[-1]
        if addition:
            if placement == "quotes":
                family[i] = f'{family[i]} "{addition}"'
            elif placement == "backticks":
                family[i] = f"{family[i]} `{addition}`"
            elif placement == "brackets":
                family[i] = f"{family[i]} ({addition})"
            elif placement == "before":
                given[i] = f"{addition} {given[i]}".strip()
            else:
                given[i] = addition
        if title:
            given[i] = f"{title} {given[i]}".strip()


def draw_decorations(
    design: ListDesign,
    person: np.ndarray,
    population: Population,
    tables: NameTables,
    rng: np.random.Generator,
    record: Record,
) -> Decorations:
    """Which rows get a title, a kunya or a nickname (and which), at the design's shares."""
    m = len(person)
    female = population.sex[person] == FEMALE
    age = population.age[person]
    given = population.given[person]
    decorated = rng.random(m) < design.kunya_share
    placement = rng.choice(len(PLACEMENTS), size=m, p=PLACEMENT_WEIGHTS / PLACEMENT_WEIGHTS.sum())
    son = tables.given_male.draw(rng, m)
    has_nickname = np.array([str(tables.vocabulary[t]) in NICKNAMES for t in given], dtype=bool)
    nickname = decorated & has_nickname & (rng.random(m) < NICKNAME_SHARE)
    kind = np.where(nickname, NICKNAME, np.where(decorated, KUNYA, 0))
    # A title fits the person's sex and age (no child is a doctor, no man a Mrs.).
    weights = np.zeros((m, len(TITLES)))
    for index, entry in enumerate(TITLES):
        fits_sex = np.where(female, entry.arabic[1] is not None, entry.arabic[0] is not None)
        weights[:, index] = entry.weight * (fits_sex & (age >= entry.min_age))
    cumulative = np.cumsum(weights, axis=1)
    cumulative /= cumulative[:, -1:]
    chosen = (rng.random((m, 1)) > cumulative).sum(axis=1)
    title = np.where(rng.random(m) < design.title_share, chosen, -1)
    record(kind == KUNYA, "kunya")
    record(kind == NICKNAME, "nickname")
    record(title >= 0, "title")
    return Decorations(title, kind, son, placement, female, given)
