"""The synthetic district a simulation runs in: its bureau official, street offices, market
firms with staff and offers, the designated fallback operator, and the compounds (with
their committees) registered over the simulated years. Everything is made through the
market's and the fallback services, as the seed and the bureau would; only the accounts
of the people who act are created directly (with unusable passwords)."""

import io
import random
import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Max

from market.models import Committee, CommitteeRole, District, Offer, Official, StreetOffice
from market.services.committees import MemberData, committee_register
from market.services.compounds import compound_register
from market.services.firms import firm_add_member, firm_approve, firm_register
from market.services.offers import OfferTerms, offer_publish
from market.validators import CREDIT_CODE_ALPHABET, credit_code_check_character

from ..services.fallback import fallback_designate

FALLBACK_FEE = Decimal("0.80")
SCOPE = ["cleaning", "order", "water"]
STREET_OFFICES = 5
# The first offer page id of simulated offers: far above the ids of real Wagtail pages.
OFFER_PAGE_BASE = 700_000_000


@dataclass
class PlannedCompound:
    index: int
    registers_on: date
    committee_after: int | None  # days after registration; None: never
    pk: int | None = None
    chair: object = None


@dataclass
class World:
    rng: random.Random
    start: date
    tag: str
    district: District = None
    official: object = None
    offices: list = field(default_factory=list)
    operator: object = None
    firms: list = field(default_factory=list)  # market firms, in order of entry
    staff: dict = field(default_factory=dict)  # firm pk -> user acting for it
    offers: list = field(default_factory=list)
    planned: list = field(default_factory=list)
    chairs: dict = field(default_factory=dict)  # compound pk -> chair user
    _users: int = 0
    _firms: int = 0

    # --- people ----------------------------------------------------------------------

    def user(self, role: str):
        self._users += 1
        return get_user_model().objects.create_user(
            email=f"sim-{self.tag}-{role}-{self._users}@sim.example",
            password=None,
            full_name=f"模拟{role}{self._users}",
        )

    # --- firms -----------------------------------------------------------------------

    def credit_code(self) -> str:
        # Not from the seeded generator: two runs with one seed must not collide.
        value = uuid.uuid4().int
        body = "91110115" + "".join(CREDIT_CODE_ALPHABET[(value // 31**i) % 31] for i in range(9))
        return body + credit_code_check_character(body)

    def firm_enter(self, *, fallback: bool = False):
        """A firm applies, is approved, and (unless it is the fallback operator) publishes
        one offer with trial terms."""
        self._firms += 1
        n = self._firms
        name = f"模拟{self.tag}{'国有' if fallback else ''}物业{n}号有限公司"
        firm = firm_register(
            actor=None,
            name=name,
            credit_code=self.credit_code(),
            contact_name="王经理",
            phone="010-60000000",
            email=f"firm-{self.tag}-{n}@sim.example",
            districts=[self.district],
        )
        firm = firm_approve(firm=firm, actor=None)
        staff = self.user("staff")
        firm_add_member(firm=firm, user=staff, role="admin", is_signer=True)
        self.staff[firm.pk] = staff
        if fallback:
            return firm
        self.firms.append(firm)
        fee = Decimal(self.rng.choice(["1.20", "1.50", "1.80", "2.20", "2.80"]))
        trial_months = self.rng.choice([1, 2, 3])
        page_id = (
            max(Offer.objects.aggregate(last=Max("page_id"))["last"] or 0, OFFER_PAGE_BASE) + 1
        )
        offer = offer_publish(
            firm=firm,
            actor=None,
            terms=OfferTerms(
                page_id=page_id,
                url=f"/sim/{self.tag}/offer-{n}/",
                revision_id=1,
                title=f"模拟服务方案{n}",
                summary="",
                grade=2,
                scope_items=SCOPE,
                fee=fee,
                trial_months=trial_months,
                trial_fee=self.rng.choice([Decimal("0"), Decimal("0.50")]),
                min_area=None,
                max_area=None,
                district_ids=[self.district.pk],
                street_office_ids=[],
                details={},
            ),
        )
        self.offers.append(offer)
        return firm

    # --- the district ----------------------------------------------------------------

    def build(self, *, compounds: int, days: int) -> None:
        code = self.tag[:12]
        self.district = District.objects.create(
            code=code,
            city="北京市",
            name=f"模拟区{code}",
            bureau_name=f"模拟区{code}住房和城乡建设委员会",
        )
        self.official = self.user("official")
        Official.objects.create(user=self.official, district=self.district, title="科员")
        self.offices = [
            StreetOffice.objects.create(district=self.district, name=f"模拟街道{n}")
            for n in range(STREET_OFFICES)
        ]
        self.operator = self.firm_enter(fallback=True)
        fallback_designate(
            actor=self.official,
            district=self.district,
            firm=self.operator,
            fee=FALLBACK_FEE,
            reason="区政府指定",
            today=self.start,
        )
        for _ in range(max(4, compounds // 15)):
            self.firm_enter()
        # Two in five on the register at the start (some already past their 30 days);
        # the rest registered over the first 60% of the run.
        for index in range(compounds):
            if self.rng.random() < 0.4:
                registers_on = self.start - timedelta(days=self.rng.randint(0, 45))
            else:
                registers_on = self.start + timedelta(days=self.rng.randint(1, int(days * 0.6)))
            draw = self.rng.random()
            committee_after = (
                0 if draw < 0.85 else self.rng.randint(20, 400) if draw < 0.95 else None
            )
            self.planned.append(PlannedCompound(index, registers_on, committee_after))
        self.planned.sort(key=lambda p: (p.registers_on, p.index))

    def register_due(self, today: date) -> int:
        """Register the compounds whose registration day has come; form the committees
        whose day has come. Returns how many compounds were registered."""
        registered = 0
        for plan in self.planned:
            if plan.pk is None and plan.registers_on <= today:
                households = self.rng.randint(120, 900)
                compound = compound_register(
                    actor=None,
                    street_office=self.rng.choice(self.offices),
                    name=f"模拟{self.tag}小区{plan.index}",
                    address=f"模拟路{plan.index}号",
                    buildings=max(1, households // 80),
                    owners=households - self.rng.randint(0, 10),
                    households=households,
                    exclusive_area=Decimal(households * self.rng.randint(60, 95)),
                    year_built=self.rng.randint(1985, 2020),
                    registered_on=plan.registers_on,
                )
                plan.pk = compound.pk
                registered += 1
            if (
                plan.pk is not None
                and plan.chair is None
                and plan.committee_after is not None
                and plan.registers_on + timedelta(days=plan.committee_after) <= today
            ):
                self.committee_form(plan, today)
        return registered

    def committee_form(self, plan: PlannedCompound, today: date) -> None:
        from market.models import Compound

        chair = self.user("chair")
        compound = Compound.objects.get(pk=plan.pk)
        committee = committee_register(
            actor=None,
            compound=compound,
            kind=Committee.Kind.OWNERS,
            members=[
                MemberData(name=chair.full_name, email=chair.email, role=CommitteeRole.CHAIR),
                MemberData(name="委员甲", email=f"m1-{chair.email}"),
                MemberData(name="委员乙", email=f"m2-{chair.email}"),
            ],
            formed_on=today,
            invite=False,
        )
        # What accepting the invitation does: the seat gets its account.
        committee.members.filter(email=chair.email).update(user=chair)
        plan.chair = chair
        self.chairs[plan.pk] = chair


def new_tag() -> str:
    """A district code no other run uses: "S" and 11 random digits (not drawn from the
    run's seeded generator, so the same seed replays the same history)."""
    rng = random.SystemRandom()
    while True:
        tag = "S" + "".join(str(rng.randint(0, 9)) for _ in range(11))
        if not District.objects.filter(code=tag).exists():
            return tag


_PNG = None


def photo() -> SimpleUploadedFile:
    """A tiny valid PNG of the facilities, made once in memory with Pillow."""
    global _PNG
    if _PNG is None:
        from PIL import Image

        buffer = io.BytesIO()
        Image.new("RGB", (8, 6), "green").save(buffer, "PNG")
        _PNG = buffer.getvalue()
    return SimpleUploadedFile("facilities.png", _PNG, content_type="image/png")
