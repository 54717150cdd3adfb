"""The knobs of a synthetic conflict: who died when and where, and how each list records them.

Everything here is plain data (frozen dataclasses), so a configuration can be printed, compared
and stored next to the files it produced.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Literal

# "both": Arabic and Latin names of the Arabic population; "hebrew": Hebrew script (the Hebrew
# population); "latin" lists of the Hebrew population carry English transliterations.
Script = Literal["arabic", "latin", "both", "hebrew"]
RowOrder = Literal["random", "age", "date_of_death", "name"]
PopulationName = Literal["gaza", "hebrew"]
PlaceStyle = Literal[
    "governorate_en", "governorate_ar", "town_en", "town_ar", "region_he", "town_he"
]

GOVERNORATES: tuple[str, ...] = ("North Gaza", "Gaza", "Deir al-Balah", "Khan Younis", "Rafah")
AGE_GROUPS: tuple[str, ...] = ("0-17", "18-59", "60+")
SEXES: tuple[str, ...] = ("male", "female")


@dataclass(frozen=True)
class Wave:
    """A stretch of the conflict: its share of all deaths and where they happened."""

    start: date
    end: date
    share: float
    # Weights over GOVERNORATES, in that order.
    places: tuple[float, float, float, float, float]


DEFAULT_WAVES: tuple[Wave, ...] = (
    Wave(date(2023, 10, 7), date(2023, 11, 23), 0.40, (0.28, 0.36, 0.10, 0.16, 0.10)),
    Wave(date(2023, 11, 24), date(2023, 11, 30), 0.005, (0.30, 0.30, 0.10, 0.20, 0.10)),
    Wave(date(2023, 12, 1), date(2024, 1, 31), 0.30, (0.14, 0.24, 0.16, 0.32, 0.14)),
    Wave(date(2024, 2, 1), date(2024, 4, 30), 0.14, (0.14, 0.26, 0.20, 0.20, 0.20)),
    Wave(date(2024, 5, 1), date(2024, 8, 31), 0.155, (0.14, 0.24, 0.22, 0.15, 0.25)),
)


# The Hebrew population: most deaths on 7 October 2023, the rest in the weeks after (of wounds,
# bodies identified late) and over the months of war that followed. Places are of residence:
# Gaza envelope, South, Centre, Jerusalem, North (see uncounted.simulate.geography.ISRAEL).
HEBREW_WAVES: tuple[Wave, ...] = (
    Wave(date(2023, 10, 7), date(2023, 10, 7), 0.62, (0.45, 0.12, 0.28, 0.06, 0.09)),
    Wave(date(2023, 10, 8), date(2023, 10, 31), 0.08, (0.20, 0.20, 0.30, 0.12, 0.18)),
    Wave(date(2023, 11, 1), date(2024, 8, 31), 0.30, (0.04, 0.20, 0.38, 0.15, 0.23)),
)


@dataclass(frozen=True)
class RecordingErrors:
    """Per-record probabilities of each kind of recording error in one list."""

    name_typo: float = 0.05  # letter confusions (ة/ه, ى/ي, hamza), dropped or doubled letters
    name_split: float = 0.01  # a letter or prefix split off a word, as PDF extraction does
    name_part_dropped: float = 0.02  # father's or grandfather's name left out
    name_parts_swapped: float = 0.01  # father's and grandfather's names in the wrong order
    id_missing: float = 0.03
    id_digit_wrong: float = 0.01  # one digit off: the check digit no longer fits
    id_transposed: float = 0.005  # two neighbouring digits swapped
    id_of_relative: float = 0.003  # a household member's ID written instead
    dob_missing: float = 0.02
    dob_placeholder: float = 0.04  # only the year was known: written as YYYY-01-01
    dob_year_drift: float = 0.01  # the birth year off by one
    age_heaping: float = 0.25  # ages of 15 and over rounded to a multiple of five
    age_off_by_one: float = 0.05  # age counted at a different date than the death
    sex_wrong: float = 0.005
    place_wrong: float = 0.02  # a neighbouring governorate
    place_missing: float = 0.02
    death_date_shift: float = 0.08  # one to three days off
    duplicate: float = 0.015  # the same person entered twice, each entry with its own errors

    def scaled(self, factor: float) -> RecordingErrors:
        """The same error profile with every rate multiplied by ``factor`` (capped at 1)."""
        values = {
            name: min(1.0, getattr(self, name) * factor) for name in self.__dataclass_fields__
        }
        return RecordingErrors(**values)


NO_ERRORS = RecordingErrors().scaled(0.0)


@dataclass(frozen=True)
class ListFormat:
    """How one list writes its rows: column headers, codes and date format.

    ``columns`` pairs each header with the field it holds. Fields: ``row_id``, ``name_ar``,
    ``name_latin``, ``given_ar``, ``father_ar``, ``grandfather_ar``, ``family_ar``,
    ``id_number``, ``date_of_birth``, ``age``, ``sex``, ``place``, ``date_of_death``,
    ``event_date`` (the date of the attack or incident: the household's date, which is days
    before the date of death of those who died of their wounds), and for the Hebrew
    population ``name_he``, ``given_he``, ``family_he``, ``given_latin``, ``family_latin``.
    """

    columns: tuple[tuple[str, str], ...]
    sex_labels: tuple[str, str] = ("M", "F")  # (male, female)
    date_format: str = "%Y-%m-%d"
    place_style: PlaceStyle = "governorate_en"


@dataclass(frozen=True)
class ListDesign:
    """One capture system: how likely it records each victim, and how it writes them down.

    Capture model, on the log-odds scale::

        logit P(on list) = intercept + sum(effects that apply) + latent_loading * visibility
                           + sum(depends_on[other] for every earlier list that has the victim)

    ``capture_rate`` is the share of all victims the list should hold; the intercept is solved
    for it, so effects shift who is recorded, not how many. ``effects`` keys are
    ``age=0-17|18-59|60+``, ``sex=male|female``, ``governorate=<name>`` and
    ``period=YYYY-MM`` or ``period=YYYY-MM..YYYY-MM`` (months of death, inclusive).
    ``depends_on`` names lists earlier in the order: a negative value is a list that goes
    looking for the people another list missed.
    """

    name: str
    script: Script
    capture_rate: float
    format: ListFormat
    effects: dict[str, float] = field(default_factory=dict)
    depends_on: dict[str, float] = field(default_factory=dict)
    latent_loading: float = 0.5
    # Romanization conventions and their shares (latin and both scripts only).
    conventions: dict[str, float] = field(default_factory=dict)
    five_part_share: float = 0.03  # names written with the great-grandfather's name too
    spaced_compound_share: float = 0.1  # عبد الله rather than عبدالله, ابو X rather than ابوX
    hamza_share: float = 0.1  # أحمد rather than احمد
    errors: RecordingErrors = field(default_factory=RecordingErrors)
    order: RowOrder = "random"
    # How a field list writes names (see :mod:`uncounted.simulate.styles`). The defaults write
    # every name in full, as registers do, and leave the random draws of the lists above alone.
    # Shares of names written with 2 parts (given + family), 3 (given + father + family) or 4
    # (the full name); empty: all in full.
    name_parts: dict[int, float] = field(default_factory=dict)
    kunya_share: float = 0.0  # a kunya or nickname added: "Abu Zaki", أم محمد, "Hamada"
    title_share: float = 0.0  # a title before the name: الحاج, الشهيد, Dr., Eng., Mrs.
    arabic_share: float = 1.0  # rows of a "both" list that carry the Arabic name too
    age_share: float = 1.0  # rows that give an age at all (a gap in the list, not an error)
    sex_share: float = 1.0  # rows that give a sex at all
    description: str = ""  # plain words for the manifest


MOH_HOSPITALS = ListDesign(
    name="moh_hospitals",
    script="arabic",
    capture_rate=0.70,
    format=ListFormat(
        columns=(
            ("id", "row_id"),
            ("name", "name_ar"),
            ("gov_id", "id_number"),
            ("dob", "date_of_birth"),
            ("sex", "sex"),
            ("age", "age"),
        ),
        sex_labels=("M", "F"),
        date_format="%Y-%m-%d",
    ),
    effects={
        "age=0-17": 0.3,
        "sex=female": 0.2,
        "governorate=North Gaza": -0.7,
        "period=2024-05..2024-08": -0.5,
    },
    latent_loading=0.6,
    five_part_share=0.03,
    spaced_compound_share=0.02,
    hamza_share=0.0,
    order="age",
)

FAMILY_REPORTS = ListDesign(
    name="family_reports",
    script="arabic",
    capture_rate=0.35,
    format=ListFormat(
        columns=(
            ("الرقم", "row_id"),
            ("الاسم الأول", "given_ar"),
            ("اسم الأب", "father_ar"),
            ("اسم الجد", "grandfather_ar"),
            ("اسم العائلة", "family_ar"),
            ("رقم الهوية", "id_number"),
            ("العمر", "age"),
            ("الجنس", "sex"),
            ("المحافظة", "place"),
            ("تاريخ الاستشهاد", "date_of_death"),
        ),
        sex_labels=("ذكر", "أنثى"),
        date_format="%d/%m/%Y",
        place_style="governorate_ar",
    ),
    effects={
        "sex=male": 0.3,
        "age=18-59": 0.3,
        "governorate=Rafah": 0.4,
        "governorate=North Gaza": -0.5,
    },
    # The families' form was set up to collect the dead that hospitals never saw.
    depends_on={"moh_hospitals": -1.6},
    latent_loading=0.4,
    five_part_share=0.0,
    spaced_compound_share=0.5,
    hamza_share=0.5,
    errors=RecordingErrors(name_typo=0.08, id_missing=0.08, age_heaping=0.4, duplicate=0.03),
)

NGO_FIELD = ListDesign(
    name="ngo_field",
    script="both",
    capture_rate=0.30,
    format=ListFormat(
        columns=(
            ("record_id", "row_id"),
            ("name_ar", "name_ar"),
            ("name_en", "name_latin"),
            ("gender", "sex"),
            ("date_of_birth", "date_of_birth"),
            ("governorate", "place"),
            ("date_of_death", "date_of_death"),
            ("id_no", "id_number"),
        ),
        sex_labels=("male", "female"),
        date_format="%d/%m/%Y",
        place_style="governorate_en",
    ),
    effects={"governorate=Gaza": 0.5, "governorate=Rafah": -0.3, "age=60+": -0.4},
    depends_on={"moh_hospitals": 0.8},
    latent_loading=0.6,
    conventions={"english": 0.6, "phonetic": 0.3, "academic": 0.1},
    five_part_share=0.08,
    spaced_compound_share=0.3,
    hamza_share=0.6,
    order="date_of_death",
)

PRESS_OBITUARIES = ListDesign(
    name="press_obituaries",
    script="latin",
    capture_rate=0.12,
    format=ListFormat(
        columns=(
            ("Full name", "name_latin"),
            ("Age", "age"),
            ("Sex", "sex"),
            ("Location", "place"),
            ("Date", "date_of_death"),
        ),
        sex_labels=("Male", "Female"),
        date_format="%d %b %Y",
        place_style="town_en",
    ),
    effects={"sex=male": 0.8, "age=18-59": 1.0, "age=0-17": -0.6},
    depends_on={"ngo_field": 1.0},
    latent_loading=0.8,
    conventions={"english": 0.5, "french": 0.3, "academic": 0.2},
    five_part_share=0.0,
    errors=RecordingErrors(id_missing=1.0, age_heaping=0.35, place_missing=0.05),
)

CIVIL_DEFENCE = ListDesign(
    name="civil_defence",
    script="arabic",
    capture_rate=0.18,
    format=ListFormat(
        columns=(
            ("م", "row_id"),
            ("الاسم رباعي", "name_ar"),
            ("العمر", "age"),
            ("الجنس", "sex"),
            ("المنطقة", "place"),
            ("تاريخ الانتشال", "date_of_death"),
        ),
        sex_labels=("ذكر", "أنثى"),
        date_format="%d-%m-%Y",
        place_style="town_ar",
    ),
    effects={
        "governorate=North Gaza": 0.6,
        "governorate=Gaza": 0.4,
        "period=2023-10..2023-12": 0.5,
    },
    depends_on={"moh_hospitals": -0.8, "family_reports": 0.5},
    latent_loading=0.2,
    spaced_compound_share=0.3,
    hamza_share=0.2,
    errors=RecordingErrors(name_typo=0.1, name_split=0.03, id_missing=1.0, age_heaping=0.5),
)

UN_VERIFIED = ListDesign(
    name="un_verified",
    script="latin",
    capture_rate=0.15,
    format=ListFormat(
        columns=(
            ("Name", "name_latin"),
            ("Sex", "sex"),
            ("Age", "age"),
            ("Governorate", "place"),
            ("Incident date", "date_of_death"),
            ("ID", "id_number"),
        ),
        sex_labels=("M", "F"),
        date_format="%Y-%m-%d",
        place_style="governorate_en",
    ),
    effects={"age=0-17": 0.4, "sex=female": 0.4},
    depends_on={"moh_hospitals": 1.2, "ngo_field": 0.8},
    latent_loading=0.5,
    conventions={"academic": 0.7, "english": 0.3},
    five_part_share=0.05,
    errors=RecordingErrors().scaled(0.4),
)

# A field NGO's list, written by teams that visit families and sites of attacks: names in Latin
# script, often with the Arabic beside them, as the family gave them (given and family name,
# sometimes the father's), with kunyas, nicknames and titles; no ID numbers; the date of the
# attack rather than of death; an age for about half of the people. Not one of the defaults:
# ``--field-list`` (or ``lists=with_field_list(n)``) adds it after the default lists.
FIELD_NGO = ListDesign(
    name="field_ngo",
    script="both",
    capture_rate=0.25,
    format=ListFormat(
        columns=(
            ("No.", "row_id"),
            ("Name", "name_latin"),
            ("Name (Arabic)", "name_ar"),
            ("Sex", "sex"),
            ("Age", "age"),
            ("Area", "place"),
            ("Incident date", "event_date"),
        ),
        sex_labels=("Male", "Female"),
        date_format="%d/%m/%Y",
        place_style="town_en",
    ),
    effects={
        "governorate=North Gaza": 0.5,
        "governorate=Gaza": 0.3,
        "period=2023-10..2023-12": 0.4,
        "age=60+": -0.3,
    },
    latent_loading=0.6,
    conventions={"english": 0.7, "phonetic": 0.2, "french": 0.1},
    five_part_share=0.0,
    spaced_compound_share=0.4,
    hamza_share=0.5,
    errors=RecordingErrors(
        name_typo=0.06,
        name_split=0.0,
        name_part_dropped=0.0,
        name_parts_swapped=0.0,
        id_missing=1.0,
        age_heaping=0.4,
        sex_wrong=0.01,
        place_wrong=0.03,
        place_missing=0.05,
        death_date_shift=0.1,
        duplicate=0.02,
    ),
    order="date_of_death",
    name_parts={2: 0.5, 3: 0.5},
    kunya_share=0.1,
    title_share=0.12,
    arabic_share=0.6,
    age_share=0.5,
    sex_share=0.85,
    description=(
        "a field NGO's list: Latin names, Arabic beside them in about 60% of rows; 2 or 3 name "
        "parts; kunyas, nicknames and titles; no ID numbers; incident dates; age in about half "
        "of the rows"
    ),
)

DEFAULT_LISTS: tuple[ListDesign, ...] = (
    MOH_HOSPITALS,
    FAMILY_REPORTS,
    NGO_FIELD,
    PRESS_OBITUARIES,
    CIVIL_DEFENCE,
    UN_VERIFIED,
)


# The Hebrew population's lists (``population="hebrew"``): a Hebrew victims list compiled from
# the press (given and family name columns, age, sex, place of residence, date of death, no
# IDs), an English news list beside it (transliterated names, no IDs), and an official register
# with ID numbers and dates of birth.
_HEBREW_LIST_ERRORS = dict(name_split=0.0, name_part_dropped=0.0, name_parts_swapped=0.0)
HEBREW_VICTIMS = ListDesign(
    name="hebrew_victims",
    script="hebrew",
    capture_rate=0.85,
    format=ListFormat(
        columns=(
            ("שם פרטי", "given_he"),
            ("שם משפחה", "family_he"),
            ("גיל", "age"),
            ("מין", "sex"),
            ("מקום מגורים", "place"),
            ("תאריך פטירה", "date_of_death"),
        ),
        sex_labels=("זכר", "נקבה"),
        date_format="%d/%m/%Y",
        place_style="town_he",
    ),
    effects={"governorate=Gaza envelope": 0.5, "period=2023-10": 0.5},
    latent_loading=0.5,
    errors=RecordingErrors(
        name_typo=0.03,
        id_missing=1.0,
        age_heaping=0.05,
        age_off_by_one=0.04,
        place_wrong=0.02,
        place_missing=0.04,
        death_date_shift=0.1,
        duplicate=0.01,
        **_HEBREW_LIST_ERRORS,
    ),
    age_share=0.97,
    sex_share=0.9,
    description="a Hebrew victims list compiled from the press: given and family name columns, "
    "age, sex, place of residence, date of death; no ID numbers",
)

LATIN_NEWS = ListDesign(
    name="latin_news",
    script="latin",
    capture_rate=0.55,
    format=ListFormat(
        columns=(
            ("Name", "name_latin"),
            ("Age", "age"),
            ("Hometown", "place"),
            ("Date of death", "date_of_death"),
        ),
        date_format="%d %B %Y",
        place_style="town_en",
    ),
    effects={"age=18-59": 0.3, "governorate=Gaza envelope": 0.4, "period=2023-10": 0.6},
    depends_on={"hebrew_victims": 0.8},
    latent_loading=0.8,
    errors=RecordingErrors(
        name_typo=0.03,
        id_missing=1.0,
        age_heaping=0.1,
        age_off_by_one=0.05,
        place_wrong=0.03,
        place_missing=0.1,
        death_date_shift=0.05,
        duplicate=0.01,
        **_HEBREW_LIST_ERRORS,
    ),
    age_share=0.85,
    description="an English news list: transliterated names (Cohen/Kohen, Yosef/Yossi/Joseph, "
    "double family names), age, hometown, date of death; no ID numbers, no sex",
)

NATIONAL_REGISTER = ListDesign(
    name="national_register",
    script="hebrew",
    capture_rate=0.75,
    format=ListFormat(
        columns=(
            ("מספר זהות", "id_number"),
            ("שם מלא", "name_he"),
            ("תאריך לידה", "date_of_birth"),
            ("מין", "sex"),
            ("מחוז", "place"),
            ("תאריך פטירה", "date_of_death"),
        ),
        sex_labels=("ז", "נ"),
        date_format="%Y-%m-%d",
        place_style="region_he",
    ),
    effects={"age=0-17": 0.3, "age=60+": 0.3},
    latent_loading=0.3,
    errors=RecordingErrors(
        name_typo=0.02,
        id_missing=0.02,
        id_digit_wrong=0.005,
        id_transposed=0.003,
        id_of_relative=0.0,
        dob_missing=0.01,
        dob_placeholder=0.01,
        dob_year_drift=0.005,
        age_heaping=0.0,
        age_off_by_one=0.0,
        sex_wrong=0.002,
        place_wrong=0.01,
        place_missing=0.01,
        death_date_shift=0.03,
        duplicate=0.005,
        **_HEBREW_LIST_ERRORS,
    ),
    description="an official register: Hebrew full name, ID number with check digit, date of "
    "birth, sex, district, date of death",
)

HEBREW_LISTS: tuple[ListDesign, ...] = (HEBREW_VICTIMS, LATIN_NEWS, NATIONAL_REGISTER)


def with_field_list(n_lists: int = 4) -> tuple[ListDesign, ...]:
    """The first ``n_lists`` default designs and the field NGO's list after them."""
    if not 1 <= n_lists <= len(DEFAULT_LISTS):
        raise ValueError(f"n_lists must be between 1 and {len(DEFAULT_LISTS)}")
    return (*DEFAULT_LISTS[:n_lists], FIELD_NGO)


