"""Arabic ↔ Latin bridge: compare an Arabic name and a Latin name token by token.

Both sides are brought to the canonical Latin key of ``uncounted.normalize.latin``:

1. the segment table mined from releases that give both scripts for the same people
   (``data/ar_latin_segments.tsv``, rebuilt by ``scripts/mine_segment_dictionary.py``): real
   spellings, ranked by how many people carried them;
2. optionally the ``arabic-name-romanizer`` package (dictionary plus a small ONNX model, all
   inside its wheel, no network) for tokens the table has never seen;
3. a letter-by-letter rule romanization as the last resort, which is only reliable at the
   skeleton level because Arabic does not write short vowels.
"""

from __future__ import annotations

import csv
import functools
from collections import defaultdict
from collections.abc import Iterable
from importlib import resources
from typing import Final, Literal

from uncounted.normalize.arabic import arabic_tokens, lam_alef_variants, normalize_arabic
from uncounted.normalize.columns import as_values, map_unique
from uncounted.normalize.hebrew import hebrew_skeleton_candidates, hebrew_tokens, romanize_hebrew
from uncounted.normalize.latin import (
    canonical_token,
    canonical_tokens,
    latin_token_skeleton,
    latin_tokens,
)
from uncounted.normalize.script import detect_script

TokenMatch = Literal["key", "skeleton", "none"]
Fallback = Literal["rules", "package", "none"]

_SEGMENTS_FILE: Final = "ar_latin_segments.tsv"
_MAX_CANDIDATES: Final = 8

_LETTERS: Final[dict[str, str]] = {
    "ب": "b",
    "ت": "t",
    "ث": "t",
    "ج": "j",
    "ح": "h",
    "خ": "x",
    "د": "d",
    "ذ": "z",
    "ر": "r",
    "ز": "z",
    "س": "s",
    "ش": "c",
    "ص": "s",
    "ض": "d",
    "ط": "t",
    "ظ": "z",
    "ع": "",
    "غ": "g",
    "ف": "f",
    "ق": "k",
    "ك": "k",
    "ل": "l",
    "م": "m",
    "ن": "n",
    "ء": "",
}


@functools.cache
def _segments() -> dict[str, tuple[str, ...]]:
    """Arabic token → Latin keys, most people first."""
    rows: dict[str, list[tuple[int, str]]] = defaultdict(list)
    text = resources.files("uncounted.normalize").joinpath("data", _SEGMENTS_FILE)
    with text.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            rows[row["arabic"]].append((int(row["people"]), row["latin_key"]))
    return {ar: tuple(key for _, key in sorted(pairs, reverse=True)) for ar, pairs in rows.items()}


@functools.cache
def _reverse_segments() -> tuple[dict[str, tuple[str, ...]], dict[str, tuple[str, ...]]]:
    """Latin key → Arabic tokens and Latin skeleton → Arabic tokens, most people first."""
    by_key: dict[str, list[tuple[int, str]]] = defaultdict(list)
    by_skeleton: dict[str, list[tuple[int, str]]] = defaultdict(list)
    text = resources.files("uncounted.normalize").joinpath("data", _SEGMENTS_FILE)
    with text.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            people = int(row["people"])
            by_key[row["latin_key"]].append((people, row["arabic"]))
            by_skeleton[latin_token_skeleton(row["latin_key"])].append((people, row["arabic"]))

    def ranked(table: dict[str, list[tuple[int, str]]]) -> dict[str, tuple[str, ...]]:
        out: dict[str, tuple[str, ...]] = {}
        for key, pairs in table.items():
            totals: dict[str, int] = defaultdict(int)
            for people, arabic in pairs:
                totals[arabic] += people
            out[key] = tuple(sorted(totals, key=lambda a: (-totals[a], a)))
        return out

    return ranked(by_key), ranked(by_skeleton)


def rule_romanize_arabic(token: str) -> str:
    """Letter-by-letter Latin key of one normalized Arabic token (no short vowels)."""
    word = token
    prefix = ""
    if word.startswith("ابو") and len(word) > 4:
        prefix, word = "abu", word[3:]
    elif word.startswith("عبد") and len(word) > 4:
        prefix, word = "abd", word[3:]
    if word.startswith("ال") and len(word) > 3:
        word = word[2:]
    out: list[str] = []
    for index, char in enumerate(word):
        last = index == len(word) - 1
        if char == "ا":
            out.append("a")
        elif char == "و":
            out.append("w" if index == 0 else "u")
        elif char == "ي":
            out.append("y" if index == 0 else "i")
        elif char == "ه":
            out.append("a" if last and index > 0 else "h")
        elif char == "ع" and index == 0:
            out.append("a")
        else:
            out.append(_LETTERS.get(char, ""))
    return prefix + "".join(out)


