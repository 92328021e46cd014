"""Forms for the audit log page."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

from django import forms
from django.db.models import QuerySet

from tend.core.audit import action_label
from tend.core.models import AuditEvent
from tend.practices.models import Membership, Practice


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Membership) -> str:
        return f"{obj.user.full_name} ({obj.get_role_display()})"


class AuditFilterForm(forms.Form):
    """Narrows the practice's audit log; every choice comes from this practice only."""

    person = PersonChoiceField(
        queryset=Membership.objects.none(),
        required=False,
        to_field_name="uuid",
        empty_label="Anyone",
    )
    action = forms.ChoiceField(required=False)
    date_from = forms.DateField(
        label="From",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="In the practice's time zone.",
    )
    date_to = forms.DateField(
        label="To",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Includes the whole day.",
    )
    object_id = forms.CharField(
        label="Record id",
        required=False,
        max_length=64,
        help_text="The id of one record, as shown in the Record column.",
    )

    def __init__(self, data: Any = None, *, practice: Practice) -> None:
        super().__init__(data)
        self.practice = practice
        self.fields["person"].queryset = (  # type: ignore[attr-defined]
            Membership.objects.for_practice(practice)
            .select_related("user")
            .order_by("user__full_name", "id")
        )
        actions = (
            AuditEvent.objects.filter(practice=practice)
            .order_by("action")
            .values_list("action", flat=True)
            .distinct()
        )
        self.fields["action"].choices = [("", "Any action")] + [  # type: ignore[attr-defined]
            (action, action_label(action)) for action in actions
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", "Choose a date on or after the From date.")
        return data

    def filter(self, events: QuerySet[AuditEvent]) -> QuerySet[AuditEvent]:
        """`events` narrowed by the valid filters."""
        data = self.cleaned_data
        tz = zoneinfo.ZoneInfo(self.practice.time_zone)
        if data.get("person"):
            events = events.filter(actor_id=data["person"].user_id)
        if data.get("action"):
            events = events.filter(action=data["action"])
        if data.get("date_from"):
            events = events.filter(
                created_at__gte=dt.datetime.combine(data["date_from"], dt.time(), tz)
            )
        if data.get("date_to"):
            next_day = data["date_to"] + dt.timedelta(days=1)
            events = events.filter(created_at__lt=dt.datetime.combine(next_day, dt.time(), tz))
        if data.get("object_id"):
            events = events.filter(object_id=data["object_id"].strip())
        return events
