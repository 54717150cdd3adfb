"""List overlap: persons by the combination of lists that recorded them (an UpSet plot's data).

For a list published in several releases, the same is given over its releases: which
releases carried each of its persons (who was added, who dropped out).
"""

from __future__ import annotations

from typing import Any, Final

from uncounted.store.lists import list_names, lists_with_several_releases, release_dates
from uncounted.store.person_counts import list_combinations, persons_per_list, release_combinations
from uncounted.store.project import Project

MAX_COMBINATIONS: Final = 24


def overlap_section(project: Project) -> dict[str, Any]:
    lists = list_names(project)
    sizes = {name: count for name, count, _ in persons_per_list(project)}
    releases = []
    for name in lists_with_several_releases(project):
        releases.append(_release_overlap(project, name))
    return {
        "sets": lists,
        "set_sizes": [int(sizes.get(name, 0)) for name in lists],
        "combinations": _combinations(list_combinations(project)),
        "releases": releases,
    }


def _release_overlap(project: Project, list_name: str) -> dict[str, Any]:
    combos = release_combinations(project, list_name)
    releases = [d.isoformat() for d in release_dates(project, list_name)]
    return {
        "list": list_name,
        "sets": releases,
        "set_sizes": [sum(n for c, n in combos if r in c) for r in releases],
        "combinations": _combinations(combos),
    }


def _combinations(combos: list[tuple[list[str], int]]) -> dict[str, Any]:
    shown = combos[:MAX_COMBINATIONS]
    rest = combos[MAX_COMBINATIONS:]
    return {
        "shown": [{"sets": c, "persons": n} for c, n in shown],
        "others": {"combinations": len(rest), "persons": sum(n for _, n in rest)},
        "total": sum(n for _, n in combos),
    }
