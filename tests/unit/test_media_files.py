"""What Dzinza does with the bytes of an upload (dzinza.services.media_files): the type named
from the content whatever the file is called, the refusals (active content, archives, unknown,
empty, damaged, too large), the EXIF facts, the metadata-free thumbnails and PDF previews, and
safe file names. Every sample file is made here, by Pillow, pillow-heif or by hand."""

from __future__ import annotations

import contextlib
import io
import random
import struct
import tempfile
import wave
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image, ImageCms
from PIL.TiffImagePlugin import IFDRational

from dzinza.services import media_files
from dzinza.services.media_files import (
    DERIVATIVE_SIZES,
    KINDS,
    Derivative,
    Detected,
    Limits,
    MediaRefused,
    derivatives,
    inspect,
    safe_filename,
    sniff,
)
from tests.conftest import in_ci

# --- Sample files ---------------------------------------------------------------------------


def noise(size: tuple[int, int], mode: str = "RGB", seed: int = 1) -> Image.Image:
    """An image of random pixels: it does not compress, so cutting its file short cuts pixels."""
    data = random.Random(seed).randbytes(size[0] * size[1] * Image.getmodebands(mode))
    return Image.frombytes(mode, size, data)


def encoded(image: Image.Image, fmt: str, **options: object) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


def gradient(size: tuple[int, int]) -> Image.Image:
    return Image.linear_gradient("L").resize(size).convert("RGB")


def jpeg(size: tuple[int, int] = (64, 48), **options: object) -> bytes:
    return encoded(gradient(size), "JPEG", **options)


def png(size: tuple[int, int] = (64, 48)) -> bytes:
    return encoded(gradient(size), "PNG")


def gif(frames: int = 1) -> bytes:
    images = [Image.new("RGB", (40, 30), (60 * number, 0, 0)) for number in range(frames)]
    return encoded(images[0], "GIF", save_all=frames > 1, append_images=images[1:])


def webp() -> bytes:
    return encoded(gradient((50, 40)), "WEBP")


def tiff() -> bytes:
    return encoded(gradient((50, 40)), "TIFF")


def pdf(pages: int = 1, size: tuple[int, int] = (300, 200)) -> bytes:
    images = [gradient(size) for _ in range(pages)]
    return encoded(images[0], "PDF", save_all=pages > 1, append_images=images[1:], resolution=72)


def heif(fmt: str) -> bytes:
    try:
        return encoded(gradient((64, 48)), fmt)
    except (OSError, KeyError, ValueError) as exc:
        if in_ci():
            pytest.fail(f"CI=true and pillow-heif cannot write {fmt}: {exc}", pytrace=False)
        pytest.skip(f"this Pillow / pillow-heif cannot write {fmt}: {exc}")


def ftyp(major: bytes, *compatible: bytes) -> bytes:
    body = major + b"\x00\x00\x02\x00" + b"".join(compatible)
    return struct.pack(">I", 8 + len(body)) + b"ftyp" + body + b"\x00\x00\x00\x08free" + bytes(64)


def wav() -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(8000)
        writer.writeframes(bytes(1600))
    return out.getvalue()


def ebml(doctype: bytes) -> bytes:
    doctype_element = b"\x42\x82" + bytes([0x80 | len(doctype)]) + doctype
    header = b"\x42\x86\x81\x01\x42\xf7\x81\x01" + doctype_element
    return b"\x1a\x45\xdf\xa3" + bytes([0x80 | len(header)]) + header + bytes(64)


def riff(form: bytes) -> bytes:
    return b"RIFF" + struct.pack("<I", 200) + form + b"LIST" + bytes(196)


