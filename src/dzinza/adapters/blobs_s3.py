"""The blob store on S3 (or any S3-compatible server: SeaweedFS in the tests): ``S3BlobStore``.

URL: ``s3://BUCKET[?endpoint=URL&region=REGION&prefix=PREFIX&sse=AES256|aws:kms&kms_key_id=ID
&addressing=path|virtual&cdn=https://dxxx.cloudfront.net]``. No secret goes in the URL: the
credentials come from the standard AWS chain (environment variables, the pod's IAM role...),
or from ``access_key``/``secret_key`` given to the constructor. ``prefix`` names a folder that
holds every key (``prefix=media`` stores ``originals/ab/..`` as ``media/originals/ab/..``).
With an ``endpoint`` the addressing is path-style (``endpoint/bucket/key``) unless
``addressing=virtual`` says otherwise; without one, botocore chooses.

Every write (put, copy, restore, multipart upload) asks for the configured server-side
encryption. Signed URLs point at S3 itself (``serves_itself`` is False): presigned GETs, a
presigned POST form for whole uploads (S3 enforces its ``content-length-range``), presigned
``upload_part`` PUTs for uploads in parts. With ``cdn=...`` and a CloudFront key pair
(``cdn_key_id`` and ``cdn_private_key_pem``, or an ``rsa_signer``), ``signed_get(cdn=True)``
gives a CloudFront signed URL (canned policy) instead.
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, Literal, cast
from urllib.parse import parse_qs, quote, urlencode, urlsplit

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError
from botocore.signers import CloudFrontSigner

from dzinza.adapters.blobs_local import check_key, check_part_number, check_prefix
from dzinza.ports import BlobInfo, SignedGrant, SignedRequest, UploadedPart

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

    from dzinza.ports import BlobStore

MAX_EXPIRES_IN = 7 * 24 * 3600
"""The longest life of a SigV4 presigned URL (S3 refuses longer ones)."""
SSE_MODES = ("AES256", "aws:kms")
_OPTIONS = ("endpoint", "region", "prefix", "sse", "kms_key_id", "addressing", "cdn")
_MISSING = {"404", "NoSuchKey", "NotFound", "NoSuchVersion", "NoSuchUpload"}
_DENIED = {"403", "AccessDenied", "Forbidden", "SignatureDoesNotMatch", "InvalidAccessKeyId"}
_BAD_PARTS = {"InvalidPart", "InvalidPartOrder", "EntityTooSmall"}
_NOT_HERE = "the S3 store's URLs point at S3 itself"


@dataclass(frozen=True)
class S3Options:
    """What an ``s3://`` URL says (see the module docstring)."""

    bucket: str
    endpoint: str | None = None
    region: str | None = None
    prefix: str = ""
    sse: str | None = None
    kms_key_id: str | None = None
    addressing: str | None = None
    cdn_url: str | None = None

    def url(self) -> str:
        query = {
            "endpoint": self.endpoint,
            "region": self.region,
            "prefix": self.prefix.rstrip("/") or None,
            "sse": self.sse,
            "kms_key_id": self.kms_key_id,
            "addressing": self.addressing,
            "cdn": self.cdn_url,
        }
        shown = {k: v for k, v in query.items() if v}
        return f"s3://{self.bucket}" + (f"?{urlencode(shown, safe=':/')}" if shown else "")


def s3_options(
    bucket: str,
    *,
    endpoint: str | None = None,
    region: str | None = None,
    prefix: str = "",
    sse: str | None = None,
    kms_key_id: str | None = None,
    addressing: str | None = None,
    cdn_url: str | None = None,
) -> S3Options:
    """Checked and normalized options (an empty value counts as absent)."""
    if not bucket:
        raise ValueError("the S3 store needs a bucket (s3://BUCKET?...)")
    if sse and sse not in SSE_MODES:
        raise ValueError(f"sse={sse!r}: use AES256 or aws:kms")
    if kms_key_id and sse != "aws:kms":
        raise ValueError("kms_key_id needs sse=aws:kms")
    if addressing and addressing not in ("path", "virtual"):
        raise ValueError(f"addressing={addressing!r}: use path or virtual")
    prefix = prefix.strip("/")
    if prefix:
        check_key(prefix)
    cdn_url = (cdn_url or "").rstrip("/")
    if cdn_url and urlsplit(cdn_url).scheme not in ("https", "http"):
        raise ValueError(f"cdn={cdn_url!r}: use the CDN's https:// address")
    return S3Options(
        bucket=bucket,
        endpoint=endpoint or None,
        region=region or None,
        prefix=f"{prefix}/" if prefix else "",
        sse=sse or None,
        kms_key_id=kms_key_id or None,
        addressing=addressing or None,
        cdn_url=cdn_url or None,
    )


