"""The demo tree: six generations of a Zimbabwean family of the Moyo clan, with clan and praise
names, customary unions with lobola, a plural marriage, a remarriage, an adoption, sources and
citations, and places in Zimbabwe with coordinates. Loading it again replaces it (its ids are
fixed), so it is never duplicated."""

from __future__ import annotations

import uuid
from typing import Any

from dzinza.domain.errors import ValidationFailed, said
from dzinza.services import events as event_service
from dzinza.services.common import SYSTEM
from dzinza.services.families import FamilyService
from dzinza.services.platform import Platform
from dzinza.services.records import RecordService
from dzinza.services.trees import TreeService

NAMESPACE = uuid.UUID("4f0d1c0e-7a39-4b7e-9a52-6d7a1f3c2b10")
TREE_NAME = "Moyo family of Masvingo (demo)"


def demo_id(key: str) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, key)


DEMO_TREE_ID = demo_id("tree")

# key: (name, type, parent, latitude, longitude)
PLACES: list[tuple[str, str, str, str | None, float, float]] = [
    ("zw", "Zimbabwe", "country", None, -19.0154, 29.1549),
    ("masvingo_p", "Masvingo Province", "province", "zw", -20.0637, 30.8277),
    ("masvingo", "Masvingo", "town", "masvingo_p", -20.0744, 30.8328),
    ("gutu", "Gutu", "district", "masvingo_p", -19.6500, 31.1667),
    ("morgenster", "Morgenster Mission", "mission", "masvingo_p", -20.2167, 30.8833),
    ("nyajena", "Nyajena", "village", "masvingo_p", -20.3333, 31.1000),
    ("harare", "Harare", "city", "zw", -17.8292, 31.0522),
    ("bulawayo", "Bulawayo", "city", "zw", -20.1500, 28.5833),
    ("mutare", "Mutare", "city", "zw", -18.9707, 32.6709),
    ("murewa", "Murewa", "district", "zw", -17.6500, 31.7833),
]

CLANS = {
    "moyo": ("Moyo", "Chirandu"),
    "shumba": ("Shumba", "Sipambi"),
    "soko": ("Soko", "Vudzijena"),
    "dube": ("Dube", "Mbizi"),
    "gumbo": ("Gumbo", "Madyirapazhe"),
    "ncube": ("Ncube", "Msipa"),
    "dziva": ("Dziva", "Hwesa"),
}

