"""A rule-based Arabic-to-Latin romanizer with competing conventions.

Real lists romanize the same name in many ways: Mohammed / Muhammad / Mohamed, Abdel / Abdul /
Abd al-, al- / el- / Al, ou / u, ee / i, kh / ch, q / k / g, dh / z, a final h or none. Each
:class:`Convention` here is one house style, and each has two *variants* (0 and 1) so that a
single list drifts between spellings from record to record, as hand-typed lists do.

Arabic script leaves out short vowels, so a romanizer has to guess them. The guess used here
is crude on purpose (a short vowel after a consonant that opens a syllable, ``e`` or ``a``
before a final consonant pair): the most common names come from a table of conventional
spellings, and rarer ones come out the machine-like way real transliterated lists show
(Ibrahem, Abdalrahman, Zyad).
"""

from __future__ import annotations

from dataclasses import dataclass, field

CONSONANTS: dict[str, str] = {
    "ب": "b", "ت": "t", "ث": "th", "ج": "j", "ح": "h", "خ": "kh", "د": "d", "ذ": "dh",
    "ر": "r", "ز": "z", "س": "s", "ش": "sh", "ص": "s", "ض": "d", "ط": "t", "ظ": "z",
    "ع": "'", "غ": "gh", "ف": "f", "ق": "q", "ك": "k", "ل": "l", "م": "m", "ن": "n",
    "ه": "h", "ء": "'", "ؤ": "'", "ئ": "'", "أ": "'", "إ": "'",
}  # fmt: skip
SUN_LETTERS = frozenset("تثدذرزسشصضطظلن")


@dataclass(frozen=True)
class Convention:
    name: str
    # Overrides of CONSONANTS, as (variant 0, variant 1).
    letters: dict[str, tuple[str, str]]
    long_u: tuple[str, str]
    long_i: tuple[str, str]
    short: str
    final_short: str
    ta_marbuta: tuple[str, str]
    article: tuple[str, str]  # how ال is written before a capitalized word
    abd: tuple[str, str]  # templates for عبد + word; {} is the capitalized word
    abu: tuple[str, str]
    din: tuple[str, str]  # templates for X + الدين
    assimilate_article: tuple[bool, bool] = (False, False)  # an-Najjar rather than al-Najjar
    names: dict[str, tuple[str, str]] = field(default_factory=dict)


