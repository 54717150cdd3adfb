"""Every count the report prints, and what a reader knows ties them together.

:func:`report_ledger` walks a built report (``uncounted.report.html.build_report``) and puts
each printed count into a :class:`~uncounted.report.suppression.Ledger` under its path in
the report (``("victims", "pyramid", 3, "male")``), with the relations the report's own words
and tables give away: a total and its parts (rows = records + quarantined; the persons by
sex, by place, by month; ID check states adding up to the records; the list combinations
adding up to the persons; a release diff's added + unchanged + corrected = the newer release;
the strata of an estimate adding up to its total), the same number printed in two sections,
and a part that cannot exceed its whole. :func:`protect_report` then replaces each of those
counts in the report by a :class:`~uncounted.report.suppression.Count` marked hidden or not,
so the templates and figures print "<5", "x" or the number. A relation is recorded only where
it holds in the numbers, so an unexpected layout makes the audit stricter, never looser.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from uncounted.report.suppression import Count, Kind, Ledger, protect

Path = tuple[Any, ...]


def _get(report: dict[str, Any], path: Path) -> Any:
    node: Any = report
    for step in path:
        node = node[step]
    return node


def _set(report: dict[str, Any], path: Path, value: Any) -> None:
    node: Any = report
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = value


class _Builder:
    def __init__(self, report: dict[str, Any]) -> None:
        self.report = report
        self.ledger = Ledger()

    def cell(self, *path: Any) -> Path | None:
        """Record the count at ``path`` (None when the report has no number there)."""
        try:
            value = _get(self.report, path)
        except (KeyError, IndexError, TypeError):
            return None
        if value is None or isinstance(value, bool) or not isinstance(value, int | float):
            return None
        self.ledger.add(path, round(value))
        return path

    def total(self, whole: Path | None, parts: Sequence[Path | None]) -> None:
        if whole is not None and parts and all(p is not None for p in parts):
            self.ledger.total(whole, [p for p in parts if p is not None])

    def same(self, a: Path | None, b: Path | None) -> None:
        if a is not None and b is not None:
            self.ledger.same(a, b)

    def at_most(self, part: Path | None, whole: Path | None) -> None:
        if part is not None and whole is not None:
            self.ledger.at_most(part, whole)


def report_ledger(report: dict[str, Any]) -> Ledger:
    b = _Builder(report)
    _provenance(b)
    _quality(b)
    _victims(b)
    _overlap(b)
    _linkage(b)
    _estimates(b)
    _releases(b)
    return b.ledger


def _provenance(b: _Builder) -> None:
    sources = b.report["provenance"].get("sources", [])
    columns = ("rows", "records", "quarantined")
    per = {c: [b.cell("provenance", "sources", i, c) for i in range(len(sources))]
           for c in columns}
    for i, source in enumerate(sources):
        b.total(per["rows"][i], [per["records"][i], per["quarantined"][i]])
        reasons = [b.cell("provenance", "sources", i, "quarantine_reasons", r)
                   for r in source.get("quarantine_reasons", {})]
        if reasons:
            b.total(per["quarantined"][i], reasons)
    for c in columns:
        b.total(b.cell("provenance", "totals", c), per[c])


def _quality(b: _Builder) -> None:
    by_sha = {s["sha256"]: i for i, s in enumerate(b.report["provenance"].get("sources", []))}
    for i, q in enumerate(b.report["quality"].get("sources", [])):
        at = ("quality", "sources", i)
        records = b.cell(*at, "records")
        if q["sha256"] in by_sha:
            b.same(records, ("provenance", "sources", by_sha[q["sha256"]], "records"))
        ids = [b.cell(*at, "ids", state) for state in q["ids"]]
        b.total(records, ids)
        b.at_most(b.cell(*at, "ages_in_whipple_range"), records)
        with_date = b.cell(*at, "birth_dates", "with_date")
        b.at_most(with_date, records)
        b.at_most(b.cell(*at, "birth_dates", "january_first"), with_date)
        if q["birth_dates"].get("most_repeated"):
            b.at_most(b.cell(*at, "birth_dates", "most_repeated", "count"), with_date)
        b.at_most(b.cell(*at, "duplicate_rows"), records)
        if q.get("persons_with_several_records") is not None:
            persons = b.cell(*at, "persons_with_several_records", "persons")
            several = b.cell(*at, "persons_with_several_records", "records")
            b.at_most(several, records)
            b.at_most(persons, several)
        for j, _ in enumerate(q["missing"]):
            b.at_most(b.cell(*at, "missing", j, "missing"), records)


def _victims(b: _Builder) -> None:
    v = b.report["victims"]
    persons = b.cell("victims", "persons")
    for label in v.get("set_apart") or {}:
        b.cell("victims", "set_apart", label)
    if not v.get("persons"):
        return
    sexes = ("male", "female", "unknown")
    pyramid = {s: [b.cell("victims", "pyramid", i, s) for i in range(len(v["pyramid"]))]
               for s in sexes}
    totals = [b.cell("victims", "sex", s) for s in sexes]
    for s, total in zip(sexes, totals, strict=True):
        b.total(total, pyramid[s])
    b.total(persons, totals)
    unknown_row = next((i for i, row in enumerate(v["pyramid"]) if row["age"] == "unknown"),
                       None)
    if unknown_row is not None:
        b.total(b.cell("victims", "unknown_age"),
                [pyramid[s][unknown_row] for s in sexes])
    places = [b.cell("victims", "places", i, "persons") for i in range(len(v["places"]))]
    b.total(persons, [*places, b.cell("victims", "other_places", "persons"),
                      b.cell("victims", "unknown_place")])
    months = [b.cell("victims", "deaths_by_month", i, "persons")
              for i in range(len(v["deaths_by_month"]))]
    b.total(persons, [*months, b.cell("victims", "unknown_date")])
    for i, _ in enumerate(v.get("first_release", [])):
        b.cell("victims", "first_release", i, "new_persons")


def _combinations(b: _Builder, at: Path, whole: Path | None) -> list[Path | None]:
    """The persons of each shown combination and of the others; returns their paths."""
    node = _get(b.report, at)
    combos = node["combinations"]
    parts = [b.cell(*at, "combinations", "shown", i, "persons")
             for i in range(len(combos["shown"]))]
    parts.append(b.cell(*at, "combinations", "others", "persons"))
    b.total(whole, parts)
    sizes = [b.cell(*at, "set_sizes", j) for j in range(len(node["sets"]))]
    if not combos["others"]["combinations"]:
        # the figure's bars: a set's size is the sum of the combinations holding it
        for j, name in enumerate(node["sets"]):
            b.total(sizes[j], [parts[i] for i, c in enumerate(combos["shown"])
                               if name in c["sets"]])
    return parts


def _overlap(b: _Builder) -> None:
    o = b.report["overlap"]
    if not o["combinations"]["total"]:
        return
    _combinations(b, ("overlap",), b.cell("victims", "persons"))
    firsts = b.report["victims"].get("first_release", [])
    for i, release in enumerate(o["releases"]):
        parts = _combinations(b, ("overlap", "releases", i), None)
        # the persons first listed in each release of the list add up to the same persons
        mine = [b.cell("victims", "first_release", j, "new_persons")
                for j, r in enumerate(firsts) if r["list"] == release["list"]]
        if mine and all(p is not None for p in [*mine, *parts]):
            b.ledger.relation([*((1.0, p) for p in mine if p), *((-1.0, p) for p in parts if p)])


def _linkage(b: _Builder) -> None:
    lk = b.report["linkage"]
    if not lk.get("run"):
        return
    run = [b.cell("linkage", "run", key) for key in (
        "records", "candidate_pairs", "persons", "persons_created", "persons_merged",
        "persons_split", "decisions_applied")]
    b.cell("linkage", "review_queue")
    records, pairs, persons = run[0], run[1], run[2]
    b.same(persons, b.cell("victims", "persons"))
    # persons of other statuses are printed apart: with the victims they make the run's persons
    apart = [b.cell("victims", "set_apart", label)
             for label in b.report["victims"].get("set_apart") or {}]
    if apart:
        b.total(persons, [b.cell("victims", "persons"), *apart])
    statuses = [b.cell("linkage", "pairs_by_status", call, s)
                for call, counts in lk["pairs_by_status"].items() for s in counts]
    b.total(pairs, statuses)
    sizes = [b.cell("linkage", "records_per_person", i, "persons")
             for i in range(len(lk["records_per_person"]))]
    b.total(persons, sizes)
    if records is not None and all(s is not None for s in sizes):
        # records = sum of k x persons with k records, exactly when no bucket is "6+"
        terms = [(float(str(r["records"]).rstrip("+")), p)
                 for r, p in zip(lk["records_per_person"], sizes, strict=True) if p]
        exact = not any(str(r["records"]).endswith("+") for r in lk["records_per_person"])
        if exact:
            b.ledger.relation([(1.0, records), *((-k, p) for k, p in terms)])
        else:
            b.ledger.bound([(-1.0, records), *((k, p) for k, p in terms)])
    if lk.get("accuracy") and "true_persons" in lk["accuracy"]:
        b.cell("linkage", "accuracy", "true_persons")


def _estimates(b: _Builder) -> None:
    est = b.report["estimates"]
    if not est.get("run"):
        return
    by_stratum: dict[str, list[Path]] = {}
    for i, row in enumerate(est["forest"]):
        path = b.cell("estimates", "forest", i, "observed")
        if path is not None:
            by_stratum.setdefault(row["stratum"], []).append(path)
    for paths in by_stratum.values():
        for other in paths[1:]:
            b.same(paths[0], other)
    headline = b.cell("estimates", "total", "observed") if est.get("total") else None
    strata = [paths[0] for name, paths in by_stratum.items() if name != "total"]
    if "total" in by_stratum:
        b.total(by_stratum["total"][0], strata)
        b.same(headline, by_stratum["total"][0])
    else:
        b.total(headline, strata)
    b.same(headline, ("victims", "persons") if ("victims", "persons") in b.ledger.values
           else None)


_DIFF_COUNTS = ("from_persons", "to_persons", "unchanged", "corrected_persons", "added",
                "removed", "id_reissued", "id_reused", "merged", "split", "relinked")
_CORRECTED = ("id_number", "name", "sex", "date_of_birth", "age")
_SUMMARY = ("unchanged", "corrected", "added", "removed")
_CHAIN = ("persons", "records", "first_seen", "first_seen_not_in_latest", "left", "returned")


def _releases(b: _Builder) -> None:
    rel = b.report.get("releases")
    if not rel:
        return
    for e, entry in enumerate(rel.get("lists", [])):
        at = ("releases", "lists", e)
        chain = entry["chain"]
        ever = b.cell(*at, "chain", "persons_ever")
        latest = b.cell(*at, "chain", "in_latest")
        gone = b.cell(*at, "chain", "not_in_latest")
        b.total(ever, [latest, gone])
        for other in chain.get("not_in_latest_on_other_lists", {}):
            b.at_most(b.cell(*at, "chain", "not_in_latest_on_other_lists", other), gone)
        rows = {c: [b.cell(*at, "chain", "releases", k, c)
                    for k in range(len(chain.get("releases", [])))] for c in _CHAIN}
        b.total(ever, rows["first_seen"])
        b.total(gone, rows["first_seen_not_in_latest"])
        if rows["persons"]:
            b.same(latest, rows["persons"][-1])
        by_release = {r["release"]: k for k, r in enumerate(chain.get("releases", []))}
        for d, diff in enumerate(entry["diffs"]):
            here = (*at, "diffs", d)
            cells = {c: b.cell(*here, c) for c in _DIFF_COUNTS}
            corrected = [b.cell(*here, "corrected", f) for f in _CORRECTED]
            b.total(cells["to_persons"], [cells["added"], cells["unchanged"],
                                          cells["corrected_persons"]])
            b.total(cells["from_persons"], [cells["removed"], cells["unchanged"],
                                            cells["corrected_persons"]])
            for c in corrected:
                b.at_most(c, cells["corrected_persons"])
            for side, key in (("from", "from_persons"), ("to", "to_persons")):
                k = by_release.get(diff[side])
                if k is not None:
                    b.same(cells[key], rows["persons"][k])
            for variable, groups in diff.get("summaries", {}).items():
                for column, whole in zip(_SUMMARY, ("unchanged", "corrected_persons", "added",
                                                    "removed"), strict=True):
                    parts = [b.cell(*here, "summaries", variable, value, column)
                             for value in groups]
                    b.total(cells[whole], parts)


def protect_report(report: dict[str, Any], threshold: int) -> Ledger:
    """Mark every count of ``report`` (in place) as hidden or not; returns the ledger used."""
    ledger = report_ledger(report)
    hidden: dict[Any, Kind] = protect(ledger, threshold) if threshold > 0 else {}
    for path, value in ledger.values.items():
        _set(report, cast(Path, path), Count(value, hidden.get(path)))
    report["hidden"] = hidden
    return ledger
