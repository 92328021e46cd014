"""Recurring sessions: RFC 5545 RRULEs expanded in local wall-clock time.

A weekly 10:00 session stays at 10:00 across daylight-saving changes because the rule is expanded
on naive local times in the clinician's zone and only then turned into instants. Expansion is
always bounded: open-ended series are expanded within a window, and never past MAX_OCCURRENCES.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from dateutil.rrule import DAILY, MONTHLY, WEEKLY, YEARLY, rrule, rrulestr

MAX_OCCURRENCES = 1000
ALLOWED_FREQUENCIES = {DAILY: "daily", WEEKLY: "weekly", MONTHLY: "monthly", YEARLY: "yearly"}


class InvalidRule(ValueError):
    """The recurrence rule cannot be used; the message says why in plain words."""


@dataclass(frozen=True)
class Occurrence:
    """One session of a series: its wall-clock start in the series' zone and its instants."""

    local_start: dt.datetime  # naive, in the series' time zone
    start: dt.datetime  # aware, UTC
    end: dt.datetime  # aware, UTC


def parse_rule(rule: str, local_start: dt.datetime) -> rrule:
    """Parse an RRULE (with or without the "RRULE:" prefix) anchored at a naive local start."""
    text = (rule or "").strip()
    if text.upper().startswith("RRULE:"):
        text = text[6:]
    if not text:
        raise InvalidRule("The repeat rule is empty.")
    upper = text.upper()
    if "COUNT=" in upper and "UNTIL=" in upper:
        raise InvalidRule("A series ends after a number of sessions or on a date, not both.")
    try:
        parsed = rrulestr(text, dtstart=local_start.replace(tzinfo=None), ignoretz=True)
    except (ValueError, TypeError) as exc:
        raise InvalidRule(f"The repeat rule is not valid: {exc}.") from None
    if not isinstance(parsed, rrule):
        raise InvalidRule("Give one RRULE line; cancelled dates are stored separately.")
    if parsed._freq not in ALLOWED_FREQUENCIES:
        raise InvalidRule("Sessions can repeat daily, weekly, monthly or yearly, not more often.")
    if parsed._count is not None and parsed._count > MAX_OCCURRENCES:
        raise InvalidRule(f"A series can have at most {MAX_OCCURRENCES} sessions.")
    return parsed


def to_instant(local: dt.datetime, zone: ZoneInfo) -> dt.datetime:
    """The UTC instant of a wall-clock time. PEP 495's fold=0 gives what a clinician expects:
    a time skipped by a spring-forward change moves forward by the gap (02:30 becomes 03:30),
    and a time repeated in autumn takes its first instance."""
    return local.replace(tzinfo=zone, fold=0).astimezone(dt.UTC)


def expand(
    rule: str,
    local_start: dt.datetime,
    duration: dt.timedelta,
    time_zone: str,
    *,
    window_start: dt.datetime,
    window_end: dt.datetime,
    skip_dates: Iterable[dt.date] = (),
    limit: int = MAX_OCCURRENCES,
) -> list[Occurrence]:
    """The occurrences of a series starting inside [window_start, window_end), in order.

    `local_start` is the first session's naive wall-clock start in `time_zone`; `skip_dates`
    are local dates of occurrences that were cancelled or moved (stored exceptions).
    """
    if window_end <= window_start:
        raise InvalidRule("The end of the range must be after its start.")
    if duration <= dt.timedelta(0):
        raise InvalidRule("A session must last longer than zero minutes.")
    zone = ZoneInfo(time_zone)
    parsed = parse_rule(rule, local_start)
    skipped = set(skip_dates)
    # Widen the naive search range by a day each side: offsets are at most ±14 hours.
    naive_from = window_start.astimezone(zone).replace(tzinfo=None) - dt.timedelta(days=1)
    naive_to = window_end.astimezone(zone).replace(tzinfo=None) + dt.timedelta(days=1)
    found: list[Occurrence] = []
    for local in parsed.xafter(naive_from, inc=True):
        if local > naive_to or len(found) >= min(limit, MAX_OCCURRENCES):
            break
        if local.date() in skipped:
            continue
        start = to_instant(local, zone)
        if window_start <= start < window_end:
            found.append(Occurrence(local, start, to_instant(local + duration, zone)))
    return found
