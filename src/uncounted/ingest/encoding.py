"""Detect the text encoding of a text file and decode it, streaming, line by line.

Victim lists arrive as UTF-8 (with or without a byte-order mark), UTF-16 from Excel's
"Unicode text" export, and legacy Windows-1256 (Arabic), ISO-8859-8 (Hebrew) or Windows-1252
(Latin) from older systems — and sometimes as a mix, when rows typed on another machine were
pasted into a legacy file. We decide from the bytes alone, always say which encoding was used,
and never decode a line in an encoding it is not in: in a legacy file, a line that is valid
UTF-8 (and not plain ASCII) is read as UTF-8, and the note names those lines.

Everything here streams: the file is read in chunks of :data:`CHUNK` bytes and no line longer
than :data:`MAX_LINE` is ever held, so reading a file needs memory for a line, not a file.
"""

from __future__ import annotations

import codecs
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import AnyStr, BinaryIO

from uncounted.core.errors import UnreadableFileError

CHUNK = 1 << 20
# A physical line longer than this is not read (its row is quarantined with its length): no
# person's row is megabytes long, and reading it would make memory depend on the input.
MAX_LINE = 4 << 20
_SAMPLE = 1 << 16
_LEGACY_SAMPLE = 1 << 20
_SHOWN_LINES = 10

_ARABIC_LETTER = re.compile(r"[\u0621-\u064A]")
_HEBREW_LETTER = re.compile(r"[\u05D0-\u05EA]")
_LATIN_ACCENTED = re.compile(r"[\u00C0-\u00FF]")
_HIGH_RUN = re.compile(rb"[\x80-\xff]+")
_EOL_BYTES = re.compile(rb"\r\n|\n|\r")
_EOL_TEXT = re.compile(r"\r\n|\n|\r")
_LONE_CR = ("\r", b"\r")
_BLANK_BYTES = b" \t\r\n\x00\xef\xbb\xbf\xff\xfe"


@dataclass(frozen=True)
class DecodedText:
    text: str
    encoding: str


@dataclass(frozen=True)
class TextPlan:
    """How to decode one file, decided by :func:`plan_text` from a scan of all its bytes.

    ``encoding`` is the name reported to the user. ``wide`` files (UTF-16/32) are decoded as
    a stream from byte ``start``; the others are ASCII-compatible and decoded line by line with
    ``codec`` — or, when ``mixed``, each line that is valid UTF-8 as UTF-8 and the rest with
    ``codec``.
    """

    encoding: str
    codec: str
    start: int = 0
    wide: bool = False
    mixed: bool = False
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Line:
    """One physical line: its 1-based number, its text with its line ending, its size.

    ``text`` is None when the line is longer than :data:`MAX_LINE` and was skipped unread.
    """

    number: int
    text: str | None
    size: int


def plan_text(handle: BinaryIO, file: str) -> TextPlan:
    """Scan the whole of ``handle`` (a seekable binary file) and decide how to decode it.

    Raises :class:`UnreadableFileError` naming ``file`` for an empty file, a binary file, bytes
    that are not valid in the encoding a byte-order mark declares, or an unknown encoding.
    """
    handle.seek(0)
    head = handle.read(_SAMPLE)
    plan = _plan_from_head(head, file)
    if plan.wide:
        _check_wide(handle, plan, file)
        return plan
    if _control_character_share(head[plan.start :]) > 0.01:
        raise UnreadableFileError(
            "the file is full of control characters (NUL and the like) and is not UTF-16 "
            "text: it looks like a binary file",
            file=file,
        )
    return _plan_ascii_compatible(handle, plan, file)


