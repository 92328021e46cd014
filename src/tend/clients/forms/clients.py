"""Forms for registering a client, demographics, contacts, phones, status, care team, the
caseload's search and filters, and break-the-glass."""

from __future__ import annotations

import datetime
import re
from typing import Any

from django import forms
from django.utils import timezone

from tend.clients.choices import (
    CLIENT_TRANSITIONS,
    CareRole,
    ClientStatus,
    ClientType,
    ContactKind,
    PhoneKind,
)
from tend.clients.models import Client, Payer, RelatedPerson
from tend.clients.services.clients import (
    BREAK_GLASS_MIN_REASON,
    clinicians_of,
    normalise_phone,
    possible_duplicates,
)
from tend.core.widgets import LongSelect
from tend.practices.choices import US_STATES, Role
from tend.practices.models import Membership

ZIP = re.compile(r"^\d{5}(-?\d{4})?$")
DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ClinicianChoiceField(forms.ModelChoiceField):
    widget = LongSelect  # a large practice lists hundreds of clinicians

    def label_from_instance(self, obj: Membership) -> str:
        return obj.user.full_name or obj.user.email


class PhoneField(forms.CharField):
    """A US phone number, normalised to (555) 555-0100."""

    def clean(self, value: Any) -> str:
        value = super().clean(value)
        if not value:
            return ""
        try:
            return normalise_phone(value)
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from exc


def check_birth_date(born: datetime.date | None) -> datetime.date | None:
    if born is None:
        return None
    today = timezone.localdate()
    if born > today:
        raise forms.ValidationError("The date of birth is in the future.")
    if born.year < today.year - 120:
        raise forms.ValidationError("Check the year: that would make the client over 120.")
    return born


def age_on(born: datetime.date | None, day: datetime.date) -> int | None:
    if born is None:
        return None
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


DEMOGRAPHIC_FIELDS = [
    "legal_first_name",
    "legal_middle_name",
    "legal_last_name",
    "preferred_name",
    "pronouns",
    "date_of_birth",
    "sex",
    "gender_identity",
    "gender_identity_other",
    "email",
    "address_line1",
    "address_line2",
    "city",
    "state",
    "postal_code",
    "preferred_language",
    "needs_interpreter",
    "cultural_considerations",
    "accessibility_needs",
    "may_email",
    "may_text",
    "may_leave_voicemail",
    "client_type",
    "referral_source",
]


