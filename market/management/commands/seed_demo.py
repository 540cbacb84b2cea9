"""``manage.py seed_demo``: load the 大兴区 demo district.

Creates the district and its street offices, a register of compounds (about two thirds
with a committee), vetted property firms including the district's state fallback
operator, the district's fee schedule, and one demo login per role. The data lives in
``market.demo_data``; compounds, committees, firms and posts go through the market's
services, so the event log reads as if the bureau had entered them.

Idempotent: everything is keyed by a natural key and skipped when it already exists, so
a second run (``make run`` runs it every time) changes nothing. It refuses to run
unless ``DEBUG`` is on or ``--force`` is given: the demo logins share a published password.
"""

import random
from collections import Counter
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from market import demo_data as demo
from market.fee_defaults import default_grades
from market.models import (
    Committee,
    CommitteeMember,
    CommitteeRole,
    Compound,
    District,
    FeeScheduleStatus,
    Firm,
    FirmMember,
    FirmStatus,
    Offer,
    OfferStatus,
    Official,
    StreetOffice,
)
from market.models.compounds import CommitteeKind
from market.services.committees import MemberData, committee_register
from market.services.compounds import compound_register
from market.services.fees import fee_schedule_record_published
from market.services.firms import firm_add_member, firm_approve, firm_register
from market.services.officials import official_appoint
from market.signals import demo_district_seeded

REFUSED_WITHOUT_DEBUG = (
    "seed_demo creates demo logins that share a published password, so it only runs with "
    "DEBUG=True (development settings). This database is not a development one "
    "(DEBUG is False). If you really mean to load the demo data here, and this is not "
    "production, run it again with --force."
)