# Conventional spellings of the commonest names, per convention: (variant 0, variant 1).
COMMON_NAMES: dict[str, dict[str, tuple[str, str]]] = {
    "محمد": {"english": ("Mohammed", "Mohammad"), "academic": ("Muhammad", "Muhammad"),
             "french": ("Mohamed", "Mohammed"), "phonetic": ("Mohamad", "Muhammad")},
    "احمد": {"english": ("Ahmed", "Ahmad"), "academic": ("Ahmad", "Ahmad"),
             "french": ("Ahmed", "Ahmed"), "phonetic": ("Ahmad", "Ahmed")},
    "محمود": {"english": ("Mahmoud", "Mahmood"), "academic": ("Mahmud", "Mahmud"),
              "french": ("Mahmoud", "Mahmoud"), "phonetic": ("Mahmod", "Mahmoud")},
    "ابراهيم": {"english": ("Ibrahim", "Ebrahim"), "academic": ("Ibrahim", "Ibrahim"),
                "french": ("Ibrahim", "Brahim"), "phonetic": ("Ibrahem", "Ebraheem")},
    "علي": {"english": ("Ali", "Ali"), "academic": ("'Ali", "Ali"),
            "french": ("Ali", "Aly"), "phonetic": ("Ali", "Ale")},
    "حسن": {"english": ("Hassan", "Hasan"), "academic": ("Hasan", "Hasan"),
            "french": ("Hassan", "Hassen"), "phonetic": ("Hasan", "Hassan")},
    "حسين": {"english": ("Hussein", "Hussain"), "academic": ("Husayn", "Husain"),
             "french": ("Houssein", "Hussein"), "phonetic": ("Hussain", "Hosain")},
    "خالد": {"english": ("Khaled", "Khalid"), "academic": ("Khalid", "Khalid"),
             "french": ("Khaled", "Khaled"), "phonetic": ("Khaled", "Khald")},
    "يوسف": {"english": ("Yousef", "Youssef"), "academic": ("Yusuf", "Yusuf"),
             "french": ("Youssef", "Youcef"), "phonetic": ("Yousef", "Yosef")},
    "عمر": {"english": ("Omar", "Omar"), "academic": ("'Umar", "Umar"),
            "french": ("Omar", "Omer"), "phonetic": ("Omar", "Omer")},
    "مصطفى": {"english": ("Mustafa", "Mostafa"), "academic": ("Mustafa", "Mustafa"),
              "french": ("Moustafa", "Mostefa"), "phonetic": ("Mustafa", "Mostafa")},
    "سعيد": {"english": ("Saeed", "Said"), "academic": ("Sa'id", "Said"),
             "french": ("Saïd", "Said"), "phonetic": ("Saeed", "Saied")},
    "اسماعيل": {"english": ("Ismail", "Ismael"), "academic": ("Isma'il", "Ismail"),
                "french": ("Ismail", "Smail"), "phonetic": ("Ismail", "Esmaeel")},
    "سليمان": {"english": ("Suleiman", "Sulaiman"), "academic": ("Sulayman", "Sulaiman"),
               "french": ("Souleimane", "Soliman"), "phonetic": ("Suleiman", "Solaiman")},
    "موسى": {"english": ("Mousa", "Musa"), "academic": ("Musa", "Musa"),
             "french": ("Moussa", "Moussa"), "phonetic": ("Mousa", "Mosa")},
    "عيسى": {"english": ("Issa", "Eissa"), "academic": ("'Isa", "Isa"),
             "french": ("Issa", "Aissa"), "phonetic": ("Issa", "Eisa")},
    "يحيى": {"english": ("Yahya", "Yehia"), "academic": ("Yahya", "Yahya"),
             "french": ("Yahia", "Yahya"), "phonetic": ("Yahya", "Yehya")},
    "عبدالله": {"english": ("Abdullah", "Abdallah"), "academic": ("'Abd Allah", "Abdallah"),
                "french": ("Abdallah", "Abdellah"), "phonetic": ("Abdalla", "Abd Allah")},
    "عبدالرحمن": {"english": ("Abdelrahman", "Abdul Rahman"),
                  "academic": ("'Abd al-Rahman", "Abd ar-Rahman"),
                  "french": ("Abderrahmane", "Abdel Rahman"),
                  "phonetic": ("Abdalrahman", "Abd Alrahman")},
    "فاطمة": {"english": ("Fatima", "Fatma"), "academic": ("Fatima", "Fatimah"),
              "french": ("Fatma", "Fatima"), "phonetic": ("Fatmah", "Fatima")},
    "مريم": {"english": ("Mariam", "Maryam"), "academic": ("Maryam", "Maryam"),
             "french": ("Meriem", "Myriam"), "phonetic": ("Mariam", "Mryam")},
    "عايشة": {"english": ("Aisha", "Aysha"), "academic": ("'A'isha", "Aisha"),
              "french": ("Aicha", "Aïcha"), "phonetic": ("Aesha", "Ayesha")},
    "نور": {"english": ("Nour", "Noor"), "academic": ("Nur", "Nur"),
            "french": ("Nour", "Nour"), "phonetic": ("Noor", "Nor")},
    "اسماء": {"english": ("Asmaa", "Asma"), "academic": ("Asma'", "Asma"),
              "french": ("Asma", "Esma"), "phonetic": ("Asmaa", "Asmaa")},
    "هبة": {"english": ("Heba", "Hiba"), "academic": ("Hiba", "Hibah"),
            "french": ("Hiba", "Heba"), "phonetic": ("Hebah", "Heba")},
    "سارة": {"english": ("Sara", "Sarah"), "academic": ("Sara", "Sarah"),
             "french": ("Sarah", "Sara"), "phonetic": ("Sarah", "Sara")},
    "خليل": {"english": ("Khalil", "Khaleel"), "academic": ("Khalil", "Khalil"),
             "french": ("Khalil", "Khelil"), "phonetic": ("Khaleel", "Khalel")},
    "جمال": {"english": ("Jamal", "Gamal"), "academic": ("Jamal", "Jamal"),
             "french": ("Djamel", "Jamal"), "phonetic": ("Jamal", "Gamal")},
    "صالح": {"english": ("Saleh", "Salih"), "academic": ("Salih", "Salih"),
             "french": ("Saleh", "Salah"), "phonetic": ("Saleh", "Salh")},
    "سالم": {"english": ("Salem", "Salim"), "academic": ("Salim", "Salim"),
             "french": ("Salem", "Salem"), "phonetic": ("Salem", "Salm")},
    "رمضان": {"english": ("Ramadan", "Ramadhan"), "academic": ("Ramadan", "Ramadan"),
              "french": ("Ramadane", "Ramdane"), "phonetic": ("Ramadan", "Ramadan")},
}  # fmt: skip

