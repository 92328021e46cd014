"""Booking, the appointment page, status, cancelling, attendance, rescheduling and editing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from tend.billing.models import Charge
from tend.scheduling.models import Appointment, SchedulingPolicy, Series, WorkingHours
from tests.conftest import signed_in
from tests.factories import (
    AppointmentTypeFactory,
    MembershipFactory,
    appointment_for,
    client_of,
)

CHICAGO = ZoneInfo("America/Chicago")
NOW = dt.datetime(2031, 3, 1, 9, 0, tzinfo=CHICAGO)


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2031, 3, day, hour, minute, tzinfo=CHICAGO)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def chicago(team):
    team.practice.time_zone = "America/Chicago"
    team.practice.save()
    return team


@pytest.fixture
def kind(chicago):
    return AppointmentTypeFactory(practice=chicago.practice, name="Individual", default_minutes=50)


def booking(chicago, kind, client, **extra):
    data = {
        "clients": [str(client.uuid)],
        "clinician": str(chicago.clinician.uuid),
        "appointment_type": str(kind.uuid),
        "date": "2031-03-04",
        "start_time": "10:00",
        "modality": "in_person",
    }
    data.update(extra)
    return data


BOOK = reverse("scheduling:book")


def test_the_booking_page_is_prefilled_from_the_calendar(chicago, kind):
    response = signed_in(chicago.front_desk).get(
        BOOK,
        {
            "start": "2031-03-04T10:30:00",
            "end": "2031-03-04T11:15:00",
            "clinician": chicago.clinician.uuid,
        },
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert form.initial["date"] == dt.date(2031, 3, 4)
    assert form.initial["start_time"] == dt.time(10, 30)
    assert form.initial["minutes"] == 45
    assert form.initial["clinician"] == chicago.clinician.uuid
    assert "America/Chicago" in response.content.decode()


def test_an_htmx_request_gets_the_form_alone_for_the_dialog(chicago, kind):
    response = signed_in(chicago.clinician).get(BOOK, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "<html" not in html
    assert 'hx-post="/calendar/book/"' in html


def test_a_clinician_books_a_session(chicago, kind):
    client = client_of(chicago.clinician)
    response = signed_in(chicago.clinician).post(BOOK, booking(chicago, kind, client))
    appt = Appointment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("scheduling:appointment", args=[appt.uuid])
    assert appt.starts_at == at(4, 10)
    assert appt.ends_at == at(4, 10, 50)
    assert list(appt.clients.all()) == [client]


def test_an_htmx_booking_answers_with_an_event_for_the_calendar(chicago, kind):
    client = client_of(chicago.clinician)
    response = signed_in(chicago.clinician).post(
        BOOK, booking(chicago, kind, client, end_time="11:00"), HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 204
    assert "tend:booked" in response["HX-Trigger"]
    assert Appointment.objects.get().ends_at == at(4, 11)


def test_a_clash_is_shown_next_to_the_start_and_the_input_kept(chicago, kind):
    client = client_of(chicago.clinician)
    appointment_for(chicago.clinician, start=at(4, 10, 30), appointment_type=kind)
    response = signed_in(chicago.clinician).post(
        BOOK, booking(chicago, kind, client, staff_notes="Use the side door")
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert "already has an appointment" in form.errors["start_time"][0]
    assert "Use the side door" in response.content.decode()
    assert Appointment.objects.count() == 1


def test_missing_fields_are_marked_and_nothing_is_booked(chicago, kind):
    response = signed_in(chicago.clinician).post(BOOK, {"date": "2031-03-04"})
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert {"clinician", "appointment_type", "start_time"} <= set(errors)
    assert Appointment.objects.count() == 0


def test_an_end_before_the_start_is_refused_next_to_the_end(chicago, kind):
    client = client_of(chicago.clinician)
    response = signed_in(chicago.clinician).post(
        BOOK, booking(chicago, kind, client, end_time="09:00")
    )
    assert "end must be after" in response.context["form"].errors["end_time"][0]


def test_a_booking_outside_working_hours_asks_to_book_anyway(chicago, kind):
    WorkingHours.objects.create(
        practice=chicago.practice,
        clinician=chicago.clinician,
        weekday=1,
        starts="12:00",
        ends="17:00",
    )
    client = client_of(chicago.clinician)
    data = booking(chicago, kind, client)
    first = signed_in(chicago.clinician).post(BOOK, data)
    assert first.status_code == 200
    assert "Book anyway" in first.content.decode()
    assert "outside the clinician" in first.content.decode()
    assert Appointment.objects.count() == 0
    second = signed_in(chicago.clinician).post(BOOK, {**data, "confirm": "True"})
    assert second.status_code == 302
    assert Appointment.objects.count() == 1


def test_a_clinician_cannot_book_for_another_clinician(chicago, kind):
    other = MembershipFactory(practice=chicago.practice, role="clinician")
    client = client_of(chicago.clinician)
    response = signed_in(chicago.clinician).post(
        BOOK, booking(chicago, kind, client, clinician=str(other.uuid))
    )
    assert "clinician" in response.context["form"].errors
    assert Appointment.objects.count() == 0


def test_the_front_desk_books_for_any_clinician(chicago, kind):
    client = client_of(chicago.clinician)
    response = signed_in(chicago.front_desk).post(BOOK, booking(chicago, kind, client))
    assert response.status_code == 302
    assert Appointment.objects.get().booked_by == chicago.front_desk


def test_billers_cannot_book(chicago, kind):
    assert signed_in(chicago.biller).get(BOOK).status_code == 403
    client = client_of(chicago.clinician)
    assert signed_in(chicago.biller).post(BOOK, booking(chicago, kind, client)).status_code == 403


def test_another_practices_client_cannot_be_booked(chicago, kind):
    from tests.factories import ClientFactory

    stranger = ClientFactory(practice=chicago.outsider.practice)
    response = signed_in(chicago.front_desk).post(BOOK, booking(chicago, kind, stranger))
    assert "clients" in response.context["form"].errors


def test_a_weekly_series_is_booked(chicago, kind):
    client = client_of(chicago.clinician)
    response = signed_in(chicago.clinician).post(
        BOOK, booking(chicago, kind, client, repeat="FREQ=WEEKLY", ends="count", count="4")
    )
    assert response.status_code == 302, response.context["form"].errors
    series = Series.objects.get()
    assert series.appointments.count() == 4


def test_a_series_with_clashes_lists_them_and_can_skip_them(chicago, kind):
    client = client_of(chicago.clinician)
    appointment_for(chicago.clinician, start=at(11, 10), appointment_type=kind)
    data = booking(chicago, kind, client, repeat="FREQ=WEEKLY", ends="count", count="4")
    first = signed_in(chicago.clinician).post(BOOK, data)
    assert first.status_code == 200
    assert "Tue 11 Mar 2031" in first.content.decode()
    skip = first.context["form"].data["skip_dates"]
    assert skip == "2031-03-11"
    second = signed_in(chicago.clinician).post(
        BOOK, {**data, "skip_dates": skip, "skip_clashes": "on"}
    )
    assert second.status_code == 302
    booked = Series.objects.get().appointments
    assert booked.active().count() == 3
    assert booked.get(status="cancelled").starts_at == at(11, 10)


# The appointment page ------------------------------------------------------------------------


@pytest.fixture
def appt(chicago, kind):
    return appointment_for(chicago.clinician, start=at(4, 10), appointment_type=kind)


def page(who, appt):
    return signed_in(who).get(reverse("scheduling:appointment", args=[appt.uuid]))


def test_the_appointment_page_says_who_when_and_where(chicago, appt):
    response = page(chicago.clinician, appt)
    html = response.content.decode()
    assert response.status_code == 200
    assert appt.clients.get().display_name in html
    assert "10:00–10:50" in html
    assert "Mark confirmed" in html
    assert "Cancel appointment" in html


def test_a_biller_reads_the_appointment_but_gets_no_buttons(chicago, appt):
    html = page(chicago.biller, appt).content.decode()
    assert "Mark confirmed" not in html
    assert "Cancel appointment" not in html


def test_an_outsider_gets_404_on_every_appointment_page(chicago, appt):
    client = signed_in(chicago.outsider)
    for name in (
        "appointment",
        "appointment_edit",
        "appointment_status",
        "appointment_cancel",
        "appointment_attendance",
        "appointment_reschedule",
    ):
        url = reverse(f"scheduling:{name}", args=[appt.uuid])
        assert client.get(url).status_code in (404,), name
        assert client.post(url).status_code == 404, name


def test_a_clinician_outside_the_care_team_gets_404(chicago, appt):
    other = MembershipFactory(practice=chicago.practice, role="clinician")
    assert page(other, appt).status_code == 404


def status(who, appt, to_status, version=None):
    return signed_in(who).post(
        reverse("scheduling:appointment_status", args=[appt.uuid]),
        {"to_status": to_status, "version": appt.version if version is None else version},
    )


def test_a_status_button_moves_the_appointment_on(chicago, appt):
    response = status(chicago.front_desk, appt, "confirmed")
    assert response.status_code == 302
    appt.refresh_from_db()
    assert appt.status == "confirmed"


def test_a_refused_status_is_explained(chicago, appt):
    response = status(chicago.clinician, appt, "completed")
    assert response.status_code == 200
    assert "has not started" in response.content.decode()


def test_a_stale_status_change_is_refused(chicago, appt):
    response = status(chicago.clinician, appt, "confirmed", version=appt.version + 5)
    assert "Someone else changed" in response.content.decode()
    appt.refresh_from_db()
    assert appt.status == "scheduled"


def test_billers_cannot_change_a_status(chicago, appt):
    assert status(chicago.biller, appt, "confirmed").status_code == 403


def cancel(who, appt, **data):
    return signed_in(who).post(
        reverse("scheduling:appointment_cancel", args=[appt.uuid]),
        {"version": appt.version, **data},
    )


def test_a_late_client_cancellation_charges_the_fee_unless_waived(chicago, kind):
    policy = SchedulingPolicy.for_practice(chicago.practice)
    policy.late_cancel_fee = Decimal("40.00")
    policy.save()
    soon = appointment_for(chicago.clinician, start=at(1, 15), appointment_type=kind)
    assert "cancellation window" in page(chicago.front_desk, soon).content.decode()
    cancel(chicago.front_desk, soon, cancelled_by="client", reason="Ill")
    soon.refresh_from_db()
    assert soon.status == "cancelled" and soon.is_late_cancellation
    assert Charge.objects.filter(appointment=soon).count() == 1
    other = appointment_for(chicago.clinician, start=at(1, 17), appointment_type=kind)
    cancel(chicago.front_desk, other, cancelled_by="client", waive_fee="on")
    assert Charge.objects.filter(appointment=other).count() == 0


def test_a_clinician_cannot_waive_the_fee(chicago, appt):
    html = page(chicago.clinician, appt).content.decode()
    assert "waive_fee" not in html


def test_cancelling_needs_who_cancelled(chicago, appt):
    response = cancel(chicago.clinician, appt, reason="Typed reason")
    assert response.status_code == 200
    assert "cancelled_by" in response.context["cancel_form"].errors
    assert "Typed reason" in response.content.decode()


def test_attendance_is_recorded_per_client_of_a_group(chicago):
    group = AppointmentTypeFactory(practice=chicago.practice, kind="group")
    clients = [client_of(chicago.clinician) for _ in range(2)]
    appt = appointment_for(
        chicago.clinician, start=at(4, 10), appointment_type=group, clients=clients
    )
    assert "Attendance" in page(chicago.clinician, appt).content.decode()
    response = signed_in(chicago.clinician).post(
        reverse("scheduling:appointment_attendance", args=[appt.uuid]),
        {"client": clients[1].uuid, "attendance": "late"},
    )
    assert response.status_code == 302
    assert appt.attendees.get(client=clients[1]).attendance == "late"


def test_attendance_for_a_client_not_in_the_session_is_refused(chicago, appt):
    stranger = client_of(chicago.clinician)
    response = signed_in(chicago.clinician).post(
        reverse("scheduling:appointment_attendance", args=[appt.uuid]),
        {"client": stranger.uuid, "attendance": "late"},
    )
    assert response.status_code == 200
    assert "Choose a client of this session" in response.content.decode()


def test_rescheduling_keeps_the_old_one_and_books_the_new(chicago, appt):
    response = signed_in(chicago.front_desk).post(
        reverse("scheduling:appointment_reschedule", args=[appt.uuid]),
        {"date": "2031-03-06", "start_time": "14:00", "reason": "Client asked"},
    )
    appt.refresh_from_db()
    assert appt.status == "rescheduled"
    new = appt.rescheduled_to
    assert response["Location"] == reverse("scheduling:appointment", args=[new.uuid])
    assert new.starts_at == at(6, 14)


def test_rescheduling_onto_a_clash_is_refused_next_to_the_time(chicago, kind, appt):
    appointment_for(chicago.clinician, start=at(6, 14), appointment_type=kind)
    response = signed_in(chicago.front_desk).post(
        reverse("scheduling:appointment_reschedule", args=[appt.uuid]),
        {"date": "2031-03-06", "start_time": "14:00"},
    )
    assert "start_time" in response.context["reschedule_form"].errors
    appt.refresh_from_db()
    assert appt.status == "scheduled"


# Editing --------------------------------------------------------------------------------------


def edit_url(appt):
    return reverse("scheduling:appointment_edit", args=[appt.uuid])


def test_the_edit_page_shows_the_appointment(chicago, appt):
    response = signed_in(chicago.clinician).get(edit_url(appt))
    assert response.status_code == 200
    assert response.context["form"].initial["start_time"] == dt.time(10, 0)


def edit_data(chicago, appt, **extra):
    data = {
        "clients": [str(c.uuid) for c in appt.clients.all()],
        "clinician": str(chicago.clinician.uuid),
        "appointment_type": str(appt.appointment_type.uuid),
        "date": "2031-03-04",
        "start_time": "11:00",
        "minutes": "50",
        "modality": "video",
        "client_location": "home",
        "version": appt.version,
    }
    data.update(extra)
    return data


def test_an_edit_is_saved(chicago, appt):
    response = signed_in(chicago.clinician).post(edit_url(appt), edit_data(chicago, appt))
    assert response.status_code == 302
    appt.refresh_from_db()
    assert appt.starts_at == at(4, 11)
    assert appt.modality == "video"


def test_a_stale_edit_is_refused_and_the_input_kept(chicago, appt):
    data = edit_data(chicago, appt, version=appt.version + 1, staff_notes="Kept note")
    response = signed_in(chicago.clinician).post(edit_url(appt), data)
    assert response.status_code == 200
    assert "Someone else changed" in response.content.decode()
    assert "Kept note" in response.content.decode()


def test_billers_cannot_edit(chicago, appt):
    assert signed_in(chicago.biller).get(edit_url(appt)).status_code == 403


def test_the_page_gives_the_clients_time_when_their_zone_differs(chicago, kind):
    client = client_of(chicago.clinician, time_zone="America/Los_Angeles")
    appt = appointment_for(chicago.clinician, client=client, start=at(4, 10), appointment_type=kind)
    html = page(chicago.clinician, appt).content.decode()
    assert "the client's time 08:00 (America/Los_Angeles)" in html


def test_a_day_picked_in_the_month_view_prefills_only_the_date(chicago, kind):
    response = signed_in(chicago.clinician).get(BOOK, {"start": "2031-03-04"})
    form = response.context["form"]
    assert form.initial["date"] == dt.date(2031, 3, 4)
    assert "start_time" not in form.initial
