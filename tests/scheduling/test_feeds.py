"""Calendar feeds: a secret URL whose token is stored only as a hash, events in the
clinician's zone across daylight saving, initials unless full names are chosen, revocation,
and a page where each member sees only their own feed."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from icalendar import Calendar

from tend.core.models import AuditEvent
from tend.scheduling import feeds
from tend.scheduling.choices import Modality
from tend.scheduling.models import CalendarFeed
from tend.scheduling.services import cancel_appointment
from tests.conftest import signed_in
from tests.factories import (
    AppointmentTypeFactory,
    ClinicianProfileFactory,
    appointment_for,
    client_of,
)

DENVER = ZoneInfo("America/Denver")
NOW = dt.datetime(2031, 3, 1, 12, 0, tzinfo=DENVER)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def kind(team):
    return AppointmentTypeFactory(practice=team.practice, name="Individual session")


@pytest.fixture
def clinician(team):
    ClinicianProfileFactory(membership=team.clinician, time_zone="America/Denver")
    return team.clinician


def fetch(client, token: str):
    return client.get(reverse("scheduling:feed", args=[token]))


def events(body: bytes) -> list:
    return list(Calendar.from_ical(body).walk("VEVENT"))


def test_only_the_tokens_hash_is_stored(clinician):
    feed, token = feeds.create_feed(membership=clinician)
    assert len(token) >= 43
    assert feed.token_hash == feeds.token_hash(token) != token
    assert not CalendarFeed.objects.filter(token_hash=token).exists()
    assert AuditEvent.objects.filter(action="calendar_feed.created").exists()


def test_the_feed_keeps_local_times_across_daylight_saving(client, clinician, kind):
    person = client_of(clinician, legal_first_name="Robin", legal_last_name="Castellano")
    before = dt.datetime(2031, 3, 4, 10, 0, tzinfo=DENVER)  # MST
    after = dt.datetime(2031, 3, 11, 10, 0, tzinfo=DENVER)  # MDT, after 9 March
    for start in (before, after):
        appointment_for(clinician, client=person, start=start, appointment_type=kind)
    _feed, token = feeds.create_feed(membership=clinician)
    response = fetch(client, token)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    assert "private" in response["Cache-Control"]
    calendar = Calendar.from_ical(response.content)
    [zone] = calendar.walk("VTIMEZONE")
    assert str(zone["TZID"]) == "America/Denver"
    starts = []
    for event in calendar.walk("VEVENT"):
        start = event["DTSTART"]
        assert start.params["TZID"] == "America/Denver"
        starts.append(start.dt)
    assert [s.strftime("%H:%M") for s in starts] == ["10:00", "10:00"]
    assert [s.utcoffset() for s in starts] == [dt.timedelta(hours=-7), dt.timedelta(hours=-6)]
    assert {s.astimezone(dt.UTC).hour for s in starts} == {17, 16}


def test_events_show_initials_and_type_by_default_and_never_notes(client, clinician, kind):
    person = client_of(clinician, legal_first_name="Robin", legal_last_name="Castellano")
    appointment = appointment_for(
        clinician,
        client=person,
        start=dt.datetime(2031, 3, 4, 10, 0, tzinfo=DENVER),
        appointment_type=kind,
        staff_notes="Parking validation please",
        modality=Modality.VIDEO,
    )
    _feed, token = feeds.create_feed(membership=clinician)
    body = fetch(client, token).content
    [event] = events(body)
    assert str(event["SUMMARY"]) == "R.C. — Individual session"
    assert str(event["UID"]) == f"{appointment.uuid}@tend"
    assert str(event["LOCATION"]) == "Video"
    text = body.decode()
    for secret in ("Robin", "Castellano", "Parking", appointment.video_room):
        assert secret not in text


def test_full_names_when_the_clinician_opts_in(client, clinician, kind):
    person = client_of(clinician, legal_first_name="Robin", legal_last_name="Castellano")
    appointment_for(
        clinician,
        client=person,
        start=dt.datetime(2031, 3, 4, 10, 0, tzinfo=DENVER),
        appointment_type=kind,
    )
    feed, token = feeds.create_feed(membership=clinician)
    feeds.set_feed_names(feed, membership=clinician, show_full_names=True)
    [event] = events(fetch(client, token).content)
    assert str(event["SUMMARY"]) == "Robin Castellano — Individual session"


def test_the_feed_covers_a_month_back_to_a_year_ahead_without_cancelled_sessions(
    client, clinician, kind
):
    person = client_of(clinician)
    inside = [NOW - dt.timedelta(days=29), NOW + dt.timedelta(days=364)]
    outside = [NOW - dt.timedelta(days=31), NOW + dt.timedelta(days=366)]
    for start in inside + outside:
        appointment_for(clinician, client=person, start=start, appointment_type=kind)
    cancelled = appointment_for(
        clinician, client=person, start=NOW + dt.timedelta(days=2), appointment_type=kind
    )
    cancel_appointment(cancelled, membership=clinician, cancelled_by="clinician")
    other = appointment_for(
        feeds_other_clinician(clinician), start=NOW + dt.timedelta(days=3), appointment_type=kind
    )
    _feed, token = feeds.create_feed(membership=clinician)
    uids = {str(e["UID"]) for e in events(fetch(client, token).content)}
    assert len(uids) == 2
    assert f"{cancelled.uuid}@tend" not in uids
    assert f"{other.uuid}@tend" not in uids


def feeds_other_clinician(clinician):
    from tests.factories import MembershipFactory

    return MembershipFactory(practice=clinician.practice, role="clinician")


def test_revoked_regenerated_and_unknown_tokens_are_not_found(client, clinician):
    feed, token = feeds.create_feed(membership=clinician)
    assert fetch(client, "not-a-token").status_code == 404
    new, new_token = feeds.regenerate_feed(feed, membership=clinician)
    assert fetch(client, token).status_code == 404
    assert fetch(client, new_token).status_code == 200
    feeds.revoke_feed(new, membership=clinician)
    assert fetch(client, new_token).status_code == 404


def test_the_feed_page_shows_the_address_once(clinician):
    browser = signed_in(clinician)
    url = reverse("scheduling:calendar_feed")
    assert "Make my feed" in browser.get(url).content.decode()
    made = browser.post(url, {}).content.decode()
    token = re.search(r"/feeds/([^\"]+)\.ics", made).group(1)
    assert fetch(browser, token).status_code == 200
    again = browser.get(url).content.decode()
    assert token not in again
    assert "Your feed is on" in again


def test_the_page_changes_names_regenerates_and_turns_off(clinician):
    browser = signed_in(clinician)
    feed, token = feeds.create_feed(membership=clinician)
    browser.post(reverse("scheduling:feed_names", args=[feed.uuid]), {"show_full_names": "1"})
    feed.refresh_from_db()
    assert feed.show_full_names
    page = browser.post(reverse("scheduling:feed_regenerate", args=[feed.uuid])).content.decode()
    new_token = re.search(r"/feeds/([^\"]+)\.ics", page).group(1)
    assert new_token != token
    new = CalendarFeed.objects.live().get(clinician=clinician)
    assert new.show_full_names
    browser.post(reverse("scheduling:feed_revoke", args=[new.uuid]))
    assert not CalendarFeed.objects.live().filter(clinician=clinician).exists()


def test_nobody_else_can_touch_a_members_feed(team, clinician):
    feed, token = feeds.create_feed(membership=clinician)
    for member in (team.owner, team.supervisor):
        browser = signed_in(member)
        assert (
            str(feed.uuid) not in browser.get(reverse("scheduling:calendar_feed")).content.decode()
        )
        for name in ("feed_revoke", "feed_regenerate", "feed_names"):
            assert browser.post(reverse(f"scheduling:{name}", args=[feed.uuid])).status_code == 404
    outsider = signed_in(team.outsider)
    assert outsider.post(reverse("scheduling:feed_revoke", args=[feed.uuid])).status_code == 404
    feed.refresh_from_db()
    assert feed.revoked_at is None


def test_members_without_a_calendar_are_told_so(team):
    browser = signed_in(team.front_desk)
    page = browser.get(reverse("scheduling:calendar_feed")).content.decode()
    assert "no appointments of your own" in page
    browser.post(reverse("scheduling:calendar_feed"))
    assert not CalendarFeed.objects.filter(clinician=team.front_desk).exists()


def test_the_feed_reads_a_constant_number_of_queries(
    client, clinician, kind, django_assert_max_num_queries
):
    person = client_of(clinician)
    for day in range(2, 12):
        appointment_for(
            clinician, client=person, start=NOW + dt.timedelta(days=day), appointment_type=kind
        )
    feed, token = feeds.create_feed(membership=clinician)
    with django_assert_max_num_queries(8):
        assert len(events(fetch(client, token).content)) == 10
