"""Forms for working hours, time away or extra hours, and finding a time."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms

from tend.clients.models import Client
from tend.core.widgets import LongSelect
from tend.practices.models import Location, Membership, Practice, Room
from tend.scheduling.choices import AvailabilityKind
from tend.scheduling.models import AppointmentType

TIME_INPUT = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
SPANS_PER_DAY = 3


class NamedChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        if isinstance(obj, Membership):
            return obj.user.full_name or obj.user.email
        if isinstance(obj, Client):
            return obj.sort_name
        return str(obj)


def locations(practice: Practice) -> Any:
    return Location.objects.for_practice(practice).filter(is_archived=False).order_by("name")


class DayHoursForm(forms.Form):
    """Up to three spans of one weekday's usual hours; empty rows are ignored."""

    def __init__(self, *args: Any, practice: Practice, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for n in range(1, SPANS_PER_DAY + 1):
            self.fields[f"span{n}_starts"] = forms.TimeField(
                label=f"Span {n} starts", required=False, widget=TIME_INPUT
            )
            self.fields[f"span{n}_ends"] = forms.TimeField(
                label=f"Span {n} ends", required=False, widget=TIME_INPUT
            )
            self.fields[f"span{n}_location"] = NamedChoiceField(
                label=f"Span {n} location",
                queryset=locations(practice),
                to_field_name="uuid",
                required=False,
                empty_label="Any location",
            )

    @staticmethod
    def initial_from(rows: list[Any]) -> dict[str, Any]:
        initial: dict[str, Any] = {}
        for n, row in enumerate(rows[:SPANS_PER_DAY], start=1):
            initial[f"span{n}_starts"] = row.starts
            initial[f"span{n}_ends"] = row.ends
            initial[f"span{n}_location"] = row.location.uuid if row.location else None
        return initial

    def rows(self) -> list[list[forms.BoundField]]:
        return [
            [self[f"span{n}_{part}"] for part in ("starts", "ends", "location")]
            for n in range(1, SPANS_PER_DAY + 1)
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for n in range(1, SPANS_PER_DAY + 1):
            starts, ends = data.get(f"span{n}_starts"), data.get(f"span{n}_ends")
            if (starts is None) != (ends is None) and not self.errors.get(
                f"span{n}_starts" if starts is None else f"span{n}_ends"
            ):
                missing = f"span{n}_starts" if starts is None else f"span{n}_ends"
                self.add_error(missing, "Give both a start and an end, or clear both.")
        return data

    def spans(self) -> list[Any]:
        from tend.scheduling.availability import HoursSpan

        out = []
        for n in range(1, SPANS_PER_DAY + 1):
            starts = self.cleaned_data.get(f"span{n}_starts")
            ends = self.cleaned_data.get(f"span{n}_ends")
            if starts is not None and ends is not None:
                out.append(
                    HoursSpan(starts, ends, self.cleaned_data.get(f"span{n}_location"), f"span{n}_")
                )
        return out


class ExceptionForm(forms.Form):
    """A date away (all day or part) or with extra hours."""

    date = forms.DateField(widget=DATE_INPUT)
    kind = forms.ChoiceField(
        label="Change", choices=AvailabilityKind.choices, widget=forms.RadioSelect
    )
    starts = forms.TimeField(
        required=False, widget=TIME_INPUT, help_text="Leave both times empty for the whole day."
    )
    ends = forms.TimeField(required=False, widget=TIME_INPUT)
    note = forms.CharField(
        max_length=120, required=False, help_text="Seen by the practice, e.g. “Conference”."
    )


class FindTimeForm(forms.Form):
    """Who, how long and from when to look for free times."""

    clinician = NamedChoiceField(
        queryset=Membership.objects.none(), to_field_name="uuid", widget=LongSelect
    )
    client = NamedChoiceField(
        queryset=Client.objects.none(),
        to_field_name="uuid",
        required=False,
        empty_label="No client (or check later)",
        widget=LongSelect,
        help_text="Their other appointments are avoided too.",
    )
    appointment_type = NamedChoiceField(
        label="Type",
        queryset=AppointmentType.objects.none(),
        to_field_name="uuid",
        required=False,
        empty_label="Any type",
    )
    minutes = forms.IntegerField(
        label="Length (minutes)",
        required=False,
        min_value=5,
        max_value=12 * 60,
        help_text="Leave empty for the type's usual length.",
    )
    room = NamedChoiceField(
        queryset=Room.objects.none(),
        to_field_name="uuid",
        required=False,
        empty_label="No room (or telehealth)",
        help_text="Its other bookings are avoided too.",
    )
    from_date = forms.DateField(label="From", widget=DATE_INPUT)

    def __init__(
        self, *args: Any, clinicians: Any, clients: Any, practice: Practice, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["room"].queryset = (  # type: ignore[attr-defined]
            Room.objects.for_practice(practice).filter(is_archived=False).select_related("location")
        )
        self.fields["clinician"].queryset = clinicians  # type: ignore[attr-defined]
        self.fields["client"].queryset = clients  # type: ignore[attr-defined]
        self.fields["appointment_type"].queryset = (  # type: ignore[attr-defined]
            AppointmentType.objects.for_practice(practice).active()
        )

    def clean_from_date(self) -> dt.date:
        return self.cleaned_data["from_date"]

    def length(self) -> int:
        kind = self.cleaned_data.get("appointment_type")
        return self.cleaned_data.get("minutes") or (kind.default_minutes if kind else 50)
