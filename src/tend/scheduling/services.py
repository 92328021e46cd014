"""Every write to an appointment: booking, editing and moving, status changes with their fees,
attendance, and rescheduling. Series are in `tend.scheduling.series`.

Each function takes the acting membership, runs in one transaction, records an audit event and
refuses bad input with a SchedulingError whose `field` names the form field it belongs next to.
Double booking is refused here with the clash described, and by the database under a race.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from tend.billing.choices import ChargeKind, ChargeStatus
from tend.billing.models import Charge
from tend.clients.models import Client, Episode
from tend.core.access import assert_same_practice
from tend.core.audit import record
from tend.practices.choices import MANAGERS, Role
from tend.practices.models import Location, Membership, Room
from tend.scheduling.choices import (
    ACTIVE_STATUSES,
    APPOINTMENT_TRANSITIONS,
    CLIENTLESS_KINDS,
    MULTI_CLIENT_KINDS,
    AppointmentStatus,
    Attendance,
    CancelledBy,
    ClaimKind,
    ClientLocation,
    Modality,
)
from tend.scheduling.conflicts import (
    ClaimRaced,
    Clash,
    Need,
    find_clashes,
    needs_for,
    replace_claims,
)
from tend.scheduling.models import (
    MAX_APPOINTMENT_LENGTH,
    Appointment,
    AppointmentAttendee,
    AppointmentChange,
    AppointmentType,
    SchedulingPolicy,
)

# Roles that book for any clinician of the practice. Clinicians book their own calendar;
# supervisors also their supervisees'. Billers read the schedule but do not book.
BOOK_FOR_ANYONE = frozenset(MANAGERS | {Role.FRONT_DESK})
EDITABLE = (
    "clinician",
    "appointment_type",
    "starts_at",
    "ends_at",
    "location",
    "room",
    "modality",
    "client_location",
    "audio_only_reason",
    "staff_notes",
    "episode",
)


class SchedulingError(Exception):
    """A refused scheduling change; `field` names the form field it belongs next to."""

    field: str | None = None

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        if field is not None:
            self.field = field


class TimesRefused(SchedulingError):
    """Start after end, no length, or longer than an appointment may be."""


class BookingRefused(SchedulingError):
    """The booking does not make sense: wrong clients for the type, telehealth not allowed."""


class SlotTaken(SchedulingError):
    """The clinician, the room or a client already has an appointment then."""

    def __init__(self, message: str, clashes: Sequence[Clash] = ()) -> None:
        super().__init__(message, "starts_at")
        self.clashes = list(clashes)


class StaleEdit(SchedulingError):
    """Someone else changed the appointment since it was opened."""


class TransitionRefused(SchedulingError):
    """The appointment cannot move to that status from its current one."""


# ---------------------------------------------------------------------------------------------
# Helpers shared with series, views and the calendar


def clinician_time_zone(clinician: Membership) -> str:
    """The clinician's own zone if set, otherwise the practice's."""
    profile = getattr(clinician, "clinician_profile", None)
    try:
        zone = profile.time_zone if profile is not None else ""
    except Exception:  # noqa: BLE001 - no profile row
        zone = ""
    return zone or clinician.practice.time_zone


def can_schedule_for(membership: Membership, clinician: Membership) -> bool:
    """Whether `membership` may book, move or change appointments on `clinician`'s calendar."""
    if membership.practice_id != clinician.practice_id:
        return False
    if membership.role in BOOK_FOR_ANYONE:
        return True
    if membership.pk == clinician.pk:
        return membership.is_clinical
    return membership.role == Role.SUPERVISOR and clinician.supervisor_id == membership.pk


def _require_scheduler(membership: Membership, clinician: Membership) -> None:
    if not can_schedule_for(membership, clinician):
        raise PermissionDenied("Your role does not let you change this clinician's calendar.")


