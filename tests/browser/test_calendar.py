"""The calendar journey: a clinician opens the week, drags across empty time to book through
the dialog, drags the new appointment to another time, and a drag onto a clash snaps back with
the reason said. Screenshots of the day, week, month, agenda and side-by-side views at desktop
and phone sizes."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tend.clients.models import Client
from tend.scheduling.models import Appointment
from tests.browser.conftest import MOBILE, check_page
from tests.browser.helpers import sign_in_by_session
from tests.factories import (
    AppointmentTypeFactory,
    MembershipFactory,
    PracticeFactory,
    appointment_for,
    client_of,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
CHICAGO = ZoneInfo("America/Chicago")


def next_monday() -> dt.date:
    today = dt.datetime.now(CHICAGO).date()
    return today + dt.timedelta(days=7 - today.weekday())


@pytest.fixture
def setting():
    practice = PracticeFactory(name="Riverbend Counseling", time_zone="America/Chicago")
    clinician = MembershipFactory(
        practice=practice, role="clinician", user__full_name="Dr. Sam Rivera"
    )
    colleague = MembershipFactory(
        practice=practice, role="clinician", user__full_name="Dr. Lee Park"
    )
    front_desk = MembershipFactory(
        practice=practice, role="front_desk", user__full_name="Pat Frontdesk"
    )
    kind = AppointmentTypeFactory(practice=practice, name="Individual", default_minutes=50)
    monday = next_monday()
    avery = client_of(clinician, legal_first_name="Avery", legal_last_name="Nguyen")
    client_of(clinician, legal_first_name="Jordan", legal_last_name="Okafor")
    wednesday_ten = dt.datetime.combine(monday + dt.timedelta(days=2), dt.time(10), CHICAGO)
    appointment_for(clinician, client=avery, start=wednesday_ten, appointment_type=kind)
    appointment_for(colleague, start=wednesday_ten + dt.timedelta(hours=1), appointment_type=kind)
    return clinician, colleague, front_desk, monday


def slot(page: Page, day: dt.date, time: str):
    """The centre of a day's column at a time in the week view, in viewport pixels."""
    lane = page.locator(f'td.fc-timegrid-slot-lane[data-time="{time}"]').first
    lane.scroll_into_view_if_needed()
    column = page.locator(f'td.fc-timegrid-col[data-date="{day.isoformat()}"]').first
    lane_box, col_box = lane.bounding_box(), column.bounding_box()
    return col_box["x"] + col_box["width"] / 2, lane_box["y"] + lane_box["height"] / 2


def drag(page: Page, start: tuple[float, float], end: tuple[float, float]) -> None:
    page.mouse.move(*start)
    page.mouse.down()
    page.mouse.move(start[0], start[1] + 5, steps=3)
    page.mouse.move(*end, steps=12)
    page.mouse.up()


