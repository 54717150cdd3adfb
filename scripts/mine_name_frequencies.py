"""Rebuild the name-token and age tables that ``uncounted.simulate`` draws from.

Reads one Gaza Ministry of Health release (Arabic names, sex, age, ID) and writes two small
aggregate tables into ``src/uncounted/simulate/data``:

* ``name_tokens.tsv``: ``part, sex, token, people`` — how many different people carry a token
  as given name (by sex), father name, grandfather name or family name.
* ``age_sex.tsv``: ``sex, age, people`` — victims by single year of age (90+ pooled) and sex.

Privacy: the real lists name real people. Only tokens carried by at least ``MIN_PEOPLE``
different people are kept, no full name or combination of parts is ever written, and the
script prints nothing but totals.

Usage::

    .venv/bin/python scripts/mine_name_frequencies.py \
        ../shared/data/gaza-moh-releases-alexschell/fatalities_20240831.csv
"""

from __future__ import annotations

import argparse
import csv
import re
from collections import Counter
from pathlib import Path

MIN_PEOPLE = 5
AGE_TOP = 90
ARABIC_TOKEN = re.compile(r"^[\u0621-\u064A]{2,}$")
DEFAULT_OUT = Path(__file__).resolve().parents[1] / "src" / "uncounted" / "simulate" / "data"

# A bare prefix or suffix written apart from its word is one name part, not two.
JOIN_WITH_NEXT = frozenset({"عبد", "ابو", "أبو", "ابن"})
JOIN_WITH_PREVIOUS = frozenset({"الدين", "الله"})


def name_parts(name: str) -> list[str] | None:
    """Split a name into parts, re-joining detached compounds; None if unusable."""
    tokens = name.split()
    if not all(ARABIC_TOKEN.match(token) for token in tokens):
        return None
    parts: list[str] = []
    glue_next = False
    for token in tokens:
        if glue_next or (token in JOIN_WITH_PREVIOUS and parts):
            parts[-1] = parts[-1] + token
        else:
            parts.append(token)
        glue_next = token in JOIN_WITH_NEXT
    return parts


def mine(source: Path) -> tuple[Counter[tuple[str, str, str]], Counter[tuple[str, int]], int]:
    token_people: Counter[tuple[str, str, str]] = Counter()
    age_people: Counter[tuple[str, int]] = Counter()
    seen_ids: set[str] = set()
    used = 0
    with source.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            person_id = (row.get("gov_id") or "").strip()
            # The same person printed twice must count once towards the five-people threshold.
            if person_id:
                if person_id in seen_ids:
                    continue
                seen_ids.add(person_id)
            sex = {"M": "M", "F": "F"}.get((row.get("sex") or "").strip().upper())
            if sex is None:
                continue
            age_text = (row.get("age") or "").strip()
            if age_text.replace(".", "", 1).isdigit():
                age_people[(sex, min(int(float(age_text)), AGE_TOP))] += 1
            parts = name_parts(row.get("name") or "")
            if parts is None or len(parts) < 4:
                continue
            used += 1
            # A fifth part is the great-grandfather; it is skipped rather than guessed at.
            token_people[("given", sex, parts[0])] += 1
            token_people[("father", "", parts[1])] += 1
            token_people[("grandfather", "", parts[2])] += 1
            token_people[("family", "", parts[-1])] += 1
    return token_people, age_people, used


def write_tables(
    token_people: Counter[tuple[str, str, str]], age_people: Counter[tuple[str, int]], out: Path
) -> tuple[int, int]:
    out.mkdir(parents=True, exist_ok=True)
    kept = sorted(
        (
            (part, sex, token, n)
            for (part, sex, token), n in token_people.items()
            if n >= MIN_PEOPLE
        ),
        key=lambda row: (row[0], row[1], -row[3], row[2]),
    )
    with (out / "name_tokens.tsv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter="\t", lineterminator="\n")
        writer.writerow(["part", "sex", "token", "people"])
        writer.writerows(kept)
    with (out / "age_sex.tsv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter="\t", lineterminator="\n")
        writer.writerow(["sex", "age", "people"])
        for sex in ("F", "M"):
            for age in range(AGE_TOP + 1):
                writer.writerow([sex, age, age_people.get((sex, age), 0)])
    return len(kept), len(token_people)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("source", type=Path, help="MoH release CSV with name, sex, age, gov_id")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args()
    token_people, age_people, used = mine(args.source)
    kept, total = write_tables(token_people, age_people, args.out)
    print(
        f"{used} names used; kept {kept} of {total} (part, token) pairs with >= {MIN_PEOPLE} people"
    )


if __name__ == "__main__":
    main()
