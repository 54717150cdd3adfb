"""The web app through FastAPI's TestClient: logins, roles, CSRF, binding, audit, search,
pages, and two reviewers deciding at once."""

from __future__ import annotations

import json
import logging
import re
import threading
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.web.helpers import LOCAL_URL, PASSWORD, add_users, csrf_of, hidden, log_in
from uncounted.core.errors import UncountedError
from uncounted.store import Project
from uncounted.web.app import create_app
from uncounted.web.routes import account, admin, estimates, overview, persons, review

# The review queue of the tests' project holds every scored pair, so there is work to share.
WIDE = {"review_low": 0.01, "review_high": 1.0}


def _app(project_dir: Path, **options: object) -> FastAPI:
    return create_app(project_dir, **{**WIDE, **options})  # type: ignore[arg-type]


def _close(app: FastAPI) -> None:
    app.state.access.close()


def _rows(project_dir: Path, sql: str) -> list[tuple[object, ...]]:
    with Project.open(project_dir, read_only=True) as project:
        return project.con.execute(sql).fetchall()


def test_on_localhost_without_users_there_is_one_local_admin(project_dir: Path) -> None:
    app = _app(project_dir)
    client = TestClient(app, base_url=LOCAL_URL)
    page = client.get("/")
    assert page.status_code == 200
    assert "local use, no login" in page.text
    assert client.get("/admin/users").status_code == 200
    _close(app)


def test_another_host_is_refused_until_a_user_exists(project_dir: Path) -> None:
    with pytest.raises(UncountedError, match=r"refusing to listen on 0\.0\.0\.0"):
        create_app(project_dir, host="0.0.0.0")
    add_users(project_dir, admin1="admin")
    app = create_app(project_dir, host="0.0.0.0")
    client = TestClient(app, base_url=LOCAL_URL)
    assert client.get("/", follow_redirects=False).headers["location"] == "/login"
    _close(app)


def test_once_users_exist_every_page_needs_a_login(project_dir: Path) -> None:
    add_users(project_dir, rev="reviewer")
    app = _app(project_dir)
    client = TestClient(app, base_url=LOCAL_URL)
    for path in ("/", "/sources", "/persons", "/review", "/estimates", "/audit",
                 "/admin/users", "/persons/P000001"):
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"] == "/login", path
    token = csrf_of(client.get("/login").text)
    wrong = client.post("/login", data={"csrf_token": token, "username": "rev",
                                        "password": "not the password"})
    assert wrong.status_code == 401
    log_in(client, "rev")
    assert client.get("/").status_code == 200
    actions = [r[0] for r in _rows_after_close(app, project_dir,
                                               "SELECT action FROM audit_log ORDER BY audit_id")]
    assert actions == ["user_add", "login_failed", "login"]


def _rows_after_close(app: FastAPI, project_dir: Path, sql: str) -> list[tuple[object, ...]]:
    _close(app)
    return _rows(project_dir, sql)


def test_session_cookie_is_signed_httponly_and_strict(project_dir: Path) -> None:
    add_users(project_dir, rev="reviewer")
    app = _app(project_dir)
    client = TestClient(app, base_url=LOCAL_URL)
    cookie = client.get("/login").headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie
    log_in(client, "rev")
    value = client.cookies.get("uncounted_session")
    assert value
    # A forged cookie (changed payload, old signature) is ignored: back to the login page.
    forged = TestClient(app, base_url=LOCAL_URL)
    forged.cookies.set("uncounted_session", "x" + value[1:])
    assert forged.get("/", follow_redirects=False).status_code == 303
    _close(app)
    secret = project_dir / ".web-secret"
    assert secret.stat().st_mode & 0o077 == 0


def test_passwords_are_stored_as_argon2id_hashes(project_dir: Path) -> None:
    add_users(project_dir, rev="reviewer")
    (stored,) = _rows(project_dir, "SELECT password_hash FROM users")[0]
    assert str(stored).startswith("$argon2id$") and PASSWORD not in str(stored)


