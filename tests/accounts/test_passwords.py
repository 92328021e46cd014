"""Password reset by emailed single-use, expiring links; password change; strength rules."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.test import Client

from tend.accounts import services
from tend.core.models import AuditEvent
from tests.accounts.conftest import sign_in_post
from tests.conftest import signed_in
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

NEW = "a calm new passphrase 42"


def ask_for_reset(client, email, capture):
    with capture(execute=True):
        return client.post("/accounts/password/reset/", {"email": email})


def link_in(mail) -> str:
    match = re.search(r"http://[^\s]+/accounts/password/reset/[^\s]+/", mail.body)
    assert match, mail.body
    return match.group(0).replace(settings.TEND_BASE_URL, "")


def test_the_reset_page_has_a_labelled_email_field(client, db):
    html = client.get("/accounts/password/reset/").content.decode()
    assert '<label for="id_email"' in html and 'autocomplete="email"' in html


def test_a_known_address_gets_a_link_and_the_page_says_the_same_as_for_an_unknown_one(
    client, member, mailoutbox, django_capture_on_commit_callbacks
):
    known = ask_for_reset(client, "sam@example.org", django_capture_on_commit_callbacks)
    unknown = ask_for_reset(client, "nobody@example.org", django_capture_on_commit_callbacks)
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"] == "/accounts/password/reset/sent/"
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["sam@example.org"]
    page = client.get(known["Location"]).content.decode()
    assert "If that address belongs to a Tend account" in page
    assert AuditEvent.objects.filter(action="auth.password_reset_requested").count() == 1


def test_the_reset_email_holds_no_names_only_the_link(
    client, member, mailoutbox, django_capture_on_commit_callbacks
):
    ask_for_reset(client, "sam@example.org", django_capture_on_commit_callbacks)
    body = mailoutbox[0].body
    assert member.user.full_name not in body
    assert member.practice.name not in body
    assert "expires in 60 minutes" in body


def test_a_bad_address_keeps_what_was_typed(client, db):
    response = client.post("/accounts/password/reset/", {"email": "not-an-address"})
    assert response.status_code == 200
    assert 'value="not-an-address"' in response.content.decode()


def test_the_link_sets_a_new_password_once(
    client, member, mailoutbox, django_capture_on_commit_callbacks
):
    ask_for_reset(client, "sam@example.org", django_capture_on_commit_callbacks)
    link = link_in(mailoutbox[0])
    page = client.get(link)
    assert page.status_code == 200
    assert 'autocomplete="new-password"' in page.content.decode()
    response = client.post(link, {"new_password1": NEW, "new_password2": NEW})
    assert response["Location"] == "/accounts/login/"
    assert sign_in_post(Client(), "sam@example.org", password=NEW).status_code == 302
    assert AuditEvent.objects.filter(action="auth.password_reset", actor=member.user).exists()
    # Single use: the password hash changed, so the same link is dead.
    again = client.get(link)
    assert again.status_code == 410
    assert "already been used" in again.content.decode()
    assert client.post(link, {"new_password1": NEW, "new_password2": NEW}).status_code == 410


def test_the_link_expires(member, mailoutbox, django_capture_on_commit_callbacks, clock):
    client = Client()
    ask_for_reset(client, "sam@example.org", django_capture_on_commit_callbacks)
    link = link_in(mailoutbox[0])
    clock.shift(settings.PASSWORD_RESET_TIMEOUT - 60)
    assert client.get(link).status_code == 200
    clock.shift(120)
    assert client.get(link).status_code == 410
    member.user.refresh_from_db()
    assert member.user.check_password(PASSWORD)


def test_a_made_up_link_is_refused(client, member):
    assert client.get("/accounts/password/reset/not-a-uid/not-a-token/").status_code == 410
    uid = services.user_link_id(member.user)
    assert client.get(f"/accounts/password/reset/{uid}/1-abc/").status_code == 410


def test_a_weak_new_password_is_refused_with_the_reason_next_to_the_field(
    client, member, mailoutbox, django_capture_on_commit_callbacks
):
    ask_for_reset(client, "sam@example.org", django_capture_on_commit_callbacks)
    link = link_in(mailoutbox[0])
    response = client.post(link, {"new_password1": "password", "new_password2": "password"})
    assert response.status_code == 200
    errors = response.context["form"].errors["new_password1"]
    assert any("too short" in e for e in errors)
    assert any("too common" in e for e in errors)


def test_two_different_new_passwords_are_refused(
    client, member, mailoutbox, django_capture_on_commit_callbacks
):
    ask_for_reset(client, "sam@example.org", django_capture_on_commit_callbacks)
    link = link_in(mailoutbox[0])
    response = client.post(link, {"new_password1": NEW, "new_password2": NEW + "x"})
    assert "not the same" in response.content.decode()


# ---------------------------------------------------------------- change while signed in


def test_a_signed_in_person_changes_their_password_and_stays_signed_in(member):
    client = signed_in(member)
    page = client.get("/accounts/password/")
    html = page.content.decode()
    assert 'autocomplete="current-password"' in html and 'autocomplete="new-password"' in html
    response = client.post(
        "/accounts/password/",
        {"old_password": PASSWORD, "new_password1": NEW, "new_password2": NEW},
    )
    assert response["Location"] == "/accounts/"
    assert client.get("/accounts/").status_code == 200
    member.user.refresh_from_db()
    assert member.user.check_password(NEW)
    assert AuditEvent.objects.filter(action="auth.password_changed").exists()


def test_a_wrong_current_password_is_shown_next_to_that_field(member):
    client = signed_in(member)
    response = client.post(
        "/accounts/password/",
        {"old_password": "wrong one", "new_password1": NEW, "new_password2": NEW},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["old_password"] == ["That is not your current password."]


def test_a_new_password_like_the_email_is_refused(member):
    client = signed_in(member)
    response = client.post(
        "/accounts/password/",
        {
            "old_password": PASSWORD,
            "new_password1": "sam@example.org",
            "new_password2": "sam@example.org",
        },
    )
    assert any("too similar" in e for e in response.context["form"].errors["new_password1"])


def test_password_change_needs_sign_in(client, db):
    assert "/accounts/login/" in client.get("/accounts/password/")["Location"]


def test_change_password_service_refuses_weak_passwords(member):
    with pytest.raises(services.PasswordTooWeak) as refused:
        services.change_password(member.user, old_password=PASSWORD, new_password="short")
    assert refused.value.field == "new_password1"
