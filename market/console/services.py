"""Writes of the bureau's console: the compound import (upload → check → confirm →
import) and the daily coverage snapshot.

An import batch moves ``reading → ready | refused | failed``, ``ready → importing →
imported | failed`` (``COMPOUND_IMPORT_TRANSITIONS``). Reading and importing run as
background tasks (``market.console.tasks``) that report progress on the batch row.
"""

import logging
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..exceptions import InvalidTransition
from ..models import (
    Compound,
    CompoundImport,
    CompoundImportStatus,
    CoverageSnapshot,
    District,
    StreetOffice,
)
from ..models.compounds import SERVED_STATUSES
from ..models.console import COMPOUND_IMPORT_TRANSITIONS, COMPOUND_IMPORT_VALID_HOURS
from ..permissions import can_use_console, require
from ..services.compounds import CompoundRow, compounds_register_bulk
from ..services.events import event_record
from .import_rows import RowChecker, header_positions
from .tabular import TableUnreadable, read_lines

logger = logging.getLogger(__name__)

# Rows checked between two progress writes (one UPDATE each).
PROGRESS_EVERY = 250
# A list of a district's unmanaged compounds is hundreds or a few thousand rows.
MAX_ROWS = 20_000

NO_HEADER = gettext_lazy("The file is empty: the first row must name the columns.")
MISSING_COLUMNS = gettext_lazy(
    "These columns are missing from the first row: %(columns)s. Download the template to "
    "see the expected columns."
)
NO_ROWS = gettext_lazy("The file has no rows of compounds below its header.")
TOO_MANY_ROWS = gettext_lazy("The file has more than %(limit)d rows; split it into smaller files.")
IMPORT_EXPIRED = gettext_lazy(
    "This upload has expired (uploads wait %(hours)d hours); upload the file again."
)
IMPORT_NOT_READY = gettext_lazy("This file cannot be imported: %(status)s.")
NOTHING_NEW = gettext_lazy(
    "Every compound in this file is already on the register; there is nothing to import."
)


def _move(batch: CompoundImport, status: str) -> None:
    if status not in COMPOUND_IMPORT_TRANSITIONS.get(batch.status, set()):
        raise InvalidTransition(model="compound import", current=batch.status, target=status)
    batch.status = status


def _locked(batch_id: int) -> CompoundImport:
    return CompoundImport.objects.select_for_update().select_related("district").get(pk=batch_id)


# --- Upload and check ------------------------------------------------------------------


@transaction.atomic
def compound_import_start(
    *, actor, district: District, file_name: str, file_kind: str, data: bytes
) -> CompoundImport:
    """Keep the upload on the server; a background task checks it (``..._check``)."""
    require(can_use_console(actor, district))
    return CompoundImport.objects.create(
        district=district,
        owner=actor,
        file_name=file_name[:200],
        file_kind=file_kind,
        source=data,
    )


def compound_import_check(*, batch_id: int) -> CompoundImport:
    """Read every row and check it (``import_rows.RowChecker``); the batch ends ``ready``
    when no row has an error, else ``refused`` (all or nothing). Progress is written as
    it goes, outside any transaction, so the page polling it sees it move."""
    batch = CompoundImport.objects.select_related("district").get(pk=batch_id)
    if batch.status != CompoundImportStatus.READING:
        return batch
    try:
        rows = _checked_rows(batch)
    except TableUnreadable as problem:
        return _finish_check(batch.pk, status=CompoundImportStatus.FAILED, message=problem.message)
    errors = sum(1 for row in rows if row["errors"])
    existing = sum(1 for row in rows if row["existing"])
    return _finish_check(
        batch.pk,
        status=CompoundImportStatus.REFUSED if errors else CompoundImportStatus.READY,
        rows=rows,
        error_rows=errors,
        existing_rows=existing,
        new_rows=len(rows) - errors - existing,
    )


