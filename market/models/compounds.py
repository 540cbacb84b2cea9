"""The compound register (小区) and each compound's representative body."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..prepared import KeyedQuery
from .geography import StreetOffice


class ManagementStatus(models.TextChoices):
    """Who is responsible for a compound today. Later issues (trials, contracts,
    fallback) move it, always through ``market.services.compounds``."""

    SEEKING = "seeking", _("Seeking a provider")
    TRIAL = "trial", _("On trial")
    CONTRACTED = "contracted", _("Contracted")
    FALLBACK = "fallback", _("State fallback")


# Allowed moves of the management status; anything else is a bug upstream.
MANAGEMENT_TRANSITIONS: dict[str, set[str]] = {
    ManagementStatus.SEEKING: {
        ManagementStatus.TRIAL,
        ManagementStatus.CONTRACTED,
        ManagementStatus.FALLBACK,
    },
    ManagementStatus.TRIAL: {
        ManagementStatus.CONTRACTED,
        ManagementStatus.FALLBACK,
        ManagementStatus.TRIAL,
    },
    ManagementStatus.CONTRACTED: {
        ManagementStatus.CONTRACTED,
        ManagementStatus.FALLBACK,
        ManagementStatus.TRIAL,
    },
    # A fallback site goes back to the market (Beijing art. 77): a trial or a contract.
    ManagementStatus.FALLBACK: {ManagementStatus.TRIAL, ManagementStatus.CONTRACTED},
}
# Statuses in which some operator is responsible for the compound (coverage numerator).
SERVED_STATUSES = (ManagementStatus.TRIAL, ManagementStatus.CONTRACTED, ManagementStatus.FALLBACK)


AREA_POSITIVE = _("The exclusive floor area must be greater than 0 m².")
OWNERS_MIN_1 = _("A compound must have at least 1 owner.")
HOUSEHOLDS_MIN_1 = _("A compound must have at least 1 household.")
BUILDINGS_MIN_1 = _("A compound must have at least 1 building.")
YEAR_BUILT_RANGE = _("The year built must be between 1900 and 2100.")
COMPOUND_NAME_TAKEN = _("This street office already has a compound with this name.")


class Compound(models.Model):
    street_office = models.ForeignKey(
        StreetOffice,
        on_delete=models.PROTECT,
        related_name="compounds",
        verbose_name=_("street office"),
    )
    name = models.CharField(_("name"), max_length=100)
    address = models.CharField(_("address"), max_length=200)
    buildings = models.PositiveSmallIntegerField(
        _("buildings"), validators=[MinValueValidator(1, BUILDINGS_MIN_1)]
    )
    # Civil Code art. 278 counts owners by head: the register must have at least one.
    owners = models.PositiveIntegerField(
        _("owners"),
        help_text=_("Number of owners by head."),
        validators=[MinValueValidator(1, OWNERS_MIN_1)],
    )
    # The other art. 278 denominator; fees are charged per m² of it.
    exclusive_area = models.DecimalField(
        _("exclusive floor area (m²)"),
        max_digits=12,
        decimal_places=2,
        help_text=_("Total exclusive floor area of all units, in square metres."),
        validators=[MinValueValidator(Decimal("0.01"), AREA_POSITIVE)],
    )
    households = models.PositiveIntegerField(
        _("households"), validators=[MinValueValidator(1, HOUSEHOLDS_MIN_1)]
    )
    year_built = models.PositiveSmallIntegerField(
        _("year built"),
        validators=[
            MinValueValidator(1900, YEAR_BUILT_RANGE),
            MaxValueValidator(2100, YEAR_BUILT_RANGE),
        ],
    )
    management_status = models.CharField(
        _("management status"),
        max_length=20,
        choices=ManagementStatus.choices,
        default=ManagementStatus.SEEKING,
    )
    # Starts the 30-day seeking clock (fallback rule).
    registered_on = models.DateField(_("registered on"), default=timezone.localdate)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("compound")
        verbose_name_plural = _("compounds")
        ordering = ["street_office", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["street_office", "name"],
                name="compound_unique_name",
                violation_error_message=COMPOUND_NAME_TAKEN,
            ),
            models.CheckConstraint(
                condition=Q(exclusive_area__gt=0), name="compound_area_positive"
            ),
            models.CheckConstraint(condition=Q(owners__gte=1), name="compound_owners_min_1"),
            models.CheckConstraint(
                condition=Q(households__gte=1), name="compound_households_min_1"
            ),
            models.CheckConstraint(condition=Q(buildings__gte=1), name="compound_buildings_min_1"),
            models.CheckConstraint(
                condition=Q(year_built__gte=1900, year_built__lte=2100),
                name="compound_year_built_range",
            ),
            models.CheckConstraint(
                condition=Q(management_status__in=ManagementStatus.values),
                name="compound_management_status_valid",
            ),
        ]
        indexes = [models.Index(fields=["management_status"])]

    def __str__(self):
        return self.name

    @property
    def district(self):
        return self.street_office.district

    @property
    def current_committee(self):
        return _CURRENT_COMMITTEE.first(self.pk)

    @property
    def is_served(self) -> bool:
        return self.management_status in SERVED_STATUSES


class CommitteeKind(models.TextChoices):
    OWNERS = "owners", _("Owners' committee (业委会)")
    # Set up by the street office where owners could not form a committee.
    MANAGEMENT = "management", _("Property management committee (物管会)")


class Committee(models.Model):
    """The body that represents a compound: an owners' committee or a property
    management committee. One current body per compound."""

    Kind = CommitteeKind

    compound = models.ForeignKey(
        Compound, on_delete=models.PROTECT, related_name="committees", verbose_name=_("compound")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=CommitteeKind.choices)
    formed_on = models.DateField(_("formed on"), default=timezone.localdate)
    term_ends_on = models.DateField(_("term ends on"), null=True, blank=True)
    phone = models.CharField(_("contact phone"), max_length=30, blank=True)
    dissolved_on = models.DateField(_("dissolved on"), null=True, blank=True)

    class Meta:
        verbose_name = _("committee")
        verbose_name_plural = _("committees")
        constraints = [
            models.UniqueConstraint(
                fields=["compound"],
                condition=Q(dissolved_on__isnull=True),
                name="committee_one_current_per_compound",
            ),
        ]

    def __str__(self):
        return f"{self.compound.name} {self.get_kind_display()}"

    @property
    def active_members(self):
        return self.members.active()

    @property
    def chair(self):
        return self.active_members.filter(role=CommitteeRole.CHAIR).first()

    @property
    def signer(self):
        return self.active_members.filter(is_signer=True).first()


class CommitteeRole(models.TextChoices):
    CHAIR = "chair", _("Chair")
    VICE_CHAIR = "vice_chair", _("Vice chair")
    MEMBER = "member", _("Member")


class CommitteeMemberQuerySet(models.QuerySet):
    def active(self):
        """Seats still held: the member has not left."""
        return self.filter(left_on__isnull=True)


class CommitteeMember(models.Model):
    """A seat on a committee. ``user`` is set once the person accepts the invitation."""

    committee = models.ForeignKey(
        Committee, on_delete=models.CASCADE, related_name="members", verbose_name=_("committee")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="committee_seats",
        verbose_name=_("user"),
    )
    name = models.CharField(_("name"), max_length=100)
    email = models.EmailField(_("e-mail"))
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    role = models.CharField(
        _("role"), max_length=20, choices=CommitteeRole.choices, default=CommitteeRole.MEMBER
    )
    # The chair or a member the committee authorises signs contracts.
    is_signer = models.BooleanField(_("authorised signer"), default=False)
    is_treasurer = models.BooleanField(_("treasurer"), default=False)
    joined_on = models.DateField(_("joined on"), default=timezone.localdate)
    left_on = models.DateField(_("left on"), null=True, blank=True)

    objects = CommitteeMemberQuerySet.as_manager()

    class Meta:
        verbose_name = _("committee member")
        verbose_name_plural = _("committee members")
        ordering = ["committee", "role", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["committee"],
                condition=Q(role="chair", left_on__isnull=True),
                name="committee_one_chair",
            ),
            models.UniqueConstraint(
                fields=["committee"],
                condition=Q(is_signer=True, left_on__isnull=True),
                name="committee_one_signer",
            ),
            models.UniqueConstraint(
                fields=["committee", "email"],
                condition=Q(left_on__isnull=True),
                name="committee_member_unique_email",
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.get_role_display()})"


# Compound.current_committee: read by most services (compiled once: market.prepared).
_CURRENT_COMMITTEE = KeyedQuery(
    lambda compound_id: Committee.objects.filter(
        compound_id=compound_id, dissolved_on__isnull=True
    ).order_by("pk")[:1]
)
