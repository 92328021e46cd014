"""Every account page in Chromium: no serious accessibility problems (axe), no CSP breaks.

Screenshots go to test-artifacts/screenshots/accounts-*.png.
"""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.tokens import default_token_generator
from playwright.sync_api import Page, expect

from tend.accounts import services
from tests.accounts.conftest import code_for
from tests.browser.conftest import check_page
from tests.browser.helpers import sign_in_by_session
from tests.factories import MembershipFactory, PracticeFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_signed_out_pages_are_accessible(page: Page, live_server):
    member = MembershipFactory(practice=PracticeFactory(name="Birch Path Therapy"))
    user = member.user
    token = default_token_generator.make_token(user)
    email_token = services.email_change_token(user, "new.address@example.org")
    pages = {
        "sign-in": "/accounts/login/",
        "password-reset": "/accounts/password/reset/",
        "password-reset-sent": "/accounts/password/reset/sent/",
        "password-reset-confirm": (
            f"/accounts/password/reset/{services.user_link_id(user)}/{token}/"
        ),
        "link-invalid": "/accounts/password/reset/nope/nope/",
        "email-change-confirm": f"/accounts/email/confirm/{email_token}/",
    }
    for name, path in pages.items():
        page.goto(live_server.url + path)
        check_page(page, f"accounts-{name}")


def test_the_signed_in_account_pages_are_accessible(page: Page, context, live_server):
    member = MembershipFactory(practice=PracticeFactory(name="Birch Path Therapy"))
    sign_in_by_session(context, live_server, member)
    for name, path in {
        "account": "/accounts/",
        "password-change": "/accounts/password/",
        "email-change": "/accounts/email/",
        "mfa-off": "/accounts/mfa/",
        "mfa-setup": "/accounts/mfa/setup/",
        "sign-out": "/accounts/logout/",
    }.items():
        page.goto(live_server.url + path)
        check_page(page, f"accounts-{name}")

    # Bad input: the errors sit next to the fields and the page stays accessible.
    page.goto(live_server.url + "/accounts/password/")
    page.get_by_label("Current password").fill("not my password")
    page.get_by_label("New password", exact=True).fill("short")
    page.get_by_label("New password again").fill("short")
    page.get_by_role("button", name="Change password").click()
    expect(page.get_by_label("New password", exact=True)).to_have_attribute("aria-invalid", "true")
    check_page(page, "accounts-password-change-errors")

    # Set up two-step sign-in with the key shown on the page.
    page.goto(live_server.url + "/accounts/mfa/setup/")
    expect(page.get_by_role("img", name=re.compile("QR code"))).to_be_visible()
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.get(user=member.user, confirmed=False)
    page.get_by_label("6-digit code from the app").fill(code_for(device))
    page.get_by_role("button", name="Confirm").click()
    expect(page.locator(".code-list li")).to_have_count(10)
    check_page(page, "accounts-backup-codes")
    page.get_by_label("I have saved these backup codes somewhere safe").check()
    page.get_by_role("button", name="Continue").click()
    expect(page).to_have_url(live_server.url + "/accounts/mfa/")
    check_page(page, "accounts-mfa-on")
    for name, path in {
        "regenerate-backup-codes": "/accounts/mfa/backup-codes/new/",
        "mfa-turn-off": "/accounts/mfa/turn-off/",
    }.items():
        page.goto(live_server.url + path)
        check_page(page, f"accounts-{name}")


def test_the_code_step_is_accessible(page: Page, live_server):
    member = MembershipFactory(practice=PracticeFactory(name="Birch Path Therapy"))
    device = services.start_totp_enrolment(member.user)
    services.confirm_totp_device(member.user, code=code_for(device))
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("Email address").fill(member.user.email)
    page.locator("#id_password").fill("correct horse battery staple")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("main h1")).to_have_text("Two-step sign-in")
    expect(page.get_by_label("Code")).to_have_attribute("inputmode", "numeric")
    expect(page.get_by_label("Code")).to_have_attribute("autocomplete", "one-time-code")
    check_page(page, "accounts-mfa-verify")
