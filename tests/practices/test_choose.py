"""Switching between practices."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from tend.core.models import AuditEvent
from tend.practices.choices import Role
from tend.practices.middleware import SESSION_KEY
from tests.conftest import signed_in
from tests.factories import MembershipFactory, PracticeFactory

CHOOSE = reverse("practices:choose")


def test_the_page_lists_only_the_persons_active_practices(team):
    second = MembershipFactory(user=team.clinician.user, role=Role.OWNER)
    gone = MembershipFactory(user=team.clinician.user, is_active=False)
    response = signed_in(team.clinician).get(CHOOSE)
    assert response.status_code == 200
    html = response.content.decode()
    assert team.practice.name in html
    assert second.practice.name in html
    assert gone.practice.name not in html
    assert team.outsider.practice.name not in html


def test_switching_practice_changes_the_session_and_is_audited(team):
    second = MembershipFactory(user=team.clinician.user, role=Role.OWNER)
    client = signed_in(team.clinician)
    response = client.post(CHOOSE, {"practice": str(second.practice.uuid)})
    assert response.status_code == 302
    assert response["Location"] == reverse("practices:today")
    assert client.session[SESSION_KEY] == str(second.practice.uuid)
    event = AuditEvent.objects.get(action="practice.switched")
    assert event.practice == second.practice
    assert event.actor == team.clinician.user
    assert event.detail == {"from_practice": str(team.practice.uuid)}
    today = client.get(reverse("practices:today"))
    assert today.context["current_practice"] == second.practice


@pytest.mark.parametrize("value", ["", "not-a-uuid", "00000000-0000-0000-0000-000000000000"])
def test_a_bad_choice_is_refused_with_a_message(team, value):
    client = signed_in(team.clinician)
    response = client.post(CHOOSE, {"practice": value})
    assert response.status_code == 400
    assert "Choose one of your practices" in response.content.decode()
    assert client.session[SESSION_KEY] == str(team.practice.uuid)


def test_a_person_cannot_switch_into_another_practice(team):
    client = signed_in(team.clinician)
    response = client.post(CHOOSE, {"practice": str(team.outsider.practice.uuid)})
    assert response.status_code == 400
    assert client.session[SESSION_KEY] == str(team.practice.uuid)
    assert not AuditEvent.objects.filter(action="practice.switched").exists()


def test_a_deactivated_membership_cannot_be_chosen(team):
    other = PracticeFactory()
    MembershipFactory(user=team.clinician.user, practice=other, is_active=False)
    client = signed_in(team.clinician)
    assert client.post(CHOOSE, {"practice": str(other.uuid)}).status_code == 400


def test_a_person_without_practices_is_offered_to_create_one(team):
    team.clinician.is_active = False
    team.clinician.save()
    response = signed_in(team.clinician).get(CHOOSE)
    assert response.status_code == 200
    assert reverse("practices:create") in response.content.decode()


@pytest.mark.django_db
def test_choosing_needs_a_sign_in():
    response = Client().post(CHOOSE, {"practice": "x"})
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
