"""The page shell in a real browser: header, practice, navigation, switcher, menus, htmx, a11y."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import MOBILE, check_page, screenshot
from tests.browser.helpers import sign_in_by_session
from tests.factories import MembershipFactory, PracticeFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def owner_in_two_practices():
    first = MembershipFactory(
        practice=PracticeFactory(name="Riverbend Counseling"),
        role="owner",
        user__full_name="Dana Whitfield",
    )
    MembershipFactory(
        practice=PracticeFactory(name="Lakeside Therapy Group"), role="clinician", user=first.user
    )
    return first


def test_today_shows_the_practice_role_and_navigation(
    page, context, live_server, owner_in_two_practices
):
    sign_in_by_session(context, live_server, owner_in_two_practices)
    page.goto(live_server.url + "/")
    check_page(page, "shell-today-desktop")

    header = page.locator("header.site-header")
    expect(header.locator(".practice-name")).to_have_text("Riverbend Counseling")
    expect(header.locator(".practice-role")).to_contain_text("Owner")
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Today")).to_have_attribute("aria-current", "page")
    expect(nav.get_by_role("link", name="Clients")).to_have_attribute("href", "/clients/")
    expect(nav.get_by_role("link", name="Calendar")).to_have_attribute("href", "/calendar/")
    for area in ["Notes", "Billing", "Wellbeing"]:
        item = nav.locator("a.nav-soon", has_text=area)
        expect(item).to_have_attribute("aria-disabled", "true")
        expect(item).not_to_have_attribute("href", r".*")
        expect(item).to_contain_text("coming soon")


def test_the_skip_link_is_the_first_stop_and_moves_focus_to_the_content(
    page, context, live_server, owner_in_two_practices
):
    sign_in_by_session(context, live_server, owner_in_two_practices)
    page.goto(live_server.url + "/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page.locator("main#main")).to_be_focused()


def test_switching_practice_submits_on_choice_and_shows_the_new_practice(
    page, context, live_server, owner_in_two_practices
):
    sign_in_by_session(context, live_server, owner_in_two_practices)
    page.goto(live_server.url + "/")
    switcher = page.get_by_label("Practice", exact=True)
    expect(switcher).to_have_value(str(owner_in_two_practices.practice.uuid))
    with page.expect_navigation():
        switcher.select_option(label="Lakeside Therapy Group")
    expect(page.locator(".practice-name")).to_have_text("Lakeside Therapy Group")
    expect(page.locator(".practice-role")).to_contain_text("Clinician")
    # A clinician has no practice settings to manage.
    expect(
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Settings")
    ).to_have_count(0)


def test_one_practice_means_no_switcher(page, context, live_server):
    member = MembershipFactory(practice=PracticeFactory(name="Solo Practice"), role="clinician")
    sign_in_by_session(context, live_server, member)
    page.goto(live_server.url + "/")
    expect(page.locator(".practice-name")).to_have_text("Solo Practice")
    expect(page.locator("form.practice-switcher")).to_have_count(0)


def test_the_account_menu_opens_from_the_keyboard_and_offers_sign_out(
    page, context, live_server, owner_in_two_practices
):
    sign_in_by_session(context, live_server, owner_in_two_practices)
    page.goto(live_server.url + "/")
    summary = page.locator("details.user-menu summary")
    expect(summary).to_contain_text("Dana")
    summary.focus()
    page.keyboard.press("Enter")
    sign_out = page.get_by_role("button", name="Sign out")
    expect(sign_out).to_be_visible()
    check_page(page, "shell-account-menu-open")
    page.keyboard.press("Escape")
    expect(sign_out).to_be_hidden()


def test_signing_out_shows_a_message_that_can_be_dismissed(
    page, context, live_server, owner_in_two_practices
):
    sign_in_by_session(context, live_server, owner_in_two_practices)
    page.goto(live_server.url + "/")
    page.locator("details.user-menu summary").click()
    page.get_by_role("button", name="Sign out").click()
    message = page.locator(".messages .notice.success")
    expect(message).to_contain_text("signed out")
    page.get_by_role("button", name="Dismiss message").click()
    expect(message).to_have_count(0)
    expect(page.locator("main#main")).to_be_focused()


def test_htmx_requests_carry_the_csrf_token(page, context, live_server, owner_in_two_practices):
    sign_in_by_session(context, live_server, owner_in_two_practices)
    page.goto(live_server.url + "/")
    token = page.locator('meta[name="csrf-token"]').get_attribute("content")
    assert token
    seen = {}

    def answer(route):
        seen.update(route.request.headers)
        route.fulfill(status=200, body="<p id='probe'>ok</p>", content_type="text/html")

    page.route("**/__probe__", answer)
    page.evaluate("() => htmx.ajax('POST', '/__probe__', {target: 'main', swap: 'beforeend'})")
    expect(page.locator("#probe")).to_have_text("ok")
    assert seen.get("x-csrftoken") == token
    assert seen.get("hx-request") == "true"
    # And Django accepts it: a real htmx POST gets through CSRF protection.
    page.evaluate(
        "() => { const d = document.createElement('div'); d.id = 'csrf-target';"
        " document.querySelector('main').append(d); }"
    )
    with page.expect_response("**/accounts/session/keepalive/") as response_info:
        page.evaluate(
            "() => htmx.ajax('POST', '/accounts/session/keepalive/', "
            "{target: '#csrf-target', swap: 'innerHTML'})"
        )
    assert response_info.value.status == 200
    expect(page.locator("#csrf-target")).to_contain_text("signed_in")
    # htmx is configured from the meta tag so it never injects a <style> the CSP would refuse.
    assert page.evaluate("() => htmx.config.includeIndicatorStyles") is False


def test_on_a_phone_the_menu_collapses_behind_a_button(
    page, context, live_server, owner_in_two_practices
):
    page.set_viewport_size(MOBILE)
    sign_in_by_session(context, live_server, owner_in_two_practices)
    page.goto(live_server.url + "/")
    toggle = page.get_by_role("button", name="Menu")
    nav = page.get_by_role("navigation", name="Main")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(nav).to_be_hidden()
    expect(page.locator(".practice-name")).to_be_visible()  # the practice is always in view
    check_page(page, "shell-today-mobile")
    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(nav.get_by_role("link", name="Today")).to_be_visible()
    check_page(page, "shell-today-mobile-menu-open")
    page.keyboard.press("Escape")
    expect(nav).to_be_hidden()


def test_the_not_found_page_is_styled_and_shows_nothing_from_the_request(
    page, context, live_server, owner_in_two_practices
):
    sign_in_by_session(context, live_server, owner_in_two_practices)
    response = page.goto(live_server.url + "/no-such-page/?name=Jane%20Doe")
    assert response.status == 404
    check_page(page, "error-404")
    expect(page.locator("main h1")).to_have_text("Not found")
    assert "Jane" not in page.content()
    assert "no-such-page" not in page.locator("main").inner_text()


def test_a_signed_out_visitor_gets_no_navigation_or_idle_timer(page, live_server):
    page.goto(live_server.url + "/no-such-page/")
    screenshot(page, "error-404-signed-out")
    expect(page.get_by_role("navigation", name="Main")).to_have_count(0)
    assert page.locator("body").get_attribute("data-idle-timeout") is None


def test_every_control_in_the_header_and_page_shows_where_keyboard_focus_is(
    page, context, live_server, owner_in_two_practices
):
    sign_in_by_session(context, live_server, owner_in_two_practices)
    page.goto(live_server.url + "/")
    seen = []
    for _ in range(40):
        page.keyboard.press("Tab")
        focus = page.evaluate(
            """() => {
                const el = document.activeElement;
                if (el === document.body) return null;  // past the last control
                const style = getComputedStyle(el);
                return {
                    name: (el.innerText || el.value || el.getAttribute('aria-label') || '')
                        .trim().slice(0, 30) || el.tagName,
                    outline: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2,
                };
            }"""
        )
        if focus is None:
            break
        seen.append(focus["name"])
        assert focus["outline"], f"no visible focus outline on {focus['name']!r}"
    # The keyboard reaches the skip link, the navigation, the switcher and the account menu.
    assert seen[0] == "Skip to main content"
    assert len(seen) > 8
    for expected in ["Today", "Settings", "Switch", "Dana", "Turn it on in Settings"]:
        assert any(expected in name for name in seen), (expected, seen)


def test_a_page_the_role_cannot_open_explains_why_calmly(page, context, live_server):
    member = MembershipFactory(practice=PracticeFactory(name="Solo Practice"), role="front_desk")
    sign_in_by_session(context, live_server, member)
    response = page.goto(live_server.url + "/settings/")
    assert response.status == 403
    expect(page.locator("main h1")).to_have_text("Not available to your role")
    expect(page.get_by_role("link", name="Go to Today")).to_be_visible()
    check_page(page, "error-403")
