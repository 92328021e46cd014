"""Changing the sign-in email by a link sent to the new address; the account page."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.test import Client

from tend.accounts import services
from tend.core.models import AuditEvent
from tests.accounts.conftest import sign_in_post
from tests.conftest import signed_in
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def ask_to_change(client, capture, new_email="sam.new@example.org", password=PASSWORD):
    with capture(execute=True):
        return client.post("/accounts/email/", {"new_email": new_email, "password": password})


def confirm_link(mailoutbox) -> str:
    mail = next(m for m in mailoutbox if m.to == ["sam.new@example.org"])
    match = re.search(r"http://\S+/accounts/email/confirm/\S+/", mail.body)
    assert match, mail.body
    return match.group(0).replace(settings.TEND_BASE_URL, "")


def test_the_email_page_asks_for_the_new_address_and_password(member):
    html = signed_in(member).get("/accounts/email/").content.decode()
    assert '<label for="id_new_email"' in html and 'autocomplete="current-password"' in html


def test_a_link_goes_to_the_new_address_and_a_notice_to_the_old(
    member, mailoutbox, django_capture_on_commit_callbacks
):
    client = signed_in(member)
    response = ask_to_change(client, django_capture_on_commit_callbacks)
    assert response["Location"] == "/accounts/"
    assert sorted(m.to[0] for m in mailoutbox) == ["sam.new@example.org", "sam@example.org"]
    notice = next(m for m in mailoutbox if m.to == ["sam@example.org"])
    assert "/accounts/email/confirm/" not in notice.body
    member.user.refresh_from_db()
    assert member.user.email == "sam@example.org"
    assert AuditEvent.objects.filter(action="auth.email_change_requested").exists()


def test_opening_the_link_and_confirming_changes_the_address_once(
    member, mailoutbox, django_capture_on_commit_callbacks
):
    ask_to_change(signed_in(member), django_capture_on_commit_callbacks)
    link = confirm_link(mailoutbox)
    visitor = Client()
    page = visitor.get(link)
    assert page.status_code == 200
    assert "sam.new@example.org" in page.content.decode()
    member.user.refresh_from_db()
    assert member.user.email == "sam@example.org"  # a GET (mail scanners) changes nothing
    response = visitor.post(link)
    assert response["Location"] == "/accounts/login/"
    member.user.refresh_from_db()
    assert member.user.email == "sam.new@example.org"
    assert sign_in_post(Client(), "sam.new@example.org").status_code == 302
    assert AuditEvent.objects.filter(action="auth.email_changed").exists()
    # The token holds the old address, so it dies once used.
    assert visitor.get(link).status_code == 410
    assert visitor.post(link).status_code == 410


def test_the_link_expires(member, mailoutbox, django_capture_on_commit_callbacks, clock):
    ask_to_change(signed_in(member), django_capture_on_commit_callbacks)
    link = confirm_link(mailoutbox)
    clock.shift(settings.PASSWORD_RESET_TIMEOUT + 1)
    assert Client().post(link).status_code == 410
    member.user.refresh_from_db()
    assert member.user.email == "sam@example.org"


def test_a_tampered_link_is_refused(client, member):
    token = services.email_change_token(member.user, "sam.new@example.org")
    assert client.get(f"/accounts/email/confirm/{token[:-2]}xx/").status_code == 410


def test_a_wrong_password_keeps_the_new_address_typed(
    member, mailoutbox, django_capture_on_commit_callbacks
):
    response = ask_to_change(signed_in(member), django_capture_on_commit_callbacks, password="no")
    assert response.status_code == 200
    assert response.context["form"].errors["password"] == ["That is not your current password."]
    assert 'value="sam.new@example.org"' in response.content.decode()
    assert mailoutbox == []


def test_an_address_another_account_uses_is_refused(
    member, mailoutbox, django_capture_on_commit_callbacks
):
    UserFactory(email="taken@example.org")
    response = ask_to_change(
        signed_in(member), django_capture_on_commit_callbacks, new_email="Taken@example.org"
    )
    assert "already belongs to another" in response.context["form"].errors["new_email"][0]
    assert mailoutbox == []


def test_an_address_taken_after_the_link_was_sent_is_refused_at_confirmation(
    member, mailoutbox, django_capture_on_commit_callbacks
):
    ask_to_change(signed_in(member), django_capture_on_commit_callbacks)
    link = confirm_link(mailoutbox)
    UserFactory(email="sam.new@example.org")
    response = Client().post(link)
    assert response.status_code == 200
    assert "already belongs to another" in response.content.decode()


def test_email_change_needs_sign_in(client, db):
    assert "/accounts/login/" in client.get("/accounts/email/")["Location"]


# ---------------------------------------------------------------- the account page


def test_the_account_page_shows_the_details_and_links(member):
    page = signed_in(member).get("/accounts/")
    html = page.content.decode()
    assert page.status_code == 200
    for path in ("/accounts/password/", "/accounts/email/", "/accounts/mfa/"):
        assert f'href="{path}"' in html
    assert f'value="{member.user.full_name}"' in html


def test_the_account_page_saves_name_preferred_name_and_time_zone(member):
    client = signed_in(member)
    response = client.post(
        "/accounts/",
        {"full_name": "Samira Jones", "preferred_name": "Sam", "time_zone": "America/Denver"},
    )
    assert response["Location"] == "/accounts/"
    member.user.refresh_from_db()
    assert (member.user.full_name, member.user.preferred_name, member.user.time_zone) == (
        "Samira Jones",
        "Sam",
        "America/Denver",
    )
    event = AuditEvent.objects.get(action="account.updated")
    assert event.detail == {"fields": ["full_name", "preferred_name", "time_zone"]}
    assert "Samira" not in str(event.detail)


def test_an_unknown_time_zone_is_refused_and_the_rest_kept(member):
    response = signed_in(member).post(
        "/accounts/", {"full_name": "Samira Jones", "preferred_name": "", "time_zone": "Mars/Base"}
    )
    assert response.status_code == 200
    assert "time_zone" in response.context["form"].errors
    assert 'value="Samira Jones"' in response.content.decode()


def test_a_name_is_required(member):
    response = signed_in(member).post("/accounts/", {"full_name": "", "time_zone": ""})
    assert "full_name" in response.context["form"].errors


def test_the_account_page_needs_sign_in(client, db):
    assert client.get("/accounts/")["Location"] == "/accounts/login/?next=/accounts/"


def test_update_profile_records_nothing_when_nothing_changed(member):
    user = member.user
    changed = services.update_profile(
        user, full_name=user.full_name, preferred_name=user.preferred_name, time_zone=""
    )
    assert changed == []
    assert not AuditEvent.objects.filter(action="account.updated").exists()