def parse_s3_url(url: str) -> S3Options:
    parts = urlsplit(url)
    if parts.scheme != "s3":
        raise ValueError(f"not an s3:// URL: {url!r}")
    if "@" in parts.netloc:
        raise ValueError("put no credentials in the S3 URL: use the AWS environment or role")
    if not parts.netloc:
        raise ValueError(f"the S3 URL {url!r} names no bucket (s3://BUCKET?...)")
    raw = parse_qs(parts.query, keep_blank_values=True)
    unknown = sorted(set(raw) - set(_OPTIONS))
    if unknown:
        raise ValueError(f"unknown option(s) {unknown} in the S3 URL; known: {list(_OPTIONS)}")
    options = {k: v[-1] for k, v in raw.items()}
    return s3_options(
        parts.netloc,
        endpoint=options.get("endpoint"),
        region=options.get("region"),
        prefix=options.get("prefix", ""),
        sse=options.get("sse"),
        kms_key_id=options.get("kms_key_id"),
        addressing=options.get("addressing"),
        cdn_url=options.get("cdn"),
    )


def content_disposition(filename: str | None, inline: bool) -> str:
    """``inline`` or ``attachment``, with the file name (RFC 6266; RFC 5987's ``filename*`` for
    a name that is not plain ASCII, after an ASCII fallback for old clients)."""
    kind = "inline" if inline else "attachment"
    if not filename:
        return kind
    fallback = "".join(c if 0x20 <= ord(c) < 0x7F and c not in '"\\' else "_" for c in filename)
    header = f'{kind}; filename="{fallback}"'
    if fallback != filename:
        header += f"; filename*=UTF-8''{quote(filename, safe='')}"
    return header


