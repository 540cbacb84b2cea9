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
    CommitteeRole,
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
            FirmMember.objects.active().filter(user=user).select_related("firm")
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


def can_vet_firms_in(user, district: District) -> bool:
    """See the district's firm applications and vetting list: its bureau (the officials
    who ``can_vet_firm`` the firms registered there), not its street offices."""
    return user.is_superuser or district.pk in roles_of(user).bureau_district_ids


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


def can_resubmit_firm_application(user, firm: Firm) -> bool:
    """Correct a rejected application and apply again: the firm's own administrators
    (not the bureau that vets it, nor a superuser acting for it)."""
    return firm.pk in roles_of(user).admin_firm_ids


# --- Trials, owners' votes and contracts (contracts app) ---------------------------


def _seat_on(user, compound: Compound):
    """The user's active seat on the compound's current committee, if any."""
    return next(
        (s for s in roles_of(user).committee_seats if s.committee.compound_id == compound.pk),
        None,
    )


def can_act_for_compound(user, compound: Compound) -> bool:
    """Request or withdraw trials, record owners' votes, generate and end contracts: the
    chair or the authorised signer of the compound's current committee."""
    seat = _seat_on(user, compound)
    return seat is not None and (seat.role == CommitteeRole.CHAIR or seat.is_signer)


def can_sign_for_compound(user, compound: Compound) -> bool:
    """Sign a contract for the owners: the committee's authorised signer, or its chair
    when the committee has authorised nobody (DOMAIN "People")."""
    seat = _seat_on(user, compound)
    if seat is None:
        return False
    if seat.is_signer:
        return True
    if seat.role != CommitteeRole.CHAIR:
        return False
    return not CommitteeMember.objects.filter(
        committee_id=seat.committee_id, is_signer=True, left_on__isnull=True
    ).exists()


def can_act_for_firm(user, firm: Firm) -> bool:
    """Accept or decline trials, sign contracts, give notice: the firm's administrators
    and its authorised signers."""
    return any(
        m.firm_id == firm.pk and (m.role == FirmRole.ADMIN or m.is_signer)
        for m in roles_of(user).firm_memberships
    )


def can_view_engagement(user, compound: Compound, firm: Firm) -> bool:
    """A trial, vote or contract: the compound's committee and overseeing officials
    (as ``can_view_compound``), and the staff of the firm concerned."""
    return can_view_compound(user, compound) or firm.pk in roles_of(user).firm_ids


def can_file_contract(user, compound: Compound) -> bool:
    """Mark a contract filed (备案, Beijing art. 63), annul a vote: the bureau of the
    compound's district."""
    if user.is_superuser:
        return True
    return compound.street_office.district_id in roles_of(user).bureau_district_ids


# --- Fallback and handover (contracts app, issue #6) -------------------------------


def can_manage_fallback(user, district: District) -> bool:
    """Designate the fallback operator, extend or order fallback, record written
    warnings: the district's bureau."""
    return user.is_superuser or district.pk in roles_of(user).bureau_district_ids


def handover_side_of(user, handover) -> str | None:
    """Which side of ``handover`` the user works for: "outgoing" or "incoming" (any staff
    of that firm); None for anyone else."""
    firm_ids = roles_of(user).firm_ids if getattr(user, "is_authenticated", False) else set()
    if handover.outgoing_firm_id in firm_ids:
        return "outgoing"
    if handover.incoming_firm_id in firm_ids:
        return "incoming"
    return None


def can_view_handover(user, handover) -> bool:
    """Both firms, the compound's committee and its overseeing officials."""
    return handover_side_of(user, handover) is not None or can_view_compound(
        user, handover.compound
    )


# --- The bureau's console (issue #8) -------------------------------------------------


def can_use_console(user, district: District) -> bool:
    """The district's audit trail, compound import, exports and approvals inbox: its
    bureau officials (not its street offices, nor anyone outside the district)."""
    return user.is_superuser or district.pk in roles_of(user).bureau_district_ids


# --- Ratings, service requests and evaluations (ratings app) ------------------------


def can_manage_household_codes(user, compound: Compound) -> bool:
    """Issue, print and revoke household codes, moderate comments, inspect: any member
    of the compound's current committee (DOMAIN "Ratings and the three rates")."""
    return _seat_on(user, compound) is not None


def can_answer_for_firm(user, firm: Firm) -> bool:
    """Respond to service requests and reply to ratings: any of the firm's staff."""
    return firm.pk in roles_of(user).firm_ids


def can_oversee_compound(user, compound: Compound) -> bool:
    """See escalated requests (吹哨报到): the compound's street office and its bureau."""
    if user.is_superuser:
        return True
    roles = roles_of(user)
    return (
        compound.street_office.district_id in roles.bureau_district_ids
        or compound.street_office_id in roles.street_office_ids
    )


def can_set_request_deadlines(user, district: District) -> bool:
    """View and change the district's response deadlines for service requests (SLA,
    DOMAIN "Service requests": urgent 2 h, normal 24 h by default): its bureau."""
    return user.is_superuser or district.pk in roles_of(user).bureau_district_ids


def can_decide_fee_adjustment(user, compound: Compound) -> bool:
    """Approve or reject a fee change after an evaluation: the bureau of the district."""
    if user.is_superuser:
        return True
    return compound.street_office.district_id in roles_of(user).bureau_district_ids


# --- Payments (contracts.payments, issue #7) ------------------------------------------


def can_pay_invoice(user, compound: Compound) -> bool:
    """Pay the compound's invoices: the treasurer of its current committee."""
    seat = _seat_on(user, compound)
    return seat is not None and seat.is_treasurer


def can_view_arrears(user, district: District) -> bool:
    """Arrears per compound: the district's bureau (arrears never stop service, Civil
    Code art. 944 — this is oversight, not enforcement)."""
    return user.is_superuser or district.pk in roles_of(user).bureau_district_ids


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
