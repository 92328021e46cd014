"""static/js/idle.js in Chromium: the warning, "Stay signed in", and typed input kept across
an idle sign-out. Time in the page runs on Playwright's clock, on the server on time-machine.
"""

from __future__ import annotations

import re
import time

import pytest
import time_machine
from playwright.sync_api import Page, expect

from tests.browser.helpers import sign_in_by_session
from tests.factories import PASSWORD, MembershipFactory, PracticeFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def member(db):
    return MembershipFactory(practice=PracticeFactory(idle_timeout_minutes=2))


def open_account_page(page: Page, context, live_server, member) -> None:
    page.clock.install()
    sign_in_by_session(context, live_server, member)
    page.goto(live_server.url + "/accounts/")
    expect(page.locator("body")).to_have_attribute("data-idle-timeout", "120")


def test_the_warning_comes_a_minute_before_and_stay_signed_in_keeps_the_session(
    page: Page, context, live_server, member
):
    with time_machine.travel(time.time(), tick=True) as server_clock:
        open_account_page(page, context, live_server, member)
        server_clock.shift(61)
        page.clock.run_for(61_000)
        dialog = page.get_by_role("alertdialog", name="Are you still there?")
        expect(dialog).to_be_visible()
        expect(dialog).to_contain_text("You will be signed out in")
        stay = dialog.get_by_role("button", name="Stay signed in")
        expect(stay).to_be_focused()
        expect(dialog.get_by_role("button", name="Sign out")).to_be_visible()
        stay.click()
        expect(dialog).to_be_hidden()
        # The keep-alive reset the server's clock: another 100 seconds is still fine.
        server_clock.shift(100)
        page.reload()
        expect(page).to_have_url(live_server.url + "/accounts/")


def test_at_the_end_typed_input_is_kept_and_restored_after_signing_in_again(
    page: Page, context, live_server, member
):
    with time_machine.travel(time.time(), tick=True) as server_clock:
        open_account_page(page, context, live_server, member)
        page.get_by_label("Preferred name").fill("Sunny")
        page.get_by_label("Time zone").select_option("America/Denver")
        server_clock.shift(61)
        page.clock.run_for(61_000)
        expect(page.get_by_role("alertdialog")).to_be_visible()
        server_clock.shift(61)
        page.clock.run_for(61_000)
        expect(page).to_have_url(re.compile(r"/accounts/login/\?next=%2Faccounts%2F"))
        expect(page.locator("main")).to_contain_text(
            "You were signed out after 2 minutes without activity."
        )
        page.get_by_label("Email address").fill(member.user.email)
        page.locator("#id_password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        expect(page).to_have_url(live_server.url + "/accounts/")
        expect(page.get_by_label("Preferred name")).to_have_value("Sunny")
        expect(page.get_by_label("Time zone")).to_have_value("America/Denver")
        expect(page.locator("[data-idle-restored]")).to_have_text("We restored what you had typed.")
        # Restored once: the stored copy is gone.
        page.reload()
        expect(page.locator("[data-idle-restored]")).to_have_count(0)
        expect(page.get_by_label("Preferred name")).to_have_value("")


def test_activity_extends_the_timer_and_tells_the_server_at_most_once_a_minute(
    page: Page, context, live_server, member
):
    keepalives: list[str] = []
    page.on(
        "request",
        lambda request: (
            keepalives.append(request.method) if "/session/keepalive/" in request.url else None
        ),
    )
    with time_machine.travel(time.time(), tick=True) as server_clock:
        open_account_page(page, context, live_server, member)
        heading = page.locator("main h1")
        server_clock.shift(50)
        page.clock.run_for(50_000)
        heading.click()
        assert keepalives == []
        # Past the original warning time: the click moved the timer on.
        server_clock.shift(20)
        page.clock.run_for(20_000)
        expect(page.get_by_role("alertdialog")).to_have_count(0)
        heading.click()
        heading.click()
    page.wait_for_load_state("networkidle")
    assert keepalives == ["POST"]
