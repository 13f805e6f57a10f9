"""Passwords are hashed with argon2id at RFC 9106's cost unless a test suite asks otherwise."""

from __future__ import annotations

from dzinza.adapters.passwords import Argon2Hasher
from dzinza.settings import Settings


def test_standard_profile_is_argon2id_at_full_cost() -> None:
    assert Settings().password_hashing == "standard"
    hashed = Argon2Hasher().hash("correct horse battery")
    assert hashed.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert Argon2Hasher().verify(hashed, "correct horse battery")
    assert not Argon2Hasher().verify(hashed, "correct horse battery!")


def test_fast_profile_still_verifies_both_ways() -> None:
    fast = Argon2Hasher(fast=True)
    hashed = fast.hash("pw")
    assert hashed.startswith("$argon2id$") and fast.verify(hashed, "pw")
    # Hashes carry their parameters: a standard hasher verifies a fast hash and vice versa.
    assert Argon2Hasher().verify(hashed, "pw")
    assert fast.verify(Argon2Hasher().hash("pw"), "pw")
