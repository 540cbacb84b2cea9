import pytest
from django.utils import translation

from tests.factories import (
    CommitteeMemberFactory,
    CompoundFactory,
    DistrictFactory,
    FirmMemberFactory,
    OfficialFactory,
    StreetOfficeFactory,
    give_totp,
)


@pytest.fixture(autouse=True)
def _chinese_by_default():
    """Tests see what users see: Simplified Chinese unless a test switches."""
    with translation.override("zh-hans"):
        yield


@pytest.fixture
def district(db):
    return DistrictFactory(name="大兴区", code="110115")


@pytest.fixture
def other_district(db):
    return DistrictFactory(name="通州区", code="110112")


@pytest.fixture
def street_office(district):
    return StreetOfficeFactory(district=district, name="兴丰街道")


@pytest.fixture
def compound(street_office):
    return CompoundFactory(street_office=street_office, name="枣园小区")


@pytest.fixture
def other_compound(street_office):
    return CompoundFactory(street_office=street_office, name="康庄小区")


@pytest.fixture
def committee_member(compound):
    """A user holding a seat on the committee of ``compound``."""
    seat = CommitteeMemberFactory(committee__compound=compound, role="chair")
    return seat.user


@pytest.fixture
def official(district):
    """A bureau official of ``district`` with TOTP set up."""
    post = OfficialFactory(district=district)
    give_totp(post.user)
    return post.user


@pytest.fixture
def official_without_mfa(district):
    return OfficialFactory(district=district).user


@pytest.fixture
def other_official(other_district):
    post = OfficialFactory(district=other_district)
    give_totp(post.user)
    return post.user


@pytest.fixture
def firm_admin(district):
    member = FirmMemberFactory(role="admin", firm__districts=[district])
    return member.user


@pytest.fixture
def firm_staff(district):
    return FirmMemberFactory(role="staff", firm__districts=[district]).user


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup):
    """Keep the serialized initial data (Wagtail's pages, the workflow) where every
    connection object finds it. Django keeps one connection object per context, and
    Playwright's sync API runs browser tests in a fresh context, whose new connection would
    not know what ``serialized_rollback`` must reload after a transactional test's flush."""
    from django.db import connections

    for alias in connections:
        connection = connections[alias]
        contents = getattr(connection, "_test_serialized_contents", None)
        if contents is not None:
            type(connection)._test_serialized_contents = contents
    yield


def pytest_collection_modifyitems(items):
    """A test that serves pages to a real client (``live_server``) commits for real: give it
    the serialized initial data too. Otherwise its flush re-creates content types under new
    ids (post_migrate) and the next test that reloads the serialized data collides with them
    (Django: TransactionTestCase.serialized_rollback)."""
    for item in items:
        names = getattr(item, "fixturenames", None)
        if names is not None and "live_server" in names:
            if "django_db_serialized_rollback" not in names:
                names.append("django_db_serialized_rollback")