def _plan_from_head(head: bytes, file: str) -> TextPlan:
    if head.startswith(codecs.BOM_UTF32_LE) or head.startswith(codecs.BOM_UTF32_BE):
        return TextPlan("utf-32", "utf-32", wide=True)
    if head.startswith(codecs.BOM_UTF16_LE) or head.startswith(codecs.BOM_UTF16_BE):
        return TextPlan("utf-16", "utf-16", wide=True)
    if head.startswith(codecs.BOM_UTF8):
        rest = head[3:]
        # Excel and some converters put a UTF-8 mark in front of UTF-16 text; decoding that as
        # UTF-8 gives names with a NUL between every letter.
        if rest.startswith(codecs.BOM_UTF16_LE) or rest.startswith(codecs.BOM_UTF16_BE):
            return TextPlan("utf-16", "utf-16", start=3, wide=True, notes=(_bom_note("UTF-16"),))
        wide = _utf16_without_bom(rest)
        if wide:
            return TextPlan(wide, wide, start=3, wide=True, notes=(_bom_note(wide.upper()),))
        return TextPlan("utf-8-sig", "utf-8", start=3)
    wide = _utf16_without_bom(head)
    if wide:
        return TextPlan(wide, wide, wide=True)
    return TextPlan("utf-8", "utf-8")


def _bom_note(what: str) -> str:
    return (
        f"the file starts with a UTF-8 byte-order mark but the text after it is {what}; "
        f"read as {what}"
    )


def _check_wide(handle: BinaryIO, plan: TextPlan, file: str) -> None:
    empty = True
    for text in _wide_chunks(handle, plan, file):
        if empty and text.strip(" \t\r\n\x00\ufeff"):
            empty = False
    if empty:
        raise UnreadableFileError("the file is empty", file=file)


def _wide_chunks(handle: BinaryIO, plan: TextPlan, file: str) -> Iterator[str]:
    decoder = codecs.getincrementaldecoder(plan.codec)(errors="strict")
    handle.seek(plan.start)
    offset = plan.start
    first = True
    while True:
        chunk = handle.read(CHUNK)
        try:
            text = decoder.decode(chunk, final=not chunk)
        except UnicodeDecodeError as exc:
            raise UnreadableFileError(
                f"the file is {plan.encoding} but byte {offset + exc.start:,} is not valid "
                f"{plan.encoding} (truncated or mixed with other text?)",
                file=file,
            ) from None
        if first and text:
            text = text.lstrip("\ufeff")
            first = False
        if text:
            yield text
        if not chunk:
            return
        offset += len(chunk)


def _plan_ascii_compatible(handle: BinaryIO, plan: TextPlan, file: str) -> TextPlan:
    """Sort the lines into ASCII, valid UTF-8 and neither; pick the legacy code page if needed."""
    utf8_lines: list[int] = []
    utf8_count = 0
    other_lines: list[int] = []
    other_count = 0
    sample = bytearray()
    empty = True
    handle.seek(plan.start)
    for number, line in enumerate(_split(_chunks(handle), _EOL_BYTES, MAX_LINE), start=1):
        if line is None:
            empty = False
            continue
        if empty and line.translate(None, _BLANK_BYTES):
            empty = False
        if line.isascii():
            continue
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            other_count += 1
            if len(other_lines) < _SHOWN_LINES:
                other_lines.append(number)
            if len(sample) < _LEGACY_SAMPLE:
                sample += line
        else:
            utf8_count += 1
            if len(utf8_lines) < _SHOWN_LINES:
                utf8_lines.append(number)
    if empty:
        raise UnreadableFileError("the file is empty", file=file)
    if not other_count:
        return plan
    legacy = _guess_legacy_single_byte(bytes(sample))
    if legacy is None:
        raise UnreadableFileError(
            "unknown text encoding: not UTF-8, UTF-16, Windows-1256 (Arabic), "
            "ISO-8859-8 (Hebrew) or Windows-1252 (Latin) — first at line "
            f"{_line_list(other_lines, other_count)}; re-save the file as UTF-8",
            file=file,
        )
    if not utf8_count:
        return TextPlan(legacy, legacy, start=plan.start, notes=plan.notes)
    note = (
        f"mixed encodings: {utf8_count:,} line(s) are UTF-8 (line "
        f"{_line_list(utf8_lines, utf8_count)}) and {other_count:,} are {legacy} (line "
        f"{_line_list(other_lines, other_count)}); each line was read in its own encoding"
    )
    return TextPlan(
        f"{legacy}+utf-8", legacy, start=plan.start, mixed=True, notes=(*plan.notes, note)
    )


