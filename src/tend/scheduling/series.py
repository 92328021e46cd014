"""Recurring sessions: booking a series, editing or cancelling one session, this and the
following sessions, or all future sessions, and booking open-ended series forward.

A series is an RRULE in the clinician's zone; its sessions are Appointment rows booked up to the
practice's horizon (`SchedulingPolicy.series_horizon_weeks`) and extended every night, so the
calendar, the conflict checks and the database constraint see every session as a row. Each
session keeps `series_key`, its original local start. A session changed or cancelled on its own
becomes an exception (`is_exception`): series edits leave it alone, and re-generating a series
never creates a second session for a key that already has one.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from tend.clients.models import Client, Episode
from tend.core.access import assert_same_practice
from tend.core.audit import record
from tend.lib.recurrence import MAX_OCCURRENCES, InvalidRule, Occurrence, expand, parse_rule
from tend.practices.models import Location, Membership, Room
from tend.scheduling.choices import (
    ACTIVE_STATUSES,
    AppointmentStatus,
    CancelledBy,
    Modality,
    Occurrences,
)
from tend.scheduling.conflicts import (
    ClaimRaced,
    Need,
    find_clashes,
    needs_for,
    overlaps_within,
    write_claims,
)
from tend.scheduling.models import (
    Appointment,
    AppointmentAttendee,
    AppointmentChange,
    AppointmentType,
    SchedulingPolicy,
    Series,
)
from tend.scheduling.services import (
    RACED_MESSAGE,
    SchedulingError,
    SlotTaken,
    _check_clients,
    _check_clinician,
    _check_episode,
    _check_place,
    _check_times,
    _require_scheduler,
    clinician_time_zone,
    default_episode,
    describe_clash,
    leave_waitlist,
    set_status,
    update_appointment,
)

KEY_FORMAT = "%Y-%m-%dT%H:%M"

# Presets for the booking form: (value, label). "COUNT"/"UNTIL" are added from the form's
# "ends" choice.
RULE_CHOICES = [
    ("FREQ=WEEKLY", "Every week"),
    ("FREQ=WEEKLY;INTERVAL=2", "Every other week"),
    ("FREQ=WEEKLY;INTERVAL=4", "Every four weeks"),
    ("monthly-weekday", "Every month on the same weekday (e.g. the second Tuesday)"),
]


class InvalidSeries(SchedulingError):
    """The repeat rule cannot be used."""

    field = "rule"


class SeriesClashes(SchedulingError):
    """Some sessions of the series clash; `dates` lists each local date and what is in the way."""

    def __init__(self, dates: list[tuple[dt.date, str]]) -> None:
        shown = ", ".join(f"{d:%a} {d.day} {d:%b %Y}" for d, _ in dates[:6])
        more = f" and {len(dates) - 6} more" if len(dates) > 6 else ""
        super().__init__(
            f"{len(dates)} of these sessions clash with other appointments: {shown}{more}. "
            "Skip those dates or choose another time.",
            "starts_at",
        )
        self.dates = dates


@dataclass(frozen=True)
class SeriesDate:
    """One session of a proposed series, with what it clashes with (None when free)."""

    local_start: dt.datetime
    starts_at: dt.datetime
    ends_at: dt.datetime
    clash: str | None


def monthly_weekday_rule(local_start: dt.datetime) -> str:
    """'FREQ=MONTHLY;BYDAY=+2TU' for a start on the second Tuesday; the last weekday of the
    month when the start is in the month's last seven days (-1)."""
    day = local_start.day
    weekday = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"][local_start.weekday()]
    next_month = (local_start.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    days_in_month = (next_month - dt.timedelta(days=1)).day
    ordinal = -1 if day > days_in_month - 7 and day > 28 else (day - 1) // 7 + 1
    return f"FREQ=MONTHLY;BYDAY={ordinal:+d}{weekday}"


def build_rule(
    preset: str, local_start: dt.datetime, *, count: int | None = None, until: dt.date | None = None
) -> str:
    """The RRULE for a form preset and its end (after `count` sessions, on `until`, or never)."""
    rule = monthly_weekday_rule(local_start) if preset == "monthly-weekday" else preset
    if count:
        rule += f";COUNT={count}"
    elif until:
        rule += f";UNTIL={until:%Y%m%d}T235959"
    return rule


def _key(local: dt.datetime) -> str:
    return local.strftime(KEY_FORMAT)


def _horizon(practice_id: int, now: dt.datetime) -> dt.datetime:
    weeks = SchedulingPolicy.for_practice(practice_id).series_horizon_weeks
    return now + dt.timedelta(weeks=weeks)


def _is_open_ended(rule: str, local_start: dt.datetime) -> bool:
    parsed = parse_rule(rule, local_start)
    return parsed._count is None and parsed._until is None


def _occurrences(
    rule: str,
    local_start: dt.datetime,
    minutes: int,
    zone: str,
    *,
    window_start: dt.datetime,
    window_end: dt.datetime,
    skip_dates: Iterable[dt.date] = (),
) -> list[Occurrence]:
    try:
        return expand(
            rule,
            local_start,
            dt.timedelta(minutes=minutes),
            zone,
            window_start=window_start,
            window_end=window_end,
            skip_dates=skip_dates,
        )
    except InvalidRule as exc:
        raise InvalidSeries(str(exc)) from None


def _needs_for(
    clinician: Membership, room: Room | None, clients: Sequence[Client], occ: Occurrence
) -> list[Need]:
    return needs_for(
        clinician_id=clinician.pk,
        room_id=room.pk if room else None,
        client_ids=[c.pk for c in clients],
        start=occ.start,
        end=occ.end,
    )


def _clash_dates(
    occurrences: Sequence[Occurrence],
    clinician: Membership,
    room: Room | None,
    clients: Sequence[Client],
    zone: str,
    *,
    ignore: Iterable[int] = (),
) -> dict[dt.datetime, str]:
    """Local start → the first clash message, for each occurrence that clashes (one query)."""
    needs: list[Need] = []
    owner: dict[Need, Occurrence] = {}
    for occ in occurrences:
        for need in _needs_for(clinician, room, clients, occ):
            needs.append(need)
            owner[need] = occ
    found: dict[dt.datetime, str] = {}
    for clash in find_clashes(needs, ignore=ignore):
        found.setdefault(owner[clash.need].local_start, describe_clash(clash, zone))
    for a, _b in overlaps_within(needs):
        found.setdefault(owner[a].local_start, "The sessions of this series overlap each other.")
    return found


def _validate(
    membership: Membership,
    clinician: Membership,
    appointment_type: AppointmentType,
    local_start: dt.datetime,
    minutes: int,
    rule: str,
    clients: Sequence[Client],
    location: Location | None,
    room: Room | None,
    modality: str,
    episode: Episode | None,
) -> Location | None:
    assert_same_practice(
        membership.practice_id, clinician, appointment_type, location, room, episode, *clients
    )
    _require_scheduler(membership, clinician)
    if local_start.tzinfo is not None:
        raise InvalidSeries("The first session's start is a wall-clock time.", "starts_at")
    if not minutes or minutes <= 0:
        raise SchedulingError("A session must last longer than zero minutes.", "minutes")
    probe = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
    _check_times(probe, probe + dt.timedelta(minutes=minutes))
    _check_clinician(clinician)
    _check_clients(appointment_type, clients)
    location = _check_place(appointment_type, modality, location, room)
    _check_episode(episode, clients)
    try:
        parse_rule(rule, local_start)
    except InvalidRule as exc:
        raise InvalidSeries(str(exc)) from None
    return location


def _proposal(
    practice_id: int,
    rule: str,
    local_start: dt.datetime,
    minutes: int,
    zone: str,
    now: dt.datetime,
) -> tuple[dt.datetime, dt.datetime, list[Occurrence]]:
    """A new series' first instant, how far it is booked now, and its sessions until then."""
    first = local_start.replace(tzinfo=ZoneInfo(zone)).astimezone(dt.UTC)
    window_end = max(_horizon(practice_id, now), first + dt.timedelta(days=1))
    occurrences = _occurrences(
        rule, local_start, minutes, zone, window_start=first, window_end=window_end
    )
    return first, window_end, occurrences


def preview_series(
    *,
    membership: Membership,
    clinician: Membership,
    appointment_type: AppointmentType,
    local_start: dt.datetime,
    minutes: int,
    rule: str,
    time_zone: str | None = None,
    clients: Sequence[Client] = (),
    location: Location | None = None,
    room: Room | None = None,
    modality: str = Modality.IN_PERSON,
    client_location: str = "",
    episode: Episode | None = None,
    staff_notes: str = "",
    skip_dates: Iterable[dt.date] = (),
    now: dt.datetime | None = None,
) -> list[SeriesDate]:
    """The sessions the series would book now (up to the horizon), each with its clash."""
    clients = list(clients)
    _validate(
        membership,
        clinician,
        appointment_type,
        local_start,
        minutes,
        rule,
        clients,
        location,
        room,
        modality,
        episode,
    )
    zone = time_zone or clinician_time_zone(clinician)
    skip = set(skip_dates)
    _first, _end, occurrences = _proposal(
        membership.practice_id, rule, local_start, minutes, zone, now or timezone.now()
    )
    occurrences = [o for o in occurrences if o.local_start.date() not in skip]
    clashes = _clash_dates(occurrences, clinician, room, clients, zone)
    return [
        SeriesDate(o.local_start, o.start, o.end, clashes.get(o.local_start)) for o in occurrences
    ]


def _create_sessions(
    series: Series,
    occurrences: Sequence[Occurrence],
    clients: Sequence[Client],
    *,
    membership: Membership | None,
    staff_notes: str = "",
    client_location: str = "",
    cancelled: dict[dt.datetime, str] | None = None,
) -> list[Appointment]:
    """Write one appointment per occurrence (with its clients, claims and history). Occurrences
    in `cancelled` are stored as cancelled exceptions with that reason, so a skipped date stays
    skipped when the series is extended or changed."""
    cancelled = cancelled or {}
    # One session per local date and series (sessions never repeat more than daily): a session
    # moved or skipped on its date is never joined by a second one.
    taken = {k[:10] for k in series.appointments.values_list("series_key", flat=True)}
    now = timezone.now()
    rows = []
    for occ in occurrences:
        key = _key(occ.local_start)
        if key[:10] in taken:
            continue
        reason = cancelled.get(occ.local_start)
        appointment = Appointment(
            practice_id=series.practice_id,
            clinician_id=series.clinician_id,
            appointment_type_id=series.appointment_type_id,
            starts_at=occ.start,
            ends_at=occ.end,
            time_zone=series.time_zone,
            location_id=series.location_id,
            room_id=series.room_id,
            modality=series.modality,
            client_location=client_location if series.modality != Modality.IN_PERSON else "",
            episode_id=series.episode_id,
            staff_notes=staff_notes,
            series=series,
            series_key=key,
            booked_by=membership,
        )
        if appointment.is_telehealth:
            appointment.video_room = Appointment.new_video_room()
        if reason is not None:
            appointment.status = AppointmentStatus.CANCELLED
            appointment.cancelled_by = CancelledBy.PRACTICE
            appointment.cancellation_reason = reason
            appointment.cancelled_at = now
            appointment.is_exception = True
        rows.append(appointment)
    if not rows:
        return []
    Appointment.objects.bulk_create(rows)
    if any(r.pk is None for r in rows):  # a backend that does not return keys
        keys = [r.series_key for r in rows]
        by_key = dict(
            series.appointments.filter(series_key__in=keys).values_list("series_key", "pk")
        )
        for r in rows:
            r.pk = r.id = by_key[r.series_key]
    AppointmentAttendee.objects.bulk_create(
        [AppointmentAttendee(appointment=r, client=c) for r in rows for c in clients]
    )
    AppointmentChange.objects.bulk_create(
        [
            AppointmentChange(
                appointment=r, to_status=r.status, to_start=r.starts_at, changed_by=membership
            )
            for r in rows
        ]
    )
    active = [r for r in rows if r.status in ACTIVE_STATUSES]
    # Claims for all sessions in one insert; the exclusion constraint still guards each row.
    client_ids = [c.pk for c in clients]
    try:
        write_claims(
            (r, need)
            for r in active
            for need in needs_for(
                clinician_id=r.clinician_id,
                room_id=r.room_id,
                client_ids=client_ids,
                start=r.starts_at,
                end=r.ends_at,
            )
        )
    except ClaimRaced:
        raise SlotTaken(RACED_MESSAGE) from None
    ids = [r.pk for r in active]

    def plan() -> None:
        from tend.scheduling.reminders import plan_reminders

        for appointment_id in ids:
            plan_reminders(appointment_id)

    transaction.on_commit(plan)
    return rows


@transaction.atomic
def book_series(
    *,
    membership: Membership,
    clinician: Membership,
    appointment_type: AppointmentType,
    local_start: dt.datetime,
    minutes: int,
    rule: str,
    time_zone: str | None = None,
    clients: Sequence[Client] = (),
    location: Location | None = None,
    room: Room | None = None,
    modality: str = Modality.IN_PERSON,
    client_location: str = "",
    episode: Episode | None = None,
    staff_notes: str = "",
    skip_dates: Iterable[dt.date] = (),
    request: HttpRequest | None = None,
    now: dt.datetime | None = None,
) -> Series:
    """Book a recurring session. Every session up to the horizon is checked in one query; any
    clash refuses the whole series with the dates listed (SeriesClashes) unless those dates are
    skipped. Skipped dates are stored as cancelled sessions so they stay skipped."""
    clients = list(clients)
    location = _validate(
        membership,
        clinician,
        appointment_type,
        local_start,
        minutes,
        rule,
        clients,
        location,
        room,
        modality,
        episode,
    )
    zone = time_zone or clinician_time_zone(clinician)
    skip = set(skip_dates)
    first, window_end, occurrences = _proposal(
        membership.practice_id, rule, local_start, minutes, zone, now or timezone.now()
    )
    if not occurrences:
        raise InvalidSeries("This rule gives no sessions from the first date on.")
    wanted = [o for o in occurrences if o.local_start.date() not in skip]
    clashes = _clash_dates(wanted, clinician, room, clients, zone)
    if clashes:
        raise SeriesClashes([(local.date(), text) for local, text in sorted(clashes.items())])
    episode = episode or default_episode(clients)
    series = Series.objects.create(
        practice_id=membership.practice_id,
        clinician=clinician,
        appointment_type=appointment_type,
        rule=rule,
        first_start=first,
        local_start=_key(local_start),
        minutes=minutes,
        time_zone=zone,
        location=location,
        room=room,
        modality=modality,
        episode=episode,
        is_open_ended=_is_open_ended(rule, local_start),
        booked_through=window_end,
        created_by=membership,
    )
    series.clients.set(clients)
    skipped = {
        o.local_start: "Skipped when the series was booked."
        for o in occurrences
        if o.local_start.date() in skip
    }
    rows = _create_sessions(
        series,
        occurrences,
        clients,
        membership=membership,
        staff_notes=staff_notes,
        client_location=client_location,
        cancelled=skipped,
    )
    first = next((r for r in rows if r.status in ACTIVE_STATUSES), None)
    if first is not None:
        leave_waitlist(first, membership, request)
    record(
        "series.booked",
        request=request,
        actor=membership.user,
        practice=membership.practice_id,
        obj=series,
        detail={"sessions": len(rows) - len(skipped), "skipped": len(skipped)},
    )
    return series


def _cut(appointment: Appointment, scope: str, now: dt.datetime) -> dt.datetime:
    """The first start the edit applies to: this session for "this"/"following", the first
    session that has not started for "all"."""
    if scope == Occurrences.ALL:
        return now
    return appointment.starts_at


def _future_sessions(series: Series, cut: dt.datetime):  # noqa: ANN202
    return series.appointments.filter(starts_at__gte=cut)


@transaction.atomic
def edit_series(
    appointment: Appointment,
    scope: str,
    *,
    membership: Membership,
    request: HttpRequest | None = None,
    local_time: dt.time | None = None,
    minutes: int | None = None,
    weekday: int | None = None,
    rule: str | None = None,
    appointment_type: AppointmentType | None = None,
    room: Any = ...,
    location: Any = ...,
    modality: str | None = None,
    clients: Sequence[Client] | None = None,
    now: dt.datetime | None = None,
) -> Series:
    """Change one session, this and the following sessions, or all future sessions.

    "this" edits the one session (it becomes an exception). A change of time, length or rule
    for "following"/"all" ends the series before the cut and starts a new one from the cut with
    the change, moving the exceptions after the cut into it; other changes apply in place to
    every future session that is not an exception. Past sessions are never changed. Clashes
    refuse the whole edit with the dates listed.
    """
    if scope not in Occurrences.values:
        raise SchedulingError("Choose which sessions to change.", "scope")
    assert_same_practice(membership.practice_id, appointment)
    if appointment.series_id is None:
        raise SchedulingError("This appointment is not part of a series.", "scope")
    series = Series.objects.select_for_update().get(pk=appointment.series_id)
    _require_scheduler(membership, series.clinician)
    now = now or timezone.now()
    if scope == Occurrences.THIS:
        values: dict[str, Any] = {}
        if local_time is not None or minutes is not None:
            local = appointment.starts_at.astimezone(appointment.zone)
            if local_time is not None:
                local = local.replace(hour=local_time.hour, minute=local_time.minute)
            start = local.replace(tzinfo=None).replace(tzinfo=appointment.zone).astimezone(dt.UTC)
            length = dt.timedelta(minutes=minutes) if minutes else appointment.duration
            values.update(starts_at=start, ends_at=start + length)
        if appointment_type is not None:
            values["appointment_type"] = appointment_type
        if room is not ...:
            values["room"] = room
        if location is not ...:
            values["location"] = location
        if modality is not None:
            values["modality"] = modality
        update_appointment(
            appointment, membership=membership, clients=clients, request=request, **values
        )
        Appointment.objects.filter(pk=appointment.pk).update(is_exception=True)
        return series

    cut = _cut(appointment, scope, now)
    new_type = appointment_type or series.appointment_type
    new_room = series.room if room is ... else room
    new_location = series.location if location is ... else location
    new_modality = modality or series.modality
    new_clients = list(clients) if clients is not None else list(series.clients.all())
    new_minutes = minutes or series.minutes
    anchor_weekday = appointment.starts_at.astimezone(series.zone).weekday()
    if appointment.series_key:
        anchor_weekday = dt.datetime.strptime(appointment.series_key, KEY_FORMAT).weekday()
    new_day = weekday is not None and weekday != anchor_weekday
    retime = (
        new_day
        or (local_time is not None and local_time != series.local_start_datetime.time())
        or new_minutes != series.minutes
        or (rule is not None and rule != series.rule)
    )
    new_location = _check_place(new_type, new_modality, new_location, new_room)
    _check_clients(new_type, new_clients)
    future = list(_future_sessions(series, cut).order_by("starts_at"))
    if not future:
        raise SchedulingError("This series has no sessions left to change.", "scope")

    if not retime:
        series.appointment_type = new_type
        series.room = new_room
        series.location = new_location
        series.modality = new_modality
        series.save()
        series.clients.set(new_clients)
        clashes: list[tuple[dt.date, str]] = []
        for session in future:
            if session.is_exception or session.status not in ACTIVE_STATUSES:
                continue
            try:
                update_appointment(
                    session,
                    membership=membership,
                    clients=new_clients,
                    appointment_type=new_type,
                    room=new_room,
                    location=new_location,
                    modality=new_modality,
                )
            except SlotTaken as exc:
                clashes.append((session.local_start.date(), str(exc)))
            else:
                Appointment.objects.filter(pk=session.pk).update(is_exception=False)
        if clashes:
            raise SeriesClashes(clashes)
        record(
            "series.updated",
            request=request,
            actor=membership.user,
            practice=membership.practice_id,
            obj=series,
            detail={"scope": scope, "sessions": len(future)},
        )
        return series

    # A new time, length or rule: the series ends before the cut; the rest is a new series.
    first_future = future[0]
    anchor_local = first_future.starts_at.astimezone(series.zone).replace(tzinfo=None)
    if first_future.series_key:
        anchor_local = dt.datetime.strptime(first_future.series_key, KEY_FORMAT)
    if local_time is not None:
        anchor_local = anchor_local.replace(hour=local_time.hour, minute=local_time.minute)
    new_rule = rule or series.rule
    if new_day and weekday is not None:
        # Another day of the same week; a monthly rule follows ("the second Tuesday" becomes
        # "the second Thursday").
        anchor_local += dt.timedelta(days=weekday - anchor_local.weekday())
        if rule is None and "BYDAY=" in new_rule.upper() and "MONTHLY" in new_rule.upper():
            new_rule = re.sub(
                r"BYDAY=[^;]+",
                monthly_weekday_rule(anchor_local).split(";")[1],
                new_rule,
                flags=re.IGNORECASE,
            )
    if rule is None and "COUNT=" in new_rule.upper():
        # "Ends after N sessions" counts from the first session of the whole series.
        before = series.appointments.filter(starts_at__lt=first_future.starts_at).count()
        total = int(re.search(r"COUNT=(\d+)", new_rule, re.IGNORECASE).group(1))
        new_rule = re.sub(r"COUNT=\d+", f"COUNT={max(total - before, 1)}", new_rule, flags=re.I)
    try:
        parse_rule(new_rule, anchor_local)
    except InvalidRule as exc:
        raise InvalidSeries(str(exc)) from None
    plain = [s for s in future if not s.is_exception]
    exceptions = [s for s in future if s.is_exception]
    Appointment.objects.filter(pk__in=[s.pk for s in plain]).delete()
    has_past = series.appointments.filter(starts_at__lt=cut).exists()
    if has_past:
        series.ended_at = cut
        series.save(update_fields=["ended_at", "updated_at"])
        target = Series.objects.create(
            practice_id=series.practice_id,
            clinician=series.clinician,
            appointment_type=new_type,
            rule=new_rule,
            first_start=anchor_local.replace(tzinfo=series.zone).astimezone(dt.UTC),
            local_start=_key(anchor_local),
            minutes=new_minutes,
            time_zone=series.time_zone,
            location=new_location,
            room=new_room,
            modality=new_modality,
            episode=series.episode,
            is_open_ended=_is_open_ended(new_rule, anchor_local),
            created_by=membership,
        )
    else:
        target = series
        target.appointment_type = new_type
        target.rule = new_rule
        target.first_start = anchor_local.replace(tzinfo=series.zone).astimezone(dt.UTC)
        target.local_start = _key(anchor_local)
        target.minutes = new_minutes
        target.location = new_location
        target.room = new_room
        target.modality = new_modality
        target.is_open_ended = _is_open_ended(new_rule, anchor_local)
        target.ended_at = None
    target.clients.set(new_clients)
    Appointment.objects.filter(pk__in=[s.pk for s in exceptions]).update(series=target)
    window_end = max(_horizon(series.practice_id, now), target.first_start + dt.timedelta(days=1))
    occurrences = _occurrences(
        new_rule,
        anchor_local,
        new_minutes,
        series.time_zone,
        window_start=max(
            target.first_start, cut if scope == Occurrences.ALL else target.first_start
        ),
        window_end=window_end,
    )
    kept = {s.series_key[:10] for s in exceptions}
    fresh = [o for o in occurrences if _key(o.local_start)[:10] not in kept]
    clashes_by_date = _clash_dates(
        fresh,
        target.clinician,
        new_room,
        new_clients,
        series.time_zone,
        ignore=[s.pk for s in exceptions],
    )
    if clashes_by_date:
        raise SeriesClashes([(k.date(), v) for k, v in sorted(clashes_by_date.items())])
    target.booked_through = window_end
    target.save()
    _create_sessions(target, fresh, new_clients, membership=membership)
    record(
        "series.updated",
        request=request,
        actor=membership.user,
        practice=membership.practice_id,
        obj=target,
        detail={"scope": scope, "replaced": len(plain), "kept_exceptions": len(exceptions)},
    )
    return target


@transaction.atomic
def cancel_in_series(
    appointment: Appointment,
    scope: str,
    *,
    membership: Membership,
    cancelled_by: str,
    reason: str = "",
    request: HttpRequest | None = None,
    now: dt.datetime | None = None,
) -> int:
    """Cancel this session, this and the following ones, or all that have not started. The
    series stops there: it is not extended past a cut. Returns how many were cancelled."""
    if scope not in Occurrences.values:
        raise SchedulingError("Choose which sessions to cancel.", "scope")
    assert_same_practice(membership.practice_id, appointment)
    now = now or timezone.now()
    if scope == Occurrences.THIS or appointment.series_id is None:
        set_status(
            appointment,
            AppointmentStatus.CANCELLED,
            membership=membership,
            cancelled_by=cancelled_by,
            reason=reason,
            request=request,
            now=now,
        )
        return 1
    series = Series.objects.select_for_update().get(pk=appointment.series_id)
    _require_scheduler(membership, series.clinician)
    cut = _cut(appointment, scope, now)
    sessions = list(
        series.appointments.filter(starts_at__gte=cut, status__in=ACTIVE_STATUSES).exclude(
            status__in=[AppointmentStatus.ARRIVED, AppointmentStatus.COMPLETED]
        )
    )
    for session in sessions:
        set_status(
            session,
            AppointmentStatus.CANCELLED,
            membership=membership,
            cancelled_by=cancelled_by,
            reason=reason,
            request=request,
            now=now,
        )
    series.ended_at = cut
    series.save(update_fields=["ended_at", "updated_at"])
    record(
        "series.cancelled",
        request=request,
        actor=membership.user,
        practice=membership.practice_id,
        obj=series,
        detail={"scope": scope, "sessions": len(sessions)},
    )
    return len(sessions)


def extend_open_series(now: dt.datetime | None = None) -> int:
    """Book every continuing series forward to its practice's horizon (run nightly). A session
    that would clash is stored as cancelled with the reason, for the front desk to see.
    Returns how many sessions were added."""
    now = now or timezone.now()
    added = 0
    candidates = Series.objects.filter(ended_at__isnull=True).values_list("pk", flat=True)
    for series_id in list(candidates):
        with transaction.atomic():
            series = Series.objects.select_for_update().get(pk=series_id)
            horizon = _horizon(series.practice_id, now)
            start_from = series.booked_through or series.first_start
            if start_from >= horizon:
                continue
            occurrences = _occurrences(
                series.rule,
                series.local_start_datetime,
                series.minutes,
                series.time_zone,
                window_start=start_from,
                window_end=horizon,
            )[:MAX_OCCURRENCES]
            clients = list(series.clients.all())
            room = series.room
            clashes = _clash_dates(occurrences, series.clinician, room, clients, series.time_zone)
            rows = _create_sessions(
                series,
                occurrences,
                clients,
                membership=None,
                cancelled={k: f"Not booked: {v}"[:300] for k, v in clashes.items()},
            )
            series.booked_through = horizon
            series.save(update_fields=["booked_through", "updated_at"])
            if rows:
                added += len(rows)
                record(
                    "series.extended",
                    practice=series.practice_id,
                    obj=series,
                    detail={"sessions": len(rows), "clashes": len(clashes)},
                )
    return added
