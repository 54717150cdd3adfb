"""The canonical fields a source column can be mapped onto."""

from __future__ import annotations

from typing import Final

NAME_FIELDS: Final = (
    "full_name",
    "given_name",
    "father_name",
    "grandfather_name",
    "family_name",
    "full_name_latin",
)
TEXT_FIELDS: Final = (*NAME_FIELDS, "place", "id_number")
CODED_FIELDS: Final = ("sex", "status")
DATE_FIELDS: Final = ("date_of_birth", "date_of_death", "event_date")
NUMBER_FIELDS: Final = ("age_years",)

CANONICAL_FIELDS: Final = (*TEXT_FIELDS, *CODED_FIELDS, *NUMBER_FIELDS, *DATE_FIELDS)

SEX_VALUES: Final = ("male", "female")
STATUS_VALUES: Final = ("killed", "injured", "detained", "missing")
