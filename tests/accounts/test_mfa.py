"""Two-step sign-in: set-up with a QR code, the code step, backup codes, turning it off."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from tend.accounts import services
from tend.core.models import AuditEvent
from tests.accounts.conftest import code_for, enrol, sign_in_post
from tests.conftest import signed_in
from tests.factories import PASSWORD, MembershipFactory, PracticeFactory, UserFactory

pytestmark = pytest.mark.django_db


def verified_client(user) -> Client:
    """Signed in with password and code, as after the full sign-in."""
    client = Client()
    sign_in_post(client, user.email)
    device = TOTPDevice.objects.get(user=user, confirmed=True)
    response = client.post("/accounts/mfa/verify/", {"code": code_for(device)})
    assert response.status_code == 302, response.content
    return client


# ---------------------------------------------------------------- set-up


def test_set_up_shows_an_inline_svg_qr_code_and_the_key_to_type(member, clock):
    response = signed_in(member).get("/accounts/mfa/setup/")
    assert response.status_code == 200
    html = response.content.decode()
    assert re.search(r'<svg role="img" aria-label="QR code[^"]*"', html)
    assert "data:" not in html.split("<main", 1)[1]
    device = TOTPDevice.objects.get(user=member.user, confirmed=False)
    from base64 import b32encode

    secret = b32encode(device.bin_key).decode()
    assert response.context["secret"].replace(" ", "") == secret
    assert 'autocomplete="one-time-code"' in html and 'inputmode="numeric"' in html


def test_the_qr_code_stays_the_same_until_confirmed(member, clock):
    client = signed_in(member)
    first = client.get("/accounts/mfa/setup/").context["secret"]
    assert client.get("/accounts/mfa/setup/").context["secret"] == first
    assert TOTPDevice.objects.filter(user=member.user).count() == 1


def test_confirming_with_a_code_from_the_key_turns_it_on_and_shows_ten_backup_codes_once(
    member, clock
):
    client = signed_in(member)
    client.get("/accounts/mfa/setup/")
    device = TOTPDevice.objects.get(user=member.user)
    response = client.post("/accounts/mfa/setup/", {"code": code_for(device), "next": "/"})
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/mfa/backup-codes/")
    device.refresh_from_db()
    assert device.confirmed
    page = client.get(response["Location"])
    codes = page.context["codes"]
    assert len(codes) == 10
    assert codes[0] in page.content.decode()
    assert StaticToken.objects.filter(device__user=member.user).count() == 10
    # Leaving without ticking the box keeps the codes on screen.
    again = client.post("/accounts/mfa/backup-codes/", {"next": "/"})
    assert again.status_code == 200 and again.context["form"].errors
    done = client.post("/accounts/mfa/backup-codes/", {"saved": "on", "next": "/"})
    assert done["Location"] == "/"
    # Shown once: now the page just goes back to the settings.
    assert client.get("/accounts/mfa/backup-codes/")["Location"] == "/accounts/mfa/"
    assert AuditEvent.objects.filter(action="auth.mfa_enrolled", actor=member.user).exists()


def test_a_wrong_code_at_set_up_keeps_what_was_typed_and_explains(member, clock):
    client = signed_in(member)
    client.get("/accounts/mfa/setup/")
    response = client.post("/accounts/mfa/setup/", {"code": "000000"})
    assert response.status_code == 200
    assert "That code is not right" in response.content.decode()
    assert 'value="000000"' in response.content.decode()
    assert not TOTPDevice.objects.get(user=member.user).confirmed


def test_set_up_needs_sign_in(client, db):
    response = client.get("/accounts/mfa/setup/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_setting_up_a_new_phone_replaces_the_old_authenticator(member, clock):
    old, _ = enrol(member.user)
    clock.shift(60)
    client = verified_client(member.user)
    client.get("/accounts/mfa/setup/")
    new = TOTPDevice.objects.get(user=member.user, confirmed=False)
    clock.shift(60)
    response = client.post("/accounts/mfa/setup/", {"code": code_for(new)})
    assert response.status_code == 302
    assert list(TOTPDevice.objects.filter(user=member.user)) == [new]


# ---------------------------------------------------------------- the code step


def test_sign_in_with_an_authenticator_asks_for_a_code_then_goes_on(member, clock):
    device, _ = enrol(member.user)
    clock.shift(60)
    client = Client()
    response = sign_in_post(client, member.user.email, next_url="/accounts/")
    assert response["Location"] == "/accounts/mfa/verify/?next=%2Faccounts%2F"
    page = client.get(response["Location"])
    assert "Enter the 6-digit code from your authenticator app, or a backup code." in (
        page.content.decode()
    )
    # Every other page sends them back to the code step.
    assert client.get("/accounts/")["Location"].startswith("/accounts/mfa/verify/")
    assert client.get("/")["Location"].startswith("/accounts/mfa/verify/")
    response = client.post(
        "/accounts/mfa/verify/", {"code": code_for(device), "next": "/accounts/"}
    )
    assert response["Location"] == "/accounts/"
    assert client.get("/accounts/").status_code == 200
    assert AuditEvent.objects.get(action="auth.signin").detail == {"second_step": True}


def test_the_code_step_refuses_a_wrong_code_and_audits_it(member, clock):
    enrol(member.user)
    clock.shift(60)
    client = Client()
    sign_in_post(client, member.user.email)
    response = client.post("/accounts/mfa/verify/", {"code": "123456"})
    assert response.status_code == 200
    assert "That code is not right" in response.content.decode()
    assert client.get("/")["Location"].startswith("/accounts/mfa/verify/")
    assert AuditEvent.objects.filter(action="auth.mfa_failed", actor=member.user).exists()


def test_a_used_code_cannot_be_used_again(member, clock):
    device, _ = enrol(member.user)
    clock.shift(60)
    code = code_for(device)
    verified_client(member.user)
    client = Client()
    sign_in_post(client, member.user.email)
    response = client.post("/accounts/mfa/verify/", {"code": code})
    assert response.status_code == 200


def test_repeated_wrong_codes_are_throttled_with_a_clear_message(member, clock):
    device, _ = enrol(member.user)
    clock.shift(60)
    client = Client()
    sign_in_post(client, member.user.email)
    client.post("/accounts/mfa/verify/", {"code": "111111"})
    response = client.post("/accounts/mfa/verify/", {"code": code_for(device)})
    assert "Too many wrong codes in a row. Wait 1 second," in response.content.decode()
    clock.shift(1)
    client.post("/accounts/mfa/verify/", {"code": "222222"})
    response = client.post("/accounts/mfa/verify/", {"code": code_for(device)})
    assert "Wait 2 seconds" in response.content.decode()
    clock.shift(2)
    response = client.post("/accounts/mfa/verify/", {"code": code_for(device)})
    assert response.status_code == 302


def test_a_backup_code_works_once(member, clock):
    _, codes = enrol(member.user)
    clock.shift(60)
    client = Client()
    sign_in_post(client, member.user.email)
    response = client.post("/accounts/mfa/verify/", {"code": codes[0]})
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    assert StaticToken.objects.filter(device__user=member.user).count() == 9
    event = AuditEvent.objects.get(action="auth.backup_code_used")
    assert event.detail == {"backup_codes_left": 9}

    again = Client()
    sign_in_post(again, member.user.email)
    response = again.post("/accounts/mfa/verify/", {"code": codes[0]})
    assert response.status_code == 200
    assert "already used" in response.content.decode()


def test_backup_codes_may_be_typed_without_the_space(member, clock):
    _, codes = enrol(member.user)
    client = Client()
    sign_in_post(client, member.user.email)
    response = client.post("/accounts/mfa/verify/", {"code": codes[3].replace(" ", "")})
    assert response.status_code == 302


def test_sign_out_stays_reachable_before_the_code(member, clock):
    enrol(member.user)
    client = Client()
    sign_in_post(client, member.user.email)
    assert client.post("/accounts/logout/").status_code == 302
    assert "_auth_user_id" not in client.session


def test_the_half_signed_in_cannot_reach_mfa_settings_or_set_up(member, clock):
    enrol(member.user)
    client = Client()
    sign_in_post(client, member.user.email)
    for path in ("/accounts/mfa/setup/", "/accounts/mfa/turn-off/", "/accounts/mfa/"):
        assert client.get(path)["Location"].startswith("/accounts/mfa/verify/"), path


def test_the_code_step_without_an_authenticator_just_goes_on(member):
    response = signed_in(member).get("/accounts/mfa/verify/?next=/accounts/")
    assert response["Location"] == "/accounts/"


def test_htmx_requests_are_redirected_with_a_header(member, clock):
    enrol(member.user)
    client = Client()
    sign_in_post(client, member.user.email)
    response = client.get("/accounts/", headers={"HX-Request": "true"})
    assert response.status_code == 204
    assert response["HX-Redirect"].startswith("/accounts/mfa/verify/")


# ---------------------------------------------------------------- a practice that requires it


def test_a_practice_that_requires_mfa_sends_people_without_it_to_set_up(db, clock):
    membership = MembershipFactory(practice=PracticeFactory(require_mfa=True))
    client = Client()
    response = sign_in_post(client, membership.user.email)
    assert response["Location"] == "/"
    response = client.get("/")
    assert response["Location"] == "/accounts/mfa/setup/?next=%2F"
    assert client.get("/accounts/")["Location"].startswith("/accounts/mfa/setup/")
    page = client.get("/accounts/mfa/setup/?next=%2F")
    assert page.status_code == 200
    device = TOTPDevice.objects.get(user=membership.user)
    response = client.post("/accounts/mfa/setup/", {"code": code_for(device), "next": "/"})
    codes_page = client.get(response["Location"])
    assert codes_page.status_code == 200
    response = client.post(response["Location"], {"saved": "on", "next": "/"})
    assert response["Location"] == "/"
    assert client.get("/").status_code == 200


def test_the_banner_shows_when_the_practice_does_not_require_mfa_and_the_person_has_none(
    member, clock
):
    client = signed_in(member)
    assert client.get("/").context["mfa_banner"] is True
    enrol(member.user)
    clock.shift(60)
    client = verified_client(member.user)
    assert client.get("/").context["mfa_banner"] is False


def test_no_banner_when_the_practice_requires_mfa(db, clock):
    membership = MembershipFactory(practice=PracticeFactory(require_mfa=True))
    enrol(membership.user)
    clock.shift(60)
    client = verified_client(membership.user)
    assert client.get("/").context["mfa_banner"] is False


# ---------------------------------------------------------------- backup codes and turning off


def test_new_backup_codes_need_a_current_code_and_replace_the_old(member, clock):
    device, old_codes = enrol(member.user)
    clock.shift(60)
    client = verified_client(member.user)
    clock.shift(60)
    response = client.post("/accounts/mfa/backup-codes/new/", {"code": "999999"})
    assert response.status_code == 200
    assert "That code is not right" in response.content.decode()
    clock.shift(60)
    response = client.post("/accounts/mfa/backup-codes/new/", {"code": code_for(device)})
    assert response["Location"].startswith("/accounts/mfa/backup-codes/")
    new_codes = client.get(response["Location"]).context["codes"]
    assert set(new_codes).isdisjoint(old_codes)
    tokens = set(
        StaticToken.objects.filter(device__user=member.user).values_list("token", flat=True)
    )
    assert tokens == {c.replace(" ", "") for c in new_codes}
    assert AuditEvent.objects.filter(action="auth.backup_codes_generated").exists()


def test_new_backup_codes_without_an_authenticator_go_to_set_up(member):
    response = signed_in(member).get("/accounts/mfa/backup-codes/new/")
    assert response["Location"] == "/accounts/mfa/setup/"


def test_turning_mfa_off_needs_the_password(member, clock):
    enrol(member.user)
    clock.shift(60)
    client = verified_client(member.user)
    response = client.post("/accounts/mfa/turn-off/", {"password": "not it"})
    assert response.status_code == 200
    assert "That is not your current password." in response.content.decode()
    assert services.has_mfa(member.user)
    response = client.post("/accounts/mfa/turn-off/", {"password": PASSWORD})
    assert response["Location"] == "/accounts/mfa/"
    assert not services.has_mfa(member.user)
    assert not StaticToken.objects.filter(device__user=member.user).exists()
    assert AuditEvent.objects.filter(action="auth.mfa_removed", actor=member.user).exists()


def test_turning_mfa_off_is_refused_when_a_practice_requires_it(db, clock):
    membership = MembershipFactory(practice=PracticeFactory(require_mfa=True))
    enrol(membership.user)
    clock.shift(60)
    client = verified_client(membership.user)
    page = client.get("/accounts/mfa/turn-off/")
    assert "requires two-step sign-in" in page.content.decode()
    response = client.post("/accounts/mfa/turn-off/", {"password": PASSWORD})
    assert response.status_code == 200
    assert services.has_mfa(membership.user)


def test_the_mfa_page_shows_status_and_backup_codes_left(member, clock):
    client = signed_in(member)
    assert "Set up two-step sign-in" in client.get("/accounts/mfa/").content.decode()
    enrol(member.user)
    clock.shift(60)
    client = verified_client(member.user)
    page = client.get("/accounts/mfa/")
    assert page.context["backup_codes_left"] == 10 and page.context["enabled"]


# ---------------------------------------------------------------- services


def test_confirm_totp_device_service_audits_and_makes_codes(db, clock):
    user = UserFactory()
    device = services.start_totp_enrolment(user)
    codes = services.confirm_totp_device(user, code=code_for(device))
    assert len(codes) == 10 and all(len(c.replace(" ", "")) == 10 for c in codes)
    assert AuditEvent.objects.get(action="auth.mfa_enrolled").detail == {"backup_codes": 10}


def test_verify_second_step_refuses_after_throttling(db, clock):
    user = UserFactory()
    device, _ = enrol(user)
    clock.shift(60)
    with pytest.raises(services.WrongCode):
        services.verify_second_step(user, code="000000")
    with pytest.raises(services.CodeThrottled) as refused:
        services.verify_second_step(user, code=code_for(device))
    assert refused.value.seconds == 1


def test_disable_mfa_service_refuses_when_required(db, clock):
    membership = MembershipFactory(practice=PracticeFactory(require_mfa=True))
    enrol(membership.user)
    with pytest.raises(services.MFARequiredByPractice):
        services.disable_mfa(membership.user, password=PASSWORD)