def test_a_clinician_books_moves_and_meets_a_clash_on_the_week_view(
    context: BrowserContext, page: Page, live_server, setting
):
    clinician, _, _, monday = setting
    sign_in_by_session(context, live_server, clinician)
    page.goto(f"{live_server.url}/calendar/?view=week&date={monday.isoformat()}")
    expect(page.locator(".fc-timegrid")).to_be_visible()
    expect(page.locator(".fc-event", has_text="Avery Nguyen")).to_be_visible()
    check_page(page, "calendar-week")

    # Drag across Tuesday 09:00–10:00: the booking form opens in a dialog, prefilled.
    tuesday = monday + dt.timedelta(days=1)
    drag(page, slot(page, tuesday, "09:00:00"), slot(page, tuesday, "09:45:00"))
    dialog = page.locator("#booking-dialog")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_label("Starts at")).to_have_value("09:00")
    expect(dialog.get_by_label("Date", exact=True)).to_have_value(tuesday.isoformat())
    check_page(page, "calendar-booking-dialog")
    jordan = Client.objects.get(legal_last_name="Okafor")
    dialog.get_by_label("Find a client by name").fill("oka")
    expect(dialog.locator("#id_clients option:not([hidden])")).to_have_count(1)
    dialog.get_by_label("Clients", exact=True).select_option(str(jordan.uuid))
    dialog.get_by_label("Type").select_option(label="Individual (50 min)")
    dialog.get_by_label("Length (minutes)").fill("")
    dialog.get_by_role("button", name="Book", exact=True).click()
    expect(dialog).to_be_hidden()
    expect(page.locator("#calendar-status")).to_contain_text("Appointment booked")
    booked = page.locator(".fc-event", has_text="Jordan Okafor")
    expect(booked).to_be_visible()
    appt = Appointment.objects.get(clients__legal_last_name="Okafor")
    assert appt.starts_at == dt.datetime.combine(tuesday, dt.time(9), CHICAGO)
    assert appt.minutes == 50

    # Drag it to Thursday 11:00.
    thursday = monday + dt.timedelta(days=3)
    box = booked.bounding_box()
    drag(page, (box["x"] + box["width"] / 2, box["y"] + 6), slot(page, thursday, "11:00:00"))
    expect(page.locator("#calendar-status")).to_contain_text("Moved Jordan Okafor")
    appt.refresh_from_db()
    assert appt.starts_at.astimezone(CHICAGO).date() == thursday
    assert appt.starts_at.astimezone(CHICAGO).hour == 11

    # Onto Wednesday 10:00, where Avery already is: refused, and it snaps back.
    wednesday = monday + dt.timedelta(days=2)
    booked = page.locator(".fc-event", has_text="Jordan Okafor")
    box = booked.bounding_box()
    drag(page, (box["x"] + box["width"] / 2, box["y"] + 6), slot(page, wednesday, "10:15:00"))
    expect(page.locator("#calendar-status")).to_contain_text("already has an appointment")
    expect(
        page.locator(f'td.fc-timegrid-col[data-date="{thursday.isoformat()}"] .fc-event')
    ).to_contain_text("Jordan Okafor")
    appt.refresh_from_db()
    assert appt.starts_at.astimezone(CHICAGO).date() == thursday


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_every_calendar_view_is_readable_and_accessible(
    context: BrowserContext, page: Page, live_server, setting, size
):
    clinician, colleague, front_desk, monday = setting
    if size == "phone":
        page.set_viewport_size(MOBILE)
    sign_in_by_session(context, live_server, front_desk)
    base = f"{live_server.url}/calendar/?date={(monday + dt.timedelta(days=2)).isoformat()}"
    for view in ("day", "week", "month", "agenda"):
        page.goto(f"{base}&view={view}&clinician={clinician.uuid}")
        expect(page.locator(".fc-event, .fc-list-event").first).to_be_visible()
        check_page(page, f"calendar-{view}-{size}")
    page.goto(f"{base}&clinician={clinician.uuid}&clinician={colleague.uuid}")
    expect(page.locator(".calendar-column")).to_have_count(2)
    expect(page.locator(".calendar-column .fc-event")).to_have_count(2)
    check_page(page, f"calendar-side-by-side-{size}")
    page.locator(".fc-event").first.click()
    expect(page.locator("main h1")).to_contain_text("Individual")
    check_page(page, f"appointment-detail-{size}")
    page.goto(f"{live_server.url}/calendar/book/")
    check_page(page, f"appointment-book-{size}")


def test_the_front_desk_moves_a_session_to_another_clinicians_column(
    context: BrowserContext, page: Page, live_server, setting
):
    clinician, colleague, front_desk, monday = setting
    wednesday = monday + dt.timedelta(days=2)
    sign_in_by_session(context, live_server, front_desk)
    page.goto(
        f"{live_server.url}/calendar/?date={wednesday.isoformat()}"
        f"&clinician={clinician.uuid}&clinician={colleague.uuid}"
    )
    columns = page.locator(".calendar-column")
    avery = columns.nth(0).locator(".fc-event", has_text="Avery Nguyen")
    expect(avery).to_be_visible()
    lane = columns.nth(1).locator('td.fc-timegrid-slot-lane[data-time="14:00:00"]')
    lane.scroll_into_view_if_needed()
    target_box = columns.nth(1).locator("td.fc-timegrid-col[data-date]").bounding_box()
    lane_box = lane.bounding_box()
    box = avery.bounding_box()
    drag(
        page,
        (box["x"] + box["width"] / 2, box["y"] + 8),
        (target_box["x"] + target_box["width"] / 2, lane_box["y"] + lane_box["height"] / 2),
    )
    expect(page.locator("#calendar-status")).to_contain_text("Moved Avery Nguyen")
    appt = Appointment.objects.get(clients__legal_first_name="Avery")
    assert appt.clinician == colleague
    assert appt.starts_at.astimezone(CHICAGO).hour == 14
    expect(columns.nth(1).locator(".fc-event", has_text="Avery Nguyen")).to_be_visible()
    expect(columns.nth(0).locator(".fc-event", has_text="Avery Nguyen")).to_have_count(0)