CONVENTIONS: dict[str, Convention] = {
    "english": Convention(
        name="english",
        letters={
            "ذ": ("dh", "z"),
            "ع": ("", ""),
            "ء": ("", ""),
            "ؤ": ("", ""),
            "ئ": ("", ""),
            "أ": ("", ""),
            "إ": ("", ""),
        },
        long_u=("ou", "oo"),
        long_i=("ee", "i"),
        short="a",
        final_short="e",
        ta_marbuta=("a", "ah"),
        article=("Al-", "Al "),
        abd=("Abdel{}", "Abdul {}"),
        abu=("Abu {}", "Abu-{}"),
        din=("{}eddin", "{} al-Din"),
    ),
    "academic": Convention(
        name="academic",
        letters={"أ": ("'", "'"), "إ": ("'", "'")},
        long_u=("u", "u"),
        long_i=("i", "i"),
        short="a",
        final_short="i",
        ta_marbuta=("a", "ah"),
        article=("al-", "al-"),
        abd=("'Abd al-{}", "Abd al-{}"),
        abu=("Abu {}", "Abu {}"),
        din=("{} al-Din", "{} ad-Din"),
        assimilate_article=(False, True),
    ),
    "french": Convention(
        name="french",
        letters={
            "ج": ("j", "dj"),
            "ش": ("ch", "ch"),
            "ق": ("k", "k"),
            "ذ": ("z", "z"),
            "ث": ("t", "th"),
            "ع": ("", ""),
            "ء": ("", ""),
            "ؤ": ("", ""),
            "ئ": ("", ""),
            "أ": ("", ""),
            "إ": ("", ""),
        },
        long_u=("ou", "ou"),
        long_i=("i", "i"),
        short="a",
        final_short="e",
        ta_marbuta=("a", "a"),
        article=("El-", "El "),
        abd=("Abdel {}", "Abd El {}"),
        abu=("Abou {}", "Abou-{}"),
        din=("{}eddine", "{} Eddine"),
    ),
    "phonetic": Convention(
        name="phonetic",
        letters={
            "ق": ("q", "g"),
            "خ": ("kh", "ch"),
            "ذ": ("th", "z"),
            "ظ": ("th", "z"),
            "ع": ("a", ""),
            "ء": ("a", ""),
            "ؤ": ("o", "o"),
            "ئ": ("e", "e"),
            "أ": ("a", "a"),
            "إ": ("e", "e"),
            "ه": ("h", "h"),
        },
        long_u=("o", "ou"),
        long_i=("e", "ei"),
        short="a",
        final_short="a",
        ta_marbuta=("ah", "ah"),
        article=("Al", "al-"),
        abd=("Abdal{}", "Abd Al{}"),
        abu=("Abo {}", "Abu{}"),
        din=("{}aldeen", "{} Aldeen"),
    ),
}
CONVENTION_NAMES: tuple[str, ...] = tuple(CONVENTIONS)


def _capitalize(word: str) -> str:
    for index, char in enumerate(word):
        if char.isalpha():
            return word[:index] + char.upper() + word[index + 1 :]
    return word


