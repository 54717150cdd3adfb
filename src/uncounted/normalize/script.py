"""Which writing system a string is in, so each value goes to the right normalizer."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final, Literal

Script = Literal["arabic", "hebrew", "latin", "mixed", "unknown"]

_ARABIC_RANGES: Final = ((0x0600, 0x06FF), (0x0750, 0x077F), (0x08A0, 0x08FF), (0xFB50, 0xFDFF),
                         (0xFE70, 0xFEFF))
_HEBREW_RANGES: Final = ((0x0590, 0x05FF), (0xFB1D, 0xFB4F))


def _in(code: int, ranges: tuple[tuple[int, int], ...]) -> bool:
    return any(low <= code <= high for low, high in ranges)


def detect_script(text: str | None) -> Script:
    """``arabic``, ``hebrew`` or ``latin`` when all letters are of one script; ``mixed`` when
    letters of two scripts occur; ``unknown`` when there are no letters at all.

    Digits, punctuation and Arabic diacritics do not count as letters of any script.
    """
    if not text:
        return "unknown"
    seen: set[str] = set()
    for char in text:
        if not char.isalpha():
            continue
        code = ord(char)
        if code < 0x0250:
            seen.add("latin")
        elif _in(code, _ARABIC_RANGES):
            seen.add("arabic")
        elif _in(code, _HEBREW_RANGES):
            seen.add("hebrew")
        elif 0x1E00 <= code <= 0x1EFF:
            seen.add("latin")
        else:
            seen.add("other")
        if len(seen) > 1:
            return "mixed"
    if not seen:
        return "unknown"
    found = seen.pop()
    return "mixed" if found == "other" else found  # type: ignore[return-value]


def detect_script_many(texts: Iterable[str | None]) -> list[Script]:
    return [detect_script(text) for text in texts]
