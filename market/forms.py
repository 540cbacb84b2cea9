import os
import secrets

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .catalogue import CatalogueFilters, Sort
from .dates import add_months
from .models import (
    CommitteeRole,
    Compound,
    CreditGrade,
    District,
    FirmRole,
    ScopeItem,
    StreetOffice,
)
from .models.compounds import CommitteeKind
from .services.committees import MemberData, committee_members_validate
from .uploads import validate_upload
from .validators import validate_credit_code


class CompoundForm(forms.ModelForm):
    class Meta:
        model = Compound
        fields = [
            "street_office",
            "name",
            "address",
            "buildings",
            "owners",
            "exclusive_area",
            "households",
            "year_built",
        ]

    def __init__(self, *args, district, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["street_office"].queryset = district.street_offices.all()


class CommitteeForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=CommitteeKind.choices)
    phone = forms.CharField(label=_("Contact phone"), max_length=30, required=False)


class CommitteeMemberForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    email = forms.EmailField(label=_("E-mail"))
    phone = forms.CharField(label=_("Phone"), max_length=30, required=False)
    role = forms.ChoiceField(
        label=_("Role"), choices=CommitteeRole.choices, initial=CommitteeRole.MEMBER
    )
    is_signer = forms.BooleanField(label=_("Authorised signer"), required=False)
    is_treasurer = forms.BooleanField(label=_("Treasurer"), required=False)


class BaseCommitteeMemberFormSet(forms.BaseFormSet):
    kind: str = ""

    def members(self) -> list[MemberData]:
        return [
            MemberData(**form.cleaned_data)
            for form in self.forms
            if form.cleaned_data and not self._should_delete_form(form)
        ]

    def clean(self):
        if any(self.errors):
            return
        committee_members_validate(kind=self.kind, members=self.members())


CommitteeMemberFormSet = forms.formset_factory(
    CommitteeMemberForm,
    formset=BaseCommitteeMemberFormSet,
    extra=9,
    max_num=21,
)


class StaffInviteForm(forms.Form):
    email = forms.EmailField(label=_("E-mail"))
    role = forms.ChoiceField(label=_("Role"), choices=FirmRole.choices, initial=FirmRole.STAFF)


