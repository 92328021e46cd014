"""Practice settings: name, time zone, currency, two-step sign-in, idle sign-out."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tend.core.models import AuditEvent
from tend.practices import services
from tests.conftest import signed_in

URL = reverse("practices:settings")


def _data(practice, **overrides):
    data = {
        "name": practice.name,
        "time_zone": practice.time_zone,
        "currency": practice.currency,
        "idle_timeout_minutes": practice.idle_timeout_minutes,
    }
    if practice.require_mfa:
        data["require_mfa"] = "on"
    data.update(overrides)
    return data


@pytest.mark.parametrize("role", ["owner", "admin"])
def test_managers_change_the_practice_settings(team, role):
    client = signed_in(team.by_role(role))
    assert client.get(URL).status_code == 200
    response = client.post(
        URL,
        _data(
            team.practice,
            name="Riverside Group",
            time_zone="America/Denver",
            currency="CAD",
            idle_timeout_minutes=10,
        ),
    )
    assert response.status_code == 302
    team.practice.refresh_from_db()
    assert team.practice.name == "Riverside Group"
    assert team.practice.time_zone == "America/Denver"
    assert team.practice.currency == "CAD"
    assert team.practice.idle_timeout_minutes == 10
    event = AuditEvent.objects.get(action="practice.updated")
    assert sorted(event.detail["fields"]) == [
        "currency",
        "idle_timeout_minutes",
        "name",
        "time_zone",
    ]


def test_turning_on_two_step_sign_in_is_audited_as_its_own_event(team):
    assert team.practice.require_mfa is False
    signed_in(team.owner).post(URL, _data(team.practice, require_mfa="on"))
    team.practice.refresh_from_db()
    assert team.practice.require_mfa is True
    event = AuditEvent.objects.get(action="practice.mfa_requirement_changed")
    assert event.detail == {"require_mfa": True}
    assert event.actor == team.owner.user
    assert event.practice == team.practice


def test_saving_without_changes_writes_no_audit_event(team):
    signed_in(team.owner).post(URL, _data(team.practice))
    assert not AuditEvent.objects.filter(action__startswith="practice.").exists()


@pytest.mark.parametrize("minutes", [1, 61, "x"])
def test_idle_minutes_outside_2_to_60_are_refused_and_input_is_kept(team, minutes):
    response = signed_in(team.owner).post(
        URL, _data(team.practice, name="Kept Name", idle_timeout_minutes=minutes)
    )
    assert response.status_code == 200
    assert "idle_timeout_minutes" in response.context["form"].errors
    assert 'value="Kept Name"' in response.content.decode()
    team.practice.refresh_from_db()
    assert team.practice.name != "Kept Name"


def test_an_empty_name_is_refused(team):
    response = signed_in(team.owner).post(URL, _data(team.practice, name=""))
    assert response.status_code == 200
    assert "name" in response.context["form"].errors


@pytest.mark.parametrize("role", ["clinician", "supervisor", "biller", "front_desk"])
def test_other_roles_cannot_open_or_change_settings(team, role):
    client = signed_in(team.by_role(role))
    assert client.get(URL).status_code == 403
    assert client.post(URL, _data(team.practice, name="Hijacked")).status_code == 403
    team.practice.refresh_from_db()
    assert team.practice.name != "Hijacked"


def test_an_outsider_changes_only_their_own_practice(team):
    client = signed_in(team.outsider)
    team.outsider.role = "owner"
    team.outsider.save()
    response = client.get(URL)
    assert team.practice.name not in response.content.decode()
    client.post(URL, _data(team.outsider.practice, name="Outsider Renamed"))
    team.practice.refresh_from_db()
    team.outsider.practice.refresh_from_db()
    assert team.practice.name != "Outsider Renamed"
    assert team.outsider.practice.name == "Outsider Renamed"


def test_the_service_refuses_an_out_of_range_idle_time(team):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.update_practice_settings(membership=team.owner, idle_timeout_minutes=90)