# key: (given, surname, sex, clan, birth (date, place), death (date, place) or None, married surname)
PEOPLE: list[tuple[str, str, str, str, str, tuple[str, str], tuple[str, str] | None, str]] = [
    (
        "chirandu",
        "Chirandu",
        "Moyo",
        "male",
        "moyo",
        ("ABT 1852", "nyajena"),
        ("1921", "nyajena"),
        "",
    ),
    (
        "rufaro",
        "Rufaro",
        "Shumba",
        "female",
        "shumba",
        ("ABT 1858", "gutu"),
        ("12 MAR 1930", "nyajena"),
        "Moyo",
    ),
    (
        "chipo",
        "Chipo",
        "Soko",
        "female",
        "soko",
        ("ABT 1865", "gutu"),
        ("BEF 1940", "nyajena"),
        "Moyo",
    ),
    (
        "tafirenyika",
        "Tafirenyika",
        "Moyo",
        "male",
        "moyo",
        ("ABT 1878", "nyajena"),
        ("4 JUN 1950", "masvingo"),
        "",
    ),
    ("nyasha", "Nyasha", "Moyo", "female", "moyo", ("1881", "nyajena"), ("1960", "gutu"), ""),
    (
        "munyaradzi",
        "Munyaradzi",
        "Moyo",
        "male",
        "moyo",
        ("EST 1888", "nyajena"),
        ("1962", "bulawayo"),
        "",
    ),
    ("mazvita", "Mazvita", "Moyo", "female", "moyo", ("1891", "nyajena"), ("1944", "gutu"), ""),
    ("tsitsi", "Tsitsi", "Dube", "female", "dube", ("1884", "gutu"), ("1957", "masvingo"), "Moyo"),
    (
        "ruvimbo",
        "Ruvimbo",
        "Ncube",
        "female",
        "ncube",
        ("1893", "bulawayo"),
        ("1970", "bulawayo"),
        "Moyo",
    ),
    (
        "tendai",
        "Tendai",
        "Moyo",
        "male",
        "moyo",
        ("15 AUG 1905", "morgenster"),
        ("2 FEB 1998", "masvingo"),
        "",
    ),
    ("farai", "Farai", "Moyo", "female", "moyo", ("1908", "nyajena"), ("1990", "harare"), ""),
    (
        "kudakwashe",
        "Kudakwashe",
        "Moyo",
        "male",
        "moyo",
        ("ABT 1911", "nyajena"),
        ("1975", "masvingo"),
        "",
    ),
    ("sipho", "Sipho", "Moyo", "male", "moyo", ("1917", "bulawayo"), ("1988", "bulawayo"), ""),
    (
        "rudo",
        "Rudo",
        "Mhlanga",
        "female",
        "dziva",
        ("1910", "gutu"),
        ("9 SEP 1944", "masvingo"),
        "Moyo",
    ),
    (
        "chenai",
        "Chenai",
        "Gumbo",
        "female",
        "gumbo",
        ("1922", "murewa"),
        ("2009", "harare"),
        "Moyo",
    ),
    (
        "maidei",
        "Maidei",
        "Chari",
        "female",
        "shumba",
        ("1915", "gutu"),
        ("1944", "masvingo"),
        "Moyo",
    ),
    (
        "tapiwa",
        "Tapiwa",
        "Moyo",
        "male",
        "moyo",
        ("3 JAN 1932", "morgenster"),
        ("2010", "harare"),
        "",
    ),
    ("tatenda", "Tatenda", "Moyo", "female", "moyo", ("1936", "masvingo"), ("2019", "mutare"), ""),
    ("tinashe", "Tinashe", "Moyo", "male", "moyo", ("1942", "masvingo"), None, ""),
    ("blessing", "Blessing", "Moyo", "male", "moyo", ("1950", "harare"), None, ""),
    (
        "nyarai",
        "Nyarai",
        "Sithole",
        "female",
        "dziva",
        ("1936", "mutare"),
        ("2015", "harare"),
        "Moyo",
    ),
    ("thandiwe", "Thandiwe", "Ndlovu", "female", "ncube", ("1953", "bulawayo"), None, "Moyo"),
    ("tonderai", "Tonderai", "Moyo", "male", "moyo", ("14 FEB 1960", "harare"), None, ""),
    ("rutendo", "Rutendo", "Moyo", "female", "moyo", ("1963", "harare"), None, ""),
    ("simbarashe", "Simbarashe", "Moyo", "male", "moyo", ("1967", "harare"), None, ""),
    ("nokuthula", "Nokuthula", "Moyo", "female", "moyo", ("1978", "bulawayo"), None, ""),
    ("fadzai", "Fadzai", "Chikore", "female", "soko", ("1964", "mutare"), None, "Moyo"),
    ("peter", "Peter", "Marufu", "male", "shumba", ("1960", "harare"), None, ""),
    ("tawanda", "Tawanda", "Moyo", "male", "moyo", ("22 JUL 1988", "harare"), None, ""),
    ("anesu", "Anesu", "Moyo", "female", "moyo", ("1991", "harare"), None, ""),
    ("kudzai", "Kudzai", "Marufu", "female", "shumba", ("1992", "harare"), None, ""),
    ("vimbai", "Vimbai", "Mutasa", "female", "gumbo", ("1990", "mutare"), None, "Moyo"),
    ("ruvarashe", "Ruvarashe", "Moyo", "female", "moyo", ("2016", "harare"), None, ""),
    ("takunda", "Takunda", "Moyo", "male", "moyo", ("2019", "harare"), None, ""),
]

