"""The client's signed links: confirm or cancel without an account, late cancellations said
so before and after, expired and tampered links refused with a plain page."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client as Browser
from django.urls import reverse

from tend.billing.models import Charge
from tend.core.models import AuditEvent
from tend.scheduling.choices import AppointmentStatus
from tend.scheduling.links import LinkExpired, LinkInvalid, make_token, read_token
from tend.scheduling.models import SchedulingPolicy
from tests.factories import AppointmentTypeFactory, appointment_for, client_of

CHICAGO = ZoneInfo("America/Chicago")
START = dt.datetime(2031, 3, 20, 10, 0, tzinfo=CHICAGO)


@pytest.fixture
def appointment(team):
    policy = SchedulingPolicy.for_practice(team.practice)
    policy.late_cancel_fee = Decimal("75.00")
    policy.save()
    kind = AppointmentTypeFactory(practice=team.practice, name="Trauma processing")
    client = client_of(team.clinician, legal_first_name="Robin", legal_last_name="Castellano")
    return appointment_for(team.clinician, client=client, start=START, appointment_type=kind)


def token_for(appointment) -> str:
    return make_token(appointment, appointment.clients.get())


def page(token: str) -> str:
    return reverse("scheduling:client_link", args=[token])


def cancel_page(token: str) -> str:
    return reverse("scheduling:client_cancel", args=[token])


@pytest.fixture
def early():
    with time_machine.travel(START - dt.timedelta(days=3), tick=False):
        yield


@pytest.fixture
def late():
    with time_machine.travel(START - dt.timedelta(hours=5), tick=False):
        yield


def test_the_page_says_when_and_where_and_only_the_first_name(appointment, early):
    response = Browser().get(page(token_for(appointment)))
    assert response.status_code == 200
    text = response.content.decode()
    assert "Hello Robin." in text
    assert "Thursday 20 March 2031, 10:00 AM–10:50 AM (CDT)" in text
    assert "Castellano" not in text
    assert "Trauma processing" not in text
    assert "Confirm" in text and "Cancel appointment" in text


def test_confirming_confirms_and_is_recorded_as_the_clients_action(appointment, early):
    browser = Browser(enforce_csrf_checks=True)
    token = token_for(appointment)
    browser.get(page(token))
    response = browser.post(
        page(token), {"csrfmiddlewaretoken": browser.cookies["csrftoken"].value}
    )
    assert response.status_code == 302
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.CONFIRMED
    change = appointment.changes.last()
    assert change.by_client and change.changed_by is None
    event = AuditEvent.objects.filter(action="appointment.status").last()
    assert event.actor is None and event.detail["by_client"] is True
    assert "is confirmed" in browser.get(page(token)).content.decode()


def test_posting_without_the_csrf_token_is_refused(appointment, early):
    browser = Browser(enforce_csrf_checks=True)
    assert browser.post(page(token_for(appointment))).status_code == 403


def test_cancelling_early_records_the_reason_and_charges_nothing(appointment, early):
    token = token_for(appointment)
    form = Browser().get(cancel_page(token)).content.decode()
    assert "window" not in form
    response = Browser().post(cancel_page(token), {"reason": "Car trouble"})
    assert response.status_code == 302
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.CANCELLED
    assert (appointment.cancelled_by, appointment.cancellation_reason) == ("client", "Car trouble")
    assert not appointment.is_late_cancellation
    assert not Charge.objects.filter(appointment=appointment).exists()
    after = Browser().get(page(token)).content.decode()
    assert "This appointment is cancelled." in after
    assert "Cancel appointment" not in after


def test_cancelling_late_says_so_before_and_after_and_charges_the_fee(appointment, late):
    token = token_for(appointment)
    before = Browser().get(cancel_page(token)).content.decode()
    assert "This is inside the 24-hour window; a fee of $75.00 may apply." in before
    Browser().post(cancel_page(token), {"reason": ""})
    appointment.refresh_from_db()
    assert appointment.is_late_cancellation
    assert Charge.objects.get(appointment=appointment).amount == Decimal("75.00")
    after = Browser().get(page(token)).content.decode()
    assert "inside the late-cancellation window" in after


def test_a_cancelled_appointment_cannot_be_cancelled_again(appointment, early):
    token = token_for(appointment)
    Browser().post(cancel_page(token), {"reason": ""})
    response = Browser().post(cancel_page(token), {"reason": "again"})
    assert response.status_code == 302
    appointment.refresh_from_db()
    assert appointment.cancellation_reason == ""
    assert appointment.changes.filter(to_status="cancelled").count() == 1


def test_a_too_long_reason_is_refused_next_to_the_field(appointment, early):
    response = Browser().post(cancel_page(token_for(appointment)), {"reason": "x" * 301})
    assert response.status_code == 200
    assert "at most 300 characters" in response.content.decode()
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.SCHEDULED


def test_a_tampered_link_is_not_found(appointment, early):
    token = token_for(appointment)
    broken = token[:-3] + ("aaa" if not token.endswith("aaa") else "bbb")
    response = Browser().get(page(broken))
    assert response.status_code == 404
    assert "This link is not valid" in response.content.decode()
    with pytest.raises(LinkInvalid):
        read_token(broken)


def test_a_link_expires_when_the_appointment_starts(appointment):
    token = token_for(appointment)
    with time_machine.travel(START + dt.timedelta(minutes=1), tick=False):
        response = Browser().get(page(token))
        assert response.status_code == 410
        text = response.content.decode()
        assert "This link has expired" in text
        assert "Robin" not in text
        assert Browser().post(cancel_page(token)).status_code == 410
        with pytest.raises(LinkExpired):
            read_token(token)
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.SCHEDULED


def test_a_token_from_another_signer_is_refused(appointment, early):
    from django.core import signing

    forged = signing.dumps({"a": str(appointment.uuid), "c": "x"}, salt="something else")
    assert Browser().get(page(forged)).status_code == 404
