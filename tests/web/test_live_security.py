"""Attacks on a live `uncounted serve` (a child process, real HTTP): guesses sent in parallel,
a rebound host name, another site's form, a cookie kept after logout, and the headers that
keep pages out of frames, caches and other sites' referrers."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from tests.web.helpers import PASSWORD, add_users, csrf_of
from tests.web.live import LiveServer, serve
from uncounted.store import Project
from uncounted.web.sessions import COOKIE_NAME
from uncounted.web.throttle import MAX_CLIENT_FAILURES, MAX_FAILURES

GUESSES = 50


def _actions(project_dir: Path, pattern: str) -> list[str]:
    with Project.open(project_dir, read_only=True) as project:
        return [str(r[0]) for r in project.con.execute(
            "SELECT action FROM audit_log WHERE action LIKE ? ORDER BY audit_id", [pattern]
        ).fetchall()]


def _login_form(client: httpx.Client) -> str:
    return csrf_of(client.get("/login").text)


def _guess(url: str, cookie: str, token: str, username: str, password: str) -> int:
    with httpx.Client(base_url=url, cookies={COOKIE_NAME: cookie}, timeout=120) as client:
        response = client.post("/login", data={"csrf_token": token, "username": username,
                                               "password": password})
        return response.status_code


def _parallel(live: LiveServer, attempts: list[tuple[str, str]]) -> list[int]:
    with httpx.Client(base_url=live.url, timeout=60) as client:
        token = _login_form(client)
        cookie = client.cookies[COOKIE_NAME]
    with ThreadPoolExecutor(len(attempts)) as pool:
        return list(pool.map(lambda a: _guess(live.url, cookie, token, *a), attempts))


def test_parallel_guesses_are_throttled_per_name_and_per_client_across_restarts(
    project_dir: Path, tmp_path: Path
) -> None:
    add_users(project_dir, rev="reviewer")
    with serve(project_dir, tmp_path / "first.log") as live:
        # 50 wrong guesses at once for one name: 5 are checked. (The right password is not
        # among them: a right password checked among the first five would log in, which is
        # the 5 checks working, and its success forgives the name's failures by design.)
        statuses = _parallel(live, [("rev", f"wrong guess {i:02d}") for i in range(GUESSES)])
        busy = statuses.count(503)
        checked = statuses.count(401)
        assert checked <= MAX_FAILURES, statuses
        # Refused unchecked: throttled (429), or, on a loaded machine, turned away while the
        # project was busy with the other requests (503, the busy notice).
        assert statuses.count(429) + statuses.count(503) >= GUESSES - MAX_FAILURES
        # the right password, sent after the five, waits out the window like any other guess
        assert _parallel(live, [("rev", PASSWORD)]) == [429]
        # one password on 50 names from the same client: the client's limit holds
        statuses = _parallel(live, [(f"user{i:02d}", PASSWORD) for i in range(GUESSES)])
        busy += statuses.count(503)
        assert checked + statuses.count(401) <= MAX_CLIENT_FAILURES, statuses
        assert statuses.count(429) + statuses.count(503) >= GUESSES - MAX_CLIENT_FAILURES
    checked_rows = _actions(project_dir, "login%")
    assert checked_rows.count("login_failed") + checked_rows.count("login") \
        <= MAX_CLIENT_FAILURES
    assert checked_rows.count("login_blocked") >= 2 * GUESSES - MAX_CLIENT_FAILURES - busy
    # a restart forgets nothing: the right password still waits
    with serve(project_dir, tmp_path / "second.log") as again:
        assert _parallel(again, [("rev", PASSWORD)]) == [429]


PERSONAL_PAGES = ("/", "/sources", "/persons", "/persons/P000001", "/review", "/estimates",
                  "/releases", "/audit", "/admin/users")


def _every_page_carries_the_security_headers(live: LiveServer) -> None:
    with httpx.Client(base_url=live.url, timeout=60) as client:
        for path in (*PERSONAL_PAGES, "/audit?page=99999999999999999999", "/audit?page=-3",
                     "/nowhere", "/static/app.css"):
            response = client.get(path)
            headers = response.headers
            csp = headers.get("content-security-policy", "")
            assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp, path
            assert headers.get("x-frame-options") == "DENY", path
            assert headers.get("x-content-type-options") == "nosniff", path
            assert headers.get("referrer-policy") in ("same-origin", "no-referrer"), path
            if path.startswith("/audit"):
                assert response.status_code == 200, path  # never a 500, whatever the page
            if path in PERSONAL_PAGES:
                assert response.status_code == 200, path
                assert "no-store" in headers.get("cache-control", ""), path
        # refused requests carry them too
        refused = client.get("/", headers={"host": "attacker.example"})
        assert refused.status_code == 400
        assert "frame-ancestors 'none'" in refused.headers["content-security-policy"]
        assert "no-store" in refused.headers["cache-control"]


def test_a_rebound_host_name_gets_nothing_and_another_sites_form_changes_nothing(
    project_dir: Path, tmp_path: Path
) -> None:
    # No users: on 127.0.0.1 everyone is the local admin, the case DNS rebinding abuses.
    with serve(project_dir, tmp_path / "server.log") as live:
        _every_page_carries_the_security_headers(live)
        port = live.url.rsplit(":", 1)[1]
        with httpx.Client(base_url=live.url, timeout=60) as client:
            assert client.get("/persons/P000001").status_code == 200
            for name in (f"127.0.0.1:{port}", f"localhost:{port}", f"[::1]:{port}"):
                assert client.get("/", headers={"host": name}).status_code == 200, name
            rebound = {"host": f"attacker.example:{port}"}
            for path in ("/", "/persons/P000001", "/audit", "/admin/users"):
                response = client.get(path, headers=rebound)
                assert response.status_code == 400, path
                assert "P000001" not in response.text
            token = csrf_of(client.get("/admin/users").text)
            form = {"csrf_token": token, "username": "mallory", "password": PASSWORD,
                    "role": "admin"}
            assert client.post("/admin/users", data=form, headers=rebound).status_code == 400
            for foreign in ({"origin": f"http://attacker.example:{port}"},
                            {"origin": "null"},
                            {"referer": f"http://attacker.example:{port}/admin/users"},
                            {"origin": f"http://127.0.0.1:{int(port) + 1}"}):
                response = client.post("/admin/users", data=form, headers=foreign)
                assert response.status_code == 403, foreign
            # the app's own page, as a browser sends it
            own = client.post("/admin/users", data={**form, "username": "ok-admin"},
                              headers={"origin": live.url})
            assert own.status_code == 303
    with Project.open(project_dir, read_only=True) as project:
        users = [r[0] for r in project.con.execute("SELECT username FROM users").fetchall()]
    assert users == ["ok-admin"]


def test_a_cookie_copied_before_logout_no_longer_opens_anything(
    project_dir: Path, tmp_path: Path
) -> None:
    add_users(project_dir, rev="reviewer")
    with serve(project_dir, tmp_path / "server.log") as live:
        _logout_ends_the_session(live)


def _logout_ends_the_session(live: LiveServer) -> None:
    with httpx.Client(base_url=live.url, timeout=60) as client:
        token = _login_form(client)
        logged = client.post("/login", data={"csrf_token": token, "username": "rev",
                                             "password": PASSWORD})
        assert logged.status_code == 303
        copied = client.cookies[COOKIE_NAME]
        assert client.get("/persons").status_code == 200
        # paging never reaches the database unchecked (the audit log has rows by now)
        sha = re.search(r'href="/sources/([0-9a-f]{64})"', client.get("/sources").text)
        assert sha
        for path in ("/audit", f"/sources/{sha.group(1)}"):
            for page in ("99999999999999999999", "-7", "0", "3"):
                assert client.get(f"{path}?page={page}").status_code == 200, (path, page)
        page = client.get("/persons").text
        assert client.post("/logout", data={"csrf_token": csrf_of(page)}).status_code == 303
    with httpx.Client(base_url=live.url, cookies={COOKIE_NAME: copied}, timeout=60) as thief:
        for path in ("/persons", "/persons/P000001", "/audit"):
            response = thief.get(path)
            assert response.status_code == 303 and response.headers["location"] == "/login"