SAMPLES: dict[str, tuple[Callable[[], bytes], str, str]] = {
    # name: (bytes, expected MIME type, expected kind)
    "jpeg": (jpeg, "image/jpeg", "image"),
    "png": (png, "image/png", "image"),
    "gif": (gif, "image/gif", "image"),
    "animated gif": (lambda: gif(3), "image/gif", "image"),
    "webp": (webp, "image/webp", "image"),
    "tiff": (tiff, "image/tiff", "image"),
    "heic": (lambda: heif("HEIF"), "image/heic", "image"),
    "avif": (lambda: heif("AVIF"), "image/avif", "image"),
    "pdf": (pdf, "application/pdf", "document"),
    "mp3 with id3": (
        lambda: b"ID3\x04\x00\x00\x00\x00\x00\x00" + b"\xff\xfb\x90\x64" + bytes(400),
        "audio/mpeg",
        "audio",
    ),
    "mp3 frames": (lambda: b"\xff\xfb\x90\x64" + bytes(400), "audio/mpeg", "audio"),
    "wav": (wav, "audio/wav", "audio"),
    "ogg opus": (
        lambda: b"OggS\x00\x02" + bytes(20) + b"\x01\x13OpusHead\x01\x02" + bytes(64),
        "audio/ogg",
        "audio",
    ),
    "flac": (lambda: b"fLaC\x00\x00\x00\x22" + bytes(64), "audio/flac", "audio"),
    "flac behind id3": (
        lambda: b"ID3\x04\x00\x00\x00\x00\x00\x05" + bytes(5) + b"fLaC" + bytes(64),
        "audio/flac",
        "audio",
    ),
    "m4a": (lambda: ftyp(b"M4A ", b"M4A ", b"isom"), "audio/mp4", "audio"),
    "aac": (lambda: b"\xff\xf1\x50\x80\x02\x1f\xfc" + bytes(200), "audio/aac", "audio"),
    "mp4": (lambda: ftyp(b"isom", b"isom", b"iso2", b"avc1", b"mp41"), "video/mp4", "video"),
    "mov": (lambda: ftyp(b"qt  ", b"qt  "), "video/quicktime", "video"),
    "3gp": (lambda: ftyp(b"3gp4", b"isom", b"3gp4"), "video/3gpp", "video"),
    "webm": (lambda: ebml(b"webm"), "video/webm", "video"),
    "mkv": (lambda: ebml(b"matroska"), "video/x-matroska", "video"),
    "avi": (lambda: riff(b"AVI "), "video/x-msvideo", "video"),
}


def write(folder: Path, name: str, data: bytes) -> Path:
    path = folder / name
    path.write_bytes(data)
    return path


def refusal(action: Callable[[], object]) -> MediaRefused:
    with pytest.raises(MediaRefused) as caught:
        action()
    return caught.value


# --- Accepted types -------------------------------------------------------------------------


@pytest.mark.parametrize("sample", list(SAMPLES))
def test_each_accepted_type_is_named_by_its_content_not_its_name(
    sample: str, tmp_path: Path
) -> None:
    make, mime, kind = SAMPLES[sample]
    data = make()
    detected = sniff(data)
    assert (detected.mime, detected.kind) == (mime, kind)
    assert detected.kind in KINDS
    assert detected.extension.startswith(".")
    # A misleading name changes nothing.
    path = write(tmp_path, "family-tree.exe" if kind != "image" else "notes.txt", data)
    found = inspect(path)
    assert found.detected == detected
    if kind in {"audio", "video"}:
        assert (found.width, found.height, found.pages) == (None, None, None)
        assert derivatives(path, found.detected) == []
    elif kind == "image":
        assert found.width and found.height
        assert found.pages is None


def test_the_extension_is_the_one_for_the_content() -> None:
    assert sniff(jpeg()) == Detected("image/jpeg", "image", ".jpg")
    assert sniff(pdf()).extension == ".pdf"
    assert sniff(wav()).extension == ".wav"
    assert sniff(ftyp(b"qt  ")).extension == ".mov"


def test_sniff_looks_only_at_the_head() -> None:
    assert sniff(png() + bytes(100_000)).mime == "image/png"


# --- Refusals -------------------------------------------------------------------------------