def test_roles_viewer_reads_reviewer_decides_admin_manages(project_dir: Path) -> None:
    add_users(project_dir, ann="viewer", rev="reviewer", adm="admin")
    app = _app(project_dir)
    viewer, reviewer, admin = (TestClient(app, base_url=LOCAL_URL)
                               for _ in range(3))
    log_in(viewer, "ann")
    log_in(reviewer, "rev")
    log_in(admin, "adm")
    assert viewer.get("/persons").status_code == 200
    assert viewer.get("/review").status_code == 403
    token = csrf_of(viewer.get("/persons").text)
    refused = viewer.post("/review/decide", data={"csrf_token": token, "left": "a",
                                                  "right": "b", "decision": "accept"})
    assert refused.status_code == 403
    assert reviewer.get("/review").status_code == 200
    assert reviewer.get("/admin/users").status_code == 403
    token = csrf_of(reviewer.get("/review").text)
    assert reviewer.post("/admin/users", data={"csrf_token": token, "username": "eve",
                                               "password": PASSWORD, "role": "admin"}
                         ).status_code == 403
    token = csrf_of(admin.get("/admin/users").text)
    admin.post("/admin/users", data={"csrf_token": token, "username": "new1",
                                     "password": PASSWORD, "role": "viewer"})
    admin.post(f"/admin/users/{'rev'}/disable", data={"csrf_token": token})
    # A disabled user's open session stops at once.
    assert reviewer.get("/review", follow_redirects=False).status_code == 303
    rows = _rows_after_close(app, project_dir,
                             "SELECT username, action, target FROM audit_log"
                             " WHERE action LIKE 'user_%' ORDER BY audit_id")
    assert rows[-2:] == [("adm", "user_add", "new1"), ("adm", "user_disable", "rev")]


def test_every_post_route_refuses_a_missing_or_foreign_csrf_token(project_dir: Path) -> None:
    app = _app(project_dir)
    client, other = TestClient(app, base_url=LOCAL_URL), TestClient(app, base_url=LOCAL_URL)
    foreign = csrf_of(other.get("/persons").text)
    client.get("/")
    posts = [r.path for module in (account, admin, estimates, overview, persons, review)
             for r in module.router.routes if "POST" in getattr(r, "methods", set())]
    assert {"/login", "/logout", "/persons", "/review/decide", "/admin/users"} <= set(posts)
    for path in posts:
        url = path.replace("{username}", "nobody")
        for data in ({}, {"csrf_token": foreign}):
            response = client.post(url, data={**data, "left": "a", "right": "b",
                                              "decision": "skip", "username": "x",
                                              "password": PASSWORD, "role": "viewer"})
            assert response.status_code == 403, (path, data)
    _close(app)
    assert _rows(project_dir, "SELECT count(*) FROM review_decisions")[0][0] == 0
    assert _rows(project_dir, "SELECT count(*) FROM users")[0][0] == 0


def _decide(client: TestClient, decision: str) -> tuple[int, str, str]:
    page = client.get("/review").text
    if 'id="queue-empty"' in page:
        return 0, "", ""
    left, right = hidden(page, "left"), hidden(page, "right")
    response = client.post("/review/decide", follow_redirects=False, data={
        "csrf_token": csrf_of(page), "left": left, "right": right, "decision": decision,
        "seen_decision_id": hidden(page, "seen_decision_id"),
    })
    return response.status_code, left, right


def test_a_decision_and_its_audit_row_are_stored_together(project_dir: Path) -> None:
    add_users(project_dir, rev="reviewer")
    app = _app(project_dir)
    client = TestClient(app, base_url=LOCAL_URL)
    log_in(client, "rev")
    page = client.get("/review").text
    assert "probability" in page and 'id="decide"' in page
    status, left, right = _decide(client, "reject")
    assert status == 303
    rows = _rows_after_close(app, project_dir,
                             "SELECT decision_id, record_id_l, record_id_r, decision, reviewer"
                             " FROM review_decisions")
    assert [r[1:] for r in rows] == [(left, right, "reject", "rev")]
    audit = _rows(project_dir, "SELECT username, target, details FROM audit_log"
                               " WHERE action = 'review_decision'")
    assert len(audit) == 1 and audit[0][:2] == ("rev", f"{left} {right}")
    assert json.loads(str(audit[0][2]))["decision_id"] == rows[0][0]


