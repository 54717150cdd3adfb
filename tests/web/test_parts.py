"""The web app's parts on their own: leases, the login throttle, and the commands."""

from __future__ import annotations

import io
import json
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.web.helpers import LOCAL_URL, PASSWORD, add_users, csrf_of, log_in
from uncounted.cli.main import run
from uncounted.store import Project
from uncounted.web.app import create_app
from uncounted.web.leases import ReviewLeases
from uncounted.web.origin import HostPolicy
from uncounted.web.throttle import (
    MAX_CLIENT_FAILURES,
    MAX_FAILURES,
    WINDOW_SECONDS,
    LoginThrottle,
)
from uncounted.web.users import disable_user, set_password


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_lease_keeps_a_pair_from_others_until_it_expires() -> None:
    clock = Clock()
    leases = ReviewLeases(60, clock)
    assert leases.take(("a", "b"), "ann")
    assert not leases.take(("a", "b"), "bob")
    assert leases.held_by_others("bob") == {("a", "b")}
    assert leases.take(("c", "d"), "ann")  # one pair per reviewer: the first is let go
    assert leases.holder(("a", "b")) is None and leases.held_by("ann") == ("c", "d")
    clock.now = 61
    assert leases.holder(("c", "d")) is None
    assert leases.take(("c", "d"), "bob")
    leases.release(("c", "d"))
    assert leases.held_by("bob") is None


def test_the_throttle_blocks_a_name_and_a_client_and_remembers_across_restarts(
    tmp_path: Path,
) -> None:
    clock = Clock()
    clock.now = 1_700_000_000.0
    throttle = LoginThrottle(clock)
    with Project.create(tmp_path / "p") as project:
        for _ in range(MAX_FAILURES):
            assert throttle.reserve(project, "ann", "10.0.0.1") == 0
        assert throttle.reserve(project, "ann", "10.0.0.2") == WINDOW_SECONDS
        assert throttle.blocked_for(project, "bob", "10.0.0.2") == 0
        # one client trying one password on many names is stopped too
        for i in range(MAX_CLIENT_FAILURES - MAX_FAILURES):
            assert throttle.reserve(project, f"user{i}", "10.0.0.1") == 0
        assert throttle.reserve(project, "bob", "10.0.0.1") > 0
        assert throttle.reserve(project, "bob", "10.0.0.3") == 0
    # a new server (a new throttle, the project opened again) remembers
    with Project.open(tmp_path / "p") as project:
        again = LoginThrottle(clock)
        assert again.blocked_for(project, "ann", "10.0.0.9") == WINDOW_SECONDS
        assert again.blocked_for(project, "carol", "10.0.0.1") > 0
        again.succeeded(project, "ann")
        assert again.blocked_for(project, "ann", "10.0.0.9") == 0
        clock.now += WINDOW_SECONDS + 1
        assert again.blocked_for(project, "carol", "10.0.0.1") == 0


def test_after_five_wrong_passwords_even_the_right_one_waits(project_dir: Path) -> None:
    add_users(project_dir, rev="reviewer")
    app = create_app(project_dir)
    client = TestClient(app, base_url=LOCAL_URL)
    token = csrf_of(client.get("/login").text)
    for _ in range(MAX_FAILURES):
        wrong = client.post("/login", data={"csrf_token": token, "username": "rev",
                                            "password": "wrong wrong wrong"})
        assert wrong.status_code == 401
    blocked = client.post("/login", data={"csrf_token": token, "username": "rev",
                                          "password": PASSWORD}, follow_redirects=False)
    assert blocked.status_code == 429 and "Too many failed logins" in blocked.text
    app.state.access.close()
    with Project.open(project_dir, read_only=True) as project:
        actions = [r[0] for r in project.con.execute(
            "SELECT action FROM audit_log WHERE action LIKE 'login%' ORDER BY audit_id"
        ).fetchall()]
    assert actions == ["login_failed"] * MAX_FAILURES + ["login_blocked"]


@dataclass
class Outcome:
    returncode: int
    stdout: str
    stderr: str


