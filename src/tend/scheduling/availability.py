"""Working hours and availability: whether a time is inside a clinician's hours, changing the
hours and their exceptions, and finding the next free times.

Hours are wall-clock times in the clinician's zone (services.clinician_time_zone), so a
clinician who works 09:00–17:00 still does after a daylight-saving change.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from tend.clients.models import Client
from tend.core.access import assert_same_practice
from tend.core.audit import record
from tend.practices.choices import Role
from tend.practices.models import Location, Membership, Room
from tend.scheduling.choices import AvailabilityKind, ClaimKind, Weekday
from tend.scheduling.conflicts import Need, find_clashes
from tend.scheduling.models import AvailabilityException, SchedulingPolicy, WorkingHours

Span = tuple[dt.time, dt.time]


def _spans_for_day(
    usual: Iterable[Span], exceptions: Iterable[AvailabilityException]
) -> list[Span]:
    """Usual spans minus the parts marked away, plus extra hours."""
    spans = list(usual)
    for exc in exceptions:
        if exc.kind == AvailabilityKind.AVAILABLE and exc.starts and exc.ends:
            spans.append((exc.starts, exc.ends))
        elif exc.kind == AvailabilityKind.UNAVAILABLE:
            if exc.starts is None or exc.ends is None:
                return []
            spans = _subtract(spans, exc.starts, exc.ends)
    return sorted(spans)


def hours_on(clinician: Membership, day: dt.date) -> list[tuple[dt.time, dt.time]]:
    """The clinician's working spans on a local date: usual hours for the weekday, minus days
    or parts marked away, plus extra hours. Empty when no hours are set or the day is off."""
    usual = [
        (h.starts, h.ends)
        for h in WorkingHours.objects.filter(clinician=clinician, weekday=day.weekday())
    ]
    return _spans_for_day(
        usual, AvailabilityException.objects.filter(clinician=clinician, date=day)
    )


def hours_between(
    clinicians: Sequence[Membership], first: dt.date, last: dt.date
) -> dict[int, dict[dt.date, list[Span]]]:
    """Each clinician's working spans for every local date from `first` to `last`, in two
    queries however many clinicians and days (the calendar's shading)."""
    ids = [c.pk for c in clinicians]
    usual: dict[tuple[int, int], list[Span]] = {}
    for h in WorkingHours.objects.filter(clinician_id__in=ids):
        usual.setdefault((h.clinician_id, h.weekday), []).append((h.starts, h.ends))
    away: dict[tuple[int, dt.date], list[AvailabilityException]] = {}
    for exc in AvailabilityException.objects.filter(
        clinician_id__in=ids, date__gte=first, date__lte=last
    ):
        away.setdefault((exc.clinician_id, exc.date), []).append(exc)
    result: dict[int, dict[dt.date, list[Span]]] = {}
    for clinician_id in ids:
        days = result.setdefault(clinician_id, {})
        day = first
        while day <= last:
            days[day] = _spans_for_day(
                usual.get((clinician_id, day.weekday()), []), away.get((clinician_id, day), [])
            )
            day += dt.timedelta(days=1)
    return result


def _subtract(
    spans: list[tuple[dt.time, dt.time]], start: dt.time, end: dt.time
) -> list[tuple[dt.time, dt.time]]:
    out = []
    for s, e in spans:
        if end <= s or start >= e:
            out.append((s, e))
            continue
        if s < start:
            out.append((s, start))
        if end < e:
            out.append((end, e))
    return out


def has_working_hours(clinician: Membership) -> bool:
    return WorkingHours.objects.filter(clinician=clinician).exists()


def hours_warning(
    clinician: Membership, start: dt.datetime, end: dt.datetime, time_zone: str
) -> str | None:
    """A warning when [start, end) falls outside the clinician's working hours; None when it
    is inside them or the clinician has set no hours."""
    if not has_working_hours(clinician):
        return None
    zone = ZoneInfo(time_zone)
    local_start, local_end = start.astimezone(zone), end.astimezone(zone)
    spans = hours_on(clinician, local_start.date())
    if local_end.date() == local_start.date():
        for s, e in spans:
            if s <= local_start.time() and local_end.time() <= e:
                return None
    return "This is outside the clinician's working hours."


# ---------------------------------------------------------------------------------------------
# Who may change or see whose hours


def can_edit_hours(membership: Membership, clinician: Membership) -> bool:
    """Owners, admins and the front desk change anyone's hours; a clinician their own."""
    from tend.scheduling.services import BOOK_FOR_ANYONE

    if membership.practice_id != clinician.practice_id:
        return False
    if membership.role in BOOK_FOR_ANYONE:
        return True
    return membership.pk == clinician.pk and membership.is_clinical


def can_view_hours(membership: Membership, clinician: Membership) -> bool:
    """Those who edit them, billers (who read the schedule), and a clinician's supervisor."""
    if can_edit_hours(membership, clinician):
        return True
    if membership.practice_id != clinician.practice_id:
        return False
    if membership.role == Role.BILLER:
        return True
    return membership.role == Role.SUPERVISOR and clinician.supervisor_id == membership.pk


# ---------------------------------------------------------------------------------------------
# Changing hours and exceptions


class HoursRefused(Exception):
    """Hours that overlap or end before they start; `field` names the form field."""

    field: str | None = None

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class HoursSpan:
    """One span of a weekday's hours as the form gives it; `prefix` names its fields."""

    starts: dt.time
    ends: dt.time
    location: Location | None = None
    prefix: str = ""


def _require_editor(membership: Membership, clinician: Membership) -> None:
    from django.core.exceptions import PermissionDenied

    if not can_edit_hours(membership, clinician):
        raise PermissionDenied("Your role does not let you change this clinician's hours.")


def _audit(action: str, clinician: Membership, membership: Membership, request, **detail) -> None:
    record(
        action,
        request=request,
        actor=membership.user,
        practice=membership.practice_id,
        obj=clinician,
        detail=detail,
    )


@transaction.atomic
def set_working_hours(
    clinician: Membership,
    *,
    weekday: int,
    spans: Sequence[HoursSpan],
    membership: Membership,
    request: HttpRequest | None = None,
) -> list[WorkingHours]:
    """Replace the clinician's usual hours on one weekday with `spans` (none: a day off).
    Refuses a span that ends before it starts or overlaps another."""
    assert_same_practice(membership.practice_id, clinician, *(s.location for s in spans))
    _require_editor(membership, clinician)
    if weekday not in Weekday.values:
        raise HoursRefused("Choose a day of the week.", "weekday")
    for span in spans:
        if span.ends <= span.starts:
            raise HoursRefused("The end must be after the start.", f"{span.prefix}ends")
        if span.location is not None and span.location.is_archived:
            raise HoursRefused("This location is archived.", f"{span.prefix}location")
    ordered = sorted(spans, key=lambda s: s.starts)
    for a, b in zip(ordered, ordered[1:], strict=False):
        if b.starts < a.ends:
            raise HoursRefused(
                f"These hours overlap {a.starts:%H:%M}–{a.ends:%H:%M}.", f"{b.prefix}starts"
            )
    WorkingHours.objects.filter(clinician=clinician, weekday=weekday).delete()
    rows = WorkingHours.objects.bulk_create(
        [
            WorkingHours(
                practice_id=clinician.practice_id,
                clinician=clinician,
                weekday=weekday,
                starts=s.starts,
                ends=s.ends,
                location=s.location,
            )
            for s in ordered
        ]
    )
    _audit(
        "availability.hours_set",
        clinician,
        membership,
        request,
        weekday=weekday,
        spans=[f"{s.starts:%H:%M}-{s.ends:%H:%M}" for s in ordered],
    )
    return rows


@transaction.atomic
def add_exception(
    clinician: Membership,
    *,
    date: dt.date,
    kind: str,
    starts: dt.time | None = None,
    ends: dt.time | None = None,
    note: str = "",
    membership: Membership,
    request: HttpRequest | None = None,
) -> AvailabilityException:
    """Mark a day (or part of one) away, or add extra hours on a date. Refuses an end before
    the start, extra hours without times, and overlapping exceptions on the same date."""
    assert_same_practice(membership.practice_id, clinician)
    _require_editor(membership, clinician)
    if kind not in AvailabilityKind.values:
        raise HoursRefused("Choose away or extra hours.", "kind")
    if (starts is None) != (ends is None):
        raise HoursRefused(
            "Give both a start and an end, or neither for the whole day.",
            "ends" if starts is not None else "starts",
        )
    if kind == AvailabilityKind.AVAILABLE and starts is None:
        raise HoursRefused("Give the times of the extra hours.", "starts")
    if starts is not None and ends is not None and ends <= starts:
        raise HoursRefused("The end must be after the start.", "ends")
    for other in AvailabilityException.objects.filter(clinician=clinician, date=date):
        whole = other.starts is None or starts is None
        if whole or (other.starts < ends and starts < other.ends):  # type: ignore[operator]
            raise HoursRefused(
                "This overlaps another change on that date: "
                f"{other.get_kind_display().lower()}"
                + (f" {other.starts:%H:%M}–{other.ends:%H:%M}" if other.starts else " all day")
                + ". Remove it first.",
                "starts" if starts is not None else "date",
            )
    exc = AvailabilityException.objects.create(
        practice_id=clinician.practice_id,
        clinician=clinician,
        date=date,
        kind=kind,
        starts=starts,
        ends=ends,
        note=note[:120],
    )
    _audit("availability.exception_added", clinician, membership, request, date=str(date))
    return exc


@transaction.atomic
def remove_exception(
    exception: AvailabilityException,
    *,
    membership: Membership,
    request: HttpRequest | None = None,
) -> None:
    """Remove an away day or extra hours."""
    assert_same_practice(membership.practice_id, exception)
    _require_editor(membership, exception.clinician)
    clinician, day = exception.clinician, exception.date
    exception.delete()
    _audit("availability.exception_removed", clinician, membership, request, date=str(day))


# ---------------------------------------------------------------------------------------------
# Finding a time

# A blocker says when a clinician must not be booked, beyond their hours and appointments:
# `blocker(clinician, start, end)` returns the busy spans (aware datetimes) inside [start, end).
# find_times consults every function in BLOCKERS once per search (not once per slot). The
# wellbeing issue's break rules (a protected lunch, a gap after a run of sessions) register
# themselves here with `register_blocker`.
Blocker = Callable[
    [Membership, dt.datetime, dt.datetime], Iterable[tuple[dt.datetime, dt.datetime]]
]
BLOCKERS: list[Blocker] = []


def register_blocker(blocker: Blocker) -> Blocker:
    """Add a blocker consulted by every find_times search; usable as a decorator."""
    if blocker not in BLOCKERS:
        BLOCKERS.append(blocker)
    return blocker


@dataclass(frozen=True)
class Slot:
    """A free time: aware start and end, and the start in the clinician's zone."""

    starts_at: dt.datetime
    ends_at: dt.datetime
    local_start: dt.datetime

    @property
    def local_end(self) -> dt.datetime:
        return self.ends_at.astimezone(self.local_start.tzinfo)


def _practice_hours(policy: SchedulingPolicy) -> dict[int, list[Span]]:
    """Without hours of their own, a clinician works the practice's calendar hours, Mon–Fri."""
    return {day: [(policy.day_starts, policy.day_ends)] for day in range(5)}


def spans_between(
    clinician: Membership, first: dt.date, last: dt.date
) -> dict[dt.date, list[Span]]:
    """Working spans for every local date from `first` to `last`, in two queries."""
    usual: dict[int, list[Span]] = {}
    for h in WorkingHours.objects.filter(clinician=clinician).only("weekday", "starts", "ends"):
        usual.setdefault(h.weekday, []).append((h.starts, h.ends))
    if not usual:
        usual = _practice_hours(SchedulingPolicy.for_practice(clinician.practice_id))
    exceptions: dict[dt.date, list[AvailabilityException]] = {}
    for exc in AvailabilityException.objects.filter(
        clinician=clinician, date__gte=first, date__lte=last
    ):
        exceptions.setdefault(exc.date, []).append(exc)
    out = {}
    day = first
    while day <= last:
        out[day] = _spans_for_day(usual.get(day.weekday(), []), exceptions.get(day, []))
        day += dt.timedelta(days=1)
    return out


def _aware(day: dt.date, minute: int, zone: ZoneInfo) -> dt.datetime | None:
    """The local wall-clock time `minute` after midnight, or None when the clocks skip it."""
    naive = dt.datetime.combine(day, dt.time()) + dt.timedelta(minutes=minute)
    aware = naive.replace(tzinfo=zone)
    if aware.astimezone(dt.UTC).astimezone(zone).replace(tzinfo=None) != naive:
        return None
    return aware


def find_times(
    clinician: Membership,
    *,
    minutes: int,
    after: dt.datetime,
    client: Client | None = None,
    room: Room | None = None,
    limit: int = 10,
    days: int = 28,
    step_minutes: int | None = None,
    blockers: Sequence[Blocker] | None = None,
    now: dt.datetime | None = None,
) -> list[Slot]:
    """The next free slots of `minutes` for the clinician (and the client and room, if given)
    from `after`: inside working hours (the practice's calendar hours, Mon–Fri, when the
    clinician has set none), clear of every active appointment of each, clear of the spans
    the blockers return, and never in the past. Computed in the clinician's zone, so slots
    keep their wall-clock times across daylight saving; a time the clocks skip is never
    offered. Reads are a fixed handful of queries whatever the window."""
    from tend.scheduling.services import clinician_time_zone

    if minutes <= 0 or limit <= 0:
        return []
    policy = SchedulingPolicy.for_practice(clinician.practice_id)
    step = step_minutes or policy.slot_minutes
    zone = ZoneInfo(clinician_time_zone(clinician))
    now = now or timezone.now()
    start = max(after, now)
    first = start.astimezone(zone).date()
    last = first + dt.timedelta(days=days - 1)
    window_start = dt.datetime.combine(first, dt.time(), tzinfo=zone)
    window_end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), tzinfo=zone)

    # Everyone's appointments in the window in one query over the time claims.
    needs = [Need(ClaimKind.CLINICIAN, clinician.pk, window_start, window_end)]
    if client is not None:
        needs.append(Need(ClaimKind.CLIENT, client.pk, window_start, window_end))
    if room is not None:
        needs.append(Need(ClaimKind.ROOM, room.pk, window_start, window_end))
    busy = [(c.starts_at, c.ends_at) for c in find_clashes(needs)]
    for blocker in BLOCKERS if blockers is None else blockers:
        busy += list(blocker(clinician, window_start, window_end))
    busy.sort()
    busy_starts = [b[0] for b in busy]
    longest = max((e - s for s, e in busy), default=dt.timedelta())

    def is_free(s: dt.datetime, e: dt.datetime) -> bool:
        # Only spans starting before e, and no earlier than s minus the longest span, can touch.
        lo = bisect.bisect_left(busy_starts, s - longest)
        hi = bisect.bisect_left(busy_starts, e)
        return all(not (bs < e and be > s) for bs, be in busy[lo:hi])

    length = dt.timedelta(minutes=minutes)
    slots: list[Slot] = []
    for day, spans in sorted(spans_between(clinician, first, last).items()):
        for span_start, span_end in spans:
            begin = span_start.hour * 60 + span_start.minute
            finish = span_end.hour * 60 + span_end.minute
            minute = -(-begin // step) * step  # the first grid line inside the span
            while minute + minutes <= finish:
                local = _aware(day, minute, zone)
                minute += step
                if local is None:
                    continue
                starts_at = local.astimezone(dt.UTC)
                ends_at = starts_at + length
                local_end = ends_at.astimezone(zone)
                if local_end.date() != day or (local_end.hour * 60 + local_end.minute > finish):
                    continue  # a clock change would carry the session past the hours
                if starts_at < start or not is_free(starts_at, ends_at):
                    continue
                slots.append(Slot(starts_at, ends_at, local))
                if len(slots) >= limit:
                    return slots
    return slots
