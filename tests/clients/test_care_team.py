"""Assigning clinicians to a client, ending assignments, and bulk reassignment."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tend.clients.models import CareTeamMember
from tend.clients.services.clients import NotAClinician, assign_clinician, reassign_clients
from tests.clients.conftest import audit_actions
from tests.conftest import signed_in
from tests.factories import ClientFactory, MembershipFactory, client_of

pytestmark = pytest.mark.django_db


def open_team(client) -> dict:
    return {c.membership_id: c.role for c in client.care_team.filter(ended_on__isnull=True)}


def test_a_new_primary_replaces_the_old_one_which_is_kept_as_history(team):
    client = client_of(team.clinician)
    assign_clinician(client, team.supervisor, membership=team.owner, role="primary")
    assert open_team(client) == {team.supervisor.pk: "primary"}
    old = CareTeamMember.objects.get(client=client, membership=team.clinician)
    assert old.ended_on is not None
    assert "care_team.assigned" in audit_actions(team.practice)


def test_co_therapist_and_consulting_join_alongside_the_primary(team):
    client = client_of(team.clinician)
    assign_clinician(client, team.supervisor, membership=team.admin, role="consulting")
    assert open_team(client) == {team.clinician.pk: "primary", team.supervisor.pk: "consulting"}


def test_the_care_team_page_assigns_and_ends(team):
    client = client_of(team.clinician)
    member = signed_in(team.admin)
    url = reverse("clients:care_team", args=[client.uuid])
    assert member.get(url).status_code == 200
    response = member.post(url, {"clinician": str(team.supervisor.uuid), "role": "secondary"})
    assert response.status_code == 302
    care = CareTeamMember.objects.get(client=client, membership=team.supervisor)
    assert member.post(reverse("clients:care_end", args=[care.uuid])).status_code == 302
    care.refresh_from_db()
    assert care.ended_on is not None
    assert CareTeamMember.objects.filter(client=client).count() == 2  # never deleted
    assert "care_team.ended" in audit_actions(team.practice)


def test_a_get_to_end_changes_nothing(team):
    client = client_of(team.clinician)
    care = client.care_team.get()
    response = signed_in(team.owner).get(reverse("clients:care_end", args=[care.uuid]))
    assert response.status_code == 302
    care.refresh_from_db()
    assert care.ended_on is None


def test_bad_input_shows_the_error_next_to_the_field(team):
    client = client_of(team.clinician)
    response = signed_in(team.owner).post(
        reverse("clients:care_team", args=[client.uuid]),
        {"clinician": str(team.biller.uuid), "role": "primary"},
    )
    assert response.status_code == 200
    assert "clinician" in response.context["form"].errors


@pytest.mark.parametrize("role", ["clinician", "supervisor", "biller", "front_desk"])
def test_only_owners_and_admins_manage_the_care_team(team, role):
    client = client_of(team.clinician)
    CareTeamMember.objects.create(
        practice=team.practice, client=client, membership=team.supervisor, role="consulting"
    )
    member = signed_in(team.by_role(role))
    url = reverse("clients:care_team", args=[client.uuid])
    assert member.get(url).status_code == 403
    assert (
        member.post(url, {"clinician": str(team.supervisor.uuid), "role": "primary"}).status_code
        == 403
    )
    care = client.care_team.get(membership=team.clinician)
    assert member.post(reverse("clients:care_end", args=[care.uuid])).status_code == 403


def test_the_outsider_gets_404(team):
    client = client_of(team.clinician)
    outsider = MembershipFactory(practice=team.outsider.practice, role="owner")
    member = signed_in(outsider)
    assert member.get(reverse("clients:care_team", args=[client.uuid])).status_code == 404
    care = client.care_team.get()
    assert member.post(reverse("clients:care_end", args=[care.uuid])).status_code == 404


def test_bulk_reassign_from_the_caseload(team):
    a, b = client_of(team.clinician), client_of(team.clinician)
    untouched = client_of(team.clinician)
    response = signed_in(team.owner).post(
        reverse("clients:reassign"),
        {"clients": [str(a.uuid), str(b.uuid)], "to_clinician": str(team.supervisor.uuid)},
    )
    assert response.status_code == 302
    assert open_team(a) == {team.supervisor.pk: "primary"} == open_team(b)
    assert open_team(untouched) == {team.clinician.pk: "primary"}
    assert "care_team.reassigned" in audit_actions(team.practice)


def test_bulk_reassign_ignores_another_practices_clients(team):
    theirs = ClientFactory(practice=team.outsider.practice)
    mine = client_of(team.clinician)
    signed_in(team.owner).post(
        reverse("clients:reassign"),
        {"clients": [str(theirs.uuid), str(mine.uuid)], "to_clinician": str(team.supervisor.uuid)},
    )
    assert not theirs.care_team.exists()
    assert open_team(mine) == {team.clinician.pk: "primary"}  # the whole form was refused


@pytest.mark.parametrize("role", ["clinician", "supervisor", "biller", "front_desk"])
def test_bulk_reassign_is_for_owners_and_admins(team, role):
    a = client_of(team.clinician)
    response = signed_in(team.by_role(role)).post(
        reverse("clients:reassign"),
        {"clients": [str(a.uuid)], "to_clinician": str(team.supervisor.uuid)},
    )
    assert response.status_code == 403
    assert open_team(a) == {team.clinician.pk: "primary"}


def test_the_reassign_service_refuses_a_non_clinician(team):
    with pytest.raises(NotAClinician):
        reassign_clients([client_of(team.clinician)], team.front_desk, membership=team.owner)


def test_the_caseload_offers_reassignment_to_managers_only(team):
    client_of(team.clinician)
    assert (
        "Reassign the selected clients"
        in signed_in(team.admin).get(reverse("clients:caseload")).content.decode()
    )
    assert (
        "Reassign"
        not in signed_in(team.front_desk).get(reverse("clients:caseload")).content.decode()
    )
