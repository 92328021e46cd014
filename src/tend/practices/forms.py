"""Forms for signing up, practice settings, locations, rooms, staff and clinician profiles.

Every choice list is narrowed to the current practice; normalising (phone, ZIP, NPI) happens
here so services receive clean values.
"""

from __future__ import annotations

import re
import zoneinfo
from functools import cache
from typing import Any

from django import forms
from django.contrib.auth import get_user_model, password_validation
from django.urls import reverse
from django.utils.html import format_html

from tend.core.widgets import LongSelect
from tend.practices.choices import (
    COMMON_US_TIME_ZONES,
    US_STATE_CODES,
    US_STATES,
    Role,
)
from tend.practices.models import ClinicianProfile, Location, Membership, Practice, Room


@cache
def time_zone_choices() -> list[tuple[str, Any]]:
    """Common US zones first, then every other IANA zone, as grouped select options."""
    common = {zone for zone, _ in COMMON_US_TIME_ZONES}
    others = sorted(
        z
        for z in zoneinfo.available_timezones()
        if z not in common and ("/" in z or z == "UTC") and not z.startswith(("Etc/", "SystemV/"))
    )
    return [
        ("Common US time zones", COMMON_US_TIME_ZONES),
        ("All time zones", [(z, z.replace("_", " ")) for z in others]),
    ]


def optional_time_zone_choices(blank_label: str) -> list[tuple[str, Any]]:
    return [("", blank_label), *time_zone_choices()]


STATE_CHOICES = [("", "—"), *US_STATES]


def normalise_phone(value: str) -> str:
    """US phone numbers as (555) 555-0100; a leading country code 1 is dropped."""
    digits = re.sub(r"\D", "", value or "")
    if len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    if len(digits) != 10:
        raise forms.ValidationError("Enter a 10-digit US phone number, e.g. (555) 555-0100.")
    return f"({digits[:3]}) {digits[3:6]}-{digits[6:]}"


def normalise_zip(value: str) -> str:
    """ZIP codes as 12345 or 12345-6789."""
    digits = re.sub(r"[\s-]", "", value or "")
    if not digits.isdigit() or len(digits) not in (5, 9):
        raise forms.ValidationError("Enter a ZIP code of 5 or 9 digits, e.g. 78701 or 78701-1234.")
    return digits if len(digits) == 5 else f"{digits[:5]}-{digits[5:]}"


def _check_password(form: forms.Form, email: str, full_name: str) -> None:
    password = form.cleaned_data.get("password")
    confirm = form.cleaned_data.get("password_confirm")
    if not password:
        return
    user = get_user_model()(email=email or "", full_name=full_name or "")
    try:
        password_validation.validate_password(password, user)
    except forms.ValidationError as exc:
        form.add_error("password", exc)
        return
    if confirm is not None and password != confirm:
        form.add_error("password_confirm", "The two passwords do not match.")


class PasswordFields(forms.Form):
    password = forms.CharField(
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        strip=False,
        help_text=password_validation.password_validators_help_text_html(),
    )
    password_confirm = forms.CharField(
        label="Password again",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        strip=False,
    )


class NewPracticeForm(forms.Form):
    """A practice's name and time zone, and whether its owner sees clients."""

    practice_name = forms.CharField(label="Practice name", max_length=200)
    time_zone = forms.ChoiceField(
        widget=LongSelect,
        choices=time_zone_choices,
        initial="America/New_York",
        help_text="Appointments and reminders use this time zone.",
    )
    owner_sees_clients = forms.BooleanField(
        label="I also see clients",
        required=False,
        initial=True,
        help_text="Leave this ticked if you carry a caseload as well as running the practice.",
    )


class SignUpForm(NewPracticeForm, PasswordFields):
    """Signing up: the practice and its owner's account."""

    full_name = forms.CharField(label="Your full name", max_length=150)
    email = forms.EmailField(
        label="Your email", widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )

    field_order = [
        "practice_name",
        "time_zone",
        "full_name",
        "email",
        "password",
        "password_confirm",
        "owner_sees_clients",
    ]

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip().lower()
        if get_user_model().objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(already_registered_message())
        return email

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        _check_password(self, data.get("email", ""), data.get("full_name", ""))
        return data


def already_registered_message() -> str:
    return format_html(
        'You already have a Tend account: <a href="{}">sign in</a>, then create a practice '
        "from the practice menu.",
        reverse("accounts:login"),
    )


class PracticeSettingsForm(forms.ModelForm):
    time_zone = forms.ChoiceField(choices=time_zone_choices, widget=LongSelect)
    idle_timeout_minutes = forms.IntegerField(
        label="Sign out after idle minutes",
        min_value=2,
        max_value=60,
        help_text="HIPAA automatic logoff: between 2 and 60 minutes.",
    )

    class Meta:
        model = Practice
        fields = ["name", "time_zone", "currency", "require_mfa", "idle_timeout_minutes"]


