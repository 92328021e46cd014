"""The demo practice's schedule: appointment types, a policy, working hours, and five weeks of
sessions around today (two past weeks, this week, two ahead), the same on every run for the same
size, seed and day.

Every client in active care has a weekly (or, in a full caseload, every-other-week) session
with their primary clinician, kept as a series; new clients in intake have an intake booked;
some clinicians see a couple on Tuesday mornings and run a group on Thursday evenings in a room;
supervisors hold a supervision hour and every clinician keeps Friday's last hour for admin. Past
sessions are completed, with the odd cancellation and no-show; today's and later ones are
booked, the next two days' mostly confirmed. About one client in five is seen by video.

Rows are written with bulk_create for speed, with the time claims an active appointment holds,
so the calendar, "find a time" and double-booking checks see the demo exactly as they would see
booked sessions. No two claims overlap (tests/scheduling/test_demo_schedule.py checks).
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter, defaultdict
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

from tend.clients.choices import CareRole, ClientStatus
from tend.clients.models import CareTeamMember
from tend.practices.models import ClinicianProfile, Location, Membership, Practice, Room
from tend.scheduling.choices import (
    ACTIVE_STATUSES,
    AppointmentKind,
    AppointmentStatus,
    Attendance,
    CancelledBy,
    ClaimKind,
    ClientLocation,
    Modality,
)
from tend.scheduling.models import (
    Appointment,
    AppointmentAttendee,
    AppointmentChange,
    AppointmentType,
    SchedulingPolicy,
    Series,
    TimeClaim,
    WorkingHours,
)

BATCH = 2000
WEEKS = range(-2, 3)  # two past weeks, this week, two ahead
WEEKDAYS = range(5)  # Monday to Friday
SLOT_HOURS = range(9, 17)  # individual sessions start on the hour, 9:00 to 16:00
WEEKLY_SLOTS = len(WEEKDAYS) * len(SLOT_HOURS)
DAY_STARTS, DAY_ENDS = dt.time(8, 0), dt.time(18, 30)
GROUP_CLIENTS = 6

# name, kind, minutes, colour, service code (practice data, no descriptors), fee, telehealth
TYPES = [
    ("Intake assessment", AppointmentKind.INTAKE, 60, "#7a4e9c", "90791", "180.00", True),
    (
        "Individual therapy, 53 min",
        AppointmentKind.INDIVIDUAL,
        53,
        "#2f6f5e",
        "90837",
        "150.00",
        True,
    ),
    (
        "Individual therapy, 45 min",
        AppointmentKind.INDIVIDUAL,
        45,
        "#3d7ea6",
        "90834",
        "120.00",
        True,
    ),
    (
        "Couple or family therapy",
        AppointmentKind.COUPLE_FAMILY,
        50,
        "#b5651d",
        "90847",
        "160.00",
        True,
    ),
    ("Group therapy", AppointmentKind.GROUP, 90, "#8a6d1f", "90853", "60.00", False),
    ("Supervision", AppointmentKind.SUPERVISION, 60, "#59606b", "", None, True),
    ("Notes and admin", AppointmentKind.ADMIN, 60, "#8b8f94", "", None, False),
]
CANCEL_REASONS = ["Schedule conflict", "Travel", "Car trouble", "Childcare fell through"]


@dataclass
class DemoSchedule:
    appointment_types: int
    series: int
    appointments: int
    claims: int


@dataclass
class _Booking:
    clinician: Membership
    kind: AppointmentType
    local_start: dt.datetime  # naive, in `zone`
    zone: str
    client_ids: list[int]
    modality: str = Modality.IN_PERSON
    room: Room | None = None
    location: Location | None = None
    series_key: str = ""  # "" for a one-off
    series_index: int | None = None


def build_demo_schedule(
    practice: Practice,
    memberships: list[Membership],
    *,
    size: str,
    seed: int,
    today: dt.date | None = None,
    sessions: bool = True,
) -> DemoSchedule:
    """Create the demo practice's schedule; deterministic for (size, seed, today).

    `sessions=False` makes the types, policy and working hours only (the calendar benchmark
    loads its own appointments)."""
    rng = random.Random(f"{seed}:{size}:schedule")
    practice_zone = ZoneInfo(practice.time_zone)
    today = today or dt.datetime.now(practice_zone).date()
    monday = today - dt.timedelta(days=today.weekday())

    policy = SchedulingPolicy.for_practice(practice)
    policy.late_cancel_fee = Decimal("50.00")
    policy.no_show_fee = Decimal("75.00")
    policy.reminder_offsets = [48, 2]
    policy.day_starts, policy.day_ends = dt.time(7, 30), dt.time(19, 0)
    policy.save()

    types = AppointmentType.objects.bulk_create(
        [
            AppointmentType(
                practice=practice,
                name=name,
                kind=kind,
                default_minutes=minutes,
                colour=colour,
                service_code=code,
                fee=Decimal(fee) if fee else None,
                telehealth_allowed=telehealth,
            )
            for name, kind, minutes, colour, code, fee, telehealth in TYPES
        ]
    )
    intake, individual, individual_45, couple, group, supervision, admin = types

    clinicians = [m for m in memberships if m.is_clinical]
    zones = dict(
        ClinicianProfile.objects.filter(membership__in=clinicians).values_list(
            "membership_id", "time_zone"
        )
    )
    zone_of = {m.pk: zones.get(m.pk) or practice.time_zone for m in clinicians}
    WorkingHours.objects.bulk_create(
        [
            WorkingHours(
                practice=practice, clinician=m, weekday=day, starts=DAY_STARTS, ends=DAY_ENDS
            )
            for m in clinicians
            for day in WEEKDAYS
        ],
        batch_size=BATCH,
    )

    if not sessions:
        return DemoSchedule(appointment_types=len(TYPES), series=0, appointments=0, claims=0)
    caseloads: dict[int, list[int]] = defaultdict(list)
    intakes: dict[int, list[int]] = defaultdict(list)
    primary = CareTeamMember.objects.filter(
        practice=practice,
        role=CareRole.PRIMARY,
        ended_on__isnull=True,
        client__status__in=[ClientStatus.ACTIVE, ClientStatus.INTAKE],
    ).order_by("client_id")
    for client_id, membership_id, status in primary.values_list(
        "client_id", "membership_id", "client__status"
    ):
        (caseloads if status == ClientStatus.ACTIVE else intakes)[membership_id].append(client_id)
    rooms = list(
        Room.objects.filter(practice=practice, is_archived=False, location__is_telehealth=False)
        .select_related("location")
        .order_by("id")
    )
    telehealth = Location.objects.filter(practice=practice, is_telehealth=True).first()
    offices = list(Location.objects.filter(practice=practice, is_telehealth=False).order_by("id"))

    bookings: list[_Booking] = []
    series_plans: list[tuple[_Booking, int]] = []  # (first booking, interval in weeks)

    def weekly(clinician, kind, weekday, hour, clients, *, minute=0, interval=1, phase=0, **kw):
        """A series from the first demo week on this weekday and time, every `interval` weeks."""
        zone = zone_of[clinician.pk]
        weeks = [w for w in WEEKS if (w - WEEKS[0]) % interval == phase]
        first = None
        for week in weeks:
            day = monday + dt.timedelta(weeks=week, days=weekday)
            local = dt.datetime.combine(day, dt.time(hour, minute))
            booking = _Booking(
                clinician,
                kind,
                local,
                zone,
                list(clients),
                series_key=f"{local:%Y-%m-%dT%H:%M}",
                **kw,
            )
            if first is None:
                first = booking
                series_plans.append((booking, interval))
            booking.series_index = len(series_plans) - 1
            bookings.append(booking)

    groups_left = 1 if size == "small" else min(len(rooms), max(1, len(clinicians) // 25))
    for number, clinician in enumerate(clinicians):
        office = offices[number % len(offices)] if offices else None
        clients = caseloads.get(clinician.pk, [])
        slots = [(day, hour) for hour in SLOT_HOURS for day in WEEKDAYS]
        rng.shuffle(slots)
        # A full caseload: beyond 40 weekly clients, pairs share a slot every other week.
        # Past 80, the rest of the caseload is seen less often than the demo's five weeks show.
        seen = min(len(clients), 2 * WEEKLY_SLOTS)
        alternating = max(0, seen - WEEKLY_SLOTS)
        weekly_count = seen - 2 * alternating
        for index, client_id in enumerate(clients[:seen]):
            if index < weekly_count:
                slot, interval, phase = slots[index], 1, 0
            else:
                pair = (index - weekly_count) // 2
                slot, interval, phase = slots[weekly_count + pair], 2, (index - weekly_count) % 2
            video = rng.random() < 0.2
            kind = individual if rng.random() < 0.7 else individual_45
            weekly(
                clinician,
                kind,
                slot[0],
                slot[1],
                [client_id],
                interval=interval,
                phase=phase,
                modality=Modality.VIDEO if video else Modality.IN_PERSON,
                location=None if video else office,
            )
        # New clients: an intake next week at 8:00 (Tuesday's 8:00 is for couples).
        for weekday, client_id in zip((0, 2, 3, 4), intakes.get(clinician.pk, []), strict=False):
            day = monday + dt.timedelta(weeks=1, days=weekday)
            bookings.append(
                _Booking(
                    clinician,
                    intake,
                    dt.datetime.combine(day, dt.time(8, 0)),
                    zone_of[clinician.pk],
                    [client_id],
                    location=office,
                )
            )
        if len(clients) >= 2 and rng.random() < 0.4:
            weekly(clinician, couple, 1, 8, rng.sample(clients, 2), location=office)
        if groups_left and len(clients) >= 4:
            groups_left -= 1
            room = rooms[groups_left % len(rooms)] if rooms else None
            members = rng.sample(clients, min(GROUP_CLIENTS, len(clients)))
            weekly(clinician, group, 3, 17, members, room=room)
        if clinician.role == "supervisor":
            weekly(clinician, supervision, 2, 17, [])
        weekly(clinician, admin, 4, 17, [], location=office)

    return _write(practice, bookings, series_plans, today, rng, telehealth)


def _write(
    practice: Practice,
    bookings: list[_Booking],
    series_plans: list[tuple[_Booking, int]],
    today: dt.date,
    rng: random.Random,
    telehealth: Location | None,
) -> DemoSchedule:
    counts = Counter(b.series_index for b in bookings)
    series = []
    for first, interval in series_plans:
        count = counts[len(series)]
        rule = (
            f"FREQ=WEEKLY;INTERVAL={interval};COUNT={count}"
            if interval > 1
            else (f"FREQ=WEEKLY;COUNT={count}")
        )
        minutes = first.kind.default_minutes
        series.append(
            Series(
                practice=practice,
                clinician=first.clinician,
                appointment_type=first.kind,
                rule=rule,
                first_start=_utc(first),
                local_start=f"{first.local_start:%Y-%m-%dT%H:%M}",
                minutes=minutes,
                time_zone=first.zone,
                room=first.room,
                location=first.room.location if first.room else first.location,
                modality=first.modality,
                created_by=first.clinician,
            )
        )
    Series.objects.bulk_create(series, batch_size=BATCH)
    through = Series.clients.through
    through.objects.bulk_create(
        [
            through(series_id=series[b.series_index].pk, client_id=client_id)
            for b, _ in series_plans
            for client_id in b.client_ids
        ],
        batch_size=BATCH,
    )

    appointments = []
    for booking in bookings:
        start = _utc(booking)
        end = start + dt.timedelta(minutes=booking.kind.default_minutes)
        status, cancelled_by, reason, late = _outcome(booking, today, rng)
        video = booking.modality != Modality.IN_PERSON
        appointments.append(
            Appointment(
                practice=practice,
                clinician=booking.clinician,
                appointment_type=booking.kind,
                starts_at=start,
                ends_at=end,
                time_zone=booking.zone,
                room=booking.room,
                location=telehealth if video else _place(booking),
                modality=booking.modality,
                video_room=Appointment.new_video_room() if video else "",
                client_location=ClientLocation.HOME if video else "",
                status=status,
                cancelled_by=cancelled_by,
                cancellation_reason=reason,
                cancelled_at=start - dt.timedelta(hours=6 if late else 72)
                if cancelled_by
                else None,
                is_late_cancellation=late,
                confirmed_at=start - dt.timedelta(days=1)
                if status == AppointmentStatus.CONFIRMED
                else None,
                series=series[booking.series_index] if booking.series_index is not None else None,
                series_key=booking.series_key,
                booked_by=booking.clinician,
            )
        )
    Appointment.objects.bulk_create(appointments, batch_size=BATCH)

    attendees, claims, changes = [], [], []
    for booking, appointment in zip(bookings, appointments, strict=True):
        attendance = {
            AppointmentStatus.COMPLETED: Attendance.ATTENDED,
            AppointmentStatus.NO_SHOW: Attendance.ABSENT,
        }.get(appointment.status, Attendance.EXPECTED)
        attendees += [
            AppointmentAttendee(appointment=appointment, client_id=c, attendance=attendance)
            for c in booking.client_ids
        ]
        if appointment.status in ACTIVE_STATUSES:
            held = [(ClaimKind.CLINICIAN, appointment.clinician_id)]
            held += [(ClaimKind.ROOM, appointment.room_id)] if appointment.room_id else []
            held += [(ClaimKind.CLIENT, c) for c in booking.client_ids]
            claims += [
                TimeClaim(
                    practice=practice,
                    appointment=appointment,
                    kind=kind,
                    ref=ref,
                    starts_at=appointment.starts_at,
                    ends_at=appointment.ends_at,
                )
                for kind, ref in held
            ]
        changes.append(
            AppointmentChange(
                appointment=appointment,
                to_status=AppointmentStatus.SCHEDULED,
                to_start=appointment.starts_at,
                changed_by=booking.clinician,
            )
        )
        if appointment.status != AppointmentStatus.SCHEDULED:
            changes.append(
                AppointmentChange(
                    appointment=appointment,
                    from_status=AppointmentStatus.SCHEDULED,
                    to_status=appointment.status,
                    reason=appointment.cancellation_reason,
                    changed_by=booking.clinician,
                )
            )
    AppointmentAttendee.objects.bulk_create(attendees, batch_size=BATCH)
    TimeClaim.objects.bulk_create(claims, batch_size=BATCH)
    AppointmentChange.objects.bulk_create(changes, batch_size=BATCH)
    return DemoSchedule(
        appointment_types=len(TYPES),
        series=len(series),
        appointments=len(appointments),
        claims=len(claims),
    )


def _place(booking: _Booking) -> Location | None:
    return booking.room.location if booking.room else booking.location


def _utc(booking: _Booking) -> dt.datetime:
    local = booking.local_start.replace(tzinfo=ZoneInfo(booking.zone))
    return local.astimezone(dt.UTC)


def _outcome(booking: _Booking, today: dt.date, rng: random.Random) -> tuple[str, str, str, bool]:
    """(status, cancelled by, reason, late): decided by the session's day, not the hour, so two
    builds on the same day agree."""
    day = booking.local_start.date()
    roll = rng.random()
    if booking.kind.kind in (AppointmentKind.ADMIN, AppointmentKind.SUPERVISION):
        return (
            (AppointmentStatus.COMPLETED if day < today else AppointmentStatus.SCHEDULED),
            "",
            "",
            False,
        )
    if day < today:
        if roll < 0.05:
            return AppointmentStatus.NO_SHOW, "", "", False
        if roll < 0.10:
            late = roll < 0.07
            return AppointmentStatus.CANCELLED, CancelledBy.CLIENT, rng.choice(CANCEL_REASONS), late
        if roll < 0.12:
            return AppointmentStatus.CANCELLED, CancelledBy.CLINICIAN, "Clinician unwell", False
        return AppointmentStatus.COMPLETED, "", "", False
    if roll < 0.04:
        return AppointmentStatus.CANCELLED, CancelledBy.CLIENT, rng.choice(CANCEL_REASONS), False
    if day <= today + dt.timedelta(days=2) and roll < 0.65:
        return AppointmentStatus.CONFIRMED, "", "", False
    return AppointmentStatus.SCHEDULED, "", "", False
