"""Latin transliterations of Arabic and Hebrew names: one canonical key, one skeleton.

Lists written in Latin letters follow competing conventions (Mohammed / Muhammad / Mohamed,
Abdel / Abdul / Abd al-, al- / el- / a-, ou / u, ee / i, -ah / -a / -eh). The canonical key folds
those conventions so that two spellings of one name usually meet; the skeleton also drops the
vowels, which Arabic does not write and transliterators guess.

Key alphabet: lowercase a-z where ``x`` stands for kh/ch (خ, Hebrew ח/כ), ``c`` for sh (ش, ש),
``k`` for q/k/ck/hard c (ق, ك), ``b`` for b/v (Avraham/Abraham), ``u`` for o/ou/oo/u, ``i`` for
i/ee/ie/final y, ``a`` for a/e, ``ai`` for ai/ay/ei/ey, and ``ts`` for tz/ts (Hebrew צ).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable, Sequence
from typing import Final

from uncounted.normalize.columns import map_unique

_APOSTROPHES: Final = re.compile(r"['`’‘ʿʾʼ´\u02bb\u02bd]")
_NON_LETTERS: Final = re.compile(r"[^a-z\s-]+")
_SPACES: Final = re.compile(r"[\s-]+")

# Article forms, including the sun-letter assimilations B'Tselem and others write
# ("a-Rahman", "ash-Shawa", "ad-Din").
_ARTICLES: Final = frozenset(
    {
        "al",
        "el",
        "il",
        "ul",
        "a",
        "e",
        "as",
        "ash",
        "ad",
        "ar",
        "an",
        "at",
        "az",
        "adh",
        "ath",
        "es",
        "ed",
        "er",
        "en",
        "et",
        "ez",
    }
)
# Articles that may be written glued to the following word without a hyphen.
_GLUED_ARTICLE: Final = re.compile(r"^(?:al|el)(?=[b-df-hj-np-tv-z][a-z]{3,}$)")

_ABD_FORMS: Final = frozenset({"abd", "abdel", "abdul", "abdal", "abdil", "abed", "abdol", "abdu"})
_ABD_GLUED: Final = re.compile(r"^ab(?:d|ed)(?:el|ul|al|il|ol|u|e|a)?(?=[a-z]{3,}$)")
_ABU_FORMS: Final = frozenset({"abu", "abou", "abo", "aboo", "bu", "abi"})
_DIN_FORMS: Final = frozenset(
    {
        "din",
        "deen",
        "dine",
        "eddin",
        "eddine",
        "uddin",
        "addin",
        "aldin",
        "eldin",
        "aldeen",
        "eldeen",
        "addeen",
        "uddeen",
    }
)
# "hlla" is how a mechanical transliteration renders the PDF-damaged هللا (الله).
_ALLAH_FORMS: Final = frozenset(
    {"allah", "ullah", "illah", "alla", "ulla", "lah", "llah", "hlla", "hllah"}
)
_GENERATION: Final = frozenset({"bin", "ben", "ibn", "bint", "bent"})
# Maghrebi and French spellings that drop the opening vowel of Ibrahim and Ismail: no rule on
# letters can restore it (the skeleton keeps a leading vowel), so the forms are listed.
_ELIDED_FORMS: Final = {
    "brahim": "ibrahim",
    "brahem": "ibrahim",
    "braheem": "ibrahim",
    "smail": "ismail",
    "smael": "ismail",
    "smain": "ismail",
}

# Ordered rewrites: multi-letter conventions first, then vowels. Each pattern is applied to a
# single token without spaces.
_REWRITES: Final[tuple[tuple[re.Pattern[str], str], ...]] = tuple(
    (re.compile(pattern), replacement)
    for pattern, replacement in (
        # Uppercase letters are placeholders so that later rules cannot touch them.
        (r"(?<=[aeiou])h$", ""),  # -ah / -eh / -oh: ta marbuta written with a silent h
        (r"(?<=[aeiou]n)e$", ""),  # French mute e: Amine, Noureddine, Abderrahmane
        (r"kh|ch", "X"),
        (r"sch|sh", "C"),
        (r"gh", "g"),
        (r"tz|ts", "S"),
        (r"dh|zh", "z"),
        (r"th", "t"),
        (r"ph", "f"),
        (r"c(?=[eiy])", "s"),
        (r"ck|c|q|k", "k"),
        (r"dj", "j"),
        (r"v", "b"),
        (r"ou|oo|o|u|w(?=[^aeiouy]|$)", "u"),
        (r"(?:ei|ey|ai|ay)(?=[^aeiou]|$)", "A"),
        (r"ee|ie|y(?=[^aeiou]|$)", "i"),
        (r"e", "a"),
        (r"A", "ai"),
        (r"aa+", "a"),
        (r"ii+", "i"),
        (r"uu+", "u"),
    )
)
_PLACEHOLDERS: Final = str.maketrans({"X": "x", "C": "c", "S": "ts"})
_ABU_GLUED_ARTICLE: Final = re.compile(r"^ab(?:ou|u|o)e?l(?=[a-z]{3,}$)")
_ABU_GLUED: Final = re.compile(r"^ab(?:ou|u|oo)(?=[a-z]{3,}$)")
_DOUBLES: Final = re.compile(r"([a-zA-Z])\1+")
_VOWELS: Final = re.compile(r"[aeiou]")


def fold_latin(text: str) -> str:
    """Lowercase ASCII letters, spaces and hyphens only; accents and ayn marks removed."""
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    lowered = _APOSTROPHES.sub("", stripped.lower())
    return _NON_LETTERS.sub(" ", lowered).strip()


def latin_tokens(text: str) -> list[str]:
    """Folded tokens with articles dropped and compounds glued (abd + X, abu + X, X + din).

    ``bin`` / ``ibn`` / ``bint`` are kept as separate tokens; ``parts`` treats them as
    generation markers.
    """
    words = [_ELIDED_FORMS.get(w, w) for w in _SPACES.split(fold_latin(text)) if w]
    out: list[str] = []
    index = 0
    while index < len(words):
        word = words[index]
        following = words[index + 1] if index + 1 < len(words) else None
        if word in _ARTICLES and following is not None and following not in _GENERATION:
            index += 1
            continue
        word = _GLUED_ARTICLE.sub("", word)
        if (word in _ABD_FORMS or word in _ABU_FORMS) and following is not None:
            # "Abd al-Rahman", "Abu el Khair": the article between is dropped too.
            skip = 1
            if following in _ARTICLES and index + 2 < len(words):
                following = words[index + 2]
                skip = 2
            prefix = "abd" if word in _ABD_FORMS else "abu"
            out.append(prefix + _GLUED_ARTICLE.sub("", following))
            if following in _ALLAH_FORMS:
                out[-1] = prefix + "allah"
            index += 1 + skip
            continue
        if (word in _DIN_FORMS or word in _ALLAH_FORMS) and out and out[-1] not in _GENERATION:
            out[-1] = out[-1] + ("din" if word in _DIN_FORMS else "allah")
            index += 1
            continue
        out.append(word)
        index += 1
    return out


@functools.lru_cache(maxsize=1 << 17)
def canonical_token(token: str) -> str:
    """Canonical key of one folded token (see the module doc for the alphabet)."""
    match = _ABD_GLUED.match(token)
    if match:
        # The particle is keyed on its own so that no digraph straddles the join (abd|hadi).
        rest = token[match.end() :]
        return "abd" + _canonical_body("lah" if rest in _ALLAH_FORMS else rest)
    match = _ABU_GLUED_ARTICLE.match(token) or _ABU_GLUED.match(token)
    if match:
        return "abu" + _canonical_body(token[match.end() :])
    return _canonical_body(token)


def _canonical_body(token: str) -> str:
    word = token
    for pattern, replacement in _REWRITES:
        word = pattern.sub(replacement, word)
    # "din" / "allah" endings come in many spellings once glued (eddin, uddin, ullah).
    word = re.sub(r"(?:[aiu]?l|[aiu])?d+in$", "din", word) if word.endswith("din") else word
    word = re.sub(r"[aiu]?la$", "la", word) if word.endswith("la") and len(word) > 4 else word
    return _DOUBLES.sub(r"\1", word).translate(_PLACEHOLDERS)


def latin_name_key(text: str) -> str:
    """Canonical key of a full Latin name, token by token."""
    return " ".join(filter(None, (canonical_token(t) for t in latin_tokens(text))))


@functools.lru_cache(maxsize=1 << 17)
def latin_token_skeleton(token: str) -> str:
    """Consonant skeleton of a canonical token: vowels dropped except a leading one."""
    if not token:
        return ""
    body = _VOWELS.sub("", token[1:])
    head = token[0] if token[0] not in "aeiou" else "a"
    # g stays apart from j: in these lists g is غ (gh) far more often than an Egyptian ج.
    return _DOUBLES.sub(r"\1", head + body)


def latin_skeleton(text: str) -> str:
    keys = (canonical_token(t) for t in latin_tokens(text))
    return " ".join(filter(None, (latin_token_skeleton(k) for k in keys)))


def latin_name_key_many(texts: Iterable[str | None]) -> list[str]:
    return map_unique(latin_name_key, texts, "")


def latin_skeleton_many(texts: Iterable[str | None]) -> list[str]:
    return map_unique(latin_skeleton, texts, "")


def canonical_tokens(text: str) -> list[str]:
    return [k for k in (canonical_token(t) for t in latin_tokens(text)) if k]


def join_keys(keys: Sequence[str]) -> str:
    return " ".join(k for k in keys if k)
