"""Writes a realistic synthetic GEDCOM 5.5.1 file (UTF-8) of N people for the GEDCOM benchmark:
``python bench/gedcom_generate.py N -o PATH [--seed S]``.

The file looks like one exported by a desktop genealogy program: HEAD and SUBM, then every INDI,
every FAM, the SOUR, REPO, shared NOTE and OBJE records, and TRLR. Its content:

* people live in family groups ("blocks") of 40-1,200 people: a founding couple born 1640-1900
  and their descendants, generation after generation, with the spouses who married in (most with
  no parents in the file, some from the block before, so the blocks are chained together);
  a family has 0-9 children, fewer after 1960; people die young or old or are living;
* some men (Shona, Ndebele, Chewa families before 1970) have two or three wives, each marriage a
  FAM of its own; widows and widowers remarry; some marriages end in a divorce (DIV) and a new
  one; a few children are adopted or fostered (FAMC with PEDI, and an ADOP event);
* names from eight traditions (Shona, Ndebele, Chewa, English, Scottish, Afrikaans, Portuguese,
  German and Polish), with GIVN/SURN, surname particles (SPFX), some NPFX/NSFX/NICK, and married
  names either as ``_MARNM`` or as a second NAME of TYPE married;
* BIRT, CHR, DEAT, BURI, ADOP events, OCCU, EDUC and RESI attributes, with dates of every kind
  (exact, month and year, year, ABT/EST/CAL, BEF/AFT, BET..AND, FROM..TO, INT and phrases, and
  for English families before 1752 some ``@#DJULIAN@`` dates and dual years such as 1720/21) and
  places as "Town, District, Province, Country" (with the colonial names of Zimbabwean towns for
  some dates between 1890 and 1982), a quarter of the places with MAP LATI/LONG;
* inline notes (some long, cut into CONC and CONT lines as 5.5.1 requires), pointers to shared
  NOTE records, source citations (PAGE, QUAY, sometimes DATA/TEXT) to SOUR records held in REPO
  records, OBJE links to OBJE records (FILE, FORM, TITL), ``_UID`` on most people, REFN on some,
  CHAN dates.

About 20 lines and 400-450 bytes a person: 100,000 people make a file of about 45 MB, 1,000,000
people one of about 450 MB.

Deterministic (the same N and seed give the same bytes) and streaming: a block is built from a
random generator seeded with (seed, block number), written, and dropped. The INDI records are
written in a first pass over the blocks and the FAM records in a second pass that rebuilds the
same blocks, so memory holds two blocks at a time, whatever N is.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

SEED = 20240601
VERSION = 2
"""Bumped whenever the same N and seed would give a different file."""
THIS_YEAR = 2024
MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
LINE_ROOM = 240
"""Characters of text on one NOTE/CONC line (5.5.1 allows 255 with level and tag)."""
BLOCK_SIZES = (40, 1200)


# --- The name and place material -----------------------------------------------------------


@dataclass(frozen=True)
class Place:
    name: str
    lat: float | None = None
    lon: float | None = None
    old: str | None = None
    """The colonial name "Town, District, Province" used by some records of 1890-1982."""


@dataclass(frozen=True)
class Culture:
    key: str
    male: tuple[str, ...]
    female: tuple[str, ...]
    surnames: tuple[str, ...]
    places: tuple[Place, ...]
    polygamy: bool = False
    christening: float = 0.1
    julian: bool = False
    christian_names: bool = False
    """Given names from the English list for many people born after 1900."""
    founded: tuple[int, int] = (1640, 1880)
    """When the founders of a family of this tradition were born."""
    registers: int = 1538
    """From when births, marriages and deaths were written down (before: mostly approximate)."""


def _names(text: str) -> tuple[str, ...]:
    return tuple(text.split("; "))


def _places(*rows: tuple[str, float | None, float | None, str | None]) -> tuple[Place, ...]:
    return tuple(Place(name, lat, lon, old) for name, lat, lon, old in rows)


ZIMBABWE = _places(
    ("Harare, Harare, Harare, Zimbabwe", -17.8292, 31.0522, "Salisbury, Salisbury, Mashonaland"),
    ("Bulawayo, Bulawayo, Bulawayo, Zimbabwe", -20.15, 28.5833, "Bulawayo, Bulawayo, Matabeleland"),
    ("Mutare, Mutare, Manicaland, Zimbabwe", -18.9707, 32.6709, "Umtali, Umtali, Manicaland"),
    ("Masvingo, Masvingo, Masvingo, Zimbabwe", None, None, "Fort Victoria, Victoria, Victoria"),
    ("Gweru, Gweru, Midlands, Zimbabwe", -19.45, 29.8167, "Gwelo, Gwelo, Midlands"),
    ("Kwekwe, Kwekwe, Midlands, Zimbabwe", None, None, "Que Que, Que Que, Midlands"),
    ("Chinhoyi, Makonde, Mashonaland West, Zimbabwe", None, None, "Sinoia, Lomagundi, Mashonaland"),
    ("Chegutu, Chegutu, Mashonaland West, Zimbabwe", None, None, "Hartley, Hartley, Mashonaland"),
    (
        "Marondera, Marondera, Mashonaland East, Zimbabwe",
        -18.1853,
        31.5519,
        "Marandellas, Marandellas, Mashonaland",
    ),
    ("Hwange, Hwange, Matabeleland North, Zimbabwe", None, None, "Wankie, Wankie, Matabeleland"),
    (
        "Chivhu, Chikomba, Mashonaland East, Zimbabwe",
        None,
        None,
        "Enkeldoorn, Charter, Mashonaland",
    ),
    ("Gutu, Gutu, Masvingo, Zimbabwe", -19.65, 31.1667, None),
    ("Murehwa, Murehwa, Mashonaland East, Zimbabwe", None, None, "Mrewa, Mrewa, Mashonaland"),
    ("Chipinge, Chipinge, Manicaland, Zimbabwe", None, None, "Chipinga, Melsetter, Manicaland"),
    ("Zvishavane, Zvishavane, Midlands, Zimbabwe", None, None, "Shabani, Belingwe, Midlands"),
    ("Gwanda, Gwanda, Matabeleland South, Zimbabwe", -20.9333, 29.0, None),
    ("Bindura, Bindura, Mashonaland Central, Zimbabwe", None, None, None),
    ("Nyanga, Nyanga, Manicaland, Zimbabwe", None, None, "Inyanga, Inyanga, Manicaland"),
    (
        "Chimanimani, Chimanimani, Manicaland, Zimbabwe",
        None,
        None,
        "Melsetter, Melsetter, Manicaland",
    ),
    ("Plumtree, Bulilima, Matabeleland South, Zimbabwe", -20.4833, 27.8167, None),
    ("Domboshava, Goromonzi, Mashonaland East, Zimbabwe", None, None, None),
    ("Mberengwa, Mberengwa, Midlands, Zimbabwe", None, None, "Belingwe, Belingwe, Midlands"),
    ("Chiredzi, Chiredzi, Masvingo, Zimbabwe", None, None, None),
    ("Mhondoro, Chegutu, Mashonaland West, Zimbabwe", None, None, None),
    ("Lupane, Lupane, Matabeleland North, Zimbabwe", None, None, None),
    ("Nkayi, Nkayi, Matabeleland North, Zimbabwe", None, None, None),
)
ENGLAND = _places(
    ("Kendal, South Lakeland, Westmorland, England", 54.328, -2.745, None),
    ("Whitechapel, Stepney, Middlesex, England", 51.5166, -0.0597, None),
    ("Halifax, Calderdale, Yorkshire, England", None, None, None),
    ("Truro, Kenwyn, Cornwall, England", 50.2632, -5.051, None),
    ("Ludlow, South Shropshire, Shropshire, England", None, None, None),
    ("Bideford, Torridge, Devon, England", None, None, None),
    ("Stoke-on-Trent, Stoke-on-Trent, Staffordshire, England", None, None, None),
    ("King's Lynn, West Norfolk, Norfolk, England", 52.7517, 0.3958, None),
    ("Whitby, Scarborough, Yorkshire, England", None, None, None),
    ("Bath, Bath and North East Somerset, Somerset, England", 51.3811, -2.359, None),
    ("St Ives, Penwith, Cornwall, England", None, None, None),
    ("Ashby-de-la-Zouch, North West Leicestershire, Leicestershire, England", None, None, None),
    ("Manchester, Manchester, Lancashire, England", 53.4808, -2.2426, None),
    ("Leeds, Leeds, Yorkshire, England", None, None, None),
    ("Birmingham, Birmingham, Warwickshire, England", None, None, None),
    ("Newcastle upon Tyne, Newcastle, Northumberland, England", None, None, None),
)
SCOTLAND = _places(
    ("Inverness, Inverness, Inverness-shire, Scotland", 57.4778, -4.2247, None),
    ("Stornoway, Lewis, Ross and Cromarty, Scotland", None, None, None),
    ("Paisley, Abbey, Renfrewshire, Scotland", None, None, None),
    ("Kirkcaldy, Kirkcaldy, Fife, Scotland", None, None, None),
    ("Dumfries, Dumfries, Dumfriesshire, Scotland", 55.0709, -3.6051, None),
)
SOUTH_AFRICA = _places(
    ("Soweto, Johannesburg, Gauteng, South Africa", -26.2485, 27.854, None),
    ("Mthatha, King Sabata Dalindyebo, Eastern Cape, South Africa", None, None, None),
    ("Pietermaritzburg, Msunduzi, KwaZulu-Natal, South Africa", None, None, None),
    ("Stellenbosch, Cape Winelands, Western Cape, South Africa", -33.9321, 18.8602, None),
    ("Graaff-Reinet, Dr Beyers Naudé, Eastern Cape, South Africa", None, None, None),
    ("Paarl, Drakenstein, Western Cape, South Africa", None, None, None),
)
MALAWI_ZAMBIA = _places(
    ("Zomba, Zomba, Southern Region, Malawi", -15.386, 35.3188, None),
    ("Blantyre, Blantyre, Southern Region, Malawi", None, None, None),
    ("Mzuzu, Mzimba, Northern Region, Malawi", None, None, None),
    ("Lilongwe, Lilongwe, Central Region, Malawi", None, None, None),
    ("Livingstone, Livingstone, Southern Province, Zambia", -17.8419, 25.8543, None),
    ("Chipata, Chipata, Eastern Province, Zambia", None, None, None),
)
LUSOPHONE = _places(
    ("Évora, Évora, Alentejo, Portugal", 38.5714, -7.9135, None),
    ("Viana do Castelo, Viana do Castelo, Minho, Portugal", None, None, None),
    ("Guimarães, Braga, Minho, Portugal", None, None, None),
    ("Funchal, Funchal, Madeira, Portugal", None, None, None),
    ("Beira, Beira, Sofala, Moçambique", -19.8436, 34.8389, None),
    ("Tete, Tete, Tete, Moçambique", None, None, None),
)
CENTRAL_EUROPE = _places(
    ("München, München, Bayern, Deutschland", 48.1351, 11.582, None),
    ("Görlitz, Görlitz, Sachsen, Deutschland", None, None, None),
    ("Łódź, Łódź, Łódzkie, Polska", 51.7592, 19.456, None),
    ("Kraków, Kraków, Małopolskie, Polska", None, None, None),
    ("Gdańsk, Gdańsk, Pomorskie, Polska", None, None, None),
)

ENGLISH_MALE = _names(
    "John; William; Thomas; James; George; Edward; Henry; Robert; Charles; Richard; Joseph; Samuel; Arthur; Frederick; Walter; Albert; Peter; David; Michael; Daniel"
)
ENGLISH_FEMALE = _names(
    "Mary; Elizabeth; Sarah; Ann; Margaret; Jane; Alice; Emily; Hannah; Martha; Catherine; Ellen; Florence; Edith; Dorothy; Ruth; Grace; Rose; Agnes; Esther"
)
VIRTUE_MALE = _names(
    "Blessing; Gift; Godknows; Learnmore; Talent; Innocent; Lovemore; Givemore; Nomatter; Trust; Praise; Brighton; Emmanuel; Tichaona"
)
VIRTUE_FEMALE = _names(
    "Precious; Memory; Loveness; Patience; Privilege; Sithembile; Beauty; Charity; Fortunate; Mercy; Gladys; Spiwe; Prudence; Faith"
)

CULTURES = (
    Culture(
        "shona",
        _names(
            "Tendai; Tatenda; Farai; Tafadzwa; Kudakwashe; Tinashe; Tonderai; Munyaradzi; Simbarashe; Takudzwa; Tapiwa; Tawanda; Kudzai; Rufaro; Fungai; Chiedza; Tichafa; Mazvita"
        ),
        _names(
            "Chipo; Rudo; Nyasha; Rumbidzai; Fadzai; Tsitsi; Ruvimbo; Nyarai; Vimbai; Tariro; Chiedza; Shamiso; Tendai; Rutendo; Kudzai; Nyaradzo; Ropafadzo; Tanaka"
        ),
        _names(
            "Moyo; Chiwenga; Mutasa; Marufu; Gumbo; Shumba; Chikore; Mapfumo; Chinamasa; Mudzuri; Makoni; Zvobgo; Mlambo; Mukamuri; Chigumba; Nyamayaro; Mhofu; Matambanadzo; Chirwa; Madzivire; Chitepo; Mushonga; Zhou; Dzvairo; Marange; Muzorewa"
        ),
        ZIMBABWE,
        polygamy=True,
        christening=0.15,
        christian_names=True,
        founded=(1790, 1920),
        registers=1900,
    ),
    Culture(
        "ndebele",
        _names(
            "Sipho; Themba; Nkosana; Bongani; Mandla; Sifiso; Thabani; Sibusiso; Mthokozisi; Nhlanhla; Dumisani; Lungile"
        ),
        _names(
            "Thandiwe; Sibongile; Nomvula; Zanele; Lindiwe; Nokuthula; Sindiso; Busisiwe; Ntombizodwa; Sithabile; Nomalanga; Thulile"
        ),
        _names(
            "Ncube; Ndlovu; Sibanda; Dube; Mpofu; Nkomo; Moyo; Khumalo; Mlilo; Nyathi; Tshuma; Mathema; Mhlanga; Masuku; Ngwenya; Mkandla"
        ),
        ZIMBABWE,
        polygamy=True,
        christening=0.2,
        christian_names=True,
        founded=(1790, 1920),
        registers=1900,
    ),
    Culture(
        "chewa",
        _names("Chisomo; Kondwani; Mphatso; Dalitso; Limbani; Madalitso; Yamikani; Chimwemwe"),
        _names("Chikondi; Tiyamike; Thoko; Chifundo; Alinafe; Mayamiko; Tadala; Chimwemwe"),
        _names(
            "Banda; Phiri; Mwale; Tembo; Chirwa; Kamanga; Nyirenda; Zulu; Mbewe; Lungu; Kumwenda; Gondwe"
        ),
        MALAWI_ZAMBIA,
        polygamy=True,
        christening=0.3,
        christian_names=True,
        founded=(1800, 1920),
        registers=1905,
    ),
    Culture(
        "english",
        ENGLISH_MALE,
        ENGLISH_FEMALE,
        _names(
            "Smith; Jones; Taylor; Brown; Williams; Wilson; Johnson; Davies; Robinson; Wright; Thompson; Evans; Walker; White; Roberts; Green; Hall; Wood; Jackson; Clarke; O'Brien; Fitz-Gerald; Ashworth; Pennington"
        ),
        ENGLAND,
        christening=0.5,
        julian=True,
        founded=(1640, 1880),
    ),
    Culture(
        "scottish",
        _names("Alexander; Duncan; Angus; Malcolm; Hamish; Iain; Donald; Kenneth"),
        _names("Isobel; Morag; Fiona; Catriona; Euphemia; Janet; Agnes; Flora"),
        _names(
            "MacDonald; McLeod; Campbell; Stewart; MacKenzie; Fraser; Murray; Ross; Grant; McIntyre"
        ),
        SCOTLAND,
        christening=0.5,
        julian=True,
        founded=(1660, 1880),
        registers=1700,
    ),
    Culture(
        "afrikaans",
        _names("Johannes; Pieter; Hendrik; Jacobus; Gerrit; Willem; Andries; Stephanus"),
        _names("Maria; Anna; Susanna; Elizabeth; Johanna; Aletta; Hester; Magdalena"),
        _names(
            "van der Merwe; du Plessis; van Wyk; de Villiers; Botha; Pretorius; le Roux; van Niekerk; Steyn; Coetzee"
        ),
        SOUTH_AFRICA,
        christening=0.6,
        founded=(1680, 1880),
        registers=1700,
    ),
    Culture(
        "portuguese",
        _names("João; José; António; Manuel; Tomás; Francisco; Luís; Sebastião"),
        _names("Maria; Ana; Conceição; Inês; Joana; Beatriz; Leonor; Fátima"),
        _names("da Silva; dos Santos; Gonçalves; Fernandes; Pereira; Rodrigues; Magalhães; Araújo"),
        LUSOPHONE,
        christening=0.6,
        founded=(1650, 1880),
    ),
    Culture(
        "central",
        _names("Łukasz; Jürgen; Stanisław; Friedrich; Wojciech; Günther; Józef; Heinrich"),
        _names("Zofia; Małgorzata; Gertrud; Jadwiga; Ursula; Bärbel; Agnieszka; Hildegard"),
        _names(
            "Müller; Schäfer; Wójcik; Kowalski; Nowak; Zieliński; Weiß; Großmann; Krüger; Dąbrowski"
        ),
        CENTRAL_EUROPE,
        christening=0.6,
        founded=(1700, 1890),
    ),
)
CULTURE_WEIGHTS = (35, 15, 7, 20, 5, 7, 6, 5)
MIGRATION = {
    "shona": ENGLAND + SOUTH_AFRICA,
    "ndebele": SOUTH_AFRICA + ENGLAND,
    "chewa": ZIMBABWE + SOUTH_AFRICA,
    "english": ZIMBABWE + SOUTH_AFRICA,
    "scottish": ZIMBABWE + ENGLAND,
    "afrikaans": ZIMBABWE,
    "portuguese": ZIMBABWE + SOUTH_AFRICA,
    "central": ENGLAND,
}
"""Where some of each tradition's people were born, married or died after 1890."""

