"""The front desk adds a client to the waitlist and sees a free time that fits. Screens
checked at both sizes with axe."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import MOBILE, check_page
from tests.browser.helpers import sign_in_by_session
from tests.factories import MembershipFactory, PracticeFactory, client_of

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_front_desk_adds_a_client_to_the_waitlist(context, page: Page, live_server):
    practice = PracticeFactory(name="Riverbend Counseling")
    clinician = MembershipFactory(
        practice=practice, role="clinician", user__full_name="Jordan Alvarez"
    )
    front_desk = MembershipFactory(practice=practice, role="front_desk", user__full_name="Pat Lee")
    sam = client_of(clinician, legal_first_name="Sam", legal_last_name="Rivera")
    sign_in_by_session(context, live_server, front_desk)
    page.goto(f"{live_server.url}/waitlist/add/{sam.uuid}/")
    check_page(page, "waitlist-add")
    page.get_by_label("Earliest start").fill("14:00")
    page.get_by_label("Latest end").fill("10:00")
    page.get_by_role("button", name="Add to the waitlist").click()
    expect(page.get_by_text("The latest time must be after the earliest.")).to_be_visible()
    check_page(page, "waitlist-add-error")
    page.get_by_label("Earliest start").fill("08:00")
    page.get_by_label("Latest end").fill("20:00")
    page.get_by_label("Monday").check()
    page.get_by_label("Tuesday").check()
    page.get_by_role("button", name="Add to the waitlist").click()
    expect(page.get_by_role("row", name="Rivera")).to_contain_text("Mon, Tue")
    suggestions = page.get_by_role("region", name="Free times that fit")
    expect(suggestions.get_by_role("link", name="Book Rivera, Sam").first).to_be_visible()
    check_page(page, "waitlist")
    page.set_viewport_size(MOBILE)
    check_page(page, "waitlist-mobile")


def test_the_waiting_clients_who_fit_a_cancelled_session(context, page: Page, live_server):
    import datetime as dt
    from zoneinfo import ZoneInfo

    from tend.scheduling.services import cancel_appointment
    from tend.scheduling.waitlist import add_to_waitlist
    from tests.factories import appointment_for

    practice = PracticeFactory(name="Riverbend Counseling")
    clinician = MembershipFactory(
        practice=practice, role="clinician", user__full_name="Jordan Alvarez"
    )
    waiting = client_of(clinician, legal_first_name="Robin", legal_last_name="Ng")
    add_to_waitlist(waiting, membership=clinician)
    zone = ZoneInfo(practice.time_zone)
    start = dt.datetime.combine(
        dt.datetime.now(zone).date() + dt.timedelta(days=2), dt.time(10), tzinfo=zone
    )
    session = appointment_for(clinician, start=start)
    cancel_appointment(session, membership=clinician, cancelled_by="client")
    sign_in_by_session(context, live_server, clinician)
    page.goto(f"{live_server.url}/waitlist/for/{session.uuid}/")
    expect(page.get_by_role("link", name="Book Ng, Robin")).to_be_visible()
    check_page(page, "waitlist-for-cancelled")
    page.set_viewport_size(MOBILE)
    check_page(page, "waitlist-for-cancelled-mobile")
