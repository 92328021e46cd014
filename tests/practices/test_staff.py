"""Staff: the member list, roles, supervisors, deactivation, the last-owner rule, unlock."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tend.core.access import CrossPracticeReference
from tend.core.models import AuditEvent
from tend.practices import services, views
from tend.practices.choices import Role
from tend.practices.models import Membership
from tests.conftest import signed_in
from tests.factories import MembershipFactory

STAFF = reverse("practices:staff")
NON_MANAGERS = ["clinician", "supervisor", "biller", "front_desk"]


def _member_url(member):
    return reverse("practices:member", args=[member.uuid])


def _active_url(member):
    return reverse("practices:member_set_active", args=[member.uuid])


def _member_data(member, **overrides):
    data = {"role": member.role, "supervisor": ""}
    if member.supervisor:
        data["supervisor"] = str(member.supervisor.pk)
    if member.sees_clients:
        data["sees_clients"] = "on"
    data.update(overrides)
    return data


# The list ------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["owner", "admin"])
def test_managers_see_every_member_with_role_status_and_supervisor(team, role):
    MembershipFactory(practice=team.practice, is_active=False, user__full_name="Gone Person")
    response = signed_in(team.by_role(role)).get(STAFF)
    assert response.status_code == 200
    html = response.content.decode()
    assert team.clinician.user.full_name in html
    assert "Gone Person" in html
    assert "Deactivated" in html
    assert team.outsider.user.full_name not in html
    members = {m.pk: m for m in response.context["members"]}
    assert members[team.clinician.pk].supervisor == team.supervisor
    assert members[team.clinician.pk].status == "active"


@pytest.mark.parametrize("role", NON_MANAGERS)
def test_other_roles_cannot_see_the_staff_pages(team, role):
    client = signed_in(team.by_role(role))
    assert client.get(STAFF).status_code == 403
    assert client.get(_member_url(team.clinician)).status_code == 403
    assert client.post(_active_url(team.clinician)).status_code == 403
    team.clinician.refresh_from_db()
    assert team.clinician.is_active


def test_a_locked_member_shows_as_locked_with_an_unlock_button(team, monkeypatch):
    monkeypatch.setattr(views, "_lock_checker", lambda: lambda user: user == team.biller.user)
    monkeypatch.setattr(views, "_unlock_url", lambda member: "/accounts/unlock-here/")
    response = signed_in(team.owner).get(STAFF)
    members = {m.pk: m for m in response.context["members"]}
    assert members[team.biller.pk].status == "locked"
    assert members[team.clinician.pk].status == "active"
    html = response.content.decode()
    assert 'action="/accounts/unlock-here/"' in html
    assert f'name="membership" value="{team.biller.uuid}"' in html


def test_no_unlock_button_when_the_unlock_page_does_not_exist(team, monkeypatch):
    monkeypatch.setattr(views, "_lock_checker", lambda: lambda user: True)
    monkeypatch.setattr(views, "reverse", _reverse_without_unlock)
    response = signed_in(team.owner).get(STAFF)
    assert all(m.unlock_url is None for m in response.context["members"])
    assert "Locked" in response.content.decode()


def _reverse_without_unlock(name, *args, **kwargs):
    from django.urls import NoReverseMatch
    from django.urls import reverse as real_reverse

    if name == "accounts:unlock":
        raise NoReverseMatch(name)
    return real_reverse(name, *args, **kwargs)


def test_the_staff_page_works_without_the_accounts_lockout_service(team, monkeypatch):
    monkeypatch.setattr(views, "_lock_checker", lambda: None)
    response = signed_in(team.owner).get(STAFF)
    assert {m.status for m in response.context["members"]} == {"active"}


# Role and supervisor ---------------------------------------------------------------------------


def test_a_manager_changes_a_role_and_assigns_a_supervisor(team):
    other_supervisor = MembershipFactory(practice=team.practice, role=Role.SUPERVISOR)
    client = signed_in(team.admin)
    assert client.get(_member_url(team.biller)).status_code == 200
    response = client.post(
        _member_url(team.biller),
        {"role": Role.CLINICIAN, "supervisor": other_supervisor.pk},
    )
    assert response.status_code == 302
    team.biller.refresh_from_db()
    assert team.biller.role == Role.CLINICIAN
    assert team.biller.supervisor == other_supervisor
    role_event = AuditEvent.objects.get(action="membership.role_changed")
    assert role_event.detail["from"] == Role.BILLER
    assert role_event.detail["to"] == Role.CLINICIAN
    assert AuditEvent.objects.get(action="membership.supervisor_assigned").detail == {
        "supervisor": str(other_supervisor.uuid)
    }


def test_supervisor_choices_are_this_practices_active_supervisors_only(team):
    foreign = MembershipFactory(practice=team.outsider.practice, role=Role.SUPERVISOR)
    inactive = MembershipFactory(practice=team.practice, role=Role.SUPERVISOR, is_active=False)
    response = signed_in(team.owner).get(_member_url(team.clinician))
    choices = set(response.context["form"].fields["supervisor"].queryset)
    assert choices == {team.supervisor}
    assert foreign not in choices and inactive not in choices


def test_a_supervisor_from_another_practice_is_refused_and_input_kept(team):
    foreign = MembershipFactory(practice=team.outsider.practice, role=Role.SUPERVISOR)
    response = signed_in(team.owner).post(
        _member_url(team.clinician),
        {"role": Role.CLINICIAN, "supervisor": foreign.pk, "sees_clients": "on"},
    )
    assert response.status_code == 200
    assert "supervisor" in response.context["form"].errors
    assert response.context["form"]["sees_clients"].value() is True
    team.clinician.refresh_from_db()
    assert team.clinician.supervisor == team.supervisor


def test_an_unknown_role_is_refused(team):
    response = signed_in(team.owner).post(_member_url(team.clinician), {"role": "wizard"})
    assert response.status_code == 200
    assert "role" in response.context["form"].errors


def test_demoting_a_supervisor_clears_their_supervisees(team):
    signed_in(team.owner).post(_member_url(team.supervisor), {"role": Role.CLINICIAN})
    team.clinician.refresh_from_db()
    assert team.clinician.supervisor is None
    event = AuditEvent.objects.get(action="membership.role_changed")
    assert event.detail["supervisees_cleared"] == 1


def test_the_last_owner_cannot_be_demoted(team):
    response = signed_in(team.owner).post(_member_url(team.owner), {"role": Role.ADMIN})
    assert response.status_code == 200
    assert "last active owner" in " ".join(response.context["form"].errors["role"])
    team.owner.refresh_from_db()
    assert team.owner.role == Role.OWNER


def test_an_owner_can_step_down_once_there_is_another_owner(team):
    client = signed_in(team.owner)
    client.post(_member_url(team.admin), _member_data(team.admin, role=Role.OWNER))
    client.post(_member_url(team.owner), _member_data(team.owner, role=Role.ADMIN))
    team.admin.refresh_from_db()
    team.owner.refresh_from_db()
    assert (team.admin.role, team.owner.role) == (Role.OWNER, Role.ADMIN)


def test_an_admin_cannot_make_an_owner_or_change_one(team):
    client = signed_in(team.admin)
    response = client.post(_member_url(team.clinician), {"role": Role.OWNER})
    assert "Only an owner" in " ".join(response.context["form"].errors["role"])
    response = client.post(_member_url(team.owner), {"role": Role.CLINICIAN})
    assert "Only an owner" in " ".join(response.context["form"].errors["role"])
    assert client.post(_active_url(team.owner)).status_code == 302
    team.owner.refresh_from_db()
    team.clinician.refresh_from_db()
    assert team.owner.is_active and team.owner.role == Role.OWNER
    assert team.clinician.role == Role.CLINICIAN


def test_an_outsider_cannot_open_or_change_another_practices_member(team):
    team.outsider.role = Role.OWNER
    team.outsider.save()
    client = signed_in(team.outsider)
    assert client.get(_member_url(team.clinician)).status_code == 404
    assert client.post(_member_url(team.clinician), {"role": Role.BILLER}).status_code == 404
    assert client.post(_active_url(team.clinician)).status_code == 404
    profile = reverse("practices:member_clinician_profile", args=[team.clinician.uuid])
    assert client.get(profile).status_code == 404
    team.clinician.refresh_from_db()
    assert team.clinician.role == Role.CLINICIAN and team.clinician.is_active


# Deactivation --------------------------------------------------------------------------------


def test_a_deactivated_member_can_no_longer_use_the_practice(team):
    member_client = signed_in(team.clinician)
    assert member_client.get(reverse("practices:today")).status_code == 200
    response = signed_in(team.owner).post(_active_url(team.clinician), {"active": "0"})
    assert response.status_code == 302
    team.clinician.refresh_from_db()
    assert not team.clinician.is_active
    assert team.clinician.deactivated_at is not None
    assert AuditEvent.objects.filter(
        action="membership.deactivated", object_id=str(team.clinician.uuid)
    ).exists()
    response = member_client.get(reverse("practices:today"))
    assert response.status_code == 302
    assert response["Location"] == reverse("practices:choose")


def test_a_member_is_reactivated(team):
    services.deactivate_member(member=team.biller, membership=team.owner)
    signed_in(team.owner).post(_active_url(team.biller), {"active": "1"})
    team.biller.refresh_from_db()
    assert team.biller.is_active and team.biller.deactivated_at is None
    assert AuditEvent.objects.filter(action="membership.reactivated").exists()


def test_the_last_owner_cannot_be_deactivated(team):
    client = signed_in(team.owner)
    response = client.post(_active_url(team.owner), {"active": "0"}, follow=True)
    assert "last active owner" in response.content.decode()
    team.owner.refresh_from_db()
    assert team.owner.is_active


def test_services_enforce_the_last_owner_rule(team):
    with pytest.raises(services.LastOwner):
        services.change_role(member=team.owner, role=Role.ADMIN, membership=team.owner)
    with pytest.raises(services.LastOwner):
        services.deactivate_member(member=team.owner, membership=team.owner)
    second = MembershipFactory(practice=team.practice, role=Role.OWNER, is_active=False)
    with pytest.raises(services.LastOwner):  # an inactive owner does not count
        services.deactivate_member(member=team.owner, membership=team.owner)
    services.reactivate_member(member=second, membership=team.owner)
    services.deactivate_member(member=team.owner, membership=second)
    team.owner.refresh_from_db()
    assert not team.owner.is_active


def test_assigning_a_non_supervisor_is_refused(team):
    with pytest.raises(services.NotASupervisor):
        services.assign_supervisor(
            member=team.biller, supervisor=team.clinician, membership=team.owner
        )
    with pytest.raises(services.NotASupervisor):
        services.assign_supervisor(
            member=team.supervisor, supervisor=team.supervisor, membership=team.owner
        )
    foreign = MembershipFactory(practice=team.outsider.practice, role=Role.SUPERVISOR)
    with pytest.raises(CrossPracticeReference):
        services.assign_supervisor(member=team.biller, supervisor=foreign, membership=team.owner)


def test_members_visible_to_a_member_are_their_practices_only(team):
    visible = set(Membership.objects.visible_to(team.front_desk))
    assert team.outsider not in visible
    assert team.owner in visible


def test_a_member_locked_out_by_failed_sign_ins_can_be_unlocked_from_the_staff_page(team):
    from django.conf import settings
    from django.test import Client

    for _ in range(settings.AXES_FAILURE_LIMIT):
        Client().post(
            reverse("accounts:login"),
            {"email": team.biller.user.email, "password": "wrong password here"},
        )
    owner = signed_in(team.owner)
    response = owner.get(STAFF)
    members = {m.pk: m for m in response.context["members"]}
    assert members[team.biller.pk].status == "locked"
    unlock_url = reverse("accounts:unlock", kwargs={"membership_id": team.biller.uuid})
    assert members[team.biller.pk].unlock_url == unlock_url
    assert f'action="{unlock_url}"' in response.content.decode()
    owner.post(unlock_url)
    response = owner.get(_member_url(team.biller))
    assert response.context["status"] == "active"