OCCUPATIONS = _names(
    "Farmer; Teacher; Nurse; Miner; Clerk; Labourer; Carpenter; Blacksmith; Domestic servant; Policeman; Minister of religion; Shopkeeper; Builder; Engineer; Accountant; Medical doctor; Traditional healer (n'anga); Headman; Railway worker; Tailor; Seamstress; Driver; Soldier; Weaver; Agricultural labourer"
)
OLD_OCCUPATIONS = _names(
    "Farmer; Husbandman; Labourer; Weaver; Blacksmith; Yeoman; Cordwainer; Servant; Miller; Mariner; Herdsman; Hunter"
)
EDUCATION = _names(
    "Primary school; Standard Six; O Level, Goromonzi High School; A Level, Fletcher High School; BSc, University of Zimbabwe; Teacher's certificate, Morgenster Mission; Apprenticeship, Rhodesia Railways; BA, University of London; Diploma in Nursing, Mpilo Hospital; MSc, University of Cape Town; Matric, Grey College"
)
STREETS = _names(
    "Jason Moyo Avenue; Samora Machel Avenue; High Street; Church Lane; Main Road; Fife Street; Herbert Chitepo Street; Station Road; Mill Lane; Rua Direita"
)
CAUSES = _names(
    "Malaria; Old age; Tuberculosis; Influenza; Accident; Heart failure; Childbirth; Smallpox; Cholera; Pneumonia"
)
PREFIXES = ("Dr", "Rev.", "Chief", "Sir", "Capt.", "Prof.", "Mrs")
SUFFIXES = ("Jr.", "Sr.", "II", "III")
PHRASES = _names(
    "(in the year of the great drought); (during the rinderpest); (the year the railway reached Bulawayo); (soon after the war); (harvest time)"
)
NOTE_SENTENCES = (
    "Family tradition holds that the family moved here after a long drought.",
    "The homestead stood near the river, below the granite kopje.",
    "Recorded in the oral history given by an elder of the family.",
    "Baptised at the mission the same year as two of the cousins.",
    "Worked for many years on the railways before returning to farm.",
    "The name is spelled in several ways in the registers; this is the commonest.",
    "Buried beside the parents in the family plot.",
    "Emigrated with the children, and letters home survive.",
    "Served as a churchwarden for over twenty years.",
    "Known to everyone in the village by the praise name of the clan.",
    "The registrar wrote the age at death as about seventy.",
    "Her bride price (roora) was paid in cattle, as the family book records.",
    "Witnesses at the wedding were the bride's brother and a neighbour.",
    "Müller's letters, in German, were translated by a grandson.",
    "Sources disagree about the year of birth: the census says two years later.",
)
CAPTIONS = _names(
    "Portrait; Wedding photograph; Family group; Gravestone; Baptism certificate; Letter; Passport photograph; At the homestead; Military service record; Newspaper cutting"
)
FORMS = (
    ("jpg", "photo"),
    ("jpg", "photo"),
    ("png", "photo"),
    ("pdf", "document"),
    ("tif", "document"),
)
REPOSITORIES = (
    ("National Archives of Zimbabwe", "Private Bag 7729, Causeway", "Harare", "Zimbabwe"),
    ("The National Archives", "Kew", "Richmond", "England"),
    ("Cumbria Archive Centre", "Petteril Bank Road", "Carlisle", "England"),
    ("Bulawayo Public Library", "Fort Street", "Bulawayo", "Zimbabwe"),
    ("Western Cape Archives and Records Service", "72 Roeland Street", "Cape Town", "South Africa"),
    ("Arquivo Distrital de Évora", "Largo do Conde de Vila Flor", "Évora", "Portugal"),
    ("Malawi National Archives", "P.O. Box 62", "Zomba", "Malawi"),
    ("Family papers", "In the possession of the compiler", "Harare", "Zimbabwe"),
    ("Morgenster Mission archive", "Morgenster", "Masvingo", "Zimbabwe"),
    ("National Records of Scotland", "2 Princes Street", "Edinburgh", "Scotland"),
)
SOURCE_TITLES = (
    "Baptism register, St Mary's Anglican Church, {town}",
    "Census of England and Wales, {year}, {town}",
    "Death register, {town} district",
    "Oral history interview with the {surname} family, {year}",
    "Family Bible of the {surname} family",
    "Rhodesia Herald, obituaries, {year}",
    "Births, Marriages and Deaths index, Registrar General",
    "Mission register, {town}",
    "Marriage register, {town}, {year}-{year2}",
    "Parish registers of {town}, transcribed",
)


