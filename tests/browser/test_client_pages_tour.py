"""A tour of every client page, as the owner and as a clinician, at desktop and phone sizes:
the caseload, registration (blank and with errors), each chart tab, the ICD-10-CM picker open,
insurance and policy forms, break the glass, payers, consent forms and the import steps. Each
page is screenshotted (test-artifacts/screenshots/clients-tour-*) and must have no serious or
critical axe violation, no CSP breakage and nothing wider than the window."""

from __future__ import annotations

import datetime

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tend.clients.icd import load_codes
from tests.browser.conftest import MOBILE, check_page
from tests.browser.helpers import sign_in_by_session
from tests.factories import (
    CareTeamMemberFactory,
    ClientFactory,
    ConsentFactory,
    ConsentTemplateFactory,
    DiagnosisFactory,
    DocumentFactory,
    EpisodeFactory,
    InsurancePolicyFactory,
    MembershipFactory,
    PayerFactory,
    PracticeFactory,
    PriorAuthorizationFactory,
    client_of,
    icd,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CSV = (
    "Client ID,First Name,Last Name,Date of Birth,Email,Cell #,State\r\n"
    "SP-10,Avery,Nguyen,04/12/1988,avery@example.net,512-555-0140,TX\r\n"
    "SP-11,Jordan,Okafor,13/45/1990,,(512) 555-0141,TX\r\n"
)


@pytest.fixture(autouse=True)
def data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path


@pytest.fixture
def clinic():
    """A practice with an owner, a clinician and a full chart: episodes, diagnoses, insurance
    with an authorization, consents, documents; a restricted chart on someone else's caseload."""
    load_codes(chapters=("F", "Z"))  # a transactional test may have emptied the table
    practice = PracticeFactory(name="Riverbend Counseling", time_zone="America/Chicago")
    owner = MembershipFactory(
        practice=practice, role="owner", user__full_name="Dana Whitfield", sees_clients=True
    )
    clinician = MembershipFactory(
        practice=practice, role="clinician", user__full_name="Dr. Jordan Alvarez-Whitcombe"
    )
    colleague = MembershipFactory(practice=practice, role="clinician", user__full_name="Sam Lee")
    payer = PayerFactory(practice=practice, name="Blue Prairie Health Cooperative")
    PayerFactory(practice=practice, name="Lone Star Behavioral Plans")
    ConsentTemplateFactory(practice=practice, title="Consent to treatment and telehealth")
    ConsentTemplateFactory(practice=practice, kind="release", title="Release of information")

    client = client_of(
        clinician,
        legal_first_name="Samantha",
        legal_last_name="Rivera-Castellanos",
        preferred_name="Sammy",
        pronouns="she/her",
    )
    CareTeamMemberFactory(client=client, membership=colleague, role="consulting")
    EpisodeFactory(
        client=client,
        status="discharged",
        opened_on=datetime.date(2023, 2, 1),
        activated_on=datetime.date(2023, 2, 15),
        discharged_on=datetime.date(2023, 9, 30),
        discharge_reason="goals_met",
        discharge_summary="Sleep restored; relapse plan agreed.",
        clinician=clinician,
    )
    episode = EpisodeFactory(
        client=client, opened_on=datetime.date(2026, 1, 5), clinician=clinician
    )
    DiagnosisFactory(episode=episode, code=icd("F33.1"), added_by=clinician, rank=1)
    DiagnosisFactory(episode=episode, code=icd("Z63.0"), added_by=clinician, rank=2)
    policy = InsurancePolicyFactory(client=client, payer=payer, member_id="BPH-0042-7781")
    PriorAuthorizationFactory(policy=policy, visits_authorized=12)
    ConsentFactory(client=client)
    ConsentFactory(client=client, kind="release", signed_on=datetime.date(2025, 1, 5))
    DocumentFactory(client=client, title="Referral letter from Dr. Okafor")

    for first, last, status in [
        ("Avery", "Nguyen", "active"),
        ("Jordan", "Okafor", "intake"),
        ("Riley", "Schmidt", "inactive"),
    ]:
        other = client_of(clinician, legal_first_name=first, legal_last_name=last, status=status)
        InsurancePolicyFactory(client=other, payer=payer)
    # A restricted chart the owner is not on the care team of: she must break the glass.
    hidden = client_of(
        colleague, legal_first_name="Morgan", legal_last_name="Price", is_restricted=True
    )
    ClientFactory(practice=practice, legal_first_name="Unassigned", legal_last_name="Person")
    return owner, clinician, client, hidden


def chart_pages(client) -> list[tuple[str, str]]:
    base = f"/clients/{client.uuid}"
    return [
        (f"{base}/", "chart-overview"),
        (f"{base}/episodes/", "episodes"),
        (f"{base}/diagnoses/", "diagnoses"),
        (f"{base}/insurance/", "insurance"),
        (f"{base}/insurance/add/", "policy-form"),
        (f"{base}/consents/", "consents"),
        (f"{base}/documents/", "documents"),
        (f"{base}/history/", "history"),
    ]


def tour(page: Page, live_server, pages: list[tuple[str, str]], prefix: str) -> None:
    for path, name in pages:
        response = page.goto(live_server.url + path)
        assert response.status == 200, f"{path} answered {response.status}"
        expect(page.locator("main h1").first).to_be_visible()
        # Payers and consent forms live in the settings area; everything else under Clients.
        in_settings = path.startswith(("/clients/payers/", "/clients/consent-forms/"))
        current = page.locator(".primary-nav a[aria-current]")
        expect(current).to_have_text("Settings" if in_settings else "Clients")
        check_page(page, f"{prefix}-{name}")


def caseload_and_register(page: Page, live_server, prefix: str) -> None:
    tour(page, live_server, [("/clients/", "caseload"), ("/clients/new/", "register")], prefix)
    # The live search swaps the results in, and the Clear link appears with them.
    page.goto(live_server.url + "/clients/")
    page.get_by_role("searchbox", name="Search").fill("Nguyen")
    expect(page.locator("#caseload-results tbody tr")).to_have_count(1)
    expect(page.get_by_role("link", name="Clear")).to_be_visible()
    check_page(page, f"{prefix}-caseload-searched")
    page.goto(live_server.url + "/clients/new/")
    page.get_by_label("Date of birth").fill("2999-01-01")
    page.get_by_role("button", name="Register client").click()
    expect(page.locator(".form-errors")).to_be_visible()
    check_page(page, f"{prefix}-register-errors")


def picker_open(page: Page, live_server, client, prefix: str) -> None:
    page.goto(f"{live_server.url}/clients/{client.uuid}/diagnoses/new/")
    combobox = page.get_by_role("combobox", name="ICD-10-CM code")
    combobox.focus()
    page.keyboard.type("F33", delay=20)
    listbox = page.get_by_role("listbox", name="Matching ICD-10-CM codes")
    expect(listbox).to_be_visible()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    active = listbox.locator(".icd-option.is-active")
    expect(active).to_have_count(1)
    expect(listbox.locator(".notice")).to_have_count(0)
    check_page(page, f"{prefix}-diagnosis-picker-open")


@pytest.mark.parametrize("size", ["desktop", "mobile"])
def test_every_client_page_the_owner_opens(
    context: BrowserContext, page: Page, live_server, clinic, size
):
    owner, _, client, hidden = clinic
    if size == "mobile":
        page.set_viewport_size(MOBILE)
    sign_in_by_session(context, live_server, owner)
    prefix = f"clients-tour-owner-{size}"
    caseload_and_register(page, live_server, prefix)

    page.goto(f"{live_server.url}/clients/{hidden.uuid}/")
    expect(page.locator("main h1")).to_have_text("This chart is restricted")
    check_page(page, f"{prefix}-break-glass")
    page.get_by_label("Why do you need this chart now?").fill("Client called in crisis")
    page.get_by_role("button", name="Open the chart").click()
    expect(page.locator("main h1 .badge")).to_have_text("Restricted chart")
    check_page(page, f"{prefix}-chart-restricted")

    tour(
        page,
        live_server,
        [
            *chart_pages(client),
            ("/clients/break-the-glass/", "break-glass-review"),
            ("/clients/payers/", "payers"),
            ("/clients/payers/add/", "payer-form"),
            ("/clients/consent-forms/", "consent-forms"),
            ("/clients/consent-forms/add/", "consent-form-add"),
            ("/clients/import/", "import-upload"),
        ],
        prefix,
    )
    picker_open(page, live_server, client, prefix)

    page.goto(live_server.url + "/clients/import/")
    page.get_by_label("CSV file").set_input_files(
        {"name": "clients.csv", "mimeType": "text/csv", "buffer": CSV.encode()}
    )
    page.get_by_role("button", name="Upload and continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Which column holds what?")
    page.get_by_label("Cell #").select_option("mobile_phone")
    check_page(page, f"{prefix}-import-columns")
    page.get_by_role("button", name="Check every row").click()
    expect(page.get_by_text("Row 3, Date of Birth: 13/45/1990 is not a date")).to_be_visible()
    check_page(page, f"{prefix}-import-preview")


@pytest.mark.parametrize("size", ["desktop", "mobile"])
def test_every_client_page_a_clinician_opens(
    context: BrowserContext, page: Page, live_server, clinic, size
):
    _, clinician, client, _ = clinic
    if size == "mobile":
        page.set_viewport_size(MOBILE)
    sign_in_by_session(context, live_server, clinician)
    prefix = f"clients-tour-clinician-{size}"
    caseload_and_register(page, live_server, prefix)
    tour(page, live_server, chart_pages(client), prefix)
    expect(page.locator(".chart-tabs a[aria-current=page]")).to_have_text("History")
    picker_open(page, live_server, client, prefix)