class OfficialInviteForm(forms.Form):
    email = forms.EmailField(label=_("E-mail"))
    street_office = forms.ModelChoiceField(
        label=_("Street office"),
        queryset=None,
        required=False,
        empty_label=_("— the district bureau —"),
        help_text=_(
            "Leave empty to invite a bureau official; choose a street office to "
            "invite one of its officials."
        ),
    )

    def __init__(self, *args, district, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["street_office"].queryset = district.street_offices.all()


class SetPasswordForInvitationForm(forms.Form):
    full_name = forms.CharField(label=_("Your name"), max_length=100)
    password1 = forms.CharField(
        label=_("Password"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    password2 = forms.CharField(
        label=_("Password (again)"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )


def add_service_errors(form: forms.BaseForm, error: ValidationError) -> None:
    """Show a service's ValidationError on the form: field errors by field, rest on top."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


class StreetOfficeChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.district.name} · {obj.name}"


class CatalogueFilterForm(forms.Form):
    """The catalogue's GET parameters. Every field is optional; a bad value is shown on
    the page (status 400) rather than ignored or allowed to fail later."""

    q = forms.CharField(label=_("Search"), max_length=100, required=False)
    district = forms.ModelChoiceField(
        label=_("District"),
        queryset=District.objects.order_by("code"),
        to_field_name="code",
        required=False,
        empty_label=_("All districts"),
    )
    street = StreetOfficeChoiceField(
        label=_("Street office"),
        queryset=StreetOffice.objects.select_related("district").order_by("district__code", "name"),
        required=False,
        empty_label=_("All street offices"),
    )
    grade = forms.TypedChoiceField(
        label=_("Service grade"),
        choices=[("", _("All grades"))] + [(g, str(g)) for g in range(1, 6)],
        coerce=int,
        empty_value=None,
        required=False,
    )
    scope = forms.MultipleChoiceField(
        label=_("Must include"),
        choices=ScopeItem.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    fee_min = forms.DecimalField(
        label=_("Fee from (¥/㎡·month)"),
        min_value=0,
        max_digits=6,
        decimal_places=2,
        required=False,
    )
    fee_max = forms.DecimalField(
        label=_("Fee up to (¥/㎡·month)"),
        min_value=0,
        max_digits=6,
        decimal_places=2,
        required=False,
    )
    credit = forms.MultipleChoiceField(
        label=_("Firm credit grade"),
        choices=CreditGrade.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    trial = forms.BooleanField(label=_("Offers a trial (先尝后买)"), required=False)
    sort = forms.ChoiceField(label=_("Sort by"), choices=Sort.choices, required=False)

    def __init__(self, *args, **kwargs):
        # Every catalogue page builds this form: share the fields rather than deep-copy
        # them (half the form's time, docs/performance.md). Nothing changes a field per
        # request here: the page writes the form out by hand, never through widgets.
        self.base_fields = {}
        super().__init__(*args, **kwargs)
        del self.base_fields
        self.fields = self.base_fields.copy()

    def clean(self):
        cleaned = super().clean()
        district, street = cleaned.get("district"), cleaned.get("street")
        if district and street and street.district_id != district.pk:
            self.add_error("street", _("This street office is not in the chosen district."))
        fee_min, fee_max = cleaned.get("fee_min"), cleaned.get("fee_max")
        if fee_min is not None and fee_max is not None and fee_min > fee_max:
            self.add_error("fee_max", _("The upper fee cannot be below the lower fee."))
        return cleaned

    def filters(self) -> CatalogueFilters:
        """The filters to apply; call only on a valid (or unbound) form."""
        data = self.cleaned_data if self.is_bound else {}
        return CatalogueFilters(
            district=data.get("district"),
            street_office=data.get("street"),
            grade=data.get("grade"),
            scope_items=tuple(data.get("scope") or ()),
            fee_min=data.get("fee_min"),
            fee_max=data.get("fee_max"),
            credit_grades=tuple(data.get("credit") or ()),
            trial_only=bool(data.get("trial")),
            search=data.get("q") or "",
            sort=data.get("sort") or Sort.default,
        )

    def chosen(self) -> dict:
        """What was asked for, as the strings the widgets would show, for the sidebar
        that the template writes out by hand (rendering Django's widget templates took
        a third of the page's time, docs/performance.md)."""
        chosen = {name: self[name].value() for name in ("scope", "credit", "trial")}
        chosen["scope"], chosen["credit"] = chosen["scope"] or [], chosen["credit"] or []
        for name in ("q", "district", "street", "grade", "fee_min", "fee_max", "sort"):
            value = self[name].value()
            chosen[name] = "" if value is None else str(value)
        chosen["sort"] = chosen["sort"] or Sort.default
        return chosen


# --- Firm applications and vetting (issue #3) ----------------------------------------


class CreditCodeField(forms.CharField):
    """A unified social credit code, typed with or without spaces, in any case."""

    def to_python(self, value):
        return "".join(super().to_python(value).split()).upper()


class FirmApplicationForm(forms.Form):
    name = forms.CharField(label=_("Firm name (as on the business licence)"), max_length=150)
    credit_code = CreditCodeField(
        label=_("Unified social credit code"),
        validators=[validate_credit_code],
        help_text=_("18 characters, as printed on the business licence."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    legal_representative = forms.CharField(label=_("Legal representative"), max_length=50)
    address = forms.CharField(label=_("Registered address"), max_length=200)
    contact_name = forms.CharField(label=_("Contact person"), max_length=50)
    phone = forms.CharField(
        label=_("Contact phone"),
        max_length=30,
        validators=[
            RegexValidator(
                r"^\+?[0-9][0-9 ()-]{5,27}[0-9]$",
                message=_("Enter a phone number: digits, with +, - or spaces if needed."),
            )
        ],
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )
    email = forms.EmailField(
        label=_("Contact e-mail"),
        help_text=_("The bureau's decisions are sent to this address."),
    )
    districts = forms.ModelMultipleChoiceField(
        label=_("Districts served"),
        queryset=District.objects.order_by("code"),
        widget=forms.CheckboxSelectMultiple,
    )
    registered_district = forms.ModelChoiceField(
        label=_("Registered in district"),
        queryset=District.objects.order_by("code"),
        empty_label=_("— choose the district —"),
        help_text=_("Its housing bureau vets the application. It is always also served."),
    )
    licence = forms.FileField(
        label=_("Business licence scan"),
        validators=[validate_upload],
        widget=forms.ClearableFileInput(
            attrs={"accept": ".pdf,.png,.jpg,.jpeg,.webp,application/pdf,image/*"}
        ),
    )

    def __init__(self, *args, licence_on_file: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["licence"].help_text = _(
            "A PDF, PNG, JPEG or WebP file of the whole licence, up to %(limit)s."
        ) % {"limit": filesizeformat(settings.UPLOAD_MAX_BYTES)}
        if licence_on_file:
            # A resubmission keeps the scan on file unless a new one is uploaded.
            self.fields["licence"].required = False
            self.fields["licence"].help_text = _(
                "Leave empty to keep the scan on file, or upload a new one: a PDF, PNG, "
                "JPEG or WebP file of the whole licence, up to %(limit)s."
            ) % {"limit": filesizeformat(settings.UPLOAD_MAX_BYTES)}

    @classmethod
    def initial_from(cls, firm) -> dict:
        """The firm's application as it stands, to correct and resubmit."""
        return {
            "name": firm.name,
            "credit_code": firm.credit_code,
            "legal_representative": firm.legal_representative,
            "address": firm.address,
            "contact_name": firm.contact_name,
            "phone": firm.phone,
            "email": firm.email,
            "districts": [d.pk for d in firm.districts.all()],
            "registered_district": firm.registered_district_id,
        }

    def clean_licence(self):
        licence = self.cleaned_data["licence"]
        if not licence:
            return None
        # Stored under a name of our own: the uploaded one may be long, odd or revealing.
        extension = os.path.splitext(licence.name)[1].lower()
        licence.name = f"{secrets.token_hex(8)}{extension}"
        return licence

    def clean(self):
        cleaned = super().clean()
        registered, served = cleaned.get("registered_district"), cleaned.get("districts")
        if registered is not None and served is not None and registered not in served:
            cleaned["districts"] = [*served, registered]
        return cleaned


class VettingDecisionForm(forms.Form):
    """The reason for a decision; the service says when one is required."""

    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class CreditEntryForm(forms.Form):
    points = forms.DecimalField(
        label=_("Points"),
        max_digits=4,
        decimal_places=1,
        min_value=-100,
        max_value=40,
        help_text=_("Positive for awards and good work, negative for faults (e.g. -5)."),
    )
    reason = forms.CharField(
        label=_("Reason"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    recorded_on = forms.DateField(
        label=_("Date"),
        initial=timezone.localdate,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("The entry counts for 12 months from this date."),
    )

    def clean_recorded_on(self):
        recorded_on = self.cleaned_data["recorded_on"]
        today = timezone.localdate()
        if recorded_on > today:
            raise ValidationError(_("The date cannot be in the future."), code="future")
        if add_months(recorded_on, 12) <= today:
            raise ValidationError(
                _("An entry dated 12 months ago or earlier would already have expired."),
                code="expired",
            )
        return recorded_on
