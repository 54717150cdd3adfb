"""Each report section's numbers on the synthetic project, against counts done by hand (see
conftest.py for the table they come from)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from uncounted.report.estimates import estimates_section
from uncounted.report.linkage import linkage_section
from uncounted.report.names import names_section
from uncounted.report.overlap import overlap_section
from uncounted.report.quality import quality_section, whipple_index, whipple_rating
from uncounted.report.victims import age_band, victims_section
from uncounted.store import Project

from .conftest import build_project


def test_whipple_index_by_hand() -> None:
    # completed ages 23-62: 25, 30, 31, 32, 33 -> 25 and 30 end in 0 or 5: 100 * 5 * 2 / 5
    assert whipple_index([25, 30, 31, 32, 33]) == pytest.approx(200.0)
    # ages outside 23-62 do not count; 29.9 is the completed age 29, 62.5 is 62
    assert whipple_index([20, 65, 22.9, 29.9, 62.5]) == pytest.approx(0.0)
    assert whipple_index([23, 24, 25, 26, 27, 28, 29, 30, 31, 32]) == pytest.approx(100.0)
    assert whipple_index([30, 40, 45]) == pytest.approx(500.0)
    assert whipple_index([None, 10, 70]) is None
    assert whipple_rating(None) == "no ages 23–62"
    assert whipple_rating(104.9) == "highly accurate"
    assert whipple_rating(110) == "approximate"
    assert whipple_rating(300) == "very rough"


def test_quality_per_source(synthetic: Path) -> None:
    with Project.open(synthetic, read_only=True) as project:
        section = quality_section(project)
    assert section["linked"]
    by_file = {q["file"]: q for q in section["sources"]}
    a1 = by_file["a1.csv"]
    assert a1["records"] == 8
    # ages 25, 30, 31, 40, 44, 30 in range, 25/30/40/30 heaped: 100 * 5 * 4 / 6
    assert a1["ages_in_whipple_range"] == 6
    assert a1["whipple"] == pytest.approx(333.3)
    assert a1["birth_dates"] == {
        "with_date": 4, "january_first": 3, "distinct": 3,
        "most_repeated": {"date": "1994-01-01", "count": 2}, "expected_per_date": 1.3,
    }
    assert a1["ids"] == {"valid": 3, "invalid": 1, "partial": 1, "too_long": 0, "absent": 3}
    assert a1["duplicate_rows"] == 1
    assert a1["persons_with_several_records"] == {"persons": 1, "records": 2}
    missing = {m["field"]: m["missing"] for m in a1["missing"]}
    assert missing == {"full_name": 0, "place": 1, "id_number": 3, "sex": 1, "age_years": 1,
                       "date_of_birth": 4, "date_of_death": 2}
    assert "family_name" in a1["not_in_file"] and "full_name" not in a1["not_in_file"]
    b = by_file["b.csv"]
    assert b["whipple"] == pytest.approx(250.0)  # 25 and 31: one of two heaped
    assert b["persons_with_several_records"] == {"persons": 0, "records": 0}


def test_quality_before_linkage(tmp_path: Path) -> None:
    root = build_project(tmp_path, linked=False)
    with Project.open(root, read_only=True) as project:
        section = quality_section(project)
        assert victims_section(project) == {"persons": 0}
        assert linkage_section(project) == {"run": None}
    assert not section["linked"]
    assert all(q["persons_with_several_records"] is None for q in section["sources"])


def test_age_bands() -> None:
    assert [age_band(a) for a in (0, 4.9, 5, 12, 79.9, 80, 103, None)] == [
        "0–4", "0–4", "5–9", "10–14", "75–79", "80+", "80+", "unknown"]


def test_victims(synthetic: Path) -> None:
    with Project.open(synthetic, read_only=True) as project:
        v = victims_section(project)
    assert v["persons"] == 8
    assert v["sex"] == {"male": 4, "female": 3, "unknown": 1}
    nonzero = {row["age"]: {k: row[k] for k in ("male", "female", "unknown") if row[k]}
               for row in v["pyramid"] if row["male"] or row["female"] or row["unknown"]}
    assert nonzero == {"0–4": {"female": 1}, "10–14": {"male": 1}, "25–29": {"male": 1},
                       "30–34": {"male": 1, "female": 1}, "40–44": {"male": 1, "female": 1},
                       "unknown": {"unknown": 1}}
    assert v["places"] == [{"place": "north", "persons": 4}, {"place": "south", "persons": 3}]
    assert v["unknown_place"] == 1
    assert v["deaths_by_month"] == [{"month": "2024-01", "persons": 2},
                                    {"month": "2024-02", "persons": 3},
                                    {"month": "2024-03", "persons": 1}]
    assert v["unknown_date"] == 2
    # only list a has two releases; every one of its persons is in its first release
    assert v["first_release"] == [{"list": "a", "release": "2024-04-01", "new_persons": 7}]


def test_victims_are_of_one_status_and_the_others_are_set_apart(
    synthetic: Path, tmp_path: Path
) -> None:
    copy = tmp_path / "project"
    shutil.copytree(synthetic, copy)
    with Project.open(copy) as project, project.transaction() as con:
        def status_of(person: str, status: str, first_only: bool = False) -> None:
            ids = sorted(r[0] for r in con.execute(
                "SELECT record_id FROM person_records WHERE person_id = ?", [person]).fetchall())
            for record in ids[:1] if first_only else ids:
                con.execute("UPDATE records SET status = ? WHERE record_id = ?", [status, record])
        status_of("P000008", "detained")
        status_of("P000005", "injured")
        status_of("P000001", "detained")
        status_of("P000001", "killed", first_only=True)  # one record says killed: counted
    with Project.open(copy, read_only=True) as project:
        v = victims_section(project)
        detained = victims_section(project, "detained")
    assert v["persons"] == 6 and v["status"] == "killed"
    assert v["set_apart"] == {"detained": 1, "injured": 1}
    assert v["sex"] == {"male": 3, "female": 2, "unknown": 1}
    assert sum(p["persons"] for p in v["deaths_by_month"]) + v["unknown_date"] == 6
    # persons whose records state no status count under any status asked for
    assert detained["persons"] == 7 and detained["set_apart"] == {"injured": 1}


def test_overlap(synthetic: Path) -> None:
    with Project.open(synthetic, read_only=True) as project:
        o = overlap_section(project)
    assert o["sets"] == ["a", "b"] and o["set_sizes"] == [7, 3]
    assert o["combinations"]["shown"] == [{"sets": ["a"], "persons": 5},
                                          {"sets": ["a", "b"], "persons": 2},
                                          {"sets": ["b"], "persons": 1}]
    assert o["combinations"]["total"] == 8
    (releases,) = o["releases"]
    assert releases["list"] == "a" and releases["sets"] == ["2024-04-01", "2024-05-01"]
    assert releases["set_sizes"] == [7, 3]
    assert releases["combinations"]["shown"] == [
        {"sets": ["2024-04-01"], "persons": 4},
        {"sets": ["2024-04-01", "2024-05-01"], "persons": 3},
    ]


def test_linkage(synthetic: Path) -> None:
    with Project.open(synthetic, read_only=True) as project:
        lk = linkage_section(project, review_queue=2, accuracy={"pair": {"f1": 1.0}})
    assert lk["run"]["run_id"] == 1 and lk["run"]["threshold"] == 0.5 and lk["runs"] == 1
    # the latest decision on a pair counts (each decided pair was skipped first)
    assert lk["pairs_by_status"] == {
        "link": {"accept": 1, "reject": 0, "skip": 1, "not reviewed": 1},
        "not a link": {"accept": 1, "reject": 1, "skip": 0, "not reviewed": 1},
    }
    assert lk["decisions"] == 8
    assert lk["records_per_person"] == [{"records": "1", "persons": 4},
                                        {"records": "2", "persons": 2},
                                        {"records": "3", "persons": 2}]
    assert lk["weight_histogram"] == {"edges": [-5.0, 3.0], "counts": [3, 3]}
    assert lk["threshold_weight"] == pytest.approx(0.0)
    assert lk["review_queue"] == 2 and lk["accuracy"] == {"pair": {"f1": 1.0}}


def test_name_examples_prefer_several_scripts_then_spellings(synthetic: Path) -> None:
    with Project.open(synthetic, read_only=True) as project:
        names = names_section(project, limit=3)
        assert names_section(project, limit=0) == {"limit": 0, "has_latin": False, "persons": []}
    assert [p["person_id"] for p in names["persons"]] == ["P000001", "P000002", "P000003"]
    first = names["persons"][0]["records"]
    assert [(r["list"], r["release"], r["row"]) for r in first] == [
        ("a", "2024-04-01", 1), ("a", "2024-05-01", 1), ("b", None, 1)]


def _result(method: str, estimate: float | None, **extra: object) -> dict[str, object]:
    return {"method": method, "model": None, "observed": 100, "estimate": estimate,
            "lower": None if estimate is None else estimate - 10,
            "upper": None if estimate is None else estimate + 20, "level": 0.95,
            "diagnostics": {}, "warnings": [], "refused": None, **extra}


def test_estimates_section_from_a_stored_run() -> None:
    headline = _result("ensemble", 150.0, diagnostics={
        "included": ["stepwise", "dga"], "excluded": {"lcmcr": "chains did not converge"}})
    run = {
        "estimate_id": 3, "created_at": "2024-05-01T00:00:00", "link_run_id": 1,
        "method": "ensemble", "strata": [], "seed": 1, "settings": {"level": 0.95},
        "uncounted_version": "test",
        "result": {
            "lists": ["a", "b", "c"], "unlisted": 0,
            "estimates": [{"stratum": "total", **_result("ensemble", 151.0)},
                          {"stratum": "all", **headline}],
            "methods": {"all": [
                {"name": "stepwise", **_result("bootstrap_stepwise", 140.0,
                                               diagnostics={"df": 3, "converged": True})},
                {"name": "lcmcr", **_result("lcmcr", 170.0, diagnostics={"rhat": 1.0912})},
                {"name": "dga", **_result("dga", 160.0, diagnostics={"edge_mass": 1e-9})},
                {"name": "chapman", **_result("chapman", None, refused="two lists only")},
            ]},
        },
    }
    section = estimates_section(run)
    # without strata the headline is the one stratum "all", shown once
    assert section["total"]["estimate"] == 150.0
    assert [(r["stratum"], r["name"]) for r in section["forest"]] == [
        ("all", "ensemble"), ("all", "stepwise"), ("all", "lcmcr"), ("all", "dga"),
        ("all", "chapman")]
    assert [r["name"] for r in section["plottable"]] == ["ensemble", "stepwise", "lcmcr", "dga"]
    status = {d["method"]: d["status"] for d in section["diagnostics"]}
    assert status == {
        "ensemble": "headline: pools stepwise, dga",
        "stepwise": "used",
        "lcmcr": "left out: chains did not converge",
        "dga": "used",
        "chapman": "refused: two lists only",
    }
    values = {d["method"]: d["values"] for d in section["diagnostics"]}
    assert values["lcmcr"] == {"rhat": 1.091} and values["stepwise"]["df"] == 3
    assert {a["method"] for a in section["assumptions"]} == {
        "ensemble", "stepwise", "lcmcr", "dga", "chapman"}
    assert estimates_section(None) == {"run": None}
    assert not section["stale"]
    assert estimates_section(run, latest_link_run=1)["stale"] is False
    assert estimates_section(run, latest_link_run=2)["stale"] is True


def test_led_headline_and_sensitivity_view() -> None:
    from uncounted.report.estimates import _diagnostic_row, sensitivity_view

    led = {"method": "ensemble", "diagnostics": {"votes": {"lcmcr": 1.0},
                                                  "included": ["stepwise", "dga"]}}
    row = _diagnostic_row("all", led, led)
    assert row["status"] == "headline: led by lcmcr, widened to stepwise, dga"
    assert sensitivity_view(None) is None
    view = sensitivity_view({"table": "all persons, strata pooled", "headline": 150.0,
                             "observed": 120, "model": "[12,3]", "range": [130.0, 190.0],
                             "rows": [
        {"assumption": "latent classes and concentration prior", "variant": "K=2",
         "estimate": 140.0, "lower": 125.0, "upper": float("inf"), "refused": None,
         "baseline": False, "note": "R-hat 1.00"},
        {"assumption": "dependence between named lists", "variant": "with a·b dependence",
         "estimate": None, "lower": None, "upper": None, "refused": "no MLE",
         "baseline": False, "note": ""}]})
    assert view is not None
    assert view["rows"][0]["upper"] is None  # an unbounded end is not plotted as a number
    assert [r["variant"] for r in view["plottable"]] == ["K=2"]
    assert view["rows"][1]["label"] == "dependence between named lists: with a·b dependence"
