"""Save one of a project's report figures as a PNG, e.g. for the README.

Only aggregate figures are offered (counts of persons; never a name):

    .venv/bin/python scripts/report_figure.py PROJECT_DIR releases-upset docs/figure.png
"""

from __future__ import annotations

import base64
import sys
from pathlib import Path

from uncounted.report import figures
from uncounted.report.overlap import overlap_section
from uncounted.report.suppression import (
    DEFAULT_MIN_CELL,
    is_suppressed,
    suppress,
    suppressed_values,
)
from uncounted.report.victims import victims_section
from uncounted.store import Project

FIGURES = ("releases-upset", "pyramid")


def main(project_dir: str, which: str, output: str) -> None:
    if which not in FIGURES:
        raise SystemExit(f"choose one of {', '.join(FIGURES)}")
    with Project.open(project_dir, read_only=True) as project:
        if which == "releases-upset":
            overlap = overlap_section(project)["releases"][0]
            combos = [
                (frozenset(c["sets"]),
                 0 if is_suppressed(c["persons"], DEFAULT_MIN_CELL) else c["persons"],
                 suppress(c["persons"], DEFAULT_MIN_CELL))
                for c in overlap["combinations"]["shown"]
            ]
            figure = figures.upset(overlap["sets"], combos,
                                   suppressed_values(overlap["set_sizes"]))
        else:
            rows = [r for r in victims_section(project)["pyramid"] if r["age"] != "unknown"]
            figure = figures.pyramid([r["age"] for r in rows],
                                     suppressed_values([r["male"] for r in rows]),
                                     suppressed_values([r["female"] for r in rows]))
    uri = figures.to_data_uri(figure, fmt="png")
    Path(output).write_bytes(base64.b64decode(uri.split(",", 1)[1]))
    print(output)


if __name__ == "__main__":
    if len(sys.argv) != 4:
        raise SystemExit(__doc__)
    main(*sys.argv[1:])
