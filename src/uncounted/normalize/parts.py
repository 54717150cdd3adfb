"""Split a full name into given, father, grandfather and family name.

Gaza lists write four-part chains (given, father, grandfather, family); longer names have
several grandfathers, compound given names or compound family names. Compounds are glued
first (عبد الله, ابو X, X الدين), titles are dropped, and entries that stand for an unnamed child
("ابن X", "طفل X", "جنين", "son of X") are detected: the name after the marker is the father's,
not the child's.

Tokens in ``NameParts`` are normalization keys in the name's own script: normalized Arabic
with compounds glued, folded Hebrew, or canonical Latin keys.
"""

from __future__ import annotations

import csv
import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from importlib import resources
from typing import Final, Literal

from uncounted.normalize.arabic import glue_compounds, normalize_arabic
from uncounted.normalize.columns import map_unique
from uncounted.normalize.hebrew import hebrew_tokens
from uncounted.normalize.latin import canonical_token, fold_latin, latin_tokens
from uncounted.normalize.script import Script, detect_script

Relation = Literal["son_of", "daughter_of", "child_of", "infant", "newborn", "fetus", "wife_of"]

_PARENTHESES: Final = re.compile(r"[(\[{]([^)\]}]*)[)\]}]")
_DIGITS: Final = re.compile(r"\d+")
# Given names that begin like a kunya (Abu Bakr): never dropped as one.
_KUNYA_LIKE_GIVEN: Final = frozenset({"ابوبكر", "ابوبكار", "abubakr", "abubakar", "abubaker"})
# Nicknames in quotes or backticks (not the apostrophe, which Latin names use for ayn).
_QUOTED: Final = re.compile(r"[\"“”«»`]([^\"“”«»`]*)[\"“”«»`]")

_ARABIC_TITLES: Final = frozenset(
    {
        "الشهيد",
        "الشهيده",
        "شهيد",
        "شهيده",
        "الحاج",
        "الحاجه",
        "حاج",
        "حاجه",
        "الشيخ",
        "د",
        "دكتور",
        "الدكتور",
        "الدكتوره",
        "المهندس",
        "المهندسه",
        "م",
        "المواطن",
        "المواطنه",
        "الطفل",
        "الطفله",
        "الاستاذ",
        "الاستاذه",
        "الاسير",
        "الاسيره",
        "الفتي",
        "الفتاه",
        "الشاب",
        "الشابه",
        "السيده",
        "المسن",
        "المسنه",
    }
)
# Markers that mean the child had no name on the list; what follows is the father's chain.
_ARABIC_CHILD_MARKERS: Final[dict[str, Relation]] = {
    "ابن": "son_of",
    "نجل": "son_of",
    "بنت": "daughter_of",
    "ابنه": "daughter_of",
    "طفل": "child_of",
    "طفله": "child_of",
    "رضيع": "infant",
    "رضيعه": "infant",
    "الرضيع": "infant",
    "الرضيعه": "infant",
    "مولود": "newborn",
    "مولوده": "newborn",
    "وليده": "newborn",
    "جنين": "fetus",
    "الجنين": "fetus",
    "سقط": "fetus",
}
_ARABIC_UNNAMED_PHRASES: Final = (("حديث", "الولاده"), ("لم", "يسم"), ("لم", "يسمي"))
_ARABIC_UNKNOWN: Final = frozenset({"مجهول", "مجهوله", "الهويه", "غير", "معروف", "معروفه"})
_ARABIC_WIFE: Final = frozenset({"زوجه", "ارمله", "حرم"})
_GENERATION: Final = frozenset({"بن", "ابن", "بنت"})
# Words that start a two-token family name in long names (الشيخ خليل, الحاج يوسف) ...
_FAMILY_LEADS: Final = frozenset({"الشيخ", "شيخ", "الحاج", "حاج"})
_FAMILY_TAILS: Final = frozenset({"اغا", "باشا"})
# ... and words that always do: clan names (بني عوده, دار X).
_CLAN_LEADS: Final = frozenset({"بني", "دار"})
_LATIN_FAMILY_LEADS: Final = frozenset({"sheikh", "shaikh", "sheik", "haj", "hajj"})
_LATIN_CLAN_LEADS: Final = frozenset({"bani", "beni", "bany", "dar"})

