"""Forms for a client's waitlist entry and for taking them off the waitlist."""

from __future__ import annotations

from typing import Any

from django import forms

from tend.practices.models import Membership, Practice
from tend.scheduling.choices import Weekday
from tend.scheduling.forms.availability import TIME_INPUT, NamedChoiceField
from tend.scheduling.models import AppointmentType, WaitlistEntry


class WaitlistForm(forms.Form):
    """When, with whom and how the client can be seen."""

    weekdays = forms.TypedMultipleChoiceField(
        label="Days the client can come",
        choices=Weekday.choices,
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Tick none for any day.",
    )
    earliest = forms.TimeField(label="Earliest start", required=False, widget=TIME_INPUT)
    latest = forms.TimeField(label="Latest end", required=False, widget=TIME_INPUT)
    clinician = NamedChoiceField(
        queryset=Membership.objects.none(),
        to_field_name="uuid",
        required=False,
        empty_label="Any clinician",
    )
    appointment_type = NamedChoiceField(
        label="Type",
        queryset=AppointmentType.objects.none(),
        to_field_name="uuid",
        required=False,
        empty_label="Any type",
    )
    in_person_ok = forms.BooleanField(label="In person is fine", required=False, initial=True)
    telehealth_ok = forms.BooleanField(label="Telehealth is fine", required=False, initial=True)
    notes = forms.CharField(
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Practical notes for booking only, not clinical notes.",
    )

    def __init__(self, *args: Any, practice: Practice, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["clinician"].queryset = (  # type: ignore[attr-defined]
            Membership.objects.for_practice(practice)
            .active()
            .clinicians()
            .select_related("user")
            .order_by("user__full_name", "id")
        )
        self.fields["appointment_type"].queryset = (  # type: ignore[attr-defined]
            AppointmentType.objects.for_practice(practice).active()
        )

    @staticmethod
    def initial_from(entry: WaitlistEntry) -> dict[str, Any]:
        return {
            "weekdays": entry.weekdays,
            "earliest": entry.earliest,
            "latest": entry.latest,
            "clinician": entry.clinician.uuid if entry.clinician else None,
            "appointment_type": entry.appointment_type.uuid if entry.appointment_type else None,
            "in_person_ok": entry.in_person_ok,
            "telehealth_ok": entry.telehealth_ok,
            "notes": entry.notes,
        }


class RemoveForm(forms.Form):
    reason = forms.CharField(
        max_length=200,
        required=False,
        help_text="For example: found care elsewhere, no longer needed.",
    )