def test_a_stale_or_repeated_decision_is_refused_not_counted_twice(project_dir: Path) -> None:
    add_users(project_dir, ann="reviewer", bob="reviewer")
    app = _app(project_dir)
    ann, bob = TestClient(app, base_url=LOCAL_URL), TestClient(app, base_url=LOCAL_URL)
    log_in(ann, "ann")
    log_in(bob, "bob")
    page = ann.get("/review").text
    left, right = hidden(page, "left"), hidden(page, "right")
    # Bob opens the very same pair (from a link), sees it is on Ann's screen.
    bob_page = bob.get("/review/pair", params={"left": left, "right": right}).text
    assert "ann has this pair on their screen" in bob_page
    form = {"left": left, "right": right, "seen_decision_id": "0"}
    first = ann.post("/review/decide", follow_redirects=False,
                     data={**form, "csrf_token": csrf_of(page), "decision": "accept"})
    assert first.status_code == 303 and first.headers["location"] == "/review"
    late = bob.post("/review/decide", follow_redirects=True,
                    data={**form, "csrf_token": csrf_of(bob_page), "decision": "reject"})
    assert "was decided (accept) by ann" in late.text and "not recorded" in late.text
    again = ann.post("/review/decide", follow_redirects=False,
                     data={**form, "csrf_token": csrf_of(page), "decision": "accept"})
    assert again.headers["location"].startswith("/review/pair")
    rows = _rows_after_close(app, project_dir, "SELECT decision, reviewer FROM review_decisions")
    assert rows == [("accept", "ann")]
    assert _rows(project_dir, "SELECT count(*) FROM audit_log WHERE action = 'review_decision'"
                 ) == [(1,)]


