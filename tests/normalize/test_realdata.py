"""Measurements on the real releases in ../shared/data. Assertions report counts only, never
names: the people in these files were real."""

from __future__ import annotations

import csv
import importlib.util
import json
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from uncounted.normalize.arabic import arabic_rasm, arabic_tokens, token_skeleton
from uncounted.normalize.bridge import (
    Fallback,
    cross_script_skeletons_many,
    romanize_arabic,
    romanizer_package_available,
)
from uncounted.normalize.latin import canonical_token, latin_token_skeleton, latin_tokens
from uncounted.normalize.parts import parse_arabic_name, parse_name

pytestmark = [pytest.mark.realdata, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[2]
TFP = "techforpalestine-palestine-datasets"
MOH = "gaza-moh-releases-alexschell"


def _rows(path: Path) -> Iterator[dict[str, str]]:
    if not path.is_file():
        pytest.skip(f"{path.name} is not in ../shared/data")
    with path.open(encoding="utf-8-sig", newline="") as handle:
        yield from csv.DictReader(handle)


def _miner() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "mine_segment_dictionary", REPO / "scripts" / "mine_segment_dictionary.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_packaged_tables_rebuild_identically(shared_data: Path, tmp_path: Path) -> None:
    if not (shared_data / TFP).is_dir() or not (shared_data / MOH).is_dir():
        pytest.skip("releases not in ../shared/data")
    assert _miner().main(["--shared", str(shared_data), "--out", str(tmp_path)]) == 0
    packaged = REPO / "src" / "uncounted" / "normalize" / "data"
    for name in ("ar_latin_segments.tsv", "ar_family_compounds.tsv"):
        assert (tmp_path / name).read_bytes() == (packaged / name).read_bytes(), name


def test_packaged_segments_were_seen_for_three_people() -> None:
    path = REPO / "src" / "uncounted" / "normalize" / "data" / "ar_latin_segments.tsv"
    with path.open(encoding="utf-8") as handle:
        counts = [int(row["people"]) for row in csv.DictReader(handle, delimiter="\t")]
    assert counts and min(counts) >= 3


def test_token_counts_align_for_most_bilingual_rows(shared_data: Path) -> None:
    rows = aligned = 0
    for row in _rows(shared_data / TFP / "20240921killed-in-gaza.csv"):
        rows += 1
        ar = arabic_tokens(row["name"])
        la = [t for t in (canonical_token(w) for w in latin_tokens(row["en_name"])) if t]
        aligned += len(ar) == len(la)
    assert aligned / rows > 0.95, (aligned, rows)


def test_bridge_on_a_list_the_table_was_not_mined_from(shared_data: Path) -> None:
    """The journalists list has Arabic and English names written by another hand."""
    path = shared_data / TFP / "press_killed_in_gaza.json"
    if not path.is_file():
        pytest.skip("press list not in ../shared/data")
    tokens = key_hits = skeleton_hits = 0
    for person in json.loads(path.read_text(encoding="utf-8")):
        ar = arabic_tokens(person.get("name") or "")
        la = [
            t for t in (canonical_token(w) for w in latin_tokens(person.get("name_en") or "")) if t
        ]
        if not ar or len(ar) != len(la):
            continue
        for arabic, latin in zip(ar, la, strict=True):
            candidates = romanize_arabic(arabic)
            tokens += 1
            key_hits += latin in candidates
            skeleton = latin_token_skeleton(latin)
            skeleton_hits += any(latin_token_skeleton(c) == skeleton for c in candidates)
    assert tokens > 400
    assert skeleton_hits / tokens > 0.9, (skeleton_hits, tokens)
    assert key_hits / tokens > 0.55, (key_hits, tokens)


def _by_id(path: Path) -> dict[str, str]:
    return {r["gov_id"].strip(): r["name"] for r in _rows(path) if r["gov_id"].strip()}


def _agreement(early: dict[str, str], late: dict[str, str]) -> tuple[int, int, int, int]:
    pairs = key_equal = skeleton_equal = rasm_equal = 0
    for gov_id, name in early.items():
        other = late.get(gov_id)
        if other is None:
            continue
        pairs += 1
        a, b = arabic_tokens(name), arabic_tokens(other)
        key_equal += a == b
        skeleton_equal += [token_skeleton(t) for t in a] == [token_skeleton(t) for t in b]
        rasm_equal += arabic_rasm(name) == arabic_rasm(other)
    return pairs, key_equal, skeleton_equal, rasm_equal


def test_keys_agree_between_clean_releases(shared_data: Path) -> None:
    """Between two cleanly exported releases the normalized key already absorbs the drift."""
    pairs, key_equal, skeleton_equal, _ = _agreement(
        _by_id(shared_data / MOH / "fatalities_20240630.csv"),
        _by_id(shared_data / MOH / "fatalities_20240831.csv"),
    )
    assert pairs > 20_000
    assert key_equal / pairs > 0.99, (key_equal, pairs)
    assert skeleton_equal >= key_equal


def test_skeleton_and_rasm_absorb_a_garbled_export(shared_data: Path) -> None:
    """The 2024-03-29 PDF export confused letters that differ by dots and doubled others."""
    pairs, key_equal, skeleton_equal, rasm_equal = _agreement(
        _by_id(shared_data / MOH / "fatalities_20240329.csv"),
        _by_id(shared_data / MOH / "fatalities_20240831.csv"),
    )
    assert pairs > 10_000
    assert key_equal < skeleton_equal < rasm_equal, (key_equal, skeleton_equal, rasm_equal)


def test_name_parts_on_a_full_release(shared_data: Path) -> None:
    total = complete = unnamed = long_names = 0
    for row in _rows(shared_data / MOH / "fatalities_20240831.csv"):
        parts = parse_arabic_name(row["name"])
        total += 1
        long_names += len(parts.tokens) >= 5
        unnamed += parts.unnamed_infant
        complete += bool(parts.given and parts.father and parts.family)
    assert complete / total > 0.95, (complete, total)
    assert 0 < unnamed < total * 0.01, unnamed
    assert long_names < total * 0.05, long_names


def test_full_names_meet_across_scripts(shared_data: Path) -> None:
    """Whole names of the journalists list: every token must meet on the common skeleton."""
    path = shared_data / TFP / "press_killed_in_gaza.json"
    if not path.is_file():
        pytest.skip("press list not in ../shared/data")
    people = json.loads(path.read_text(encoding="utf-8"))
    arabic = [p.get("name") or "" for p in people]
    latin = [p.get("name_en") or "" for p in people]
    shuffled = latin[1:] + latin[:1]

    def meet(a: list[tuple[str, ...]], b: list[tuple[str, ...]]) -> bool:
        return len(a) == len(b) and all(set(x) & set(y) for x, y in zip(a, b, strict=True))

    fallbacks: list[Fallback] = ["rules"]
    if romanizer_package_available():
        fallbacks.append("package")
    for fallback in fallbacks:
        ar = cross_script_skeletons_many(arabic, fallback=fallback)
        la = cross_script_skeletons_many(latin)
        wrong = cross_script_skeletons_many(shuffled)
        hits = sum(meet(a, b) for a, b in zip(ar, la, strict=True))
        false_hits = sum(meet(a, b) for a, b in zip(ar, wrong, strict=True))
        floor = 0.9 if fallback == "package" else 0.75
        assert hits / len(people) > floor, (fallback, hits, len(people))
        assert false_hits / len(people) < 0.03, (fallback, false_hits)


def test_israeli_list_parses(shared_data: Path) -> None:
    path = shared_data / "israel-killed-since-oct7-eligrumman" / "victims.csv"
    total = complete = 0
    for row in _rows(path):
        values = list(row.values())
        family, given = values[0] or "", values[1] or ""
        parts = parse_name(f"{given} {family}")
        total += 1
        complete += parts.script == "hebrew" and bool(parts.given and parts.family)
    assert total > 500
    assert complete / total > 0.95, (complete, total)