# --- The shape of the population -------------------------------------------------------------


@dataclass(slots=True)
class Person:
    id: int
    sex: str
    given: str
    surname: str
    born: int
    died: int | None
    culture: Culture
    famc: int = 0
    pedi: str = ""
    fams: list[int] = field(default_factory=list)
    married_name: str = ""


@dataclass(slots=True)
class Family:
    id: int
    husb: Person | None
    wife: Person
    married: int
    children: list[Person] = field(default_factory=list)
    divorced: int = 0


@dataclass
class Block:
    number: int
    people: list[Person] = field(default_factory=list)
    families: list[Family] = field(default_factory=list)
    singles: dict[str, list[Person]] = field(default_factory=dict)


def given_name(rng: random.Random, culture: Culture, sex: str, born: int) -> str:
    if sex == "U":
        return rng.choice(("Infant", "Baby", ""))
    names = culture.male if sex == "M" else culture.female
    first = rng.choice(names)
    if culture.christian_names and born > 1900 and rng.random() < 0.5:
        pool = (ENGLISH_MALE + VIRTUE_MALE) if sex == "M" else (ENGLISH_FEMALE + VIRTUE_FEMALE)
        first = rng.choice(pool) + ("" if rng.random() < 0.5 else " " + first)
    elif rng.random() < 0.35:
        second = rng.choice(names)
        if second != first:
            first += " " + second
    return first


