"""Mine the Arabic → Latin name-segment table and the Arabic compound family names.

Rebuilds two files packaged with ``uncounted.normalize``:

- ``data/ar_latin_segments.tsv``: Arabic name token (normalized, compounds glued) → canonical
  Latin key, from the Tech for Palestine releases that carry an Arabic ``name`` and an English
  ``en_name`` for the same people. Tokens are paired by position where both names have the
  same number of tokens after compound handling.
- ``data/ar_family_compounds.tsv``: two-token family names (الشيخ العيد, X اغا, ...) that end
  five-token names in the Gaza MoH releases far more often than their last token stands alone.

Only segments seen for at least ``--min-people`` different people are written, so the files hold
name segments, never a person. Nothing is printed but counts.

    .venv/bin/python scripts/mine_segment_dictionary.py --shared ../shared/data
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path

from uncounted.normalize.arabic import arabic_tokens
from uncounted.normalize.latin import canonical_token, latin_tokens

TFP_RELEASES = (
    "20240413killed-in-gaza.csv",
    "20240808killed-in-gaza.csv",
    "20240921killed-in-gaza.csv",
)
# 2024-03-29 is left out: its PDF export garbled letters and split words, which would pass
# for two-token family names.
MOH_RELEASES = (
    "fatalities_20240105.csv",
    "fatalities_20240430.csv",
    "fatalities_20240630.csv",
    "fatalities_20240831.csv",
)
OUT_DIR = Path(__file__).resolve().parents[1] / "src" / "uncounted" / "normalize" / "data"


def _rows(path: Path) -> Iterator[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        yield from csv.DictReader(handle)


def aligned_pairs(arabic: str, latin: str) -> list[tuple[str, str]]:
    """Token pairs of one person's two spellings, or nothing when the counts differ."""
    ar = arabic_tokens(arabic)
    la = [canonical_token(t) for t in latin_tokens(latin)]
    la = [t for t in la if t]
    if not ar or len(ar) != len(la):
        return []
    return list(zip(ar, la, strict=True))


def mine_segments(
    tfp_dir: Path, min_people: int, min_share: float
) -> tuple[list[tuple[str, str, int, float]], dict[str, int]]:
    people: dict[tuple[str, str], set[str]] = defaultdict(set)
    stats: Counter[str] = Counter()
    for release in TFP_RELEASES:
        for row_number, row in enumerate(_rows(tfp_dir / release)):
            stats["rows"] += 1
            person = (row.get("id") or "").strip() or f"{release}:{row_number}"
            pairs = aligned_pairs(row.get("name") or "", row.get("en_name") or "")
            if not pairs:
                continue
            stats["aligned_rows"] += 1
            for pair in pairs:
                people[pair].add(person)
    per_arabic: Counter[str] = Counter()
    for (arabic, _), who in people.items():
        per_arabic[arabic] += len(who)
    table = []
    for (arabic, latin), who in people.items():
        share = len(who) / per_arabic[arabic]
        if len(who) >= min_people and share >= min_share:
            table.append((arabic, latin, len(who), share))
    table.sort(key=lambda r: (r[0], -r[2], r[1]))
    stats["arabic_segments"] = len({r[0] for r in table})
    stats["pairs"] = len(table)
    return table, dict(stats)


def mine_family_compounds(
    moh_dir: Path, min_people: int, min_share: float
) -> list[tuple[str, str, int, float]]:
    """Two-token endings of long names that mostly occur together (a compound family name)."""
    ending: dict[tuple[str, str], set[str]] = defaultdict(set)
    last: dict[str, set[str]] = defaultdict(set)
    whole: dict[str, set[str]] = defaultdict(set)
    for release in MOH_RELEASES:
        for row in _rows(moh_dir / release):
            person = (row.get("gov_id") or "").strip()
            if not person:
                continue
            tokens = arabic_tokens(row.get("name") or "")
            if len(tokens) < 2:
                continue
            for token in tokens:
                whole[token].add(person)
            last[tokens[-1]].add(person)
            if len(tokens) >= 5 and min(len(tokens[-2]), len(tokens[-1])) >= 3:
                ending[(tokens[-2], tokens[-1])].add(person)
    table = []
    for (first, second), who in ending.items():
        share = len(who) / len(last[second])
        # A pair whose concatenation is a common word is a word the PDF export split in two.
        split_word = len(whole.get(first + second, ())) >= len(who)
        if len(who) >= min_people and share >= min_share and not split_word:
            table.append((first, second, len(who), share))
    table.sort(key=lambda r: (-r[2], r[0], r[1]))
    return table


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=Path("../shared/data"))
    parser.add_argument("--min-people", type=int, default=3)
    parser.add_argument("--min-share", type=float, default=0.02)
    parser.add_argument("--family-min-people", type=int, default=5)
    parser.add_argument("--family-min-share", type=float, default=0.3)
    parser.add_argument("--out", type=Path, default=OUT_DIR)
    args = parser.parse_args(argv)

    tfp_dir = args.shared / "techforpalestine-palestine-datasets"
    table, stats = mine_segments(tfp_dir, max(3, args.min_people), args.min_share)
    args.out.mkdir(parents=True, exist_ok=True)
    with (args.out / "ar_latin_segments.tsv").open("w", encoding="utf-8") as handle:
        handle.write("arabic\tlatin_key\tpeople\tshare\n")
        for arabic, latin, count, share in table:
            handle.write(f"{arabic}\t{latin}\t{count}\t{share:.3f}\n")

    moh_dir = args.shared / "gaza-moh-releases-alexschell"
    families = mine_family_compounds(moh_dir, max(3, args.family_min_people), args.family_min_share)
    with (args.out / "ar_family_compounds.tsv").open("w", encoding="utf-8") as handle:
        handle.write("first\tsecond\tpeople\tshare\n")
        for first, second, count, share in families:
            handle.write(f"{first}\t{second}\t{count}\t{share:.3f}\n")

    summary = ", ".join(f"{k}={v}" for k, v in stats.items())
    print(f"segments: {summary}; family compounds={len(families)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
