"""The web app in a real headless Chromium against `uncounted serve`: log in, search a person
by an Arabic name, review pairs with the keyboard, find the decision in the audit log; two
reviewers in two browsers at once; screenshots of the main pages."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.web.helpers import PASSWORD, add_users
from tests.web.live import browser, chromium_available, serve
from uncounted.store import Project

pytestmark = pytest.mark.skipif(not chromium_available(),
                                reason="needs /usr/bin/chromium and playwright (system-deps.sh)")
WIDE = ("--review-low", "0.01", "--review-high", "1")
# Made-up names of the test project's hand list (tests/web/helpers.py).
NAMES = ("زهير", "البرتقالي", "Zuhair", "Qandil", "Burtuqali", "سلافة", "Sulafa")


def _shot(page: Any, folder: Path, name: str) -> None:
    path = folder / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    keep = os.environ.get("UNCOUNTED_SCREENSHOTS")
    if keep:  # to look at the pages by hand
        Path(keep).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, Path(keep) / path.name)


def _log_in(page: Any, url: str, username: str) -> None:
    page.goto(url + "/")
    assert page.url.endswith("/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(url + "/")


def _watch_requests(page: Any, url: str, outside: list[str], errors: list[str]) -> None:
    page.on("request", lambda r: None if r.url.startswith(url) else outside.append(r.url))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))


def test_log_in_search_review_with_keys_and_see_it_audited(
    project_dir: Path, tmp_path: Path
) -> None:
    add_users(project_dir, rev="reviewer", adm="admin")
    linked = _linked_person(project_dir)
    shots = tmp_path / "shots"
    shots.mkdir()
    outside: list[str] = []
    errors: list[str] = []
    with serve(project_dir, tmp_path / "server.log", *WIDE) as server, browser() as chromium:
        page = chromium.new_page(viewport={"width": 1280, "height": 900})
        _watch_requests(page, server.url, outside, errors)
        page.goto(server.url + "/login")
        _shot(page, shots, "login")
        _log_in(page, server.url, "rev")
        page.wait_for_selector("#chart-records[data-drawn=yes]")
        page.wait_for_selector("#chart-overlap[data-drawn=yes]")
        assert page.locator("#chart-records svg").count() == 1
        _shot(page, shots, "dashboard")

        page.click("nav >> text=Persons")
        page.fill("#name", "زهير البرتقالي")
        page.press("#name", "Enter")
        page.wait_for_selector("#results")
        first = page.locator("#results tr").nth(1)
        assert "Zuhair Qandil Al-Burtuqali" in first.inner_text()
        _shot(page, shots, "persons")
        first.locator("a").first.click()
        page.wait_for_selector("#records")
        assert "hand_list_2024-02-15.csv" in page.inner_text("#records")
        # A person with several linked records, for the screenshot of the explanation.
        page.goto(server.url + "/persons/" + linked)
        page.wait_for_selector("table.weights")
        _shot(page, shots, "person")

        page.click("nav >> text=Review")
        page.wait_for_selector("#decide")
        left = page.input_value("input[name=left]")
        right = page.input_value("input[name=right]")
        _shot(page, shots, "review")
        page.keyboard.press("a")
        page.wait_for_selector(".flash")
        assert "Recorded: accept" in page.inner_text(".flash")
        assert page.input_value("input[name=left]") + page.input_value("input[name=right]") != (
            left + right)
        page.keyboard.press("r")
        page.wait_for_selector(".flash >> text=Recorded: reject")

        page.click("nav >> text=Audit log")
        audit = page.inner_text("#audit")
        assert f"{left} {right}" in audit
        row = page.locator("#audit tr", has_text=f"{left} {right}")
        assert "rev" in row.inner_text() and "review_decision" in row.inner_text()
        assert "decision: accept" in row.inner_text()
        _shot(page, shots, "audit")

        page.click("nav >> text=Sources")
        page.wait_for_selector("text=Source files")
        _shot(page, shots, "sources")
        page.click("nav >> text=Estimates")
        page.wait_for_selector("#chart-strata[data-drawn=yes]")
        _shot(page, shots, "estimates")
        page.click("nav >> text=Releases")
        page.wait_for_selector("#chart-chain-1[data-drawn=yes]")
        page.click("text=changes since 2024-01-15")
        page.wait_for_selector("#changes")
        _shot(page, shots, "releases")

        admin = chromium.new_context().new_page()
        _watch_requests(admin, server.url, outside, errors)
        _log_in(admin, server.url, "adm")
        admin.click("nav >> text=Users")
        admin.wait_for_selector("#users")
        assert "rev" in admin.inner_text("#users")
        _shot(admin, shots, "users")
        admin.click("nav >> text=Sources")
        admin.click("td.num >> a")
        admin.wait_for_selector("pre.raw")
        _shot(admin, shots, "quarantine")
    assert not outside, outside
    assert not errors, errors
    for name in NAMES:
        assert name not in server.log
    assert "GET /persons/{person_id} 200" in server.log
    with Project.open(project_dir, read_only=True) as project:
        decisions = project.con.execute(
            "SELECT record_id_l, record_id_r, decision, reviewer FROM review_decisions"
            " ORDER BY decision_id").fetchall()
    assert decisions[0] == (left, right, "accept", "rev")
    assert [d[2] for d in decisions] == ["accept", "reject"]
    assert {p.name for p in shots.iterdir()} == {
        f"{n}.png" for n in ("login", "dashboard", "persons", "person", "review", "audit",
                             "sources", "estimates", "releases", "users", "quarantine")}


def _linked_person(project_dir: Path) -> str:
    with Project.open(project_dir, read_only=True) as project:
        row = project.con.execute(
            "SELECT person_id FROM persons WHERE n_records >= 3 ORDER BY person_id LIMIT 1"
        ).fetchall()
    return str(row[0][0])


def test_two_reviewers_in_two_browsers_lose_nothing(project_dir: Path, tmp_path: Path) -> None:
    add_users(project_dir, ann="reviewer", bob="reviewer")
    rounds = 6
    shown: dict[str, list[tuple[str, str]]] = {"ann": [], "bob": []}
    with serve(project_dir, tmp_path / "server.log", *WIDE) as server, browser() as chromium:
        pages = {}
        for name in shown:
            context = chromium.new_context()
            pages[name] = context.new_page()
            _log_in(pages[name], server.url, name)
            pages[name].goto(server.url + "/review")
        for turn in range(rounds):
            for name, page in pages.items():
                page.wait_for_selector("#decide")
                shown[name].append((page.input_value("input[name=left]"),
                                    page.input_value("input[name=right]")))
            # Both decide before either page reloads: the writes meet at the server.
            for name, page in pages.items():
                page.keyboard.press("a" if (turn + len(name)) % 2 else "r")
            for page in pages.values():
                page.wait_for_selector(".flash >> text=Recorded")
    assert not set(shown["ann"]) & set(shown["bob"])
    with Project.open(project_dir, read_only=True) as project:
        decisions = project.con.execute(
            "SELECT decision_id, record_id_l, record_id_r, reviewer FROM review_decisions"
            " ORDER BY decision_id").fetchall()
        audit = project.con.execute(
            "SELECT username, target, details FROM audit_log WHERE action = 'review_decision'"
        ).fetchall()
    assert len(decisions) == 2 * rounds
    for name in shown:
        assert [(d[1], d[2]) for d in decisions if d[3] == name] == shown[name]
    assert sorted(json.loads(d)["decision_id"] for _, _, d in audit) == [d[0] for d in decisions]
    assert sorted((u, t) for u, t, _ in audit) == sorted(
        (d[3], f"{d[1]} {d[2]}") for d in decisions)