class LocationForm(forms.ModelForm):
    """An office address (all of it required) or a telehealth location (no address needed)."""

    state = forms.ChoiceField(choices=STATE_CHOICES, required=False)
    time_zone = forms.ChoiceField(
        choices=optional_time_zone_choices("The practice's time zone"),
        required=False,
        widget=LongSelect,
    )

    class Meta:
        model = Location
        fields = [
            "name",
            "is_telehealth",
            "address_line1",
            "address_line2",
            "city",
            "state",
            "postal_code",
            "phone",
            "time_zone",
        ]
        labels = {"is_telehealth": "Telehealth (video or phone sessions)", "postal_code": "ZIP"}

    def __init__(self, *args: Any, practice: Practice, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.practice = practice

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        taken = Location.objects.for_practice(self.practice).filter(name__iexact=name)
        if self.instance.pk:
            taken = taken.exclude(pk=self.instance.pk)
        if taken.exists():
            raise forms.ValidationError("The practice already has a location with this name.")
        return name

    def clean_state(self) -> str:
        state = self.cleaned_data.get("state", "").upper()
        if state and state not in US_STATE_CODES:
            raise forms.ValidationError("Choose a US state.")
        return state

    def clean_postal_code(self) -> str:
        value = self.cleaned_data.get("postal_code", "")
        return normalise_zip(value) if value else ""

    def clean_phone(self) -> str:
        value = self.cleaned_data.get("phone", "")
        return normalise_phone(value) if value else ""

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not data.get("is_telehealth"):
            for field in ("address_line1", "city", "state", "postal_code"):
                if field not in self.errors and not data.get(field):
                    self.add_error(field, "An office needs its full address.")
        return data


class RoomForm(forms.ModelForm):
    class Meta:
        model = Room
        fields = ["name", "capacity"]
        help_texts = {"capacity": "How many people the room seats."}

    def clean_capacity(self) -> int:
        capacity = self.cleaned_data["capacity"]
        if capacity < 1:
            raise forms.ValidationError("A room seats at least one person.")
        return capacity


class InviteForm(forms.Form):
    email = forms.EmailField()
    role = forms.ChoiceField(choices=Role.choices, initial=Role.CLINICIAN)

    def __init__(self, *args: Any, membership: Membership, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if membership.role != Role.OWNER:
            self.fields["role"].choices = [c for c in Role.choices if c[0] != Role.OWNER]


class MemberLabelChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Membership) -> str:
        return obj.user.full_name


class MemberForm(forms.Form):
    """Role, supervisor and caseload for one member; supervisors are this practice's."""

    role = forms.ChoiceField(choices=Role.choices)
    supervisor = MemberLabelChoiceField(
        queryset=Membership.objects.none(), required=False, empty_label="No supervisor"
    )
    sees_clients = forms.BooleanField(
        required=False,
        label="Sees clients",
        help_text="For owners, administrators and others who also carry a caseload.",
    )

    def __init__(self, *args: Any, member: Membership, **kwargs: Any) -> None:
        kwargs.setdefault(
            "initial",
            {
                "role": member.role,
                "supervisor": member.supervisor,
                "sees_clients": member.sees_clients,
            },
        )
        super().__init__(*args, **kwargs)
        self.fields["supervisor"].queryset = (
            Membership.objects.for_practice(member.practice_id)
            .active()
            .filter(role=Role.SUPERVISOR)
            .exclude(pk=member.pk)
            .select_related("user")
            .order_by("user__full_name")
        )


class ClinicianProfileForm(forms.ModelForm):
    """Credentials; the NPI check digit and taxonomy shape are checked by the model."""

    license_state = forms.ChoiceField(label="Licence state", choices=STATE_CHOICES, required=False)
    time_zone = forms.ChoiceField(
        choices=optional_time_zone_choices("The practice's time zone"),
        required=False,
        help_text="Your own time zone, if it differs from the practice's.",
    )

    class Meta:
        model = ClinicianProfile
        fields = ["credentials", "license_number", "license_state", "npi", "taxonomy", "time_zone"]
        widgets = {
            "npi": forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
            "taxonomy": forms.TextInput(attrs={"list": "taxonomy-codes", "autocomplete": "off"}),
        }
        help_texts = {"npi": "Your ten-digit individual (type 1) National Provider Identifier."}

    def clean_npi(self) -> str:
        return re.sub(r"\s", "", self.cleaned_data.get("npi", ""))

    def clean_taxonomy(self) -> str:
        return self.cleaned_data.get("taxonomy", "").strip().upper()


class AcceptInvitationForm(PasswordFields):
    """A new person accepting an invitation chooses their name and password."""

    full_name = forms.CharField(label="Your full name", max_length=150)
    field_order = ["full_name", "password", "password_confirm"]

    def __init__(self, *args: Any, email: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.email = email

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        _check_password(self, self.email, data.get("full_name", ""))
        return data
