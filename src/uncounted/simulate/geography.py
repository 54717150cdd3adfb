"""Where the victims of a simulated population lived or died: regions, towns and their spellings.

The five regions are the strata's "governorate" (for Gaza, its five governorates; for the
Hebrew population, five parts of Israel). A list writes a place in one of the
:data:`~uncounted.simulate.config.PlaceStyle` styles, each of which a geography may or may not
have (no Arabic place names for Israeli towns, no Hebrew ones for Gaza).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from uncounted.simulate.config import GOVERNORATES

# Towns by governorate (English, Arabic), for lists that record a town rather than a governorate.
TOWNS: tuple[tuple[int, str, str], ...] = (
    (0, "Jabalia", "جباليا"),
    (0, "Beit Lahia", "بيت لاهيا"),
    (0, "Beit Hanoun", "بيت حانون"),
    (1, "Gaza City", "مدينة غزة"),
    (1, "Al-Shati camp", "مخيم الشاطئ"),
    (1, "Sheikh Radwan", "الشيخ رضوان"),
    (1, "Zeitoun", "الزيتون"),
    (2, "Deir al-Balah", "دير البلح"),
    (2, "Nuseirat", "النصيرات"),
    (2, "Bureij", "البريج"),
    (2, "Maghazi", "المغازي"),
    (3, "Khan Younis", "خان يونس"),
    (3, "Bani Suheila", "بني سهيلا"),
    (3, "Abasan", "عبسان"),
    (4, "Rafah", "رفح"),
    (4, "Tal al-Sultan", "تل السلطان"),
)
TOWN_WEIGHTS = np.array([5, 3, 2, 6, 2, 2, 2, 3, 3, 2, 1, 5, 2, 1, 4, 2], dtype=float)
GOVERNORATE_SPELLINGS_EN: tuple[tuple[str, ...], ...] = (
    ("North Gaza", "North Gaza", "Gaza North", "N. Gaza"),
    ("Gaza", "Gaza", "Gaza City", "Gaza"),
    ("Deir al-Balah", "Deir el-Balah", "Dair Al Balah", "Middle Area"),
    ("Khan Younis", "Khan Yunis", "Khanyounis", "Khan Younis"),
    ("Rafah", "Rafah", "Rafah", "Rafah"),
)
GOVERNORATE_SPELLINGS_AR: tuple[tuple[str, ...], ...] = (
    ("شمال غزة", "الشمال", "شمال غزه", "شمال غزة"),
    ("غزة", "غزة", "غزه", "مدينة غزة"),
    ("دير البلح", "الوسطى", "دير البلح", "المنطقة الوسطى"),
    ("خان يونس", "خانيونس", "خان يونس", "خانيونس"),
    ("رفح", "رفح", "رفح", "رفح"),
)


@dataclass(frozen=True)
class Geography:
    """Regions (the strata) and towns, with the spellings lists use for them.

    ``region_spellings`` maps a place style (``governorate_en``, ``governorate_ar``,
    ``region_he``) to four spellings per region; ``town_spellings_en`` gives each town's
    English spellings (a list drifts between them); towns are (region, English, local script).
    """

    name: str
    regions: tuple[str, ...]
    towns: tuple[tuple[int, str, str], ...]
    town_weights: tuple[float, ...]
    region_spellings: dict[str, tuple[tuple[str, ...], ...]]
    local_town_style: str  # the place style of the towns' local names
    town_spellings_en: tuple[tuple[str, ...], ...] = ()

    def town_region(self) -> np.ndarray:
        return np.array([town[0] for town in self.towns])


GAZA = Geography(
    name="gaza",
    regions=GOVERNORATES,
    towns=TOWNS,
    town_weights=tuple(TOWN_WEIGHTS.tolist()),
    region_spellings={
        "governorate_en": GOVERNORATE_SPELLINGS_EN,
        "governorate_ar": GOVERNORATE_SPELLINGS_AR,
    },
    local_town_style="town_ar",
)

# Israel, for the Hebrew population: the communities by the Gaza fence, the rest of the south,
# the centre, Jerusalem and the north. Places are places of residence.
ISRAEL_REGIONS: tuple[str, ...] = ("Gaza envelope", "South", "Centre", "Jerusalem", "North")
ISRAEL_TOWNS: tuple[tuple[int, str, str], ...] = (
    (0, "Be'eri", "בארי"),
    (0, "Kfar Aza", "כפר עזה"),
    (0, "Nir Oz", "ניר עוז"),
    (0, "Nahal Oz", "נחל עוז"),
    (0, "Sderot", "שדרות"),
    (0, "Kissufim", "כיסופים"),
    (1, "Ofakim", "אופקים"),
    (1, "Netivot", "נתיבות"),
    (1, "Beersheba", "באר שבע"),
    (1, "Ashkelon", "אשקלון"),
    (1, "Ashdod", "אשדוד"),
    (2, "Tel Aviv", "תל אביב"),
    (2, "Ramat Gan", "רמת גן"),
    (2, "Rishon LeZion", "ראשון לציון"),
    (2, "Petah Tikva", "פתח תקווה"),
    (2, "Holon", "חולון"),
    (2, "Modi'in", "מודיעין"),
    (3, "Jerusalem", "ירושלים"),
    (3, "Beit Shemesh", "בית שמש"),
    (3, "Ma'ale Adumim", "מעלה אדומים"),
    (4, "Haifa", "חיפה"),
    (4, "Kiryat Shmona", "קריית שמונה"),
    (4, "Nahariya", "נהריה"),
    (4, "Karmiel", "כרמיאל"),
    (4, "Afula", "עפולה"),
)
ISRAEL = Geography(
    name="israel",
    regions=ISRAEL_REGIONS,
    towns=ISRAEL_TOWNS,
    town_weights=(4, 3, 3, 2, 4, 1, 2, 2, 3, 3, 3, 5, 2, 3, 3, 2, 2, 4, 2, 1, 3, 2, 2, 1, 1),
    region_spellings={
        "region_he": (
            ("עוטף עזה", "עוטף עזה", "עוטף", "עוטף עזה"),
            ("דרום", "הדרום", "מחוז הדרום", "דרום"),
            ("מרכז", "המרכז", "מחוז המרכז", "מרכז"),
            ("ירושלים", "ירושלים", "מחוז ירושלים", "ירושלים"),
            ("צפון", "הצפון", "מחוז הצפון", "צפון"),
        ),
        "governorate_en": (
            ("Gaza envelope", "Gaza Envelope", "Otef Aza", "Gaza border"),
            ("South", "Southern District", "South", "Southern Israel"),
            ("Centre", "Central District", "Center", "Central Israel"),
            ("Jerusalem", "Jerusalem District", "Jerusalem", "Jerusalem"),
            ("North", "Northern District", "North", "Northern Israel"),
        ),
    },
    local_town_style="town_he",
    town_spellings_en=(
        ("Be'eri", "Beeri", "Kibbutz Be'eri", "Be'eri"),
        ("Kfar Aza", "Kfar Azza", "Kibbutz Kfar Aza", "Kfar Aza"),
        ("Nir Oz", "Nir Oz", "Kibbutz Nir Oz", "Nir Oz"),
        ("Nahal Oz", "Nahal Oz", "Kibbutz Nahal Oz", "Nachal Oz"),
        ("Sderot", "Sderot", "Sderot", "S'derot"),
        ("Kissufim", "Kisufim", "Kibbutz Kissufim", "Kissufim"),
        ("Ofakim", "Ofakim", "Ofaqim", "Ofakim"),
        ("Netivot", "Netivot", "Netivot", "Netivot"),
        ("Beersheba", "Be'er Sheva", "Beer Sheva", "Beersheba"),
        ("Ashkelon", "Ashkelon", "Ashqelon", "Ashkelon"),
        ("Ashdod", "Ashdod", "Ashdod", "Ashdod"),
        ("Tel Aviv", "Tel Aviv", "Tel Aviv-Yafo", "Tel-Aviv"),
        ("Ramat Gan", "Ramat Gan", "Ramat-Gan", "Ramat Gan"),
        ("Rishon LeZion", "Rishon Lezion", "Rishon Le Zion", "Rishon LeZion"),
        ("Petah Tikva", "Petach Tikva", "Petah Tiqwa", "Petah Tikva"),
        ("Holon", "Holon", "Holon", "Holon"),
        ("Modi'in", "Modiin", "Modi'in-Maccabim-Re'ut", "Modiin"),
        ("Jerusalem", "Jerusalem", "Jerusalem", "Jerusalem"),
        ("Beit Shemesh", "Bet Shemesh", "Beit Shemesh", "Beit Shemesh"),
        ("Ma'ale Adumim", "Maale Adumim", "Ma'ale Adummim", "Maale Adumim"),
        ("Haifa", "Haifa", "Hefa", "Haifa"),
        ("Kiryat Shmona", "Qiryat Shemona", "Kiryat Shemona", "Kiryat Shmona"),
        ("Nahariya", "Nahariyya", "Naharia", "Nahariya"),
        ("Karmiel", "Carmiel", "Karmiel", "Karmiel"),
        ("Afula", "Afula", "Afula", "Afula"),
    ),
)


def place_names(
    geography: Geography,
    style: str,
    region: np.ndarray,
    town: np.ndarray,
    spelling: np.ndarray,
    list_name: str,
) -> np.ndarray:
    """The place of each row as a list of ``style`` writes it."""
    if style in geography.region_spellings:
        table = np.array(geography.region_spellings[style], dtype=object)
        return table[region, spelling]
    if style == "town_en":
        if geography.town_spellings_en:
            table = np.array(geography.town_spellings_en, dtype=object)
            return table[town, spelling % table.shape[1]]
        return np.array([t[1] for t in geography.towns], dtype=object)[town]
    if style == geography.local_town_style:
        return np.array([t[2] for t in geography.towns], dtype=object)[town]
    raise ValueError(
        f"list {list_name!r}: place style {style!r} does not fit the {geography.name} "
        f"population's places (it has {', '.join(sorted(geography.region_spellings))}, town_en "
        f"and {geography.local_town_style})"
    )
