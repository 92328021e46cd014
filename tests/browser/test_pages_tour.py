"""A tour of every page a signed-in owner can open today, at desktop and phone sizes: each is
screenshotted and must have no serious or critical axe violation and no CSP breakage."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import MOBILE, check_page
from tests.browser.helpers import sign_in_by_session
from tests.factories import (
    ClinicianProfileFactory,
    InvitationFactory,
    LocationFactory,
    MembershipFactory,
    PracticeFactory,
    RoomFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PAGES = [
    ("/", "today"),
    ("/settings/", "settings"),
    ("/settings/locations/", "locations"),
    ("/settings/locations/add/", "location-add"),
    ("/settings/staff/", "staff"),
    ("/settings/staff/invite/", "invite"),
    ("/profile/", "clinician-profile"),
    ("/practices/choose/", "choose-practice"),
    ("/practices/new/", "new-practice"),
    ("/audit/", "audit-log"),
    ("/accounts/", "account"),
    ("/accounts/mfa/", "account-mfa"),
    ("/accounts/password/", "account-password"),
    ("/accounts/email/", "account-email"),
]


@pytest.fixture
def busy_practice():
    practice = PracticeFactory(name="Riverbend Counseling")
    owner = MembershipFactory(
        practice=practice, role="owner", user__full_name="Dana Whitfield", sees_clients=True
    )
    ClinicianProfileFactory(membership=owner, practice=practice)
    clinician = MembershipFactory(practice=practice, role="clinician")
    ClinicianProfileFactory(membership=clinician, practice=practice)
    MembershipFactory(practice=practice, role="front_desk")
    office = LocationFactory(practice=practice, name="Main Street office")
    RoomFactory(location=office, practice=practice, name="Room 1")
    InvitationFactory(practice=practice, email="newhire@example.org")
    MembershipFactory(practice=PracticeFactory(name="Lakeside Therapy Group"), user=owner.user)
    return owner


@pytest.mark.parametrize("size", ["desktop", "mobile"])
def test_every_page_an_owner_opens_is_accessible(page, context, live_server, busy_practice, size):
    if size == "mobile":
        page.set_viewport_size(MOBILE)
    sign_in_by_session(context, live_server, busy_practice)
    for path, name in PAGES:
        response = page.goto(live_server.url + path)
        assert response.status == 200, f"{path} answered {response.status}"
        expect(page.locator("main h1").first).to_be_visible()
        settings_link = page.locator(".primary-nav a", has_text="Settings")
        if path.startswith(("/settings/", "/audit/")):
            expect(settings_link).to_have_attribute("aria-current", re.compile("page|true"))
        else:
            expect(settings_link).not_to_have_attribute("aria-current", re.compile(".*"))
        check_page(page, f"tour-{name}-{size}")
