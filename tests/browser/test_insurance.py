"""The front desk adds a client's insurance policy with a card image (meeting the form's
errors first), then records the client's consent to treatment with a signed scan, then uploads a
document. Every page is screenshotted and checked with axe."""

from __future__ import annotations

import struct
import zlib

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tend.clients.models import Consent, InsurancePolicy
from tests.browser.conftest import check_page
from tests.browser.helpers import sign_in_by_session
from tests.factories import (
    ClientFactory,
    ConsentTemplateFactory,
    MembershipFactory,
    PayerFactory,
    PracticeFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def card_png(width: int = 340, height: int = 214) -> bytes:
    """A real PNG the size of an insurance card: pale blue with a dark band across the top."""
    rows = b"".join(
        b"\x00" + (b"\x1f\x3a\x5c" if y < 40 else b"\xdc\xe9\xf5") * width for y in range(height)
    )

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


PDF_BYTES = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"


@pytest.fixture(autouse=True)
def documents_dir(settings, tmp_path):
    settings.TEND_DOCUMENTS_DIR = tmp_path / "documents"


def test_the_front_desk_adds_a_policy_with_a_card_and_records_a_consent(
    page: Page, context: BrowserContext, live_server, tmp_path
):
    practice = PracticeFactory(name="Riverbend Counseling")
    front_desk = MembershipFactory(practice=practice, role="front_desk")
    PayerFactory(practice=practice, name="Blue Prairie Health", payer_id="BPH01")
    ConsentTemplateFactory(
        practice=practice, title="Informed consent to counseling", version="3", valid_for_days=365
    )
    client = ClientFactory(practice=practice, legal_first_name="Avery", legal_last_name="Nguyen")
    card = tmp_path / "card-front.png"
    card.write_bytes(card_png())
    scan = tmp_path / "signed-consent.pdf"
    scan.write_bytes(PDF_BYTES)
    sign_in_by_session(context, live_server, front_desk)

    page.goto(f"{live_server.url}/clients/{client.uuid}/insurance/")
    expect(page.get_by_text("No insurance on file")).to_be_visible()
    check_page(page, "insurance-empty")

    page.get_by_role("link", name="Add a policy").click()
    expect(page.get_by_role("heading", name="Add a policy")).to_be_visible()
    check_page(page, "insurance-policy-form")

    # First try: a spouse holds the policy, but their details are missing; end before start.
    page.get_by_label("Payer", exact=True).select_option(label="Blue Prairie Health (BPH01)")
    page.get_by_label("Member ID").fill("XJH123456789")
    page.get_by_label("Group number").fill("GRP-77")
    page.get_by_label("Plan name").fill("Gold PPO")
    page.get_by_label("Effective date").fill("2026-01-01")
    page.get_by_label("End date").fill("2025-12-31")
    page.get_by_label("Copay ($)").fill("25")
    page.get_by_label("Subscriber", exact=True).select_option("spouse")
    page.get_by_label("Subscriber's first name").fill("Jordan")
    page.get_by_label("Card image, front").set_input_files(str(card))
    page.get_by_role("button", name="Add policy").click()
    expect(page.locator("#id_ends_on_error")).to_contain_text("cannot be before the effective")
    expect(page.locator("#id_subscriber_last_name_error")).to_contain_text("Required when")
    expect(page.get_by_label("Member ID")).to_have_value("XJH123456789")
    expect(page.get_by_label("Subscriber's first name")).to_have_value("Jordan")
    check_page(page, "insurance-policy-form-errors")

    # Second try: the client holds the policy, with no end date.
    page.get_by_label("End date").fill("")
    page.get_by_label("Subscriber", exact=True).select_option("self")
    page.get_by_label("Subscriber's first name").fill("")
    page.get_by_label("Card image, front").set_input_files(str(card))
    page.get_by_role("button", name="Add policy").click()
    expect(page.get_by_text("Policy added.")).to_be_visible()
    expect(page.get_by_text("In force")).to_be_visible()
    thumbnail = page.get_by_role("img", name="Insurance card, front")
    expect(thumbnail).to_be_visible()
    assert thumbnail.evaluate("img => img.naturalWidth") == 340  # the decrypted image loaded
    check_page(page, "insurance-with-policy")
    page.set_viewport_size({"width": 390, "height": 844})
    check_page(page, "insurance-with-policy-phone")
    page.set_viewport_size({"width": 1280, "height": 800})
    policy = InsurancePolicy.objects.get(client=client)
    assert policy.card_front is not None

    # The consent to treatment, with the signed scan.
    page.get_by_role("navigation", name="Chart").get_by_role("link", name="Consents").click()
    expect(page.get_by_text("No informed consent to treatment is in force")).to_be_visible()
    check_page(page, "consents-missing")
    page.get_by_role("link", name="Record a consent").click()
    page.get_by_label("Practice form").select_option(
        label="Informed consent to counseling (version 3)"
    )
    page.get_by_label("Signed copy").set_input_files(str(scan))
    check_page(page, "consent-form")
    page.get_by_role("button", name="Record consent").click()
    expect(page.get_by_text("Consent recorded.")).to_be_visible()
    expect(page.get_by_text("No informed consent to treatment is in force")).to_have_count(0)
    expect(page.get_by_role("link", name="Signed copy")).to_be_visible()
    check_page(page, "consents-recorded")
    consent = Consent.objects.get(client=client)
    assert consent.version == "3"
    assert consent.document is not None

    # The signed scan is among the documents.
    page.get_by_role("navigation", name="Chart").get_by_role("link", name="Documents").click()
    expect(
        page.get_by_role("link", name="Signed consent: informed consent to treatment", exact=True)
    ).to_be_visible()
    check_page(page, "documents-list")


def test_the_practice_pages_for_payers_and_consent_forms(
    page: Page, context: BrowserContext, live_server
):
    practice = PracticeFactory(name="Riverbend Counseling")
    owner = MembershipFactory(practice=practice, role="owner")
    PayerFactory(practice=practice, name="Blue Prairie Health", payer_id="BPH01")
    PayerFactory(practice=practice, name="Texas Medicaid", payer_type="medicaid", is_archived=True)
    ConsentTemplateFactory(practice=practice, title="Telehealth consent", kind="telehealth")
    sign_in_by_session(context, live_server, owner)

    page.goto(f"{live_server.url}/clients/payers/")
    expect(page.get_by_role("link", name="Blue Prairie Health")).to_be_visible()
    check_page(page, "payers")
    page.get_by_role("link", name="Add a payer").click()
    page.get_by_label("Name").fill("Blue Prairie Health")
    page.get_by_label("Phone").fill("555")
    page.get_by_role("button", name="Add payer").click()
    expect(page.locator("#id_phone_error")).to_contain_text("10-digit")
    expect(page.get_by_label("Name")).to_have_value("Blue Prairie Health")
    check_page(page, "payer-form-errors")
    page.get_by_label("Phone").fill("512 555 0100")
    page.get_by_role("button", name="Add payer").click()
    expect(page.locator("#id_name_error")).to_contain_text("already has a payer with this name")
    check_page(page, "payer-form-name-taken")

    page.goto(f"{live_server.url}/clients/consent-forms/")
    expect(page.get_by_role("link", name="Telehealth consent")).to_be_visible()
    check_page(page, "consent-templates")
    page.get_by_role("link", name="Telehealth consent").click()
    check_page(page, "consent-template-form")
