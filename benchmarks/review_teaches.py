"""How many reviewed pairs teach the linkage a case its prior model links imperfectly.

``python benchmarks/review_teaches.py [--rounds 100,200,400] [--keep DIR]`` builds the
field-like case of ``../shared/checks/fieldlike_link.py`` (the Tech for Palestine list of
2024-09-21, English names cut to the first and the family name, with sex and age, against the
MoH list of 2024-08-31 in Arabic, IDs hidden on both), links it, then answers the review queue
(``review_queue``, in its own order) from the truth (the shared valid ID) as a reviewer would,
links again (training takes the labels), and prints cross-list pair precision and recall after
each round. No name is printed: only counts.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

from uncounted.core.ids import is_valid_id
from uncounted.ingest import mapping as mappings
from uncounted.ingest.pipeline import ingest_file
from uncounted.store import Project
from uncounted.workflow.linkage import link_project
from uncounted.workflow.review import record_decision, review_queue

DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data"
MOH = DATA / "gaza-moh-releases-alexschell" / "fatalities_20240831.csv"
TFP = DATA / "techforpalestine-palestine-datasets" / "20240921killed-in-gaza.csv"
JOIN = {"abu", "abo", "al", "el", "bin", "ibn", "abd", "abdel", "abdul", "bani", "umm"}


def first_and_family(name: str) -> str:
    tokens = str(name).split()
    if len(tokens) < 2:
        return " ".join(tokens)
    family = tokens[-2:] if len(tokens) >= 3 and tokens[-2].lower() in JOIN else tokens[-1:]
    return " ".join([tokens[0], *family])


def build(folder: Path) -> tuple[Path, dict[str, str]]:
    """The project, and each record's true id (the valid ID, when unique on its list)."""
    moh = pd.read_csv(MOH, dtype=str)
    moh.drop(columns=["gov_id", "flg_gov_id"]).to_csv(folder / "moh.csv", index=False)
    tfp = pd.read_csv(TFP, dtype=str)
    cut = pd.DataFrame(
        {"name": tfp["en_name"].fillna("").map(first_and_family), "sex": tfp["sex"],
         "age": tfp["age"]}
    )
    cut.to_csv(folder / "field.csv", index=False)
    project_dir = folder / "project"
    truth: dict[str, str] = {}
    with Project.create(project_dir) as project:
        a = ingest_file(project, folder / "moh.csv", list_name="gaza-moh", release="2024-08-31",
                        profile="gaza-moh")
        mapping = mappings.from_pairs(["full_name_latin=name", "sex=sex", "age_years=age"])
        b = ingest_file(project, folder / "field.csv", list_name="field", mapping=mapping)
        for summary, ids in ((a, moh["gov_id"]), (b, tfp["id"])):
            unique = ids[~ids.duplicated(keep=False)]
            valid = {i: v.strip() for i, v in unique.items()
                     if isinstance(v, str) and is_valid_id(v.strip())}
            rows = project.con.execute(
                "SELECT record_id, row_number FROM records WHERE source_sha256 = ?",
                [summary.sha256]).fetchall()
            truth.update({str(r): valid[n - 1] for r, n in rows if n - 1 in valid})
    return project_dir, truth


def scores(project: Project, truth: dict[str, str]) -> tuple[float, float]:
    rows = project.con.execute(
        "SELECT r.record_id, r.list, p.person_id FROM records r"
        " JOIN person_records p USING (record_id)").fetchall()
    # As ../shared/checks/fieldlike_link.py counts: records with a valid ID unique on their list.
    moh = {truth[r]: p for r, li, p in rows if li == "gaza-moh" and r in truth}
    field = [(truth[r], p) for r, li, p in rows if li == "field" and r in truth]
    moh_persons = set(moh.values())
    linked = [(t, p) for t, p in field if p in moh_persons]
    correct = sum(1 for t, p in field if moh.get(t) == p)
    true_links = len({t for t, _ in field} & set(moh))
    return (correct / len(linked) if linked else 0.0,
            correct / true_links if true_links else 0.0)


def answer(project: Project, truth: dict[str, str], n: int) -> tuple[int, int]:
    """Decide the first ``n`` pairs of the queue from the truth; (accepted, rejected)."""
    queue = review_queue(project, limit=n)
    accepted = rejected = 0
    for pair in queue.pairs:
        left, right = pair["record_id_l"], pair["record_id_r"]
        known = truth.get(left), truth.get(right)
        same = known[0] is not None and known[0] == known[1]
        record_decision(project, left, right, "accept" if same else "reject",
                        reviewer="benchmark")
        accepted += same
        rejected += not same
    return accepted, rejected


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", default="100,200,400",
                        help="pairs reviewed before each new link, comma-separated")
    parser.add_argument("--keep", type=Path, default=None)
    args = parser.parse_args(argv)
    rounds = [int(x) for x in args.rounds.split(",") if x]
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        project_dir, truth = build(folder)
        reviewed = 0
        with Project.open(project_dir) as project:
            start = time.perf_counter()
            link_project(project)
            p, r = scores(project, truth)
            print(f"reviewed_0: precision {p:.4f} recall {r:.4f} "
                  f"({time.perf_counter() - start:.0f} s)")
            for n in rounds:
                accepted, rejected = answer(project, truth, n)
                reviewed += accepted + rejected
                start = time.perf_counter()
                summary = link_project(project)
                p, r = scores(project, truth)
                print(f"reviewed_{reviewed}: precision {p:.4f} recall {r:.4f} "
                      f"(this round {accepted} accepted, {rejected} rejected; "
                      f"labels used {summary.labels_used}; "
                      f"name from {summary.training['comparisons']['name']['source']}; "
                      f"{time.perf_counter() - start:.0f} s)")
                sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
