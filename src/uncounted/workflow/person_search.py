"""Find persons by name in any script, by ID number or by place.

A name query is split into tokens, and each token must match a token of one of the person's
records, either exactly after the project's name normalization (hamza, taa marbuta, glued
compounds, Latin spelling conventions) or, across scripts, on a candidate Latin consonant
skeleton — so an Arabic query finds the Arabic records and a romanized record of the same
name. Exact matches rank above cross-script ones. The index of a link run's names is built on
the first search and kept while that run is the latest.
"""

from __future__ import annotations

import functools
import threading
from collections import Counter, defaultdict
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any, Final

from uncounted.normalize import (
    arabic_tokens,
    cross_script_skeletons,
    detect_script,
    hebrew_name_key,
    latin_name_key,
    normalize_id,
)
from uncounted.normalize.script import Script
from uncounted.store.link_runs import latest_run_id
from uncounted.store.person_search import name_rows, person_summary_rows, persons_matching
from uncounted.store.project import Project
from uncounted.workflow.link_results import jsonable, latest_run

MAX_RESULTS: Final = 100
# Points for a query token that matches exactly in its own script, and across scripts.
_EXACT: Final = 2
_ACROSS: Final = 1


@dataclass(frozen=True)
class QueryToken:
    key: str
    skeletons: frozenset[str]


@functools.lru_cache(maxsize=1 << 16)
def _token_skeletons(token: str) -> frozenset[str]:
    return frozenset(s for candidates in cross_script_skeletons(token) for s in candidates if s)


def name_tokens(text: str | None) -> list[QueryToken]:
    """A name's tokens, each with its normalization key and its Latin skeleton candidates."""
    if not text or not text.strip():
        return []
    words = text.split()
    script = detect_script(text)
    if script == "mixed" and len(words) > 1:  # each word in its own script
        return [t for word in words for t in name_tokens(word)]
    if script == "mixed":  # one word of several scripts: read it in the script of most letters
        script = _main_script(text)
    if script == "arabic":
        keys = arabic_tokens(text)
    elif script == "hebrew":
        keys = hebrew_name_key(text).split()
    elif script == "latin":
        keys = latin_name_key(text).split()
    else:  # no letters (digits, punctuation): nothing to search by name
        return []
    return [QueryToken(key, _token_skeletons(key)) for key in keys if key]


def _main_script(word: str) -> Script:
    counts: Counter[Script] = Counter(detect_script(char) for char in word)
    counts.pop("unknown", None)
    counts.pop("mixed", None)
    return counts.most_common(1)[0][0] if counts else "unknown"


@dataclass
class NameIndex:
    """Token → the persons who have a record with it."""

    run_id: int
    exact: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    across: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))

    @classmethod
    def build(cls, project: Project, run_id: int) -> NameIndex:
        index = cls(run_id)
        for person_id, *names in name_rows(project):
            full, given, father, grandfather, family, latin = names
            texts = {full or " ".join(p for p in (given, father, grandfather, family) if p),
                     latin}
            for text in texts:
                for token in name_tokens(text):
                    index.exact[token.key].add(person_id)
                    for skeleton in token.skeletons:
                        index.across[skeleton].add(person_id)
        return index

    def search(self, query: str) -> dict[str, int]:
        """Person id → score for persons matching every token of the query."""
        scores: dict[str, int] | None = None
        for token in name_tokens(query):
            exact = self.exact.get(token.key, set())
            hits = {person: _EXACT for person in exact}
            for skeleton in token.skeletons:
                for person in self.across.get(skeleton, ()):
                    hits.setdefault(person, _ACROSS)
            if scores is None:
                scores = hits
            else:
                scores = {p: s + hits[p] for p, s in scores.items() if p in hits}
            if not scores:
                return {}
        return scores or {}


class PersonSearch:
    """Searches the latest link run's persons; safe to share between threads."""

    def __init__(self) -> None:
        self._index: NameIndex | None = None
        self._lock = threading.Lock()
        self._warming: threading.Thread | None = None

    def warm_up(self, open_project: Callable[[], AbstractContextManager[Project]]) -> None:
        """Build the latest run's index in a background thread, on a connection of its own
        (``open_project()`` opens the project for the thread), so the first search does not
        wait (seconds on 100,000 records) and other pages are not held up meanwhile."""

        def build() -> None:
            try:
                with open_project() as project:
                    run_id = latest_run_id(project)
                    if run_id is not None:
                        index = NameIndex.build(project, run_id)
                        with self._lock:
                            if self._index is None or self._index.run_id < index.run_id:
                                self._index = index
            except Exception:  # the project could not be read now: the first search builds it
                pass

        self._warming = threading.Thread(target=build, name="person-search-index", daemon=True)
        self._warming.start()

    def _name_index(self, project: Project, run_id: int) -> NameIndex:
        warming = self._warming
        if warming is not None:
            warming.join()
        with self._lock:
            if self._index is None or self._index.run_id != run_id:
                self._index = NameIndex.build(project, run_id)
            return self._index

    def search(
        self,
        project: Project,
        *,
        name: str | None = None,
        id_number: str | None = None,
        place: str | None = None,
        limit: int = MAX_RESULTS,
    ) -> dict[str, Any]:
        """Persons matching every criterion given, best name matches first."""
        run = latest_run(project)
        criteria = {"name": (name or "").strip(), "id_number": (id_number or "").strip(),
                    "place": (place or "").strip()}
        result: dict[str, Any] = {"run_id": run.run_id if run else None, "criteria": criteria,
                                  "total": 0, "persons": []}
        if run is None or not any(criteria.values()):
            return result
        candidates: dict[str, int] | None = None
        if criteria["name"]:
            candidates = self._name_index(project, run.run_id).search(criteria["name"])
        if criteria["id_number"] or criteria["place"]:
            found = persons_matching(
                project,
                id_number=(normalize_id(criteria["id_number"]) or criteria["id_number"])
                if criteria["id_number"] else None,
                place_pattern=f"%{criteria['place']}%" if criteria["place"] else None,
            )
            candidates = (
                dict.fromkeys(found, 0) if candidates is None
                else {p: s for p, s in candidates.items() if p in found}
            )
        assert candidates is not None
        ranked = sorted(candidates.items(), key=lambda item: (-item[1], item[0]))
        result["total"] = len(ranked)
        result["persons"] = person_summaries(project, [p for p, _ in ranked[:limit]],
                                             dict(ranked))
        return result


def person_summaries(
    project: Project, person_ids: list[str], scores: dict[str, int] | None = None
) -> list[dict[str, Any]]:
    """Each person with one name in each script found among their records."""
    if not person_ids:
        return []
    rows = person_summary_rows(project, person_ids)
    by_id = {
        str(r[0]): {
            "person_id": r[0], "n_records": r[1], "lists": list(r[2]), "sex": r[3],
            "age_years": jsonable(r[4]), "place": r[5], "date_of_death": jsonable(r[6]),
            "name": r[7] or None, "name_latin": r[8],
            "score": (scores or {}).get(str(r[0])),
        }
        for r in rows
    }
    return [by_id[p] for p in person_ids if p in by_id]
