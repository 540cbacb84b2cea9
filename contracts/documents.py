"""The contract PDF: rendered once, when the contract is generated, with WeasyPrint and
the Noto CJK fonts; both parties sign exactly these bytes (their SHA-256 is stored)."""

import hashlib

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


def contract_pdf(context: dict) -> bytes:
    """Render ``contracts/contract_pdf.html`` to PDF bytes. Contracts are Chinese
    documents, so they are rendered in Chinese whatever the signer's interface language."""
    from weasyprint import HTML  # imported here: loading Pango is slow and rarely needed

    with translation.override("zh-hans"):
        html = render_to_string("contracts/contract_pdf.html", context)
    return HTML(string=html).write_pdf()
