"""Checks of a linkage against what its own records say, so that no run fails silently.

Two lists whose records share given and family names are likely to share people; a run that
links (almost) none of them has most likely failed (a model that learnt nothing, blocking that
found nothing), and it would push an estimate far up. A record with neither a name nor an ID
cannot be linked at all. These checks read the features and the clustering only.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

import pyarrow as pa

# A pair of lists is checked when this share of the smaller list's records (and at least
# MIN_SHARED records) shares its given and family name, in Latin letters, with the other list.
MIN_SHARED_SHARE: Final = 0.05
MIN_SHARED: Final = 10
# Fewer of the name-sharing records linked than this share of them is worth a warning.
MIN_LINKED_SHARE: Final = 0.2


@dataclass(frozen=True)
class ListOverlap:
    """Records of ``smaller`` whose given and family name appear in ``larger``, and how many
    of those records share a person with a record of ``larger``."""

    smaller: str
    larger: str
    records: int
    sharing_names: int
    linked: int

    @property
    def suspicious(self) -> bool:
        return (
            self.sharing_names >= MIN_SHARED
            and self.sharing_names >= MIN_SHARED_SHARE * self.records
            and self.linked < MIN_LINKED_SHARE * self.sharing_names
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "lists": [self.smaller, self.larger],
            "records": self.records,
            "sharing_given_and_family_name": self.sharing_names,
            "linked": self.linked,
        }

    def warning(self) -> str:
        return (
            f"lists '{self.smaller}' and '{self.larger}': {self.sharing_names:,} of the "
            f"{self.records:,} records of '{self.smaller}' share a given and family name with "
            f"'{self.larger}', but only {self.linked:,} were linked to it; the linkage has "
            "probably missed them (check the training summary, or review pairs)"
        )


def _name_key(row: Mapping[str, Any]) -> str | None:
    given, family = row.get("given_xskel"), row.get("family_xskel")
    return f"{given}|{family}" if given and family else None


def list_overlaps(features: pa.Table, person_of: Mapping[str, str]) -> list[ListOverlap]:
    """Every pair of lists, smaller first: how many records share names, how many linked."""
    rows = features.select(["unique_id", "list", "given_xskel", "family_xskel"]).to_pylist()
    keys_of: dict[str, set[str]] = {}
    persons_of: dict[str, set[str]] = {}
    records: dict[str, list[tuple[str | None, str | None]]] = {}
    for row in rows:
        name_list = str(row["list"])
        key = _name_key(row)
        person = person_of.get(str(row["unique_id"]))
        records.setdefault(name_list, []).append((key, person))
        if key is not None:
            keys_of.setdefault(name_list, set()).add(key)
        if person is not None:
            persons_of.setdefault(name_list, set()).add(person)
    names = sorted(records, key=lambda n: (len(records[n]), n))
    out = []
    for i, smaller in enumerate(names):
        for larger in names[i + 1 :]:
            other_keys = keys_of.get(larger, set())
            other_persons = persons_of.get(larger, set())
            own = records[smaller]
            out.append(
                ListOverlap(
                    smaller,
                    larger,
                    len(own),
                    sum(1 for key, _ in own if key is not None and key in other_keys),
                    sum(
                        1
                        for key, person in own
                        if key is not None and key in other_keys and person in other_persons
                    ),
                )
            )
    return out


def unreadable_records(features: pa.Table) -> dict[str, int]:
    """Per list, the records with neither a name part nor an ID number that linkage can read."""
    columns = ["list", "full_key", "id_number", "id_number_any"]
    out: dict[str, int] = {}
    for row in features.select(columns).to_pylist():
        if not row["full_key"] and not row["id_number"] and not row["id_number_any"]:
            out[str(row["list"])] = out.get(str(row["list"]), 0) + 1
    return out