HTML_SAMPLES = {
    "doctype": b"<!DOCTYPE html>\n<html><body>Hi</body></html>",
    "bom and spaces": b"\xef\xbb\xbf  \n\t<html><head></head></html>",
    "comment first": b"<!-- a family page -->\n<script>alert(1)</script>",
    "xml prolog and xhtml": (
        b'<?xml version="1.0"?>\n<!-- x -->\n<html xmlns="http://www.w3.org/1999/xhtml"></html>'
    ),
    "body": b"<body onload=alert(1)>",
    "iframe": b"   <iframe src=//evil.example>",
    "upper case": b"<HTML><BODY>Hello</BODY></HTML>",
    "utf-16": "\ufeff<html><script>x()</script></html>".encode("utf-16-le"),
    "utf-16 without bom": "<html><script>x()</script></html>".encode("utf-16-le"),
    "html later in text": b"Dear cousin,\nsee <script>steal()</script>",
    "php": b"<?php system($_GET['c']); ?>",
    "drawing inside a page": b"<!doctype html><svg><circle r='1'/></svg>",
}


@pytest.mark.parametrize("sample", list(HTML_SAMPLES))
def test_html_is_active_content(sample: str) -> None:
    refused = refusal(lambda: sniff(HTML_SAMPLES[sample]))
    assert refused.code == "active-content"


SVG_WITH_SCRIPT = {
    "script": b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
    "onload": b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="x()"/>',
    "foreignObject": (
        b'<svg xmlns="http://www.w3.org/2000/svg"><foreignObject><p>x</p></foreignObject></svg>'
    ),
    "javascript url": (
        b'<svg xmlns="http://www.w3.org/2000/svg"><a href="javascript:alert(1)">x</a></svg>'
    ),
    "doctype": (
        b'<?xml version="1.0"?>\n<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "x.dtd">\n'
        b'<svg><circle r="1" onclick="x()"/></svg>'
    ),
}


@pytest.mark.parametrize("sample", list(SVG_WITH_SCRIPT))
def test_svg_with_script_is_active_content(sample: str) -> None:
    refused = refusal(lambda: sniff(SVG_WITH_SCRIPT[sample]))
    assert refused.code == "active-content"
    assert "SVG" in refused.reason
    assert "script" in refused.reason


def test_a_plain_svg_is_refused_with_advice(tmp_path: Path) -> None:
    data = b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"><circle r="4"/></svg>'
    refused = refusal(lambda: inspect(write(tmp_path, "tree.png", data)))
    assert refused.code == "unsupported-type"
    assert "SVG drawings are not accepted" in refused.reason
    assert "PNG" in refused.reason
    assert "PDF" in refused.reason


def test_xml_is_active_content() -> None:
    data = b'<?xml version="1.0"?>\n<?xml-stylesheet href="x.xsl"?><family><person/></family>'
    assert refusal(lambda: sniff(data)).code == "active-content"


EXECUTABLES = {
    "exe": b"MZ" + bytes(510),
    "elf": b"\x7fELF\x02\x01\x01" + bytes(200),
    "mach-o": b"\xcf\xfa\xed\xfe" + bytes(200),
    "java class": b"\xca\xfe\xba\xbe\x00\x00\x00\x34" + bytes(100),
    "shebang": b"#!/bin/sh\nrm -rf ~\n",
    "python script": b"#!/usr/bin/env python3\nprint('hi')\n",
    "webassembly": b"\x00asm\x01\x00\x00\x00" + bytes(100),
    "windows shortcut": b"L\x00\x00\x00\x01\x14\x02\x00\x00\x00\x00\x00\xc0" + bytes(100),
    "msi / ole": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600),
}


@pytest.mark.parametrize("sample", list(EXECUTABLES))
def test_programs_and_scripts_are_active_content(sample: str, tmp_path: Path) -> None:
    assert refusal(lambda: sniff(EXECUTABLES[sample])).code == "active-content"
    path = write(tmp_path, "photo.jpg", EXECUTABLES[sample])
    assert refusal(lambda: inspect(path)).code == "active-content"


def zip_archive() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("photo.jpg", jpeg())
    return out.getvalue()


ARCHIVES = {
    "zip": (zip_archive, "a ZIP archive"),
    "gzip": (lambda: b"\x1f\x8b\x08\x00" + bytes(100), "a gzip archive"),
    "7z": (lambda: b"7z\xbc\xaf\x27\x1c\x00\x04" + bytes(100), "a 7-Zip archive"),
    "rar": (lambda: b"Rar!\x1a\x07\x01\x00" + bytes(100), "a RAR archive"),
}


