"""Arabic name parts: the token tables, synthetic family names, spelling variants and typos.

Given, father and grandfather names are drawn from ``data/name_tokens.tsv``: how many different
people in a Ministry of Health list carried each token in each position (tokens of fewer than
five people were never shipped). Tokens are written the way that list writes them: compounds
joined (عبدالله, ابوX, نورالدين) and no hamza on a first alef (احمد).

Family names are *synthetic*. Drawing all four parts independently from real frequencies still
reproduces real people: with real family names, about one simulated victim in 1,600 would carry
the exact name of a real victim, because a few given names and a few large families dominate.
So the family names here follow the real frequency profile (the n-th most common synthetic
family is as common as the n-th most common real one) and the real shares of ال, ابو and bare
family names, but are invented from given-name stems (ابو + a name, ال + stem + اني/ي/اوي,
stem + ي) and never equal a family name of the table. An invented name can still happen to be
a *rare* real family (fewer than five people, so not in the table and not excludable); the
forms are chosen so that this is rare (about 2% of the drawing weight in the 2024 lists), and
the real-data test checks that no simulated name equals a real one.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from importlib import resources

import numpy as np

ALEF = "ا"
HAMZA_BELOW_NAMES = frozenset(
    {"ابراهيم", "اسماعيل", "اسلام", "اياد", "ايمان", "اسراء", "ايهاب", "انتصار", "الياس", "ايناس"}
)
MADDA_NAMES = frozenset({"ادم", "اية", "الاء", "امنة", "اسيا"})
SPLIT_PREFIXES = ("عبد", "ابو")
SPLIT_SUFFIXES = ("الدين",)
# Pairs that scribes and OCR confuse; each maps a letter to what it may become.
LETTER_CONFUSIONS: dict[str, str] = {
    "ة": "ه",
    "ه": "ة",
    "ى": "ي",
    "ي": "ى",
    "أ": "ا",
    "إ": "ا",
    "آ": "ا",
    "ا": "أ",
    "ؤ": "و",
    "ئ": "ي",
    "ض": "ظ",
    "ظ": "ض",
    "ذ": "ز",
    "ث": "س",
}
LONG_VOWELS = frozenset("اوي")


@dataclass(frozen=True)
class TokenTable:
    """Token ids into the shared vocabulary, with their drawing probabilities."""

    ids: np.ndarray
    cumulative: np.ndarray

    def draw(self, rng: np.random.Generator, size: int) -> np.ndarray:
        picks = np.searchsorted(self.cumulative, rng.random(size), side="right")
        return self.ids[np.minimum(picks, len(self.ids) - 1)]


def _table(ids: list[int], weights: list[float]) -> TokenTable:
    w = np.asarray(weights, dtype=float)
    cumulative = np.cumsum(w / w.sum())
    cumulative[-1] = 1.0
    return TokenTable(np.asarray(ids, dtype=np.int64), cumulative)


@dataclass(frozen=True)
class NameTables:
    vocabulary: np.ndarray  # str tokens; a token id indexes this array
    given_male: TokenTable
    given_female: TokenTable
    father: TokenTable
    grandfather: TokenTable
    family: TokenTable
    real_family_count: int  # how many real family names the profile came from
    # The usual Latin spelling of each token, where the population has one (Hebrew names).
    latin: np.ndarray | None = None


def read_token_counts() -> dict[tuple[str, str], list[tuple[str, int]]]:
    """The packaged table as {(part, sex): [(token, people), ...]}, most common first."""
    text = resources.files("uncounted.simulate").joinpath("data/name_tokens.tsv").read_text("utf-8")
    rows: dict[tuple[str, str], list[tuple[str, int]]] = {}
    for row in csv.DictReader(text.splitlines(), delimiter="\t"):
        rows.setdefault((row["part"], row["sex"]), []).append((row["token"], int(row["people"])))
    for entries in rows.values():
        entries.sort(key=lambda entry: (-entry[1], entry[0]))
    return rows


def _family_class(token: str) -> str:
    if token.startswith("ابو"):
        return "abu"
    if token.startswith("ال"):
        return "al"
    return "plain"


def synthetic_family_names(
    counts: dict[tuple[str, str], list[tuple[str, int]]],
) -> list[tuple[str, int]]:
    """Invented family names with the real frequency profile, none equal to a real one.

    The same tables always give the same names: the vocabulary does not depend on the seed.
    """
    real = counts[("family", "")]
    real_names = {token for token, _ in real}
    stems = [
        token
        for token, _ in counts[("father", "")]
        + counts[("grandfather", "")]
        + counts[("given", "M")]
        if not token.startswith(("عبد", "ابو", "ال")) and "ال" not in token[2:] and len(token) >= 3
    ]
    stems = list(dict.fromkeys(stems))
    female = [token for token, _ in counts[("given", "F")] if not token.startswith(("ال", "ابو"))]
    consonant_end = [stem for stem in stems if stem[-1] not in "اويةىء"]
    # Forms that real Gaza family names rarely take come first: every invented name that
    # happens to be a rare real family (not in the table, so not excludable) is a chance of
    # reproducing a real person.
    candidates: dict[str, list[list[str]]] = {
        "abu": [["ابو" + name for name in female], ["ابو" + stem for stem in stems]],
        "al": [
            ["ال" + stem + "اني" for stem in consonant_end]
            + ["ال" + stem[:-1] + "اوي" for stem in stems if stem.endswith("ة")],
            ["ال" + stem + "ي" for stem in consonant_end],
        ],
        "plain": [[stem + "ي" for stem in consonant_end]],
    }
    # A fixed shuffle so that the most common families are not all built on محمد and احمد.
    order_rng = np.random.default_rng(20231007)
    pools: dict[str, list[str]] = {}
    for kind, tiers in candidates.items():
        pools[kind] = []
        for tier in tiers:
            unused = list(dict.fromkeys(name for name in tier if name not in real_names))
            pools[kind].extend(unused[i] for i in order_rng.permutation(len(unused)))
    taken: set[str] = set()
    made: list[tuple[str, int]] = []
    cursor = {kind: 0 for kind in pools}
    for token, people in real:
        # When a class runs out of invented names, the others lend theirs; past that the
        # rarest real family sizes are left out (about a tenth of the names, 5-7 people each).
        preferred = _family_class(token)
        for kind in (preferred, *sorted(set(pools) - {preferred})):
            pool = pools[kind]
            while cursor[kind] < len(pool) and pool[cursor[kind]] in taken:
                cursor[kind] += 1
            if cursor[kind] < len(pool):
                name = pool[cursor[kind]]
                cursor[kind] += 1
                taken.add(name)
                made.append((name, people))
                break
    return made


def load_name_tables() -> NameTables:
    counts = read_token_counts()
    families = synthetic_family_names(counts)
    vocabulary: dict[str, int] = {}

    def table(entries: list[tuple[str, int]]) -> TokenTable:
        ids = [vocabulary.setdefault(token, len(vocabulary)) for token, _ in entries]
        return _table(ids, [float(people) for _, people in entries])

    given_male = table(counts[("given", "M")])
    given_female = table(counts[("given", "F")])
    father = table(counts[("father", "")])
    grandfather = table(counts[("grandfather", "")])
    family = table(families)
    words = np.empty(len(vocabulary), dtype=object)
    for token, index in vocabulary.items():
        words[index] = token
    return NameTables(
        vocabulary=words,
        given_male=given_male,
        given_female=given_female,
        father=father,
        grandfather=grandfather,
        family=family,
        real_family_count=len(counts[("family", "")]),
    )


def with_hamza(token: str) -> str:
    """The careful spelling of a first alef: أحمد, إبراهيم, آدم, أبو."""
    if not token.startswith(ALEF) or token.startswith("ال") or len(token) < 3:
        return token
    if token in MADDA_NAMES:
        return "آ" + token[1:]
    if token in HAMZA_BELOW_NAMES:
        return "إ" + token[1:]
    return "أ" + token[1:]


def spaced(token: str) -> str:
    """Compounds written as two words: عبد الله, ابو X, نور الدين."""
    for prefix in SPLIT_PREFIXES:
        if token.startswith(prefix) and len(token) > len(prefix) + 1:
            return prefix + " " + token[len(prefix) :]
    for suffix in SPLIT_SUFFIXES:
        if token.endswith(suffix) and len(token) > len(suffix) + 1:
            return token[: -len(suffix)] + " " + suffix
    return token


def spelling_forms(vocabulary: np.ndarray) -> np.ndarray:
    """Array [style, token]: style bit 1 = spaced compounds, bit 2 = hamza written."""
    forms = np.empty((4, len(vocabulary)), dtype=object)
    for index, token in enumerate(vocabulary):
        forms[0, index] = token
        forms[1, index] = spaced(token)
        forms[2, index] = _hamza_each(token)
        forms[3, index] = _hamza_each(spaced(token))
    return forms


def _hamza_each(text: str) -> str:
    return " ".join(with_hamza(word) for word in text.split(" "))


def arabic_typo(text: str, rng: np.random.Generator) -> str:
    """One slip of the pen or of OCR: a confused, dropped or doubled letter."""
    positions = [i for i, char in enumerate(text) if char != " "]
    if not positions:
        return text
    confusable = [i for i in positions if text[i] in LETTER_CONFUSIONS]
    kind = rng.random()
    if kind < 0.55 and confusable:
        i = confusable[int(rng.integers(len(confusable)))]
        return text[:i] + LETTER_CONFUSIONS[text[i]] + text[i + 1 :]
    if kind < 0.85:
        vowels = [i for i in positions if text[i] in LONG_VOWELS and i > 0 and text[i - 1] != " "]
        pool = vowels or positions
        i = pool[int(rng.integers(len(pool)))]
        return text[:i] + text[i + 1 :]
    i = positions[int(rng.integers(len(positions)))]
    return text[: i + 1] + text[i] + text[i + 1 :]


def split_word(text: str, rng: np.random.Generator) -> str:
    """A space inside a word, as PDF text extraction leaves them: ال نجار, محم د."""
    words = text.split(" ")
    long_words = [i for i, word in enumerate(words) if len(word) >= 4]
    if not long_words:
        return text
    i = long_words[int(rng.integers(len(long_words)))]
    word = words[i]
    # PDF extraction most often detaches the article.
    detach_article = word.startswith("ال") and rng.random() < 0.5
    cut = 2 if detach_article else int(rng.integers(1, len(word)))
    words[i] = word[:cut] + " " + word[cut:]
    return " ".join(words)


def latin_typo(text: str, rng: np.random.Generator) -> str:
    """A dropped, doubled or swapped letter in a Latin name."""
    positions = [i for i, char in enumerate(text) if char.isalpha()]
    if len(positions) < 2:
        return text
    i = positions[int(rng.integers(len(positions)))]
    kind = rng.random()
    if kind < 0.4:
        return text[:i] + text[i + 1 :]
    if kind < 0.7:
        return text[: i + 1] + text[i] + text[i + 1 :]
    j = i + 1
    if j < len(text) and text[j].isalpha():
        return text[:i] + text[j] + text[i] + text[j + 1 :]
    return text[:i] + text[i] + text[i:]
