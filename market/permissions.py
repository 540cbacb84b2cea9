"""Who may do what. The one place that answers it: views, the Wagtail admin (through
``RoleBackend``), services and templates all ask here.

A person's roles are their active memberships: official posts (district bureau or street
office), firm memberships, and committee seats. They are loaded once per request and
cached on the user object.
"""

from dataclasses import dataclass

from django.contrib.auth.backends import BaseBackend
from django.core.exceptions import PermissionDenied

from .models import (
    Committee,
    CommitteeMember,
    Compound,
    District,
    Firm,
    FirmMember,
    FirmRole,
    Official,
)

_CACHE_ATTR = "_wuye_roles"


@dataclass(frozen=True)
class Roles:
    official_posts: tuple[Official, ...] = ()
    firm_memberships: tuple[FirmMember, ...] = ()
    committee_seats: tuple[CommitteeMember, ...] = ()

    @property
    def is_official(self) -> bool:
        return bool(self.official_posts)

    @property
    def bureau_district_ids(self) -> frozenset[int]:
        return frozenset(p.district_id for p in self.official_posts if p.is_bureau)

    @property
    def street_office_ids(self) -> frozenset[int]:
        return frozenset(p.street_office_id for p in self.official_posts if not p.is_bureau)

    @property
    def district_ids(self) -> frozenset[int]:
        return frozenset(p.district_id for p in self.official_posts)

    @property
    def is_firm_staff(self) -> bool:
        return bool(self.firm_memberships)

    @property
    def firm_ids(self) -> frozenset[int]:
        return frozenset(m.firm_id for m in self.firm_memberships)

    @property
    def admin_firm_ids(self) -> frozenset[int]:
        return frozenset(m.firm_id for m in self.firm_memberships if m.role == FirmRole.ADMIN)

    @property
    def is_committee_member(self) -> bool:
        return bool(self.committee_seats)

    @property
    def compound_ids(self) -> frozenset[int]:
        return frozenset(seat.committee.compound_id for seat in self.committee_seats)


NO_ROLES = Roles()


def roles_of(user) -> Roles:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return NO_ROLES
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is not None:
        return cached
    roles = Roles(
        official_posts=tuple(
            Official.objects.filter(user=user, active=True).select_related(
                "district", "street_office"
            )
        ),
        firm_memberships=tuple(
            FirmMember.objects.filter(user=user, left_on__isnull=True).select_related("firm")
        ),
        committee_seats=tuple(
            CommitteeMember.objects.filter(
                user=user, left_on__isnull=True, committee__dissolved_on__isnull=True
            ).select_related("committee__compound")
        ),
    )
    setattr(user, _CACHE_ATTR, roles)
    return roles


def forget_roles(user) -> None:
    """Drop the cached roles after a membership change in the same request."""
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


# --- Officials and MFA --------------------------------------------------------------


def requires_mfa(user) -> bool:
    """Bureau and street officials must log in with a second factor (TOTP)."""
    return roles_of(user).is_official


def has_mfa(user) -> bool:
    from allauth.mfa.models import Authenticator

    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


def can_view_district(user, district: District) -> bool:
    if user.is_superuser:
        return True
    return district.pk in roles_of(user).district_ids


def can_manage_register(user, district: District) -> bool:
    """Register compounds and street offices: the district bureau only."""
    return user.is_superuser or district.pk in roles_of(user).bureau_district_ids


# --- Compounds ----------------------------------------------------------------------


def can_view_compound(user, compound: Compound) -> bool:
    """The compound's private pages: its committee, and the officials who oversee it."""
    if user.is_superuser:
        return True
    roles = roles_of(user)
    if compound.pk in roles.compound_ids:
        return True
    if compound.street_office.district_id in roles.bureau_district_ids:
        return True
    return compound.street_office_id in roles.street_office_ids


def can_register_committee(user, compound: Compound) -> bool:
    """The bureau or the compound's street office registers its committee."""
    if user.is_superuser:
        return True
    roles = roles_of(user)
    return (
        compound.street_office.district_id in roles.bureau_district_ids
        or compound.street_office_id in roles.street_office_ids
    )


def can_manage_committee(user, committee: Committee) -> bool:
    return can_register_committee(user, committee.compound)


# --- Firms --------------------------------------------------------------------------


def can_view_firm_private(user, firm: Firm) -> bool:
    """A firm's application, licence and staff: its own staff and its vetting bureau."""
    if user.is_superuser:
        return True
    roles = roles_of(user)
    return firm.pk in roles.firm_ids or firm.registered_district_id in roles.bureau_district_ids


def can_vet_firm(user, firm: Firm) -> bool:
    """Approve, reject, suspend, reinstate, revoke, blacklist, enter credit: only the
    bureau of the district the firm is registered in."""
    return user.is_superuser or firm.registered_district_id in roles_of(user).bureau_district_ids


def can_moderate_firm_content(user, firm: Firm) -> bool:
    """Approve or reject the firm's profile and offer pages: the same bureau."""
    return can_vet_firm(user, firm)


def can_edit_firm_content(user, firm: Firm) -> bool:
    """Edit the firm's profile and offers (in the Wagtail admin): its staff, while the
    firm is approved."""
    return firm.pk in roles_of(user).firm_ids


def can_apply_as_firm(user) -> bool:
    """Any logged-in person who is not an official may apply on behalf of a firm."""
    return bool(getattr(user, "is_authenticated", False)) and not roles_of(user).is_official


def can_edit_fee_schedule(user, district: District) -> bool:
    """Draft and approve the district's fee schedule: its bureau."""
    return user.is_superuser or district.pk in roles_of(user).bureau_district_ids


def can_manage_firm_staff(user, firm: Firm) -> bool:
    """A firm admin invites and removes the firm's staff."""
    return user.is_superuser or firm.pk in roles_of(user).admin_firm_ids


# --- Wagtail admin ------------------------------------------------------------------


def can_access_admin(user) -> bool:
    """Officials and firm staff use the back office; committees and the public do not."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_superuser:
        return True
    roles = roles_of(user)
    return roles.is_official or roles.is_firm_staff


def require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


class RoleBackend(BaseBackend):
    """Grants the permissions that follow from roles, so Wagtail asks this module."""

    ROLE_PERMISSIONS = {
        "wagtailadmin.access_admin": can_access_admin,
    }

    def has_perm(self, user_obj, perm, obj=None):
        check = self.ROLE_PERMISSIONS.get(perm)
        return bool(check and check(user_obj))
