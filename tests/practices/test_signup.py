"""Signing up a practice, and a signed-in person creating another practice."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from tend.accounts.models import User
from tend.core.models import AuditEvent
from tend.practices import services
from tend.practices.choices import Role
from tend.practices.middleware import SESSION_KEY
from tend.practices.models import Location, Membership, Practice
from tests.conftest import signed_in
from tests.factories import UserFactory

STRONG = "a quiet harbour at dusk 42"


def _signup_data(**overrides):
    data = {
        "practice_name": "Riverside Counseling",
        "time_zone": "America/Chicago",
        "full_name": "Dana Rivers",
        "email": "Dana@Riverside.example",
        "password": STRONG,
        "password_confirm": STRONG,
        "owner_sees_clients": "on",
    }
    data.update(overrides)
    return data


@pytest.mark.django_db
def test_the_sign_up_page_offers_common_us_time_zones_first_with_new_york_chosen():
    response = Client().get(reverse("practices:signup"))
    assert response.status_code == 200
    html = response.content.decode()
    assert '<option value="America/New_York" selected>' in html
    assert html.index("America/Los_Angeles") < html.index("Europe/London")


@pytest.mark.django_db
def test_signing_up_creates_the_practice_owner_and_telehealth_location_and_signs_in():
    client = Client()
    response = client.post(reverse("practices:signup"), _signup_data())
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/")
    user = User.objects.get(email="dana@riverside.example")
    assert user.full_name == "Dana Rivers"
    assert user.check_password(STRONG)
    membership = Membership.objects.get(user=user)
    assert membership.role == Role.OWNER
    assert membership.sees_clients is True
    practice = membership.practice
    assert practice.name == "Riverside Counseling"
    assert practice.time_zone == "America/Chicago"
    assert practice.require_mfa is True
    assert Location.objects.filter(practice=practice, is_telehealth=True).count() == 1
    assert client.session["_auth_user_id"] == str(user.pk)
    assert client.session[SESSION_KEY] == str(practice.uuid)


@pytest.mark.django_db
def test_signing_up_is_audited_without_names_or_emails():
    Client().post(reverse("practices:signup"), _signup_data())
    created = AuditEvent.objects.get(action="practice.created")
    assert created.practice.name == "Riverside Counseling"
    assert AuditEvent.objects.filter(action="account.created").exists()
    for event in AuditEvent.objects.all():
        assert "Dana" not in str(event.detail)
        assert "riverside.example" not in str(event.detail).lower()


@pytest.mark.django_db
def test_a_weak_password_is_refused_next_to_the_field_and_typed_values_are_kept():
    response = Client().post(
        reverse("practices:signup"), _signup_data(password="short", password_confirm="short")
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert "This password is too short" in " ".join(form.errors["password"])
    html = response.content.decode()
    assert 'value="Riverside Counseling"' in html
    assert 'value="Dana Rivers"' in html
    assert not Practice.objects.exists()
    assert not User.objects.exists()


@pytest.mark.django_db
def test_mismatched_passwords_are_refused():
    response = Client().post(
        reverse("practices:signup"), _signup_data(password_confirm=STRONG + "x")
    )
    assert response.status_code == 200
    assert "do not match" in " ".join(response.context["form"].errors["password_confirm"])


@pytest.mark.django_db
def test_an_unknown_time_zone_is_refused():
    response = Client().post(reverse("practices:signup"), _signup_data(time_zone="Mars/Olympus"))
    assert response.status_code == 200
    assert "time_zone" in response.context["form"].errors
    assert not Practice.objects.exists()


@pytest.mark.django_db
def test_an_existing_email_is_told_to_sign_in_with_a_link():
    UserFactory(email="dana@riverside.example")
    response = Client().post(reverse("practices:signup"), _signup_data())
    assert response.status_code == 200
    html = response.content.decode()
    assert "You already have a Tend account" in html
    assert f'<a href="{reverse("accounts:login")}">sign in</a>' in html
    assert not Practice.objects.exists()


def test_a_signed_in_person_is_sent_to_create_another_practice(team):
    response = signed_in(team.clinician).get(reverse("practices:signup"))
    assert response.status_code == 302
    assert response["Location"] == reverse("practices:create")


def test_a_signed_in_person_creates_another_practice_and_becomes_its_owner(team):
    client = signed_in(team.clinician)
    response = client.post(
        reverse("practices:create"),
        {"practice_name": "Evening Clinic", "time_zone": "America/Denver"},
    )
    assert response.status_code == 302
    practice = Practice.objects.get(name="Evening Clinic")
    membership = Membership.objects.get(practice=practice)
    assert membership.user == team.clinician.user
    assert membership.role == Role.OWNER
    assert membership.sees_clients is False
    assert client.session[SESSION_KEY] == str(practice.uuid)
    assert AuditEvent.objects.filter(action="practice.switched", practice=practice).exists()
    # The first practice membership is untouched.
    team.clinician.refresh_from_db()
    assert team.clinician.role == Role.CLINICIAN


def test_creating_a_practice_without_a_name_keeps_the_time_zone(team):
    response = signed_in(team.clinician).post(
        reverse("practices:create"), {"practice_name": "", "time_zone": "America/Denver"}
    )
    assert response.status_code == 200
    assert "practice_name" in response.context["form"].errors
    assert '<option value="America/Denver" selected>' in response.content.decode()


@pytest.mark.django_db
def test_creating_a_practice_needs_a_sign_in():
    response = Client().get(reverse("practices:create"))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_the_create_practice_service_writes_an_audit_row(team):
    membership = services.create_practice(
        name="Second Practice",
        time_zone="America/New_York",
        owner_user=team.biller.user,
        owner_sees_clients=True,
    )
    assert membership.role == Role.OWNER
    assert membership.practice.require_mfa is True
    event = AuditEvent.objects.get(action="practice.created", practice=membership.practice)
    assert event.actor == team.biller.user
    assert event.detail["owner"] == str(membership.uuid)


def test_the_sign_up_service_refuses_an_email_in_use(team):
    with pytest.raises(services.EmailInUse):
        services.sign_up_practice(
            practice_name="Copy",
            time_zone="America/New_York",
            full_name="Someone",
            email=team.owner.user.email.upper(),
            password=STRONG,
            owner_sees_clients=False,
        )
