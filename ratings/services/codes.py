"""Household codes (DOMAIN "Ratings and the three rates"): the committee issues one per
household; only a keyed hash is stored; wrong guesses are throttled per client."""

import hashlib
import hmac
import secrets

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from market.models import Compound
from market.permissions import can_manage_household_codes, require
from market.services.compounds import lock_compound
from market.services.events import event_record

from ..models import HouseholdCode

# 31 characters without look-alikes (0/O, 1/I/L); 12 of them ≈ 59 bits, far beyond
# guessing at 20 tries a minute.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 12
MAX_HOUSEHOLDS_PER_BATCH = 2000

NO_HOUSEHOLDS = _("List at least one household, one per line (e.g. 3-2-101).")
TOO_MANY_HOUSEHOLDS = _("At most %(max)d households at a time.")
HOUSEHOLD_TOO_LONG = _("“%(household)s” is too long: at most 50 characters.")
ALREADY_HAS_CODE = _(
    "%(households)s already have a valid code. Revoke and re-issue a code to replace it."
)
ALREADY_REVOKED = _("This code has already been revoked.")
WRONG_CODE = _(
    "This household code is not valid for this compound. Check it against the sheet from "
    "your committee; a revoked code no longer works."
)
TOO_MANY_ATTEMPTS = _("Too many wrong codes from your connection. Wait a minute and try again.")


class TooManyAttempts(Exception):
    pass


def code_normalise(code: str) -> str:
    return "".join(ch for ch in (code or "").upper() if ch.isalnum())


def code_hash(code: str) -> str:
    """HMAC-SHA256 of the normalised code, keyed with the site's secret: a leaked table
    cannot be checked against guesses without the key."""
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, code_normalise(code).encode(), hashlib.sha256).hexdigest()


def code_format(code: str) -> str:
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def _new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def households_parse(text: str) -> list[str]:
    households, seen = [], set()
    for line in (text or "").splitlines():
        household = line.strip()
        if household and household not in seen:
            seen.add(household)
            households.append(household)
    if not households:
        raise ValidationError({"households": NO_HOUSEHOLDS})
    if len(households) > MAX_HOUSEHOLDS_PER_BATCH:
        raise ValidationError(
            {"households": TOO_MANY_HOUSEHOLDS % {"max": MAX_HOUSEHOLDS_PER_BATCH}}
        )
    for household in households:
        if len(household) > 50:
            raise ValidationError({"households": HOUSEHOLD_TOO_LONG % {"household": household}})
    return households


def _create(compound: Compound, household: str, actor) -> tuple[HouseholdCode, str]:
    plain = _new_code()
    code = HouseholdCode.objects.create(
        compound=compound,
        household=household,
        code_hash=code_hash(plain),
        hint=plain[:4],
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    return code, code_format(plain)


@transaction.atomic
def household_codes_issue(
    *, actor, compound: Compound, households: list[str]
) -> list[tuple[HouseholdCode, str]]:
    """Issue a code to each household; returns (row, plain code) pairs for the printable
    sheet. The plain codes are never stored."""
    require(can_manage_household_codes(actor, compound))
    compound = lock_compound(compound.pk)
    taken = sorted(
        HouseholdCode.objects.filter(
            compound=compound, household__in=households, revoked_at__isnull=True
        ).values_list("household", flat=True)
    )
    if taken:
        raise ValidationError({"households": ALREADY_HAS_CODE % {"households": "、".join(taken)}})
    issued = [_create(compound, household, actor) for household in households]
    event_record(
        actor=actor,
        action="household_codes.issued",
        target=compound,
        after={"households": len(issued)},
    )
    return issued


@transaction.atomic
def household_code_revoke(*, actor, code: HouseholdCode) -> HouseholdCode:
    require(can_manage_household_codes(actor, code.compound))
    locked = HouseholdCode.objects.select_for_update().get(pk=code.pk)
    if locked.revoked_at is not None:
        raise ValidationError(ALREADY_REVOKED, code="revoked")
    locked.revoked_at = timezone.now()
    locked.save(update_fields=["revoked_at"])
    event_record(
        actor=actor,
        action="household_code.revoked",
        target=locked,
        compound=code.compound,
        after={"household": locked.household, "hint": locked.hint},
    )
    return locked


@transaction.atomic
def household_code_reissue(*, actor, code: HouseholdCode) -> tuple[HouseholdCode, str]:
    """Revoke the household's code (if still valid) and issue a new one."""
    require(can_manage_household_codes(actor, code.compound))
    locked = HouseholdCode.objects.select_for_update().get(pk=code.pk)
    if locked.revoked_at is None:
        household_code_revoke(actor=actor, code=locked)
    new, plain = _create(code.compound, locked.household, actor)
    event_record(
        actor=actor,
        action="household_code.reissued",
        target=new,
        compound=code.compound,
        after={"household": new.household, "hint": new.hint},
    )
    return new, plain


def _attempts_key(client: str) -> str:
    return f"ratings:code-attempts:{client}"


def household_code_check(*, compound: Compound, code: str, client: str) -> HouseholdCode:
    """The valid code ``code`` of ``compound``, or ValidationError. Wrong codes are
    counted per client (IP address) for a minute; past the limit every attempt, right
    or wrong, is refused with ``TooManyAttempts``."""
    limit = getattr(settings, "RATINGS_CODE_ATTEMPTS_PER_MINUTE", 20)
    key = _attempts_key(client)
    if (cache.get(key) or 0) >= limit:
        raise TooManyAttempts(str(TOO_MANY_ATTEMPTS))
    found = HouseholdCode.objects.filter(
        code_hash=code_hash(code), compound=compound, revoked_at__isnull=True
    ).first()
    if found is None:
        if cache.add(key, 1, timeout=60) is False:
            try:
                cache.incr(key)
            except ValueError:
                cache.set(key, 1, timeout=60)
        raise ValidationError({"code": WRONG_CODE})
    return found


def household_code_for_session(*, compound: Compound, code_id) -> HouseholdCode:
    """The code a resident entered earlier in this session, if still valid."""
    code = HouseholdCode.objects.filter(
        pk=code_id, compound=compound, revoked_at__isnull=True
    ).first()
    if code is None:
        raise PermissionDenied
    return code