def _letter(convention: Convention, char: str, variant: int) -> str:
    if char in convention.letters:
        return convention.letters[char][variant]
    return CONSONANTS.get(char, "")


def romanize_word(word: str, convention: Convention, variant: int) -> str:
    """One Arabic word without article or compound parts, romanized and capitalized."""
    # Segments: ("C", text) consonants, ("V", text) long vowels, ("v", text) guessed short ones.
    segments: list[tuple[str, str]] = []
    last = len(word) - 1
    for index, char in enumerate(word):
        after = word[index + 1] if index < last else ""
        before_is_vowel = bool(segments) and segments[-1][0] in "Vv"
        if char in "اآ":
            kind = "v" if index == 0 else "V"
            segments.append((kind, "a"))
        elif char == "ى":
            segments.append(("V", "a"))
        elif char == "ة":
            segments.append(("V", convention.ta_marbuta[variant]))
        elif char in "وي":
            consonantal = index == 0 or after in ("ا", "و", "ي", "ة", "ى") or before_is_vowel
            if consonantal:
                segments.append(("C", "w" if char == "و" else "y"))
            else:
                vowel = convention.long_u if char == "و" else convention.long_i
                segments.append(("V", vowel[variant]))
        elif char == "ه" and index == last and index > 0:
            # A final h is silent in speech; only some conventions keep it.
            segments.append(("C", "h" if variant == 0 or convention.name == "academic" else ""))
        else:
            segments.append(("C", _letter(convention, char, variant)))
    out: list[str] = []
    opens_syllable = True
    for index, (kind, text) in enumerate(segments):
        out.append(text)
        if kind != "C":
            opens_syllable = kind == "V"
            continue
        following = segments[index + 1][0] if index + 1 < len(segments) else ""
        is_penultimate = index == len(segments) - 2
        if following == "C" and (opens_syllable or is_penultimate):
            out.append(convention.final_short if is_penultimate else convention.short)
            opens_syllable = False
        else:
            opens_syllable = True
    text = "".join(out).strip("'")
    return _capitalize(text) if text else text


def _fill(template: str, word: str) -> str:
    """Put ``word`` into ``template``; a word glued onto a letter (Abdelkarim) loses its capital."""
    slot = template.index("{}")
    if slot > 0 and template[slot - 1].isalpha():
        word = word.lower()
    return template.format(word)


def _with_article(rest: str, convention: Convention, variant: int) -> str:
    word = romanize_word(rest, convention, variant)
    if convention.assimilate_article[variant] and rest and rest[0] in SUN_LETTERS:
        first = _letter(convention, rest[0], variant)[:1]
        return f"a{first}-{word}"
    article = convention.article[variant]
    if article.endswith(("-", " ")):
        return article + word
    return article + word.lower()


def romanize_token(token: str, convention: Convention, variant: int) -> str:
    """One name part (possibly a compound such as عبدالرحمن or ابوخالد), romanized."""
    common = COMMON_NAMES.get(token)
    if common is not None:
        return common[convention.name][variant]
    if token.startswith("عبد") and len(token) > 4:
        rest = token[3:]
        rest = rest[2:] if rest.startswith("ال") else rest
        return _fill(convention.abd[variant], romanize_word(rest, convention, variant))
    if token.startswith("ابو") and len(token) > 4:
        rest = token[3:]
        inner = (
            _with_article(rest[2:], convention, variant)
            if rest.startswith("ال")
            else romanize_token(rest, convention, variant)
        )
        return _fill(convention.abu[variant], inner)
    if token.endswith("الدين") and len(token) > 6:
        head = romanize_word(token[:-5], convention, variant)
        template = convention.din[variant]
        return template.format(head)
    if token.startswith("ال") and len(token) > 4:
        return _with_article(token[2:], convention, variant)
    return romanize_word(token, convention, variant)


def romanize(text: str, convention_name: str, variant: int = 0) -> str:
    """A whole name, word by word."""
    convention = CONVENTIONS[convention_name]
    return " ".join(romanize_token(word, convention, variant) for word in text.split())
