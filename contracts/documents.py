"""The contract PDF: rendered once, when the contract is generated, with WeasyPrint and
the Noto CJK fonts; both parties sign exactly these bytes (their SHA-256 is stored)."""

import hashlib
import threading

from django.template.loader import render_to_string
from django.utils import translation


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def contract_parties(*, compound, committee, firm) -> dict:
    """The two parties as the contract names them, frozen when it is generated."""
    chair = committee.chair
    return {
        "owners": {
            "committee": str(committee),
            "kind": committee.kind,
            "compound": compound.name,
            "address": compound.address,
            "street_office": compound.street_office.name,
            "district": compound.street_office.district.name,
            "chair": chair.name if chair else "",
            "phone": committee.phone,
            "owners": compound.owners,
            "exclusive_area": str(compound.exclusive_area),
        },
        "firm": {
            "name": firm.name,
            "credit_code": firm.credit_code,
            "legal_representative": firm.legal_representative,
            "address": firm.address,
            "phone": firm.phone,
            "email": firm.email,
        },
    }


_fonts = threading.local()


def _font_config():
    """One WeasyPrint font configuration per thread, kept across renders: building it
    loads fontconfig's view of the (large) Noto CJK fonts each time. Per thread because
    WeasyPrint does not promise it is safe to share between threads."""
    config = getattr(_fonts, "config", None)
    if config is None:
        from weasyprint.text.fonts import FontConfiguration

        config = _fonts.config = FontConfiguration()
    return config


def contract_pdf(context: dict) -> bytes:
    """Render ``contracts/contract_pdf.html`` to PDF bytes. Contracts are Chinese
    documents, so they are rendered in Chinese whatever the signer's interface language."""
    from weasyprint import HTML  # imported here: loading Pango is slow and rarely needed

    with translation.override("zh-hans"):
        html = render_to_string("contracts/contract_pdf.html", context)
    return HTML(string=html).write_pdf(font_config=_font_config())
