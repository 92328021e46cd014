"""Journeys through Tend in Chromium: sign up and enrol two-step sign-in, sign in with a code,
lockout after repeated failures, and idle sign-out that keeps what was typed.

Every page visited is screenshotted (test-artifacts/screenshots/) and checked with axe.
"""

from __future__ import annotations

import re
import time

import pytest
import time_machine
from django.conf import settings
from playwright.sync_api import Page, expect

from tend.accounts.models import User
from tests.browser.conftest import check_page
from tests.browser.helpers import sign_in_by_session, totp_code
from tests.factories import PASSWORD, MembershipFactory, PracticeFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NEW_PASSWORD = "quiet meadow lantern 47"


def sign_in_form(page: Page, email: str, password: str) -> None:
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()


def test_a_new_practice_signs_up_enrols_two_step_sign_in_then_signs_in_again_with_a_code(
    page: Page, live_server
):
    page.goto(live_server.url + "/signup/")
    check_page(page, "signup")

    # A first try with a weak, mismatched password comes back with errors and keeps the rest.
    page.get_by_label("Practice name").fill("Willow Creek Counseling")
    page.get_by_label("Your full name").fill("Morgan Avery")
    page.get_by_label("Your email").fill("morgan@willowcreek.example")
    page.get_by_label("Password", exact=True).fill("short")
    page.get_by_label("Password again").fill("different")
    page.get_by_role("button", name="Create practice").click()
    password = page.get_by_label("Password", exact=True)
    expect(password).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#id_password_error")).to_contain_text("too short")
    expect(page.get_by_role("alert").first).to_contain_text("Please check the answers")
    expect(page.get_by_label("Practice name")).to_have_value("Willow Creek Counseling")
    expect(page.get_by_label("Your email")).to_have_value("morgan@willowcreek.example")
    check_page(page, "signup-with-errors")

    password.fill(NEW_PASSWORD)
    page.get_by_label("Password again").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Create practice").click()

    # Two-step sign-in enrolment: read the key as a person would, and answer with a code.
    expect(page).to_have_url(re.compile(r"/accounts/mfa/setup/"))
    expect(page.locator("main h1")).to_have_text("Set up two-step sign-in")
    # Nothing else is open until this is done, so the header offers only signing out.
    expect(page.get_by_role("navigation", name="Main")).to_have_count(0)
    check_page(page, "mfa-setup")
    secret = page.locator("#totp-secret").inner_text()
    page.get_by_label("6-digit code from the app").fill(totp_code(secret))
    page.get_by_role("button", name="Confirm").click()

    expect(page.locator("main h1")).to_have_text("Save your backup codes")
    check_page(page, "backup-codes")
    codes = page.locator(".code-list li").all_inner_texts()
    assert len(codes) >= 8
    page.get_by_label("I have saved these backup codes somewhere safe").check()
    page.get_by_role("button", name="Continue").click()

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Today").click()
    expect(page.locator("main h1")).to_contain_text("Morgan")
    expect(page.locator(".practice-name")).to_have_text("Willow Creek Counseling")
    expect(page.locator(".practice-role")).to_contain_text("Owner")
    check_page(page, "today-after-signup")

    # Sign out from the account menu.
    page.locator("details.user-menu summary").click()
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    expect(page.locator(".messages")).to_contain_text("signed out")
    check_page(page, "sign-in")

    # The code used to enrol cannot be replayed: sign in again in the next 30-second step.
    with time_machine.travel(time.time() + 31, tick=True) as server_clock:
        sign_in_form(page, "morgan@willowcreek.example", NEW_PASSWORD)
        expect(page.locator("main h1")).to_have_text("Two-step sign-in")
        expect(page.get_by_role("navigation", name="Main")).to_have_count(0)
        check_page(page, "sign-in-code-step")
        page.get_by_label("Code").fill("000000" if totp_code(secret) != "000000" else "111111")
        page.get_by_role("button", name="Continue").click()
        expect(page.get_by_label("Code")).to_have_attribute("aria-invalid", "true")
        check_page(page, "sign-in-code-step-wrong-code")
        server_clock.shift(2)  # a wrong code makes the next one wait a second (django-otp)
        page.get_by_label("Code").fill(totp_code(secret))
        page.get_by_role("button", name="Continue").click()
        expect(page).to_have_url(live_server.url + "/")
        expect(page.locator("main h1")).to_contain_text("Morgan")


def test_repeated_wrong_passwords_lock_the_account_even_against_the_right_one(
    page: Page, live_server
):
    member = MembershipFactory(practice=PracticeFactory(name="Harbor Light Therapy"))
    email = member.user.email
    page.goto(live_server.url + "/accounts/login/")
    for attempt in range(1, settings.AXES_FAILURE_LIMIT):
        sign_in_form(page, email, f"wrong password {attempt}")
        expect(page.locator("main h1")).to_have_text("Sign in to Tend")
        expect(page.get_by_role("alert").first).to_be_visible()
    check_page(page, "sign-in-wrong-password")

    sign_in_form(page, email, "wrong password, last straw")
    expect(page.locator("main h1")).to_have_text("This account is locked for now")
    check_page(page, "locked-out")

    page.goto(live_server.url + "/accounts/login/")
    sign_in_form(page, email, PASSWORD)
    expect(page.locator("main h1")).to_have_text("This account is locked for now")
    expect(page.get_by_role("navigation", name="Main")).to_have_count(0)
    page.goto(live_server.url + "/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))


def test_idle_sign_out_warns_a_minute_before_and_keeps_what_was_typed(
    page: Page, context, live_server
):
    member = MembershipFactory(
        practice=PracticeFactory(name="Cedar Grove Counseling", idle_timeout_minutes=2),
        role="owner",
    )
    assert User.objects.filter(pk=member.user_id).exists()
    with time_machine.travel(time.time(), tick=True) as server_clock:
        page.clock.install()
        sign_in_by_session(context, live_server, member)
        page.goto(live_server.url + "/settings/")
        name = page.get_by_label("Name", exact=True)
        expect(name).to_have_value("Cedar Grove Counseling")
        name.fill("Cedar Grove Counseling and Wellness")

        # A minute before the end (two minutes allowed), the warning appears.
        server_clock.shift(61)
        page.clock.run_for(61_000)
        dialog = page.get_by_role("alertdialog", name="Are you still there?")
        expect(dialog).to_be_visible()
        expect(dialog.get_by_role("button", name="Stay signed in")).to_be_focused()
        check_page(page, "idle-warning")

        # Nobody answers: the session ends and the browser goes to sign in.
        server_clock.shift(60)
        page.clock.run_for(61_000)
        expect(page).to_have_url(re.compile(r"/accounts/login/\?next=%2Fsettings%2F"))
        expect(page.get_by_role("status").filter(has_text="without activity")).to_be_visible()
        check_page(page, "signed-out-after-idle")

        sign_in_form(page, member.user.email, PASSWORD)
        expect(page).to_have_url(live_server.url + "/settings/")
        expect(page.get_by_label("Name", exact=True)).to_have_value(
            "Cedar Grove Counseling and Wellness"
        )
        expect(page.locator("[data-idle-restored]")).to_contain_text("restored")
        check_page(page, "settings-restored-after-idle")
