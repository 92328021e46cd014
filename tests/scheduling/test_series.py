"""Recurring sessions: booking with clash reports, DST, edits and cancellations by scope,
stored exceptions, and open-ended series booked forward."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from tend.scheduling.choices import AppointmentStatus, Occurrences
from tend.scheduling.models import Appointment, SchedulingPolicy, Series, TimeClaim
from tend.scheduling.series import (
    InvalidSeries,
    SeriesClashes,
    book_series,
    build_rule,
    cancel_in_series,
    edit_series,
    extend_open_series,
    monthly_weekday_rule,
    preview_series,
)
from tend.scheduling.services import move_appointment
from tests.factories import AppointmentTypeFactory, appointment_for, client_of

CHICAGO = ZoneInfo("America/Chicago")
NOW = dt.datetime(2031, 1, 1, 9, tzinfo=dt.UTC)


@pytest.fixture
def kind(team):
    return AppointmentTypeFactory(practice=team.practice)


@pytest.fixture
def client(team):
    return client_of(team.clinician)


def weekly(team, kind, client, *, rule="FREQ=WEEKLY;COUNT=10", start=None, **kwargs):
    return book_series(
        membership=team.clinician,
        clinician=team.clinician,
        appointment_type=kind,
        local_start=start or dt.datetime(2031, 3, 3, 10, 0),  # a Monday
        minutes=50,
        rule=rule,
        clients=[client],
        now=NOW,
        **kwargs,
    )


def local_starts(series: Series, **filters) -> list[str]:
    return [
        a.starts_at.astimezone(CHICAGO).strftime("%m-%d %H:%M")
        for a in series.appointments.filter(**filters).order_by("starts_at")
    ]


def test_a_weekly_session_stays_at_ten_across_the_dst_change(team, kind, client):
    series = weekly(team, kind, client, rule="FREQ=WEEKLY;COUNT=4")
    # US clocks go forward on 9 March 2031.
    assert local_starts(series) == ["03-03 10:00", "03-10 10:00", "03-17 10:00", "03-24 10:00"]
    utc_hours = [a.starts_at.astimezone(dt.UTC).hour for a in series.appointments.all()]
    assert utc_hours == [16, 15, 15, 15]
    assert TimeClaim.objects.filter(appointment__series=series, kind="m").count() == 4


def test_clashing_dates_are_listed_and_can_be_skipped(team, kind, client):
    appointment_for(
        team.clinician,
        start=dt.datetime(2031, 3, 17, 10, 30, tzinfo=CHICAGO),
        appointment_type=kind,
    )
    with pytest.raises(SeriesClashes) as refused:
        weekly(team, kind, client, rule="FREQ=WEEKLY;COUNT=4")
    assert [d for d, _ in refused.value.dates] == [dt.date(2031, 3, 17)]
    assert "Mon 17 Mar 2031" in str(refused.value)
    assert not Series.objects.exists()

    preview = preview_series(
        membership=team.clinician,
        clinician=team.clinician,
        appointment_type=kind,
        local_start=dt.datetime(2031, 3, 3, 10),
        minutes=50,
        rule="FREQ=WEEKLY;COUNT=4",
        clients=[client],
        now=NOW,
    )
    assert [p.clash is not None for p in preview] == [False, False, True, False]

    series = weekly(
        team, kind, client, rule="FREQ=WEEKLY;COUNT=4", skip_dates=[dt.date(2031, 3, 17)]
    )
    assert local_starts(series, status="scheduled") == ["03-03 10:00", "03-10 10:00", "03-24 10:00"]
    # The skipped date is a stored exception, so it stays skipped.
    skipped = series.appointments.get(status="cancelled")
    assert skipped.is_exception and skipped.series_key == "2031-03-17T10:00"


def test_an_open_ended_series_is_booked_to_the_horizon_and_extended(team, kind, client):
    policy = SchedulingPolicy.for_practice(team.practice)
    policy.series_horizon_weeks = 8
    policy.save()
    series = weekly(team, kind, client, rule="FREQ=WEEKLY", start=dt.datetime(2031, 1, 6, 10))
    assert series.is_open_ended
    assert series.appointments.count() == 8
    added = extend_open_series(now=NOW + dt.timedelta(weeks=4))
    assert added == 4
    assert series.appointments.count() == 12
    assert extend_open_series(now=NOW + dt.timedelta(weeks=4)) == 0  # idempotent


def test_invalid_rules_are_refused_plainly(team, kind, client):
    with pytest.raises(InvalidSeries, match="not valid"):
        weekly(team, kind, client, rule="FREQ=FORTNIGHTLY")
    with pytest.raises(InvalidSeries, match="not more often"):
        weekly(team, kind, client, rule="FREQ=HOURLY")
    with pytest.raises(InvalidSeries, match="at most 1000"):
        weekly(team, kind, client, rule="FREQ=DAILY;COUNT=5000")


def test_editing_one_session_makes_an_exception_that_series_edits_keep(team, kind, client):
    series = weekly(team, kind, client, rule="FREQ=WEEKLY;COUNT=6")
    third = series.appointments.order_by("starts_at")[2]
    move_appointment(
        third,
        membership=team.clinician,
        starts_at=third.starts_at + dt.timedelta(hours=3),
        ends_at=third.ends_at + dt.timedelta(hours=3),
    )
    third.refresh_from_db()
    assert third.is_exception

    second = series.appointments.order_by("starts_at")[1]
    edit_series(
        second, Occurrences.FOLLOWING, membership=team.clinician, local_time=dt.time(14, 0), now=NOW
    )
    starts = sorted(Appointment.objects.filter(clients=client).values_list("starts_at", flat=True))
    local = [s.astimezone(CHICAGO).strftime("%m-%d %H:%M") for s in starts]
    assert local == [
        "03-03 10:00",
        "03-10 14:00",
        "03-17 13:00",
        "03-24 14:00",
        "03-31 14:00",
        "04-07 14:00",
    ]
    # Nothing lost or duplicated: one session per original date.
    assert Appointment.objects.filter(clients=client).count() == 6
    third.refresh_from_db()
    assert third.starts_at.astimezone(CHICAGO).hour == 13  # the moved session kept its time
    series.refresh_from_db()
    assert series.ended_at is not None
    assert series.appointments.count() == 1  # the past part stays with the old series


def test_edit_all_changes_future_sessions_in_place(team, kind, client):
    series = weekly(team, kind, client, rule="FREQ=WEEKLY;COUNT=4")
    other_kind = AppointmentTypeFactory(practice=team.practice, name="Longer")
    first = series.appointments.order_by("starts_at").first()
    edit_series(
        first, Occurrences.ALL, membership=team.clinician, appointment_type=other_kind, now=NOW
    )
    assert set(series.appointments.values_list("appointment_type", flat=True)) == {other_kind.pk}


def test_edit_all_refuses_when_the_new_time_clashes(team, kind, client):
    series = weekly(team, kind, client, rule="FREQ=WEEKLY;COUNT=4")
    appointment_for(
        team.clinician, start=dt.datetime(2031, 3, 24, 15, tzinfo=CHICAGO), appointment_type=kind
    )
    first = series.appointments.order_by("starts_at").first()
    with pytest.raises(SeriesClashes):
        edit_series(
            first, Occurrences.ALL, membership=team.clinician, local_time=dt.time(15, 0), now=NOW
        )
    assert local_starts(series) == ["03-03 10:00", "03-10 10:00", "03-17 10:00", "03-24 10:00"]


def test_cancel_this_and_following_stops_the_series(team, kind, client):
    series = weekly(team, kind, client, rule="FREQ=WEEKLY")
    third = series.appointments.order_by("starts_at")[2]
    count = cancel_in_series(
        third,
        Occurrences.FOLLOWING,
        membership=team.clinician,
        cancelled_by="client",
        reason="Moving away",
        now=NOW,
    )
    assert count == series.appointments.count() - 2
    assert series.appointments.filter(status=AppointmentStatus.SCHEDULED).count() == 2
    assert extend_open_series(now=NOW + dt.timedelta(weeks=10)) == 0
    assert not TimeClaim.objects.filter(
        appointment__series=series, starts_at__gte=third.starts_at
    ).exists()


def test_monthly_rules_by_weekday():
    assert monthly_weekday_rule(dt.datetime(2031, 3, 11, 10)) == "FREQ=MONTHLY;BYDAY=+2TU"
    assert monthly_weekday_rule(dt.datetime(2031, 3, 31, 10)) == "FREQ=MONTHLY;BYDAY=-1MO"
    assert build_rule("FREQ=WEEKLY;INTERVAL=2", dt.datetime(2031, 3, 3), count=6) == (
        "FREQ=WEEKLY;INTERVAL=2;COUNT=6"
    )
    assert build_rule("FREQ=WEEKLY", dt.datetime(2031, 3, 3), until=dt.date(2031, 6, 30)) == (
        "FREQ=WEEKLY;UNTIL=20310630T235959"
    )


def test_following_sessions_can_move_to_another_weekday(team, kind, client):
    series = weekly(team, kind, client, rule="FREQ=WEEKLY;COUNT=4")
    second = series.appointments.order_by("starts_at")[1]
    edit_series(second, Occurrences.FOLLOWING, membership=team.clinician, weekday=3, now=NOW)
    starts = sorted(
        Appointment.objects.filter(clients=client, status="scheduled").values_list(
            "starts_at", flat=True
        )
    )
    assert [s.astimezone(CHICAGO).strftime("%a %m-%d %H:%M") for s in starts] == [
        "Mon 03-03 10:00",
        "Thu 03-13 10:00",
        "Thu 03-20 10:00",
        "Thu 03-27 10:00",
    ]


def test_a_monthly_series_moved_to_another_weekday_keeps_its_week_of_the_month(team, kind, client):
    series = weekly(team, kind, client, rule="FREQ=MONTHLY;BYDAY=+1MO;COUNT=3")
    first = series.appointments.order_by("starts_at").first()
    target = edit_series(first, Occurrences.ALL, membership=team.clinician, weekday=2, now=NOW)
    assert "BYDAY=+1WE" in target.rule
    days = [
        a.starts_at.astimezone(CHICAGO).strftime("%a %m-%d")
        for a in target.appointments.order_by("starts_at")
    ]
    assert days == ["Wed 03-05", "Wed 04-02", "Wed 05-07"]
