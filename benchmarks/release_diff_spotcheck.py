"""Evidence for checking classified release-diff cases by hand, read from the source files.

``python benchmarks/release_diff_spotcheck.py DIR LIST FROM TO KIND [--n 20] [--seed 1]`` samples
``n`` persons of one kind from the diff of two releases of a linked project (built e.g. by
``benchmarks/release_diff.py --project DIR``) and prints, for each, its records as the source
files give them and how the older and newer rows compare. KIND is a classification
(``unchanged``, ``added``, ``removed``, ``corrected``), ``corrected:FIELD``, ``minor:KIND`` or a
flag (``id_reissued``, ``id_reused``, ``merged``, ``split``, ``relinked``). For an added or
removed person it also searches the other release's file for rows with the same ID number, the
same normalized name, or three name parts in common and the same sex.

No name and no ID number is printed: only whether values agree, ID validity, sex, birth date,
age and the number of name parts, which is what a reviewer needs to judge a case without
copying personal data into a log.
"""

from __future__ import annotations

import argparse
import csv
import random
from collections import defaultdict
from pathlib import Path
from typing import Any

from uncounted.core.ids import is_valid_id
from uncounted.normalize import arabic_rasm, parse_name
from uncounted.store import Project
from uncounted.workflow.release_diff import PersonChange, ReleaseDiff, release_diff

NAME_COLUMNS = ("name", "الاسم", "الإسم")
ID_COLUMNS = ("gov_id", "رقم الهوية", "id")


class Files:
    """Rows of the source files, by record id (row 1 = the first data row after the header)."""

    def __init__(self, project: Project, list_name: str) -> None:
        self.where = {
            str(record): (Path(stored), int(row))
            for record, stored, row in project.con.execute(
                "SELECT r.record_id, s.stored_path, r.row_number FROM records r"
                " JOIN sources s ON s.sha256 = r.source_sha256 WHERE r.list = ?",
                [list_name],
            ).fetchall()
        }
        self.root = project.root
        self.rows: dict[Path, list[dict[str, str]]] = {}

    def row(self, record_id: str) -> dict[str, str]:
        stored, number = self.where[record_id]
        path = stored if stored.is_absolute() else self.root / stored
        if path not in self.rows:
            with path.open(encoding="utf-8-sig", newline="") as handle:
                self.rows[path] = list(csv.DictReader(handle))
        return self.rows[path][number - 1]


def _get(row: dict[str, str], columns: tuple[str, ...]) -> str:
    return next((row[c].strip() for c in columns if row.get(c)), "")


def _key(row: dict[str, str]) -> str:
    return " ".join(parse_name(_get(row, NAME_COLUMNS)).tokens)


def _id_state(value: str) -> str:
    if not value:
        return "blank"
    if is_valid_id(value):
        return "valid"
    digits = "".join(c for c in value if c.isdigit())
    return "invalid" if len(digits) == 9 else f"partial ({len(digits)} digits)"


def describe(row: dict[str, str]) -> dict[str, Any]:
    return {
        "id": _id_state(_get(row, ID_COLUMNS)),
        "sex": row.get("sex"),
        "dob": row.get("dob"),
        "age": row.get("age"),
        "name_parts": len(_get(row, NAME_COLUMNS).split()),
    }


def compare(older: dict[str, str], newer: dict[str, str]) -> dict[str, Any]:
    old_key, new_key = _key(older), _key(newer)
    old_parts, new_parts = old_key.split(), new_key.split()
    return {
        "same_id": _get(older, ID_COLUMNS) == _get(newer, ID_COLUMNS),
        "same_name_as_written": _get(older, NAME_COLUMNS) == _get(newer, NAME_COLUMNS),
        "same_normalized_name": old_key == new_key,
        "same_undotted_name": arabic_rasm(old_key) == arabic_rasm(new_key),
        "parts_in_common": f"{len(set(old_parts) & set(new_parts))}/"
        f"{max(len(old_parts), len(new_parts))}",
        "same_given_name": bool(old_parts and new_parts and old_parts[0] == new_parts[0]),
        "same_sex": older.get("sex") == newer.get("sex"),
        "same_dob": older.get("dob") == newer.get("dob"),
        "ages": (older.get("age"), newer.get("age")),
    }


