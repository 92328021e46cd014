"""Signing in with email and password, signing out, and the audit trail they leave."""

from __future__ import annotations

import pytest
from django.test import Client

from tend.core.models import AuditEvent
from tests.accounts.conftest import sign_in_post
from tests.conftest import signed_in
from tests.factories import PASSWORD, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_the_sign_in_page_labels_its_fields_with_autocomplete_hints(client):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<label for="id_email"' in html and '<label for="id_password"' in html
    assert 'autocomplete="email"' in html
    assert 'autocomplete="current-password"' in html


def test_a_person_signs_in_with_email_and_password_and_lands_on_today(client, member):
    response = sign_in_post(client, "sam@example.org")
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.get("/").status_code == 200


def test_the_email_is_matched_whatever_its_case(client, member):
    response = sign_in_post(client, "  Sam@Example.ORG ")
    assert response.status_code == 302


def test_sign_in_goes_to_the_page_that_was_asked_for(client, member):
    response = client.get("/accounts/")
    assert response["Location"] == "/accounts/login/?next=/accounts/"
    response = sign_in_post(client, "sam@example.org", next_url="/accounts/")
    assert response["Location"] == "/accounts/"


def test_sign_in_ignores_a_next_address_on_another_site(client, member):
    response = sign_in_post(client, "sam@example.org", next_url="https://evil.example/")
    assert response["Location"] == "/"


def test_a_wrong_password_keeps_the_email_and_says_what_is_wrong(client, member):
    response = sign_in_post(client, "sam@example.org", password="not the password")
    assert response.status_code == 200
    html = response.content.decode()
    assert "email address or password is not right" in html
    assert 'value="sam@example.org"' in html
    assert "not the password" not in html
    assert "_auth_user_id" not in client.session


def test_an_empty_form_shows_errors_next_to_the_fields(client, db):
    response = client.post("/accounts/login/", {"email": "", "password": ""})
    assert response.status_code == 200
    assert response.context["form"].errors.keys() == {"email", "password"}


def test_an_inactive_person_cannot_sign_in(client, db):
    UserFactory(email="gone@example.org", is_active=False)
    response = sign_in_post(client, "gone@example.org")
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_signing_in_is_audited(client, member):
    sign_in_post(client, "sam@example.org")
    event = AuditEvent.objects.get(action="auth.signin")
    assert event.actor == member.user
    assert event.detail == {"second_step": False}
    assert event.ip_address == "127.0.0.1"


def test_a_failed_sign_in_is_audited_without_the_password(client, member):
    sign_in_post(client, "sam@example.org", password="hunter2-wrong")
    event = AuditEvent.objects.get(action="auth.signin_failed")
    assert event.actor == member.user
    assert event.actor_label == "sam@example.org"
    assert "hunter2" not in str(event.detail)
    assert event.detail == {"reason": "credentials"}


def test_a_failed_sign_in_for_an_unknown_address_does_not_record_what_was_typed(client, db):
    sign_in_post(client, "nobody@example.org", password="whatever-it-is")
    event = AuditEvent.objects.get(action="auth.signin_failed")
    assert event.actor is None
    assert event.actor_label == ""
    assert "nobody" not in str(event.detail)


def test_a_signed_in_person_opening_the_sign_in_page_goes_on(member):
    client = signed_in(member)
    response = client.get("/accounts/login/?next=/accounts/")
    assert response["Location"] == "/accounts/"


def test_sign_out_asks_first_on_get_and_signs_out_on_post(member):
    client = signed_in(member)
    response = client.get("/accounts/logout/")
    assert response.status_code == 200
    assert "_auth_user_id" in client.session
    response = client.post("/accounts/logout/")
    assert response["Location"] == "/accounts/login/"
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(action="auth.signout", actor=member.user).exists()


def test_sign_out_when_signed_out_goes_to_sign_in(client, db):
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_sign_in_works_with_csrf_checks_on():
    MembershipFactory(user=UserFactory(email="csrf@example.org"))
    client = Client(enforce_csrf_checks=True)
    page = client.get("/accounts/login/")
    token = page.context["csrf_token"]
    response = client.post(
        "/accounts/login/",
        {"email": "csrf@example.org", "password": PASSWORD, "csrfmiddlewaretoken": str(token)},
    )
    assert response.status_code == 302


def test_a_sign_in_is_recorded_in_every_practice_the_person_works_in(client, member):
    second = MembershipFactory(user=member.user)
    sign_in_post(client, "sam@example.org")
    practices = set(
        AuditEvent.objects.filter(action="auth.signin").values_list("practice", flat=True)
    )
    assert practices == {member.practice_id, second.practice_id}


def test_a_failed_sign_in_for_nobody_goes_to_the_system_chain(client, db):
    sign_in_post(client, "nobody@example.org")
    assert AuditEvent.objects.get(action="auth.signin_failed").chain == "system"


def test_signing_out_is_recorded_in_the_practice_being_worked_in(member):
    signed_in(member).post("/accounts/logout/")
    assert AuditEvent.objects.get(action="auth.signout").practice == member.practice
