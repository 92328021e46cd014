"""Recurring sessions expand in local wall-clock time, bounded, across daylight saving."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from tend.lib.recurrence import MAX_OCCURRENCES, InvalidRule, expand, parse_rule, to_instant

NY = "America/New_York"
HOUR = dt.timedelta(minutes=50)


def utc(*args):
    return dt.datetime(*args, tzinfo=dt.UTC)


def local_times(occurrences, zone=NY):
    return [o.start.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M") for o in occurrences]


def test_a_weekly_ten_oclock_session_stays_at_ten_across_the_autumn_change():
    found = expand(
        "FREQ=WEEKLY;BYDAY=SU",
        dt.datetime(2026, 10, 25, 10, 0),
        HOUR,
        NY,
        window_start=utc(2026, 10, 1),
        window_end=utc(2026, 11, 10),
    )
    assert local_times(found) == ["2026-10-25 10:00", "2026-11-01 10:00", "2026-11-08 10:00"]
    # The instants differ by an hour across the change: 14:00 UTC in EDT, 15:00 UTC in EST.
    assert [o.start.hour for o in found] == [14, 15, 15]


def test_a_weekly_session_stays_at_its_time_across_the_spring_change():
    found = expand(
        "RRULE:FREQ=WEEKLY;COUNT=3",
        dt.datetime(2026, 3, 1, 18, 30),
        HOUR,
        NY,
        window_start=utc(2026, 1, 1),
        window_end=utc(2027, 1, 1),
    )
    assert local_times(found) == ["2026-03-01 18:30", "2026-03-08 18:30", "2026-03-15 18:30"]
    assert [o.start.hour for o in found] == [23, 22, 22]


@pytest.mark.parametrize(
    ("wall", "expected_utc"),
    [
        (dt.datetime(2026, 3, 8, 2, 30), utc(2026, 3, 8, 7, 30)),  # skipped: becomes 03:30 EDT
        (dt.datetime(2026, 11, 1, 1, 30), utc(2026, 11, 1, 5, 30)),  # repeated: the first, EDT
        (dt.datetime(2026, 7, 1, 10, 0), utc(2026, 7, 1, 14, 0)),
        (dt.datetime(2026, 1, 15, 10, 0), utc(2026, 1, 15, 15, 0)),
    ],
)
def test_wall_clock_times_become_the_expected_instants(wall, expected_utc):
    assert to_instant(wall, ZoneInfo(NY)) == expected_utc


def test_every_other_week_and_monthly_by_weekday():
    biweekly = expand(
        "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU",
        dt.datetime(2026, 1, 6, 9, 0),
        HOUR,
        NY,
        window_start=utc(2026, 1, 1),
        window_end=utc(2026, 2, 15),
    )
    assert local_times(biweekly) == ["2026-01-06 09:00", "2026-01-20 09:00", "2026-02-03 09:00"]
    monthly = expand(
        "FREQ=MONTHLY;BYDAY=1MO;COUNT=3",
        dt.datetime(2026, 1, 5, 16, 0),
        HOUR,
        NY,
        window_start=utc(2026, 1, 1),
        window_end=utc(2027, 1, 1),
    )
    assert local_times(monthly) == ["2026-01-05 16:00", "2026-02-02 16:00", "2026-03-02 16:00"]


def test_an_open_ended_series_expands_only_inside_the_window_and_never_forever():
    found = expand(
        "FREQ=DAILY",
        dt.datetime(2020, 1, 1, 8, 0),
        HOUR,
        NY,
        window_start=utc(2026, 6, 1),
        window_end=utc(2026, 6, 8),
    )
    assert len(found) == 7
    assert local_times(found)[0] == "2026-06-01 08:00"
    everything = expand(
        "FREQ=DAILY",
        dt.datetime(2020, 1, 1, 8, 0),
        HOUR,
        NY,
        window_start=utc(2020, 1, 1),
        window_end=utc(2100, 1, 1),
    )
    assert len(everything) == MAX_OCCURRENCES


def test_skipped_dates_and_the_window_edges():
    found = expand(
        "FREQ=WEEKLY;COUNT=4",
        dt.datetime(2026, 5, 4, 10, 0),
        HOUR,
        NY,
        window_start=utc(2026, 5, 4, 14, 0),  # the first session's own start is included
        window_end=utc(2026, 5, 25, 14, 0),  # a session starting exactly at the end is not
        skip_dates={dt.date(2026, 5, 11)},
    )
    assert local_times(found) == ["2026-05-04 10:00", "2026-05-18 10:00"]
    assert found[0].end - found[0].start == HOUR


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ("", "empty"),
        ("FREQ=HOURLY", "not more often"),
        ("FREQ=WEEKLY;COUNT=3;UNTIL=20270101T000000", "not both"),
        ("FREQ=FORTNIGHTLY", "not valid"),
        ("FREQ=WEEKLY;COUNT=5000", "at most"),
        ("RRULE:FREQ=WEEKLY\nEXDATE:20260105T090000", "one RRULE line"),
    ],
)
def test_unusable_rules_are_refused_with_a_plain_message(rule, message):
    with pytest.raises(InvalidRule, match=message):
        parse_rule(rule, dt.datetime(2026, 1, 1, 9, 0))


def test_a_session_must_have_a_length_and_the_range_an_order():
    with pytest.raises(InvalidRule, match="longer than zero"):
        expand(
            "FREQ=DAILY",
            dt.datetime(2026, 1, 1, 9),
            dt.timedelta(0),
            NY,
            window_start=utc(2026, 1, 1),
            window_end=utc(2026, 2, 1),
        )
    with pytest.raises(InvalidRule, match="after its start"):
        expand(
            "FREQ=DAILY",
            dt.datetime(2026, 1, 1, 9),
            HOUR,
            NY,
            window_start=utc(2026, 2, 1),
            window_end=utc(2026, 1, 1),
        )