class _PackageRomanizer:
    """The optional package, asked once per distinct token; batches are much faster."""

    _BATCH = 256

    def __init__(self) -> None:
        from arabic_name_romanizer import Transliterator

        self._engine = Transliterator()
        self._known: dict[str, tuple[str, ...]] = {}

    def prime(self, tokens: Iterable[str]) -> None:
        todo = list(dict.fromkeys(t for t in tokens if t and t not in self._known))
        for start in range(0, len(todo), self._BATCH):
            batch = todo[start : start + self._BATCH]
            results = self._engine.transliterate_many(batch, top_k=3, country="PS")
            for token, candidates in zip(batch, results, strict=True):
                self._known[token] = tuple(c.text for c in candidates)

    def spellings(self, token: str) -> tuple[str, ...]:
        if token not in self._known:
            self.prime([token])
        return self._known[token]


@functools.cache
def _package_romanizer() -> _PackageRomanizer | None:
    try:
        return _PackageRomanizer()
    except ImportError:
        return None


def romanizer_package_available() -> bool:
    """True when the optional ``arabic-name-romanizer`` package can be imported."""
    return _package_romanizer() is not None


def _lookup(token: str) -> tuple[str, ...]:
    table = _segments()
    for variant in lam_alef_variants(token):
        keys = table.get(variant)
        if keys:
            return keys
    return ()


def _compound_lookup(token: str) -> list[str]:
    """Keys for glued compounds the table lacks (ابوX, الX), built from their parts."""
    for particle, latin in (("ابو", "abu"), ("عبد", "abd"), ("ال", "")):
        if token.startswith(particle) and len(token) > len(particle) + 1:
            rest = token[len(particle) :]
            keys = _lookup(rest) or (_lookup("ال" + rest) if particle != "ال" else ())
            if keys:
                return [canonical_token(latin + key) if latin else key for key in keys]
    return []


@functools.cache
def _romanize_cached(token: str, fallback: Fallback) -> tuple[str, ...]:
    candidates: list[str] = list(_lookup(token)) or _compound_lookup(token)
    if fallback == "package":
        romanizer = _package_romanizer()
        if romanizer is not None:
            for text in romanizer.spellings(token):
                keys = canonical_tokens(text)
                if keys:
                    candidates.append("".join(keys))
    if fallback != "none":
        candidates.append(rule_romanize_arabic(token))
    unique = dict.fromkeys(c for c in candidates if c)
    return tuple(unique)[:_MAX_CANDIDATES]


def romanize_arabic(token: str, *, fallback: Fallback = "rules") -> list[str]:
    """Candidate canonical Latin keys for one Arabic name token, best first.

    The token is normalized and its compounds glued first (عبد الله is one token). Mined
    spellings come first; ``fallback`` adds the rule romanization (``"rules"``), the optional
    package's top three spellings and then the rule romanization (``"package"``), or nothing
    (``"none"``). The package's spellings follow English-language usage (Mohammed, Abu X)
    better than the mined table, whose Latin side is one site's mechanical transliteration.
    """
    glued = "".join(arabic_tokens(token))
    if not glued:
        return []
    return list(_romanize_cached(glued, fallback))


def romanize_arabic_name(text: str, *, fallback: Fallback = "rules") -> list[list[str]]:
    """``romanize_arabic`` for each token of a full name."""
    return [list(_romanize_cached(t, fallback)) for t in arabic_tokens(text)]


def latin_to_arabic_candidates(token: str) -> list[str]:
    """Arabic tokens (normalized, compounds glued) that were written as this Latin token.

    Exact canonical-key matches come first, then tokens sharing its consonant skeleton.
    """
    keys = canonical_tokens(token)
    if not keys:
        return []
    key = "".join(keys)
    by_key, by_skeleton = _reverse_segments()
    exact = by_key.get(key, ())
    loose = by_skeleton.get(latin_token_skeleton(key), ())
    return list(dict.fromkeys((*exact, *loose)))[: _MAX_CANDIDATES * 2]


def match_arabic_latin_token(arabic_token: str, latin_token: str) -> TokenMatch:
    """How one Arabic token and one Latin token relate through the bridge."""
    latin_keys = canonical_tokens(latin_token)
    if not latin_keys or not normalize_arabic(arabic_token):
        return "none"
    latin_key = "".join(latin_keys)
    candidates = romanize_arabic(arabic_token)
    if latin_key in candidates:
        return "key"
    skeleton = latin_token_skeleton(latin_key)
    if any(latin_token_skeleton(c) == skeleton for c in candidates):
        return "skeleton"
    return "none"