_LATIN_TITLES: Final = frozenset(
    {
        "dr",
        "mr",
        "mrs",
        "ms",
        "miss",
        "eng",
        "prof",
        "sheikh",
        "shaikh",
        "sheik",
        "haj",
        "hajj",
        "hajja",
        "hajjah",
        "martyr",
        "shahid",
        "the",
        "child",
        "late",
    }
)
_LATIN_CHILD_MARKERS: Final[dict[str, Relation]] = {
    "son": "son_of",
    "daughter": "daughter_of",
    "child": "child_of",
    "baby": "infant",
    "infant": "infant",
    "newborn": "newborn",
    "unnamed": "infant",
    "fetus": "fetus",
    "foetus": "fetus",
    "stillborn": "fetus",
}
_LATIN_UNKNOWN: Final = frozenset({"unknown", "unidentified", "anonymous"})
_HEBREW_TITLES: Final = frozenset({"הרב", "רב", "דר", "פרופ", "סמל", "רסר", "סרן", "רסנ"})


@dataclass(frozen=True, slots=True)
class NameParts:
    """A name split into its parts; any part may be ``None`` when the list did not give it.

    ``unnamed_infant`` is set for entries that name a child only through a parent ("ابن X",
    "son of X", "جنين"): ``given`` is then ``None`` and ``father`` holds the parent's name.
    ``relation`` says which marker was found (``wife_of`` for "X زوجة Y": given is X, and the
    chain after the marker is the husband's, kept in ``middle``).
    """

    given: str | None
    father: str | None
    grandfather: str | None
    family: str | None
    middle: tuple[str, ...]
    tokens: tuple[str, ...]
    script: Script
    unnamed_infant: bool = False
    relation: Relation | None = None
    unknown: bool = False
    titles: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    raw: str = field(default="", repr=False)


@functools.cache
def _family_compounds() -> frozenset[tuple[str, str]]:
    path = resources.files("uncounted.normalize").joinpath("data", "ar_family_compounds.tsv")
    with path.open(encoding="utf-8") as handle:
        return frozenset((r["first"], r["second"]) for r in csv.DictReader(handle, delimiter="\t"))


def _split_aliases(text: str) -> tuple[str, tuple[str, ...]]:
    """Text in brackets or quotes is a nickname or kunya, not a part of the chain."""
    aliases = tuple(
        a.strip() for pattern in (_PARENTHESES, _QUOTED) for a in pattern.findall(text) if a.strip()
    )
    return _QUOTED.sub(" ", _PARENTHESES.sub(" ", text)), aliases


def _strip_kunya(
    tokens: list[str], glued: tuple[str, ...], loose: frozenset[str]
) -> tuple[list[str], tuple[str, ...]]:
    """A kunya before the name ("Abu Zaki Mohammed Khalil", "أم محمد فاطمة ...") is what
    people called the person, not the given name: dropped when two names or more remain. A
    glued "abuX"/"ابوX" is one token, a loose "umm X"/"ام X" two; "Abu X" at the end is a
    family name and stays."""
    first = tokens[0] if tokens else ""
    if (
        len(tokens) >= 3
        and first.startswith(glued)
        and first not in glued
        and first not in _KUNYA_LIKE_GIVEN
    ):
        return tokens[1:], (first,)
    if len(tokens) >= 4 and tokens[0] in loose:
        return tokens[2:], (" ".join(tokens[:2]),)
    return tokens, ()


def _strip_titles(tokens: list[str], titles: frozenset[str]) -> tuple[list[str], tuple[str, ...]]:
    found: list[str] = []
    while len(tokens) > 2 and tokens[0] in titles:
        found.append(tokens.pop(0))
    return tokens, tuple(found)


def _assign(
    chain: Sequence[str],
    family: str | None,
    *,
    unnamed: bool,
) -> tuple[str | None, str | None, str | None, tuple[str, ...]]:
    """given, father, grandfather, middle from the tokens before the family name."""
    slots: list[str | None] = [None, *chain] if unnamed else list(chain)
    slots += [None] * max(0, 3 - len(slots))
    middle = tuple(t for t in slots[3:] if t is not None)
    if family is None and not unnamed and len(chain) == 1:
        return chain[0], None, None, ()
    return slots[0], slots[1], slots[2], middle


