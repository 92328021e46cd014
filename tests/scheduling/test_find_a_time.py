"""find_times: free slots inside working hours, clear of the clinician's, client's and room's
appointments and of the blockers, never in the past, in the clinician's zone across DST."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from tend.scheduling import availability
from tend.scheduling.availability import HoursSpan, add_exception, find_times, set_working_hours
from tend.scheduling.models import SchedulingPolicy
from tests.factories import MembershipFactory, RoomFactory, appointment_for, client_of

CHICAGO = ZoneInfo("America/Chicago")
UTC = dt.UTC


def at(month: int, day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2031, month, day, hour, minute, tzinfo=CHICAGO)


def hours(clinician, weekday, *spans):
    set_working_hours(
        clinician,
        weekday=weekday,
        spans=[HoursSpan(dt.time(*s), dt.time(*e)) for s, e in spans],
        membership=clinician,
    )


@pytest.fixture
def clinician(team):
    return team.clinician


def local_starts(slots):
    return [s.local_start.strftime("%a %d %H:%M") for s in slots]


def test_it_offers_the_next_times_inside_working_hours(clinician):
    hours(clinician, 0, ((9, 0), (11, 0)))  # Mondays
    slots = find_times(
        clinician, minutes=50, after=at(3, 1, 0), step_minutes=60, now=at(3, 1, 0), limit=3
    )
    assert local_starts(slots) == ["Mon 03 09:00", "Mon 03 10:00", "Mon 10 09:00"]


def test_a_slot_must_fit_before_the_hours_end(clinician):
    hours(clinician, 0, ((9, 0), (10, 30)))
    slots = find_times(clinician, minutes=60, after=at(3, 3, 0), now=at(3, 1, 0), days=1)
    assert local_starts(slots)[-1] == "Mon 03 09:30"


def test_several_spans_and_time_away(clinician):
    hours(clinician, 0, ((9, 0), (10, 0)), ((14, 0), (15, 0)))
    add_exception(
        clinician,
        date=dt.date(2031, 3, 3),
        kind="unavailable",
        starts=dt.time(9, 0),
        ends=dt.time(10, 0),
        membership=clinician,
    )
    slots = find_times(
        clinician, minutes=60, after=at(3, 3, 0), now=at(3, 1, 0), days=1, step_minutes=60
    )
    assert local_starts(slots) == ["Mon 03 14:00"]


def test_the_same_wall_clock_time_on_both_sides_of_daylight_saving(clinician):
    hours(clinician, 0, ((9, 0), (10, 0)))
    # US clocks go forward on Sunday 9 March 2031.
    slots = find_times(
        clinician, minutes=60, after=at(3, 3, 0), now=at(3, 1, 0), limit=2, step_minutes=60
    )
    assert local_starts(slots) == ["Mon 03 09:00", "Mon 10 09:00"]
    assert slots[0].starts_at.astimezone(UTC).hour == 15  # CST, UTC-6
    assert slots[1].starts_at.astimezone(UTC).hour == 14  # CDT, UTC-5


def test_the_hour_the_clocks_skip_is_never_offered(clinician):
    hours(clinician, 6, ((1, 0), (4, 0)))  # Sunday, the night the clocks go forward
    slots = find_times(
        clinician, minutes=60, after=at(3, 9, 0), now=at(3, 1, 0), days=1, step_minutes=60
    )
    assert local_starts(slots) == ["Sun 09 01:00", "Sun 09 03:00"]
    assert slots[0].ends_at - slots[0].starts_at == dt.timedelta(hours=1)


def test_times_in_the_past_are_not_offered(clinician):
    hours(clinician, 0, ((9, 0), (12, 0)))
    slots = find_times(
        clinician, minutes=60, after=at(3, 3, 0), now=at(3, 3, 10, 5), days=1, step_minutes=60
    )
    assert local_starts(slots) == ["Mon 03 11:00"]


def test_it_avoids_the_clinicians_own_appointments(clinician):
    hours(clinician, 0, ((9, 0), (11, 0)))
    appointment_for(clinician, start=at(3, 3, 9))
    slots = find_times(
        clinician, minutes=60, after=at(3, 3, 0), now=at(3, 1, 0), days=1, step_minutes=60
    )
    assert local_starts(slots) == ["Mon 03 10:00"]


def test_it_avoids_the_clients_appointments_with_someone_else(team, clinician):
    hours(clinician, 0, ((9, 0), (11, 0)))
    client = client_of(clinician)
    colleague = MembershipFactory(practice=team.practice)
    appointment_for(colleague, client=client, start=at(3, 3, 9, 30))
    with_client = find_times(
        clinician,
        minutes=60,
        after=at(3, 3, 0),
        now=at(3, 1, 0),
        days=1,
        step_minutes=30,
        client=client,
    )
    assert local_starts(with_client) == []
    without = find_times(
        clinician, minutes=60, after=at(3, 3, 0), now=at(3, 1, 0), days=1, step_minutes=30
    )
    assert local_starts(without) == ["Mon 03 09:00", "Mon 03 09:30", "Mon 03 10:00"]


def test_it_avoids_times_the_room_is_booked(team, clinician):
    hours(clinician, 0, ((9, 0), (11, 0)))
    room = RoomFactory(location__practice=team.practice)
    colleague = MembershipFactory(practice=team.practice)
    appointment_for(colleague, room=room, start=at(3, 3, 10))
    slots = find_times(
        clinician,
        minutes=60,
        after=at(3, 3, 0),
        now=at(3, 1, 0),
        days=1,
        step_minutes=60,
        room=room,
    )
    assert local_starts(slots) == ["Mon 03 09:00"]


def test_a_cancelled_appointment_frees_its_time(clinician):
    from tend.scheduling.services import cancel_appointment

    hours(clinician, 0, ((9, 0), (10, 0)))
    booked = appointment_for(clinician, start=at(3, 3, 9))
    cancel_appointment(booked, membership=clinician, cancelled_by="clinician", now=at(3, 1, 0))
    slots = find_times(
        clinician, minutes=60, after=at(3, 3, 0), now=at(3, 1, 0), days=1, step_minutes=60
    )
    assert local_starts(slots) == ["Mon 03 09:00"]


def test_blockers_take_time_out_such_as_a_protected_break(clinician):
    hours(clinician, 0, ((9, 0), (12, 0)))
    seen = []

    def lunch(who, start, end):
        seen.append((who.pk, start, end))
        return [(at(3, 3, 10), at(3, 3, 11))]

    slots = find_times(
        clinician,
        minutes=60,
        after=at(3, 3, 0),
        now=at(3, 1, 0),
        days=1,
        step_minutes=60,
        blockers=[lunch],
    )
    assert local_starts(slots) == ["Mon 03 09:00", "Mon 03 11:00"]
    assert len(seen) == 1  # consulted once per search, not once per slot


def test_registered_blockers_are_consulted_by_default(clinician, monkeypatch):
    hours(clinician, 0, ((9, 0), (10, 0)))
    monkeypatch.setattr(availability, "BLOCKERS", [])
    availability.register_blocker(lambda who, s, e: [(at(3, 3, 9), at(3, 3, 10))])
    slots = find_times(
        clinician, minutes=60, after=at(3, 3, 0), now=at(3, 1, 0), days=1, step_minutes=60
    )
    assert slots == []


def test_without_hours_of_their_own_the_practice_calendar_hours_apply(clinician):
    policy = SchedulingPolicy.for_practice(clinician.practice)
    policy.day_starts, policy.day_ends = dt.time(8, 0), dt.time(10, 0)
    policy.save()
    # Friday 7 and Saturday 8 March: only Friday is a working day.
    slots = find_times(
        clinician, minutes=60, after=at(3, 7, 0), now=at(3, 1, 0), days=2, step_minutes=60
    )
    assert local_starts(slots) == ["Fri 07 08:00", "Fri 07 09:00"]


def test_the_grid_follows_the_practice_slot_length(clinician):
    hours(clinician, 0, ((9, 0), (10, 0)))
    policy = SchedulingPolicy.for_practice(clinician.practice)
    policy.slot_minutes = 30
    policy.save()
    slots = find_times(clinician, minutes=30, after=at(3, 3, 0), now=at(3, 1, 0), days=1)
    assert local_starts(slots) == ["Mon 03 09:00", "Mon 03 09:30"]


def test_the_search_reads_a_fixed_number_of_queries(clinician, django_assert_max_num_queries):
    hours(clinician, 0, ((9, 0), (17, 0)))
    for day in (3, 10, 17):
        appointment_for(clinician, start=at(3, day, 9))
    SchedulingPolicy.for_practice(clinician.practice)
    # The policy, the claims, the hours and the exceptions: four reads for four weeks.
    with django_assert_max_num_queries(5):
        slots = find_times(
            clinician, minutes=50, after=at(3, 1, 0), now=at(3, 1, 0), limit=200, days=28
        )
    assert len(slots) > 50


# The page ----------------------------------------------------------------------------------


def test_the_page_lists_free_times_with_booking_links(team):
    from tests.conftest import signed_in

    hours(team.clinician, 0, ((9, 0), (10, 0)))
    client = client_of(team.clinician)
    response = signed_in(team.front_desk).get(
        "/calendar/find/",
        {
            "clinician": str(team.clinician.uuid),
            "client": str(client.uuid),
            "minutes": "60",
            "from_date": "2031-03-03",
        },
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "Mon 3 Mar, <strong>09:00–10:00</strong>" in body
    assert (
        f"/calendar/book/?clinician={team.clinician.uuid}&amp;start=2031-03-03T09%3A00%3A00-06%3A00"
        f"&amp;minutes=60&amp;client={client.uuid}"
    ) in body


def test_a_client_from_the_chart_is_filled_in(team):
    from tests.conftest import signed_in

    client = client_of(team.clinician)
    response = signed_in(team.clinician).get("/calendar/find/", {"client": str(client.uuid)})
    assert response.status_code == 200
    assert response.context["form"]["client"].value() == str(client.uuid)


def test_bad_input_is_shown_next_to_the_field(team):
    from tests.conftest import signed_in

    response = signed_in(team.front_desk).get(
        "/calendar/find/",
        {"clinician": str(team.clinician.uuid), "minutes": "0", "from_date": "someday"},
    )
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert "minutes" in errors and "from_date" in errors
    assert 'value="0"' in response.content.decode()


def test_a_clinician_looks_only_in_their_own_calendar(team):
    from tests.conftest import signed_in

    colleague = MembershipFactory(practice=team.practice)
    response = signed_in(team.clinician).get(
        "/calendar/find/", {"clinician": str(colleague.uuid), "from_date": "2031-03-03"}
    )
    assert response.status_code == 400
    assert "clinician" in response.context["form"].errors


def test_billers_do_not_find_times(team):
    from tests.conftest import signed_in

    assert signed_in(team.biller).get("/calendar/find/").status_code == 403


def test_another_practices_clinician_cannot_be_searched(team):
    from tests.conftest import signed_in

    response = signed_in(team.outsider).get(
        "/calendar/find/", {"clinician": str(team.clinician.uuid), "from_date": "2031-03-03"}
    )
    assert response.status_code == 400
    assert "clinician" in response.context["form"].errors
    assert team.clinician.user.full_name not in response.content.decode()


def test_a_room_is_searched_and_carried_to_the_booking_form(team):
    from tests.conftest import signed_in

    hours(team.clinician, 0, ((9, 0), (11, 0)))
    room = RoomFactory(location__practice=team.practice)
    other = MembershipFactory(practice=team.practice)
    appointment_for(other, room=room, start=at(3, 3, 9), minutes=60, membership=team.front_desk)
    staff = signed_in(team.front_desk)
    response = staff.get(
        "/calendar/find/",
        {
            "clinician": str(team.clinician.uuid),
            "room": str(room.uuid),
            "minutes": "60",
            "from_date": "2031-03-03",
        },
    )
    slots = [slot for slot, _ in response.context["slots"]]
    assert slots[0].local_start.time() == dt.time(10, 0)  # 09:00 has the room taken
    url = response.context["slots"][0][1]
    assert f"room={room.uuid}" in url
    booking = staff.get(url)
    initial = booking.context["form"].initial
    assert initial["room"] == room.uuid
    assert initial["minutes"] == 60
    assert initial["start_time"] == dt.time(10, 0)


def test_the_client_found_for_is_carried_to_the_booking_form(team):
    from tests.conftest import signed_in

    client = client_of(team.clinician)
    hidden = client_of(team.supervisor)  # not in the clinician's care
    booking = signed_in(team.clinician).get(
        "/calendar/book/",
        {
            "clinician": str(team.clinician.uuid),
            "client": [str(client.uuid), str(hidden.uuid), "not-a-uuid"],
        },
    )
    assert booking.context["form"].initial["clients"] == [client.uuid]