@pytest.mark.parametrize("sample", list(ARCHIVES))
def test_archives_are_refused_by_name(sample: str) -> None:
    make, what = ARCHIVES[sample]
    refused = refusal(lambda: sniff(make()))
    assert refused.code == "unsupported-type"
    assert what in refused.reason


def test_other_known_types_are_refused_by_name() -> None:
    refused = refusal(lambda: sniff(encoded(gradient((10, 10)), "BMP")))
    assert refused.code == "unsupported-type"
    assert "BMP image" in refused.reason
    assert "JPEG" in refused.reason  # what would be accepted


def test_random_bytes_and_plain_text_are_unsupported() -> None:
    random_bytes = bytes([0x01, 0x02]) + random.Random(7).randbytes(4094)
    assert refusal(lambda: sniff(random_bytes)).code == "unsupported-type"
    assert refusal(lambda: sniff(b"0 HEAD\n1 GEDC\n")).code == "unsupported-type"


def test_an_empty_file_is_refused(tmp_path: Path) -> None:
    assert refusal(lambda: sniff(b"")).code == "empty"
    assert refusal(lambda: inspect(write(tmp_path, "x.jpg", b""))).code == "empty"


def pdf_with(objects: list[bytes], trailer: bytes = b"/Root 1 0 R") -> bytes:
    body = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"
    for number, content in enumerate(objects, start=1):
        body += b"%d 0 obj\n" % number + content + b"\nendobj\n"
    return body + b"trailer\n<< " + trailer + b" >>\n%%EOF\n"


PAGES = b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>"
PAGE = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 100] >>"


def test_a_pdf_with_javascript_is_active_content(tmp_path: Path) -> None:
    data = pdf_with(
        [
            b"<< /Type /Catalog /Pages 2 0 R /OpenAction 4 0 R >>",
            PAGES,
            PAGE,
            b"<< /S /JavaScript /JS (app.alert(1)) >>",
        ]
    )
    assert refusal(lambda: sniff(data)).code == "active-content"
    assert refusal(lambda: inspect(write(tmp_path, "a.pdf", data))).code == "active-content"


@pytest.mark.parametrize(
    "action",
    [
        b"<< /S /J#61vaScript /JS (x) >>",  # a name spelt in hex
        b"<< /S /Launch /F (cmd.exe) >>",
        b"<< /Type /EmbeddedFile /Length 0 >>",
        b"<< /Type /Annot /Subtype /RichMedia >>",
    ],
)
def test_pdf_actions_and_attachments_are_active_content(action: bytes, tmp_path: Path) -> None:
    data = pdf_with([b"<< /Type /Catalog /Pages 2 0 R >>", PAGES, PAGE, action])
    assert refusal(lambda: inspect(write(tmp_path, "a.pdf", data))).code == "active-content"


def test_javascript_hidden_in_a_compressed_object_stream_is_found(tmp_path: Path) -> None:
    hidden = b"4 0 << /S /JavaScript /JS (app.alert(1)) >>"
    packed = zlib.compress(hidden[4:])
    data = pdf_with(
        [
            b"<< /Type /Catalog /Pages 2 0 R /OpenAction 4 0 R >>",
            PAGES,
            PAGE,
            b"<< /Type /ObjStm /N 1 /First 4 /Filter /FlateDecode /Length %d >>\nstream\n"
            % len(packed)
            + packed
            + b"\nendstream",
        ]
    )
    assert b"JavaScript" not in data
    assert refusal(lambda: inspect(write(tmp_path, "a.pdf", data))).code == "active-content"


def test_short_pdf_names_inside_image_data_are_not_mistaken_for_scripts(tmp_path: Path) -> None:
    image = b"\xff\xd8 /JS /XFA \xff\xd9"
    data = pdf_with(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            PAGES,
            PAGE,
            b"<< /Type /XObject /Subtype /Image /Length %d >>\nstream\n" % len(image)
            + image
            + b"\nendstream",
        ]
    )
    assert inspect(write(tmp_path, "a.pdf", data)).pages == 1