# key: (partner1, partner2, union type, union event (type, date, place) or None, [(child, pedigree)])
FAMILIES: list[
    tuple[str, str, str | None, str, tuple[str, str, str] | None, list[tuple[str, str]]]
] = [
    (
        "f_chirandu_rufaro",
        "chirandu",
        "rufaro",
        "customary",
        ("lobola", "ABT 1876", "nyajena"),
        [("tafirenyika", "birth"), ("nyasha", "birth")],
    ),
    # Chirandu's second wife, at the same time as the first: a plural (polygynous) customary marriage.
    (
        "f_chirandu_chipo",
        "chirandu",
        "chipo",
        "customary",
        ("lobola", "ABT 1884", "nyajena"),
        [("munyaradzi", "birth"), ("mazvita", "birth")],
    ),
    (
        "f_tafirenyika_tsitsi",
        "tafirenyika",
        "tsitsi",
        "customary",
        ("lobola", "1903", "gutu"),
        [("tendai", "birth"), ("farai", "birth"), ("kudakwashe", "birth")],
    ),
    (
        "f_munyaradzi_ruvimbo",
        "munyaradzi",
        "ruvimbo",
        "civil",
        ("marriage", "1915", "bulawayo"),
        [("sipho", "birth")],
    ),
    (
        "f_tendai_rudo",
        "tendai",
        "rudo",
        "religious",
        ("marriage", "20 DEC 1930", "morgenster"),
        [("tapiwa", "birth"), ("tatenda", "birth")],
    ),
    # Tendai remarried after Rudo died in 1944.
    (
        "f_tendai_chenai",
        "tendai",
        "chenai",
        "civil",
        ("marriage", "5 APR 1947", "masvingo"),
        [("tinashe", "adopted"), ("blessing", "birth")],
    ),
    (
        "f_kudakwashe_maidei",
        "kudakwashe",
        "maidei",
        "customary",
        ("lobola", "1940", "gutu"),
        [("tinashe", "birth")],
    ),
    (
        "f_tapiwa_nyarai",
        "tapiwa",
        "nyarai",
        "customary",
        ("lobola", "1958", "mutare"),
        [("tonderai", "birth"), ("rutendo", "birth"), ("simbarashe", "birth")],
    ),
    (
        "f_blessing_thandiwe",
        "blessing",
        "thandiwe",
        "civil",
        ("marriage", "1976", "bulawayo"),
        [("nokuthula", "birth")],
    ),
    (
        "f_tonderai_fadzai",
        "tonderai",
        "fadzai",
        "civil",
        ("marriage", "1986", "harare"),
        [("tawanda", "birth"), ("anesu", "birth")],
    ),
    (
        "f_peter_rutendo",
        "peter",
        "rutendo",
        "civil",
        ("marriage", "1989", "harare"),
        [("kudzai", "birth")],
    ),
    (
        "f_tawanda_vimbai",
        "tawanda",
        "vimbai",
        "partnership",
        None,
        [("ruvarashe", "birth"), ("takunda", "birth")],
    ),
]

EXTRA_EVENTS: list[tuple[str, str, str, str, str]] = [
    # person, type, date, place, value
    ("chirandu", "traditional_title", "ABT 1890", "nyajena", "Sabhuku (village head) of Nyajena"),
    ("tendai", "occupation", "1930", "masvingo", "Teacher"),
    ("tendai", "baptism", "1 OCT 1905", "morgenster", ""),
    ("tapiwa", "occupation", "1960", "harare", "Railway engineer"),
    ("tapiwa", "kurova_guva", "2011", "harare", ""),
    ("tonderai", "education", "1983", "harare", "University of Zimbabwe"),
    ("sipho", "residence", "1950", "bulawayo", ""),
    ("tawanda", "occupation", "2012", "harare", "Software developer"),
]


def _person(
    key: str,
    given: str,
    surname: str,
    sex: str,
    clan: str,
    birth: tuple[str, str],
    death: tuple[str, str] | None,
    married: str,
) -> dict[str, Any]:
    totem, praise = CLANS[clan]
    names: list[dict[str, Any]] = [{"type": "birth", "given": given, "surname": surname}]
    if married:
        names.append({"type": "married", "given": given, "surname": married})
    names.append({"type": "clan", "given": praise, "surname": totem})
    events = [{"type": "birth", "date": birth[0], "place_id": demo_id("place:" + birth[1])}]
    if death:
        events.append({"type": "death", "date": death[0], "place_id": demo_id("place:" + death[1])})
    events.append({"type": "clan", "value": f"{totem} ({praise})"})
    return {
        "id": demo_id("person:" + key),
        "sex": sex,
        "names": names,
        "events": events,
        "living": None,  # inferred from the dates, as for any tree
    }