def arabic_latin_skeletons(text: str) -> list[list[str]]:
    """Candidate Latin skeletons per token of an Arabic name, for blocking across scripts."""
    return [
        list(dict.fromkeys(latin_token_skeleton(k) for k in keys))
        for keys in romanize_arabic_name(text)
    ]


def latin_name_tokens(text: str) -> list[str]:
    """Canonical Latin keys of a Latin name, token by token (re-exported for symmetry)."""
    return [k for k in (canonical_token(t) for t in latin_tokens(text)) if k]


def prime_package_romanizer(texts: Iterable[str | None]) -> None:
    """Send the table-unknown tokens of a column to the optional package in batches.

    Only a speed-up: ``fallback="package"`` gives the same answers without it, one token at a
    time. Does nothing when the package is not installed.
    """
    romanizer = _package_romanizer()
    if romanizer is None:
        return
    tokens: dict[str, None] = {}
    for text in as_values(texts):
        if isinstance(text, str) and text:
            tokens.update(dict.fromkeys(arabic_tokens(text)))
    romanizer.prime(t for t in tokens if not _lookup(t) and not _compound_lookup(t))


def romanize_arabic_many(tokens: Iterable[str], *, fallback: Fallback = "rules") -> list[list[str]]:
    if fallback == "package":
        prime_package_romanizer(as_values(tokens))
    return [romanize_arabic(token, fallback=fallback) for token in as_values(tokens)]


def cross_script_skeletons_many(
    texts: Iterable[str | None], *, fallback: Fallback = "rules"
) -> list[list[tuple[str, ...]]]:
    """``cross_script_skeletons`` over a column (list, pandas Series, pyarrow array)."""
    values = as_values(texts)
    if fallback == "package":
        prime_package_romanizer(values)
    return map_unique(lambda t: cross_script_skeletons(t, fallback=fallback), values, [])


def cross_script_keys_many(
    texts: Iterable[str | None], *, fallback: Fallback = "rules"
) -> list[list[tuple[str, ...]]]:
    """``cross_script_keys`` over a column (list, pandas Series, pyarrow array)."""
    values = as_values(texts)
    if fallback == "package":
        prime_package_romanizer(values)
    return map_unique(lambda t: cross_script_keys(t, fallback=fallback), values, [])


def cross_script_keys(text: str | None, *, fallback: Fallback = "rules") -> list[tuple[str, ...]]:
    """Candidate canonical Latin keys per token, whatever the script of ``text``.

    Stricter than ``cross_script_skeletons``: vowels are kept, so Mahmoud and Mohammed differ
    here while their skeletons (``mhmd``) meet. Hebrew tokens give consonant-heavy keys (the
    vowels are not written), so for Hebrew compare skeletons.
    """
    return _cross_script(text, skeletons=False, fallback=fallback)


def cross_script_skeletons(
    text: str | None, *, fallback: Fallback = "rules"
) -> list[tuple[str, ...]]:
    """Candidate Latin consonant skeletons per token, whatever the script of ``text``.

    This is the common key on which an Arabic, a Hebrew and a Latin list can be compared token
    by token (or blocked on): Arabic tokens go through ``romanize_arabic``, Hebrew tokens
    through the rule bridge, Latin tokens through their canonical key. A mixed string is read
    run by run, each run of words in its own script.
    """
    return _cross_script(text, skeletons=True, fallback=fallback)


def _cross_script(
    text: str | None, *, skeletons: bool, fallback: Fallback
) -> list[tuple[str, ...]]:
    def shape(keys: Iterable[str]) -> tuple[str, ...]:
        if skeletons:
            return tuple(dict.fromkeys(latin_token_skeleton(k) for k in keys))
        return tuple(dict.fromkeys(keys))

    out: list[tuple[str, ...]] = []
    for script, run in _script_runs(text or ""):
        if script == "arabic":
            out.extend(shape(keys) for keys in romanize_arabic_name(run, fallback=fallback))
        elif script == "hebrew":
            for token in hebrew_tokens(run):
                candidates = (
                    hebrew_skeleton_candidates(token) if skeletons else romanize_hebrew(token)
                )
                if candidates:
                    out.append(tuple(candidates))
        elif script == "latin":
            out.extend(shape((k,)) for k in canonical_tokens(run))
    return out


def _script_runs(text: str) -> list[tuple[str, str]]:
    runs: list[tuple[str, list[str]]] = []
    for word in text.split():
        script = detect_script(word)
        if runs and runs[-1][0] == script:
            runs[-1][1].append(word)
        else:
            runs.append((script, [word]))
    return [(script, " ".join(words)) for script, words in runs]
