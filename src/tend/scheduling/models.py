"""Scheduling: appointment types, appointments and their clients, recurring series, the time
claims that make double booking impossible, working hours, the waitlist, reminders and
calendar feeds.

Times are stored in UTC. Each appointment keeps the time zone it was booked in (the
clinician's), and a series keeps its rule in that zone so it expands in local wall-clock time.
"""

from __future__ import annotations

import datetime as dt
import secrets
from decimal import Decimal
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q

from tend.clients.models import PRACTICE_WIDE_ROLES, Client, _caseload_memberships
from tend.core.fields import EncryptedTextField
from tend.core.models import PracticeScoped, PracticeScopedQuerySet
from tend.scheduling.choices import (
    ACTIVE_STATUSES,
    AppointmentKind,
    AppointmentStatus,
    Attendance,
    AvailabilityKind,
    CancelledBy,
    ClaimKind,
    ClientLocation,
    Modality,
    ReminderChannel,
    ReminderStatus,
    WaitlistStatus,
    Weekday,
)

if TYPE_CHECKING:
    from tend.practices.models import Membership

# The longest an appointment may last. Range queries on the calendar use it as a lower bound on
# the start, so a week's lookup reads only that week's rows however long the history grows.
MAX_APPOINTMENT_LENGTH = dt.timedelta(hours=12)

colour = RegexValidator(
    r"^#[0-9a-fA-F]{6}$", "Give a colour as # and six hex digits, e.g. #2f6f5e."
)

DEFAULT_TELEHEALTH_TEMPLATE = "https://meet.jit.si/tend-{room}"
DEFAULT_EMAIL_SUBJECT = "Reminder: your appointment on {date}"
DEFAULT_EMAIL_BODY = (
    "Hello {first_name},\n\n"
    "This is a reminder of your appointment with {practice} on {date} at {time} ({time_zone}).\n"
    "{where}\n\n"
    "Confirm: {confirm_url}\n"
    "Cancel: {cancel_url}\n\n"
    "{cancellation_policy}"
)
DEFAULT_SMS_BODY = (
    "{practice}: appointment {date} {time} ({time_zone}). {where_short} "
    "Confirm {confirm_url} Cancel {cancel_url}"
)


def optional_amount(label: str, help_text: str = "") -> models.DecimalField:
    """An amount of money in the practice's currency that may be left empty."""
    return models.DecimalField(
        label,
        max_digits=9,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
        help_text=help_text,
    )


def default_reminder_offsets() -> list[int]:
    return [48, 2]


class SchedulingPolicy(models.Model):
    """A practice's scheduling rules: cancellation window and fees, reminders, telehealth links,
    the calendar's hours and how far ahead series are booked."""

    practice = models.OneToOneField(
        "practices.Practice", on_delete=models.CASCADE, related_name="scheduling_policy"
    )
    late_cancel_hours = models.PositiveSmallIntegerField(
        "late cancellation window (hours)",
        default=24,
        validators=[MaxValueValidator(24 * 14)],
        help_text="A client cancelling less than this many hours before the session cancels late.",
    )
    late_cancel_fee = optional_amount("late cancellation fee", "Leave empty to charge nothing.")
    no_show_fee = optional_amount("no-show fee", "Leave empty to charge nothing.")
    reminder_offsets = models.JSONField(
        "reminders (hours before)",
        default=default_reminder_offsets,
        help_text="Hours before each session to send a reminder, e.g. 48 and 2.",
    )
    reminder_email_subject = models.CharField(max_length=200, default=DEFAULT_EMAIL_SUBJECT)
    reminder_email_body = models.TextField(default=DEFAULT_EMAIL_BODY)
    reminder_sms_body = models.CharField(max_length=480, default=DEFAULT_SMS_BODY)
    telehealth_url_template = models.CharField(
        "video link template",
        max_length=300,
        default=DEFAULT_TELEHEALTH_TEMPLATE,
        help_text="Each telehealth session gets its own room: {room} is replaced by an "
        "unguessable name.",
    )
    series_horizon_weeks = models.PositiveSmallIntegerField(
        "book series ahead (weeks)",
        default=52,
        validators=[MinValueValidator(4), MaxValueValidator(104)],
        help_text="Open-ended series are booked this far ahead and extended every night.",
    )
    day_starts = models.TimeField("calendar starts at", default=dt.time(7, 0))
    day_ends = models.TimeField("calendar ends at", default=dt.time(20, 0))
    slot_minutes = models.PositiveSmallIntegerField(
        "calendar grid (minutes)",
        default=15,
        choices=[(5, "5"), (10, "10"), (15, "15"), (30, "30")],
    )

    def __str__(self) -> str:
        return f"SchedulingPolicy {self.pk}"

    @classmethod
    def for_practice(cls, practice: object) -> SchedulingPolicy:
        practice_id = getattr(practice, "pk", practice)
        policy, _ = cls.objects.get_or_create(practice_id=practice_id)
        return policy

    def telehealth_url(self, room: str) -> str:
        return self.telehealth_url_template.replace("{room}", room)


