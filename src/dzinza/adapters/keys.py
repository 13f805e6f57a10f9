"""Key providers (``KeyProvider``): the outer keys of envelope encryption, chosen by URL.

- ``file:///PATH``: a local key file (``LocalKeyFile``), 32 random bytes in base64 on one line,
  made by ``dzinza backup key PATH`` and readable by its owner only. Data keys are wrapped with
  AES-256-GCM. The embedded default; in Kubernetes, a file mounted from a secret.
- ``kms://KEY?region=R[&endpoint=URL]``: AWS KMS (``KmsKeys``), KEY being a key id, an ARN or
  ``alias/NAME``. KMS encrypts the data key itself (the key never leaves KMS), bound to an
  encryption context naming Dzinza; credentials come from the standard chain (the pod's IAM role).
  ``endpoint`` is for a KMS emulator in tests.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from dzinza.domain.errors import Unavailable
from dzinza.ports import KeyProvider

KEY_BYTES = 32
_WRAP_CONTEXT = b"dzinza data key"
_KMS_CONTEXT = {"application": "dzinza", "purpose": "data-key"}
# What KMS answers for a key that did not wrap the data (AWS: the first two; emulators and a
# key policy that leaves this process out: the third).
_NOT_THIS_KEY = frozenset(
    {"InvalidCiphertextException", "IncorrectKeyException", "AccessDeniedException"}
)


def create_key_file(path: Path) -> str:
    """Writes a new random key to ``path`` (which must not exist), readable by its owner only;
    returns the key's id."""
    key = os.urandom(KEY_BYTES)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(base64.b64encode(key).decode() + "\n")
    return LocalKeyFile(path).key_id


class LocalKeyFile:
    def __init__(self, path: Path) -> None:
        try:
            text = path.read_text().strip()
        except OSError as exc:
            raise ValueError(f"the key file {path} cannot be read: {exc.strerror}") from None
        try:
            key = base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError):
            key = b""
        if len(key) != KEY_BYTES:
            raise ValueError(
                f"the key file {path} does not hold a key: {KEY_BYTES} bytes in base64 on one line "
                "(make one with `dzinza backup key PATH`)"
            )
        self._cipher = AESGCM(key)
        # The key's fingerprint, never the key: safe in manifests and messages.
        self.key_id = "file:" + hashlib.sha256(b"dzinza key id\0" + key).hexdigest()[:16]

    def wrap(self, data_key: bytes) -> bytes:
        nonce = os.urandom(12)
        return nonce + self._cipher.encrypt(nonce, data_key, _WRAP_CONTEXT)

    def unwrap(self, wrapped: bytes) -> bytes:
        try:
            return self._cipher.decrypt(wrapped[:12], wrapped[12:], _WRAP_CONTEXT)
        except (InvalidTag, ValueError):
            raise ValueError(f"the data key was not wrapped by the key {self.key_id}") from None


class KmsKeys:
    def __init__(self, key: str, *, region: str | None, endpoint: str | None = None) -> None:
        # Imported here: boto3 takes a while to load, and the embedded default never needs it.
        import boto3

        self.key_id = key
        self._client: Any = boto3.session.Session().client(
            "kms", region_name=region, endpoint_url=endpoint
        )

    def wrap(self, data_key: bytes) -> bytes:
        with self._calls():
            answer = self._client.encrypt(
                KeyId=self.key_id, Plaintext=data_key, EncryptionContext=_KMS_CONTEXT
            )
        return bytes(answer["CiphertextBlob"])

    def unwrap(self, wrapped: bytes) -> bytes:
        from botocore.exceptions import ClientError

        try:
            with self._calls(refusals=_NOT_THIS_KEY):
                answer = self._client.decrypt(
                    CiphertextBlob=wrapped, KeyId=self.key_id, EncryptionContext=_KMS_CONTEXT
                )
        except ClientError:
            raise ValueError(
                f"the KMS key {self.key_id} does not unwrap it (another key, or no permission)"
            ) from None
        return bytes(answer["Plaintext"])

    @contextmanager
    def _calls(self, refusals: frozenset[str] = frozenset()) -> Iterator[None]:
        """KMS unreachable, or refusing for another reason than ``refusals``: Unavailable,
        with what KMS said."""
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            yield
        except ClientError as exc:
            error = exc.response.get("Error", {})
            if error.get("Code", "") in refusals:
                raise
            raise Unavailable(
                f"AWS KMS refused to use the key {self.key_id}: "
                f"{error.get('Code', '')} {error.get('Message', '')}".strip()
            ) from None
        except BotoCoreError as exc:
            raise Unavailable(f"AWS KMS cannot be reached: {exc}") from None


def key_provider_from_url(url: str) -> KeyProvider:
    """The provider a URL names (see the module's docstring); ValueError for a bad URL."""
    scheme = urlsplit(url).scheme
    if scheme == "file":
        path = unquote(urlsplit(url).path)
        if not path:
            raise ValueError("a key file URL names the file: file:///PATH")
        return LocalKeyFile(Path(path))
    if scheme == "kms":
        rest = url[len("kms://") :]
        key, _, query = rest.partition("?")
        options = {k: v[-1] for k, v in parse_qs(query).items()}
        unknown = set(options) - {"region", "endpoint"}
        if not key:
            raise ValueError(
                "a KMS key URL names the key: kms://KEY-ID, ARN or alias/NAME?region=R"
            )
        if unknown:
            raise ValueError(f"unknown KMS key URL options: {', '.join(sorted(unknown))}")
        return KmsKeys(unquote(key), region=options.get("region"), endpoint=options.get("endpoint"))
    raise ValueError(
        f"unsupported key URL {url.split('?', 1)[0]!r}: use file:///PATH (a local key file) or "
        "kms://KEY?region=R (AWS KMS)"
    )
