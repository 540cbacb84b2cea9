"""market.uploads.validate_upload: content must be what the name says, within size and
pixel limits, and intact."""

import io
import os
import zlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from PIL import Image

from market.uploads import validate_upload

MINIMAL_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


def image_bytes(fmt: str, size=(64, 48), mode="RGB", noise=False) -> bytes:
    image = Image.effect_noise(size, 60).convert(mode) if noise else Image.new(mode, size, "red")
    buffer = io.BytesIO()
    image.save(buffer, fmt)
    return buffer.getvalue()


def upload(name: str, content: bytes, content_type: str = "") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def refusal(file, **kwargs) -> ValidationError:
    with pytest.raises(ValidationError) as error:
        validate_upload(file, **kwargs)
    return error.value


@pytest.fixture(scope="module")
def bomb_png() -> bytes:
    """A real decompression bomb: a PNG declaring 20000 × 20000 pixels (400 million;
    1.2 GB once decoded as RGB) that is a few dozen kilobytes on disk."""
    buffer = io.BytesIO()
    Image.new("1", (20_000, 20_000)).save(buffer, "PNG", optimize=False)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("licence.png", image_bytes("PNG"), "image/png"),
        ("licence.JPG", image_bytes("JPEG"), "image/jpeg"),
        ("licence.jpeg", image_bytes("JPEG"), "image/pjpeg"),
        ("licence.webp", image_bytes("WEBP"), "image/webp"),
        ("licence.pdf", MINIMAL_PDF, "application/pdf"),
        # A browser that does not know the type sends octet-stream: that claims nothing.
        ("licence.png", image_bytes("PNG"), "application/octet-stream"),
        ("licence.png", image_bytes("PNG"), ""),
    ],
)
def test_sound_files_pass_and_are_rewound(name, content, content_type):
    file = upload(name, content, content_type)

    validate_upload(file)

    assert file.tell() == 0
    assert file.read() == content


def test_a_text_file_renamed_jpg_is_refused_naming_the_lie():
    error = refusal(upload("licence.jpg", b"just some notes, not a picture\n" * 20, "image/jpeg"))

    assert error.code == "mismatch"
    assert error.messages == ["这个文件的扩展名是 .jpg，但内容不是 JPEG 图片。"]
    with translation.override("en"):
        assert error.messages == ["This file says .jpg but is not a JPEG image."]


@pytest.mark.parametrize(
    ("name", "content", "needle"),
    [
        ("scan.png", image_bytes("JPEG"), ".png，但内容不是 PNG 图片"),
        ("scan.pdf", image_bytes("PNG"), ".pdf，但内容不是 PDF 文档"),
        ("scan.jpg", MINIMAL_PDF, ".jpg，但内容不是 JPEG 图片"),
        ("scan.webp", image_bytes("PNG"), ".webp，但内容不是 WebP 图片"),
    ],
)
def test_content_of_another_kind_than_the_extension_says_is_refused(name, content, needle):
    error = refusal(upload(name, content))

    assert error.code == "mismatch"
    assert needle in error.messages[0]


def test_declared_type_that_disagrees_with_the_content_is_refused():
    error = refusal(upload("scan.jpg", image_bytes("JPEG"), "image/png"))

    assert error.code == "mismatch"
    assert error.messages == ["这个文件以 image/png 类型上传，但内容不是 PNG 图片。"]


@pytest.mark.parametrize("name", ["licence.gif", "licence.exe", "licence", "licence.png.html"])
def test_other_extensions_are_refused_listing_what_is_accepted(name):
    error = refusal(upload(name, image_bytes("GIF") if name.endswith("gif") else b"MZ\x90\x00"))

    assert error.code == "extension"
    assert name in error.messages[0]
    assert "PNG 图片、JPEG 图片、WebP 图片、PDF 文档" in error.messages[0]
    assert ".jpg" in error.messages[0]


