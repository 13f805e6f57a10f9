"""Chooses the blob store from its URL: ``file://PATH`` (``LocalBlobStore``, the embedded
default) or ``s3://BUCKET?...`` (``S3BlobStore``). See each adapter for its options."""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import urlsplit

from dzinza.adapters.blobs_local import LocalBlobStore
from dzinza.ports import BlobStore


def blob_store_from_url(
    url: str,
    *,
    base_url: str,
    signing_keys: Sequence[tuple[str, bytes]],
    cdn_key_id: str | None = None,
    cdn_private_key_pem: bytes | None = None,
) -> BlobStore:
    """The store a URL names. ``base_url`` and ``signing_keys`` sign the local folder's URLs
    (which Dzinza serves); the CloudFront key pair signs the S3 store's CDN URLs."""
    scheme = urlsplit(url).scheme
    if scheme == "file":
        return LocalBlobStore.from_url(url, base_url=base_url, signing_keys=signing_keys)
    if scheme == "s3":
        # Imported here: boto3 takes a while to load, and the embedded default never needs it.
        from dzinza.adapters.blobs_s3 import S3BlobStore

        return S3BlobStore.from_url(
            url, cdn_key_id=cdn_key_id, cdn_private_key_pem=cdn_private_key_pem
        )
    raise ValueError(
        f"unsupported blob store URL {url.split('?', 1)[0]!r}: "
        "use file://PATH (a local folder) or s3://BUCKET?endpoint=URL (S3)"
    )