def when(moment: dt.datetime, zone: str | ZoneInfo) -> str:
    """'Tue 3 Mar, 10:00' in a zone: how refusals name a time."""
    tz = zone if isinstance(zone, ZoneInfo) else ZoneInfo(zone)
    local = moment.astimezone(tz)
    return f"{local:%a} {local.day} {local:%b}, {local:%H:%M}"


def describe_clash(clash: Clash, zone: str) -> str:
    """A refusal that says who is busy and when, without naming a client."""
    span = f"{when(clash.starts_at, zone)}–{clash.ends_at.astimezone(ZoneInfo(zone)):%H:%M}"
    if clash.need.kind == ClaimKind.CLINICIAN:
        who = Membership.objects.select_related("user").filter(pk=clash.need.ref).first()
        name = who.user.display_name if who else "The clinician"
        return f"{name} already has an appointment {span}."
    if clash.need.kind == ClaimKind.ROOM:
        room = Room.objects.filter(pk=clash.need.ref).first()
        return f"{room.name if room else 'The room'} is booked {span}."
    return f"A client in this booking already has an appointment {span}."


def slot_taken(clashes: Sequence[Clash], zone: str) -> SlotTaken:
    seen: list[str] = []
    for clash in clashes:
        text = describe_clash(clash, zone)
        if text not in seen:
            seen.append(text)
    return SlotTaken(" ".join(seen[:3]) + (" …" if len(seen) > 3 else ""), clashes)


RACED_MESSAGE = (
    "This time was just taken by another booking. Pick another time; nothing else was changed."
)


def _policy(practice_id: int) -> SchedulingPolicy:
    return SchedulingPolicy.for_practice(practice_id)


