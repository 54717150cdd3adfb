"""Lists as capture systems: a list that copies another is not a second system.

Multiple systems estimation counts capture *systems*: independent ways a person can come to be
recorded. A list that republishes another (almost all of its persons are on the other, as the
Tech for Palestine list republishes the Gaza Ministry of Health's) adds no independent capture:
counted as a system of its own, it makes the overlap look far larger than chance and the
estimate of the unseen far too small, or, in a model that allows for the dependence, says
nothing. So before estimating, a list whose persons are (nearly) all on one other list is
merged into that list: a person on either counts as recorded by the one system.

Lists that cover another period or place than the others break the shared-population
assumption instead; ``period_warnings`` says so with the figures. Pure numerics: lists are
column names of a 0/1 table, dates are day numbers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import pandas as pd

# A list with this share or more of its persons on one other list is a copy or a subset of it.
COPY_SHARE: Final = 0.95
# Smaller lists are judged too noisy to call a copy: they are left as they are.
MIN_PERSONS: Final = 20
# A list whose central 90% of dates of death lies less than this much inside the others' is
# warned about.
MIN_PERIOD_OVERLAP: Final = 0.5
# When the other lists give no dates of death, a list whose dates span more than this (3 years)
# is named: nothing shows the others cover such a period.
MAX_UNCHECKED_SPAN_DAYS: Final = 3 * 365.25


@dataclass(frozen=True)
class Containment:
    """``name``'s persons are ``share`` on ``within``: a copy or a subset of it."""

    name: str
    within: str
    share: float
    persons: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "list": self.name,
            "within": self.within,
            "share": round(self.share, 4),
            "persons": self.persons,
            "reason": self.reason(),
        }

    def reason(self) -> str:
        return (
            f"list '{self.name}' is a copy or subset of '{self.within}': {self.share:.1%} of its "
            f"{self.persons:,} persons are also on '{self.within}', so it is not an "
            f"independent capture system; merged into '{self.within}' for the estimate"
        )


def contained_lists(
    memberships: pd.DataFrame, lists: Sequence[str], *, share: float = COPY_SHARE
) -> list[Containment]:
    """Lists whose persons are at least ``share`` on one other, larger (or equal) list; each
    with the list holding most of them. Of two mutual copies the smaller is named."""
    on = {name: memberships[name].to_numpy().astype(bool) for name in lists}
    sizes = {name: int(on[name].sum()) for name in lists}
    found = []
    for name in sorted(lists, key=lambda n: (sizes[n], n)):
        if sizes[name] < MIN_PERSONS:
            continue
        best: tuple[float, str] | None = None
        for other in lists:
            if other == name or sizes[other] < sizes[name]:
                continue
            if sizes[other] == sizes[name] and other < name:
                continue
            inside = float((on[name] & on[other]).sum()) / sizes[name]
            if inside >= share and (best is None or inside > best[0]):
                best = (inside, other)
        if best is not None:
            found.append(Containment(name, best[1], best[0], sizes[name]))
    return found


def merge_contained(
    memberships: pd.DataFrame, lists: Sequence[str], containments: Sequence[Containment]
) -> tuple[pd.DataFrame, list[str]]:
    """The table with each contained list's column merged (or) into the list that holds it,
    following chains (a copy of a copy goes to the original), and the remaining lists."""
    target = {c.name: c.within for c in containments}

    def root(name: str) -> str:
        seen = set()
        while name in target and name not in seen:
            seen.add(name)
            name = target[name]
        return name

    out = memberships.copy()
    for name in target:
        keep = root(name)
        out[keep] = (out[keep].astype(bool) | out[name].astype(bool)).astype(int)
    kept = [n for n in lists if n not in target]
    return out.drop(columns=list(target)), kept


def period_warnings(
    days: Mapping[str, Sequence[float]], lists: Sequence[str] = ()
) -> list[dict[str, Any]]:
    """Lists whose central 90% of dates of death (day numbers) lies mostly outside the span of
    the other lists' central 90%: another period, maybe another population. When no other list
    of ``lists`` dates its deaths, a list whose own dates span more than
    ``MAX_UNCHECKED_SPAN_DAYS`` is named too (``share_inside`` None): nothing shows that the
    others cover its period."""
    spans = {
        name: (float(np.quantile(values, 0.05)), float(np.quantile(values, 0.95)), len(values))
        for name, values in days.items()
        if len(values) >= MIN_PERSONS
    }
    out: list[dict[str, Any]] = []
    for name, (low, high, n) in spans.items():
        others = [s for other, s in spans.items() if other != name]
        if not others:
            undated = [other for other in lists if other != name and other not in days]
            if undated and high - low > MAX_UNCHECKED_SPAN_DAYS:
                out.append(
                    {
                        "list": name,
                        "from_day": low,
                        "to_day": high,
                        "others_from_day": None,
                        "others_to_day": None,
                        "share_inside": None,
                        "records": n,
                        "undated_lists": undated,
                    }
                )
            continue
        other_low = min(s[0] for s in others)
        other_high = max(s[1] for s in others)
        width = max(high - low, 1.0)
        inside = max(0.0, min(high, other_high) - max(low, other_low)) / width
        if inside < MIN_PERIOD_OVERLAP:
            out.append(
                {
                    "list": name,
                    "from_day": low,
                    "to_day": high,
                    "others_from_day": other_low,
                    "others_to_day": other_high,
                    "share_inside": round(inside, 3),
                    "records": n,
                }
            )
    return out