def load_demo(
    platform: Platform, owner_email: str | None = None, *, keep_existing: bool = False
) -> dict[str, Any]:
    """Loads the demo tree, replacing an earlier copy unless ``keep_existing`` is set."""
    owner_id = None
    summary = {
        "tree_id": str(DEMO_TREE_ID),
        "name": TREE_NAME,
        "people": len(PEOPLE),
        "families": len(FAMILIES),
    }
    with platform.store.write() as tx:
        if keep_existing and tx.get("tree", DEMO_TREE_ID) is not None:
            return summary | {"kept": True}
        if owner_email:
            owner = tx.user_by_email(owner_email.strip().lower())
            if owner is None:
                raise ValidationFailed(
                    said(
                        "There is no user with the email %(owner_email)s: create it first.",
                        owner_email=owner_email,
                    )
                )
            owner_id = owner["id"]
        if tx.get("tree", DEMO_TREE_ID) is not None:
            tx.delete("tree", DEMO_TREE_ID)
        TreeService.insert(
            tx,
            SYSTEM,
            {
                "id": DEMO_TREE_ID,
                "name": TREE_NAME,
                "visibility": "public",
                "owner_id": owner_id,
                "description": "Six generations of the Moyo (Chirandu) clan from Nyajena, Masvingo, "
                "to Harare today. Generated demo data: every person is fictional.",
            },
        )
        places = RecordService(platform.store, "place")
        for key, name, kind, parent, lat, lon in PLACES:
            places.insert(
                tx,
                DEMO_TREE_ID,
                {
                    "id": demo_id("place:" + key),
                    "name": name,
                    "type": kind,
                    "parent_id": demo_id("place:" + parent) if parent else None,
                    "latitude": lat,
                    "longitude": lon,
                },
            )
        for row in PEOPLE:
            platform.people.insert(tx, DEMO_TREE_ID, _person(*row))
        families = FamilyService(platform.store)
        for key, p1, p2, union, event, children in FAMILIES:
            families.insert(
                tx,
                DEMO_TREE_ID,
                {
                    "id": demo_id("family:" + key),
                    "partner1_id": demo_id("person:" + p1),
                    "partner2_id": demo_id("person:" + p2) if p2 else None,
                    "union_type": union,
                    "children": [
                        {"child_id": demo_id("person:" + c), "pedigree": ped} for c, ped in children
                    ],
                    "events": [
                        {
                            "type": event[0],
                            "date": event[1],
                            "place_id": demo_id("place:" + event[2]),
                        }
                    ]
                    if event
                    else [],
                },
            )
        for person, etype, date, place, value in EXTRA_EVENTS:
            event_service.insert(
                tx,
                DEMO_TREE_ID,
                {
                    "person_id": demo_id("person:" + person),
                    "type": etype,
                    "date": date,
                    "place_id": demo_id("place:" + place),
                    "value": value,
                },
            )
        _sources(platform, tx)
    return summary


def _sources(platform: Platform, tx: Any) -> None:
    repos = RecordService(platform.store, "repository")
    sources = RecordService(platform.store, "source")
    citations = RecordService(platform.store, "citation")
    notes = RecordService(platform.store, "note")
    archives = repos.insert(
        tx,
        DEMO_TREE_ID,
        {"name": "National Archives of Zimbabwe", "address": "Borrowdale Road, Harare"},
    )
    mission = repos.insert(
        tx, DEMO_TREE_ID, {"name": "Morgenster Mission archive", "address": "Morgenster, Masvingo"}
    )
    register = sources.insert(
        tx,
        DEMO_TREE_ID,
        {
            "title": "Baptism register, Morgenster Mission, 1900-1950",
            "repository_id": mission,
            "call_number": "MM/BR/1",
        },
    )
    births = sources.insert(
        tx,
        DEMO_TREE_ID,
        {
            "title": "Register of births, Harare district",
            "repository_id": archives,
            "call_number": "S2/BR",
        },
    )
    oral = sources.insert(
        tx,
        DEMO_TREE_ID,
        {
            "title": "Oral history told by Sekuru Tendai Moyo",
            "author": "Tendai Moyo",
            "publication": "Recorded at Masvingo, 1996",
        },
    )
    person = "person"
    for who, source, page, quality in [
        ("tendai", register, "folio 12, entry 48", 3),
        ("tapiwa", register, "folio 61, entry 7", 3),
        ("tonderai", births, "1960, entry 1184", 3),
        ("tawanda", births, "1988, entry 20931", 3),
        ("chirandu", oral, "recording 1, 04:10", 1),
        ("rufaro", oral, "recording 1, 07:45", 1),
        ("chipo", oral, "recording 1, 09:30", 1),
    ]:
        citations.insert(
            tx,
            DEMO_TREE_ID,
            {
                "source_id": source,
                "page": page,
                "quality": quality,
                "target": {"type": person, "id": demo_id("person:" + who)},
            },
        )
    notes.insert(
        tx,
        DEMO_TREE_ID,
        {
            "text": "Chirandu took a second wife, Chipo, about 1884 while Rufaro lived: both unions "
            "were customary, with lobola paid in cattle.",
            "targets": [
                {"type": "family", "id": demo_id("family:f_chirandu_chipo")},
                {"type": "person", "id": demo_id("person:chirandu")},
            ],
        },
    )
    notes.insert(
        tx,
        DEMO_TREE_ID,
        {
            "text": "Tinashe was raised by his uncle Tendai and Chenai after his mother Maidei died in 1944.",
            "targets": [{"type": "person", "id": demo_id("person:tinashe")}],
        },
    )
