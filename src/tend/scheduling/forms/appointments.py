"""Forms for booking, editing, cancelling and rescheduling an appointment.

Times are typed as a date and a wall-clock time in the clinician's time zone; `clean()` turns
them into aware datetimes (`starts_at`, `ends_at`) for the service.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from django import forms

from tend.clients.models import Client, Episode
from tend.practices.choices import MANAGERS, Role
from tend.practices.models import Location, Membership, Room
from tend.scheduling import series
from tend.scheduling.choices import (
    AppointmentStatus,
    Attendance,
    CancelledBy,
    ClientLocation,
    Modality,
    Occurrences,
)
from tend.scheduling.models import MAX_APPOINTMENT_LENGTH, Appointment, AppointmentType
from tend.scheduling.services import BOOK_FOR_ANYONE, clinician_time_zone

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME_INPUT = forms.TimeInput(attrs={"type": "time", "step": 300}, format="%H:%M")
# Who may waive a late-cancellation or no-show fee when cancelling.
WAIVERS = frozenset(MANAGERS | {Role.FRONT_DESK})


def schedulable_clinicians(membership: Membership) -> Any:
    """The active clinicians whose calendars this member may book on."""
    qs = (
        Membership.objects.for_practice(membership.practice_id)
        .active()
        .clinicians()
        .select_related("user")
    )
    if membership.role not in BOOK_FOR_ANYONE:
        if membership.role == Role.SUPERVISOR:
            qs = qs.filter(pk=membership.pk) | qs.filter(supervisor_id=membership.pk)
        else:
            qs = qs.filter(pk=membership.pk)
    return qs.distinct().order_by("user__full_name", "id")


class ClinicianField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Membership) -> str:
        return obj.user.full_name or obj.user.email


class ClientsField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Client) -> str:
        born = f" (born {obj.date_of_birth:%Y})" if getattr(obj, "date_of_birth", None) else ""
        return f"{obj.legal_last_name}, {obj.preferred_name or obj.legal_first_name}{born}"


class TypeField(forms.ModelChoiceField):
    def label_from_instance(self, obj: AppointmentType) -> str:
        return f"{obj.name} ({obj.default_minutes} min)"


class EpisodeField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Episode) -> str:
        return f"{obj.client.display_name}: episode opened {obj.opened_on:%b %-d, %Y}"


class AppointmentForm(forms.Form):
    """One appointment's who, when and where. Used to book and to edit."""

    clients = ClientsField(
        queryset=Client.objects.none(),
        to_field_name="uuid",
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6, "data-filterable": ""}),
        help_text="Choose one client; couple, family and group sessions take several "
        "(hold Ctrl or ⌘ to choose more than one). Admin and supervision time take none.",
    )
    clinician = ClinicianField(
        queryset=Membership.objects.none(), to_field_name="uuid", empty_label="Choose a clinician"
    )
    appointment_type = TypeField(
        label="Type",
        queryset=AppointmentType.objects.none(),
        to_field_name="uuid",
        empty_label="Choose a type",
    )
    date = forms.DateField(widget=DATE_INPUT)
    start_time = forms.TimeField(label="Starts at", widget=TIME_INPUT)
    minutes = forms.IntegerField(
        label="Length (minutes)",
        required=False,
        min_value=5,
        max_value=int(MAX_APPOINTMENT_LENGTH.total_seconds() // 60),
        help_text="Leave empty for the type's usual length, or give an end time instead.",
    )
    end_time = forms.TimeField(label="Ends at", required=False, widget=TIME_INPUT)
    modality = forms.ChoiceField(
        choices=Modality.choices, initial=Modality.IN_PERSON, widget=forms.RadioSelect
    )
    client_location = forms.ChoiceField(
        label="Where the client will be (telehealth)",
        choices=ClientLocation.choices,
        required=False,
    )
    audio_only_reason = forms.CharField(
        label="Why audio only",
        max_length=200,
        required=False,
        help_text="Needed for an audio-only session, e.g. the client has no video.",
    )
    location = forms.ModelChoiceField(
        queryset=Location.objects.none(),
        to_field_name="uuid",
        required=False,
        empty_label="No location (telehealth)",
    )
    room = forms.ModelChoiceField(
        queryset=Room.objects.none(), to_field_name="uuid", required=False, empty_label="No room"
    )
    episode = EpisodeField(
        queryset=Episode.objects.none(),
        to_field_name="uuid",
        required=False,
        empty_label="The client's open episode",
        help_text="Optional: for a client with one open episode it is chosen for you.",
    )
    staff_notes = forms.CharField(
        label="Notes for staff",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Practical notes (parking, interpreter), not clinical notes.",
    )

    def __init__(self, *args: Any, membership: Membership, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        practice_id = membership.practice_id
        self.membership = membership
        clients = Client.objects.visible_to(membership).order_by(
            "legal_last_name", "legal_first_name", "id"
        )
        self.fields["clients"].queryset = clients  # type: ignore[attr-defined]
        self.fields["clinician"].queryset = schedulable_clinicians(membership)  # type: ignore[attr-defined]
        self.fields["appointment_type"].queryset = AppointmentType.objects.for_practice(  # type: ignore[attr-defined]
            practice_id
        ).active()
        self.fields["location"].queryset = Location.objects.for_practice(practice_id).filter(  # type: ignore[attr-defined]
            is_archived=False
        )
        self.fields["room"].queryset = (  # type: ignore[attr-defined]
            Room.objects.for_practice(practice_id)
            .filter(is_archived=False)
            .select_related("location")
        )
        self.fields["episode"].queryset = (  # type: ignore[attr-defined]
            Episode.objects.filter(client__in=clients).open().select_related("client")
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        clinician, day, start = data.get("clinician"), data.get("date"), data.get("start_time")
        kind = data.get("appointment_type")
        if not (clinician and day and start):
            return data
        zone = ZoneInfo(clinician_time_zone(clinician))
        starts_at = dt.datetime.combine(day, start, tzinfo=zone)
        if data.get("end_time"):
            ends_at = dt.datetime.combine(day, data["end_time"], tzinfo=zone)
            if ends_at <= starts_at:
                self.add_error("end_time", "The end must be after the start.")
                return data
        elif data.get("minutes"):
            ends_at = starts_at + dt.timedelta(minutes=data["minutes"])
        elif kind is not None:
            ends_at = starts_at + dt.timedelta(minutes=kind.default_minutes)
        else:
            return data
        data["starts_at"], data["ends_at"] = starts_at, ends_at
        data["time_zone"] = str(zone)
        return data

    def service_values(self) -> dict[str, Any]:
        """What book_appointment and update_appointment take, from the cleaned form."""
        data = self.cleaned_data
        return {
            "clinician": data["clinician"],
            "appointment_type": data["appointment_type"],
            "starts_at": data["starts_at"],
            "ends_at": data["ends_at"],
            "location": data.get("location"),
            "room": data.get("room"),
            "modality": data["modality"],
            "client_location": data.get("client_location") or "",
            "audio_only_reason": data.get("audio_only_reason") or "",
            "episode": data.get("episode"),
            "staff_notes": data.get("staff_notes") or "",
        }

    @staticmethod
    def initial_from(appointment: Appointment) -> dict[str, Any]:
        local = appointment.local_start
        return {
            "clients": [c.uuid for c in appointment.clients.all()],
            "clinician": appointment.clinician.uuid,
            "appointment_type": appointment.appointment_type.uuid,
            "date": local.date(),
            "start_time": local.time().replace(second=0, microsecond=0),
            "minutes": appointment.minutes,
            "modality": appointment.modality,
            "client_location": appointment.client_location,
            "audio_only_reason": appointment.audio_only_reason,
            "location": appointment.location.uuid if appointment.location else None,
            "room": appointment.room.uuid if appointment.room else None,
            "episode": appointment.episode.uuid if appointment.episode else None,
            "staff_notes": appointment.staff_notes,
            "version": appointment.version,
        }


class BookForm(AppointmentForm):
    """A new appointment. `confirm` is set by "Book anyway" after the warnings were shown."""

    confirm = forms.BooleanField(required=False, widget=forms.HiddenInput)


class EditForm(AppointmentForm):
    """Changes to one appointment, refused if someone else saved first (`version`)."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    scope = forms.ChoiceField(
        label="Apply the change to",
        choices=Occurrences.choices,
        initial=Occurrences.THIS,
        required=False,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args: Any, series: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not series:
            del self.fields["scope"]


class StatusForm(forms.Form):
    to_status = forms.ChoiceField(choices=AppointmentStatus.choices, widget=forms.HiddenInput)
    version = forms.IntegerField(widget=forms.HiddenInput)


class CancelForm(forms.Form):
    """Cancelling: who cancelled and why; managers and the front desk may waive the fee."""

    cancelled_by = forms.ChoiceField(
        label="Who cancelled", choices=CancelledBy.choices, widget=forms.RadioSelect
    )
    reason = forms.CharField(max_length=300, required=False)
    waive_fee = forms.BooleanField(label="Waive the late-cancellation fee", required=False)
    scope = forms.ChoiceField(
        label="Cancel",
        choices=Occurrences.choices,
        initial=Occurrences.THIS,
        required=False,
        widget=forms.RadioSelect,
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(
        self, *args: Any, may_waive: bool = False, series: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        if not may_waive:
            del self.fields["waive_fee"]
        if not series:
            del self.fields["scope"]


class AttendanceForm(forms.Form):
    client = forms.UUIDField(widget=forms.HiddenInput)
    attendance = forms.ChoiceField(choices=Attendance.choices)


class RescheduleForm(forms.Form):
    """Another time for the same session: the old one is kept as rescheduled."""

    date = forms.DateField(label="New date", widget=DATE_INPUT)
    start_time = forms.TimeField(label="New start time", widget=TIME_INPUT)
    reason = forms.CharField(max_length=300, required=False)

    def starts_at(self, zone: str) -> dt.datetime:
        data = self.cleaned_data
        return dt.datetime.combine(data["date"], data["start_time"], tzinfo=ZoneInfo(zone))


REPEAT_CHOICES = [("", "Does not repeat"), *series.RULE_CHOICES]
ENDS_CHOICES = [
    ("count", "After a number of sessions"),
    ("until", "On a date"),
    ("never", "Never (booked ahead and extended every night)"),
]


class RepeatMixin(forms.Form):
    """The "Repeats" part of the booking form."""

    repeat = forms.ChoiceField(label="Repeats", choices=REPEAT_CHOICES, required=False)
    ends = forms.ChoiceField(
        label="Ends",
        choices=ENDS_CHOICES,
        initial="count",
        required=False,
        widget=forms.RadioSelect,
    )
    count = forms.IntegerField(
        label="Number of sessions", min_value=2, max_value=200, required=False, initial=10
    )
    until = forms.DateField(label="Last date", required=False, widget=DATE_INPUT)
    skip_dates = forms.CharField(required=False, widget=forms.HiddenInput)
    skip_clashes = forms.BooleanField(label="Skip the dates that clash", required=False)

    def rule(self) -> str | None:
        """The RRULE asked for, or None for a single appointment."""
        data = self.cleaned_data
        if not data.get("repeat") or "starts_at" not in data:
            return None
        local = data["starts_at"].replace(tzinfo=None)
        ends = data.get("ends") or "count"
        if ends == "count" and not data.get("count"):
            self.add_error("count", "Give the number of sessions.")
            return None
        if ends == "until" and not data.get("until"):
            self.add_error("until", "Give the date of the last session.")
            return None
        return series.build_rule(
            data["repeat"],
            local,
            count=data.get("count") if ends == "count" else None,
            until=data.get("until") if ends == "until" else None,
        )

    def skipped(self) -> list[dt.date]:
        if not self.cleaned_data.get("skip_clashes"):
            return []
        out = []
        for part in (self.cleaned_data.get("skip_dates") or "").split(","):
            try:
                out.append(dt.date.fromisoformat(part.strip()))
            except ValueError:
                continue
        return out


class BookSeriesForm(RepeatMixin, BookForm):
    """Booking, with the option to repeat."""
