"""The words of the data model as the pages show them (sexes, living, name types, unions,
pedigrees, event and fact types), marked for translation and translated where they are shown.
One list for every page, so a type reads the same on the person page, in forms and in search."""

from __future__ import annotations

from dzinza.domain.vocabulary import NameType, Pedigree, Sex, UnionType
from dzinza.web.i18n import N_

SEX_LABELS = {
    Sex.FEMALE.value: N_("Female"),
    Sex.MALE.value: N_("Male"),
    Sex.INTERSEX.value: N_("Intersex"),
    Sex.UNKNOWN.value: N_("Sex unknown"),
}
LIVING_LABELS = {
    "unknown": N_("Not known (decided from the dates)"),
    "yes": N_("Living"),
    "no": N_("Deceased"),
}
LIVING_VALUES: dict[str, bool | None] = {"unknown": None, "yes": True, "no": False}
NAME_TYPE_LABELS = {
    NameType.BIRTH.value: N_("Birth name"),
    NameType.MARRIED.value: N_("Married name"),
    NameType.AKA.value: N_("Also known as"),
    NameType.CLAN.value: N_("Clan or totem name"),
    NameType.PRAISE.value: N_("Praise name"),
    NameType.RELIGIOUS.value: N_("Religious name"),
    NameType.IMMIGRANT.value: N_("Name taken on immigrating"),
    NameType.OTHER.value: N_("Other name"),
}
UNION_LABELS = {
    UnionType.CIVIL.value: N_("civil union"),
    UnionType.RELIGIOUS.value: N_("religious union"),
    UnionType.CUSTOMARY.value: N_("customary union"),
    UnionType.PARTNERSHIP.value: N_("partnership"),
    UnionType.UNKNOWN.value: N_("union of unknown type"),
}
PEDIGREE_LABELS = {
    Pedigree.BIRTH.value: N_("by birth"),
    Pedigree.ADOPTED.value: N_("adopted"),
    Pedigree.FOSTER.value: N_("foster"),
    Pedigree.STEP.value: N_("step"),
    Pedigree.UNKNOWN.value: N_("link unknown"),
}
EVENT_LABELS = {
    "birth": N_("Birth"),
    "christening": N_("Christening"),
    "death": N_("Death"),
    "burial": N_("Burial"),
    "cremation": N_("Cremation"),
    "adoption": N_("Adoption"),
    "baptism": N_("Baptism"),
    "bar_mitzvah": N_("Bar mitzvah"),
    "bat_mitzvah": N_("Bat mitzvah"),
    "blessing": N_("Blessing"),
    "adult_christening": N_("Adult christening"),
    "confirmation": N_("Confirmation"),
    "first_communion": N_("First communion"),
    "ordination": N_("Ordination"),
    "naturalization": N_("Naturalization"),
    "emigration": N_("Emigration"),
    "immigration": N_("Immigration"),
    "census": N_("Census"),
    "probate": N_("Probate"),
    "will": N_("Will"),
    "graduation": N_("Graduation"),
    "retirement": N_("Retirement"),
    "event": N_("Other event"),
    "annulment": N_("Annulment"),
    "divorce": N_("Divorce"),
    "divorce_filed": N_("Divorce filed"),
    "engagement": N_("Engagement"),
    "marriage_banns": N_("Marriage banns"),
    "marriage_contract": N_("Marriage contract"),
    "marriage": N_("Marriage"),
    "marriage_licence": N_("Marriage licence"),
    "marriage_settlement": N_("Marriage settlement"),
    "lobola": N_("Lobola (roora)"),
    "kurova_guva": N_("Kurova guva (umbuyiso)"),
    "initiation": N_("Initiation"),
    "caste": N_("Caste"),
    "physical_description": N_("Physical description"),
    "education": N_("Education"),
    "id_number": N_("Identity number"),
    "nationality": N_("Nationality"),
    "children_count": N_("Number of children"),
    "marriage_count": N_("Number of marriages"),
    "occupation": N_("Occupation"),
    "property": N_("Property"),
    "religion": N_("Religion"),
    "residence": N_("Residence"),
    "national_id": N_("National identity number"),
    "title": N_("Title (of rank or respect)"),
    "fact": N_("Other fact"),
    "clan": N_("Clan (mutupo)"),
    "totem": N_("Totem"),
    "tribe": N_("Tribe"),
    "traditional_title": N_("Traditional title"),
    "village": N_("Village"),
}
