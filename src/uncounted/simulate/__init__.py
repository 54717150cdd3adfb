"""uncounted.simulate: synthetic conflicts with known truth, for the demo, tests and benchmarks.

Use::

    sim = simulate_conflict(ConflictConfig(n_victims=20000, n_lists=4, seed=1), progress=None)
    manifest = write_simulation(sim, "outdir")
    # the default lists and a field NGO's list; the Hebrew population and its lists
    ConflictConfig(n_victims=20000, lists=with_field_list(4), seed=1)
    ConflictConfig(n_victims=2000, population="hebrew", seed=1)

``outdir`` then holds one CSV per list, ``truth.csv`` (list, row_number, person_id,
extra_copy, errors: one row per list row; ``errors`` also names a field list's writing styles:
``name_2_parts``, ``name_3_parts``, ``kunya``, ``nickname``, ``title``, ``latin_only``,
``age_missing``, ``sex_missing``), ``persons.csv`` (every victim's true attributes and
list memberships, including victims on no list), ``truth.json`` (true total, numbers per list,
per stratum of age group x sex x governorate, and capture-pattern counts) and
``manifest.json`` (the config, each list's column layout, each file's SHA-256).
Same config and seed give byte-identical files.

The model, in plain words
-------------------------
*Victims.* Deaths come in households: about half of the victims die alone (mostly men of
fighting age; ages and sexes drawn from the real age-by-sex table), the rest with 1 to 40
members of their household (head, wife, children, the head's siblings, his parents).
Households of brothers form a clan. Names follow the Gaza pattern given - father -
grandfather - (great-grandfather) - family, with the lineage shared exactly as it is in life:
a child's father name is the head's given name, brothers share father, grandfather and family,
a wife keeps her own father's line (and in 30% of marriages her husband's family name). So
many different victims have near-identical names, which is what makes linkage hard. Given,
father and grandfather names come from token frequencies mined from a Ministry of Health list
(``scripts/mine_name_frequencies.py``; only tokens of at least five people); family names are
invented with the real frequency profile, so that no simulated person bears a real victim's
name (see :mod:`uncounted.simulate.names`).

*When and where.* Each household dies on one date (10% of members a few days later, of their
wounds), in waves from 2023-10-07 to 2024-08-31 whose places shift south over time, in one of
the five governorates and one of 16 towns. True date of birth and age are consistent; IDs are
unique, 9 digits, with a valid check digit and the leading digit of the birth cohort
(9 before 1980, 8 to 1991, 4 after); about 1% (mostly babies) have none.

*Who is recorded.* Each list is a :class:`ListDesign`: a share of all victims to capture,
log-odds effects of age group, sex, governorate and month of death, a loading on a latent
visibility shared by the household (positive dependence between all lists), and explicit
dependence on earlier lists (negative for a families' survey set up to fill the hospitals'
gaps). The six default designs: ``moh_hospitals`` (Arabic, MoH-like columns), ``family_reports``
(Arabic, name parts in separate columns, Arabic headers and codes), ``ngo_field`` (Arabic and
Latin names), ``press_obituaries`` (Latin only, towns, no IDs), ``civil_defence`` (Arabic,
towns, no IDs) and ``un_verified`` (Latin, academic romanization).

*Lists not in the defaults.* ``FIELD_NGO`` (``field_ngo``; ``with_field_list(n)``, CLI
``--field-list``) is a field NGO's list: Latin names with the Arabic beside them in about 60%
of rows, written with 2 or 3 parts (given + family, given + father + family; a compound family
name such as ابوX / Abu X is one part and stays whole), a kunya or nickname in 10% of rows
("Abu Zaki", أم محمد, Hamada; in quotes, backticks or brackets, before the name or instead of
the given name), a title in 12% (الحاج، الشهيد، الدكتور، المهندس، الشيخ، السيدة; Hajj,
Martyr, Dr., Eng., Sheikh, Mrs.), no ID numbers, the incident date (``event_date``: the day
of the attack, days before the death of those who died of their wounds), an age in half of the
rows and a sex in 85% (:mod:`uncounted.simulate.styles`). ``ListDesign`` fields
``name_parts``, ``kunya_share``, ``title_share``, ``arabic_share``, ``age_share`` and
``sex_share`` make other such lists; at their defaults they draw nothing, so the default lists'
files are unchanged (``tests/simulate/test_default_output_pinned.py`` holds them byte for
byte).

*The Hebrew population* (``ConflictConfig(population="hebrew")``, CLI ``--population
hebrew``; :mod:`uncounted.simulate.hebrew`): Israelis killed from 7 October 2023 (most that
day, ``HEBREW_WAVES``), alone (young adults, mostly men) or with their families; given and
family names from small tables of common Hebrew names written from general knowledge, with
Hebrew spellings (יוסי for יוסף, סיון / סיוון) and English transliterations (Yosef, Yossi,
Joseph; Cohen, Kohen); some wives carry a double family name (כהן-לוי, Cohen-Levi) that lists
write whole, spaced or halved; places of residence in five regions of Israel
(:data:`uncounted.simulate.geography.ISRAEL`). Its lists (``HEBREW_LISTS``):
``hebrew_victims`` (Hebrew given and family name columns, age, sex, place, date of death; no
IDs), ``latin_news`` (English names, age, hometown, date of death; no IDs, no sex) and
``national_register`` (Hebrew full name, ID number with check digit, date of birth, sex,
district). ``persons.csv`` adds the usual Latin spelling of each name; the manifest's
``config`` says ``"population": "hebrew"`` and each list's ``script`` (``hebrew`` or
``latin``).

*How they write it.* Arabic lists vary spelling (عبدالله / عبد الله, احمد / أحمد, ابوX / ابو X)
and sometimes add the great-grandfather; Latin lists romanize with competing conventions
(:mod:`uncounted.simulate.romanize`) that vary from record to record. Recording errors per list
(:class:`RecordingErrors`): letter confusions and dropped letters, words split as in PDF
extraction, dropped or swapped name parts, missing, one-digit-off, transposed or a relative's
IDs, missing, placeholder (YYYY-01-01) or year-shifted dates of birth, age heaping on multiples
of five and off-by-one ages, wrong sex, wrong or missing place, death dates shifted by a few
days (sometimes before the war's first day, as in real lists), and duplicate rows of one person
with their own errors. ``truth.csv`` names the errors in every row.

*What is simplified.* Capture is a logistic model with one latent factor, not the messy
institutional history of real lists; lists have one release each (no re-issued IDs, no records
dropped between releases); no one outside the conflict's dead is on a list (no false
positives, no injured or missing persons); place is the place of death; the romanizer guesses
short vowels crudely (common names come from a table); the Hebrew population's name tables are
small (about forty names each) and its households simple; other naming systems are not
simulated; age at death is the only age (no ages frozen at an earlier release).
"""

from uncounted.simulate.config import (
    DEFAULT_LISTS,
    DEFAULT_WAVES,
    FIELD_NGO,
    HEBREW_LISTS,
    HEBREW_WAVES,
    NO_ERRORS,
    ConflictConfig,
    ListDesign,
    ListFormat,
    RecordingErrors,
    Wave,
    with_field_list,
)
from uncounted.simulate.simulation import Simulation, simulate_conflict
from uncounted.simulate.writer import Manifest, write_simulation

__all__ = [
    "DEFAULT_LISTS",
    "DEFAULT_WAVES",
    "FIELD_NGO",
    "HEBREW_LISTS",
    "HEBREW_WAVES",
    "NO_ERRORS",
    "ConflictConfig",
    "ListDesign",
    "ListFormat",
    "Manifest",
    "RecordingErrors",
    "Simulation",
    "Wave",
    "simulate_conflict",
    "with_field_list",
    "write_simulation",
]