def _check_times(start: dt.datetime, end: dt.datetime) -> None:
    if timezone.is_naive(start) or timezone.is_naive(end):
        raise TimesRefused("Give the time with its time zone.", "starts_at")
    if end <= start:
        raise TimesRefused("The end must be after the start.", "ends_at")
    if end - start > MAX_APPOINTMENT_LENGTH:
        hours = int(MAX_APPOINTMENT_LENGTH.total_seconds() // 3600)
        raise TimesRefused(f"An appointment can last at most {hours} hours.", "ends_at")


def _check_clinician(clinician: Membership) -> None:
    if not clinician.is_active:
        raise BookingRefused("This clinician is no longer active in the practice.", "clinician")
    if not clinician.is_clinical:
        raise BookingRefused("Appointments are booked with a clinician.", "clinician")


def _check_clients(appointment_type: AppointmentType, clients: Sequence[Client]) -> None:
    kind = appointment_type.kind
    if kind in CLIENTLESS_KINDS and clients:
        raise BookingRefused(
            f"A {appointment_type.get_kind_display().lower()} appointment has no clients.",
            "clients",
        )
    if kind not in CLIENTLESS_KINDS and kind != "consultation" and not clients:
        raise BookingRefused("Choose the client for this appointment.", "clients")
    if len(clients) > 1 and kind not in MULTI_CLIENT_KINDS and kind != "consultation":
        raise BookingRefused(
            "Only couple, family and group appointments take more than one client.", "clients"
        )


def _check_place(
    appointment_type: AppointmentType,
    modality: str,
    location: Location | None,
    room: Room | None,
) -> Location | None:
    if modality not in Modality.values:
        raise BookingRefused("Choose in person, video or audio only.", "modality")
    if modality != Modality.IN_PERSON and not appointment_type.telehealth_allowed:
        raise BookingRefused(
            f"{appointment_type.name} appointments are not offered by telehealth.", "modality"
        )
    if room is not None:
        if room.is_archived:
            raise BookingRefused("This room is archived.", "room")
        if location is not None and room.location_id != location.pk:
            raise BookingRefused("This room is at another location.", "room")
        location = room.location
    if location is not None and location.is_archived:
        raise BookingRefused("This location is archived.", "location")
    return location


def default_episode(clients: Sequence[Client]) -> Episode | None:
    """A one-client session belongs to the client's open episode unless another is chosen."""
    if len(clients) != 1:
        return None
    return clients[0].episodes.open().order_by("-opened_on").first()


def _check_episode(episode: Episode | None, clients: Sequence[Client]) -> None:
    if episode is not None and episode.client_id not in {c.pk for c in clients}:
        raise BookingRefused("This episode belongs to another client.", "episode")


def _audit(
    action: str, appointment: Appointment, membership: Membership | None, request: Any, **detail
):
    record(
        action,
        request=request,
        actor=membership.user if membership is not None else None,
        practice=appointment.practice_id,
        obj=appointment,
        detail=detail,
    )


def _plan_reminders_on_commit(appointment: Appointment) -> None:
    from tend.scheduling.reminders import plan_reminders

    appointment_id = appointment.pk
    transaction.on_commit(lambda: plan_reminders(appointment_id))


def _needs(appointment: Appointment, client_ids: Iterable[int]) -> list[Need]:
    if appointment.status not in ACTIVE_STATUSES:
        return []
    return needs_for(
        clinician_id=appointment.clinician_id,
        room_id=appointment.room_id,
        client_ids=client_ids,
        start=appointment.starts_at,
        end=appointment.ends_at,
    )


def _claim(appointment: Appointment, needs: list[Need], *, check: bool = True) -> None:
    """Check the needs against everyone else's claims, then write them."""
    if check:
        clashes = find_clashes(needs, ignore=[appointment.pk] if appointment.pk else [])
        if clashes:
            raise slot_taken(clashes, appointment.time_zone)
    try:
        replace_claims(appointment, needs)
    except ClaimRaced:
        raise SlotTaken(RACED_MESSAGE) from None


# ---------------------------------------------------------------------------------------------
# Booking and editing


@transaction.atomic
def book_appointment(
    *,
    membership: Membership,
    clinician: Membership,
    appointment_type: AppointmentType,
    starts_at: dt.datetime,
    ends_at: dt.datetime | None = None,
    clients: Sequence[Client] = (),
    location: Location | None = None,
    room: Room | None = None,
    modality: str = Modality.IN_PERSON,
    client_location: str = ClientLocation.UNKNOWN,
    audio_only_reason: str = "",
    episode: Episode | None = None,
    staff_notes: str = "",
    request: HttpRequest | None = None,
) -> Appointment:
    """Book one appointment. Refused when the clinician, the room or a client is busy then."""
    clients = list(clients)
    assert_same_practice(
        membership.practice_id, clinician, appointment_type, location, room, episode, *clients
    )
    _require_scheduler(membership, clinician)
    if ends_at is None:
        ends_at = starts_at + dt.timedelta(minutes=appointment_type.default_minutes)
    _check_times(starts_at, ends_at)
    _check_clinician(clinician)
    if not appointment_type.is_active:
        raise BookingRefused("This appointment type is no longer offered.", "appointment_type")
    _check_clients(appointment_type, clients)
    location = _check_place(appointment_type, modality, location, room)
    _check_episode(episode, clients)
    episode = episode or default_episode(clients)

    appointment = Appointment(
        practice_id=membership.practice_id,
        clinician=clinician,
        appointment_type=appointment_type,
        starts_at=starts_at,
        ends_at=ends_at,
        time_zone=clinician_time_zone(clinician),
        location=location,
        room=room,
        modality=modality,
        client_location=client_location if modality != Modality.IN_PERSON else "",
        audio_only_reason=audio_only_reason if modality == Modality.AUDIO else "",
        episode=episode,
        staff_notes=staff_notes,
        booked_by=membership,
    )
    if appointment.is_telehealth:
        appointment.video_room = Appointment.new_video_room()
    needs = _needs(appointment, [c.pk for c in clients])
    clashes = find_clashes(needs)
    if clashes:
        raise slot_taken(clashes, appointment.time_zone)
    appointment.save()
    AppointmentAttendee.objects.bulk_create(
        [AppointmentAttendee(appointment=appointment, client=c) for c in clients]
    )
    _claim(appointment, needs, check=False)
    AppointmentChange.objects.create(
        appointment=appointment,
        to_status=appointment.status,
        to_start=starts_at,
        changed_by=membership,
    )
    _audit("appointment.booked", appointment, membership, request)
    leave_waitlist(appointment, membership, request)
    _plan_reminders_on_commit(appointment)
    return appointment


def leave_waitlist(
    appointment: Appointment, membership: Membership, request: HttpRequest | None
) -> None:
    """A booked client leaves the waitlist (entries for this clinician or any), when the
    member booking may change the client's entries."""
    from tend.scheduling.waitlist import mark_booked_for

    with contextlib.suppress(PermissionDenied):
        mark_booked_for(appointment, membership=membership, request=request)


def _lock(appointment: Appointment) -> Appointment:
    return (
        Appointment.objects.select_for_update()
        .select_related("appointment_type", "clinician")
        .get(pk=appointment.pk)
    )


def _check_version(appointment: Appointment, version: int | None) -> None:
    if version is not None and int(version) != appointment.version:
        raise StaleEdit(
            "Someone else changed this appointment after you opened it. "
            "Reload to see their change, then make yours again."
        )


@transaction.atomic
def update_appointment(
    appointment: Appointment,
    *,
    membership: Membership,
    version: int | None = None,
    clients: Sequence[Client] | None = None,
    request: HttpRequest | None = None,
    **values: Any,
) -> Appointment:
    """Change an appointment's time, clinician, type, place, clients or staff notes.

    A session of a series changed this way becomes an exception the series leaves alone.
    """
    unknown = set(values) - set(EDITABLE)
    if unknown:
        raise TypeError(f"Not editable here: {', '.join(sorted(unknown))}")
    related = [
        v
        for k, v in values.items()
        if k in ("clinician", "appointment_type", "location", "room", "episode")
    ]
    assert_same_practice(membership.practice_id, appointment, *related, *(clients or []))
    appointment = _lock(appointment)
    _check_version(appointment, version)
    _require_scheduler(membership, appointment.clinician)
    if "clinician" in values and values["clinician"].pk != appointment.clinician_id:
        _require_scheduler(membership, values["clinician"])
        _check_clinician(values["clinician"])
    if appointment.status not in {AppointmentStatus.SCHEDULED, AppointmentStatus.CONFIRMED} and (
        {"starts_at", "ends_at", "clinician"} & set(values)
    ):
        moving = any(
            getattr(appointment, k) != values[k] for k in ("starts_at", "ends_at") if k in values
        ) or ("clinician" in values and values["clinician"].pk != appointment.clinician_id)
        if moving:
            raise SchedulingError(
                f"A {appointment.get_status_display().lower()} appointment cannot be moved.",
                "starts_at",
            )

    old_start = appointment.starts_at
    old_clients = list(appointment.attendees.values_list("client_id", flat=True))
    changed: list[str] = []
    for name, value in values.items():
        field = Appointment._meta.get_field(name)
        current = getattr(appointment, field.attname)
        new = value.pk if field.is_relation and value is not None else value
        if current != new:
            setattr(appointment, name, value)
            changed.append(name)
    new_clients = list(clients) if clients is not None else None
    if new_clients is not None and sorted(c.pk for c in new_clients) != sorted(old_clients):
        changed.append("clients")

    client_objs = new_clients if new_clients is not None else list(appointment.clients.all())
    _check_times(appointment.starts_at, appointment.ends_at)
    _check_clients(appointment.appointment_type, client_objs)
    appointment.location = _check_place(
        appointment.appointment_type, appointment.modality, appointment.location, appointment.room
    )
    _check_episode(appointment.episode, client_objs)
    if "clinician" in changed:
        appointment.time_zone = clinician_time_zone(appointment.clinician)
    if appointment.modality == Modality.IN_PERSON:
        appointment.client_location = ""
    elif not appointment.video_room:
        appointment.video_room = Appointment.new_video_room()
    if appointment.modality != Modality.AUDIO:
        appointment.audio_only_reason = ""
    if not changed:
        return appointment

    holds = {"starts_at", "ends_at", "clinician", "room", "clients"} & set(changed)
    if holds and appointment.is_active:
        _claim(appointment, _needs(appointment, [c.pk for c in client_objs]))
    if new_clients is not None and "clients" in changed:
        keep = {c.pk for c in new_clients}
        appointment.attendees.exclude(client_id__in=keep).delete()
        AppointmentAttendee.objects.bulk_create(
            [
                AppointmentAttendee(appointment=appointment, client=c)
                for c in new_clients
                if c.pk not in old_clients
            ]
        )
    moved = "starts_at" in changed or "ends_at" in changed
    if appointment.series_id and (moved or "clinician" in changed or "room" in changed):
        appointment.is_exception = True
    appointment.version += 1
    appointment.save()
    if moved:
        AppointmentChange.objects.create(
            appointment=appointment,
            from_start=old_start,
            to_start=appointment.starts_at,
            changed_by=membership,
        )
    _audit("appointment.updated", appointment, membership, request, fields=sorted(changed))
    if moved or "clients" in changed:
        _plan_reminders_on_commit(appointment)
    return appointment


def move_appointment(
    appointment: Appointment,
    *,
    membership: Membership,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    clinician: Membership | None = None,
    version: int | None = None,
    request: HttpRequest | None = None,
) -> Appointment:
    """Drag or resize on the calendar: a new start and end (and clinician, when dropped in
    another clinician's column). The same checks as any edit."""
    values: dict[str, Any] = {"starts_at": starts_at, "ends_at": ends_at}
    if clinician is not None:
        values["clinician"] = clinician
    return update_appointment(
        appointment, membership=membership, version=version, request=request, **values
    )


# ---------------------------------------------------------------------------------------------
# Status


def is_late(appointment: Appointment, at: dt.datetime, policy: SchedulingPolicy) -> bool:
    """Inside the practice's late-cancellation window at `at`."""
    return appointment.starts_at - at < dt.timedelta(hours=policy.late_cancel_hours)


def _charge_fee(
    appointment: Appointment, kind: str, amount: Decimal | None, membership: Membership | None
) -> list[Charge]:
    if not amount:
        return []
    currency = appointment.practice.currency
    day = appointment.local_start.date()
    charges = []
    for attendee in appointment.attendees.select_related("client"):
        charge, _ = Charge.objects.get_or_create(
            appointment=appointment,
            client=attendee.client,
            kind=kind,
            defaults={
                "practice_id": appointment.practice_id,
                "amount": amount,
                "currency": currency,
                "incurred_on": day,
                "created_by": membership,
            },
        )
        if charge.status == ChargeStatus.WAIVED:
            charge.status = ChargeStatus.OPEN
            charge.waived_reason = ""
            charge.save(update_fields=["status", "waived_reason", "updated_at"])
        charges.append(charge)
    return charges


def _waive_fees(appointment: Appointment, reason: str) -> None:
    Charge.objects.filter(
        appointment=appointment,
        kind__in=[ChargeKind.LATE_CANCELLATION, ChargeKind.NO_SHOW],
        status=ChargeStatus.OPEN,
    ).update(status=ChargeStatus.WAIVED, waived_reason=reason)


@transaction.atomic
def set_status(
    appointment: Appointment,
    to_status: str,
    *,
    membership: Membership | None,
    reason: str = "",
    cancelled_by: str = "",
    by_client: bool = False,
    waive_fee: bool = False,
    version: int | None = None,
    request: HttpRequest | None = None,
    now: dt.datetime | None = None,
) -> Appointment:
    """Move an appointment along APPOINTMENT_TRANSITIONS and record it.

    Cancelling needs who cancelled (a client cancelling inside the practice's window cancels
    late, and the late fee is charged unless waived); a no-show charges the no-show fee.
    Cancelled, no-show and rescheduled appointments free their time; undoing a cancellation
    checks the time is still free. `membership` is None only when a client acts through a
    signed link (`by_client`).
    """
    if membership is not None:
        assert_same_practice(membership.practice_id, appointment)
    elif not by_client:
        raise PermissionDenied("A status change needs a member or the client's own link.")
    appointment = _lock(appointment)
    _check_version(appointment, version)
    if membership is not None:
        _require_scheduler(membership, appointment.clinician)
    from_status = appointment.status
    if to_status not in APPOINTMENT_TRANSITIONS.get(from_status, set()):
        target = dict(AppointmentStatus.choices).get(to_status, to_status).lower()
        raise TransitionRefused(
            f"A {appointment.get_status_display().lower()} appointment cannot become {target}.",
            "status",
        )
    now = now or timezone.now()
    policy = _policy(appointment.practice_id)
    fee: list[Charge] = []

    if to_status == AppointmentStatus.CANCELLED:
        if by_client:
            cancelled_by = CancelledBy.CLIENT
        if cancelled_by not in CancelledBy.values:
            raise SchedulingError(
                "Say who cancelled: the client, the clinician or the practice.", "cancelled_by"
            )
        appointment.cancelled_by = cancelled_by
        appointment.cancellation_reason = reason[:300]
        appointment.cancelled_at = now
        appointment.is_late_cancellation = cancelled_by == CancelledBy.CLIENT and is_late(
            appointment, now, policy
        )
        if appointment.is_late_cancellation and not waive_fee:
            fee = _charge_fee(
                appointment, ChargeKind.LATE_CANCELLATION, policy.late_cancel_fee, membership
            )
    elif to_status == AppointmentStatus.NO_SHOW:
        if appointment.starts_at > now:
            raise TransitionRefused("A session that has not started cannot be a no-show.", "status")
        appointment.attendees.update(attendance=Attendance.ABSENT)
        if not waive_fee:
            fee = _charge_fee(appointment, ChargeKind.NO_SHOW, policy.no_show_fee, membership)
    elif to_status == AppointmentStatus.COMPLETED:
        if appointment.starts_at > now:
            raise TransitionRefused("A session that has not started cannot be completed.", "status")
        appointment.attendees.filter(
            attendance__in=[Attendance.EXPECTED, Attendance.ABSENT]
        ).update(attendance=Attendance.ATTENDED)
    elif to_status == AppointmentStatus.ARRIVED:
        appointment.attendees.filter(attendance=Attendance.EXPECTED).update(
            attendance=Attendance.ATTENDED
        )
    elif to_status == AppointmentStatus.CONFIRMED:
        appointment.confirmed_at = now
    elif to_status == AppointmentStatus.SCHEDULED:
        if from_status in (AppointmentStatus.CANCELLED, AppointmentStatus.NO_SHOW):
            _waive_fees(appointment, f"{appointment.get_status_display()} undone")
            appointment.cancelled_by = ""
            appointment.cancellation_reason = ""
            appointment.cancelled_at = None
            appointment.is_late_cancellation = False
            appointment.attendees.update(attendance=Attendance.EXPECTED)
        if from_status in (AppointmentStatus.ARRIVED,):
            appointment.attendees.update(attendance=Attendance.EXPECTED)

    was_active = appointment.is_active
    appointment.status = to_status
    if appointment.is_active != was_active:
        client_ids = list(appointment.attendees.values_list("client_id", flat=True))
        _claim(appointment, _needs(appointment, client_ids), check=appointment.is_active)
    if appointment.series_id and to_status in (AppointmentStatus.CANCELLED,):
        appointment.is_exception = True
    appointment.version += 1
    appointment.save()
    AppointmentChange.objects.create(
        appointment=appointment,
        from_status=from_status,
        to_status=to_status,
        reason=reason[:300],
        changed_by=membership,
        by_client=by_client,
    )
    _audit(
        "appointment.status",
        appointment,
        membership,
        request,
        from_status=from_status,
        to_status=to_status,
        by_client=by_client,
        late=appointment.is_late_cancellation,
        fees=[str(c.uuid) for c in fee],
    )
    if appointment.is_active != was_active or to_status == AppointmentStatus.CONFIRMED:
        _plan_reminders_on_commit(appointment)
    return appointment


def cancel_appointment(
    appointment: Appointment,
    *,
    membership: Membership | None,
    cancelled_by: str,
    reason: str = "",
    waive_fee: bool = False,
    by_client: bool = False,
    request: HttpRequest | None = None,
    now: dt.datetime | None = None,
) -> Appointment:
    return set_status(
        appointment,
        AppointmentStatus.CANCELLED,
        membership=membership,
        cancelled_by=cancelled_by,
        reason=reason,
        waive_fee=waive_fee,
        by_client=by_client,
        request=request,
        now=now,
    )


@transaction.atomic
def record_attendance(
    appointment: Appointment,
    client: Client,
    attendance: str,
    *,
    membership: Membership,
    request: HttpRequest | None = None,
) -> AppointmentAttendee:
    """Mark one client of a couple, family or group session present, absent, late or early."""
    assert_same_practice(membership.practice_id, appointment, client)
    _require_scheduler(membership, appointment.clinician)
    if attendance not in Attendance.values:
        raise SchedulingError("Choose how the client attended.", "attendance")
    attendee = appointment.attendees.select_for_update().filter(client=client).first()
    if attendee is None:
        raise SchedulingError("This client is not in the appointment.", "client")
    if attendee.attendance != attendance:
        attendee.attendance = attendance
        attendee.save(update_fields=["attendance"])
        _audit(
            "appointment.attendance",
            appointment,
            membership,
            request,
            client=str(client.uuid),
            attendance=attendance,
        )
    return attendee


@transaction.atomic
def reschedule_appointment(
    appointment: Appointment,
    *,
    membership: Membership,
    starts_at: dt.datetime,
    ends_at: dt.datetime | None = None,
    reason: str = "",
    request: HttpRequest | None = None,
) -> Appointment:
    """The client asked for another time: the old appointment is kept as rescheduled (it
    counts towards no fee) and a new one is booked with the same clients, type and place."""
    assert_same_practice(membership.practice_id, appointment)
    old = _lock(appointment)
    if old.status not in (AppointmentStatus.SCHEDULED, AppointmentStatus.CONFIRMED):
        raise TransitionRefused(
            f"A {old.get_status_display().lower()} appointment cannot be rescheduled.", "status"
        )
    clients = list(old.clients.all())
    set_status(
        old, AppointmentStatus.RESCHEDULED, membership=membership, reason=reason, request=request
    )
    new = book_appointment(
        membership=membership,
        clinician=old.clinician,
        appointment_type=old.appointment_type,
        starts_at=starts_at,
        ends_at=ends_at or starts_at + old.duration,
        clients=clients,
        location=old.location,
        room=old.room,
        modality=old.modality,
        client_location=old.client_location,
        audio_only_reason=old.audio_only_reason,
        episode=old.episode,
        staff_notes=old.staff_notes,
        request=request,
    )
    Appointment.objects.filter(pk=old.pk).update(rescheduled_to=new)
    return new


def booking_warnings(
    *,
    clinician: Membership,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    now: dt.datetime | None = None,
) -> list[str]:
    """What the person booking should know but may go ahead with: a time in the past (kept
    for documentation), or outside the clinician's working hours."""
    from tend.scheduling.availability import hours_warning

    now = now or timezone.now()
    warnings = []
    if ends_at <= now:
        warnings.append(
            "This time is in the past. Book it only to document a session that took place."
        )
    elif starts_at < now:
        warnings.append("This appointment has already started.")
    zone = clinician_time_zone(clinician)
    outside = hours_warning(clinician, starts_at, ends_at, zone)
    if outside:
        warnings.append(outside)
    return warnings
