"""Key screens at desktop (1280x800) and phone (390x844) sizes, light and dark: screenshots for
people to look at (test-artifacts/screenshots/) and axe checks on each."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.conftest import CHROMIUM, DESKTOP, MOBILE, check_page  # noqa: F401
from tests.browser.helpers import sign_in_by_session
from tests.factories import LocationFactory, MembershipFactory, PracticeFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SIZES = {"desktop": DESKTOP, "mobile": MOBILE}


@pytest.fixture(params=["desktop", "mobile"])
def sized_page(request, browser: Browser, page_problems):
    scheme = "light"
    context = browser.new_context(
        viewport=SIZES[request.param],
        locale="en-US",
        timezone_id="UTC",
        color_scheme=scheme,
        is_mobile=request.param == "mobile",
        has_touch=request.param == "mobile",
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    page_problems.watch(page)
    yield request.param, context, page
    context.close()
    assert not page_problems.csp, page_problems.csp
    assert not page_problems.errors, page_problems.errors


@pytest.fixture
def owner():
    practice = PracticeFactory(name="Riverbend Counseling", time_zone="America/Chicago")
    member = MembershipFactory(
        practice=practice, role="owner", user__full_name="Dana Whitfield", sees_clients=True
    )
    MembershipFactory(practice=PracticeFactory(name="Lakeside Therapy Group"), user=member.user)
    LocationFactory(practice=practice, name="Main Street office")
    return member


def test_today(sized_page, live_server, owner):
    size, context, page = sized_page
    sign_in_by_session(context, live_server, owner)
    page.goto(live_server.url + "/")
    expect(page.locator(".practice-name")).to_be_visible()
    check_page(page, f"today-{size}")


def test_sign_in_and_its_errors(sized_page, live_server, owner):
    size, context, page = sized_page
    page.goto(live_server.url + "/accounts/login/")
    check_page(page, f"sign-in-{size}")
    page.get_by_label("Email address").fill("not an email")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_label("Email address")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Email address")).to_have_value("not an email")
    check_page(page, f"sign-in-errors-{size}")


def test_a_settings_form_with_errors(sized_page, live_server, owner):
    size, context, page = sized_page
    sign_in_by_session(context, live_server, owner)
    page.goto(live_server.url + "/settings/")
    page.get_by_label("Name", exact=True).fill("")
    page.get_by_label("Sign out after idle minutes").fill("1")
    page.get_by_role("button", name="Save settings").click()
    minutes = page.get_by_label("Sign out after idle minutes")
    expect(minutes).to_have_attribute("aria-invalid", "true")
    expect(minutes).to_have_value("1")
    check_page(page, f"settings-errors-{size}")


def test_today_in_dark_mode(browser: Browser, live_server, owner, page_problems):
    context = browser.new_context(viewport=DESKTOP, color_scheme="dark")
    page = context.new_page()
    page_problems.watch(page)
    sign_in_by_session(context, live_server, owner)
    page.goto(live_server.url + "/")
    check_page(page, "today-desktop-dark")
    page.goto(live_server.url + "/settings/")
    page.get_by_label("Sign out after idle minutes").fill("1")
    page.get_by_role("button", name="Save settings").click()
    check_page(page, "settings-errors-desktop-dark")
    context.close()
    assert not page_problems.csp