def rsa_sha1_signer(private_key_pem: bytes) -> Callable[[bytes], bytes]:
    """CloudFront's signature (RSA PKCS#1 v1.5 over SHA-1) with a PEM private key, made by the
    ``cryptography`` package, which is imported only here (only a CDN configuration needs it)."""
    try:
        serialization = importlib.import_module("cryptography.hazmat.primitives.serialization")
        hashes = importlib.import_module("cryptography.hazmat.primitives.hashes")
        padding = importlib.import_module("cryptography.hazmat.primitives.asymmetric.padding")
        rsa = importlib.import_module("cryptography.hazmat.primitives.asymmetric.rsa")
    except ImportError as e:
        raise RuntimeError(
            "signing CloudFront URLs needs the 'cryptography' package, which is not installed"
        ) from e
    key = serialization.load_pem_private_key(private_key_pem, password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError("the CloudFront private key must be an RSA key")

    def sign(message: bytes) -> bytes:
        return cast(bytes, key.sign(message, padding.PKCS1v15(), hashes.SHA1()))

    return sign


_SESSION_LOCK = threading.Lock()
_SESSIONS: list[boto3.session.Session] = []


def _session() -> boto3.session.Session:
    """One boto3 session for every store: it loads S3's service model once (a new session takes
    a third of a second to make its first client). Clients are made under the lock, as a session
    is not thread-safe; the clients themselves are."""
    if not _SESSIONS:
        _SESSIONS.append(boto3.session.Session())
    return _SESSIONS[0]


def _code(e: ClientError) -> str:
    code = str(e.response.get("Error", {}).get("Code", ""))
    status = e.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    return code or str(status or "")


@contextmanager
def _errors(what: str) -> Iterator[None]:
    """S3's errors as the port's: KeyError for a missing key, PermissionError when refused."""
    try:
        yield
    except ClientError as e:
        code = _code(e)
        if code in _MISSING:
            raise KeyError(what) from e
        if code in _DENIED:
            raise PermissionError(f"S3 refused the request ({code})") from e
        raise


class S3BlobStore:
    """Blobs in one S3 bucket (under an optional prefix). See the module docstring."""

    serves_itself = False

    def __init__(
        self,
        bucket: str,
        *,
        endpoint: str | None = None,
        region: str | None = None,
        prefix: str = "",
        sse: str | None = None,
        kms_key_id: str | None = None,
        addressing: str | None = None,
        cdn_url: str | None = None,
        cdn_key_id: str | None = None,
        cdn_private_key_pem: bytes | None = None,
        rsa_signer: Callable[[bytes], bytes] | None = None,
        access_key: str | None = None,
        secret_key: str | None = None,
    ) -> None:
        """``rsa_signer`` (RSA-SHA1 of a message) may stand in for ``cdn_private_key_pem``, for a
        key held elsewhere (a KMS, an HSM); ``access_key``/``secret_key`` for the AWS chain."""
        options = s3_options(
            bucket,
            endpoint=endpoint,
            region=region,
            prefix=prefix,
            sse=sse,
            kms_key_id=kms_key_id,
            addressing=addressing,
            cdn_url=cdn_url,
        )
        if (access_key is None) != (secret_key is None):
            raise ValueError("give both access_key and secret_key, or neither")
        self.options = options
        self.bucket = options.bucket
        self.prefix = options.prefix
        self.url = options.url()
        style: Literal["auto", "virtual", "path"] = "auto"
        if options.addressing == "virtual":
            style = "virtual"
        elif options.addressing == "path" or options.endpoint:
            # S3-compatible servers rarely have a DNS name per bucket.
            style = "path"
        config = Config(
            signature_version="s3v4",
            s3={"addressing_style": style},
            retries={"mode": "standard", "max_attempts": 3},
            connect_timeout=10,
            read_timeout=60,
            # Checksums only where S3 requires them: S3-compatible servers do not all take the
            # CRC headers botocore otherwise adds, nor can presigned URLs carry them.
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
        )
        with _SESSION_LOCK:
            self.client: S3Client = _session().client(
                "s3",
                endpoint_url=options.endpoint,
                region_name=options.region or ("us-east-1" if options.endpoint else None),
                aws_access_key_id=access_key,
                aws_secret_access_key=secret_key,
                config=config,
            )
        if cdn_private_key_pem is not None and rsa_signer is None:
            rsa_signer = rsa_sha1_signer(cdn_private_key_pem)
        self._cdn: CloudFrontSigner | None = None
        if options.cdn_url and cdn_key_id and rsa_signer is not None:
            self._cdn = CloudFrontSigner(cdn_key_id, rsa_signer)

    @classmethod
    def from_url(
        cls,
        url: str,
        *,
        access_key: str | None = None,
        secret_key: str | None = None,
        cdn_key_id: str | None = None,
        cdn_private_key_pem: bytes | None = None,
        rsa_signer: Callable[[bytes], bytes] | None = None,
    ) -> S3BlobStore:
        options = parse_s3_url(url)
        return cls(
            options.bucket,
            endpoint=options.endpoint,
            region=options.region,
            prefix=options.prefix,
            sse=options.sse,
            kms_key_id=options.kms_key_id,
            addressing=options.addressing,
            cdn_url=options.cdn_url,
            access_key=access_key,
            secret_key=secret_key,
            cdn_key_id=cdn_key_id,
            cdn_private_key_pem=cdn_private_key_pem,
            rsa_signer=rsa_signer,
        )

    def _key(self, key: str) -> str:
        return self.prefix + check_key(key)

    def _sse(self) -> dict[str, Any]:
        args: dict[str, Any] = {}
        if self.options.sse:
            args["ServerSideEncryption"] = self.options.sse
        if self.options.kms_key_id:
            args["SSEKMSKeyId"] = self.options.kms_key_id
        return args

    # -- objects --------------------------------------------------------------------------------
    def put(
        self,
        key: str,
        source: bytes | Path | BinaryIO,
        *,
        content_type: str,
        cache_control: str | None = None,
    ) -> None:
        args: dict[str, Any] = {"ContentType": content_type, **self._sse()}
        if cache_control is not None:
            args["CacheControl"] = cache_control
        full = self._key(key)
        # One PUT, or one multipart upload completed at the end: either way S3 shows the new
        # object only once all of it has arrived.
        with _errors(key):
            if isinstance(source, bytes | bytearray | memoryview):
                self.client.put_object(Bucket=self.bucket, Key=full, Body=bytes(source), **args)
            elif isinstance(source, Path):
                with source.open("rb") as f:
                    self.client.upload_fileobj(f, self.bucket, full, ExtraArgs=args)
            else:
                self.client.upload_fileobj(source, self.bucket, full, ExtraArgs=args)

    @contextmanager
    def _open(self, key: str) -> Iterator[BinaryIO]:
        with _errors(key):
            response = self.client.get_object(Bucket=self.bucket, Key=self._key(key))
        body = response["Body"]
        try:
            yield cast(BinaryIO, body)
        finally:
            body.close()

    def open(self, key: str) -> AbstractContextManager[BinaryIO]:
        return self._open(key)

    def download(self, key: str, path: Path) -> None:
        # download_file writes beside the target and renames when complete.
        with _errors(key):
            self.client.download_file(self.bucket, self._key(key), str(path))

    def _head(self, key: str) -> Mapping[str, Any] | None:
        full = self._key(key)
        try:
            with _errors(key):
                return cast(
                    Mapping[str, Any], self.client.head_object(Bucket=self.bucket, Key=full)
                )
        except KeyError:
            return None

    def head(self, key: str) -> BlobInfo | None:
        h = self._head(key)
        if h is None:
            return None
        return BlobInfo(
            key=key,
            size=int(h.get("ContentLength", 0)),
            content_type=str(h.get("ContentType") or "application/octet-stream"),
            etag=str(h.get("ETag") or ""),
        )

    def cache_control(self, key: str) -> str | None:
        """The Cache-Control the object was stored with; ``KeyError`` if there is none."""
        h = self._head(key)
        if h is None:
            raise KeyError(key)
        value = h.get("CacheControl")
        return str(value) if value is not None else None

    def exists(self, key: str) -> bool:
        return self._head(key) is not None

    def copy(
        self, source_key: str, key: str, *, content_type: str, cache_control: str | None = None
    ) -> None:
        args: dict[str, Any] = {"ContentType": content_type, **self._sse()}
        if cache_control is not None:
            args["CacheControl"] = cache_control
        with _errors(source_key):
            self.client.copy_object(
                Bucket=self.bucket,
                Key=self._key(key),
                CopySource={"Bucket": self.bucket, "Key": self._key(source_key)},
                MetadataDirective="REPLACE",
                **args,
            )

    def delete(self, key: str) -> None:
        # On a versioned bucket this adds a delete marker: the bytes stay, as a version.
        with _errors(key):
            self.client.delete_object(Bucket=self.bucket, Key=self._key(key))

    def keys(self, prefix: str) -> Iterator[str]:
        check_prefix(prefix)
        paginator = self.client.get_paginator("list_objects_v2")
        with _errors(prefix):
            for page in paginator.paginate(Bucket=self.bucket, Prefix=self.prefix + prefix):
                for item in page.get("Contents", []):
                    yield item["Key"][len(self.prefix) :]

    def versions(self, key: str) -> list[str]:
        full = self._key(key)
        found: list[str] = []
        paginator = self.client.get_paginator("list_object_versions")
        with _errors(key):
            for page in paginator.paginate(Bucket=self.bucket, Prefix=full):
                # S3 lists a key's versions newest first; the prefix also matches longer keys,
                # and the latest version is the current object, not an earlier one.
                found += [
                    v["VersionId"]
                    for v in page.get("Versions", [])
                    if v["Key"] == full and not v.get("IsLatest") and v.get("VersionId")
                ]
        return found

    def restore(self, key: str, version_id: str) -> None:
        full = self._key(key)
        with _errors(version_id):
            # The copy keeps the version's content type and cache control (MetadataDirective
            # COPY) and becomes the current version; the old one stays listed.
            self.client.copy_object(
                Bucket=self.bucket,
                Key=full,
                CopySource={"Bucket": self.bucket, "Key": full, "VersionId": version_id},
                MetadataDirective="COPY",
                **self._sse(),
            )

    # -- signed URLs ----------------------------------------------------------------------------
    @staticmethod
    def _check_expiry(expires_in: int) -> int:
        if not 0 < expires_in <= MAX_EXPIRES_IN:
            raise ValueError(f"expires_in must be between 1 and {MAX_EXPIRES_IN} seconds")
        return int(expires_in)

    def signed_get(
        self,
        key: str,
        *,
        expires_in: int,
        content_type: str | None = None,
        filename: str | None = None,
        inline: bool = True,
        cdn: bool = False,
    ) -> str:
        """A presigned GET of S3; with ``cdn`` and a CloudFront key pair, a CloudFront signed URL
        of the path instead. The CDN URL serves the stored content type and cannot carry a
        download name (CloudFront caches by path): asking for ``filename`` or an attachment
        gives the S3 URL."""
        expires_in = self._check_expiry(expires_in)
        full = self._key(key)
        if cdn and self._cdn is not None and self.options.cdn_url and inline and not filename:
            expires = datetime.now(UTC) + timedelta(seconds=expires_in)
            url = f"{self.options.cdn_url}/{quote(full, safe='/')}"
            return self._cdn.generate_presigned_url(url, date_less_than=expires)
        params: dict[str, Any] = {
            "Bucket": self.bucket,
            "Key": full,
            "ResponseContentDisposition": content_disposition(filename, inline),
        }
        if content_type is not None:
            params["ResponseContentType"] = content_type
        return self.client.generate_presigned_url("get_object", Params=params, ExpiresIn=expires_in)

    def signed_put(
        self, key: str, *, expires_in: int, content_type: str, max_bytes: int
    ) -> SignedRequest:
        """A presigned POST form: S3 refuses a file above ``max_bytes`` (content-length-range)
        or with another Content-Type than the signed one."""
        expires_in = self._check_expiry(expires_in)
        if max_bytes <= 0:
            raise ValueError("max_bytes must be positive")
        fields: dict[str, str] = {"Content-Type": content_type}
        if self.options.sse:
            fields["x-amz-server-side-encryption"] = self.options.sse
        if self.options.kms_key_id:
            fields["x-amz-server-side-encryption-aws-kms-key-id"] = self.options.kms_key_id
        conditions: list[Any] = [["content-length-range", 1, max_bytes]]
        conditions += [{name: value} for name, value in fields.items()]
        post = self.client.generate_presigned_post(
            Bucket=self.bucket,
            Key=self._key(key),
            Fields=fields,
            Conditions=conditions,
            ExpiresIn=expires_in,
        )
        return SignedRequest(
            url=str(post["url"]),
            method="POST",
            expires_at=datetime.now(UTC) + timedelta(seconds=expires_in),
            fields={str(k): str(v) for k, v in post["fields"].items()},
        )

    def start_multipart(self, key: str, *, content_type: str) -> str:
        with _errors(key):
            response = self.client.create_multipart_upload(
                Bucket=self.bucket, Key=self._key(key), ContentType=content_type, **self._sse()
            )
        return response["UploadId"]

    def signed_part(
        self, key: str, upload_id: str, number: int, *, expires_in: int, max_bytes: int
    ) -> SignedRequest:
        """A presigned PUT of one part. S3 cannot cap a presigned PUT's size (only its own 5 GiB
        per part): ``max_bytes`` is checked by the caller from ``parts`` before completing."""
        expires_in = self._check_expiry(expires_in)
        url = self.client.generate_presigned_url(
            "upload_part",
            Params={
                "Bucket": self.bucket,
                "Key": self._key(key),
                "UploadId": upload_id,
                "PartNumber": check_part_number(number),
            },
            ExpiresIn=expires_in,
            HttpMethod="PUT",
        )
        return SignedRequest(
            url=url, method="PUT", expires_at=datetime.now(UTC) + timedelta(seconds=expires_in)
        )

    def parts(self, key: str, upload_id: str) -> list[UploadedPart]:
        found: list[UploadedPart] = []
        paginator = self.client.get_paginator("list_parts")
        with _errors(upload_id):
            for page in paginator.paginate(
                Bucket=self.bucket, Key=self._key(key), UploadId=upload_id
            ):
                found += [
                    UploadedPart(number=p["PartNumber"], size=p["Size"], etag=p["ETag"])
                    for p in page.get("Parts", [])
                ]
        return sorted(found, key=lambda p: p.number)

    def complete_multipart(self, key: str, upload_id: str, parts: Sequence[UploadedPart]) -> None:
        if not parts:
            raise ValueError("a multipart upload needs at least one part")
        try:
            with _errors(upload_id):
                self.client.complete_multipart_upload(
                    Bucket=self.bucket,
                    Key=self._key(key),
                    UploadId=upload_id,
                    MultipartUpload={
                        "Parts": [{"PartNumber": p.number, "ETag": p.etag} for p in parts]
                    },
                )
        except ClientError as e:
            if _code(e) in _BAD_PARTS:
                raise ValueError(f"S3 refused the parts ({_code(e)})") from e
            raise

    def abort_multipart(self, key: str, upload_id: str) -> None:
        try:
            with _errors(upload_id):
                self.client.abort_multipart_upload(
                    Bucket=self.bucket, Key=self._key(key), UploadId=upload_id
                )
        except KeyError:
            pass

    # -- what only the local folder does --------------------------------------------------------
    def check_signature(self, method: str, key: str, query: Mapping[str, str]) -> SignedGrant:
        raise NotImplementedError(_NOT_HERE)

    def path_of(self, key: str) -> Path:
        raise NotImplementedError(_NOT_HERE)

    def receive(
        self,
        key: str,
        chunks: Iterable[bytes],
        *,
        max_bytes: int | None,
        upload_id: str | None = None,
        part_number: int | None = None,
    ) -> UploadedPart:
        raise NotImplementedError(_NOT_HERE)


if TYPE_CHECKING:
    _protocol_check: type[BlobStore] = S3BlobStore
