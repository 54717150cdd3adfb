"""The web app and the commands share a project: commands run while `uncounted serve` runs,
pages show a notice while a command holds the project, and `kill -9` of either side leaves the
project consistent and the other side able to go on."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from tests.store.holding import CLI, held
from tests.web.helpers import add_users, csrf_of, hidden, log_in
from tests.web.live import LiveServer, serve
from uncounted.store import Project
from uncounted.store.lock import current_holder
from uncounted.web.app import create_app

WIDE = ("--review-low", "0.01", "--review-high", "1.0")


def _run(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=timeout)


def _rows(project_dir: Path, sql: str) -> list[tuple[object, ...]]:
    with Project.open(project_dir) as project:
        return project.con.execute(sql).fetchall()


def _consistent(project_dir: Path) -> None:
    """Every decision has its audit row and no audit row is without its decision; no staged
    file is left; every source's rows are its records and quarantined rows, and its file is
    stored."""
    decisions = [d for (d,) in _rows(project_dir, "SELECT decision_id FROM review_decisions")]
    audited = [json.loads(str(details))["decision_id"] for (details,) in _rows(
        project_dir, "SELECT details FROM audit_log WHERE action = 'review_decision'")]
    assert sorted(decisions) == sorted(audited)
    assert not (project_dir / ".staging").exists()
    for stored, rows, records, quarantined in _rows(
        project_dir, "SELECT stored_path, rows, records, quarantined FROM sources"
    ):
        assert rows == records + quarantined
        assert (project_dir / str(stored)).is_file()


def test_commands_run_while_the_server_serves(project_dir: Path, tmp_path: Path) -> None:
    with serve(project_dir, tmp_path / "server.log") as server:
        assert httpx.get(server.url + "/").status_code == 200
        status = _run("status", str(project_dir), "--json")
        export = _run("export", str(project_dir), "persons", "--output",
                      str(tmp_path / "persons.csv"))
        assert httpx.get(server.url + "/").status_code == 200
    assert status.returncode == 0, status.stderr
    assert json.loads(status.stdout)["totals"]["sources"] == 5
    assert export.returncode == 0, export.stderr
    assert (tmp_path / "persons.csv").stat().st_size > 0


def test_pages_show_a_notice_while_a_command_holds_the_project(project_dir: Path) -> None:
    app = create_app(project_dir, request_wait=0.3, review_low=0.01, review_high=1.0)
    client = TestClient(app, base_url="http://127.0.0.1")
    page = client.get("/review").text
    left, right = hidden(page, "left"), hidden(page, "right")
    # The app keeps the project between requests; the command asks, and gets it.
    with held(project_dir, "uncounted ingest") as (holder, _):
        busy = client.get("/persons")
        sent = client.post("/review/decide", follow_redirects=False, data={
            "csrf_token": csrf_of(page), "left": left, "right": right, "decision": "accept",
            "seen_decision_id": hidden(page, "seen_decision_id")})
    assert busy.status_code == 503 and busy.headers["retry-after"] == "5"
    assert 'id="project-busy"' in busy.text
    assert f"uncounted ingest (process {holder.pid})" in busy.text
    assert 'http-equiv="refresh"' in busy.text  # a page asked for reloads by itself
    assert sent.status_code == 503
    assert "What you sent was not recorded" in sent.text
    assert 'http-equiv="refresh"' not in sent.text  # a form is never sent again unasked
    assert client.get("/persons").status_code == 200
    app.state.access.close()
    assert _rows(project_dir, "SELECT count(*) FROM review_decisions") == [(0,)]


@dataclass
class Reviewer:
    name: str
    client: httpx.Client
    recorded: list[tuple[str, str]] = field(default_factory=list)
    refused: int = 0  # decided by the other reviewer first: told so, not recorded
    busy: int = 0  # a command held the project: told so, not recorded, sent again
    failures: list[str] = field(default_factory=list)
    pause: float = 0.05

    def review(self, stop: threading.Event, most: int) -> None:
        turn = 0
        while not stop.is_set() and len(self.recorded) < most and not self.failures:
            try:
                self._decide_one("accept" if turn % 2 else "reject")
            except httpx.TransportError as error:  # the server was killed
                self.failures.append(f"transport: {type(error).__name__}")
            turn += 1
            time.sleep(self.pause)

    def _decide_one(self, decision: str) -> None:
        page = self.client.get("/review")
        if page.status_code == 503:
            self.busy += 1
            return
        if page.status_code != 200:
            self.failures.append(f"GET /review {page.status_code}")
            return
        if 'id="queue-empty"' in page.text:
            self.failures.append("the queue ran out")
            return
        left, right = hidden(page.text, "left"), hidden(page.text, "right")
        sent = self.client.post("/review/decide", follow_redirects=False, data={
            "csrf_token": csrf_of(page.text), "left": left, "right": right,
            "decision": decision, "seen_decision_id": hidden(page.text, "seen_decision_id")})
        where = sent.headers.get("location", "")
        if sent.status_code == 303 and where == "/review":
            self.recorded.append((left, right))
        elif sent.status_code == 303 and where.startswith("/review/pair"):
            self.refused += 1
        elif sent.status_code == 503:
            self.busy += 1
        else:
            self.failures.append(f"POST /review/decide {sent.status_code}")


def _reviewers(server: LiveServer, names: list[str]) -> list[Reviewer]:
    reviewers = []
    for name in names:
        client = httpx.Client(base_url=server.url, timeout=120)
        log_in(client, name)  # type: ignore[arg-type]
        reviewers.append(Reviewer(name, client))
    return reviewers


def _in_threads(work: list[Callable[[], None]]) -> list[threading.Thread]:
    threads = [threading.Thread(target=w) for w in work]
    for thread in threads:
        thread.start()
    return threads


def _new_release(web_template: Path, target: Path) -> Path:
    """A later release of a simulated list: its first 150 rows (synthetic names)."""
    lines = (web_template.parent / "simulated" / "moh_hospitals.csv").read_text(
        encoding="utf-8").splitlines(keepends=True)
    target.write_text("".join(lines[:151]), encoding="utf-8")
    return target


INGEST_MAP = ("--map", "full_name=name", "--map", "id_number=gov_id", "--map", "sex=sex",
              "--map", "age_years=age")


@pytest.mark.slow
def test_two_reviewers_an_ingest_a_link_and_a_status_at_once(
    project_dir: Path, web_template: Path, tmp_path: Path
) -> None:
    add_users(project_dir, ann="reviewer", bob="reviewer")
    release = _new_release(web_template, tmp_path / "moh_2024-09-01.csv")
    runs_before = _rows(project_dir, "SELECT count(*) FROM link_runs")[0][0]
    with serve(project_dir, tmp_path / "server.log", *WIDE) as server:
        reviewers = _reviewers(server, ["ann", "bob"])
        stop = threading.Event()
        threads = _in_threads([lambda r=r: r.review(stop, 60) for r in reviewers])  # type: ignore[misc]
        time.sleep(1.0)
        started = time.monotonic()
        commands = {
            "ingest": subprocess.Popen(
                [*CLI, "ingest", str(project_dir), str(release), "--list", "moh_hospitals",
                 "--release", "2024-09-01", *INGEST_MAP, "--json"],
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True),
            "link": subprocess.Popen([*CLI, "link", str(project_dir), "--json"],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True),
            "status": subprocess.Popen([*CLI, "status", str(project_dir), "--json"],
                                       stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                       text=True),
        }
        outputs = {name: process.communicate(timeout=600)
                   for name, process in commands.items()}
        took = time.monotonic() - started
        time.sleep(1.0)  # the reviewers go on after the commands
        stop.set()
        for thread in threads:
            thread.join()
        after = httpx.get(server.url + "/login").status_code
    for name, process in commands.items():
        assert process.returncode == 0, f"{name}: {outputs[name][1]}"
    assert after == 200
    for reviewer in reviewers:
        assert not reviewer.failures, (reviewer.name, reviewer.failures)
        assert reviewer.recorded, reviewer.name
    # Nothing lost, nothing twice: exactly the decisions the server acknowledged are stored.
    for reviewer in reviewers:
        stored = _rows(project_dir, "SELECT record_id_l, record_id_r FROM review_decisions"
                                    f" WHERE reviewer = '{reviewer.name}' ORDER BY decision_id")
        assert sorted(stored) == sorted(reviewer.recorded), reviewer.name
    ingested = json.loads(outputs["ingest"][0])
    assert ingested["rows"] == 150 and ingested["records"] + ingested["quarantined"] == 150
    assert _rows(project_dir, "SELECT count(*) FROM link_runs")[0][0] == runs_before + 1
    assert json.loads(outputs["status"][0])["totals"]["sources"] in (5, 6)
    _consistent(project_dir)
    assert "500" not in [line.split()[-3] for line in server.log.splitlines()
                         if line.endswith(" ms")]
    print(f"commands done in {took:.1f} s; decisions recorded",
          {r.name: len(r.recorded) for r in reviewers},
          "refused", sum(r.refused for r in reviewers),
          "busy notices", sum(r.busy for r in reviewers))


def test_kill_9_of_the_server_mid_request_leaves_the_project_to_the_commands(
    project_dir: Path, tmp_path: Path
) -> None:
    add_users(project_dir, ann="reviewer")
    with serve(project_dir, tmp_path / "server.log", *WIDE) as server:
        (reviewer,) = _reviewers(server, ["ann"])
        reviewer.pause = 0.0  # back to back: the server is always inside a request
        stop = threading.Event()
        (thread,) = _in_threads([lambda: reviewer.review(stop, 1000)])
        deadline = time.monotonic() + 60
        while len(reviewer.recorded) < 5 and time.monotonic() < deadline:
            time.sleep(0.01)
        os.kill(server.process.pid, signal.SIGKILL)  # while decisions are being written
        thread.join()
        status = _run("--wait", "30", "status", str(project_dir), "--json", timeout=120)
    assert reviewer.failures and reviewer.failures[0].startswith("transport")
    assert status.returncode == 0, status.stderr
    _consistent(project_dir)
    stored = _rows(project_dir, "SELECT record_id_l, record_id_r FROM review_decisions")
    # Every acknowledged decision is stored; at most the one in flight was stored unanswered.
    assert set(reviewer.recorded) <= set(stored)
    assert len(stored) - len(reviewer.recorded) in (0, 1)
    # A new server serves the project, and takes decisions.
    with serve(project_dir, tmp_path / "server2.log", *WIDE) as server:
        (again,) = _reviewers(server, ["ann"])
        again.review(threading.Event(), 2)
    assert not again.failures and len(again.recorded) == 2


def _big_file(path: Path, rows: int) -> Path:
    with path.open("w", encoding="utf-8") as handle:
        handle.write("name,sex,age,id\n")
        for i in range(rows):
            handle.write(f"person {i} of the list,{'MF'[i % 2]},{i % 90},{100000000 + i}\n")
    return path


def test_kill_9_of_an_ingest_mid_transaction_leaves_the_project_to_the_server(
    project_dir: Path, tmp_path: Path
) -> None:
    big = _big_file(tmp_path / "big.csv", 60_000)
    ingest = [*CLI, "ingest", str(project_dir), str(big), "--list", "big", "--map",
              "full_name=name", "--map", "sex=sex", "--map", "age_years=age", "--map",
              "id_number=id", "--json"]
    staging = project_dir / ".staging"
    with serve(project_dir, tmp_path / "server.log") as server:
        assert httpx.get(server.url + "/sources").status_code == 200
        process = subprocess.Popen(ingest, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 240
        while not (staging.is_dir() and any(staging.iterdir())):
            assert process.poll() is None, "the ingest ended before it could be killed"
            assert time.monotonic() < deadline
            time.sleep(0.002)
        os.kill(process.pid, signal.SIGKILL)  # the file staged, its transaction open
        process.wait()
        # The server's next request opens the project, which discards the staged file.
        page = httpx.get(server.url + "/sources", timeout=120)
        assert page.status_code == 200
        assert not staging.exists()
        rerun = subprocess.run(ingest, capture_output=True, text=True, timeout=600)
        assert httpx.get(server.url + "/sources", timeout=120).status_code == 200
    assert rerun.returncode == 0, rerun.stderr
    assert _rows(project_dir, "SELECT rows, records, quarantined FROM sources"
                              " WHERE list = 'big'") == [(60_000, 60_000, 0)]
    _consistent(project_dir)


def test_kill_9_of_a_link_leaves_the_project_to_the_server_and_the_next_link(
    project_dir: Path, tmp_path: Path
) -> None:
    runs = "SELECT count(*) FROM link_runs"
    before = _rows(project_dir, runs)
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    link = [*CLI, "link", str(project_dir), "--json"]
    env = {**os.environ, "TMPDIR": str(scratch)}
    with serve(project_dir, tmp_path / "server.log") as server:
        process = subprocess.Popen(link, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                   env=env)
        deadline = time.monotonic() + 240
        while not any(scratch.iterdir()):  # its spill folder: the link is under way
            assert process.poll() is None, "the link ended before it could be killed"
            assert time.monotonic() < deadline
            time.sleep(0.01)
        holder = current_holder(project_dir)
        assert holder is not None and holder.command == "uncounted link"
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
        assert len(list(scratch.iterdir())) == 1  # left behind by the kill
        assert httpx.get(server.url + "/", timeout=120).status_code == 200
        rerun = subprocess.run(link, capture_output=True, text=True, timeout=600, env=env)
        assert httpx.get(server.url + "/", timeout=120).status_code == 200
    assert rerun.returncode == 0, rerun.stderr
    assert _rows(project_dir, runs) == [(before[0][0] + 1,)]
    assert list(scratch.iterdir()) == []  # the next link removed it, and its own at exit
    _consistent(project_dir)
