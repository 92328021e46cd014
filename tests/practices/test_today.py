"""The Today page: greeting in the person's time zone, practice, role, the owner's checklist."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from tend.practices.checklist import setup_checklist
from tend.practices.choices import Role
from tests.conftest import signed_in
from tests.factories import (
    ClinicianProfileFactory,
    InvitationFactory,
    LocationFactory,
    MembershipFactory,
)

TODAY = reverse("practices:today")
# 14:00 UTC on 1 June 2026: 09:00 in Chicago (the practice), 23:00 in Tokyo.
AT = datetime(2026, 6, 1, 14, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "role", ["owner", "admin", "clinician", "supervisor", "biller", "front_desk"]
)
def test_everyone_is_greeted_with_their_practice_and_role(team, role):
    member = team.by_role(role)
    with time_machine.travel(AT, tick=False):
        response = signed_in(member).get(TODAY)
    assert response.status_code == 200
    html = response.content.decode()
    assert f"Good morning, {member.user.display_name}" in html
    assert "Monday 1 June, 9:00 AM</time> (America/Chicago)" in html
    assert team.practice.name in html
    assert member.get_role_display() in html


def test_the_greeting_uses_the_clinicians_own_time_zone(team):
    ClinicianProfileFactory(membership=team.clinician, time_zone="Asia/Tokyo")
    with time_machine.travel(AT, tick=False):
        response = signed_in(team.clinician).get(TODAY)
    assert response.context["greeting"] == "Good evening"
    assert response.context["time_zone"] == "Asia/Tokyo"
    assert "Monday 1 June, 11:00 PM</time> (Asia/Tokyo)" in response.content.decode()


def test_the_greeting_falls_back_to_the_practice_time_zone(team):
    ClinicianProfileFactory(membership=team.clinician, time_zone="")
    with time_machine.travel(datetime(2026, 6, 1, 20, 0, tzinfo=UTC), tick=False):
        response = signed_in(team.clinician).get(TODAY)
    assert response.context["greeting"] == "Good afternoon"  # 15:00 in Chicago
    assert response.context["time_zone"] == "America/Chicago"


def test_a_supervisor_sees_how_many_clinicians_they_supervise(team):
    response = signed_in(team.supervisor).get(TODAY)
    assert "You supervise 1 clinician." in response.content.decode()


def test_only_owners_see_the_setup_checklist(team):
    assert signed_in(team.owner).get(TODAY).context["checklist"] is not None
    for role in ["admin", "clinician", "biller", "front_desk"]:
        response = signed_in(team.by_role(role)).get(TODAY)
        assert response.context["checklist"] is None
        assert "Set up your practice" not in response.content.decode()


def _items(membership):
    return {item.label.split(" (")[0]: item for item in setup_checklist(membership)}


def test_a_new_solo_practice_has_everything_to_do_but_mfa(db):
    owner = MembershipFactory(role=Role.OWNER, practice__require_mfa=True)
    LocationFactory(practice=owner.practice, is_telehealth=True)
    items = _items(owner)
    assert not items["Add an office location"].done
    assert not items["Invite your staff"].done
    assert items["Require two-step sign-in for everyone"].done
    assert "Complete clinician profiles" not in items


def test_the_checklist_follows_the_practices_real_data(db):
    owner = MembershipFactory(role=Role.OWNER, sees_clients=True, practice__require_mfa=False)
    practice = owner.practice
    items = _items(owner)
    assert not items["Require two-step sign-in for everyone"].done
    assert items["Complete clinician profiles"].detail == "0 of 1 complete."
    LocationFactory(practice=practice)
    InvitationFactory(practice=practice)
    ClinicianProfileFactory(membership=owner, license_number="X1", license_state="TX")
    items = _items(owner)
    assert items["Add an office location"].done
    assert items["Invite your staff"].done
    assert items["Complete clinician profiles"].done


def test_an_archived_office_does_not_count(db):
    owner = MembershipFactory(role=Role.OWNER)
    LocationFactory(practice=owner.practice, is_archived=True)
    assert not _items(owner)["Add an office location"].done


def test_the_checklist_counts_incomplete_profiles_across_the_practice(team):
    ClinicianProfileFactory(membership=team.clinician, license_number="A1", license_state="TX")
    items = _items(team.owner)
    assert items["Complete clinician profiles"].detail == "1 of 2 complete."
    assert not items["Complete clinician profiles"].done


@pytest.mark.django_db
def test_today_needs_a_sign_in():
    response = Client().get(TODAY)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_a_person_in_two_practices_without_a_choice_is_asked_to_choose(team):
    MembershipFactory(user=team.clinician.user)
    client = Client()
    client.force_login(team.clinician.user)
    response = client.get(TODAY)
    assert response.status_code == 302
    assert response["Location"] == reverse("practices:choose")


def test_an_outsider_sees_their_own_practice_on_today(team):
    html = signed_in(team.outsider).get(TODAY).content.decode()
    assert team.outsider.practice.name in html
    assert team.practice.name not in html


@pytest.mark.parametrize("role", ["clinician", "front_desk"])
def test_today_links_to_the_locations_and_the_clinicians_profile(team, role):
    html = signed_in(team.by_role(role)).get(TODAY).content.decode()
    assert reverse("practices:locations") in html
    assert (reverse("practices:clinician_profile") in html) is (role == "clinician")


def test_today_lists_the_other_practices_without_stray_punctuation(team):
    from tests.factories import MembershipFactory, PracticeFactory

    later = MembershipFactory(
        user=team.clinician.user, practice=PracticeFactory(name="Zinnia Therapy")
    )
    earlier = MembershipFactory(
        user=team.clinician.user, practice=PracticeFactory(name="Aster Therapy")
    )
    html = signed_in(team.clinician).get("/").content.decode()
    assert f"{earlier.practice.name} (Clinician), {later.practice.name} (Clinician)." in html
    assert ", ." not in html
