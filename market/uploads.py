"""Checks for files people upload: licence scans now, request and inspection photos later.

A file is accepted only if its content is what its name (and the type the browser
declared) says it is, it is not too large on disk, and, for images, it decodes within
``settings.UPLOAD_MAX_PIXELS`` (so a small file that unpacks to gigabytes of pixels, a
"decompression bomb", is refused before it is decoded).
"""

import os
import warnings
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageFile, UnidentifiedImageError


@dataclass(frozen=True)
class FileKind:
    key: str
    group: str  # what callers allow: "image" or "pdf"
    label: object  # lazy translation
    pillow_format: str
    content_type: str
    extensions: tuple[str, ...]


PNG = FileKind("png", "image", _("PNG image"), "PNG", "image/png", ("png",))
JPEG = FileKind("jpeg", "image", _("JPEG image"), "JPEG", "image/jpeg", ("jpg", "jpeg"))
WEBP = FileKind("webp", "image", _("WebP image"), "WEBP", "image/webp", ("webp",))
PDF = FileKind("pdf", "pdf", _("PDF document"), "", "application/pdf", ("pdf",))
KINDS = (PNG, JPEG, WEBP, PDF)

# Content types browsers send for these files, besides the canonical ones.
_CONTENT_TYPE_ALIASES = {"image/jpg": JPEG, "image/pjpeg": JPEG, "application/x-pdf": PDF}

# A PDF ends with %%EOF, possibly followed by a line break or some padding; readers look
# for it in the last 1024 bytes.
PDF_TRAILER_WINDOW = 1024

TOO_LARGE = _("The file is too large (%(size)s); files can be at most %(limit)s.")
EMPTY = _("The file is empty.")
WRONG_EXTENSION = _(
    "“%(name)s” cannot be uploaded here: only %(kinds)s files are accepted "
    "(file names ending in %(extensions)s)."
)
CONTENT_NOT_AS_NAMED = _("This file says .%(extension)s but is not a %(kind)s.")
CONTENT_NOT_AS_DECLARED = _("This file was sent as %(declared)s but is not a %(kind)s.")
TOO_MANY_PIXELS = _(
    "The image is too large: %(width)s × %(height)s pixels, more than the limit of "
    "%(limit)s pixels. Reduce its size and upload it again."
)
BOMB = _(
    "The image declares more than %(limit)s pixels, far more than a scan needs; it was "
    "refused as a possible decompression bomb."
)
DAMAGED_IMAGE = _(
    "The %(kind)s is damaged or incomplete and cannot be opened. Save or scan it again "
    "and upload the new file."
)
PDF_INCOMPLETE = _(
    "The PDF document is incomplete: its end marker (%(marker)s) is missing, so it was "
    "probably cut off while copying. Save it again and upload the new file."
)


def sniff_kind(head: bytes) -> FileKind | None:
    """What the first bytes say the file is (magic numbers), or None."""
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    return None


def _kind_for_extension(extension: str) -> FileKind | None:
    return next((kind for kind in KINDS if extension in kind.extensions), None)


def _kind_for_content_type(content_type: str) -> FileKind | None:
    content_type = (content_type or "").split(";")[0].strip().lower()
    by_type = next((kind for kind in KINDS if kind.content_type == content_type), None)
    return by_type or _CONTENT_TYPE_ALIASES.get(content_type)


def _read_at(file, offset: int, size: int) -> bytes:
    file.seek(offset)
    return file.read(size)