def _pool(diff: ReleaseDiff, kind: str) -> list[PersonChange]:
    if kind in ("unchanged", "added", "removed", "corrected"):
        return [c for c in diff.changes if c.classification == kind]
    if kind.startswith("corrected:"):
        return [c for c in diff.changes if kind.split(":", 1)[1] in c.changed]
    if kind.startswith("minor:"):
        return [c for c in diff.changes if kind.split(":", 1)[1] in c.minor]
    return [c for c in diff.changes if getattr(c, kind)]


def _search(files: Files, row: dict[str, str], others: list[str]) -> dict[str, Any]:
    """Rows of the other release with this row's ID, its normalized name, or three name parts
    in common and the same sex (namesakes and missed links show up here)."""
    number, key = _get(row, ID_COLUMNS), _key(row)
    shape = set(arabic_rasm(key).split())
    same_id, same_name, close = [], [], []
    for record in others:
        other = files.row(record)
        if number and _get(other, ID_COLUMNS) == number:
            same_id.append(compare(row, other))
        if _key(other) == key:
            same_name.append(compare(row, other))
        elif other.get("sex") == row.get("sex"):
            common = len(shape & set(arabic_rasm(_key(other)).split()))
            if common >= 3:
                close.append((common, other.get("dob") == row.get("dob"), other.get("age")))
    return {
        "same_id": same_id[:2],
        "same_name": same_name[:2],
        "three_parts_in_common": sorted(close, reverse=True)[:4],
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("project", type=Path)
    parser.add_argument("list_name")
    parser.add_argument("older")
    parser.add_argument("newer")
    parser.add_argument("kind")
    parser.add_argument("--n", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    with Project.open(args.project, read_only=True) as project:
        diff = release_diff(project, args.list_name, args.older, args.newer)
        files = Files(project, args.list_name)
    pool = _pool(diff, args.kind)
    sample = random.Random(args.seed).sample(pool, min(args.n, len(pool)))
    older_records = [r for c in diff.changes if c.classification != "added" for r in c.from_records]
    newer_records = [r for c in diff.changes for r in c.to_records]
    by_id: dict[str, list[str]] = defaultdict(list)
    for record in older_records + newer_records:
        by_id[_get(files.row(record), ID_COLUMNS)].append(record)
    print(f"{args.kind}: {len(pool):,} persons, {len(sample)} sampled (seed {args.seed})")
    for number, change in enumerate(sample, start=1):
        print(
            f"case {number}: {change.classification}, changed {list(change.changed)}, minor "
            f"{list(change.minor)}, merged {change.merged}, split {change.split}, re-issued "
            f"{change.id_reissued}, reused {change.id_reused}, relinked {change.relinked}"
        )
        for record in change.from_records:
            print("  older row", describe(files.row(record)))
        for record in change.to_records:
            print("  newer row", describe(files.row(record)))
        for left in change.from_records[:2]:
            for right in change.to_records[:2]:
                print("  older vs newer", compare(files.row(left), files.row(right)))
        if change.classification == "removed":
            print(
                "  in the newer release:",
                _search(files, files.row(change.from_records[0]), newer_records),
            )
        if change.classification == "added":
            print(
                "  in the older release:",
                _search(files, files.row(change.to_records[0]), older_records),
            )
        if change.id_reused:
            mine = set(change.from_records + change.to_records)
            numbers = {_get(files.row(r), ID_COLUMNS) for r in mine}
            for other in [r for n in numbers if n for r in by_id[n] if r not in mine][:2]:
                print(
                    "  another person with this ID",
                    describe(files.row(other)),
                    compare(files.row(sorted(mine)[0]), files.row(other)),
                )


if __name__ == "__main__":
    main()
