"""Today's sessions on the Today page, and their status buttons."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from tend.scheduling.choices import AppointmentStatus, Modality
from tests.conftest import signed_in
from tests.factories import AppointmentTypeFactory, MembershipFactory, appointment_for, client_of

CHICAGO = ZoneInfo("America/Chicago")
NOW = dt.datetime(2031, 3, 4, 12, 0, tzinfo=CHICAGO)
# The whole Today page (session, shell, greeting, sessions with their clients), whatever the
# number of sessions.
QUERIES = 13
FRONT_DESK_QUERIES = 13


def at(hour: int, minute: int = 0, day: int = 4) -> dt.datetime:
    return dt.datetime(2031, 3, day, hour, minute, tzinfo=CHICAGO)


@pytest.fixture(autouse=True)
def noon():
    with time_machine.travel(NOW, tick=False):
        yield


def sessions(team, count, clinician=None):
    clinician = clinician or team.clinician
    kind = AppointmentTypeFactory(practice=team.practice)
    return [
        appointment_for(
            clinician, start=at(7) + dt.timedelta(minutes=40 * i), minutes=30, appointment_type=kind
        )
        for i in range(count)
    ]


def test_a_clinician_sees_their_sessions_today_in_order(team):
    later = appointment_for(team.clinician, start=at(15))
    earlier = appointment_for(team.clinician, start=at(9), modality=Modality.VIDEO)
    appointment_for(team.clinician, start=at(9, day=5))  # tomorrow
    appointment_for(MembershipFactory(practice=team.practice), start=at(10))  # a colleague's
    response = signed_in(team.clinician).get("/")
    assert [s.pk for s in response.context["sessions"]] == [earlier.pk, later.pk]
    body = response.content.decode()
    assert "Your sessions today" in body
    assert "09:00–09:50" in body and "15:00–15:50" in body
    assert earlier.telehealth_url() in body and 'target="_blank"' in body
    assert f"/clients/{later.clients.get().uuid}/" in body


def test_the_clients_flags_are_shown(team):
    client = client_of(
        team.clinician, is_restricted=True, needs_interpreter=True, preferred_language="Spanish"
    )
    appointment_for(team.clinician, client=client, start=at(9))
    body = signed_in(team.clinician).get("/").content.decode()
    assert "Restricted chart" in body and "Needs interpreter (Spanish)" in body


@pytest.mark.parametrize("count", [1, 15])
def test_the_today_page_reads_a_fixed_number_of_queries(team, count, django_assert_num_queries):
    sessions(team, count)
    client = signed_in(team.clinician)
    client.get("/")  # warm the session and policy rows
    with django_assert_num_queries(QUERIES):
        response = client.get("/")
    assert len(response.context["sessions"]) == count


@pytest.mark.parametrize("count", [1, 15])
def test_the_practice_view_reads_a_fixed_number_of_queries(team, count, django_assert_num_queries):
    sessions(team, count)
    sessions(team, count, clinician=MembershipFactory(practice=team.practice))
    client = signed_in(team.front_desk)
    client.get("/")
    with django_assert_num_queries(FRONT_DESK_QUERIES):
        response = client.get("/")
    groups = response.context["session_groups"]
    assert [len(g["sessions"]) for g in groups] == [count, count]


def test_the_front_desk_sees_the_practice_grouped_by_clinician_without_video_links(team):
    video = appointment_for(team.clinician, start=at(9), modality=Modality.VIDEO)
    body = signed_in(team.front_desk).get("/").content.decode()
    assert "Today’s sessions in the practice" in body
    assert team.clinician.user.full_name in body
    assert video.telehealth_url() not in body


def test_billers_see_no_sessions(team):
    appointment_for(team.clinician, start=at(9))
    response = signed_in(team.biller).get("/")
    assert not response.context.get("show_sessions")


def test_marking_a_session_arrived_then_completed_updates_the_row(team):
    session = appointment_for(team.clinician, start=at(11))
    client = signed_in(team.clinician)
    url = f"/today/sessions/{session.uuid}/status/"
    row = client.post(url, {"status": "arrived"}, HTTP_HX_REQUEST="true")
    assert row.status_code == 200
    assert row.content.decode().lstrip().startswith(f'<tr id="session-{session.uuid}"')
    assert "Arrived" in row.content.decode()
    session.refresh_from_db()
    assert session.status == AppointmentStatus.ARRIVED
    client.post(url, {"status": "completed"}, HTTP_HX_REQUEST="true")
    session.refresh_from_db()
    assert session.status == AppointmentStatus.COMPLETED


def test_a_refused_status_is_shown_in_the_row(team):
    session = appointment_for(team.clinician, start=at(16))
    row = signed_in(team.clinician).post(
        f"/today/sessions/{session.uuid}/status/", {"status": "no_show"}, HTTP_HX_REQUEST="true"
    )
    assert "cannot be a no-show" in row.content.decode()
    session.refresh_from_db()
    assert session.status == AppointmentStatus.SCHEDULED


def test_an_unknown_status_is_refused(team):
    session = appointment_for(team.clinician, start=at(11))
    row = signed_in(team.clinician).post(
        f"/today/sessions/{session.uuid}/status/", {"status": "cancelled"}, HTTP_HX_REQUEST="true"
    )
    assert "Choose arrived, completed or no-show." in row.content.decode()


def test_without_htmx_the_button_returns_to_today(team):
    session = appointment_for(team.clinician, start=at(11))
    response = signed_in(team.clinician).post(
        f"/today/sessions/{session.uuid}/status/", {"status": "arrived"}
    )
    assert response.status_code == 302 and response["Location"] == "/"


def test_status_buttons_need_a_post_and_a_scheduling_role(team):
    session = appointment_for(team.clinician, start=at(11))
    url = f"/today/sessions/{session.uuid}/status/"
    assert signed_in(team.clinician).get(url).status_code == 405
    assert signed_in(team.biller).post(url, {"status": "arrived"}).status_code == 403


def test_a_colleague_cannot_change_another_clinicians_session(team):
    colleague = MembershipFactory(practice=team.practice)
    session = appointment_for(colleague, start=at(11))
    url = f"/today/sessions/{session.uuid}/status/"
    assert signed_in(team.clinician).post(url, {"status": "arrived"}).status_code == 404


def test_another_practices_session_is_not_found(team):
    session = appointment_for(team.clinician, start=at(11))
    response = signed_in(team.outsider).post(
        f"/today/sessions/{session.uuid}/status/", {"status": "arrived"}
    )
    assert response.status_code == 404
    session.refresh_from_db()
    assert session.status == AppointmentStatus.SCHEDULED


# The chart's Appointments block ------------------------------------------------------------


def test_the_chart_shows_the_clients_next_and_recent_appointments(team):
    client = client_of(team.clinician)
    past = appointment_for(team.clinician, client=client, start=at(9, day=3))
    soon = appointment_for(team.clinician, client=client, start=at(9, day=6))
    appointment_for(team.clinician, start=at(10, day=6))  # someone else's
    response = signed_in(team.clinician).get(f"/clients/{client.uuid}/")
    assert [a.pk for a in response.context["upcoming"]] == [soon.pk]
    assert [a.pk for a in response.context["recent"]] == [past.pk]
    body = response.content.decode()
    assert "Thu 03/06/2031, 09:00" in body and "Mon 03/03/2031, 09:00" in body
    assert f"/calendar/find/?client={client.uuid}" in body
    assert f"/waitlist/add/{client.uuid}/" in body


def test_billers_see_the_appointments_but_no_booking_links(team):
    client = client_of(team.clinician)
    appointment_for(team.clinician, client=client, start=at(9, day=6))
    response = signed_in(team.biller).get(f"/clients/{client.uuid}/")
    assert response.status_code == 200
    assert len(response.context["upcoming"]) == 1
    assert "/calendar/find/" not in response.content.decode()
