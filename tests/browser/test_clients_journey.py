"""The clients journey: the front desk registers a client (meeting the form's errors and the
duplicate guard), then their clinician finds them with the caseload's live search and opens
the chart. Screenshots of each page at desktop size, the caseload also at phone size."""

from __future__ import annotations

import datetime

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tend.clients.models import Client
from tests.browser.conftest import check_page
from tests.browser.helpers import main_heading, sign_in_by_session
from tests.factories import (
    ClientFactory,
    ConsentFactory,
    InsurancePolicyFactory,
    MembershipFactory,
    PayerFactory,
    PracticeFactory,
    client_of,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def practice_team():
    practice = PracticeFactory(name="Riverbend Counseling", time_zone="America/Chicago")
    front_desk = MembershipFactory(
        practice=practice, role="front_desk", user__full_name="Pat Frontdesk"
    )
    clinician = MembershipFactory(
        practice=practice, role="clinician", user__full_name="Dr. Sam Rivera"
    )
    payer = PayerFactory(practice=practice, name="Blue Prairie Health")
    for first, last, status in [
        ("Avery", "Nguyen", "active"),
        ("Jordan", "Okafor", "active"),
        ("Riley", "Schmidt", "intake"),
    ]:
        client = client_of(
            clinician,
            legal_first_name=first,
            legal_last_name=last,
            status=status,
            pronouns="they/them",
        )
        InsurancePolicyFactory(client=client, payer=payer)
        ConsentFactory(client=client)
    client_of(clinician, legal_first_name="Morgan", legal_last_name="Price", is_restricted=True)
    # Someone already registered with the same name and date of birth.
    ClientFactory(
        practice=practice,
        legal_first_name="Maria",
        legal_last_name="Lopez",
        date_of_birth=datetime.date(1990, 3, 14),
        status="discharged",
    )
    return front_desk, clinician


def fill_registration(page: Page, clinician_name: str) -> None:
    page.get_by_label("Legal first name").fill("Maria")
    page.get_by_label("Legal last name").fill("Lopez")
    page.get_by_label("Preferred name").fill("Mari")
    page.get_by_label("Pronouns").fill("she/her")
    page.get_by_label("Date of birth").fill("1990-03-14")
    page.get_by_label("Phone", exact=True).fill("512 555 01")  # one digit short
    page.get_by_label("Email", exact=True).fill("mari@example.net")
    page.get_by_label("State", exact=True).select_option("TX")
    page.get_by_label("ZIP code").fill("78701")
    page.get_by_label("May we text").check()
    page.get_by_label("Emergency contact name").fill("Ana Lopez")
    page.get_by_label("Emergency contact phone").fill("5125550111")
    page.get_by_label("Assigned clinician").select_option(label=clinician_name)


def test_front_desk_registers_and_the_clinician_finds_the_client(
    context: BrowserContext, page: Page, live_server, practice_team, browser
):
    front_desk, clinician = practice_team
    sign_in_by_session(context, live_server, front_desk)
    page.goto(live_server.url + "/clients/new/")
    check_page(page, "clients-register")
    fill_registration(page, "Dr. Sam Rivera")
    page.get_by_role("button", name="Register client").click()

    # The short phone number is refused next to the field; everything typed is still there.
    expect(page.locator(".form-errors")).to_be_visible()
    expect(page.get_by_text("Enter a ten-digit US phone number")).to_be_visible()
    expect(page.get_by_label("Preferred name")).to_have_value("Mari")
    check_page(page, "clients-register-errors")
    page.get_by_label("Phone", exact=True).fill("512 555 0100")
    page.get_by_role("button", name="Register client").click()

    # The duplicate guard links to the existing chart and asks before registering.
    expect(page.get_by_role("heading", name="This person may already be a client")).to_be_visible()
    expect(page.get_by_role("link", name="Lopez, Maria")).to_be_visible()
    check_page(page, "clients-register-duplicate")
    page.get_by_label("Register anyway: this is a different person").check()
    page.get_by_role("button", name="Register client").click()
    expect(page.get_by_text("Registered Mari Lopez.")).to_be_visible()
    assert Client.objects.filter(legal_last_name="Lopez").count() == 2

    # The clinician searches their caseload; the table updates without a page load.
    clinician_context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-US")
    clinician_page = clinician_context.new_page()
    sign_in_by_session(clinician_context, live_server, clinician)
    clinician_page.goto(live_server.url + "/clients/")
    assert main_heading(clinician_page) == "My caseload"
    expect(clinician_page.locator("#caseload-results tbody tr")).to_have_count(5)
    check_page(clinician_page, "clients-caseload-desktop")
    clinician_page.evaluate("window.__samePage = true")
    clinician_page.get_by_role("searchbox", name="Search").fill("lopez")
    expect(clinician_page.locator("#caseload-results tbody tr")).to_have_count(1)

    assert "q=lopez" in clinician_page.url
    assert clinician_page.evaluate("window.__samePage === true")  # no full reload
    clinician_page.get_by_role("link", name="Lopez, Maria").click()
    expect(clinician_page.locator("main h1")).to_contain_text("Mari Lopez")
    expect(clinician_page.get_by_text("Legal name: Maria Lopez")).to_be_visible()
    check_page(clinician_page, "clients-chart")

    clinician_page.set_viewport_size({"width": 390, "height": 844})
    clinician_page.goto(live_server.url + "/clients/")
    check_page(clinician_page, "clients-caseload-mobile")
    clinician_context.close()


def test_a_restricted_chart_asks_to_break_the_glass(context, page, live_server, practice_team):
    front_desk, _ = practice_team
    sign_in_by_session(context, live_server, front_desk)
    page.goto(live_server.url + "/clients/")
    page.get_by_role("link", name="Price, Morgan").click()
    expect(page.locator("main h1")).to_have_text("This chart is restricted")
    page.get_by_role("button", name="Open the chart").click()
    expect(page.locator(".errorlist")).to_be_visible()
    check_page(page, "clients-break-glass")
    page.get_by_label("Why do you need this chart now?").fill(
        "Client called in crisis; clinician away"
    )
    page.get_by_role("button", name="Open the chart").click()
    expect(page.locator("main h1")).to_contain_text("Morgan Price")
    expect(page.locator("main h1 .badge")).to_have_text("Restricted chart")
    check_page(page, "clients-chart-restricted")


def test_the_owners_chart_pages(context, page, live_server, practice_team):
    """Edit, status, care team, contacts, history and the break-the-glass review, each checked."""
    front_desk, clinician = practice_team
    owner = MembershipFactory(
        practice=clinician.practice, role="owner", user__full_name="Dana Whitfield"
    )
    client = Client.objects.get(legal_last_name="Nguyen")
    sign_in_by_session(context, live_server, owner)
    base = f"{live_server.url}/clients/{client.uuid}"
    page.goto(base + "/edit/")
    page.get_by_label("City").fill("Round Rock")
    page.get_by_label("Date of birth").fill("2999-01-01")
    page.get_by_role("button", name="Save details").click()
    expect(page.get_by_text("The date of birth is in the future.")).to_be_visible()
    expect(page.get_by_label("City")).to_have_value("Round Rock")
    check_page(page, "clients-edit-errors")
    page.get_by_label("Date of birth").fill("1988-04-12")
    page.get_by_role("button", name="Save details").click()
    expect(page.get_by_text("Saved the client's details.")).to_be_visible()
    for path, name in [
        ("/status/", "clients-status"),
        ("/care-team/", "clients-care-team"),
        ("/contacts/new/", "clients-contact-add"),
        ("/phones/new/", "clients-phone-add"),
        ("/history/", "clients-history"),
    ]:
        page.goto(base + path)
        check_page(page, name)
    expect(page.get_by_text("City: — → Round Rock")).to_be_visible()
    page.goto(live_server.url + "/clients/break-the-glass/")
    check_page(page, "clients-break-glass-review")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(base + "/")
    check_page(page, "clients-chart-mobile")
