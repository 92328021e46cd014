"""The import journey: the front desk uploads a SimplePractice-style CSV, maps an unrecognised
column by hand, meets a row error in the preview, uploads a corrected file and imports.
Screenshots of each step; axe on each page."""

from __future__ import annotations

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tend.clients.models import CareTeamMember, Client, ClientPhone
from tests.browser.conftest import check_page
from tests.browser.helpers import main_heading, sign_in_by_session
from tests.factories import MembershipFactory, PracticeFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HEADER = "Client ID,First Name,Last Name,Date of Birth,Email,Cell #,State,Primary Clinician"


def csv_file(dob: str) -> dict:
    rows = [
        HEADER,
        "SP-10,Avery,Nguyen,04/12/1988,avery@example.net,512-555-0140,TX,sam@riverbend.example",
        f"SP-11,Jordan,Okafor,{dob},,(512) 555-0141,TX,Dr. Sam Rivera",
        "SP-12,Riley,Schmidt,1979-01-30,riley@example.net,,tx,",
    ]
    return {
        "name": "simplepractice-clients.csv",
        "mimeType": "text/csv",
        "buffer": ("\r\n".join(rows) + "\r\n").encode("utf-8-sig"),
    }


@pytest.fixture(autouse=True)
def data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path


def upload_and_map(page: Page, file: dict, shot: str | None) -> None:
    page.get_by_label("CSV file").set_input_files(file)
    page.get_by_role("button", name="Upload and continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Which column holds what?")
    # "Cell #" is not a name Tend knows: map it by hand.
    page.get_by_label("Cell #").select_option("mobile_phone")
    if shot:
        check_page(page, shot)
    page.get_by_role("button", name="Check every row").click()


def test_front_desk_imports_a_corrected_file_after_seeing_the_row_error(
    context: BrowserContext, page: Page, live_server
):
    practice = PracticeFactory(name="Riverbend Counseling")
    front_desk = MembershipFactory(practice=practice, role="front_desk")
    clinician = MembershipFactory(
        practice=practice,
        role="clinician",
        user__full_name="Dr. Sam Rivera",
        user__email="sam@riverbend.example",
    )
    sign_in_by_session(context, live_server, front_desk)

    page.goto(live_server.url + "/clients/import/")
    assert main_heading(page) == "Import clients"
    check_page(page, "import-1-upload")

    upload_and_map(page, csv_file("13/45/1990"), "import-2-columns")
    expect(page.get_by_role("heading", name="1 problem to fix first")).to_be_visible()
    expect(page.get_by_text("Row 3, Date of Birth: 13/45/1990 is not a date")).to_be_visible()
    expect(page.get_by_role("button", name="Import 3 clients")).to_have_count(0)
    check_page(page, "import-3-preview-with-error")
    assert Client.objects.count() == 0

    page.get_by_role("link", name="Upload a corrected file").click()
    upload_and_map(page, csv_file("11/02/1985"), None)
    expect(
        page.get_by_role("heading", name="The first 3 rows as they will be imported")
    ).to_be_visible()
    check_page(page, "import-3-preview-ok")
    page.get_by_role("button", name="Import 3 clients").click()

    expect(page.get_by_text("Imported 3 clients.")).to_be_visible()
    check_page(page, "import-4-caseload-after")
    assert Client.objects.filter(practice=practice).count() == 3
    okafor = Client.objects.get(legal_last_name="Okafor")
    assert CareTeamMember.objects.get(client=okafor).membership == clinician
    assert ClientPhone.objects.get(client=okafor).number == "(512) 555-0141"
    assert Client.objects.get(legal_last_name="Schmidt").state == "TX"
