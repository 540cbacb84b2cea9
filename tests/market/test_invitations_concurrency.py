"""A link works once, even when two requests use it at the same moment (PostgreSQL row lock)."""

import threading

import pytest
from django.contrib.auth import get_user_model
from django.db import connection, connections

from market.services.invitations import InvitationError, invitation_accept, invitation_create
from tests.factories import FirmFactory

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks under concurrency: PostgreSQL only"
)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_simultaneous_acceptances_of_one_link_make_one_account():
    firm = FirmFactory()
    _invitation, token = invitation_create(
        actor=None, kind="firm", email="race@example.com", firm=firm, firm_role="staff"
    )
    barrier = threading.Barrier(2)
    outcomes = []

    def accept():
        try:
            barrier.wait()
            invitation_accept(
                token=token,
                full_name="并发",
                password1="race-condition-2026",
                password2="race-condition-2026",
            )
            outcomes.append("accepted")
        except InvitationError:
            outcomes.append("refused")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=accept) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(outcomes) == ["accepted", "refused"]
    assert get_user_model().objects.filter(email="race@example.com").count() == 1
    assert firm.members.count() == 1