def lifespan(rng: random.Random, born: int) -> int | None:
    """The year of death, or None for the living."""
    young = 0.12 if born < 1900 else 0.04
    if rng.random() < young:
        died = born + rng.randint(0, 5)
    else:
        died = born + int(rng.triangular(20, 101, 76))
    return None if died >= THIS_YEAR else died


class BlockBuilder:
    """Builds the blocks of a file in order; the same seed builds the same blocks."""

    def __init__(self, seed: int, people: int) -> None:
        self.seed = seed
        self.total = people
        self.next_person = 1
        self.next_family = 1
        # The block being built:
        self.rng = random.Random()
        self.block = Block(-1)
        self.previous: Block | None = None
        self.limit = 0
        self.culture = CULTURES[0]

    def blocks(self) -> Iterator[Block]:
        """Every block, each yielded once the next one is built (which may marry into it)."""
        previous: Block | None = None
        number = 0
        while self.next_person <= self.total:
            block = self.build(number, previous)
            if previous is not None:
                yield previous
            previous = block
            number += 1
        if previous is not None:
            yield previous

    def build(self, number: int, previous: Block | None) -> Block:
        rng = self.rng = random.Random(f"dzinza-gedcom:{self.seed}:block:{number}")
        room = min(self.total - self.next_person + 1, rng.randint(*BLOCK_SIZES))
        self.limit = self.next_person + room
        self.culture = culture = rng.choices(CULTURES, CULTURE_WEIGHTS)[0]
        self.previous = previous
        block = self.block = Block(number)
        founded = rng.randint(*culture.founded)
        husb = self.person("M", founded, rng.choice(culture.surnames))
        wife = self.person("F", founded + rng.randint(-2, 10), rng.choice(culture.surnames))
        if husb is not None and wife is not None:
            self.wed(husb, wife, founded + rng.randint(20, 32))
        index = 0
        while index < len(block.families) and self.next_person < self.limit:
            self.children(block.families[index])
            index += 1
        singles: dict[str, list[Person]] = {"M": [], "F": []}
        for p in block.people:
            if p.sex != "U" and not p.fams and (p.died or THIS_YEAR) - p.born > 20:
                singles[p.sex].append(p)
        block.singles = singles
        return block

    def person(
        self, sex: str, born: int, surname: str, culture: Culture | None = None
    ) -> Person | None:
        """A new person of this block, or None when the block is full."""
        if self.next_person >= self.limit:
            return None
        culture = culture or self.culture
        p = Person(
            self.next_person,
            sex,
            given_name(self.rng, culture, sex, born),
            surname,
            born,
            lifespan(self.rng, born),
            culture,
        )
        self.next_person += 1
        self.block.people.append(p)
        return p

    def marry_in(self, sex: str, born: int) -> Person | None:
        """A spouse from outside: now and then a single from the block before, else a newcomer
        with no parents in the file (mostly of the block's tradition)."""
        rng = self.rng
        if self.previous is not None and rng.random() < 0.12:
            for candidate in self.previous.singles.get(sex, ()):
                if abs(candidate.born - born) <= 8 and not candidate.fams:
                    return candidate
        other = self.culture
        if rng.random() < 0.15:
            other = rng.choices(CULTURES, CULTURE_WEIGHTS)[0]
        return self.person(sex, born, rng.choice(other.surnames), other)

    def wed(self, husb: Person | None, wife: Person, year: int) -> Family:
        """A new family; with no husband it is a mother and her children (father unknown)."""
        fam = Family(self.next_family, husb, wife, year)
        self.next_family += 1
        self.block.families.append(fam)
        wife.fams.append(fam.id)
        if husb is not None:
            husb.fams.append(fam.id)
            if self.rng.random() < 0.3:
                wife.married_name = husb.surname
        return fam

    def couple(self, p: Person, spouse: Person, year: int) -> Family:
        return self.wed(p, spouse, year) if p.sex == "M" else self.wed(spouse, p, year)

    def marriages(self, p: Person, year: int) -> None:
        """``p``'s first marriage in ``year``, then maybe plural marriages or a remarriage
        (after the spouse's early death or a divorce)."""
        rng = self.rng
        sex = "F" if p.sex == "M" else "M"
        offset = rng.randint(-8, 3) if p.sex == "M" else rng.randint(-2, 10)
        spouse = self.marry_in(sex, p.born + offset)
        if spouse is None:
            return
        fam = self.couple(p, spouse, year)
        end_of_p = p.died or THIS_YEAR
        again = 0
        if spouse.died and spouse.died < end_of_p - 3 and spouse.died - p.born < 55:
            again = spouse.died + rng.randint(1, 4) if rng.random() < 0.5 else 0
        elif year > 1920 and rng.random() < 0.06:
            fam.divorced = min(year + rng.randint(2, 20), THIS_YEAR - 1)
            again = fam.divorced + rng.randint(1, 6) if rng.random() < 0.6 else 0
        elif p.sex == "M" and p.culture.polygamy and year < 1970 and rng.random() < 0.1:
            for _ in range(1 if rng.random() < 0.8 else 2):
                year += rng.randint(3, 15)
                if year >= end_of_p:
                    break
                wife = self.marry_in("F", p.born + rng.randint(5, 20))
                if wife is None:
                    break
                self.wed(p, wife, year)
        if again and again < min(end_of_p, THIS_YEAR):
            spouse = self.marry_in(sex, p.born + rng.randint(-10, 10))
            if spouse is not None:
                self.couple(p, spouse, again)

    def children(self, fam: Family) -> None:
        rng = self.rng
        mother, father = fam.wife, fam.husb
        if fam.married < 1960:
            count = rng.choices(range(10), (10, 9, 12, 14, 14, 12, 10, 8, 6, 5))[0]
        else:
            count = rng.choices(range(6), (14, 16, 30, 22, 12, 6))[0]
        year = fam.married + rng.randint(0, 3)
        last = min(
            mother.born + 46,
            mother.died or THIS_YEAR,
            ((father.died or THIS_YEAR) + 1) if father else THIS_YEAR,
            fam.divorced or THIS_YEAR,
            THIS_YEAR - 1,
        )
        parent = father or mother
        for _ in range(count):
            if year > last:
                break
            roll = rng.random()
            sex = "U" if roll < 0.003 else ("M" if roll < 0.51 else "F")
            child = self.person(sex, year, parent.surname, parent.culture)
            if child is None:
                return
            child.famc = fam.id
            if rng.random() < 0.025:
                child.pedi = rng.choice(("adopted", "foster", "adopted"))
            fam.children.append(child)
            year += rng.randint(1, 4)
            adult = (child.died or THIS_YEAR) - child.born
            if sex == "U" or adult <= 19 or child.born + 19 >= THIS_YEAR:
                continue
            wed_at = child.born + rng.randint(19, 34)
            if wed_at >= min(child.died or THIS_YEAR, THIS_YEAR):
                continue
            roll = rng.random()
            if roll < 0.82:
                self.marriages(child, wed_at)
            elif roll < 0.85 and sex == "F":
                self.wed(None, child, wed_at)