def _arabic_family(tokens: list[str]) -> tuple[list[str], str | None]:
    """Split off the family name, which may be two tokens."""
    if len(tokens) < 2:
        return tokens, None
    if len(tokens) >= 3:
        pair = (tokens[-2], tokens[-1])
        long_name = len(tokens) >= 5
        if (
            pair in _family_compounds()
            or tokens[-2] in _CLAN_LEADS
            or (long_name and tokens[-2] in _FAMILY_LEADS)
            or (long_name and tokens[-1] in _FAMILY_TAILS)
        ):
            return tokens[:-2], f"{tokens[-2]} {tokens[-1]}"
    if len(tokens) >= 3 and tokens[-2] in _GENERATION:
        return tokens[:-2], tokens[-2] + tokens[-1]
    return tokens[:-1], tokens[-1]


def parse_arabic_name(text: str) -> NameParts:
    """Parts of an Arabic full name (see the module doc)."""
    body, aliases = _split_aliases(text or "")
    words = [w for w in (_DIGITS.sub("", w) for w in normalize_arabic(body).split(" ")) if w]
    # "ام X" is glued into one token like a compound, so a kunya of a mother is taken off
    # before (it cannot be told apart from امجد, امل once glued).
    words, mother = _strip_kunya(words, (), frozenset({"ام"}))
    tokens = glue_compounds(words)
    tokens, titles = _strip_titles(tokens, _ARABIC_TITLES)
    tokens, kunya = _strip_kunya(tokens, ("ابو",), frozenset())
    aliases += mother + kunya

    relation: Relation | None = None
    while tokens and tokens[0] in _ARABIC_CHILD_MARKERS:
        marker = _ARABIC_CHILD_MARKERS[tokens.pop(0)]
        relation = relation or marker
    for phrase in _ARABIC_UNNAMED_PHRASES:
        if tuple(tokens[: len(phrase)]) == phrase:
            relation = relation or "newborn"
            del tokens[: len(phrase)]
    unnamed = relation is not None

    unknown = bool(tokens) and tokens[0] in ("مجهول", "مجهوله")
    if unknown:
        tokens = [t for t in tokens if t not in _ARABIC_UNKNOWN]

    if len(tokens) >= 3 and tokens[1] in _ARABIC_WIFE:
        chain, family = _arabic_family(tokens[2:])
        return NameParts(
            given=tokens[0],
            father=None,
            grandfather=None,
            family=family,
            middle=tuple(chain),
            tokens=(tokens[0], *chain, *([family] if family else [])),
            script="arabic",
            relation="wife_of",
            titles=titles,
            aliases=aliases,
            raw=text,
        )

    # Generation particles inside the chain only separate names; the last one may start the
    # family name (بن سعيد), which _arabic_family keeps.
    kept = [t for i, t in enumerate(tokens) if t not in _GENERATION or i == len(tokens) - 2]
    chain, family = _arabic_family(kept)
    if unnamed and family is None and chain:
        family, chain = chain[-1], chain[:-1]
    given, father, grandfather, middle = _assign(
        chain, family, unnamed=unnamed or (unknown and len(chain) > 0)
    )
    all_tokens = tuple(chain) + ((family,) if family else ())
    return NameParts(
        given=given,
        father=father,
        grandfather=grandfather,
        family=family,
        middle=middle,
        tokens=all_tokens,
        script="arabic",
        unnamed_infant=unnamed,
        relation=relation,
        unknown=unknown,
        titles=titles,
        aliases=aliases,
        raw=text,
    )


