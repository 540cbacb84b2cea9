"""The contract PDF: rendered once, when the contract is generated, with WeasyPrint and
the Noto CJK fonts; both parties sign exactly these bytes (their SHA-256 is stored)."""

import hashlib

from django.template.loader import render_to_string
from django.utils import translation


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def contract_pdf(context: dict) -> bytes:
    """Render ``contracts/contract_pdf.html`` to PDF bytes. Contracts are Chinese
    documents, so they are rendered in Chinese whatever the signer's interface language."""
    from weasyprint import HTML  # imported here: loading Pango is slow and rarely needed

    with translation.override("zh-hans"):
        html = render_to_string("contracts/contract_pdf.html", context)
    return HTML(string=html).write_pdf()