class Command(BaseCommand):
    help = (
        "Load the 大兴区 demo district: street offices, compounds, committees, firms, the fee "
        "schedule and one demo login per role. Safe to run repeatedly."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run even though DEBUG is False. Never use it on production.",
        )

    def handle(self, *args, force=False, **options):
        if not settings.DEBUG and not force:
            raise CommandError(REFUSED_WITHOUT_DEBUG)
        self.created = Counter()
        self.today = timezone.localdate()
        with transaction.atomic():
            district = self.seed_district()
            offices = self.seed_street_offices(district)
            users = {key: self.seed_user(spec) for key, spec in demo.DEMO_USERS.items()}
            firms = self.seed_firms(district)
            self.seed_firm_staff(firms, users)
            self.seed_officials(district, offices, users)
            compounds = self.seed_compounds(offices)
            self.seed_committees(compounds)
            self.seed_demo_seats(compounds, users)
            self.seed_fee_schedule(district, approver=users["bureau"])
            # Apps above the market (cms: firm profiles and offers) add their demo content.
            demo_district_seeded.send(
                sender=self.__class__, district=district, firms=firms, created=self.created
            )
        self.print_summary(district)

    # --- Geography (no service: plain rows) ------------------------------------------

    def seed_district(self) -> District:
        spec = demo.DISTRICT
        district, created = District.objects.get_or_create(
            code=spec["code"],
            defaults={key: value for key, value in spec.items() if key != "code"},
        )
        self.created["districts"] += created
        return district

    def seed_street_offices(self, district: District) -> dict[str, StreetOffice]:
        offices = {}
        for name, phone in demo.STREET_OFFICES:
            office, created = StreetOffice.objects.get_or_create(
                district=district, name=name, defaults={"phone": phone}
            )
            self.created["street offices"] += created
            offices[name] = office
        return offices

    # --- People -------------------------------------------------------------------------

    def seed_user(self, spec: dict):
        User = get_user_model()
        user = User.objects.filter(email__iexact=spec["email"]).first()
        if user is None:
            create = (
                User.objects.create_superuser if spec.get("superuser") else User.objects.create_user
            )
            user = create(
                email=spec["email"],
                password=demo.DEMO_PASSWORD,
                full_name=spec["full_name"],
                phone=spec.get("phone", ""),
            )
            self.created["users"] += 1
        # Logins need a verified address (ACCOUNT_EMAIL_VERIFICATION = "mandatory").
        if not EmailAddress.objects.filter(user=user, email__iexact=user.email).exists():
            EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
        return user

    def seed_officials(self, district: District, offices: dict[str, StreetOffice], users):
        for key in ("bureau", "street"):
            spec = demo.DEMO_USERS[key]
            office = offices[spec["street_office"]] if "street_office" in spec else None
            if Official.objects.filter(
                user=users[key], district=district, street_office=office
            ).exists():
                continue
            official_appoint(
                actor=None,
                user=users[key],
                district=district,
                street_office=office,
                title=spec["title"],
            )
            self.created["official posts"] += 1

    # --- Firms --------------------------------------------------------------------------

    def seed_firms(self, district: District) -> dict[str, Firm]:
        firms = {}
        for seed in demo.FIRMS:
            code = demo.credit_code(seed.division, seed.org_body)
            firm = Firm.objects.filter(credit_code=code).first()
            if firm is None:
                firm = firm_register(
                    actor=None,
                    name=seed.name,
                    credit_code=code,
                    contact_name=seed.contact_name,
                    phone=seed.phone,
                    email=demo.FIRM_EMAIL.format(key=seed.key),
                    districts=[district],
                    address=seed.address,
                    legal_representative=seed.legal_representative,
                    is_fallback_operator=seed.is_fallback_operator,
                )
                self.created["firms"] += 1
                if seed.approved:
                    firm_approve(actor=None, firm=firm)
            firms[seed.key] = firm
        return firms

    def seed_firm_staff(self, firms: dict[str, Firm], users):
        for key, spec in demo.DEMO_USERS.items():
            if "firm" not in spec:
                continue
            firm, user = firms[spec["firm"]], users[key]
            if FirmMember.objects.filter(firm=firm, user=user).exists():
                continue
            firm_add_member(firm=firm, user=user, role=spec["role"], is_signer=spec["is_signer"])
            self.created["firm staff"] += 1

    # --- Compounds and committees ------------------------------------------------------

    def seed_compounds(self, offices: dict[str, StreetOffice]) -> dict[tuple, Compound]:
        compounds = {}
        for seed in demo.COMPOUNDS:
            office = offices[seed.street_office]
            compound = Compound.objects.filter(street_office=office, name=seed.name).first()
            if compound is None:
                compound = compound_register(
                    actor=None,
                    street_office=office,
                    name=seed.name,
                    address=seed.address,
                    buildings=seed.buildings,
                    owners=seed.owners,
                    exclusive_area=seed.exclusive_area,
                    households=seed.households,
                    year_built=seed.year_built,
                    registered_on=self.today - timedelta(days=seed.registered_days_ago),
                )
                self.created["compounds"] += 1
            compounds[(seed.street_office, seed.name)] = compound
        return compounds

    def seed_committees(self, compounds: dict[tuple, Compound]):
        for seed in demo.COMPOUNDS:
            if seed.committee is None:
                continue
            compound = compounds[(seed.street_office, seed.name)]
            # Any committee, even a dissolved one: the demo never undoes what users did.
            if compound.committees.exists():
                continue
            kind, size = seed.committee
            rng = random.Random(f"{demo.RANDOM_SEED}:{seed.street_office}:{seed.name}")
            members = self.committee_members(
                compound,
                size,
                rng,
                demo_seats=(seed.street_office, seed.name) == demo.DEMO_COMPOUND,
            )
            if kind == CommitteeKind.OWNERS:
                # An owners' committee usually existed before the compound joined the platform.
                formed_on = compound.registered_on - timedelta(days=rng.randint(180, 900))
            else:
                # The street office sets up a 物管会 where owners had no organisation.
                formed_on = min(
                    self.today, compound.registered_on + timedelta(days=rng.randint(7, 25))
                )
            committee_register(
                actor=None,
                compound=compound,
                kind=kind,
                members=members,
                phone=members[0].phone,
                formed_on=formed_on,
                invite=False,
            )
            self.created["committees"] += 1

    def committee_members(
        self, compound: Compound, size: int, rng: random.Random, *, demo_seats: bool
    ) -> list[MemberData]:
        names: list[str] = []
        while len(names) < size:
            name = rng.choice(demo.SURNAMES) + rng.choice(demo.GIVEN_NAMES)
            if name not in names:
                names.append(name)
        members = []
        for n, name in enumerate(names, start=1):
            role = (
                CommitteeRole.CHAIR
                if n == 1
                else CommitteeRole.VICE_CHAIR
                if n == 2
                else CommitteeRole.MEMBER
            )
            members.append(
                MemberData(
                    name=name,
                    email=demo.MEMBER_EMAIL.format(compound_id=compound.pk, n=n),
                    role=role,
                    phone=f"1{rng.choice('3589')}{rng.randint(0, 999_999_999):09d}",
                    is_treasurer=(n == 3),
                )
            )
        if demo_seats:
            # The demo chair takes the chair's seat, the demo member an ordinary one.
            for index, key in ((0, "chair"), (3, "member")):
                spec = demo.DEMO_USERS[key]
                members[index] = MemberData(
                    name=spec["full_name"],
                    email=spec["email"],
                    role=members[index].role,
                    phone=spec["phone"],
                    is_treasurer=members[index].is_treasurer,
                )
        return members

    def seed_demo_seats(self, compounds: dict[tuple, Compound], users):
        """Attach the demo chair and member to their seats, as accepting an invitation would."""
        compound = compounds[demo.DEMO_COMPOUND]
        for key in ("chair", "member"):
            user = users[key]
            seat = CommitteeMember.objects.filter(
                committee__compound=compound,
                committee__dissolved_on__isnull=True,
                left_on__isnull=True,
                email__iexact=user.email,
            ).first()
            if seat is not None and seat.user_id is None:
                seat.user = user
                seat.save(update_fields=["user"])
                self.created["committee seats linked"] += 1

    # --- Fee schedule ---------------------------------------------------------------

    def seed_fee_schedule(self, district: District, *, approver):
        """Version 1 with the DOMAIN defaults, recorded as approved before the demo began
        (its effective date lies in the past, which a bureau approving today cannot do)."""
        if district.fee_schedules.filter(status=FeeScheduleStatus.APPROVED).exists():
            return
        spec = demo.FEE_SCHEDULE
        fee_schedule_record_published(
            district=district,
            enforcement=spec["enforcement"],
            effective_from=spec["effective_from"],
            note=spec["note"],
            grades=default_grades(),
            approved_by=approver,
        )
        self.created["fee schedules"] += 1

    # --- Output -------------------------------------------------------------------------

    def print_summary(self, district: District):
        out = self.stdout
        compounds = Compound.objects.filter(street_office__district=district)
        committees = Committee.objects.filter(
            compound__street_office__district=district, dissolved_on__isnull=True
        )
        firms = Firm.objects.filter(districts=district)
        recent = compounds.filter(registered_on__gt=self.today - timedelta(days=30)).count()
        out.write(self.style.SUCCESS(f"Demo district: {district} ({district.bureau_name})"))
        out.write(f"  street offices   {district.street_offices.count()}")
        out.write(
            f"  compounds        {compounds.count()} ({recent} registered in the last 30 days)"
        )
        out.write(
            f"  committees       {committees.count()} "
            f"({committees.filter(kind=CommitteeKind.OWNERS).count()} 业委会, "
            f"{committees.filter(kind=CommitteeKind.MANAGEMENT).count()} 物管会; "
            f"{CommitteeMember.objects.filter(committee__in=committees).count()} members)"
        )
        out.write(
            f"  firms            {firms.count()} "
            f"({firms.filter(status=FirmStatus.APPROVED).count()} approved, "
            f"{firms.filter(status=FirmStatus.APPLIED).count()} awaiting vetting; fallback "
            f"operator: {firms.filter(is_fallback_operator=True).first()})"
        )
        live_offers = Offer.objects.filter(districts=district, status=OfferStatus.LIVE)
        out.write(f"  offers           {live_offers.count()} published in the catalogue")
        schedule = district.fee_schedules.filter(status=FeeScheduleStatus.APPROVED).first()
        if schedule is not None:
            out.write(
                f"  fee schedule     v{schedule.version}, {schedule.grades.count()} "
                f"grades, {schedule.get_enforcement_display()}, effective "
                f"{schedule.effective_from}"
            )
        made = ", ".join(f"{count} {what}" for what, count in self.created.items() if count)
        if made:
            out.write(f"  created now:     {made}")
        else:
            out.write("  created now:     nothing (the demo data was already loaded)")

        lands_on = {spec["email"]: spec["lands_on"] for spec in demo.DEMO_USERS.values()}
        width = max(len(email) for _label, email in demo.DEMO_LOGINS)
        out.write("")
        out.write(self.style.SUCCESS(f"Demo logins (password for all: {demo.DEMO_PASSWORD})"))
        out.write(f"  {'E-mail':<{width}}  {'Password':<15} {'Lands on':<14} Role")
        for label, email in demo.DEMO_LOGINS:
            out.write(f"  {email:<{width}}  {demo.DEMO_PASSWORD:<15} {lands_on[email]:<14} {label}")
        out.write(
            "  The bureau and street-office officials are asked to set up TOTP (an "
            "authenticator app) on their first visit to bureau pages (/district/, /admin/)."
        )
