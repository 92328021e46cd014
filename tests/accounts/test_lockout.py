"""Lockout after repeated failures (django-axes, by account) and the owner's unlock."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.conf import settings
from django.test import Client

from tend.accounts import services
from tend.core.models import AuditEvent
from tests.accounts.conftest import sign_in_post
from tests.conftest import signed_in

pytestmark = pytest.mark.django_db


def lock(email: str) -> None:
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        response = sign_in_post(client, email, password="wrong password here")
    assert response.status_code == 429


def test_the_account_locks_at_the_failure_limit_with_a_clear_message(client, team):
    email = team.clinician.user.email
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert sign_in_post(client, email, password="nope nope").status_code == 200
    response = sign_in_post(client, email, password="nope nope")
    assert response.status_code == 429
    html = response.content.decode()
    assert "This account is locked" in html
    assert f"after {settings.AXES_FAILURE_LIMIT} failed attempts" in html
    assert "30 minutes after the last attempt" in html
    assert "owner or administrator can unlock it now" in html
    assert services.is_locked_out(team.clinician.user)


def test_the_right_password_is_refused_while_locked(client, team):
    lock(team.clinician.user.email)
    response = sign_in_post(client, team.clinician.user.email)
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_lockout_is_by_account_so_colleagues_behind_the_same_router_can_sign_in(client, team):
    lock(team.clinician.user.email)
    assert sign_in_post(client, team.biller.user.email).status_code == 302


def test_the_lock_lifts_by_itself_after_the_cool_off(team):
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC), tick=False):
        lock(team.clinician.user.email)
        assert services.is_locked_out(team.clinician.user)
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, 31, tzinfo=dt.UTC), tick=False):
        assert not services.is_locked_out(team.clinician.user)
        assert sign_in_post(Client(), team.clinician.user.email).status_code == 302


def test_lockouts_are_audited(team):
    lock(team.clinician.user.email)
    event = AuditEvent.objects.filter(action="auth.locked_out").get()
    assert event.actor == team.clinician.user
    assert AuditEvent.objects.filter(action="auth.signin_failed").count() == (
        settings.AXES_FAILURE_LIMIT
    )


@pytest.mark.parametrize("role", ["owner", "admin"])
def test_an_owner_or_admin_unlocks_a_colleague(team, role):
    lock(team.clinician.user.email)
    client = signed_in(team.by_role(role))
    response = client.post(f"/accounts/unlock/{team.clinician.uuid}/", {"next": "/"})
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert not services.is_locked_out(team.clinician.user)
    assert sign_in_post(Client(), team.clinician.user.email).status_code == 302
    event = AuditEvent.objects.get(action="auth.unlocked")
    assert event.actor == team.by_role(role).user
    assert event.practice == team.practice
    assert event.object_id == str(team.clinician.uuid)


@pytest.mark.parametrize("role", ["clinician", "supervisor", "biller", "front_desk"])
def test_other_roles_cannot_unlock(team, role):
    client = signed_in(team.by_role(role))
    lock(team.owner.user.email)
    response = client.post(f"/accounts/unlock/{team.owner.uuid}/")
    assert response.status_code == 403
    assert services.is_locked_out(team.owner.user)


def test_an_owner_of_another_practice_gets_not_found(team):
    lock(team.clinician.user.email)
    outsider = team.outsider
    outsider.role = "owner"
    outsider.save()
    response = signed_in(outsider).post(f"/accounts/unlock/{team.clinician.uuid}/")
    assert response.status_code == 404
    assert services.is_locked_out(team.clinician.user)


def test_unlock_only_answers_post(team):
    response = signed_in(team.owner).get(f"/accounts/unlock/{team.clinician.uuid}/")
    assert response.status_code == 405


def test_unlock_account_service_clears_failures_and_records_who(team):
    lock(team.front_desk.user.email)
    cleared = services.unlock_account(team.front_desk.user, membership=team.admin)
    assert cleared >= 1
    assert not services.is_locked_out(team.front_desk.user)
    event = AuditEvent.objects.get(action="auth.unlocked")
    assert event.actor == team.admin.user and event.detail == {"cleared_attempts": cleared}


def test_is_locked_out_is_false_for_a_few_failures(team):
    client = Client()
    sign_in_post(client, team.clinician.user.email, password="wrong wrong")
    assert not services.is_locked_out(team.clinician.user)


def test_a_password_reset_lifts_the_lock(team):
    from django.contrib.auth.tokens import default_token_generator

    user = team.clinician.user
    lock(user.email)
    token = default_token_generator.make_token(user)
    services.reset_password(user, token=token, new_password="a brand new long passphrase")
    assert not services.is_locked_out(user)
