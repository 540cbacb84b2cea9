from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .models import CommitteeRole, Compound, FirmRole
from .models.compounds import CommitteeKind
from .services.committees import MemberData, committee_members_validate


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