def test_user_commands_add_list_disable_and_serve_refuses_other_hosts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def uncounted(*args: str | Path, stdin: str = "") -> Outcome:
        """The command in this process (a child would pay the imports again each time)."""
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        capsys.readouterr()
        try:
            run([str(a) for a in args])
            code = 0
        except SystemExit as exit_:
            code = int(exit_.code or 0)
        out, err = capsys.readouterr()
        return Outcome(code, out, err)

    project = tmp_path / "project"
    Project.create(project).close()
    refused = uncounted("serve", project, "--host", "0.0.0.0", "--port", "1")
    assert refused.returncode == 1
    assert "refusing to listen on 0.0.0.0" in refused.stderr and "user add" in refused.stderr
    assert "Traceback" not in refused.stderr
    added = uncounted("user", "add", project, "ann", "--role", "reviewer", "--password-stdin",
                      "--json", stdin=PASSWORD + "\n")
    assert added.returncode == 0, added.stderr
    assert json.loads(added.stdout)["role"] == "reviewer"
    short = uncounted("user", "add", project, "bob", "--role", "viewer", "--password-stdin",
                      stdin="short\n")
    assert short.returncode == 1 and "at least 10 characters" in short.stderr
    bad_role = uncounted("user", "add", project, "bob", "--role", "owner", "--password-stdin",
                         stdin=PASSWORD + "\n")
    assert bad_role.returncode == 2
    again = uncounted("user", "add", project, "ann", "--role", "admin", "--password-stdin",
                      stdin=PASSWORD + "\n")
    assert again.returncode == 1 and "exists already" in again.stderr
    changed = uncounted("user", "password", project, "ann", "--password-stdin", "--json",
                        stdin="another password 1\n")
    assert changed.returncode == 0, changed.stderr
    assert uncounted("user", "password", project, "nobody", "--password-stdin",
                     stdin="another password 1\n").returncode == 1
    disabled = uncounted("user", "disable", project, "ann", "--json")
    assert json.loads(disabled.stdout)["disabled"] is True
    listed = json.loads(uncounted("user", "list", project, "--json").stdout)
    assert [(u["username"], u["role"], u["disabled"]) for u in listed["users"]] == [
        ("ann", "reviewer", True)]
    with Project.open(project, read_only=True) as opened:
        audit = opened.con.execute(
            "SELECT username, action, target FROM audit_log ORDER BY audit_id").fetchall()
    assert [(a[1], a[2]) for a in audit] == [("user_add", "ann"), ("user_password", "ann"),
                                             ("user_disable", "ann")]
    assert all(str(a[0]).startswith("cli:") for a in audit)
    # With every user disabled, another host is refused again.
    assert uncounted("serve", project, "--host", "0.0.0.0", "--port", "1").returncode == 1


def test_a_password_change_or_disabling_ends_every_session_of_the_user(
    project_dir: Path,
) -> None:
    add_users(project_dir, rev="reviewer", ann="viewer")
    app = create_app(project_dir)
    rev, rev_elsewhere, ann = (TestClient(app, base_url=LOCAL_URL) for _ in range(3))
    for client, name in ((rev, "rev"), (rev_elsewhere, "rev"), (ann, "ann")):
        log_in(client, name)
        assert client.get("/persons").status_code == 200
    with app.state.access.use() as project:
        set_password(project, "rev", "a new long password", by="test")
    for client in (rev, rev_elsewhere):
        gone = client.get("/persons", follow_redirects=False)
        assert gone.status_code == 303 and gone.headers["location"] == "/login"
    assert ann.get("/persons").status_code == 200  # other users keep theirs
    with app.state.access.use() as project:
        disable_user(project, "ann", by="test")
        assert project.con.execute("SELECT count(*) FROM web_sessions").fetchall() == [(0,)]
    assert ann.get("/persons", follow_redirects=False).status_code == 303
    log_in(rev, "rev", "a new long password")
    assert rev.get("/persons").status_code == 200
    app.state.access.close()
    with Project.open(project_dir, read_only=True) as project:
        audit = project.con.execute(
            "SELECT action, target, details FROM audit_log WHERE action LIKE 'user_%'"
            " AND username = 'test' ORDER BY audit_id").fetchall()
    assert [(a, t, json.loads(d)) for a, t, d in audit][-2:] == [
        ("user_password", "rev", {"sessions_ended": 2}),
        ("user_disable", "ann", {"sessions_ended": 1})]


def test_the_host_policy_answers_the_bound_names_only() -> None:
    local = HostPolicy("127.0.0.1")
    for header in ("127.0.0.1:8000", "localhost:8000", "LOCALHOST", "[::1]:8000", "localhost."):
        assert local.allows(header), header
    for header in ("attacker.example:8000", "127.0.0.1.attacker.example", "", None,
                   "localhost:80:80", "[::1", "10.0.0.5:8000"):
        assert not local.allows(header), header
    proxied = HostPolicy("10.0.0.5", ["uncounted.example.org"])
    assert proxied.allows("10.0.0.5:8000") and proxied.allows("uncounted.example.org")
    assert not proxied.allows("attacker.example")
    everywhere = HostPolicy("0.0.0.0")
    # an address cannot be rebound to, a name can
    assert everywhere.allows("192.168.1.20:8000") and everywhere.allows("[fe80::1]:8000")
    assert not everywhere.allows("attacker.example:8000")
