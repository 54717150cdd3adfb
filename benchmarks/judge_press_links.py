"""A hand check of how the press lists link with the ministry's: a sample to judge, then counts.

    python benchmarks/judge_press_links.py PROJECT --sheet SHEET.csv [--per-list 50] [--seed 1]
    python benchmarks/judge_press_links.py PROJECT --verdicts VERDICTS.csv

PROJECT is a linked project holding the lists ``gmo-press`` (TFP's press list) and ``cpj``
beside ``moh`` and ``tfp`` (as ``../shared/checks/real_lists_estimate.sh`` builds it). The first
form draws, per press list, a seeded sample of its records and writes a sheet for a person to
judge: each record's name, age and sex; the records it was linked to on the other lists; or,
when it was linked to none, its best scored pair and up to three records of the other lists
whose given name has its Latin skeleton and whose family name is alike. The sheet holds names of
real people: write it outside the repository and delete it after. The judge fills the column
``verdict`` with one of ``right`` (linked, same person), ``wrong`` (linked, another person),
``missed`` (not linked, a candidate is the person), ``apart`` (not linked, no candidate is) and
passes the sheet back as VERDICTS; the script then prints counts per list. Nothing it prints
holds a name.
"""

from __future__ import annotations

import argparse
import csv
import difflib
import json
import random
import sys
from pathlib import Path
from typing import Any

from uncounted.link.features import build_features
from uncounted.store import Project

PRESS_LISTS = ("gmo-press", "cpj")
OTHER_LISTS = ("moh", "tfp")
VERDICTS = ("right", "wrong", "missed", "apart")


def _name(raw: str) -> str:
    values = json.loads(raw)
    for key in ("name", "fullName", "en_name", "name_en", "Full name"):
        if values.get(key):
            text = str(values[key])
            english = values.get("en_name") or values.get("name_en")
            return f"{text} / {english}" if english and english != text else text
    return " ".join(str(v) for v in values.values() if isinstance(v, str))[:80]


def _lookalikes(project: Project) -> Any:
    """A search for records of the other lists whose given name has the same Latin skeleton
    and whose family name is alike, as a judge would search the files by hand."""
    records = project.con.sql("SELECT * FROM records").to_arrow_table()
    features = build_features(records.sort_by("record_id")).to_pylist()
    by_given: dict[str, list[dict[str, Any]]] = {}
    for f in features:
        if f["list"] in OTHER_LISTS and f["given_xskel"]:
            by_given.setdefault(f["given_xskel"], []).append(f)
    of = {f["unique_id"]: f for f in features}

    def search(record_id: str) -> list[str]:
        mine = of[record_id]
        family = mine["family_xkeys"] or []
        scored = []
        for other in by_given.get(mine["given_xskel"] or "", []):
            best = max(
                (difflib.SequenceMatcher(None, a, b).ratio()
                 for a in family for b in (other["family_xkeys"] or [])),
                default=0.0,
            )
            if best >= 0.75:
                scored.append((-best, other["unique_id"]))
        return [uid for _, uid in sorted(scored)[:3]]

    return search


def sheet(project: Project, per_list: int, seed: int) -> list[dict[str, Any]]:
    con = project.con
    rows: list[dict[str, Any]] = []
    rng = random.Random(seed)
    search = _lookalikes(project)
    for press in PRESS_LISTS:
        records = con.execute(
            "SELECT r.record_id, r.raw, r.age_years, r.sex, p.person_id FROM records r"
            " JOIN person_records p USING (record_id) WHERE r.list = ? ORDER BY r.record_id",
            [press],
        ).fetchall()
        for record_id, raw, age, sex, person in rng.sample(records, min(per_list, len(records))):
            partners = con.execute(
                "SELECT r.list, r.raw, r.age_years, r.sex FROM person_records p"
                " JOIN records r USING (record_id) WHERE p.person_id = ? AND r.list IN (?, ?)",
                [person, *OTHER_LISTS],
            ).fetchall()
            row: dict[str, Any] = {
                "key": f"{press}:{record_id}",
                "list": press,
                "name": _name(raw),
                "age": age,
                "sex": sex,
                "linked": bool(partners),
                "linked_to": " || ".join(
                    f"{li}: {_name(r)} ({a}, {s})" for li, r, a, s in partners
                ),
                "candidates": "",
                "verdict": "",
            }
            if not partners:
                best = con.execute(
                    "SELECT r.list, r.raw, r.age_years, r.sex, l.match_probability"
                    " FROM link_pairs l JOIN records r ON r.record_id ="
                    " CASE WHEN l.record_id_l = ? THEN l.record_id_r ELSE l.record_id_l END"
                    " WHERE l.run_id = (SELECT max(run_id) FROM link_runs)"
                    " AND (l.record_id_l = ? OR l.record_id_r = ?) AND r.list IN (?, ?)"
                    " ORDER BY l.match_probability DESC LIMIT 1",
                    [record_id, record_id, record_id, *OTHER_LISTS],
                ).fetchall()
                shown = [f"best pair p={p:.3f}: {li}: {_name(r)} ({a}, {s})"
                         for li, r, a, s, p in best]
                for rid in search(record_id):
                    li, raw_c, a, s = con.execute(
                        "SELECT list, raw, age_years, sex FROM records WHERE record_id = ?", [rid]
                    ).fetchall()[0]
                    shown.append(f"name search: {li}: {_name(raw_c)} ({a}, {s})")
                row["candidates"] = " || ".join(shown)
            rows.append(row)
    return rows


def counts(path: Path) -> dict[str, dict[str, int]]:
    out = {press: dict.fromkeys(VERDICTS, 0) for press in PRESS_LISTS}
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            verdict = row["verdict"].strip().lower()
            if verdict not in VERDICTS:
                raise SystemExit(f"{path}: row {row['key']}: verdict {verdict!r} is not one of "
                                 f"{', '.join(VERDICTS)}")
            out[row["list"]][verdict] += 1
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("project", type=Path)
    parser.add_argument("--sheet", type=Path)
    parser.add_argument("--verdicts", type=Path)
    parser.add_argument("--per-list", type=int, default=50)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    if args.verdicts:
        for press, found in counts(args.verdicts).items():
            judged = sum(found.values())
            print(f"{press}: {judged} judged; linked right {found['right']}, linked wrong "
                  f"{found['wrong']}, missed {found['missed']}, rightly apart {found['apart']}")
        return 0
    if not args.sheet:
        parser.error("give --sheet to draw a sample, or --verdicts to count")
    with Project.open(args.project, read_only=True) as project:
        rows = sheet(project, args.per_list, args.seed)
    with args.sheet.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    linked = sum(r["linked"] for r in rows)
    print(f"wrote {len(rows)} rows to judge ({linked} linked); the sheet holds names: keep it "
          "out of the repository")
    return 0


if __name__ == "__main__":
    sys.exit(main())