def test_a_damaged_pdf_is_corrupt(tmp_path: Path) -> None:
    path = write(tmp_path, "a.pdf", b"%PDF-1.4\nthis is not a PDF at all\n")
    assert refusal(lambda: inspect(path)).code == "corrupt"


def test_a_pdf_without_pages_is_refused(tmp_path: Path) -> None:
    data = pdf_with([b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [] /Count 0 >>"])
    assert refusal(lambda: inspect(write(tmp_path, "a.pdf", data))).code == "corrupt"


def test_an_encrypted_pdf_is_refused(tmp_path: Path) -> None:
    key = b"<" + b"ab" * 32 + b">"
    data = pdf_with(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            PAGES,
            PAGE,
            b"<< /Filter /Standard /V 1 /R 2 /O " + key + b" /U " + key + b" /P -4 >>",
        ],
        trailer=b"/Root 1 0 R /Encrypt 4 0 R /ID [<00112233445566778899aabbccddeeff> "
        b"<00112233445566778899aabbccddeeff>]",
    )
    refused = refusal(lambda: inspect(write(tmp_path, "a.pdf", data)))
    assert refused.code == "encrypted"


def test_a_pdf_with_too_many_pages_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "a.pdf", pdf(pages=3, size=(20, 20)))
    assert inspect(path).pages == 3
    refused = refusal(lambda: inspect(path, Limits(max_pdf_pages=2)))
    assert refused.code == "too-many-pages"


# --- Damaged and oversized images -----------------------------------------------------------


