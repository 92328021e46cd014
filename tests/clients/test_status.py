"""Moving a client between statuses."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from tend.clients.models import ClientStatusChange
from tend.clients.services.clients import TransitionRefused, set_client_status
from tests.clients.conftest import audit_actions
from tests.conftest import signed_in
from tests.factories import client_of

pytestmark = pytest.mark.django_db


def test_the_service_records_the_change_and_audits(team):
    client = client_of(team.clinician, status="intake")
    set_client_status(
        client,
        "active",
        membership=team.clinician,
        reason="First session",
        on_date=datetime.date(2026, 1, 5),
    )
    client.refresh_from_db()
    assert (client.status, client.status_changed_on) == ("active", datetime.date(2026, 1, 5))
    change = ClientStatusChange.objects.get(client=client)
    assert (change.from_status, change.to_status, change.changed_by) == (
        "intake",
        "active",
        team.clinician,
    )
    assert "client.status_changed" in audit_actions(team.practice)


def test_the_service_refuses_moves_the_table_does_not_allow(team):
    client = client_of(team.clinician, status="active")
    with pytest.raises(TransitionRefused, match="active to waitlist"):
        set_client_status(client, "waitlist", membership=team.clinician)
    client.refresh_from_db()
    assert client.status == "active"
    assert not ClientStatusChange.objects.exists()


def test_the_status_page_offers_only_allowed_moves_and_saves(team):
    client = client_of(team.clinician, status="active")
    member = signed_in(team.front_desk)
    url = reverse("clients:status", args=[client.uuid])
    form = member.get(url).context["form"]
    assert {c[0] for c in form.fields["to_status"].choices} == {"inactive", "discharged"}
    response = member.post(
        url, {"to_status": "discharged", "on_date": "2026-01-05", "reason": "Goals met"}
    )
    assert response.status_code == 302
    client.refresh_from_db()
    assert client.status == "discharged"


def test_a_refused_move_is_shown_next_to_the_field_and_keeps_the_reason(team):
    client = client_of(team.clinician, status="active")
    response = signed_in(team.front_desk).post(
        reverse("clients:status", args=[client.uuid]),
        {"to_status": "waitlist", "on_date": "2026-01-05", "reason": "Typed reason"},
    )
    assert response.status_code == 200
    assert "to_status" in response.context["form"].errors
    assert "Typed reason" in response.content.decode()


def test_a_future_date_is_refused(team):
    client = client_of(team.clinician, status="active")
    response = signed_in(team.front_desk).post(
        reverse("clients:status", args=[client.uuid]),
        {"to_status": "inactive", "on_date": "2999-01-01"},
    )
    assert "on_date" in response.context["form"].errors


def test_the_biller_is_refused_and_the_outsider_gets_404(team):
    client = client_of(team.clinician, status="active")
    url = reverse("clients:status", args=[client.uuid])
    assert (
        signed_in(team.biller)
        .post(url, {"to_status": "inactive", "on_date": "2026-01-05"})
        .status_code
        == 403
    )
    assert signed_in(team.outsider).get(url).status_code == 404
    client.refresh_from_db()
    assert client.status == "active"
