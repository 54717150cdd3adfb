"""Which writing system a string is in, so each value goes to the right normalizer."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Final, Literal

from uncounted.normalize.columns import map_unique

Script = Literal["arabic", "hebrew", "latin", "mixed", "unknown"]

# Letters only: digits, punctuation and Arabic/Hebrew combining marks do not decide a script.
_ARABIC: Final = re.compile(
    "[\u0620-\u064a\u066e-\u06d3\u06d5\u06ee-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufefc]"
)
_HEBREW: Final = re.compile("[\u05d0-\u05ea\u05ef-\u05f2\ufb1d-\ufb4f]")
_LATIN: Final = re.compile("[A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f\u1e00-\u1eff]")
_KNOWN: Final = (
    "\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff"
    "\u0590-\u05ff\ufb1d-\ufb4f"
    "A-Za-z\u00c0-\u024f\u1e00-\u1eff"
)
# A letter of any other script (Cyrillic, Greek, CJK...) makes the value "mixed".
_OTHER_LETTER: Final = re.compile(f"[^\\W\\d_{_KNOWN}]")


def detect_script(text: str | None) -> Script:
    """``arabic``, ``hebrew`` or ``latin`` when all letters are of one script; ``mixed`` when
    letters of two scripts (or of another script) occur; ``unknown`` when there are no letters.
    """
    if not text:
        return "unknown"
    found: list[Script] = []
    if _ARABIC.search(text):
        found.append("arabic")
    if _HEBREW.search(text):
        found.append("hebrew")
    if _LATIN.search(text):
        found.append("latin")
    if _OTHER_LETTER.search(text):
        return "mixed"
    if len(found) == 1:
        return found[0]
    return "mixed" if found else "unknown"


def detect_script_many(texts: Iterable[str | None]) -> list[Script]:
    return map_unique(detect_script, texts, "unknown")