class DemographicsForm(forms.ModelForm):
    """A client's demographics; shared by registration and editing."""

    state = forms.ChoiceField(choices=[("", "—")] + US_STATES, required=False)

    class Meta:
        model = Client
        fields = DEMOGRAPHIC_FIELDS
        widgets = {
            "date_of_birth": DATE_INPUT,
            "cultural_considerations": forms.Textarea(attrs={"rows": 2}),
            "accessibility_needs": forms.Textarea(attrs={"rows": 2}),
        }
        labels = {
            "cultural_considerations": "Cultural considerations",
            "accessibility_needs": "Accessibility needs",
        }
        help_texts = {
            "pronouns": "As the client gave them, e.g. she/her, they/them.",
            "preferred_name": "The name to use when speaking with the client.",
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["date_of_birth"].required = True
        self.fields["postal_code"].help_text = "5 digits, or ZIP+4."

    def clean_date_of_birth(self) -> datetime.date | None:
        return check_birth_date(self.cleaned_data.get("date_of_birth"))

    def clean_postal_code(self) -> str:
        value = (self.cleaned_data.get("postal_code") or "").strip()
        if value and not ZIP.match(value):
            raise forms.ValidationError("Enter a ZIP code of 5 digits, or 9 (12345-6789).")
        if len(value) == 9 and "-" not in value:
            value = f"{value[:5]}-{value[5:]}"
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("gender_identity") == "other" and not data.get("gender_identity_other"):
            self.add_error(
                "gender_identity_other", "Describe the gender identity in a word or two."
            )
        return data

    def is_minor(self) -> bool:
        data = self.cleaned_data
        age = age_on(data.get("date_of_birth"), timezone.localdate())
        return data.get("client_type") == ClientType.MINOR or (age is not None and age < 18)


class RegisterClientForm(DemographicsForm):
    """The front desk's one-page registration form."""

    phone_1 = PhoneField(label="Phone", required=False, help_text="e.g. (555) 555-0100")
    phone_1_kind = forms.ChoiceField(
        label="Phone type", choices=PhoneKind.choices, initial=PhoneKind.MOBILE, required=False
    )
    phone_2 = PhoneField(label="Other phone", required=False)
    phone_2_kind = forms.ChoiceField(
        label="Other phone type", choices=PhoneKind.choices, initial=PhoneKind.HOME, required=False
    )
    emergency_name = forms.CharField(label="Emergency contact name", required=False, max_length=200)
    emergency_relationship = forms.CharField(
        label="Emergency contact relationship", required=False, max_length=80
    )
    emergency_phone = PhoneField(label="Emergency contact phone", required=False)
    guardian_name = forms.CharField(
        label="Guardian name",
        required=False,
        max_length=200,
        help_text="Required for a minor (under 18, or client type Minor).",
    )
    guardian_relationship = forms.CharField(
        label="Guardian relationship", required=False, max_length=80
    )
    guardian_phone = PhoneField(
        label="Guardian phone", required=False, help_text="Required for a minor."
    )
    clinician = ClinicianChoiceField(
        label="Assigned clinician",
        queryset=Membership.objects.none(),
        required=False,
        to_field_name="uuid",
        empty_label="Not assigned yet",
    )
    status = forms.ChoiceField(choices=ClientStatus.choices, initial=ClientStatus.INTAKE)
    register_anyway = forms.BooleanField(
        label="Register anyway: this is a different person", required=False
    )

    class Meta(DemographicsForm.Meta):
        fields = [*DEMOGRAPHIC_FIELDS, "status"]

    def __init__(self, *args: Any, membership: Membership, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.membership = membership
        self.duplicates: list[Client] = []
        self.hidden_duplicates = 0
        self.fields["clinician"].queryset = clinicians_of(membership.practice_id)  # type: ignore[attr-defined]
        if membership.is_clinical and not self.is_bound:
            self.fields["clinician"].initial = membership.uuid

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.is_minor():
            if not data.get("guardian_name"):
                self.add_error("guardian_name", "A minor needs a guardian: enter their name.")
            if not data.get("guardian_phone") and "guardian_phone" not in self.errors:
                self.add_error("guardian_phone", "Enter the guardian's phone number.")
        needs_phone = data.get("emergency_name") and not data.get("emergency_phone")
        if needs_phone and "emergency_phone" not in self.errors:
            self.add_error("emergency_phone", "Enter a phone number for the emergency contact.")
        self._check_duplicates(data)
        return data

    def _check_duplicates(self, data: dict[str, Any]) -> None:
        found = possible_duplicates(
            self.membership.practice_id,
            data.get("legal_first_name", ""),
            data.get("legal_last_name", ""),
            data.get("date_of_birth"),
        )
        ids = list(found.values_list("pk", flat=True))
        if not ids:
            return
        self.duplicates = list(Client.objects.visible_to(self.membership).filter(pk__in=ids))
        self.hidden_duplicates = len(ids) - len(self.duplicates)
        if not data.get("register_anyway"):
            self.add_error(
                "register_anyway",
                "A client with this name and date of birth is already registered. Check it is "
                "not the same person, then tick this box to register anyway.",
            )

    GROUPS = [
        (
            "Name and identity",
            [
                "legal_first_name",
                "legal_middle_name",
                "legal_last_name",
                "preferred_name",
                "pronouns",
                "date_of_birth",
                "sex",
                "gender_identity",
                "gender_identity_other",
            ],
        ),
        ("Phone and email", ["phone_1", "phone_1_kind", "phone_2", "phone_2_kind", "email"]),
        ("Address", ["address_line1", "address_line2", "city", "state", "postal_code"]),
        (
            "Language, culture and access",
            [
                "preferred_language",
                "needs_interpreter",
                "cultural_considerations",
                "accessibility_needs",
            ],
        ),
        ("May we contact the client by", ["may_email", "may_text", "may_leave_voicemail"]),
        ("Emergency contact", ["emergency_name", "emergency_relationship", "emergency_phone"]),
        ("Guardian (for a minor)", ["guardian_name", "guardian_relationship", "guardian_phone"]),
        ("Care", ["client_type", "referral_source", "clinician", "status"]),
    ]

    def groups(self) -> list[tuple[str, list[Any]]]:
        return [(legend, [self[name] for name in names]) for legend, names in self.GROUPS]

    def phones(self) -> list[tuple[str, str]]:
        d = self.cleaned_data
        return [
            (d["phone_1"], d["phone_1_kind"] or PhoneKind.MOBILE),
            (d["phone_2"], d["phone_2_kind"] or PhoneKind.HOME),
        ]

    def person(self, prefix: str) -> dict[str, str] | None:
        d = self.cleaned_data
        if not d.get(f"{prefix}_name"):
            return None
        return {
            "name": d[f"{prefix}_name"],
            "relationship": d.get(f"{prefix}_relationship", ""),
            "phone": d.get(f"{prefix}_phone", ""),
        }

    def client_data(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in [*DEMOGRAPHIC_FIELDS, "status"]}


class EditClientForm(DemographicsForm):
    """Editing demographics; the restricted flag only for those who may set it."""

    class Meta(DemographicsForm.Meta):
        fields = [*DEMOGRAPHIC_FIELDS, "is_restricted"]

    def __init__(self, *args: Any, may_restrict: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not may_restrict:
            del self.fields["is_restricted"]

    def changes(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.fields}


class ContactForm(forms.ModelForm):
    """Someone in the client's life; may be linked to another client (couples, families)."""

    phone = PhoneField(required=False)

    class Meta:
        model = RelatedPerson
        fields = ["kind", "name", "relationship", "phone", "email", "is_legal_guardian"]
        labels = {"kind": "Kind of contact", "is_legal_guardian": "Legal guardian"}

    def __init__(self, *args: Any, membership: Membership, client: Client, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = ContactKind.choices  # type: ignore[attr-defined]
        self.fields["linked_client"] = forms.ModelChoiceField(
            label="Also a client of the practice",
            queryset=Client.objects.visible_to(membership)
            .exclude(pk=client.pk)
            .order_by("legal_last_name", "legal_first_name"),
            required=False,
            to_field_name="uuid",
            empty_label="No",
            help_text="For couple and family work: link to their own chart.",
        )
        self.fields["linked_client"].label_from_instance = lambda c: f"{c.sort_name}"  # type: ignore[attr-defined]
        if self.instance.pk and self.instance.linked_client_id:
            self.initial["linked_client"] = self.instance.linked_client.uuid

    def values(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.fields}


class PhoneForm(forms.Form):
    number = PhoneField(label="Phone number", help_text="e.g. (555) 555-0100")
    kind = forms.ChoiceField(label="Type", choices=PhoneKind.choices)
    is_primary = forms.BooleanField(label="Primary number", required=False)


class StatusForm(forms.Form):
    to_status = forms.ChoiceField(label="New status")
    on_date = forms.DateField(label="Date", widget=DATE_INPUT)
    reason = forms.CharField(label="Reason", max_length=300, required=False)

    def __init__(self, *args: Any, client: Client, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        allowed = CLIENT_TRANSITIONS.get(client.status, set())
        self.fields["to_status"].choices = [c for c in ClientStatus.choices if c[0] in allowed]  # type: ignore[attr-defined]
        self.fields["on_date"].initial = timezone.localdate()

    def clean_on_date(self) -> datetime.date:
        day = self.cleaned_data["on_date"]
        if day > timezone.localdate():
            raise forms.ValidationError("The date cannot be in the future.")
        return day


class CareTeamForm(forms.Form):
    clinician = ClinicianChoiceField(
        queryset=Membership.objects.none(), to_field_name="uuid", empty_label="Choose a clinician"
    )
    role = forms.ChoiceField(label="Role on the care team", choices=CareRole.choices)

    def __init__(self, *args: Any, practice: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["clinician"].queryset = clinicians_of(practice)  # type: ignore[attr-defined]


class ReassignForm(forms.Form):
    clients = forms.ModelMultipleChoiceField(
        queryset=Client.objects.none(), to_field_name="uuid", label="Clients"
    )
    to_clinician = ClinicianChoiceField(
        label="New primary clinician", queryset=Membership.objects.none(), to_field_name="uuid"
    )

    def __init__(self, *args: Any, membership: Membership, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["clients"].queryset = Client.objects.visible_to(membership)  # type: ignore[attr-defined]
        self.fields["to_clinician"].queryset = clinicians_of(membership.practice_id)  # type: ignore[attr-defined]


class BreakGlassForm(forms.Form):
    reason = forms.CharField(
        label="Why do you need this chart now?",
        widget=forms.Textarea(attrs={"rows": 3}),
        min_length=BREAK_GLASS_MIN_REASON,
        max_length=1000,
        help_text="The practice owner reads every reason.",
    )


SORTS = [("name", "Name"), ("age", "Age"), ("status", "Status"), ("newest", "Newest")]
CURRENT = ""
ANY_STATUS = "any"


class CaseloadFilterForm(forms.Form):
    q = forms.CharField(
        label="Search",
        required=False,
        max_length=100,
        help_text="Name, email, phone digits or date of birth (MM/DD/YYYY).",
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
    status = forms.ChoiceField(
        required=False,
        choices=[(CURRENT, "Current clients"), (ANY_STATUS, "Any status")]
        + list(ClientStatus.choices),
    )
    clinician = ClinicianChoiceField(
        queryset=Membership.objects.none(),
        required=False,
        to_field_name="uuid",
        empty_label="Every clinician",
    )
    payer = forms.ModelChoiceField(
        queryset=Payer.objects.none(),
        required=False,
        to_field_name="uuid",
        empty_label="Any payer",
        widget=LongSelect,
    )
    restricted = forms.BooleanField(label="Restricted charts only", required=False)
    sort = forms.ChoiceField(label="Sort by", choices=SORTS, required=False)

    def __init__(self, *args: Any, membership: Membership, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.membership = membership
        practice = membership.practice_id
        self.fields["payer"].queryset = Payer.objects.for_practice(practice).filter(  # type: ignore[attr-defined]
            is_archived=False
        )
        if membership.role == Role.CLINICIAN:
            del self.fields["clinician"]
        elif membership.role == Role.SUPERVISOR:
            field = self.fields["clinician"]
            field.queryset = (  # type: ignore[attr-defined]
                Membership.objects.filter(pk=membership.pk)
                | membership.supervisees.filter(is_active=True)
            ).select_related("user")
            field.empty_label = "Me and everyone I supervise"  # type: ignore[attr-defined]
            field.label = "Caseload of"
        else:
            self.fields["clinician"].queryset = clinicians_of(practice)  # type: ignore[attr-defined]


def parse_birth_date(text: str) -> datetime.date | None:
    """A date typed as MM/DD/YYYY (or YYYY-MM-DD) in a search box, else None."""
    for pattern in ("%m/%d/%Y", "%Y-%m-%d", "%m-%d-%Y"):
        try:
            return datetime.datetime.strptime(text.strip(), pattern).date()
        except ValueError:
            continue
    return None
