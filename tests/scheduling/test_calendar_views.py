"""The calendar page, its events and working-hours feeds, and moving by drag."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from tend.scheduling.models import Appointment, AvailabilityException, WorkingHours
from tests.conftest import signed_in
from tests.factories import (
    AppointmentTypeFactory,
    ClientFactory,
    LocationFactory,
    MembershipFactory,
    RoomFactory,
    appointment_for,
    client_of,
)

CHICAGO = ZoneInfo("America/Chicago")


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2031, 3, day, hour, minute, tzinfo=CHICAGO)


@pytest.fixture
def kind(team):
    return AppointmentTypeFactory(practice=team.practice, colour="#123456")


@pytest.fixture
def chicago(team):
    team.practice.time_zone = "America/Chicago"
    team.practice.save()
    return team


def events(client, **params):
    query = {"start": "2031-03-03T00:00:00", "end": "2031-03-10T00:00:00", **params}
    return client.get(reverse("scheduling:events"), query)


def test_the_calendar_page_shows_the_signed_in_clinicians_week(chicago):
    response = signed_in(chicago.clinician).get(reverse("scheduling:calendar"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-view="timeGridWeek"' in html
    assert f'data-clinician="{chicago.clinician.uuid}"' in html
    assert 'data-time-zone="America/Chicago"' in html
    assert 'data-slot="00:15:00"' in html


def test_several_clinicians_show_side_by_side_for_one_day(chicago):
    other = MembershipFactory(practice=chicago.practice, role="clinician")
    url = reverse("scheduling:calendar")
    response = signed_in(chicago.front_desk).get(
        url, {"clinician": [chicago.clinician.uuid, other.uuid], "view": "week"}
    )
    html = response.content.decode()
    assert "side-by-side" in html
    assert 'data-view="timeGridDay"' in html
    assert html.count('class="calendar-column"') == 2


def test_the_calendar_does_not_show_another_practices_clinician(chicago):
    response = signed_in(chicago.front_desk).get(
        reverse("scheduling:calendar"), {"clinician": chicago.outsider.uuid}
    )
    assert response.status_code == 404


def test_an_outsider_sees_no_events_of_this_practice(chicago, kind):
    appointment_for(chicago.clinician, start=at(4, 10), appointment_type=kind)
    response = events(signed_in(chicago.outsider), clinician=chicago.clinician.uuid)
    assert response.status_code == 404


def test_events_come_in_the_viewers_zone_with_names_for_the_clinician(chicago, kind):
    client = client_of(chicago.clinician)
    appt = appointment_for(chicago.clinician, client=client, start=at(4, 10), appointment_type=kind)
    data = events(signed_in(chicago.clinician)).json()
    assert len(data) == 1
    event = data[0]
    assert event["id"] == str(appt.uuid)
    assert event["start"] == "2031-03-04T10:00:00-06:00"
    assert event["end"] == "2031-03-04T10:50:00-06:00"
    assert event["title"] == client.display_name
    assert event["color"] == "#123456"
    assert event["resourceId"] == str(chicago.clinician.uuid)
    props = event["extendedProps"]
    assert props["version"] == appt.version
    assert props["editable"] is True
    assert props["series"] is False
    assert props["status"] == "scheduled"


def test_another_clinicians_appointments_are_busy_to_a_clinician(chicago, kind):
    other = MembershipFactory(practice=chicago.practice, role="clinician")
    appointment_for(other, start=at(4, 10), appointment_type=kind)
    data = events(signed_in(chicago.clinician), clinician=other.uuid).json()
    assert [e["title"] for e in data] == ["Busy"]
    assert data[0]["editable"] is False
    assert "type" not in data[0]["extendedProps"]


def test_the_front_desk_sees_names_but_no_telehealth_link_is_hidden_from_billers(chicago, kind):
    client = client_of(chicago.clinician)
    appointment_for(
        chicago.clinician, client=client, start=at(4, 10), appointment_type=kind, modality="video"
    )
    desk = events(signed_in(chicago.front_desk), clinician=chicago.clinician.uuid).json()
    assert desk[0]["title"] == client.display_name
    assert desk[0]["extendedProps"]["editable"] is True
    assert desk[0]["extendedProps"]["telehealth_url"].startswith("https://")
    biller = events(signed_in(chicago.biller), clinician=chicago.clinician.uuid).json()
    assert biller[0]["extendedProps"]["editable"] is False
    assert "telehealth_url" not in biller[0]["extendedProps"]


def test_a_viewer_in_another_zone_sees_the_time_in_theirs_and_the_booking_zone(chicago, kind):
    from tests.factories import ClinicianProfileFactory

    client = client_of(chicago.clinician, time_zone="America/Denver")
    appointment_for(chicago.clinician, client=client, start=at(4, 10), appointment_type=kind)
    appointment_for(chicago.clinician, start=at(4, 12), appointment_type=kind)
    ClinicianProfileFactory(membership=chicago.supervisor, time_zone="America/New_York")
    data = events(signed_in(chicago.supervisor), clinician=chicago.clinician.uuid).json()
    assert data[0]["start"] == "2031-03-04T11:00:00-05:00"
    assert data[0]["extendedProps"]["client_time_zone"] == "America/Denver"
    assert "client_time_zone" not in data[1]["extendedProps"]


def test_a_room_calendar_shows_every_clinicians_sessions_in_the_room(chicago, kind):
    room = RoomFactory(location=LocationFactory(practice=chicago.practice))
    other = MembershipFactory(practice=chicago.practice, role="clinician")
    appointment_for(chicago.clinician, start=at(4, 10), appointment_type=kind, room=room)
    appointment_for(other, start=at(4, 11), appointment_type=kind, room=room)
    appointment_for(other, start=at(4, 13), appointment_type=kind)
    data = events(signed_in(chicago.front_desk), room=room.uuid).json()
    assert len(data) == 2


def test_events_need_a_sensible_range(chicago):
    client = signed_in(chicago.clinician)
    url = reverse("scheduling:events")
    assert client.get(url).status_code == 200  # this week
    assert client.get(url, {"start": "2031-03-10"}).status_code == 400
    assert client.get(url, {"start": "2031-03-10", "end": "2031-03-03"}).status_code == 400
    assert client.get(url, {"start": "2031-01-01", "end": "2031-06-01"}).status_code == 400


@pytest.mark.parametrize("how_many", [1, 40])
def test_events_take_the_same_number_of_queries_however_many(
    chicago, kind, how_many, django_assert_num_queries
):
    clients = [ClientFactory(practice=chicago.practice) for _ in range(3)]
    group = AppointmentTypeFactory(practice=chicago.practice, kind="group")
    for i in range(how_many):
        start = at(3 + i % 5, 7) + dt.timedelta(minutes=15 * (i // 5))
        appointment_for(
            chicago.clinician, start=start, minutes=15, appointment_type=group, clients=clients[:2]
        )
    client = signed_in(chicago.supervisor)
    client.get(reverse("scheduling:calendar"))  # warm the session
    with django_assert_num_queries(QUERIES):
        response = events(client, clinician=chicago.clinician.uuid)
    assert len(response.json()) == how_many


QUERIES = 12


def test_working_hours_come_as_background_events(chicago):
    WorkingHours.objects.create(
        practice=chicago.practice,
        clinician=chicago.clinician,
        weekday=1,
        starts="09:00",
        ends="17:00",
    )
    AvailabilityException.objects.create(
        practice=chicago.practice,
        clinician=chicago.clinician,
        date="2031-03-04",
        starts="12:00",
        ends="13:00",
    )
    data = (
        signed_in(chicago.front_desk)
        .get(
            reverse("scheduling:hours"),
            {"start": "2031-03-03", "end": "2031-03-10", "clinician": chicago.clinician.uuid},
        )
        .json()
    )
    assert [(e["start"], e["end"]) for e in data] == [
        ("2031-03-04T09:00:00-06:00", "2031-03-04T12:00:00-06:00"),
        ("2031-03-04T13:00:00-06:00", "2031-03-04T17:00:00-06:00"),
    ]
    assert all(e["display"] == "background" for e in data)


# Moving by drag -------------------------------------------------------------------------------


def move(client, appt, start, end, version=None):
    return client.post(
        reverse("scheduling:appointment_move", args=[appt.uuid]),
        {"start": start, "end": end, "version": appt.version if version is None else version},
    )


def test_a_drag_moves_the_appointment_in_the_viewers_zone(chicago, kind):
    appt = appointment_for(chicago.clinician, start=at(4, 10), appointment_type=kind)
    response = move(
        signed_in(chicago.clinician), appt, "2031-03-05T14:00:00", "2031-03-05T15:00:00"
    )
    assert response.status_code == 200, response.content
    appt.refresh_from_db()
    assert appt.starts_at == at(5, 14)
    assert appt.ends_at == at(5, 15)
    assert response.json()["version"] == appt.version


def test_a_drag_onto_a_clash_is_refused_with_409_and_the_message(chicago, kind):
    appointment_for(chicago.clinician, start=at(5, 14), appointment_type=kind)
    appt = appointment_for(chicago.clinician, start=at(4, 10), appointment_type=kind)
    response = move(
        signed_in(chicago.clinician), appt, "2031-03-05T14:30:00", "2031-03-05T15:20:00"
    )
    assert response.status_code == 409
    assert "already has an appointment" in response.json()["error"]
    appt.refresh_from_db()
    assert appt.starts_at == at(4, 10)


def test_a_stale_drag_is_refused(chicago, kind):
    appt = appointment_for(chicago.clinician, start=at(4, 10), appointment_type=kind)
    response = move(
        signed_in(chicago.clinician), appt, "2031-03-05T14:00:00", "2031-03-05T15:00:00", version=99
    )
    assert response.status_code == 409
    assert "Someone else changed" in response.json()["error"]


def test_a_drag_with_bad_times_is_a_400(chicago, kind):
    appt = appointment_for(chicago.clinician, start=at(4, 10), appointment_type=kind)
    client = signed_in(chicago.clinician)
    assert move(client, appt, "tomorrow", "later").status_code == 400
    response = move(client, appt, "2031-03-05T15:00:00", "2031-03-05T14:00:00")
    assert response.status_code == 400
    assert "end must be after" in response.json()["error"]


def test_a_drag_outside_working_hours_is_done_with_a_warning(chicago, kind):
    WorkingHours.objects.create(
        practice=chicago.practice,
        clinician=chicago.clinician,
        weekday=2,
        starts="09:00",
        ends="17:00",
    )
    appt = appointment_for(chicago.clinician, start=at(4, 10), appointment_type=kind)
    response = move(
        signed_in(chicago.clinician), appt, "2031-03-05T18:00:00", "2031-03-05T18:50:00"
    )
    assert response.status_code == 200
    assert "outside the clinician's working hours" in " ".join(response.json()["warnings"])


def test_billers_cannot_move_and_clinicians_cannot_move_others(chicago, kind):
    other = MembershipFactory(practice=chicago.practice, role="clinician")
    appt = appointment_for(other, start=at(4, 10), appointment_type=kind)
    mine = appointment_for(chicago.clinician, start=at(4, 12), appointment_type=kind)
    assert (
        move(signed_in(chicago.biller), mine, "2031-03-05T14:00", "2031-03-05T15:00").status_code
        == 403
    )
    # The other clinician's appointment is not visible to this clinician at all.
    assert (
        move(signed_in(chicago.clinician), appt, "2031-03-05T14:00", "2031-03-05T15:00").status_code
        == 404
    )


def test_a_supervisor_moves_a_supervisees_appointment(chicago, kind):
    appt = appointment_for(chicago.clinician, start=at(4, 10), appointment_type=kind)
    response = move(signed_in(chicago.supervisor), appt, "2031-03-06T09:00", "2031-03-06T09:50")
    assert response.status_code == 200


def test_an_outsider_cannot_move(chicago, kind):
    appt = appointment_for(chicago.clinician, start=at(4, 10), appointment_type=kind)
    assert (
        move(signed_in(chicago.outsider), appt, "2031-03-05T14:00", "2031-03-05T15:00").status_code
        == 404
    )
    assert Appointment.objects.get(pk=appt.pk).starts_at == at(4, 10)


def test_a_drop_in_another_clinicians_column_moves_it_to_them(chicago, kind):
    other = MembershipFactory(practice=chicago.practice, role="clinician")
    appt = appointment_for(chicago.clinician, start=at(4, 10), appointment_type=kind)
    url = reverse("scheduling:appointment_move", args=[appt.uuid])
    data = {
        "start": "2031-03-04T14:00",
        "end": "2031-03-04T14:50",
        "version": appt.version,
        "clinician": other.uuid,
    }
    # A clinician may not put a session on a colleague's calendar.
    refused = signed_in(chicago.clinician).post(url, data)
    assert refused.status_code == 403
    assert "Your role" in refused.json()["error"]
    assert signed_in(chicago.front_desk).post(url, data).status_code == 200
    appt.refresh_from_db()
    assert appt.clinician == other
    # Another practice's clinician is not found.
    data["version"] = appt.version
    data["clinician"] = chicago.outsider.uuid
    assert signed_in(chicago.front_desk).post(url, data).status_code == 404


@pytest.mark.parametrize("how_many", [1, 3])
def test_working_hours_take_the_same_number_of_queries_for_more_clinicians(
    team, how_many, django_assert_num_queries
):
    clinicians = [team.clinician, team.supervisor, team.owner][:how_many]
    for clinician in clinicians:
        for weekday in range(5):
            WorkingHours.objects.create(
                practice=team.practice,
                clinician=clinician,
                weekday=weekday,
                starts="09:00",
                ends="17:00",
            )
    client = signed_in(team.front_desk)
    client.get(reverse("scheduling:calendar"))  # warm the session
    query = "&".join(f"clinician={c.uuid}" for c in clinicians)
    with django_assert_num_queries(HOURS_QUERIES):
        response = client.get(
            reverse("scheduling:hours")
            + f"?start=2031-03-03T00:00:00-06:00&end=2031-03-10T00:00:00-05:00&{query}"
        )
    assert len(response.json()) == 5 * how_many


HOURS_QUERIES = 8
