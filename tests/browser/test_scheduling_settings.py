"""An owner sets up appointment types and the scheduling policy (meeting refusals first); a
client confirms and then cancels through the link in a reminder; a clinician makes a calendar
feed. Every page is screenshotted and checked with axe at desktop and phone widths."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import BrowserContext, Page, expect

from tend.scheduling.links import make_token
from tend.scheduling.models import AppointmentType, SchedulingPolicy
from tests.browser.conftest import check_page
from tests.browser.helpers import sign_in_by_session
from tests.factories import (
    AppointmentTypeFactory,
    LocationFactory,
    MembershipFactory,
    PracticeFactory,
    appointment_for,
    client_of,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def both_widths(page: Page, name: str) -> None:
    check_page(page, name)
    page.set_viewport_size({"width": 390, "height": 844})
    check_page(page, f"{name}-phone")
    page.set_viewport_size({"width": 1280, "height": 800})


def test_the_owner_sets_up_types_and_the_policy(page: Page, context: BrowserContext, live_server):
    practice = PracticeFactory(name="Riverbend Counseling")
    owner = MembershipFactory(practice=practice, role="owner")
    AppointmentTypeFactory(practice=practice, name="Intake", fee=Decimal("200.00"))
    sign_in_by_session(context, live_server, owner)

    page.goto(f"{live_server.url}/settings/appointment-types/")
    both_widths(page, "scheduling-types")
    page.get_by_role("link", name="Add an appointment type").first.click()
    page.get_by_label("Name").fill("Intake")
    page.get_by_label("Kind").select_option("intake")
    page.get_by_label("Default length (minutes)").fill("80")
    page.get_by_label("Default fee (USD)").fill("180")
    page.get_by_role("button", name="Add appointment type").click()
    expect(page.locator("#id_name_error")).to_contain_text("already has an appointment type")
    expect(page.get_by_label("Default fee (USD)")).to_have_value("180")
    both_widths(page, "scheduling-type-form-errors")
    page.get_by_label("Name").fill("Couples session")
    page.get_by_label("Kind").select_option("couple_family")
    page.get_by_role("button", name="Add appointment type").click()
    expect(page.get_by_text("Added Couples session.")).to_be_visible()
    assert AppointmentType.objects.filter(practice=practice, name="Couples session").exists()

    page.get_by_role("link", name="Scheduling", exact=True).click()
    expect(page.get_by_role("heading", name="Scheduling", level=1)).to_be_visible()
    both_widths(page, "scheduling-policy")
    page.get_by_label("Reminders (hours before)").fill("72, 3")
    page.get_by_label("Reminder text message").fill("{practice}: {date} {time} {diagnosis}")
    page.get_by_label("Video link template").fill("https://video.example.org/session")
    page.get_by_role("button", name="Save scheduling settings").click()
    expect(page.locator("#id_reminder_sms_body_error")).to_contain_text(
        "{diagnosis} is not a placeholder"
    )
    expect(page.locator("#id_telehealth_url_template_error")).to_contain_text("Put {room}")
    expect(page.get_by_label("Reminders (hours before)")).to_have_value("72, 3")
    both_widths(page, "scheduling-policy-errors")
    page.get_by_label("Reminder text message").fill("{practice}: {date} {time}. {cancel_url}")
    page.get_by_label("Video link template").fill("https://video.example.org/{room}")
    page.get_by_role("button", name="Save scheduling settings").click()
    expect(page.get_by_text("Scheduling settings saved.")).to_be_visible()
    assert SchedulingPolicy.for_practice(practice).reminder_offsets == [72, 3]


def test_a_client_confirms_then_cancels_late_through_the_link(page: Page, live_server):
    practice = PracticeFactory(name="Riverbend Counseling", time_zone="America/Chicago")
    policy = SchedulingPolicy.for_practice(practice)
    policy.late_cancel_fee = Decimal("75.00")
    policy.save()
    clinician = MembershipFactory(practice=practice, role="clinician")
    client = client_of(clinician, legal_first_name="Avery", legal_last_name="Nguyen")
    location = LocationFactory(practice=practice, name="Main office")
    start = timezone.now().replace(second=0, microsecond=0) + dt.timedelta(hours=5)
    appointment = appointment_for(clinician, client=client, start=start, location=location)
    token = make_token(appointment, client)

    page.goto(f"{live_server.url}/r/{token}/")
    expect(page.get_by_text("Hello Avery.")).to_be_visible()
    both_widths(page, "client-link")
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_text("your appointment is confirmed")).to_be_visible()
    page.get_by_role("link", name="Cancel appointment").click()
    expect(page.get_by_role("alert")).to_contain_text(
        "This is inside the 24-hour window; a fee of $75.00 may apply."
    )
    both_widths(page, "client-link-cancel")
    page.get_by_label("Reason (optional)").fill("Unwell")
    page.get_by_role("button", name="Cancel appointment").click()
    expect(page.get_by_text("This appointment is cancelled.")).to_be_visible()
    both_widths(page, "client-link-cancelled")

    page.goto(f"{live_server.url}/r/{token}x/")
    expect(page.get_by_role("heading", name="This link is not valid")).to_be_visible()
    check_page(page, "client-link-invalid")


def test_a_clinician_makes_a_calendar_feed(page: Page, context: BrowserContext, live_server):
    practice = PracticeFactory(name="Riverbend Counseling")
    clinician = MembershipFactory(practice=practice, role="clinician")
    sign_in_by_session(context, live_server, clinician)
    page.goto(f"{live_server.url}/calendar-feed/")
    both_widths(page, "calendar-feed-empty")
    page.get_by_role("button", name="Make my feed").click()
    url = page.locator("#feed-url").input_value()
    assert url.startswith(f"{live_server.url}/feeds/") and url.endswith(".ics")
    both_widths(page, "calendar-feed-made")
    response = page.request.get(url)
    assert response.status == 200 and "BEGIN:VCALENDAR" in response.text()
    page.goto(f"{live_server.url}/calendar-feed/")
    expect(page.get_by_label("Feed address")).to_have_count(0)
    page.get_by_role("button", name="Turn the feed off").click()
    expect(page.get_by_text("Feed turned off.")).to_be_visible()
    assert page.request.get(url).status == 404