class AppointmentTypeQuerySet(PracticeScopedQuerySet):
    def active(self) -> AppointmentTypeQuerySet:
        return self.filter(is_active=True)


class AppointmentType(PracticeScoped):
    """What kind of session is booked, with its length, colour and default service and fee.

    Service codes are practice data: Tend ships no code descriptors (DOMAIN.md)."""

    name = models.CharField(max_length=80)
    kind = models.CharField(
        max_length=20, choices=AppointmentKind.choices, default=AppointmentKind.INDIVIDUAL
    )
    default_minutes = models.PositiveSmallIntegerField(
        "default length (minutes)",
        default=50,
        validators=[
            MinValueValidator(5),
            MaxValueValidator(int(MAX_APPOINTMENT_LENGTH.seconds / 60)),
        ],
    )
    colour = models.CharField(max_length=7, default="#2f6f5e", validators=[colour])
    service_code = models.CharField(
        "default service code", max_length=10, blank=True, help_text="e.g. 90837"
    )
    fee = optional_amount("default fee")
    telehealth_allowed = models.BooleanField(default=True)
    is_active = models.BooleanField(default=True)

    objects = AppointmentTypeQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["practice", "name"], name="appointment_type_name")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def takes_clients(self) -> bool:
        from tend.scheduling.choices import CLIENTLESS_KINDS

        return self.kind not in CLIENTLESS_KINDS


