"""How a scored pair's comparisons read on the `review` screen: one row per comparison, with
what each record gives for it, the level in plain words and its weight.

The model's own level labels are written for the model ("missing (a value is empty)", "All
other comparisons", and "ambiguous: A / B" when two levels carry the same weight, so the stored
weight cannot tell them apart). With both records at hand most of that can be said plainly:
whether a side is empty is read from the records themselves.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

from uncounted.link.explain import MISSING_LABEL

AMBIGUOUS: Final = "ambiguous: "
ELSE_LABEL: Final = "All other comparisons"


def _name(record: dict[str, Any]) -> str | None:
    parts = [record.get(k) for k in ("given_name", "father_name", "grandfather_name",
                                     "family_name")]
    joined = " ".join(str(p) for p in parts if p)
    return record.get("full_name") or joined or record.get("full_name_latin") or None


def _id(record: dict[str, Any]) -> str | None:
    number = record.get("id_number")
    if not number:
        return None
    check = record.get("id_check")
    return f"{number} ({check})" if check else str(number)


def _age(record: dict[str, Any]) -> str | None:
    age, born = record.get("age_years"), record.get("date_of_birth")
    shown = [] if age is None else [f"age {age:g}" if isinstance(age, float) else f"age {age}"]
    if born:
        shown.append(f"born {born}")
    return ", ".join(shown) or None


def _field(key: str) -> Callable[[dict[str, Any]], str | None]:
    def value(record: dict[str, Any]) -> str | None:
        found = record.get(key)
        return None if found is None or found == "" else str(found)

    return value


def _source(record: dict[str, Any]) -> str | None:
    release = record.get("release")
    return f"{record.get('list')}, release {release}" if release else record.get("list")


# comparison → what a record gives for it (None: nothing)
COMPARED: Final[dict[str, Callable[[dict[str, Any]], str | None]]] = {
    "name": _name,
    "id": _id,
    "age": _age,
    "sex": _field("sex"),
    "death": _field("date_of_death"),
    "source": _source,
}

# what "All other comparisons" (no level above took the pair) means, per comparison
DIFFER: Final[dict[str, str]] = {
    "name": "names differ",
    "id": "different ID numbers",
    "age": "ages over 3 years apart",
    "sex": "different sex",
    "death": "died over 3 days apart",
    "source": "different lists",
}


def compared_value(comparison: str, record: dict[str, Any]) -> str | None:
    read = COMPARED.get(comparison)
    return None if read is None else read(record)


def _missing_words(left: str | None, right: str | None) -> str:
    if left is None and right is None:
        return "both missing"
    if left is None or right is None:
        return "one side missing"
    return "not compared: a value is empty"  # one this screen does not show


def plain_level(comparison: str, level: str, left: str | None, right: str | None) -> str:
    """The level of one comparison in plain words, given what each record gives for it."""
    if level == MISSING_LABEL:
        return _missing_words(left, right)
    if level == ELSE_LABEL:
        return DIFFER.get(comparison, "differ")
    if level.startswith(AMBIGUOUS):
        known = comparison in COMPARED
        alternatives = level.removeprefix(AMBIGUOUS).split(" / ")
        if MISSING_LABEL in alternatives and known and (left is None or right is None):
            return _missing_words(left, right)
        words = [plain_level(comparison, a, left, right) for a in alternatives
                 if not (a == MISSING_LABEL and known)]
        return " or ".join(words) + " (equal weights)" if len(words) > 1 else words[0]
    return level


def comparison_rows(details: dict[str, Any]) -> list[tuple[str, str, str, str, str]]:
    """(comparison, left value, right value, level in words, weight) per comparison of the
    pair, in the model's order; empty when the model did not score the pair."""
    pair = details.get("pair")
    if pair is None:
        return []
    rows = []
    for c in pair["comparisons"]:
        name = c["comparison"]
        left = compared_value(name, details["left"])
        right = compared_value(name, details["right"])
        weight = c["weight"]
        rows.append((
            name,
            "—" if left is None else left,
            "—" if right is None else right,
            plain_level(name, c["level"], left, right),
            "—" if weight is None else f"{weight:+.2f}",
        ))
    return rows
