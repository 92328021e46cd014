"""Working hours and availability: whether a time is inside a clinician's hours."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from tend.practices.models import Membership
from tend.scheduling.choices import AvailabilityKind
from tend.scheduling.models import AvailabilityException, WorkingHours


def hours_on(clinician: Membership, day: dt.date) -> list[tuple[dt.time, dt.time]]:
    """The clinician's working spans on a local date: usual hours for the weekday, minus days
    or parts marked away, plus extra hours. Empty when no hours are set or the day is off."""
    usual = [
        (h.starts, h.ends)
        for h in WorkingHours.objects.filter(clinician=clinician, weekday=day.weekday())
    ]
    spans = list(usual)
    for exc in AvailabilityException.objects.filter(clinician=clinician, date=day):
        if exc.kind == AvailabilityKind.AVAILABLE and exc.starts and exc.ends:
            spans.append((exc.starts, exc.ends))
        elif exc.kind == AvailabilityKind.UNAVAILABLE:
            if exc.starts is None or exc.ends is None:
                return []
            spans = _subtract(spans, exc.starts, exc.ends)
    return sorted(spans)


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