def validate_upload(file, *, allowed: tuple[str, ...] = ("image", "pdf")) -> None:
    """Raise ``ValidationError`` naming the problem unless ``file`` (an uploaded file)
    is one of the ``allowed`` groups ("image": PNG, JPEG, WebP; "pdf") and sound.

    Use as a form field validator; ``functools.partial(validate_upload,
    allowed=("image",))`` for photos only."""
    accepted = [kind for kind in KINDS if kind.group in allowed]
    size = file.size if getattr(file, "size", None) is not None else len(_read_at(file, 0, -1))
    if size > settings.UPLOAD_MAX_BYTES:
        raise ValidationError(
            TOO_LARGE,
            code="too_large",
            params={
                "size": filesizeformat(size),
                "limit": filesizeformat(settings.UPLOAD_MAX_BYTES),
            },
        )
    if size == 0:
        raise ValidationError(EMPTY, code="empty")

    name = os.path.basename(getattr(file, "name", "") or "")
    extension = os.path.splitext(name)[1].lstrip(".").lower()
    named = _kind_for_extension(extension)
    if named is None or named not in accepted:
        raise ValidationError(
            WRONG_EXTENSION,
            code="extension",
            params={
                "name": name,
                "kinds": "、".join(str(kind.label) for kind in accepted),
                "extensions": " ".join(f".{ext}" for kind in accepted for ext in kind.extensions),
            },
        )

    actual = sniff_kind(_read_at(file, 0, 16))
    if actual != named:
        raise ValidationError(
            CONTENT_NOT_AS_NAMED,
            code="mismatch",
            params={"extension": extension, "kind": named.label},
        )
    # The browser's declared type is a second claim; types we do not know (e.g.
    # application/octet-stream) claim nothing.
    declared_type = getattr(file, "content_type", None) or ""
    declared = _kind_for_content_type(declared_type)
    if declared is not None and declared != actual:
        raise ValidationError(
            CONTENT_NOT_AS_DECLARED,
            code="mismatch",
            params={"declared": declared_type, "kind": declared.label},
        )

    try:
        if actual is PDF:
            _check_pdf(file, size)
        else:
            _check_image(file, actual)
    finally:
        file.seek(0)


def _check_pdf(file, size: int) -> None:
    tail = _read_at(file, max(0, size - PDF_TRAILER_WINDOW), PDF_TRAILER_WINDOW)
    if b"%%EOF" not in tail:
        raise ValidationError(PDF_INCOMPLETE, code="damaged", params={"marker": "%%EOF"})


def _check_image(file, kind: FileKind) -> None:
    limit = settings.UPLOAD_MAX_PIXELS
    # Pillow warns above Image.MAX_IMAGE_PIXELS and refuses above twice that; here the
    # warning is an error too, and our own (usually lower) limit applies on top, checked
    # from the header before any pixel is decoded.
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            file.seek(0)
            with Image.open(file) as image:
                width, height = image.size
                if width * height > limit:
                    raise ValidationError(
                        TOO_MANY_PIXELS,
                        code="too_many_pixels",
                        params={
                            "width": f"{width:,}",
                            "height": f"{height:,}",
                            "limit": f"{limit:,}",
                        },
                    )
                if image.format != kind.pillow_format:
                    raise ValidationError(
                        DAMAGED_IMAGE, code="damaged", params={"kind": kind.label}
                    )
                # verify() checks the structure (chunk checksums for PNG) without decoding.
                image.verify()
            # verify() leaves the image unusable; decoding it fully catches truncated
            # JPEG and WebP data, which verify() does not look at.
            file.seek(0)
            # WeasyPrint (contract PDFs) turns Pillow's LOAD_TRUNCATED_IMAGES on for the
            # whole process when imported; an uploaded scan must be whole, so decode with
            # it off.
            load_truncated = ImageFile.LOAD_TRUNCATED_IMAGES
            ImageFile.LOAD_TRUNCATED_IMAGES = False
            try:
                with Image.open(file) as image:
                    image.load()
            finally:
                ImageFile.LOAD_TRUNCATED_IMAGES = load_truncated
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise ValidationError(
                BOMB, code="too_many_pixels", params={"limit": f"{limit:,}"}
            ) from None
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
            raise ValidationError(
                DAMAGED_IMAGE, code="damaged", params={"kind": kind.label}
            ) from None
