"""The calendar's JSON booking endpoint: 201 with the id, 409 for a taken slot, 400 for a
refusal, 403 for a role that may not book, 404 for another practice's objects."""

from __future__ import annotations

import datetime as dt
import json
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from tend.scheduling.models import Appointment, TimeClaim
from tests.conftest import signed_in
from tests.factories import AppointmentTypeFactory, ClientFactory, client_of

CHICAGO = ZoneInfo("America/Chicago")
URL = "/calendar/api/book/"


def at(hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2031, 3, 4, hour, minute, tzinfo=CHICAGO)


@pytest.fixture
def kind(team):
    return AppointmentTypeFactory(practice=team.practice)


@pytest.fixture
def client(team):
    return client_of(team.clinician)


def post(membership, **body):
    return signed_in(membership).post(URL, json.dumps(body), content_type="application/json")


def booking(team, kind, client, start=None, end=None, **extra):
    start = start or at(10)
    body = {
        "clinician": str(team.clinician.uuid),
        "appointment_type": str(kind.uuid),
        "clients": [str(client.uuid)],
        "start": start.isoformat(),
        "end": (end or start + dt.timedelta(minutes=50)).isoformat(),
    }
    body.update(extra)
    return body


def test_the_url_is_named():
    assert reverse("scheduling:book-json") == URL


@pytest.mark.parametrize("role", ["clinician", "front_desk", "owner", "admin"])
def test_booking_answers_201_with_the_appointment(team, kind, client, role):
    response = post(team.by_role(role), **booking(team, kind, client))
    assert response.status_code == 201, response.content
    appointment = Appointment.objects.get(uuid=response.json()["id"])
    assert appointment.clinician == team.clinician
    assert appointment.starts_at == at(10)
    assert list(appointment.clients.all()) == [client]
    assert TimeClaim.objects.filter(appointment=appointment).count() == 2


def test_a_taken_slot_answers_409_slot_taken(team, kind, client):
    assert post(team.clinician, **booking(team, kind, client)).status_code == 201
    other = client_of(team.clinician)
    response = post(team.front_desk, **booking(team, kind, other, start=at(10, 30)))
    assert response.status_code == 409
    assert response.json()["error"] == "slot_taken"
    assert "already has an appointment" in response.json()["message"]
    assert Appointment.objects.count() == 1


def test_an_end_before_the_start_answers_400_with_the_field(team, kind, client):
    response = post(team.clinician, **booking(team, kind, client, end=at(9)))
    assert response.status_code == 400
    assert response.json() == {
        "error": "refused",
        "message": "The end must be after the start.",
        "field": "ends_at",
    }
    assert not Appointment.objects.exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"start": "tomorrow"}, "starts_at"),
        ({"end": "soon"}, "ends_at"),
        ({"clients": "x"}, "clients"),
    ],
)
def test_unreadable_values_answer_400(team, kind, client, change, field):
    response = post(team.clinician, **{**booking(team, kind, client), **change})
    assert response.status_code == 400
    assert response.json()["field"] == field


def test_a_body_that_is_not_json_answers_400(team):
    response = signed_in(team.clinician).post(URL, "nope", content_type="application/json")
    assert response.status_code == 400


def test_a_biller_may_not_book(team, kind, client):
    response = post(team.biller, **booking(team, kind, client))
    assert response.status_code == 403
    assert not Appointment.objects.exists()


def test_a_clinician_may_not_book_a_colleagues_calendar(team, kind, client):
    response = post(team.supervisor, **booking(team, kind, client, clinician=str(team.owner.uuid)))
    assert response.status_code == 403


def test_an_outsider_gets_404(team, kind, client):
    response = post(team.outsider, **booking(team, kind, client))
    assert response.status_code == 404
    assert not Appointment.objects.exists()


def test_a_client_of_another_practice_is_404(team, kind):
    stranger = ClientFactory(practice=team.outsider.practice)
    response = post(team.front_desk, **booking(team, kind, stranger))
    assert response.status_code == 404


def test_get_is_not_allowed(team):
    assert signed_in(team.clinician).get(URL).status_code == 405
