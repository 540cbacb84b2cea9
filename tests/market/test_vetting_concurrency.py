"""Two applications with one credit code at the same moment: one firm, a form error for
the other and no stray licence file (PostgreSQL unique index under concurrency)."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, connections

from market.models import Event, Firm, FirmMember
from market.services import firms as firms_service
from market.services.firms import CREDIT_CODE_TAKEN, firm_register
from tests.factories import DistrictFactory, UserFactory

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="unique index under concurrency: PostgreSQL only"
    ),
]

CODE = "91110000802100433B"
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_simultaneous_applications_with_one_code_make_one_firm(tmp_path, monkeypatch):
    monkeypatch.setattr(
        Firm._meta.get_field("licence"), "storage", FileSystemStorage(location=tmp_path)
    )
    district = DistrictFactory(name="大兴区", code="110115")
    applicants = [UserFactory(), UserFactory()]
    # Both pass the up-front check before either inserts: the loser meets the unique index.
    both_checked = threading.Barrier(2)
    check = firms_service._check_credit_code_free

    def check_then_wait(code, **kwargs):
        check(code, **kwargs)
        both_checked.wait(timeout=10)

    monkeypatch.setattr(firms_service, "_check_credit_code_free", check_then_wait)
    outcomes = []

    def apply(applicant, n):
        try:
            firm_register(
                actor=applicant,
                name=f"并发物业{n}",
                credit_code=CODE,
                contact_name="王经理",
                phone="010-60001234",
                email=f"race{n}@example.com",
                districts=[district],
                registered_district=district,
                licence=SimpleUploadedFile(f"licence{n}.pdf", PDF, "application/pdf"),
                address="兴华大街1号",
                legal_representative="李建国",
            )
            outcomes.append("registered")
        except ValidationError as error:
            outcomes.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=apply, args=(a, n)) for n, a in enumerate(applicants)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert len(outcomes) == 2
    assert "registered" in outcomes
    [refused] = [o for o in outcomes if o != "registered"]
    assert refused.message_dict == {"credit_code": [str(CREDIT_CODE_TAKEN)]}
    firm = Firm.objects.get()
    assert firm.credit_code == CODE
    assert FirmMember.objects.count() == 1
    assert Event.objects.filter(action="firm.applied").count() == 1
    # Only the winner's scan is on disk.
    [stored] = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert firm.licence.name.endswith(stored.name)
