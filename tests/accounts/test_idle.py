"""Automatic logoff after the practice's idle minutes; passive polls do not count as activity."""

from __future__ import annotations

import pytest
from django.test import Client

from tend.accounts.middleware import LAST_SEEN_KEY, LIMIT_KEY
from tend.core.models import AuditEvent
from tests.accounts.conftest import START, sign_in_post
from tests.conftest import signed_in
from tests.factories import MembershipFactory, PracticeFactory, UserFactory

pytestmark = pytest.mark.django_db

PASSIVE = {"X-Tend-Passive": "1"}


@pytest.fixture
def ten_minute_member(db):
    return MembershipFactory(practice=PracticeFactory(idle_timeout_minutes=10))


def test_the_practice_limit_is_kept_in_the_session(ten_minute_member, clock):
    client = signed_in(ten_minute_member)
    client.get("/")
    assert client.session[LIMIT_KEY] == 600
    assert client.session[LAST_SEEN_KEY] == pytest.approx(START.timestamp())


def test_the_page_carries_the_timeout_for_the_browser(ten_minute_member, clock):
    response = signed_in(ten_minute_member).get("/")
    assert response.context["idle_timeout_seconds"] == 600


def test_activity_within_the_limit_keeps_the_session(ten_minute_member, clock):
    client = signed_in(ten_minute_member)
    client.get("/")
    for _ in range(3):
        clock.shift(9 * 60)
        assert client.get("/").status_code == 200


def test_a_person_idle_past_the_practice_limit_is_signed_out_and_told_why(ten_minute_member, clock):
    client = signed_in(ten_minute_member)
    client.get("/")
    clock.shift(10 * 60 + 1)
    response = client.get("/accounts/?tab=x")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=%2Faccounts%2F%3Ftab%3Dx"
    assert "_auth_user_id" not in client.session
    page = client.get(response["Location"])
    html = page.content.decode()
    assert (
        "You were signed out after 10 minutes without activity. Your unsaved work is kept on "
        "this device; sign in to continue."
    ) in html
    # Told once.
    assert "You were signed out" not in client.get("/accounts/login/").content.decode()
    event = AuditEvent.objects.get(action="auth.idle_signout")
    assert event.actor == ten_minute_member.user
    assert event.detail == {"idle_minutes": 10}


def test_signing_back_in_returns_to_the_page(ten_minute_member, clock):
    client = signed_in(ten_minute_member)
    client.get("/")
    clock.shift(11 * 60)
    response = client.get("/accounts/")
    assert response["Location"].startswith("/accounts/login/")
    response = sign_in_post(client, ten_minute_member.user.email, next_url="/accounts/")
    assert response["Location"] == "/accounts/"


def test_a_post_after_the_limit_goes_back_to_the_page_it_came_from(ten_minute_member, clock):
    client = signed_in(ten_minute_member)
    client.get("/")
    clock.shift(11 * 60)
    response = client.post(
        "/accounts/", {"full_name": "X"}, headers={"Referer": "http://testserver/accounts/"}
    )
    assert response["Location"] == "/accounts/login/?next=%2Faccounts%2F"
    ten_minute_member.user.refresh_from_db()
    assert ten_minute_member.user.full_name != "X"


def test_the_default_limit_applies_before_a_practice_is_known(db, clock):
    user = UserFactory()
    client = Client()
    client.force_login(user)
    client.get("/accounts/")
    clock.shift(14 * 60)
    assert client.get("/accounts/").status_code == 200
    clock.shift(15 * 60 + 1)
    assert client.get("/accounts/").status_code == 302


def test_the_passive_status_poll_does_not_extend_the_session(ten_minute_member, clock):
    client = signed_in(ten_minute_member)
    client.get("/")
    clock.shift(6 * 60)
    status = client.get("/accounts/session/status/", headers=PASSIVE)
    assert status.json() == {"signed_in": True, "remaining": 240, "limit": 600}
    clock.shift(3 * 60)
    assert client.get("/accounts/session/status/", headers=PASSIVE).json()["remaining"] == 60
    clock.shift(61)
    status = client.get("/accounts/session/status/", headers=PASSIVE)
    assert status.json() == {"signed_in": False, "remaining": 0}
    assert "_auth_user_id" not in client.session


def test_the_status_endpoint_is_passive_even_without_the_header(ten_minute_member, clock):
    client = signed_in(ten_minute_member)
    client.get("/")
    clock.shift(5 * 60)
    client.get("/accounts/session/status/")
    clock.shift(5 * 60 + 1)
    assert client.get("/accounts/session/status/").json()["signed_in"] is False


def test_a_passive_request_elsewhere_does_not_count_as_activity(ten_minute_member, clock):
    client = signed_in(ten_minute_member)
    client.get("/")
    clock.shift(9 * 60)
    client.get("/", headers=PASSIVE)
    clock.shift(61)
    assert client.get("/").status_code == 302


def test_keep_alive_extends_the_session_and_says_how_long_is_left(ten_minute_member, clock):
    client = signed_in(ten_minute_member)
    client.get("/")
    clock.shift(9 * 60 + 30)
    response = client.post("/accounts/session/keepalive/")
    assert response.json() == {"signed_in": True, "remaining": 600}
    clock.shift(9 * 60)
    assert client.get("/").status_code == 200


def test_keep_alive_only_answers_post(ten_minute_member):
    assert signed_in(ten_minute_member).get("/accounts/session/keepalive/").status_code == 405


def test_keep_alive_after_the_limit_does_not_revive_the_session(ten_minute_member, clock):
    client = signed_in(ten_minute_member)
    client.get("/")
    clock.shift(11 * 60)
    response = client.post("/accounts/session/keepalive/")
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_status_when_signed_out(client, db):
    assert client.get("/accounts/session/status/").json() == {"signed_in": False, "remaining": 0}


def test_htmx_requests_after_the_limit_get_a_redirect_header(ten_minute_member, clock):
    client = signed_in(ten_minute_member)
    client.get("/")
    clock.shift(11 * 60)
    response = client.get("/accounts/", headers={"HX-Request": "true"})
    assert response.status_code == 204
    assert response["HX-Redirect"].startswith("/accounts/login/?next=")
