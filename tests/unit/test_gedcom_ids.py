"""The import's ids: Dzinza's quick uuid5 gives exactly the standard library's values, since
re-importing a file finds its records by these ids."""

from __future__ import annotations

import uuid

from hypothesis import given
from hypothesis import strategies as st

from dzinza.services.gedcom_rows import NAMESPACE, child_id, record_id, uuid5


@given(namespace=st.uuids(), name=st.text())
def test_uuid5_is_the_standard_one(namespace: uuid.UUID, name: str) -> None:
    made = uuid5(namespace.bytes, name)
    expected = uuid.uuid5(namespace, name)
    assert made == expected and made.int == expected.int and str(made) == str(expected)
    assert made.version == 5 and made.variant == uuid.RFC_4122
    assert hash(made) == hash(expected) and {made: 1}[expected] == 1


def test_record_and_row_ids_are_stable() -> None:
    tree = uuid.UUID("00000000-0000-4000-8000-000000000001")
    assert record_id(tree, "@I1@") == uuid.uuid5(NAMESPACE, f"{tree}/@I1@")
    person = record_id(tree, "@I1@")
    assert child_id(person, "name", 0) == uuid.uuid5(person, "name/0")
