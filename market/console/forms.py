"""Forms of the bureau's console: the audit trail's filters and the compound upload."""

from django import forms
from django.contrib.contenttypes.models import ContentType
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from ..models import District
from ..models.events import ACTION_LABELS
from . import selectors
from .import_rows import header_positions
from .services import MISSING_COLUMNS
from .tabular import TableUnreadable, kind_of, read_lines

# A district's list of compounds is far below this (5,000 rows of .xlsx ≈ 300 KB).
IMPORT_MAX_BYTES = 10 * 1024 * 1024

WRONG_KIND = _("Upload the list as an Excel workbook (.xlsx) or a CSV file (.csv).")
TOO_LARGE = _("The file is too large (%(size)s); files can be at most %(limit)s.")
EMPTY = _("The file is empty.")
DATES_REVERSED = _("The start date is after the end date.")


def _date_input():
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class AuditFilterForm(forms.Form):
    """Filters of the audit trail, read from the query string (a GET form)."""

    object_type = forms.TypedChoiceField(label=_("Object type"), required=False, coerce=int)
    object_id = forms.CharField(label=_("Object number"), required=False, max_length=64)
    actor = forms.TypedChoiceField(label=_("Done by"), required=False, coerce=int)
    action = forms.ChoiceField(label=_("Action"), required=False)
    date_from = forms.DateField(label=_("From"), required=False, widget=_date_input())
    date_to = forms.DateField(label=_("To"), required=False, widget=_date_input())

    def __init__(self, *args, district: District, **kwargs):
        super().__init__(*args, **kwargs)
        actors = selectors.audit_actors(district=district)
        self.fields["object_type"].choices = [
            ("", _("All kinds")),
            *selectors.audit_object_types(district=district),
        ]
        self.fields["actor"].choices = [
            ("", _("Anyone")),
            *((user.pk, f"{user} ({user.email})") for user in actors),
        ]
        actions = selectors.audit_actions(district=district)
        self.fields["action"].choices = [
            ("", _("All actions")),
            *sorted(
                ((action, str(ACTION_LABELS.get(action, action))) for action in actions),
                key=lambda choice: choice[1],
            ),
        ]

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", DATES_REVERSED)
        return cleaned

    def filters(self) -> selectors.AuditFilters:
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        type_id = data.get("object_type")
        return selectors.AuditFilters(
            content_type=ContentType.objects.get_for_id(type_id) if type_id else None,
            object_id=(data.get("object_id") or "").strip(),
            actor_id=data.get("actor") or None,
            action=data.get("action") or "",
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
        )


class CompoundImportForm(forms.Form):
    file = forms.FileField(
        label=_("List of compounds (.xlsx or .csv)"),
        help_text=_(
            "One compound per row below a header row with the template's columns. Nothing "
            "is saved until you have seen the check of every row and confirmed."
        ),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        kind = kind_of(upload.name)
        if kind is None:
            raise forms.ValidationError(WRONG_KIND, code="kind")
        if upload.size == 0:
            raise forms.ValidationError(EMPTY, code="empty")
        if upload.size > IMPORT_MAX_BYTES:
            raise forms.ValidationError(
                TOO_LARGE
                % {"size": filesizeformat(upload.size), "limit": filesizeformat(IMPORT_MAX_BYTES)},
                code="too_large",
            )
        data = upload.read()
        # Read the header now so that a wrong file is refused on this page at once; the
        # rows are read and checked by the background task.
        try:
            header = next(read_lines(data, kind), None)
        except TableUnreadable as problem:
            raise forms.ValidationError(problem.message, code="unreadable") from problem
        if header is None:
            raise forms.ValidationError(EMPTY, code="empty")
        _positions, missing = header_positions(header.cells)
        if missing:
            raise forms.ValidationError(
                MISSING_COLUMNS % {"columns": "、".join(missing)}, code="columns"
            )
        self.file_kind, self.file_data = kind, data
        return upload