def test_two_reviewers_at_once_lose_nothing_and_count_nothing_twice(project_dir: Path) -> None:
    add_users(project_dir, ann="reviewer", bob="reviewer")
    app = _app(project_dir)
    clients = {name: TestClient(app, base_url=LOCAL_URL) for name in ("ann", "bob")}
    for name, client in clients.items():
        log_in(client, name)
    made: dict[str, list[tuple[str, str]]] = {"ann": [], "bob": []}
    start = threading.Barrier(2)
    failures: list[str] = []

    def work(name: str) -> None:
        start.wait()
        for turn in range(25):
            status, left, right = _decide(clients[name], "accept" if turn % 2 else "reject")
            if status == 0:
                return
            if status != 303:
                failures.append(f"{name}: {status}")
            made[name].append((left, right))

    threads = [threading.Thread(target=work, args=(n,)) for n in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures
    assert len(made["ann"]) == len(made["bob"]) == 25
    # Leases handed the two reviewers different pairs.
    assert not set(made["ann"]) & set(made["bob"])
    decisions = _rows_after_close(app, project_dir,
                                  "SELECT decision_id, record_id_l, record_id_r, reviewer"
                                  " FROM review_decisions ORDER BY decision_id")
    assert len(decisions) == 50
    assert {(d[1], d[2]) for d in decisions if d[3] == "ann"} == set(made["ann"])
    assert {(d[1], d[2]) for d in decisions if d[3] == "bob"} == set(made["bob"])
    audit = _rows(project_dir, "SELECT username, details FROM audit_log"
                               " WHERE action = 'review_decision'")
    audited = sorted(json.loads(str(details))["decision_id"] for _, details in audit)
    assert audited == [d[0] for d in decisions]


def test_the_same_pair_decided_by_two_reviewers_at_the_same_instant_counts_once(
    project_dir: Path,
) -> None:
    add_users(project_dir, ann="reviewer", bob="reviewer")
    app = _app(project_dir)
    clients = {name: TestClient(app, base_url=LOCAL_URL) for name in ("ann", "bob")}
    for name, client in clients.items():
        log_in(client, name)
    page = clients["ann"].get("/review").text
    left, right = hidden(page, "left"), hidden(page, "right")
    tokens = {name: csrf_of(c.get("/persons").text) for name, c in clients.items()}
    start = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def send(name: str) -> None:
        start.wait()
        response = clients[name].post("/review/decide", follow_redirects=False, data={
            "csrf_token": tokens[name], "left": left, "right": right,
            "decision": "accept", "seen_decision_id": "0"})
        outcomes[name] = response.headers["location"]

    threads = [threading.Thread(target=send, args=(n,)) for n in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes.values())[0] == "/review"
    assert sorted(outcomes.values())[1].startswith("/review/pair")
    assert _rows_after_close(app, project_dir, "SELECT count(*) FROM review_decisions") == [(1,)]
    assert _rows(project_dir, "SELECT count(*) FROM audit_log WHERE action = 'review_decision'"
                 ) == [(1,)]


def _hand_person(project_dir: Path) -> str:
    rows = _rows(project_dir, "SELECT DISTINCT pr.person_id FROM records r JOIN person_records pr"
                              " USING (record_id) WHERE r.list = 'hand_notes'"
                              " AND r.full_name_latin LIKE 'Zuhair%'")
    assert len(rows) == 1, "both releases' records of the person are one person"
    return str(rows[0][0])


def test_search_by_arabic_name_finds_the_romanized_record_too(project_dir: Path) -> None:
    person = _hand_person(project_dir)
    app = _app(project_dir)
    client = TestClient(app, base_url=LOCAL_URL)
    token = csrf_of(client.get("/persons").text)

    def found(**criteria: str) -> list[str]:
        page = client.post("/persons", data={"csrf_token": token, **criteria}).text
        return re.findall(r'href="/persons/(P\d+)"', page)

    by_arabic = found(name="زهير البرتقالي")
    assert by_arabic[:1] == [person]
    # The same person from the Latin spelling, and from spelling variants in either script.
    assert person in found(name="Zuhair Al-Burtuqali")
    assert person in found(name="Zoheir Burtuqali")
    assert person in found(name="زهير قنديل البرتقالى")
    assert found(name="زهير", place="Rafah")[:1] == [person]
    assert person not in found(name="زهير", place="Khan Younis")
    _close(app)
    (id_number, owner) = _rows(project_dir, "SELECT r.id_number, pr.person_id FROM records r"
                                            " JOIN person_records pr USING (record_id)"
                                            " WHERE r.id_number IS NOT NULL LIMIT 1")[0]
    app = _app(project_dir)
    client = TestClient(app, base_url=LOCAL_URL)
    token = csrf_of(client.get("/persons").text)
    assert found(id_number=str(id_number)) == [owner]
    _close(app)


def test_a_person_page_shows_every_record_and_the_match_weights(project_dir: Path) -> None:
    (person, files) = _rows(project_dir,
                            "SELECT pr.person_id, list(DISTINCT s.original_name) FROM"
                            " person_records pr JOIN records r USING (record_id)"
                            " JOIN sources s ON s.sha256 = r.source_sha256"
                            " GROUP BY pr.person_id HAVING count(*) >= 3"
                            " ORDER BY pr.person_id LIMIT 1")[0]
    rows = _rows(project_dir, f"SELECT r.row_number FROM person_records pr JOIN records r"
                              f" USING (record_id) WHERE pr.person_id = '{person}'")
    app = _app(project_dir)
    page = TestClient(app, base_url=LOCAL_URL).get(f"/persons/{person}").text
    _close(app)
    for name in files:  # type: ignore[union-attr]
        assert Path(str(name)).name in page
    cells = re.findall(r'<td class="num">(\d+)</td>', page)
    assert {str(r[0]) for r in rows} <= set(cells)
    assert "Match weight" in page and "probability" in page
    assert "review this pair" in page
    assert re.search(r"[+-]\d+\.\d\d", page)


def test_sources_page_says_what_was_refused_and_why(project_dir: Path) -> None:
    (sha,) = _rows(project_dir, "SELECT source_sha256 FROM quarantine")[0]
    app = _app(project_dir)
    client = TestClient(app, base_url=LOCAL_URL)
    sources = client.get("/sources").text
    assert f"/sources/{sha}" in sources and "hand_list_2024-01-15.csv" in sources
    rows = client.get(f"/sources/{sha}").text
    _close(app)
    (reasons,) = _rows(project_dir, "SELECT reasons FROM quarantine")[0]
    reason = json.loads(str(reasons))[0]["reason"]
    assert reason in rows and reason in sources


def test_estimates_are_the_stored_ones(project_dir: Path) -> None:
    (result,) = _rows(project_dir, "SELECT result FROM estimate_runs")[0]
    headline = json.loads(str(result))["estimates"][0]
    app = _app(project_dir)
    client = TestClient(app, base_url=LOCAL_URL)
    page = client.get("/estimates").text
    dashboard = client.get("/").text
    _close(app)
    shown = f"{headline['estimate']:,.0f}"
    assert shown in page and shown in dashboard
    assert "sex=female" in page and "sex=male" in page
    sensitivity = json.loads(str(result))["sensitivity"]
    assert 'id="sensitivity"' in page
    assert sensitivity["rows"][-1]["variant"] in page
    assert 'id="stale-estimate"' not in page
    with Project.open(project_dir) as project:
        project.con.execute("UPDATE estimate_runs SET link_run_id = 0")
    app = _app(project_dir)
    page = TestClient(app, base_url=LOCAL_URL).get("/estimates").text
    _close(app)
    assert 'id="stale-estimate"' in page and "link run 0" in page
    with Project.open(project_dir) as project:
        project.con.execute("DELETE FROM estimate_runs")
    app = _app(project_dir)
    page = TestClient(app, base_url=LOCAL_URL).get("/estimates").text
    _close(app)
    assert "No estimate is stored" in page


def test_logs_carry_no_names_nor_query_strings(
    project_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    add_users(project_dir, rev="reviewer")
    person = _hand_person(project_dir)
    caplog.set_level(logging.DEBUG)
    app = _app(project_dir)
    client = TestClient(app, base_url=LOCAL_URL)
    log_in(client, "rev")
    token = csrf_of(client.get("/persons").text)
    client.post("/persons", data={"csrf_token": token, "name": "زهير البرتقالي"})
    client.post("/persons", data={"csrf_token": token, "name": "Zuhair Qandil"})
    page = client.get(f"/persons/{person}").text
    assert "Al-Burtuqali" in page
    client.get("/persons/Zuhair-Qandil")
    client.get("/audit", params={"q": "Zuhair Qandil"})
    _decide(client, "skip")
    _close(app)
    web_lines = [r.getMessage() for r in caplog.records if r.name == "uncounted.web"]
    assert any("POST /persons 200" in line for line in web_lines)
    assert any("GET /persons/{person_id}" in line for line in web_lines)
    # Everything the server side logged (httpx is the test's client, not the server).
    text = "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("http"))
    for secret in ("زهير", "البرتقالي", "Zuhair", "Qandil", "Burtuqali", PASSWORD, person):
        assert secret not in text


def test_releases_show_the_chain_and_what_a_release_changed(project_dir: Path) -> None:
    app = _app(project_dir)
    client = TestClient(app, base_url=LOCAL_URL)
    chain = client.get("/releases").text
    assert "hand_notes" in chain and "2024-01-15" in chain and "2024-02-15" in chain
    assert "family_reports" not in chain  # one undated release: no chain
    diff = client.get("/releases/hand_notes").text
    _close(app)
    assert "release 2024-02-15 against 2024-01-15" in diff
    changes = diff[diff.index('id="changes"'):]
    assert changes.count("<tr>") == 3  # header, the corrected name, the added person
    assert "Al-Karmi" not in changes or "added" in changes
    assert "الكرزاوي" in changes and "<del>" in changes and "added" in changes


def test_an_unexpected_error_is_logged_by_type_only(
    project_dir: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(project: object, person_id: str) -> None:
        raise ValueError("a value of a record: Zuhair Qandil")

    monkeypatch.setattr(persons, "explain_person", broken)
    caplog.set_level(logging.DEBUG)
    app = _app(project_dir)
    client = TestClient(app, base_url=LOCAL_URL, raise_server_exceptions=False)
    response = client.get("/persons/P000001")
    _close(app)
    assert response.status_code == 500 and "Zuhair" not in response.text
    assert "GET /persons/{person_id} failed: ValueError" in caplog.text
    server_side = "\n".join(r.getMessage() + str(r.exc_info or "") for r in caplog.records
                            if not r.name.startswith("http"))
    assert "Zuhair" not in server_side