def _line_list(numbers: list[int], count: int) -> str:
    shown = ", ".join(f"{n:,}" for n in numbers)
    return shown + (f" and {count - len(numbers):,} more" if count > len(numbers) else "")


def iter_lines(handle: BinaryIO, plan: TextPlan, file: str) -> Iterator[Line]:
    """The physical lines of ``handle``, decoded as ``plan`` says, with their line endings.

    Lines end at CR LF, LF or a lone CR (as the csv module reads them).
    """
    number = 0
    if plan.wide:
        for text in _split(_wide_chunks(handle, plan, file), _EOL_TEXT, MAX_LINE):
            number += 1
            yield Line(number, text, len(text) if text is not None else MAX_LINE)
        return
    handle.seek(plan.start)
    for raw in _split(_chunks(handle), _EOL_BYTES, MAX_LINE):
        number += 1
        if raw is None:
            yield Line(number, None, MAX_LINE)
            continue
        yield Line(number, _decode_line(raw, plan), len(raw))


def _decode_line(raw: bytes, plan: TextPlan) -> str:
    if plan.mixed and not raw.isascii():
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            pass
    # The scan proved every line decodes; "replace" only guards against the file changing.
    return raw.decode(plan.codec, errors="replace")


def iter_text(handle: BinaryIO, plan: TextPlan, file: str) -> Iterator[str]:
    """The decoded text of ``handle`` in chunks, for formats that are not line-based (JSON)."""
    if plan.wide:
        yield from _wide_chunks(handle, plan, file)
        return
    if plan.mixed:
        handle.seek(plan.start)
        for raw in _split(_chunks(handle), _EOL_BYTES, 1 << 62):
            assert raw is not None
            yield _decode_line(raw, plan)
        return
    decoder = codecs.getincrementaldecoder(plan.codec)(errors="replace")
    handle.seek(plan.start)
    while chunk := handle.read(CHUNK):
        yield decoder.decode(chunk)
    yield decoder.decode(b"", final=True)


def decode_text(data: bytes, file: str) -> DecodedText:
    """Decode all of ``data`` or raise :class:`UnreadableFileError` naming ``file``."""
    handle = io.BytesIO(data)
    plan = plan_text(handle, file)
    text = "".join(iter_text(handle, plan, file))
    return DecodedText(text.lstrip("\ufeff"), plan.encoding)


def _chunks(handle: BinaryIO) -> Iterator[bytes]:
    while chunk := handle.read(CHUNK):
        yield chunk


def _split(
    chunks: Iterable[AnyStr], eol: re.Pattern[AnyStr], limit: int
) -> Iterator[AnyStr | None]:
    """Lines of a stream of chunks, each with its ending; None for a line over ``limit`` long.

    A CR at the end of a chunk waits for the next chunk, which may start with its LF.
    """
    carry: AnyStr | None = None
    skipping = False
    for chunk in chunks:
        buffer = carry + chunk if carry else chunk
        start = 0
        for match in eol.finditer(buffer):
            end = match.end()
            if end == len(buffer) and match.group() in _LONE_CR:
                break
            if skipping:
                skipping = False
                yield None
            else:
                yield buffer[start:end]
            start = end
        carry = buffer[start:]
        if len(carry) > limit:
            skipping = True
            carry = carry[:0]
    if skipping:
        yield None
    elif carry:
        yield carry


def _utf16_without_bom(data: bytes) -> str | None:
    """UTF-16 text without a BOM: the byte order whose decoding reads as plain text lines."""
    sample = data[:_SAMPLE]
    if b"\x00" not in sample:
        return None
    sample = sample[: len(sample) - len(sample) % 2]
    for encoding in ("utf-16-le", "utf-16-be"):
        try:
            text = sample.decode(encoding)
        except UnicodeDecodeError:
            # The sample may end inside a surrogate pair.
            try:
                text = sample[:-2].decode(encoding)
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
    sample = data[:_SAMPLE]
    controls = sum(1 for b in sample if b < 32 and b not in (9, 10, 13))
    return controls / max(1, len(sample))