@dataclass(frozen=True)
class ConflictConfig:
    """A whole synthetic conflict. Same config, same files, byte for byte.

    ``lists`` overrides the default designs; otherwise the first ``n_lists`` of
    ``DEFAULT_LISTS`` are used. ``population="hebrew"`` simulates the Hebrew population
    instead (:mod:`uncounted.simulate.hebrew`): its lists are the first ``n_lists`` of
    ``HEBREW_LISTS`` (all three when ``n_lists`` is larger), and its waves ``HEBREW_WAVES``
    unless ``waves`` is set.
    """

    n_victims: int = 20000
    n_lists: int = 4
    seed: int = 1
    lists: tuple[ListDesign, ...] | None = None
    waves: tuple[Wave, ...] = DEFAULT_WAVES
    # How strongly a household shares its visibility to the lists (0 = not at all, 1 = fully).
    household_visibility_share: float = 0.5
    share_without_id: float = 0.01  # victims who never had an ID number (mostly infants)
    error_scale: float = 1.0  # multiplies every list's error rates; 0 gives clean lists
    # Written to the manifest only when not "gaza", so that earlier manifests stay as they were.
    population: PopulationName = "gaza"

    def list_designs(self) -> tuple[ListDesign, ...]:
        if self.population not in ("gaza", "hebrew"):
            raise ValueError(f"population must be 'gaza' or 'hebrew', not {self.population!r}")
        if self.lists is not None:
            return self.lists
        if self.population == "hebrew":
            if self.n_lists < 1:
                raise ValueError("n_lists must be at least 1")
            return HEBREW_LISTS[: self.n_lists]
        if not 1 <= self.n_lists <= len(DEFAULT_LISTS):
            raise ValueError(
                f"n_lists must be between 1 and {len(DEFAULT_LISTS)} without custom list designs"
            )
        return DEFAULT_LISTS[: self.n_lists]

    def wave_plan(self) -> tuple[Wave, ...]:
        """The waves the population dies in: ``waves``, or the Hebrew population's own."""
        if self.population == "hebrew" and self.waves == DEFAULT_WAVES:
            return HEBREW_WAVES
        return self.waves
