"""Detect the text encoding of a delimited file and decode it.

Victim lists arrive as UTF-8 (with or without a byte-order mark), UTF-16 from Excel's
"Unicode text" export, and legacy Windows-1256 (Arabic) or ISO-8859-8 (Hebrew) from older
systems. We decide from the bytes alone and always say which encoding was used.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

from uncounted.core.errors import UnreadableFileError

_ARABIC_LETTER = re.compile(r"[\u0621-\u064A]")
_HEBREW_LETTER = re.compile(r"[\u05D0-\u05EA]")
_LATIN_ACCENTED = re.compile(r"[\u00C0-\u00FF]")
_HIGH_RUN = re.compile(rb"[\x80-\xff]+")


@dataclass(frozen=True)
class DecodedText:
    text: str
    encoding: str


def decode_text(data: bytes, file: str) -> DecodedText:
    """Decode ``data`` or raise :class:`UnreadableFileError` naming ``file``."""
    if not data.strip(b" \t\r\n\x00\xef\xbb\xbf\xff\xfe"):
        raise UnreadableFileError("the file is empty", file=file)
    if data.startswith(codecs.BOM_UTF8):
        return DecodedText(_strict(data[3:], "utf-8", file), "utf-8-sig")
    if data.startswith(codecs.BOM_UTF16_LE) or data.startswith(codecs.BOM_UTF16_BE):
        return DecodedText(_strict(data, "utf-16", file), "utf-16")
    utf16 = _utf16_without_bom(data)
    if utf16:
        return DecodedText(_strict(data, utf16, file), utf16)
    if b"\x00" in data:
        raise UnreadableFileError(
            "the file contains NUL bytes and is not UTF-16 text: it looks like a binary file",
            file=file,
        )
    try:
        return DecodedText(data.decode("utf-8"), "utf-8")
    except UnicodeDecodeError:
        pass
    legacy = _guess_legacy_single_byte(data)
    if legacy is None:
        raise UnreadableFileError(
            "unknown text encoding: not UTF-8, UTF-16, Windows-1256 (Arabic), "
            "ISO-8859-8 (Hebrew) or Windows-1252 (Latin); re-save the file as UTF-8",
            file=file,
        )
    return DecodedText(data.decode(legacy), legacy)


def _strict(data: bytes, encoding: str, file: str) -> str:
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise UnreadableFileError(
            f"the file declares {encoding} but byte {exc.start} is not valid {encoding}",
            file=file,
        ) from None
    return text.lstrip("\ufeff")


def _utf16_without_bom(data: bytes) -> str | None:
    """UTF-16 text without a BOM: the byte order whose decoding reads as plain text lines."""
    if b"\x00" not in data[:65536] or len(data) % 2:
        return None
    for encoding in ("utf-16-le", "utf-16-be"):
        try:
            text = data[:65536].decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\n" in text and _looks_like_text(text):
            return encoding
    return None


def _looks_like_text(text: str) -> bool:
    odd = sum(
        1
        for ch in text
        if (ord(ch) < 32 and ch not in "\t\r\n") or 0xD800 <= ord(ch) <= 0xF8FF or ord(ch) == 0xFFFD
    )
    return odd <= len(text) * 0.001


def _guess_legacy_single_byte(data: bytes) -> str | None:
    """Pick the legacy code page under which the high bytes read as words of one script.

    Arabic and Hebrew words are runs of high bytes; accented Latin letters sit alone inside
    ASCII words. ISO-8859-8 leaves 0xC0-0xDF undefined, where Windows-1256 puts most Arabic
    letters, so a strict decode separates the two.
    """
    if _control_character_share(data) > 0.01:
        return None
    runs = _HIGH_RUN.findall(data)
    mean_run = sum(map(len, runs)) / len(runs) if runs else 0.0
    scores: dict[str, float] = {}
    for encoding, letters in (
        ("windows-1256", _ARABIC_LETTER),
        ("iso-8859-8", _HEBREW_LETTER),
        ("windows-1252", _LATIN_ACCENTED),
    ):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        high = sum(1 for ch in text if ord(ch) > 127)
        if high:
            scores[encoding] = len(letters.findall(text)) / high
    if not scores:
        return None
    if mean_run < 2.0 and scores.get("windows-1252", 0) > 0.8:
        return "windows-1252"
    best = max(("windows-1256", "iso-8859-8"), key=lambda enc: scores.get(enc, 0.0))
    if scores.get(best, 0.0) >= 0.6:
        return best
    return None


def _control_character_share(data: bytes) -> float:
    sample = data[:65536]
    controls = sum(1 for b in sample if b < 32 and b not in (9, 10, 13))
    return controls / max(1, len(sample))