def parse_latin_name(text: str) -> NameParts:
    """Parts of a Latin-script name; tokens are canonical Latin keys."""
    body, aliases = _split_aliases(text or "")
    words = latin_tokens(_DIGITS.sub(" ", body))
    words, titles = _strip_titles(words, _LATIN_TITLES)
    words, kunya = _strip_kunya(words, ("abu",), frozenset({"um", "umm", "om"}))
    aliases += kunya
    relation: Relation | None = None
    while words and words[0] in _LATIN_CHILD_MARKERS:
        marker = _LATIN_CHILD_MARKERS[words.pop(0)]
        relation = relation or marker
        if words and words[0] == "of":
            words.pop(0)
    unknown = bool(words) and words[0] in _LATIN_UNKNOWN
    words = [w for w in words if w not in _LATIN_UNKNOWN]
    # bin / ibn only separate generations, except right before the last word (Ben Ali).
    words = [w for i, w in enumerate(words) if w not in _GENERATION_LATIN or i == len(words) - 2]
    unnamed = relation is not None
    chain, family = _latin_family(words, unnamed=unnamed)
    keys = [*chain, *([family] if family else [])]
    given, father, grandfather, middle = _assign(chain, family, unnamed=unnamed or unknown)
    return NameParts(
        given=given,
        father=father,
        grandfather=grandfather,
        family=family,
        middle=middle,
        tokens=tuple(keys),
        script="latin",
        unnamed_infant=unnamed,
        relation=relation,
        unknown=unknown,
        titles=titles,
        aliases=aliases,
        raw=text,
    )


_GENERATION_LATIN: Final = frozenset({"bin", "ibn", "bint", "ben"})


def _latin_family(words: list[str], *, unnamed: bool) -> tuple[list[str], str | None]:
    """Canonical keys before the family name, and the family name (maybe two keys)."""
    keys = [k for k in (canonical_token(w) for w in words) if k]
    if len(keys) < 2 and not (unnamed and keys):
        return keys, None
    lead = words[-2] if len(words) >= 3 else ""
    if lead in _LATIN_CLAN_LEADS or (len(words) >= 5 and lead in _LATIN_FAMILY_LEADS):
        return keys[:-2], f"{keys[-2]} {keys[-1]}"
    if lead in _GENERATION_LATIN:
        return keys[:-2], keys[-2] + keys[-1]
    return keys[:-1], keys[-1]


def parse_hebrew_name(text: str) -> NameParts:
    """Parts of a Hebrew name: Israeli lists give given name(s) then family name."""
    body, aliases = _split_aliases(text or "")
    tokens, titles = _strip_titles(hebrew_tokens(body), _HEBREW_TITLES)
    given: str | None
    family: str | None
    if len(tokens) >= 2:
        given, family, middle = tokens[0], tokens[-1], tuple(tokens[1:-1])
    else:
        given, family, middle = (tokens[0] if tokens else None), None, ()
    return NameParts(
        given=given,
        father=None,
        grandfather=None,
        family=family,
        middle=middle,
        tokens=tuple(tokens),
        script="hebrew",
        titles=titles,
        aliases=aliases,
        raw=text,
    )


def parse_name(text: str | None) -> NameParts:
    """Parts of a full name in whatever script it is written."""
    raw = text or ""
    script = detect_script(raw)
    if script == "arabic":
        return parse_arabic_name(raw)
    if script == "hebrew":
        return parse_hebrew_name(raw)
    if script == "latin":
        return parse_latin_name(raw)
    if script == "mixed":
        # Keep the Arabic or Hebrew reading when one is there: it is the source's own script.
        arabic = parse_arabic_name(raw)
        if arabic.tokens:
            return _with_script(arabic, "mixed")
        hebrew = parse_hebrew_name(raw)
        if hebrew.tokens:
            return _with_script(hebrew, "mixed")
        return _with_script(parse_latin_name(raw), "mixed")
    return NameParts(None, None, None, None, (), (), "unknown", raw=raw)


def _with_script(parts: NameParts, script: Script) -> NameParts:
    return NameParts(
        parts.given,
        parts.father,
        parts.grandfather,
        parts.family,
        parts.middle,
        parts.tokens,
        script,
        parts.unnamed_infant,
        parts.relation,
        parts.unknown,
        parts.titles,
        parts.aliases,
        parts.raw,
    )


_EMPTY: Final = NameParts(None, None, None, None, (), (), "unknown")


def parse_names(texts: Iterable[str | None]) -> list[NameParts]:
    """``parse_name`` over a column (list, pandas Series, pyarrow array)."""
    return map_unique(parse_name, texts, _EMPTY)


def latin_display(text: str) -> str:
    """Folded Latin text, for showing a name beside its keys."""
    return fold_latin(text)