class Series(PracticeScoped):
    """A recurring session: an RFC 5545 RRULE anchored at a local wall-clock start in the
    clinician's time zone. Its sessions are Appointment rows, booked up to `booked_through`;
    each keeps `series_key` (its original local start), so an edited or cancelled session is a
    stored exception that survives changes to the series."""

    clinician = models.ForeignKey(
        "practices.Membership", on_delete=models.PROTECT, related_name="series"
    )
    appointment_type = models.ForeignKey(
        AppointmentType, on_delete=models.PROTECT, related_name="series"
    )
    clients = models.ManyToManyField(Client, related_name="series", blank=True)
    rule = models.CharField(max_length=300)
    first_start = models.DateTimeField(help_text="The first session's start (UTC).")
    local_start = models.CharField(
        max_length=16, help_text="The first session's wall-clock start, YYYY-MM-DDTHH:MM."
    )
    minutes = models.PositiveSmallIntegerField()
    time_zone = models.CharField(max_length=64)
    location = models.ForeignKey(
        "practices.Location", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    room = models.ForeignKey(
        "practices.Room", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    modality = models.CharField(max_length=10, choices=Modality.choices, default=Modality.IN_PERSON)
    episode = models.ForeignKey(
        "clients.Episode", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    is_open_ended = models.BooleanField(default=False)
    booked_through = models.DateTimeField(
        null=True, blank=True, help_text="Sessions exist up to this instant (open-ended series)."
    )
    ended_at = models.DateTimeField(
        null=True, blank=True, help_text="Set when the series is cut at a session (no more)."
    )
    created_by = models.ForeignKey(
        "practices.Membership", null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name_plural = "series"

    def __str__(self) -> str:
        return f"Series {self.uuid}"

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    @property
    def local_start_datetime(self) -> dt.datetime:
        return dt.datetime.fromisoformat(self.local_start)


class AppointmentQuerySet(PracticeScopedQuerySet):
    def visible_to(self, membership: Membership) -> AppointmentQuerySet:
        """Practice-wide roles see every appointment; clinicians their own, their supervisees'
        and any session of a client in their care."""
        qs = self.for_practice(membership.practice_id)
        if membership.role in PRACTICE_WIDE_ROLES:
            return qs
        clinicians = _caseload_memberships(membership)
        return qs.filter(
            Q(clinician_id__in=clinicians)
            | Q(
                pk__in=AppointmentAttendee.objects.filter(
                    client__in=Client.objects.visible_to(membership)
                ).values("appointment_id")
            )
        )

    def active(self) -> AppointmentQuerySet:
        return self.filter(status__in=ACTIVE_STATUSES)

    def overlapping(self, start: dt.datetime, end: dt.datetime) -> AppointmentQuerySet:
        """Appointments that overlap [start, end). The lower bound on the start keeps the
        lookup to an index range (appointments are never longer than MAX_APPOINTMENT_LENGTH)."""
        return self.filter(
            starts_at__lt=end,
            starts_at__gte=start - MAX_APPOINTMENT_LENGTH,
            ends_at__gt=start,
        )


class Appointment(PracticeScoped):
    """One session (or block of admin time) on a clinician's calendar.

    `__str__` never names a client; staff notes are encrypted and are not clinical notes.
    """

    clinician = models.ForeignKey(
        "practices.Membership", on_delete=models.PROTECT, related_name="appointments"
    )
    appointment_type = models.ForeignKey(
        AppointmentType, on_delete=models.PROTECT, related_name="appointments"
    )
    clients = models.ManyToManyField(
        Client, through="AppointmentAttendee", related_name="appointments", blank=True
    )
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    time_zone = models.CharField(
        max_length=64, help_text="The zone the appointment was booked in (the clinician's)."
    )
    location = models.ForeignKey(
        "practices.Location", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    room = models.ForeignKey(
        "practices.Room", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    modality = models.CharField(max_length=10, choices=Modality.choices, default=Modality.IN_PERSON)
    video_room = models.CharField(max_length=64, blank=True, editable=False)
    client_location = models.CharField(
        "client's location",
        max_length=10,
        choices=ClientLocation.choices,
        blank=True,
        help_text="Where the client is during a telehealth session.",
    )
    audio_only_reason = models.CharField(max_length=200, blank=True)
    status = models.CharField(
        max_length=20,
        choices=AppointmentStatus.choices,
        default=AppointmentStatus.SCHEDULED,
        db_index=True,
    )
    cancelled_by = models.CharField(max_length=10, choices=CancelledBy.choices, blank=True)
    cancellation_reason = models.CharField(max_length=300, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    is_late_cancellation = models.BooleanField(default=False)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    staff_notes = EncryptedTextField(
        "notes for staff",
        blank=True,
        default="",
        help_text="Practical notes for the front desk, not clinical notes.",
    )
    episode = models.ForeignKey(
        "clients.Episode",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="appointments",
    )
    series = models.ForeignKey(
        Series, null=True, blank=True, on_delete=models.PROTECT, related_name="appointments"
    )
    series_key = models.CharField(
        max_length=16, blank=True, help_text="The original local start of this series session."
    )
    is_exception = models.BooleanField(
        default=False, help_text="Changed on its own: series edits leave it as it is."
    )
    rescheduled_to = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="rescheduled_from"
    )
    booked_by = models.ForeignKey(
        "practices.Membership", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    version = models.PositiveIntegerField(
        default=1, help_text="Raised on every change, so a stale edit is refused, not applied."
    )

    objects = AppointmentQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at", "id"]
        indexes = [
            models.Index(fields=["clinician", "starts_at"], name="appt_clinician_start"),
            models.Index(fields=["practice", "starts_at"], name="appt_practice_start"),
            models.Index(fields=["room", "starts_at"], name="appt_room_start"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="appt_ends_after_start"
            ),
            models.UniqueConstraint(
                fields=["series", "series_key"],
                condition=Q(series__isnull=False),
                name="appt_one_per_series_key",
            ),
        ]

    def __str__(self) -> str:
        return f"Appointment {self.uuid}"

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    @property
    def duration(self) -> dt.timedelta:
        return self.ends_at - self.starts_at

    @property
    def minutes(self) -> int:
        return int(self.duration.total_seconds() // 60)

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def is_telehealth(self) -> bool:
        return self.modality in (Modality.VIDEO, Modality.AUDIO)

    @property
    def local_start(self) -> dt.datetime:
        return self.starts_at.astimezone(self.zone)

    @property
    def local_end(self) -> dt.datetime:
        return self.ends_at.astimezone(self.zone)

    def telehealth_url(self, policy: SchedulingPolicy | None = None) -> str:
        if not (self.is_telehealth and self.video_room):
            return ""
        policy = policy or SchedulingPolicy.for_practice(self.practice_id)
        return policy.telehealth_url(self.video_room)

    @staticmethod
    def new_video_room() -> str:
        """An unguessable room name (128 bits)."""
        return secrets.token_urlsafe(16).replace("_", "x").replace("-", "y")


class AppointmentAttendee(models.Model):
    """A client in an appointment, with that person's attendance."""

    appointment = models.ForeignKey(Appointment, on_delete=models.CASCADE, related_name="attendees")
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="attendances")
    attendance = models.CharField(
        max_length=12, choices=Attendance.choices, default=Attendance.EXPECTED
    )

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["appointment", "client"], name="attendee_once")
        ]

    def __str__(self) -> str:
        return f"AppointmentAttendee {self.pk}"


class AppointmentChange(models.Model):
    """One recorded change of an appointment: a status move, a new time, a cancellation."""

    appointment = models.ForeignKey(Appointment, on_delete=models.CASCADE, related_name="changes")
    from_status = models.CharField(max_length=20, choices=AppointmentStatus.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=AppointmentStatus.choices, blank=True)
    from_start = models.DateTimeField(null=True, blank=True)
    to_start = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(max_length=300, blank=True)
    changed_by = models.ForeignKey(
        "practices.Membership", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    by_client = models.BooleanField(default=False)
    changed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["changed_at", "id"]

    def __str__(self) -> str:
        return f"AppointmentChange {self.pk}"


class TimeClaim(models.Model):
    """One clinician, room or client held by an active appointment for its time.

    No two claims of the same thing may overlap. On PostgreSQL an exclusion constraint
    (migration scheduling/0002) guarantees it; on SQLite the booking service checks inside a
    write transaction that SQLite serialises (`BEGIN IMMEDIATE`).
    """

    practice = models.ForeignKey("practices.Practice", on_delete=models.CASCADE, related_name="+")
    appointment = models.ForeignKey(Appointment, on_delete=models.CASCADE, related_name="claims")
    kind = models.CharField(max_length=1, choices=ClaimKind.choices)
    ref = models.BigIntegerField(help_text="The id of the membership, room or client held.")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["kind", "ref", "starts_at"], name="claim_lookup")]

    def __str__(self) -> str:
        return f"TimeClaim {self.pk} {self.kind}"


class WorkingHours(PracticeScoped):
    """A clinician's usual hours on one weekday, optionally at one location."""

    clinician = models.ForeignKey(
        "practices.Membership", on_delete=models.CASCADE, related_name="working_hours"
    )
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    starts = models.TimeField()
    ends = models.TimeField()
    location = models.ForeignKey(
        "practices.Location", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["weekday", "starts"]
        verbose_name_plural = "working hours"
        constraints = [
            models.CheckConstraint(condition=Q(ends__gt=models.F("starts")), name="hours_order")
        ]

    def __str__(self) -> str:
        return f"WorkingHours {self.pk}"


class AvailabilityException(PracticeScoped):
    """A day (or part of one) that differs from the usual hours: away, or extra hours."""

    clinician = models.ForeignKey(
        "practices.Membership", on_delete=models.CASCADE, related_name="availability_exceptions"
    )
    date = models.DateField()
    starts = models.TimeField(null=True, blank=True, help_text="Empty for the whole day.")
    ends = models.TimeField(null=True, blank=True)
    kind = models.CharField(
        max_length=12, choices=AvailabilityKind.choices, default=AvailabilityKind.UNAVAILABLE
    )
    note = models.CharField(max_length=120, blank=True)

    class Meta:
        ordering = ["date", "starts"]

    def __str__(self) -> str:
        return f"AvailabilityException {self.pk}"


class WaitlistEntryQuerySet(PracticeScopedQuerySet):
    def visible_to(self, membership: Membership) -> WaitlistEntryQuerySet:
        return self.filter(client__in=Client.objects.visible_to(membership))

    def waiting(self) -> WaitlistEntryQuerySet:
        return self.filter(status=WaitlistStatus.WAITING)


class WaitlistEntry(PracticeScoped):
    """A client waiting for a time, with the days, times and clinician they can take."""

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="waitlist_entries")
    clinician = models.ForeignKey(
        "practices.Membership",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Empty for any clinician.",
    )
    appointment_type = models.ForeignKey(
        AppointmentType, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    weekdays = models.JSONField(default=list, blank=True, help_text="0 = Monday; empty for any.")
    earliest = models.TimeField(null=True, blank=True)
    latest = models.TimeField(null=True, blank=True)
    in_person_ok = models.BooleanField("in person is fine", default=True)
    telehealth_ok = models.BooleanField("telehealth is fine", default=True)
    notes = models.CharField(max_length=300, blank=True)
    status = models.CharField(
        max_length=10, choices=WaitlistStatus.choices, default=WaitlistStatus.WAITING
    )
    added_by = models.ForeignKey(
        "practices.Membership", null=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = WaitlistEntryQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name_plural = "waitlist entries"

    def __str__(self) -> str:
        return f"WaitlistEntry {self.pk}"


class Reminder(models.Model):
    """One reminder of one appointment to one client on one channel.

    Rows are claimed (pending → sending) in a transaction before anything is sent, so a retried
    job or a restarted worker never sends twice. A moved appointment withdraws its pending
    reminders and makes new ones; a cancelled one withdraws them.
    """

    practice = models.ForeignKey("practices.Practice", on_delete=models.CASCADE, related_name="+")
    appointment = models.ForeignKey(Appointment, on_delete=models.CASCADE, related_name="reminders")
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="+")
    channel = models.CharField(max_length=5, choices=ReminderChannel.choices)
    hours_before = models.PositiveSmallIntegerField()
    due_at = models.DateTimeField(db_index=True)
    status = models.CharField(
        max_length=10, choices=ReminderStatus.choices, default=ReminderStatus.PENDING
    )
    sent_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=200, blank=True, help_text="Why it was not sent.")

    class Meta:
        ordering = ["due_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["appointment", "client", "channel", "hours_before", "due_at"],
                name="reminder_once",
            )
        ]

    def __str__(self) -> str:
        return f"Reminder {self.pk} {self.channel}"


class CalendarFeedQuerySet(models.QuerySet):
    def live(self) -> CalendarFeedQuerySet:
        return self.filter(revoked_at__isnull=True)


class CalendarFeed(PracticeScoped):
    """A clinician's iCalendar feed at a secret URL. Only the token's SHA-256 is stored; the URL
    is shown once, and revoking the feed makes it answer 404."""

    clinician = models.ForeignKey(
        "practices.Membership", on_delete=models.CASCADE, related_name="calendar_feeds"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    show_full_names = models.BooleanField(
        default=False, help_text="Off: events show the client's initials and the session type."
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_fetched_at = models.DateTimeField(null=True, blank=True)

    objects = CalendarFeedQuerySet.as_manager()

    def __str__(self) -> str:
        return f"CalendarFeed {self.pk}"