def test_callers_choose_the_kinds_they_allow():
    error = refusal(upload("photo.pdf", MINIMAL_PDF), allowed=("image",))

    assert error.code == "extension"
    assert "PDF" not in error.messages[0].split("只接受")[1]
    validate_upload(upload("photo.png", image_bytes("PNG")), allowed=("image",))


def test_an_oversize_file_is_refused_naming_both_sizes(settings):
    settings.UPLOAD_MAX_BYTES = 10 * 1024
    content = image_bytes("PNG", size=(400, 400), noise=True)
    assert len(content) > 10 * 1024

    error = refusal(upload("big.png", content))

    assert error.code == "too_large"
    assert "文件太大" in error.messages[0]
    assert "上限为 10.0\xa0KB" in error.messages[0]


def test_a_file_at_the_size_limit_passes(settings):
    content = image_bytes("PNG")
    settings.UPLOAD_MAX_BYTES = len(content)

    validate_upload(upload("exact.png", content))


def test_an_empty_file_is_refused():
    error = refusal(upload("empty.pdf", b""))

    assert error.code == "empty"
    assert error.messages == ["文件是空的。"]


def test_a_decompression_bomb_is_refused_without_decoding_it(bomb_png):
    assert len(bomb_png) < 200_000  # small on disk …

    error = refusal(upload("licence.png", bomb_png, "image/png"))

    assert error.code == "too_many_pixels"  # … refused from its header
    assert "解压炸弹" in error.messages[0]
    assert "40,000,000" in error.messages[0]


def test_an_image_above_our_pixel_limit_is_refused_with_its_size(settings):
    settings.UPLOAD_MAX_PIXELS = 1_000_000
    validate_upload(upload("ok.png", image_bytes("PNG", size=(1000, 1000), mode="L")))

    error = refusal(upload("big.png", image_bytes("PNG", size=(1001, 1000), mode="L")))

    assert error.code == "too_many_pixels"
    assert "1,001 × 1,000" in error.messages[0]
    assert "1,000,000" in error.messages[0]


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "WEBP"])
def test_a_truncated_image_is_refused(fmt):
    content = image_bytes(fmt, size=(300, 200), noise=True)
    name = f"scan.{fmt.lower()}"

    error = refusal(upload(name, content[: len(content) // 2]))

    assert error.code == "damaged"
    assert "已损坏或不完整" in error.messages[0]


def test_a_truncated_image_is_refused_even_after_weasyprint_relaxed_pillow(monkeypatch):
    from PIL import ImageFile

    # Importing WeasyPrint sets this for the whole process.
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)
    content = image_bytes("JPEG", size=(300, 200), noise=True)

    error = refusal(upload("scan.jpeg", content[: len(content) // 2]))

    assert error.code == "damaged"
    assert ImageFile.LOAD_TRUNCATED_IMAGES is True  # left as it was found


def test_a_png_with_a_corrupt_chunk_is_refused():
    content = bytearray(image_bytes("PNG", size=(120, 80), noise=True))
    idat = content.index(b"IDAT")
    content[idat + 40] ^= 0xFF  # the chunk's checksum no longer matches

    error = refusal(upload("scan.png", bytes(content)))

    assert error.code == "damaged"


def test_a_pdf_without_its_end_marker_is_refused():
    cut = MINIMAL_PDF[: MINIMAL_PDF.index(b"%%EOF")]

    error = refusal(upload("licence.pdf", cut, "application/pdf"))

    assert error.code == "damaged"
    assert "%%EOF" in error.messages[0]
    assert "不完整" in error.messages[0]


def test_a_pdf_with_padding_after_its_end_marker_passes():
    validate_upload(upload("licence.pdf", MINIMAL_PDF + b"\r\n" + b"\x00" * 200))


def test_a_pdf_with_an_end_marker_only_far_from_the_end_is_refused():
    content = MINIMAL_PDF + zlib.compress(os.urandom(4096))  # trailing junk after %%EOF

    error = refusal(upload("licence.pdf", content))

    assert error.code == "damaged"