# --- Writing ---------------------------------------------------------------------------------


class Writer:
    """Turns blocks into GEDCOM lines; the random choices of detail are seeded per block."""

    def __init__(self, seed: int, people: int, out: TextIO, filename: str) -> None:
        self.seed = seed
        self.people = people
        self.out = out
        self.filename = filename
        self.lines = 0
        self.source_count = max(20, people // 200)
        self.repository_count = max(4, self.source_count // 25)
        self.note_count = max(10, people // 300)
        self.media = 0
        self.chan_rng = random.Random(f"dzinza-gedcom:{seed}:chan")

    def emit(self, lines: list[str]) -> None:
        self.lines += len(lines)
        lines.append("")
        self.out.write("\n".join(lines))

    # The parts of a line

    def date(self, rng: random.Random, year: int, culture: Culture, exact: float = 0.55) -> str:
        month = rng.randint(1, 12)
        day = rng.randint(1, 28)
        mon = MONTHS[month - 1]
        if culture.julian and year < 1752:
            if month <= 3 and rng.random() < 0.35:
                return f"{day} {mon} {year - 1}/{year % 100:02d}"
            if rng.random() < 0.08:
                return f"@#DJULIAN@ {day} {mon} {year}"
        if year < culture.registers:
            exact *= 0.25
        r = rng.random()
        if r < exact:
            return f"{day:02d} {mon} {year}" if r < 0.05 else f"{day} {mon} {year}"
        r = (r - exact) / (1 - exact)
        if r < 0.22:
            return f"{mon} {year}"
        if r < 0.47:
            return str(year)
        if r < 0.62:
            return f"ABT {year}" if r < 0.58 else f"ABT {mon} {year}"
        if r < 0.67:
            return f"{'EST' if r < 0.645 else 'CAL'} {year}"
        if r < 0.74:
            return f"BEF {day} {mon} {year}" if r < 0.71 else f"BEF {year}"
        if r < 0.8:
            return f"AFT {year}"
        if r < 0.93:
            return f"BET {year - rng.randint(1, 3)} AND {year + rng.randint(1, 3)}"
        if r < 0.97:
            return f"INT {year} (according to the family Bible)"
        return rng.choice(PHRASES)

    def place(self, rng: random.Random, p: Person, year: int, lines: list[str], level: int) -> None:
        culture = p.culture
        pool = culture.places
        if year > 1890 and rng.random() < 0.1:
            pool = MIGRATION[culture.key]
        if pool is culture.places and rng.random() < 0.6:
            where = pool[(p.famc or p.id) % len(pool)]  # the family's home: siblings share it
        else:
            where = rng.choice(pool)
        name = where.name
        if where.old and 1890 <= year < 1982 and rng.random() < 0.3:
            country = (
                "Southern Rhodesia"
                if year < 1965
                else ("Rhodesia" if year < 1979 else "Zimbabwe Rhodesia")
            )
            name = f"{where.old}, {country}"
        lines.append(f"{level} PLAC {name}")
        if where.lat is not None and where.lon is not None and rng.random() < 0.3:
            lat = f"{'N' if where.lat >= 0 else 'S'}{abs(where.lat):.4f}"
            lon = f"{'E' if where.lon >= 0 else 'W'}{abs(where.lon):.4f}"
            lines += [f"{level + 1} MAP", f"{level + 2} LATI {lat}", f"{level + 2} LONG {lon}"]

    def citation(self, rng: random.Random, lines: list[str], level: int) -> None:
        lines.append(f"{level} SOUR @S{rng.randint(1, self.source_count)}@")
        r = rng.random()
        if r < 0.4:
            lines.append(
                f"{level + 1} PAGE Folio {rng.randint(1, 400)}, entry {rng.randint(1, 60)}"
            )
        elif r < 0.7:
            lines.append(f"{level + 1} PAGE p. {rng.randint(1, 900)}")
        elif r < 0.9:
            lines.append(
                f"{level + 1} PAGE Reel {rng.randint(1, 80)}, frame {rng.randint(1, 2000)}"
            )
        lines.append(f"{level + 1} QUAY {rng.choice('01233')}")
        if rng.random() < 0.08:
            lines += [f"{level + 1} DATA", f"{level + 2} TEXT {rng.choice(NOTE_SENTENCES)}"]

    def text(self, rng: random.Random, head: str, level: int, lines: list[str], long: bool) -> None:
        """A NOTE-like text: one line, or (``long``) paragraphs cut into CONT and CONC lines."""
        if not long:
            lines.append(f"{head} {rng.choice(NOTE_SENTENCES)}")
            return
        paragraphs = [
            " ".join(rng.choice(NOTE_SENTENCES) for _ in range(rng.randint(2, 6)))
            for _ in range(rng.randint(1, 4))
        ]
        tag = head
        for number, paragraph in enumerate(paragraphs):
            if number:
                tag = f"{level + 1} CONT"
            rest = paragraph
            while len(rest) > LINE_ROOM:
                cut = LINE_ROOM
                while rest[cut - 1] == " " or rest[cut] == " ":
                    cut -= 1
                lines.append(f"{tag} {rest[:cut]}")
                rest = rest[cut:]
                tag = f"{level + 1} CONC"
            lines.append(f"{tag} {rest}")

    def change(self, lines: list[str]) -> None:
        rng = self.chan_rng
        if rng.random() < 0.35:
            lines += [
                "1 CHAN",
                f"2 DATE {rng.randint(1, 28)} {rng.choice(MONTHS)} {rng.randint(2003, 2024)}",
                f"3 TIME {rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}",
            ]

    # The records

    def header(self) -> None:
        self.emit(
            [
                "0 HEAD",
                "1 SOUR DZINZA_BENCH",
                "2 NAME Dzinza synthetic GEDCOM generator",
                "2 VERS 1.0",
                "2 CORP The Dzinza project",
                "1 DEST ANY",
                "1 DATE 1 JAN 2025",
                "2 TIME 12:00:00",
                "1 SUBM @U1@",
                f"1 FILE {self.filename}",
                "1 COPR Synthetic data, free to use",
                "1 GEDC",
                "2 VERS 5.5.1",
                "2 FORM LINEAGE-LINKED",
                "1 CHAR UTF-8",
                "1 LANG English",
                "1 PLAC",
                "2 FORM Town, District, Province, Country",
                "1 NOTE Generated for benchmarking: the people are made up, the places real.",
                "0 @U1@ SUBM",
                "1 NAME Tendai Moyo",
                "1 ADDR 12 Jason Moyo Avenue",
                "2 CONT Harare",
                "2 CITY Harare",
                "2 CTRY Zimbabwe",
                "1 EMAIL tendai@@example.invalid",
                "1 LANG English",
            ]
        )

    def individual(self, rng: random.Random, p: Person, lines: list[str]) -> None:
        add = lines.append
        add(f"0 @I{p.id}@ INDI")
        surname = p.surname
        spfx = ""
        for particle in ("van der ", "van ", "du ", "de ", "le ", "da ", "dos "):
            if surname.startswith(particle):
                spfx, surname = particle.strip(), surname[len(particle) :]
                break
        given = p.given
        unknown = rng.random() < 0.01
        add(
            f"1 NAME {given} /{'' if unknown else p.surname}/" if given else f"1 NAME /{p.surname}/"
        )
        if given:
            add(f"2 GIVN {given}")
        if spfx:
            add(f"2 SPFX {spfx}")
        if not unknown:
            add(f"2 SURN {surname}")
        r = rng.random()
        if r < 0.04:
            add(f"2 NPFX {rng.choice(PREFIXES)}")
        elif r < 0.07 and p.sex == "M":
            add(f"2 NSFX {rng.choice(SUFFIXES)}")
        elif r < 0.11 and given:
            add(f"2 NICK {given.split()[0][:4]}")
        if p.married_name:
            if rng.random() < 0.6:
                add(f"2 _MARNM {p.married_name}")
            else:
                add(f"1 NAME {given} /{p.married_name}/")
                add("2 TYPE married")
                if given:
                    add(f"2 GIVN {given}")
                add(f"2 SURN {p.married_name}")
        add(f"1 SEX {p.sex}")
        culture = p.culture
        # Birth
        add("1 BIRT")
        if rng.random() < 0.96:
            add(f"2 DATE {self.date(rng, p.born, culture)}")
        if rng.random() < 0.9:
            self.place(rng, p, p.born, lines, 2)
        if rng.random() < 0.15:
            self.citation(rng, lines, 2)
        if rng.random() < culture.christening:
            add("1 CHR")
            add(f"2 DATE {self.date(rng, p.born, culture, exact=0.8)}")
            self.place(rng, p, p.born, lines, 2)
        if p.pedi == "adopted":
            add("1 ADOP")
            add(f"2 DATE {self.date(rng, p.born + rng.randint(0, 6), culture)}")
            add(f"2 FAMC @F{p.famc}@")
            add("3 ADOP BOTH")
        adult = (p.died or THIS_YEAR) - p.born >= 18
        if adult and rng.random() < 0.55:
            year = p.born + rng.randint(18, 40)
            occupation = rng.choice(OLD_OCCUPATIONS if year < 1880 else OCCUPATIONS)
            add(f"1 OCCU {occupation}")
            if rng.random() < 0.5:
                add(f"2 DATE {'ABT ' if rng.random() < 0.5 else ''}{year}")
            if rng.random() < 0.3:
                self.place(rng, p, year, lines, 2)
        if adult and p.born > 1920 and rng.random() < 0.18:
            add(f"1 EDUC {rng.choice(EDUCATION)}")
            add(f"2 DATE {p.born + rng.randint(12, 24)}")
        if adult and rng.random() < 0.25:
            add("1 RESI")
            start = p.born + rng.randint(18, 50)
            add(f"2 DATE FROM {start} TO {start + rng.randint(1, 20)}")
            if rng.random() < 0.5 and p.born > 1850:
                where = rng.choice(culture.places).name.split(", ")
                add(f"2 ADDR {rng.randint(1, 300)} {rng.choice(STREETS)}")
                add(f"3 CITY {where[0]}")
                add(f"3 CTRY {where[-1]}")
            else:
                self.place(rng, p, start, lines, 2)
        # Death and burial
        if p.died is not None:
            if rng.random() < 0.07:
                add("1 DEAT Y")
            else:
                add("1 DEAT")
                add(f"2 DATE {self.date(rng, p.died, culture)}")
                if rng.random() < 0.85:
                    self.place(rng, p, p.died, lines, 2)
                if rng.random() < 0.15:
                    add(f"2 CAUS {rng.choice(CAUSES)}")
                if rng.random() < 0.1:
                    add(f"2 AGE {p.died - p.born}y")
                if rng.random() < 0.2:
                    self.citation(rng, lines, 2)
            if rng.random() < 0.5:
                add("1 BURI")
                if rng.random() < 0.8:
                    add(f"2 DATE {self.date(rng, p.died, culture, exact=0.7)}")
                self.place(rng, p, p.died, lines, 2)
        # Families
        if p.famc:
            add(f"1 FAMC @F{p.famc}@")
            if p.pedi:
                add(f"2 PEDI {p.pedi}")
        for fam in p.fams:
            add(f"1 FAMS @F{fam}@")
        # Notes, sources, media, identifiers
        r = rng.random()
        if r < 0.1:
            self.text(rng, "1 NOTE", 1, lines, long=False)
        elif r < 0.125:
            self.text(rng, "1 NOTE", 1, lines, long=True)
        elif r < 0.165:
            add(f"1 NOTE @N{rng.randint(1, self.note_count)}@")
        if rng.random() < 0.12:
            self.citation(rng, lines, 1)
        if rng.random() < 0.08:
            if self.media and rng.random() < 0.2:
                add(f"1 OBJE @O{rng.randint(1, self.media)}@")
            else:
                self.media += 1
                add(f"1 OBJE @O{self.media}@")
        if rng.random() < 0.1:
            add(f"1 REFN {rng.randint(1, 99999)}")
            add("2 TYPE user reference")
        if rng.random() < 0.9:
            add(f"1 _UID {rng.getrandbits(128):032X}")
        self.change(lines)

    def family(self, rng: random.Random, fam: Family, lines: list[str]) -> None:
        add = lines.append
        add(f"0 @F{fam.id}@ FAM")
        if fam.husb is not None:
            add(f"1 HUSB @I{fam.husb.id}@")
        add(f"1 WIFE @I{fam.wife.id}@")
        for child in fam.children:
            add(f"1 CHIL @I{child.id}@")
        lead = fam.husb or fam.wife
        if fam.husb is not None and rng.random() < 0.7:
            add("1 MARR")
            add(f"2 DATE {self.date(rng, fam.married, lead.culture)}")
            if lead.culture.polygamy and rng.random() < 0.3:
                add("2 TYPE Customary (roora)")
            if rng.random() < 0.8:
                self.place(rng, lead, fam.married, lines, 2)
            if rng.random() < 0.2:
                self.citation(rng, lines, 2)
        if fam.divorced:
            add("1 DIV")
            if rng.random() < 0.8:
                add(f"2 DATE {self.date(rng, fam.divorced, lead.culture)}")
        if rng.random() < 0.02:
            self.text(rng, "1 NOTE", 1, lines, long=False)
        if rng.random() < 0.5:
            add(f"1 _UID {rng.getrandbits(128):032X}")
        self.change(lines)

    def sources(self) -> None:
        rng = random.Random(f"dzinza-gedcom:{self.seed}:sources")
        lines: list[str] = []
        for number in range(1, self.source_count + 1):
            culture = rng.choices(CULTURES, CULTURE_WEIGHTS)[0]
            town = rng.choice(culture.places).name.split(", ")[0]
            year = rng.randint(1700, 2010)
            title = rng.choice(SOURCE_TITLES).format(
                town=town, year=year, year2=year + 20, surname=rng.choice(culture.surnames)
            )
            lines += [f"0 @S{number}@ SOUR", f"1 TITL {title}"]
            if rng.random() < 0.6:
                lines.append(f"1 AUTH {rng.choice(REPOSITORIES)[0]}")
            if rng.random() < 0.3:
                lines.append(f"1 PUBL {town}, {year + rng.randint(1, 100)}")
            if rng.random() < 0.4:
                lines.append(f"1 ABBR {title[:30]}")
            lines.append(f"1 REPO @R{rng.randint(1, self.repository_count)}@")
            lines.append(f"2 CALN MS {rng.randint(1, 999)}/{rng.randint(1, 99)}")
            lines.append(f"3 MEDI {rng.choice(('Book', 'Microfilm', 'Manuscript', 'Electronic'))}")
            if rng.random() < 0.2:
                self.text(rng, "1 NOTE", 1, lines, long=rng.random() < 0.3)
            lines.append(f"1 _UID {rng.getrandbits(128):032X}")
            if len(lines) > 10_000:
                self.emit(lines)
                lines = []
        self.emit(lines)

    def repositories(self) -> None:
        lines: list[str] = []
        for number in range(1, self.repository_count + 1):
            name, address, city, country = REPOSITORIES[(number - 1) % len(REPOSITORIES)]
            if number > len(REPOSITORIES):
                name = f"{name} (branch {number // len(REPOSITORIES)})"
            lines += [
                f"0 @R{number}@ REPO",
                f"1 NAME {name}",
                f"1 ADDR {address}",
                f"2 CONT {city}",
                f"2 CITY {city}",
                f"2 CTRY {country}",
            ]
        self.emit(lines)

    def notes(self) -> None:
        rng = random.Random(f"dzinza-gedcom:{self.seed}:notes")
        lines: list[str] = []
        for number in range(1, self.note_count + 1):
            self.text(rng, f"0 @N{number}@ NOTE", 0, lines, long=rng.random() < 0.5)
            if len(lines) > 10_000:
                self.emit(lines)
                lines = []
        self.emit(lines)

    def media_records(self) -> None:
        rng = random.Random(f"dzinza-gedcom:{self.seed}:media")
        lines: list[str] = []
        for number in range(1, self.media + 1):
            form, kind = rng.choice(FORMS)
            caption = rng.choice(CAPTIONS)
            lines += [
                f"0 @O{number}@ OBJE",
                f"1 FILE media/{number // 1000:03d}/{caption.lower().replace(' ', '_')}_{number}.{form}",
                f"2 FORM {form}",
                f"3 TYPE {kind}",
                f"2 TITL {caption}, about {rng.randint(1890, 2020)}",
            ]
            if rng.random() < 0.1:
                self.text(rng, "1 NOTE", 1, lines, long=False)
            if len(lines) > 10_000:
                self.emit(lines)
                lines = []
        self.emit(lines)

    def write(self) -> None:
        self.header()
        for block in BlockBuilder(self.seed, self.people).blocks():
            rng = random.Random(f"dzinza-gedcom:{self.seed}:indi:{block.number}")
            lines: list[str] = []
            for p in block.people:
                self.individual(rng, p, lines)
            self.emit(lines)
        for block in BlockBuilder(self.seed, self.people).blocks():
            rng = random.Random(f"dzinza-gedcom:{self.seed}:fam:{block.number}")
            lines = []
            for fam in block.families:
                self.family(rng, fam, lines)
            self.emit(lines)
        self.sources()
        self.repositories()
        self.notes()
        self.media_records()
        self.emit(["0 TRLR"])


def peak_rss_mb() -> float:
    """This program's peak RSS in MiB (``VmHWM``; ``ru_maxrss`` would include the parent's)."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def generate(people: int, path: Path, seed: int) -> dict[str, float | int | str]:
    """Write the file; returns what was written (people, lines, bytes, seconds, peak RSS)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    started = time.perf_counter()
    with partial.open("w", encoding="utf-8", newline="\n", buffering=1 << 20) as out:
        writer = Writer(seed, people, out, path.name)
        writer.write()
    partial.replace(path)
    return {
        "generator": VERSION,
        "path": str(path),
        "people": people,
        "seed": seed,
        "lines": writer.lines,
        "bytes": path.stat().st_size,
        "seconds": round(time.perf_counter() - started, 2),
        "peak_rss_mb": round(peak_rss_mb(), 1),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python bench/gedcom_generate.py", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("people", type=int, help="how many people (N)")
    parser.add_argument("-o", "--output", type=Path, required=True, help="the .ged file to write")
    parser.add_argument("--seed", type=int, default=SEED, help="random seed")
    parser.add_argument("--json", action="store_true", help="print what was written as JSON")
    args = parser.parse_args(argv)
    if args.people < 1:
        parser.error("N must be at least 1")
    info = generate(args.people, args.output, args.seed)
    if args.json:
        print(json.dumps(info))
        return 0
    print(
        f"{info['path']}: {info['people']:,} people, {info['lines']:,} lines, "
        f"{int(info['bytes']) / 1e6:,.1f} MB in {info['seconds']} s "
        f"(peak RSS {info['peak_rss_mb']} MiB)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
