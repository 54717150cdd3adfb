"""Hebrew names: a normalized key, and a rule-based bridge to the Latin key space.

Hebrew writes few vowels, so the bridge works in the consonant skeleton space of
``uncounted.normalize.latin``: כהן and Cohen meet on ``khn``, אברהם and Avraham/Abraham on
``abrhm``. Letters with two readings (ו as u/o or v, י as i or y, כ as k or kh, פ as p or f,
ש as sh or s, ח as h or kh) yield several candidates.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Iterable
from typing import Final

from uncounted.normalize.columns import map_unique
from uncounted.normalize.latin import canonical_tokens, latin_token_skeleton

_DELETE: Final = (
    [chr(c) for c in range(0x0591, 0x05B0)]  # cantillation
    + [chr(c) for c in range(0x05B0, 0x05BE)]  # niqqud
    + ["\u05bf", "\u05c1", "\u05c2", "\u05c4", "\u05c5", "\u05c7"]
    + ["\u05f4", '"', "\u200e", "\u200f", "\u202a", "\u202b", "\u202c", "\ufeff"]
)
_FINALS: Final = {"ך": "כ", "ם": "מ", "ן": "נ", "ף": "פ", "ץ": "צ"}
_FOLD: Final = {
    **_FINALS,
    "\u05f3": "'",  # geresh
    "’": "'",
    "`": "'",
    "\u05be": " ",  # maqaf joins words the way a hyphen does
    "ײ": "יי",
    "װ": "וו",
    "ױ": "וי",
}
_TABLE: Final = str.maketrans({**dict.fromkeys(_DELETE, None), **_FOLD})
_SEPARATORS: Final = re.compile(r"[^\u05d0-\u05ea']+")
_STRAY_GERESH: Final = re.compile(r"(?<![גזצדתח])'|^'")


def normalize_hebrew(text: str) -> str:
    """Niqqud and cantillation removed, final letters folded, geresh kept as ``'``."""
    if not text:
        return ""
    folded = unicodedata.normalize("NFKC", text).translate(_TABLE)
    spaced = _SEPARATORS.sub(" ", folded)
    return " ".join(_STRAY_GERESH.sub("", word) for word in spaced.split() if word.strip("'"))


def normalize_hebrew_many(texts: Iterable[str | None]) -> list[str]:
    return map_unique(normalize_hebrew, texts, "")


def hebrew_tokens(text: str) -> list[str]:
    """Normalized tokens with compounds glued, as for Arabic names.

    A non-initial בן / בת starts a family name (בן יהודה → בניהודה); עבד / אבו glue to the next
    word (Arab names in Hebrew letters: עבד אל רחמן, אבו סאלח), and a separate אל between two
    words is the Arabic article, which the Latin key drops too.
    """
    words = [w for w in normalize_hebrew(text).split(" ") if w]
    out: list[str] = []
    index = 0
    while index < len(words):
        word = words[index]
        has_next = index + 1 < len(words)
        if word == "אל" and out and has_next:
            index += 1
            continue
        if has_next and (word in ("עבד", "אבו") or (word in ("בנ", "בת") and out)):
            following = words[index + 1]
            if following == "אל" and index + 2 < len(words):
                following = words[index + 2]
                index += 1
            out.append(word + following)
            index += 2
            continue
        out.append(word)
        index += 1
    return out


def hebrew_name_key(text: str) -> str:
    return " ".join(hebrew_tokens(text))


