"""A clinician records a diagnosis with the ICD-10-CM code picker using only the keyboard, and
looks over the client's episodes. Every screen is screenshotted and checked with axe."""

from __future__ import annotations

import datetime
import re

import pytest
from playwright.sync_api import Page, expect

from tend.clients.icd import load_codes
from tend.clients.models import Diagnosis
from tests.browser.conftest import check_page
from tests.browser.helpers import sign_in_by_session
from tests.factories import (
    DiagnosisFactory,
    EpisodeFactory,
    MembershipFactory,
    PracticeFactory,
    client_of,
    icd,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def chart():
    """A clinician's client with an active episode and one diagnosis already recorded."""
    load_codes(chapters=("F", "Z"))  # a transactional test may have emptied the table
    practice = PracticeFactory(name="Riverbend Counseling")
    clinician = MembershipFactory(
        practice=practice, role="clinician", user__full_name="Jordan Alvarez"
    )
    client = client_of(
        clinician, legal_first_name="Sam", legal_last_name="Rivera", preferred_name="Sammy"
    )
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
    DiagnosisFactory(episode=episode, code=icd("Z63.0"), added_by=clinician)
    return clinician, client


def test_a_clinician_adds_a_diagnosis_with_the_keyboard(page: Page, live_server, chart):
    clinician, client = chart
    sign_in_by_session(page.context, live_server, clinician)
    page.goto(f"{live_server.url}/clients/{client.uuid}/diagnoses/")
    expect(page.get_by_role("heading", name="Diagnoses")).to_be_visible()
    check_page(page, "diagnoses-tab")

    page.get_by_role("link", name="Add a diagnosis").click()
    combobox = page.get_by_role("combobox", name="ICD-10-CM code")
    check_page(page, "diagnosis-add")

    # Type words, wait for suggestions, move down with the arrow key and choose with Enter.
    combobox.focus()
    page.keyboard.type("anxiety gen", delay=20)
    listbox = page.get_by_role("listbox", name="Matching ICD-10-CM codes")
    expect(listbox).to_be_visible()
    expect(combobox).to_have_attribute("aria-expanded", "true")
    first = listbox.get_by_role("option").first
    expect(first).to_contain_text("F41.1")
    expect(first).to_contain_text("Generalized anxiety disorder")
    page.keyboard.press("ArrowDown")
    expect(first).to_have_attribute("aria-selected", "true")
    expect(combobox).to_have_attribute("aria-activedescendant", "id_code_listbox-1")
    check_page(page, "diagnosis-picker-open")
    page.keyboard.press("Enter")
    expect(combobox).to_have_value("F41.1")
    expect(combobox).to_have_attribute("aria-expanded", "false")
    expect(page.locator("[data-icd-chosen]")).to_contain_text("Generalized anxiety disorder")

    page.get_by_label("Onset date").fill("2025-11-01")
    page.get_by_role("button", name="Add diagnosis").click()
    expect(page).to_have_url(re.compile(r"/diagnoses/$"))
    expect(page.get_by_role("cell", name="F41.1", exact=True)).to_be_visible()
    dx = Diagnosis.objects.get(code__code="F41.1")
    assert (dx.rank, dx.onset_on) == (2, datetime.date(2025, 11, 1))

    # Make it the primary diagnosis: htmx swaps the list in place.
    page.get_by_role("button", name="Move up F41.1").click()
    expect(page.locator("#diagnosis-list tbody tr").first).to_contain_text("F41.1")
    expect(page.locator("#diagnosis-list tbody tr").first).to_contain_text("Primary")
    expect(page.get_by_role("button", name="Move down F41.1")).to_be_focused()
    expect(page.locator("#diagnosis-status")).to_have_text(
        "F41.1 is now number 1, the primary diagnosis."
    )
    check_page(page, "diagnoses-tab-reordered")


def test_a_category_leads_to_its_billable_codes_and_cannot_be_saved(page: Page, live_server, chart):
    clinician, client = chart
    sign_in_by_session(page.context, live_server, clinician)
    page.goto(f"{live_server.url}/clients/{client.uuid}/diagnoses/new/")
    combobox = page.get_by_role("combobox", name="ICD-10-CM code")
    combobox.focus()
    page.keyboard.type("F33", delay=20)
    first = page.get_by_role("option").first
    expect(first).to_contain_text("not billable — choose a more specific code")
    check_page(page, "diagnosis-picker-category")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")  # choosing the category lists its billable codes instead
    expect(page.get_by_role("option").nth(1)).to_contain_text("F33.0")

    page.keyboard.press("Escape")
    expect(combobox).to_have_attribute("aria-expanded", "false")
    page.get_by_role("button", name="Add diagnosis").click()
    expect(combobox).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#id_code_error")).to_contain_text(
        "F33 is a category; choose a billable code such as F33.0"
    )
    expect(combobox).to_have_value("F33")
    check_page(page, "diagnosis-add-errors")


def test_the_episodes_tab_and_an_open_episode(page: Page, live_server, chart):
    clinician, client = chart
    sign_in_by_session(page.context, live_server, clinician)
    page.goto(f"{live_server.url}/clients/{client.uuid}/episodes/")
    expect(page.get_by_text("Sleep restored; relapse plan agreed.")).to_be_visible()
    expect(page.get_by_role("link", name="Open an episode")).to_have_count(0)  # one is open
    check_page(page, "episodes-tab")
    page.get_by_role("link", name=re.compile("Edit or discharge")).click()
    expect(page.get_by_role("heading", name="Discharge")).to_be_visible()
    page.get_by_role("button", name="Discharge").click()
    expect(page.locator("#id_reason_error")).to_contain_text("Choose why the episode ends")
    check_page(page, "episode-edit-errors")
    page.goto(f"{live_server.url}/clients/{client.uuid}/episodes/new/")
    expect(page.get_by_role("link", name="go to the open episode")).to_be_visible()
    check_page(page, "episode-add-refused")