@pytest.mark.parametrize("fmt", ["JPEG", "PNG"])
def test_a_truncated_image_is_corrupt(fmt: str, tmp_path: Path) -> None:
    data = encoded(noise((120, 90)), fmt)
    path = write(tmp_path, "cut", data[: len(data) // 2])
    refused = refusal(lambda: inspect(path))
    assert refused.code == "corrupt"
    assert "truncated or damaged" in refused.reason
    assert refusal(lambda: derivatives(path, sniff(data))).code == "corrupt"


def test_garbage_behind_an_image_signature_is_corrupt(tmp_path: Path) -> None:
    path = write(tmp_path, "x.jpg", b"\xff\xd8\xff" + random.Random(3).randbytes(3000))
    assert refusal(lambda: inspect(path)).code == "corrupt"


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def test_a_png_claiming_50000_by_50000_pixels_is_refused_before_decoding(tmp_path: Path) -> None:
    header = struct.pack(">IIBBBBB", 50_000, 50_000, 8, 0, 0, 0, 0)  # 8-bit grey
    data = (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", header)
        + png_chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + png_chunk(b"IEND", b"")
    )
    path = write(tmp_path, "bomb.png", data)
    # Decoding it would need 2.5 GB; refusing it needs the header only.
    assert refusal(lambda: inspect(path)).code == "too-many-pixels"
    assert refusal(lambda: derivatives(path, sniff(data))).code == "too-many-pixels"


def test_the_pixel_and_side_limits_apply(tmp_path: Path) -> None:
    path = write(tmp_path, "a.png", png((300, 200)))
    assert inspect(path).width == 300
    assert refusal(lambda: inspect(path, Limits(max_pixels=50_000))).code == "too-many-pixels"
    assert refusal(lambda: inspect(path, Limits(max_side=250))).code == "too-many-pixels"


def test_too_many_frames_are_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path, "a.gif", gif(frames=4))
    assert inspect(path).width == 40
    monkeypatch.setattr(media_files, "MAX_FRAMES", 3)
    assert refusal(lambda: inspect(path)).code == "too-many-frames"


# --- EXIF -----------------------------------------------------------------------------------


def camera_exif(orientation: int = 6) -> Image.Exif:
    exif = Image.Exif()
    exif[0x010F] = "Canon"
    exif[0x0110] = "Canon EOS 5D"
    exif[0x0112] = orientation
    exif[0x0132] = "2001:02:03 04:05:06"
    exif[0x8769] = {0x9003: "1987:06:05 14:30:00"}
    exif[0x8825] = {
        1: "S",
        2: (IFDRational(17), IFDRational(49), IFDRational(3000, 100)),
        3: "E",
        4: (IFDRational(31), IFDRational(2), IFDRational(6, 10)),
        # 0x0010/0x0011 (direction) and friends: must simply be ignored.
        16: "T",
    }
    return exif


def photo(tmp_path: Path, size: tuple[int, int] = (300, 200), orientation: int = 6) -> Path:
    data = encoded(
        gradient(size),
        "JPEG",
        exif=camera_exif(orientation),
        comment=b"taken at grandmother's house",
        xmp=b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><GPSLatitude>17,49S</GPSLatitude></x:xmpmeta>',
        icc_profile=ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes(),
    )
    return write(tmp_path, "IMG_0001.JPG", data)


def test_exif_date_position_and_camera_are_read(tmp_path: Path) -> None:
    found = inspect(photo(tmp_path))
    assert found.taken_at == "1987-06-05T14:30:00"
    assert found.latitude == pytest.approx(-17.825)
    assert found.longitude == pytest.approx(31.0335)
    assert found.camera == "Canon EOS 5D"


def test_orientation_6_swaps_width_and_height(tmp_path: Path) -> None:
    found = inspect(photo(tmp_path, orientation=6))
    assert (found.width, found.height) == (200, 300)
    upright = inspect(photo(tmp_path, orientation=1))
    assert (upright.width, upright.height) == (300, 200)


def test_datetime_is_the_fallback_and_bad_values_are_ignored(tmp_path: Path) -> None:
    exif = Image.Exif()
    exif[0x010F] = "NIKON CORPORATION\x00\x00"
    exif[0x0110] = "NIKON D70 "
    exif[0x0112] = 99  # no such orientation
    exif[0x0132] = "2004:12:25 09:00:00"
    exif[0x8825] = {1: "N", 2: (IFDRational(1, 0), IFDRational(0), IFDRational(0)), 3: "W"}
    path = write(tmp_path, "a.jpg", jpeg((30, 20), exif=exif))
    found = inspect(path)
    assert found.taken_at == "2004-12-25T09:00:00"
    assert found.camera == "NIKON CORPORATION NIKON D70"
    assert (found.latitude, found.longitude) == (None, None)
    assert (found.width, found.height) == (30, 20)


def test_an_impossible_date_and_a_missing_hemisphere_give_nothing(tmp_path: Path) -> None:
    exif = Image.Exif()
    exif[0x8769] = {0x9003: "0000:00:00 00:00:00"}
    exif[0x8825] = {2: (IFDRational(10), IFDRational(0), IFDRational(0)), 4: (1.0, 0.0, 0.0)}
    found = inspect(write(tmp_path, "a.jpg", jpeg(exif=exif)))
    assert (found.taken_at, found.latitude, found.longitude, found.camera) == (
        None,
        None,
        None,
        None,
    )


# --- Derivatives ----------------------------------------------------------------------------


def reopened(derivative: Derivative) -> Image.Image:
    image = Image.open(io.BytesIO(derivative.data))
    image.load()
    return image


def test_derivatives_are_upright_jpegs_without_any_metadata(tmp_path: Path) -> None:
    path = photo(tmp_path, size=(3000, 1000), orientation=6)
    made = derivatives(path, inspect(path).detected)
    assert [d.name for d in made] == ["small", "medium", "large"]
    for derivative in made:
        assert derivative.mime == "image/jpeg"
        image = reopened(derivative)
        assert image.format == "JPEG"
        assert image.mode == "RGB"
        assert (image.width, image.height) == (derivative.width, derivative.height)
        assert image.height > image.width  # turned upright: 1000 x 3000
        assert max(image.size) == DERIVATIVE_SIZES[derivative.name]
        assert len(image.getexif()) == 0
        for key in ("exif", "xmp", "XML:com.adobe.xmp", "icc_profile", "comment", "photoshop"):
            assert key not in image.info
        assert image.info.get("progressive") or image.info.get("progression")
        assert b"Canon" not in derivative.data
        assert b"GPS" not in derivative.data
        assert b"grandmother" not in derivative.data


def test_small_images_are_never_enlarged(tmp_path: Path) -> None:
    path = write(tmp_path, "a.png", png((1000, 500)))
    made = derivatives(path, sniff(path.read_bytes()))
    assert [(d.name, d.width, d.height) for d in made] == [
        ("small", 200, 100),
        ("medium", 800, 400),
    ]
    tiny = write(tmp_path, "b.png", png((120, 30)))
    (small,) = derivatives(tiny, sniff(tiny.read_bytes()))
    assert (small.name, small.width, small.height) == ("small", 120, 30)


def test_derivatives_are_deterministic(tmp_path: Path) -> None:
    path = photo(tmp_path, size=(900, 700))
    detected = inspect(path).detected
    assert derivatives(path, detected) == derivatives(path, detected)


def pixel(derivative: Derivative, at: tuple[int, int] = (0, 0)) -> tuple[int, ...]:
    value = reopened(derivative).getpixel(at)
    assert isinstance(value, tuple)
    return value


def test_transparency_becomes_white(tmp_path: Path) -> None:
    image = Image.new("RGBA", (300, 300), (255, 0, 0, 0))
    path = write(tmp_path, "a.png", encoded(image, "PNG"))
    (small,) = derivatives(path, sniff(path.read_bytes()))
    assert all(channel >= 250 for channel in pixel(small))


def test_a_palette_gif_with_transparency_works(tmp_path: Path) -> None:
    image = Image.new("P", (60, 60), 1)
    image.putpalette([0, 0, 0, 0, 0, 255] + [0] * 762)
    path = write(tmp_path, "a.gif", encoded(image, "GIF", transparency=1))
    (small,) = derivatives(path, inspect(path).detected)
    assert all(channel >= 250 for channel in pixel(small))


def test_cmyk_becomes_rgb(tmp_path: Path) -> None:
    image = Image.new("CMYK", (300, 300), (0, 255, 255, 0))  # red
    path = write(tmp_path, "a.jpg", encoded(image, "JPEG"))
    assert inspect(path).width == 300
    (small,) = derivatives(path, sniff(path.read_bytes()))
    red, green, blue = pixel(small, (100, 100))
    assert red > 200
    assert green < 60
    assert blue < 60


def test_16_bit_grey_is_scaled_not_clipped(tmp_path: Path) -> None:
    image = Image.new("I;16", (300, 300), 32768)
    path = write(tmp_path, "a.png", encoded(image, "PNG"))
    with Image.open(path) as source:
        assert source.mode.startswith("I")
    (small,) = derivatives(path, inspect(path).detected)
    assert all(120 <= channel <= 136 for channel in pixel(small, (100, 100)))


@pytest.mark.parametrize("mode", ["1", "L", "LA", "P", "RGBA", "I", "F"])
def test_other_modes_work(mode: str, tmp_path: Path) -> None:
    image = Image.new(mode, (250, 120))
    fmt = "TIFF" if mode in {"I", "F"} else "PNG"
    path = write(tmp_path, "a", encoded(image, fmt))
    made = derivatives(path, inspect(path).detected)
    assert [(d.name, d.width, d.height) for d in made] == [("small", 200, 96)]


@pytest.mark.parametrize("fmt", ["HEIF", "AVIF"])
def test_heif_and_avif_give_thumbnails(fmt: str, tmp_path: Path) -> None:
    path = write(tmp_path, "a", heif(fmt))
    found = inspect(path)
    assert (found.width, found.height) == (64, 48)
    (small,) = derivatives(path, found.detected)
    assert (small.width, small.height) == (64, 48)


def test_the_first_frame_of_an_animation_is_used(tmp_path: Path) -> None:
    path = write(tmp_path, "a.gif", gif(frames=3))
    (small,) = derivatives(path, inspect(path).detected)
    assert (small.width, small.height) == (40, 30)


def test_a_pdf_gets_a_preview_of_its_first_page(tmp_path: Path) -> None:
    path = write(tmp_path, "a.pdf", pdf(pages=2))
    found = inspect(path)
    assert (found.pages, found.width, found.height) == (2, 300, 200)
    made = derivatives(path, found.detected)
    assert [d.name for d in made] == ["preview", "small", "medium", "large"]
    sizes = {d.name: (d.width, d.height) for d in made}
    assert sizes["preview"][0] == 2048
    assert sizes["preview"][1] in {1365, 1366}
    assert sizes["small"][0] == 200
    assert sizes["medium"][0] == 800
    assert sizes["large"][0] == 2048
    assert reopened(made[0]).format == "JPEG"
    assert derivatives(path, found.detected) == made


def test_a_tiny_pdf_page_is_not_blown_up_without_limit(tmp_path: Path) -> None:
    path = write(tmp_path, "a.pdf", pdf(size=(20, 10)))
    made = derivatives(path, inspect(path).detected)
    preview = made[0]
    assert (preview.width, preview.height) == (160, 80)  # 8x, the scale cap
    assert [d.name for d in made] == ["preview", "small"]


# --- File names -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\x\\y.jpg", "y.jpg"),
        ("C:y.jpg", "y.jpg"),
        ("photo.jpg", "photo.jpg"),
        ("Ambuya Tendai (1950).jpg", "Ambuya Tendai (1950).jpg"),
        ("a\x00b\x07c.png", "abc.png"),
        ("line\nbreak\t and   spaces.pdf", "line break and spaces.pdf"),
        ("  .hidden.txt", "hidden.txt"),
        ("..", "file"),
        (".", "file"),
        ("", "file"),
        ("/", "file"),
        ("...", "file"),
        ('a<b>c:d"e|f?g*.jpg', "a_b_c_d_e_f_g_.jpg"),
        ("Nhaka\u202egpj.exe", "Nhakagpj.exe"),  # no right-to-left override
        ("Zvipo\u0308.jpg", "Zvipö.jpg"),  # NFC
        ("trailing dots...", "trailing dots"),
        ("con.txt", "_con.txt"),
        ("Ndebele ñ 中文.jpeg", "Ndebele ñ 中文.jpeg"),
    ],
)
def test_safe_filename(name: str, expected: str) -> None:
    assert safe_filename(name) == expected


