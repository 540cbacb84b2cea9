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


def _url_fetcher():
    """A fetcher that fetches nothing: the contract has no images, fonts or stylesheets
    to load, so a URL in it must not reach the network. WeasyPrint's default fetcher
    also builds a urllib opener with a fresh TLS context for every document (≈ 20 ms
    each, docs/performance.md); this one is built once per thread."""
    fetcher = getattr(_fonts, "fetcher", None)
    if fetcher is None:
        from weasyprint.urls import URLFetcher

        class NoExternalResources(URLFetcher):
            def __init__(self):  # no opener, no TLS context: nothing is fetched
                pass

            def fetch(self, url, headers=None):
                raise ValueError(f"contract documents load no external resources: {url}")

        fetcher = _fonts.fetcher = NoExternalResources()
    return fetcher


def contract_pdf(context: dict) -> bytes:
    """Render ``contracts/contract_pdf.html`` to PDF bytes. Contracts are Chinese
    documents, so they are rendered in Chinese whatever the signer's interface language."""
    from weasyprint import HTML  # imported here: loading Pango is slow and rarely needed

    with translation.override("zh-hans"):
        html = render_to_string("contracts/contract_pdf.html", context)
    return HTML(string=html, url_fetcher=_url_fetcher()).write_pdf(font_config=_font_config())
