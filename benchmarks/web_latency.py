"""What a request of the web app costs, and how long a command waits while the app serves.

Starts ``uncounted serve PROJECT`` with the sources on PYTHONPATH (so the same script measures
an older checkout: ``PYTHONPATH=/old/src python benchmarks/web_latency.py PROJECT``), then:

* ``ms_per_page``: the median time of each of a few pages over ``--rounds`` requests, one client;
* ``status_while_serving_s``: the wall time of ``uncounted status PROJECT --json`` while two
  clients request pages back to back (interpreter start included), and its exit status;
* ``open_wait_ms``: in another process, the time ``Project.open`` takes (median of 5) right
  after a page was served (the server holds the project then), and while two clients request
  pages back to back (absent from checkouts older than the project lock).

The project should be a copy: nothing is written to it but the lock file. Run
``python benchmarks/web_latency.py PROJECT [--rounds 30]`` from the repository root.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

PAGES = ("/", "/persons", "/review", "/sources", "/estimates")
OPEN = """
import sys, time
from uncounted.store import Project
started = time.perf_counter()
Project.open(sys.argv[1]).close()
print(1000 * (time.perf_counter() - started))
"""


def _open_ms(project: Path) -> float | None:
    done = subprocess.run([sys.executable, "-c", OPEN, str(project)], capture_output=True,
                          text=True)
    return float(done.stdout) if done.returncode == 0 else None


def _port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            response.read()
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


def _median(values: list[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return round(statistics.median(known), 1) if len(known) == len(values) else None


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("project", type=Path)
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--hold", default=None,
                        help="serve's --hold SECONDS (absent from checkouts older than it)")
    args = parser.parse_args()
    port = _port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [sys.executable, "-c", "from uncounted.cli.main import run; run()", "serve",
         str(args.project), "--port", str(port),
         *([] if args.hold is None else ["--hold", args.hold])],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                _get(base + "/login")
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit("the server did not start") from None
                time.sleep(0.3)
        pages: dict[str, float] = {}
        for page in PAGES:
            _get(base + page)  # warm
            times = []
            for _ in range(args.rounds):
                started = time.perf_counter()
                _get(base + page)
                times.append(1000 * (time.perf_counter() - started))
            pages[page] = round(statistics.median(times), 1)
        idle_opens = []
        for _ in range(5):
            _get(base + "/")
            idle_opens.append(_open_ms(args.project))
        stop = threading.Event()
        served = [0, 0]

        def client(slot: int) -> None:
            while not stop.is_set():
                _get(base + PAGES[slot % len(PAGES)])
                served[slot] += 1

        clients = [threading.Thread(target=client, args=(i,)) for i in range(2)]
        for thread in clients:
            thread.start()
        started = time.perf_counter()
        status = subprocess.run(
            [sys.executable, "-c", "from uncounted.cli.main import run; run()", "status",
             str(args.project), "--json"],
            capture_output=True, text=True, env={**os.environ},
        )
        took = time.perf_counter() - started
        busy_opens = [_open_ms(args.project) for _ in range(5)]
        stop.set()
        for thread in clients:
            thread.join()
        print(json.dumps({
            "ms_per_page": pages,
            "status_while_serving_s": round(took, 2),
            "status_exit": status.returncode,
            "status_error": status.stderr.strip().splitlines()[-1:] if status.returncode else [],
            "pages_served_meanwhile": sum(served),
            "open_wait_ms": {
                "after_a_page": _median(idle_opens),
                "while_two_clients_request": _median(busy_opens),
            },
        }, indent=2))
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    main()
