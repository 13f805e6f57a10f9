"""Password hashing with argon2id (argon2-cffi's defaults follow RFC 9106's recommendations).

The ``fast`` profile exists for test suites that make hundreds of accounts: it is argon2id with
the smallest cost, and ``Settings`` refuses to use it unless asked for by name."""

from __future__ import annotations

from argon2 import PasswordHasher as _Argon2
from argon2.exceptions import InvalidHashError, VerificationError


class Argon2Hasher:
    def __init__(self, *, fast: bool = False) -> None:
        self._hasher = _Argon2(time_cost=1, memory_cost=1024, parallelism=1) if fast else _Argon2()

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, password_hash: str, password: str) -> bool:
        try:
            return self._hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False
