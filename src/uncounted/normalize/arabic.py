"""Arabic name normalization: a comparison key and a consonant skeleton.

The raw value is never changed here; callers keep it and store the keys beside it.

- ``normalize_arabic`` folds orthographic variants that carry no information about *which*
  name was written (hamza seats, ta marbuta, alef maqsura, diacritics, Persian letters,
  digits) and repairs the lam-alef ligature damage that PDF text export leaves behind.
- ``arabic_tokens`` splits a normalized name into tokens with compounds glued (عبد الله →
  عبدالله, ابو X → ابوX, X الدين → Xالدين), so that token counts do not depend on spacing.
- ``arabic_skeleton`` removes the letters that drift between releases (alef, hamza) and
  collapses doubled letters. It deliberately keeps و and ي: drift mined from the Gaza MoH
  releases shows they are stable, while dropping them would merge distinct names such as
  محمد / محمود or سلمان / سليمان.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable, Sequence
from typing import Final

from uncounted.normalize.columns import map_unique

_DELETE: Final = (
    # harakat, tanwin, shadda, sukun, Quranic small marks, superscript alef
    [chr(c) for c in range(0x0610, 0x061B)]
    + [chr(c) for c in range(0x064B, 0x0660)]
    + ["\u0670"]
    + [chr(c) for c in range(0x06D6, 0x06EE)]
    # tatweel, and the invisible direction and joiner marks that copy-paste drags along
    + ["\u0640", "\u200b", "\u200c", "\u200d", "\u200e", "\u200f", "\u061c", "\ufeff"]
    + ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069"]
)

_FOLD: Final = {
    "أ": "ا",
    "إ": "ا",
    "آ": "ا",
    "ٱ": "ا",
    "ٲ": "ا",
    "ٳ": "ا",
    "ؤ": "و",
    "ئ": "ي",
    "ى": "ي",
    "ة": "ه",
    "ۀ": "ه",
    "ہ": "ه",
    "ھ": "ه",
    "ک": "ك",
    "ڪ": "ك",
    "ی": "ي",
    "ې": "ي",
    "ۍ": "ي",
    "ے": "ي",
    "گ": "ك",
    "پ": "ب",
    "چ": "ج",
    "ژ": "ز",
    "ڤ": "ف",
    "ڨ": "ق",
}

_DIGITS: Final = {chr(0x0660 + i): str(i) for i in range(10)} | {
    chr(0x06F0 + i): str(i) for i in range(10)
}

_TABLE: Final = str.maketrans({**dict.fromkeys(_DELETE, None), **_FOLD, **_DIGITS})

# Everything that is not an Arabic letter, an ASCII letter or a digit separates tokens.
_SEPARATORS: Final = re.compile(r"[^0-9A-Za-z\u0621-\u064a]+")

# PDF export of the MoH lists writes the lam-alef ligature in visual order: لا comes out as
# ال and الله as هللا. Only the unambiguous cases are repaired here; the medial ones (سالم
# could be سلام) are left to the skeleton, which drops alef and so absorbs them.
_BROKEN_ALLAH: Final = re.compile(r"هللا(?=\s|$)")
_BROKEN_ARTICLE: Final = re.compile(r"(?:(?<=\s)|^)اال")

_ALEF: Final = "ا"
_HAMZA: Final = "ء"

# Particles that begin a compound with the following token.
_PREFIX_PARTICLES: Final = frozenset({"عبد", "ابو", "ابي", "ام", "بو", "ال", "عبدال"})
# Second halves that belong to the previous token (نور الدين, عبد الله written apart, ...).
_SUFFIX_TOKENS: Final = frozenset({"الدين", "الله", "اللة", "الدوله", "الاسلام"})


def normalize_arabic(text: str) -> str:
    """A normalized key for an Arabic string: folded letters, one space between tokens."""
    if not text:
        return ""
    folded = unicodedata.normalize("NFKC", text).translate(_TABLE)
    spaced = _SEPARATORS.sub(" ", folded).strip()
    if "هللا" in spaced:
        spaced = _BROKEN_ALLAH.sub("الله", spaced)
    if "اال" in spaced:
        spaced = _BROKEN_ARTICLE.sub("الا", spaced)
    return spaced


def normalize_arabic_many(texts: Iterable[str | None]) -> list[str]:
    """``normalize_arabic`` over a column (list, pandas Series, pyarrow array); ``None`` → ""."""
    return map_unique(normalize_arabic, texts, "")


def glue_compounds(tokens: Sequence[str]) -> list[str]:
    """Join particles to the token they belong to, on already normalized tokens.

    عبد + X → عبدX, ابو + X → ابوX, X + الدين → Xالدين, X + الله → Xالله. ابن/بن/بنت are kept
    as separate tokens because they mark a generation boundary, not part of a name; see
    ``uncounted.normalize.parts``.
    """
    out: list[str] = []
    # A single letter is never a name: it is a fragment the PDF export split off a word.
    tokens = _rejoin_fragments(tokens)
    index = 0
    count = len(tokens)
    while index < count:
        token = tokens[index]
        if token in _SUFFIX_TOKENS and out and not _is_generation_particle(out[-1]):
            out[-1] = out[-1] + token
            index += 1
            continue
        if token in _PREFIX_PARTICLES and index + 1 < count:
            following = tokens[index + 1]
            if not _is_generation_particle(following):
                # ابو ال X: the article belongs to the family name that follows.
                if following == "ال" and index + 2 < count:
                    out.append(token + following + tokens[index + 2])
                    index += 3
                    continue
                out.append(token + following)
                index += 2
                continue
        out.append(token)
        index += 1
    return out


def _rejoin_fragments(tokens: Sequence[str]) -> list[str]:
    out: list[str] = []
    for token in tokens:
        if len(token) == 1 and out and not token.isdigit() and token != "و":
            out[-1] = out[-1] + token
        else:
            out.append(token)
    return out


def _is_generation_particle(token: str) -> bool:
    return token in ("بن", "ابن", "بنت")


def arabic_tokens(text: str) -> list[str]:
    """Normalized tokens of an Arabic name with compounds glued."""
    normalized = normalize_arabic(text)
    if not normalized:
        return []
    return glue_compounds(normalized.split(" "))


def arabic_name_key(text: str) -> str:
    """Normalized name with compounds glued: عبد الله and عبدالله give the same key."""
    return " ".join(arabic_tokens(text))


@functools.lru_cache(maxsize=1 << 17)
def token_skeleton(token: str) -> str:
    """Consonant skeleton of one normalized token.

    Alef is kept only word-initially (it is a consonant seat there and its presence separates
    e.g. اسعد from سعد), hamza is dropped, and runs of one letter collapse to one.
    """
    if not token:
        return ""
    chars: list[str] = [token[0]] if token[0] != _HAMZA else []
    for char in token[1:]:
        if char in (_ALEF, _HAMZA):
            continue
        if chars and chars[-1] == char:
            continue
        chars.append(char)
    return "".join(chars)


def arabic_skeleton(text: str) -> str:
    """Consonant skeleton of a full Arabic name, token by token (compounds glued)."""
    return " ".join(filter(None, (token_skeleton(token) for token in arabic_tokens(text))))


def arabic_skeleton_many(texts: Iterable[str | None]) -> list[str]:
    return map_unique(arabic_skeleton, texts, "")


def arabic_name_key_many(texts: Iterable[str | None]) -> list[str]:
    return map_unique(arabic_name_key, texts, "")


def arabic_rasm_many(texts: Iterable[str | None]) -> list[str]:
    return map_unique(arabic_rasm, texts, "")


def lam_alef_variants(token: str) -> list[str]:
    """The token plus the readings in which one ال was a mis-ordered لا (PDF export damage).

    Used by linkage when one side comes from a damaged export; the first element is the token.
    """
    variants = [token]
    start = 1
    while True:
        position = token.find("ال", start)
        if position < 0:
            break
        variants.append(token[:position] + "لا" + token[position + 2 :])
        start = position + 1
    return variants


# Letters that differ only by their dots share one shape here: OCR and PDF export of the
# lists confuse them (مصطفي read as مصطفن, خضر as خصر).
_RASM_TABLE: Final = str.maketrans(
    {
        "ب": "ٮ",
        "ت": "ٮ",
        "ث": "ٮ",
        "ن": "ٮ",
        "ي": "ٮ",
        "ج": "ح",
        "خ": "ح",
        "ش": "س",
        "ض": "ص",
        "ظ": "ط",
        "غ": "ع",
        "ق": "ڡ",
        "ف": "ڡ",
        "ذ": "د",
        "ز": "ر",
    }
)


def arabic_rasm(text: str) -> str:
    """Skeleton with dots removed: a blocking key that survives OCR dot errors."""
    out: list[str] = []
    for token in arabic_tokens(text):
        shape = token_skeleton(token).translate(_RASM_TABLE)
        collapsed = [c for i, c in enumerate(shape) if i == 0 or c != shape[i - 1]]
        if collapsed:
            out.append("".join(collapsed))
    return " ".join(out)
