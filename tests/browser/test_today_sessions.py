"""A clinician marks a session arrived, then completed, on Today; the front desk finds a free
time. Every screen is screenshotted at both sizes and checked with axe."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from playwright.sync_api import Page, expect

from tend.scheduling.availability import HoursSpan, set_working_hours
from tend.scheduling.choices import Modality
from tests.browser.conftest import MOBILE, check_page
from tests.browser.helpers import sign_in_by_session
from tests.factories import MembershipFactory, PracticeFactory, appointment_for, client_of

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHICAGO = ZoneInfo("America/Chicago")
NOON = dt.datetime(2031, 3, 4, 12, 0, tzinfo=CHICAGO)


@pytest.fixture
def day(context):
    with time_machine.travel(NOON, tick=True):
        practice = PracticeFactory(name="Riverbend Counseling")
        clinician = MembershipFactory(
            practice=practice, role="clinician", user__full_name="Jordan Alvarez"
        )
        sam = client_of(
            clinician,
            legal_first_name="Sam",
            legal_last_name="Rivera",
            needs_interpreter=True,
            preferred_language="Spanish",
        )
        appointment_for(clinician, client=sam, start=NOON - dt.timedelta(minutes=10))
        appointment_for(
            clinician,
            client=client_of(clinician, legal_first_name="Alex", legal_last_name="Kim"),
            start=NOON + dt.timedelta(hours=3),
            modality=Modality.VIDEO,
        )
        yield practice, clinician


def test_a_clinician_marks_a_session_arrived_then_completed(day, context, page: Page, live_server):
    practice, clinician = day
    sign_in_by_session(context, live_server, clinician)
    page.goto(live_server.url + "/")
    sessions = page.get_by_role("region", name="Your sessions today")
    expect(sessions).to_contain_text("Sam Rivera")
    expect(sessions).to_contain_text("Needs interpreter (Spanish)")
    expect(sessions.get_by_role("link", name="Join video (opens in a new tab)")).to_be_visible()
    check_page(page, "today-sessions")
    row = page.locator("tr", has_text="Sam Rivera")
    row.get_by_role("button", name="Arrived").click()
    # The row is swapped in place: wait for the new status badge before the next button.
    expect(
        page.locator("tr", has_text="Sam Rivera").locator(".badge.status-arrived")
    ).to_be_visible()
    page.locator("tr", has_text="Sam Rivera").get_by_role("button", name="Completed").click()
    expect(
        page.locator("tr", has_text="Sam Rivera").locator(".badge.status-completed")
    ).to_be_visible()
    check_page(page, "today-sessions-completed")
    page.set_viewport_size(MOBILE)
    check_page(page, "today-sessions-mobile")


def test_the_front_desk_finds_a_free_time(day, context, page: Page, live_server):
    practice, clinician = day
    front_desk = MembershipFactory(practice=practice, role="front_desk", user__full_name="Pat Lee")
    set_working_hours(
        clinician,
        weekday=2,
        spans=[HoursSpan(dt.time(9), dt.time(12))],
        membership=clinician,
    )
    sign_in_by_session(context, live_server, front_desk)
    page.goto(live_server.url + "/calendar/find/")
    check_page(page, "find-a-time")
    page.get_by_label("Clinician").select_option(label="Jordan Alvarez")
    page.get_by_label("Length (minutes)").fill("50")
    page.get_by_role("button", name="Find free times").click()
    results = page.get_by_role("region", name="Free times")
    expect(results.get_by_role("link", name="Book").first).to_be_visible()
    expect(results).to_contain_text("09:00–09:50")
    href = results.get_by_role("link").first.get_attribute("href")
    assert href.startswith(f"/calendar/book/?clinician={clinician.uuid}&start=")
    check_page(page, "find-a-time-results")
    page.set_viewport_size(MOBILE)
    check_page(page, "find-a-time-mobile")


def test_a_clinician_sets_their_hours_from_today(day, context, page: Page, live_server):
    practice, clinician = day
    sign_in_by_session(context, live_server, clinician)
    page.goto(live_server.url + "/")
    page.get_by_role("link", name="Your working hours").click()
    expect(page.get_by_text("America/Chicago", exact=True)).to_be_visible()
    check_page(page, "working-hours")
    page.get_by_role("link", name="Change Tuesday").click()
    page.get_by_label("Span 1 starts").fill("09:00")
    page.get_by_label("Span 1 ends").fill("12:00")
    page.get_by_label("Span 2 starts").fill("11:00")
    page.get_by_label("Span 2 ends").fill("17:00")
    page.get_by_role("button", name="Save Tuesday hours").click()
    expect(page.get_by_text("These hours overlap 09:00–12:00.")).to_be_visible()
    check_page(page, "working-hours-day-error")
    page.get_by_label("Span 2 starts").fill("13:00")
    page.get_by_role("button", name="Save Tuesday hours").click()
    expect(page.get_by_role("row", name="Tuesday")).to_contain_text("09:00–12:00")
    expect(page.get_by_role("row", name="Tuesday")).to_contain_text("13:00–17:00")
    page.set_viewport_size(MOBILE)
    check_page(page, "working-hours-mobile")


def test_the_front_desk_sees_the_days_sessions_by_clinician(day, context, page: Page, live_server):
    practice, clinician = day
    front_desk = MembershipFactory(practice=practice, role="front_desk", user__full_name="Pat Lee")
    sign_in_by_session(context, live_server, front_desk)
    page.goto(live_server.url + "/")
    sessions = page.get_by_role("region", name="Today’s sessions in the practice")
    expect(sessions.get_by_role("heading", name="Jordan Alvarez")).to_be_visible()
    expect(sessions).to_contain_text("Sam Rivera")
    expect(sessions.get_by_role("link", name="Join video (opens in a new tab)")).to_have_count(0)
    sessions.locator("tr", has_text="Sam Rivera").get_by_role("button", name="Arrived").click()
    expect(
        sessions.locator("tr", has_text="Sam Rivera").locator(".badge.status-arrived")
    ).to_be_visible()
    check_page(page, "today-front-desk")
    page.set_viewport_size(MOBILE)
    check_page(page, "today-front-desk-mobile")