def _checked_rows(batch: CompoundImport) -> list[dict]:
    lines = read_lines(bytes(batch.source), batch.file_kind)
    header = next(lines, None)
    if header is None:
        raise TableUnreadable(NO_HEADER)
    positions, missing = header_positions(header.cells)
    if missing:
        raise TableUnreadable(MISSING_COLUMNS % {"columns": "、".join(missing)})
    checker = RowChecker(district=batch.district, positions=positions)
    body = [line for line in lines if not checker.is_blank(line)]
    if not body:
        raise TableUnreadable(NO_ROWS)
    if len(body) > MAX_ROWS:
        raise TableUnreadable(TOO_MANY_ROWS % {"limit": MAX_ROWS})
    CompoundImport.objects.filter(pk=batch.pk).update(total_rows=len(body))
    rows = []
    for index, line in enumerate(body, start=1):
        rows.append(checker.check(line).as_json())
        if index % PROGRESS_EVERY == 0:
            CompoundImport.objects.filter(pk=batch.pk).update(processed_rows=index)
    return rows


@transaction.atomic
def _finish_check(batch_id: int, *, status: str, message="", **fields) -> CompoundImport:
    batch = _locked(batch_id)
    _move(batch, status)
    batch.message = str(message)
    batch.source = b""  # read: the rows are kept instead
    batch.processed_rows = batch.total_rows = len(fields.get("rows", []))
    batch.finished_at = timezone.now() if status != CompoundImportStatus.READY else None
    for name, value in fields.items():
        setattr(batch, name, value)
    batch.save()
    return batch


# --- Confirm and import ----------------------------------------------------------------


@transaction.atomic
def compound_import_confirm(*, actor, batch: CompoundImport) -> CompoundImport:
    """The official confirms the checked file: ``ready → importing``. Only the official
    who uploaded it, while it has not expired, and only when it adds something. Raises
    ``ValidationError`` with the reason otherwise."""
    locked = _locked(batch.pk)
    require(locked.owner_id == actor.pk and can_use_console(actor, locked.district))
    if locked.status != CompoundImportStatus.READY:
        raise ValidationError(
            IMPORT_NOT_READY % {"status": locked.get_status_display()}, code="not_ready"
        )
    if locked.is_expired:
        raise ValidationError(
            IMPORT_EXPIRED % {"hours": COMPOUND_IMPORT_VALID_HOURS}, code="expired"
        )
    if not locked.new_rows:
        raise ValidationError(NOTHING_NEW, code="nothing_new")
    _move(locked, CompoundImportStatus.IMPORTING)
    locked.processed_rows = 0
    locked.total_rows = locked.new_rows
    locked.save(update_fields=["status", "processed_rows", "total_rows"])
    return locked


def compound_import_apply(*, batch_id: int) -> CompoundImport:
    """Put the new rows on the register in one transaction (all or nothing) through
    ``compounds_register_bulk``, which checks the register's rules again (someone may
    have registered one of these names since the preview). ``importing → imported``, or
    ``failed`` with the reason and nothing written."""
    try:
        with transaction.atomic():
            batch = _locked(batch_id)
            if batch.status != CompoundImportStatus.IMPORTING:
                return batch
            created = _register_rows(batch)
            _move(batch, CompoundImportStatus.IMPORTED)
            batch.created_count = len(created)
            batch.processed_rows = len(created)
            batch.finished_at = timezone.now()
            batch.save(update_fields=["status", "created_count", "processed_rows", "finished_at"])
            event_record(
                actor=batch.owner,
                action="compound_import.completed",
                target=batch,
                district=batch.district,
                after={"created": len(created), "skipped": batch.existing_rows},
                data={"file": batch.file_name},
            )
            return batch
    except (ValidationError, InvalidTransition, StreetOffice.DoesNotExist) as error:
        reason = "; ".join(error.messages) if isinstance(error, ValidationError) else str(error)
        return _fail_import(batch_id, reason)
    except Exception:
        logger.exception("compound import %s failed", batch_id)
        return _fail_import(batch_id, _("An unexpected error stopped the import."))