# Candidate Latin renderings per letter in the Latin key alphabet ("" = a vowel letter that the
# skeleton drops). The first candidate is the most common reading in Israeli names.
_CONSONANTS: Final[dict[str, tuple[str, ...]]] = {
    "ב": ("b",),
    "ג": ("g",),
    "ג'": ("j",),
    "ד": ("d",),
    "ד'": ("z",),
    "ה": ("h",),
    "ז": ("z",),
    "ז'": ("j",),
    "ח": ("x", "h"),
    "ח'": ("x",),
    "ט": ("t",),
    "כ": ("k", "x"),
    "ל": ("l",),
    "מ": ("m",),
    "נ": ("n",),
    "ס": ("s",),
    "פ": ("p", "f"),
    "צ": ("ts",),
    "צ'": ("c",),
    "ק": ("k",),
    "ר": ("r",),
    "ש": ("c", "s"),
    "ת": ("t",),
    "ת'": ("t",),
}
_MAX_CANDIDATES: Final = 16
_RUNS: Final = re.compile(r"([a-z])\1+")


def _letters(token: str) -> list[str]:
    out: list[str] = []
    for char in token:
        if char == "'" and out:
            out[-1] += "'"
        else:
            out.append(char)
    return out


def _readings(letters: list[str], position: int) -> tuple[str, ...]:
    letter = letters[position]
    last = position == len(letters) - 1
    first = position == 0
    if letter in _CONSONANTS:
        if letter == "ה" and last and not first:
            return ("",)  # final ה is a vowel letter (משה, שלמה)
        if letter == "ח" and last and not first:
            return ("x", "h", "")  # Latin keys drop a final h after a vowel (Saleh)
        return _CONSONANTS[letter]
    if letter in ("א", "ע"):
        return ("a",) if first else ("",)
    if letter == "ו":
        if first:
            return ("b", "w")
        if position + 1 < len(letters) and letters[position + 1] == "ו":
            return ("b",)
        if position > 0 and letters[position - 1] == "ו":
            return ("",)
        return ("", "b")
    if letter == "י":
        if first:
            return ("y", "a")  # ישראל: Yisrael or Israel
        if position > 0 and letters[position - 1] == "י":
            return ("y", "")
        return ("", "y") if not last else ("",)
    return ("",)


def hebrew_skeleton_candidates(token: str) -> list[str]:
    """Candidate Latin consonant skeletons of one Hebrew token, most likely first."""
    normalized = normalize_hebrew(token).replace(" ", "")
    if not normalized:
        return []
    letters = _letters(normalized)
    options = [_readings(letters, i) for i in range(len(letters))]
    seen: dict[str, None] = {}
    for combination in itertools.islice(itertools.product(*options), _MAX_CANDIDATES * 4):
        skeleton = latin_token_skeleton("".join(combination) or "a")
        seen.setdefault(skeleton, None)
        if len(seen) >= _MAX_CANDIDATES:
            break
    return list(seen)


def romanize_hebrew(token: str) -> list[str]:
    """Candidate canonical Latin keys of one Hebrew token, vowel letters read as vowels.

    Short vowels are not written in Hebrew, so these keys are consonant-heavy; compare them with
    Latin names through ``latin_token_skeleton`` or use ``hebrew_matches_latin``.
    """
    normalized = normalize_hebrew(token).replace(" ", "")
    if not normalized:
        return []
    letters = _letters(normalized)
    options: list[tuple[str, ...]] = []
    for index, letter in enumerate(letters):
        readings = _readings(letters, index)
        if letter == "ו":
            readings = tuple("u" if r == "" else r for r in readings)
        elif letter == "י":
            readings = tuple("i" if r == "" else r for r in readings)
        elif letter in ("א", "ע", "ה") and readings == ("",):
            readings = ("a",)
        options.append(readings)
    keys: dict[str, None] = {}
    for combination in itertools.islice(itertools.product(*options), _MAX_CANDIDATES):
        # The readings are already in the key alphabet: only runs of one letter are folded.
        keys.setdefault(_RUNS.sub(r"\1", "".join(combination)), None)
    return list(keys)


def hebrew_matches_latin(hebrew_token: str, latin_token: str) -> bool:
    """True when some reading of the Hebrew token has the Latin token's skeleton."""
    target = latin_token_skeleton("".join(canonical_tokens(latin_token)))
    return target in hebrew_skeleton_candidates(hebrew_token)