def test_safe_filename_trims_long_names_and_keeps_the_extension() -> None:
    name = "x" * 500 + ".jpeg"
    safe = safe_filename(name)
    assert len(safe) == 200
    assert safe.endswith(".jpeg")
    assert safe_filename("y" * 300) == "y" * 200


# --- Nothing but MediaRefused, whatever the bytes ---------------------------------------------

MAGIC_PREFIXES = [
    b"",
    b"\xff\xd8\xff",
    b"\x89PNG\r\n\x1a\n",
    b"GIF89a",
    b"RIFF\x00\x10\x00\x00WEBPVP8 ",
    b"II*\x00",
    b"MM\x00*",
    b"%PDF-1.7\n",
    b"\x00\x00\x00\x18ftypheic",
    b"\x00\x00\x00\x18ftypavif",
    b"\x1a\x45\xdf\xa3",
    b"ID3",
    b"<svg",
    b"<?xml",
]


def check_never_raises_anything_else(data: bytes) -> None:
    try:
        detected = sniff(data)
    except MediaRefused:
        detected = None
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "upload"
        path.write_bytes(data)
        try:
            found = inspect(path)
        except MediaRefused:
            return
        assert found.detected == detected
        with contextlib.suppress(MediaRefused):
            derivatives(path, found.detected)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=4096))
def test_arbitrary_bytes_give_only_refusals(data: bytes) -> None:
    check_never_raises_anything_else(data)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(MAGIC_PREFIXES), st.binary(max_size=4096))
def test_arbitrary_bytes_behind_a_signature_give_only_refusals(prefix: bytes, rest: bytes) -> None:
    check_never_raises_anything_else(prefix + rest)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(["JPEG", "PNG", "GIF", "WEBP", "TIFF"]), st.data())
def test_damaged_real_images_give_only_refusals(fmt: str, data: st.DataObject) -> None:
    original = bytearray(encoded(noise((40, 30)), fmt))
    for _ in range(data.draw(st.integers(1, 8))):
        at = data.draw(st.integers(0, len(original) - 1))
        original[at] = data.draw(st.integers(0, 255))
    cut = data.draw(st.integers(1, len(original)))
    check_never_raises_anything_else(bytes(original[:cut]))