def _register_rows(batch: CompoundImport) -> list[Compound]:
    new = [row for row in batch.rows if row["clean"] and not row["existing"] and not row["errors"]]
    offices = StreetOffice.objects.filter(district=batch.district).in_bulk(
        {row["clean"]["street_office_id"] for row in new}
    )
    rows = []
    for row in new:
        clean = row["clean"]
        office = offices.get(clean["street_office_id"])
        if office is None:
            raise StreetOffice.DoesNotExist(
                _("Line %(line)d: the street office no longer exists.") % {"line": row["line"]}
            )
        rows.append(
            CompoundRow(
                street_office=office,
                name=clean["name"],
                address=clean["address"],
                buildings=clean["buildings"],
                owners=clean["owners"],
                exclusive_area=clean["exclusive_area"],
                households=clean["households"],
                year_built=clean["year_built"],
                label=_("Line %(line)d") % {"line": row["line"]},
                event_data={
                    "import": batch.pk,
                    "line": row["line"],
                    "committee_type": clean.get("committee_type", ""),
                },
            )
        )
    return compounds_register_bulk(actor=batch.owner, district=batch.district, rows=rows)


@transaction.atomic
def _fail_import(batch_id: int, reason: str) -> CompoundImport:
    batch = _locked(batch_id)
    _move(batch, CompoundImportStatus.FAILED)
    batch.message = reason
    batch.finished_at = timezone.now()
    batch.save(update_fields=["status", "message", "finished_at"])
    return batch


def compound_imports_to_purge(*, now=None):
    """Uploads past their expiry that still hold something to purge: never imported (the
    whole upload goes), or imported with their rows still kept."""
    now = now or timezone.now()
    return CompoundImport.objects.filter(expires_at__lte=now).exclude(
        status=CompoundImportStatus.IMPORTED, rows=[]
    )


def compound_imports_purge(*, now=None) -> list[int]:
    """Uploads past their expiry that were never imported are deleted (they hold the
    file's contents); imported ones keep their summary but drop their rows. Returns the
    ids deleted."""
    expired = compound_imports_to_purge(now=now)
    stale = expired.exclude(status=CompoundImportStatus.IMPORTED)
    ids = list(stale.values_list("pk", flat=True))
    CompoundImport.objects.filter(pk__in=ids).delete()
    # The rest still keep their rows (compound_imports_to_purge leaves out the emptied).
    expired.filter(status=CompoundImportStatus.IMPORTED).update(rows=[])
    return ids


# --- Coverage history ------------------------------------------------------------------


def coverage_snapshot_take(*, today: date) -> list[int]:
    """Record every district's coverage for ``today`` (DOMAIN "Fallback": compounds with
    an operator / registered compounds) as the register stands now; the daily rule
    ``market.coverage_snapshot`` calls it after the day's status changes. A day already
    recorded is left as it is. Returns the ids of the districts recorded now."""
    served = Count("pk", filter=Q(management_status__in=SERVED_STATUSES))
    counts = {
        row["street_office__district"]: row
        for row in Compound.objects.values("street_office__district").annotate(
            registered=Count("pk"), served=served
        )
    }
    # One query for the day's existing rows and one INSERT for the rest, whatever the
    # number of districts (a get_or_create per district cost four round trips each).
    recorded = set(
        CoverageSnapshot.objects.filter(date=today).values_list("district_id", flat=True)
    )
    written = [
        district_id
        for district_id in District.objects.values_list("pk", flat=True).order_by("pk")
        if district_id not in recorded
    ]
    CoverageSnapshot.objects.bulk_create(
        [
            CoverageSnapshot(
                district_id=district_id,
                date=today,
                registered=counts.get(district_id, {}).get("registered", 0),
                served=counts.get(district_id, {}).get("served", 0),
            )
            for district_id in written
        ],
        # A second run of the same day at the same moment: its rows stand (the unique
        # (district, date) constraint decides).
        ignore_conflicts=True,
    )
    return written


__all__ = [
    "compound_import_apply",
    "compound_import_check",
    "compound_import_confirm",
    "compound_import_start",
    "compound_imports_purge",
    "compound_imports_to_purge",
    "coverage_snapshot_take",
]
