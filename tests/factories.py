"""factory_boy factories for the market's models. Services are used where a state change
has rules; factories build plain rows for tests that need a starting point."""

from decimal import Decimal

import factory
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.contrib.auth import get_user_model
from django.utils import timezone

from market.models import (
    Committee,
    CommitteeMember,
    Compound,
    District,
    Firm,
    FirmMember,
    FirmStatus,
    Offer,
    Official,
    ScopeItem,
    StreetOffice,
)
from market.search import search_document
from market.validators import CREDIT_CODE_ALPHABET, credit_code_check_character

PASSWORD = "correct-horse-物业-2026"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    full_name = factory.Sequence(lambda n: f"用户{n}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def verified(self, create, extracted, **kwargs):
        if create:
            self.save()
            EmailAddress.objects.create(user=self, email=self.email, verified=True, primary=True)


def give_totp(user) -> None:
    """Mark a user as having TOTP set up (the secret itself does not matter here)."""
    Authenticator.objects.create(
        user=user, type=Authenticator.Type.TOTP, data={"secret": "JBSWY3DPEHPK3PXP"}
    )


class DistrictFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = District
        django_get_or_create = ("code",)

    name = factory.Sequence(lambda n: f"第{n}区")
    city = "北京市"
    code = factory.Sequence(lambda n: f"1101{n:02d}")
    bureau_name = factory.LazyAttribute(lambda d: f"{d.name}住房和城乡建设委员会")


class StreetOfficeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StreetOffice

    district = factory.SubFactory(DistrictFactory)
    name = factory.Sequence(lambda n: f"街道{n}")


class CompoundFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Compound

    street_office = factory.SubFactory(StreetOfficeFactory)
    name = factory.Sequence(lambda n: f"测试小区{n}")
    address = factory.Sequence(lambda n: f"兴华大街{n}号")
    buildings = 6
    owners = 320
    exclusive_area = Decimal("25600.00")
    households = 330
    year_built = 1995


class CommitteeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Committee

    compound = factory.SubFactory(CompoundFactory)
    kind = Committee.Kind.OWNERS


class CommitteeMemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CommitteeMember

    committee = factory.SubFactory(CommitteeFactory)
    user = factory.SubFactory(UserFactory)
    name = factory.Sequence(lambda n: f"委员{n}")
    email = factory.LazyAttribute(lambda m: m.user.email if m.user else "seat@example.com")
    role = "member"


def valid_credit_code(n: int) -> str:
    body = "91110115" + "".join(CREDIT_CODE_ALPHABET[(n // 31**i) % 31] for i in range(9))
    return body + credit_code_check_character(body)


class FirmFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Firm
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"北京测试{n}物业管理有限公司")
    credit_code = factory.Sequence(valid_credit_code)
    contact_name = "王经理"
    phone = "010-60000000"
    email = factory.Sequence(lambda n: f"firm{n}@example.com")
    status = FirmStatus.APPROVED

    @factory.post_generation
    def districts(self, create, extracted, **kwargs):
        if create and extracted:
            self.districts.set(extracted)
            # Registered (and so vetted) in the first district served, unless given.
            if self.registered_district_id is None:
                self.registered_district = list(extracted)[0]
                self.save(update_fields=["registered_district"])


class FirmMemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FirmMember

    firm = factory.SubFactory(FirmFactory)
    user = factory.SubFactory(UserFactory)
    role = "staff"


class OfficialFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Official

    user = factory.SubFactory(UserFactory)
    district = factory.SubFactory(DistrictFactory)
    title = "科员"


class OfferFactory(factory.django.DjangoModelFactory):
    """A published offer row, as market.services.offers.offer_publish leaves it, without
    the Wagtail page (tests of the catalogue do not need one)."""

    class Meta:
        model = Offer
        skip_postgeneration_save = True

    class Params:
        scope = ("cleaning",)

    page_id = factory.Sequence(lambda n: 900_000 + n)
    url = factory.LazyAttribute(lambda o: f"/firms/offer-{o.page_id}/")
    firm = factory.SubFactory(FirmFactory)
    title = factory.Sequence(lambda n: f"服务方案{n}")
    summary = ""
    grade = 2
    scope_mask = factory.LazyAttribute(lambda o: ScopeItem.mask_of(o.scope))
    fee = Decimal("1.00")
    revision_id = 1
    published_at = factory.LazyFunction(timezone.now)
    # As offer_publish copies them from the firm.
    firm_listed = factory.LazyAttribute(lambda o: o.firm.is_listable)
    firm_credit_score = factory.LazyAttribute(lambda o: o.firm.credit_score)
    firm_credit_grade = factory.LazyAttribute(lambda o: o.firm.credit_grade)
    search_document = factory.LazyAttribute(
        lambda o: search_document(
            o.title, o.summary, o.firm.name, " ".join(str(ScopeItem(i).label) for i in o.scope)
        )
    )

    @factory.post_generation
    def districts(self, create, extracted, **kwargs):
        if create and extracted:
            self.districts.set(extracted)

    @factory.post_generation
    def street_offices(self, create, extracted, **kwargs):
        if create and extracted:
            self.street_offices.set(extracted)
