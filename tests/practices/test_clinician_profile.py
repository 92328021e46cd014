"""Clinician profiles: credentials, licence, NPI, taxonomy and time zone."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from tend.core.models import AuditEvent
from tend.practices import services
from tend.practices.choices import Role
from tend.practices.models import ClinicianProfile
from tests.conftest import signed_in
from tests.factories import ClinicianProfileFactory

OWN = reverse("practices:clinician_profile")


def _profile(**overrides):
    data = {
        "credentials": "LPC",
        "license_number": "LPC-12345",
        "license_state": "TX",
        "npi": "1234567893",
        "taxonomy": "101yp2500x",
        "time_zone": "America/Los_Angeles",
    }
    data.update(overrides)
    return data


def _member_profile_url(member):
    return reverse("practices:member_clinician_profile", args=[member.uuid])


@pytest.mark.parametrize("role", ["clinician", "supervisor"])
def test_a_clinician_saves_their_own_profile(team, role):
    member = team.by_role(role)
    client = signed_in(member)
    response = client.get(OWN)
    assert response.status_code == 200
    assert '<datalist id="taxonomy-codes">' in response.content.decode()
    assert '<option value="101YP2500X">' in response.content.decode()
    response = client.post(OWN, _profile(npi=" 1234567893 "))
    assert response.status_code == 302
    profile = ClinicianProfile.objects.get(membership=member)
    assert profile.practice == team.practice
    assert profile.npi == "1234567893"
    assert profile.taxonomy == "101YP2500X"
    assert profile.time_zone == "America/Los_Angeles"
    assert profile.is_complete
    event = AuditEvent.objects.get(action="clinician_profile.updated")
    assert event.actor == member.user
    assert "npi" in event.detail["fields"]
    assert "1234567893" not in str(event.detail)


def test_an_npi_failing_its_check_digit_is_refused_and_input_kept(team):
    response = signed_in(team.clinician).post(OWN, _profile(npi="1234567890"))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "This NPI fails its check digit" in " ".join(errors["npi"])
    html = response.content.decode()
    assert 'value="1234567890"' in html
    assert 'value="LPC-12345"' in html
    assert not ClinicianProfile.objects.exists()


@pytest.mark.parametrize("taxonomy", ["101YP2500", "101YP2500Y", "101YP2500XX"])
def test_a_malformed_taxonomy_is_refused(team, taxonomy):
    response = signed_in(team.clinician).post(OWN, _profile(taxonomy=taxonomy))
    assert response.status_code == 200
    assert "taxonomy" in response.context["form"].errors


@pytest.mark.parametrize(("field", "value"), [("license_state", "ZZ"), ("time_zone", "Nowhere")])
def test_unknown_states_and_time_zones_are_refused(team, field, value):
    response = signed_in(team.clinician).post(OWN, _profile(**{field: value}))
    assert response.status_code == 200
    assert field in response.context["form"].errors


def test_an_owner_who_sees_clients_has_a_profile(team):
    team.owner.sees_clients = True
    team.owner.save()
    assert signed_in(team.owner).get(OWN).status_code == 200


@pytest.mark.parametrize("role", ["owner", "admin", "biller", "front_desk"])
def test_members_who_do_not_see_clients_are_sent_back_to_today(team, role):
    client = signed_in(team.by_role(role))
    response = client.get(OWN)
    assert response.status_code == 302
    assert response["Location"] == reverse("practices:today")
    client.post(OWN, _profile())
    assert not ClinicianProfile.objects.exists()


@pytest.mark.parametrize("role", ["owner", "admin"])
def test_managers_edit_any_clinicians_profile(team, role):
    ClinicianProfileFactory(membership=team.clinician, credentials="LMHC")
    client = signed_in(team.by_role(role))
    url = _member_profile_url(team.clinician)
    response = client.get(url)
    assert response.status_code == 200
    assert 'value="LMHC"' in response.content.decode()
    response = client.post(url, _profile(credentials="LCSW"))
    assert response.status_code == 302
    assert response["Location"] == reverse("practices:member", args=[team.clinician.uuid])
    assert ClinicianProfile.objects.get(membership=team.clinician).credentials == "LCSW"
    assert (
        AuditEvent.objects.get(action="clinician_profile.updated").actor == team.by_role(role).user
    )


def test_a_manager_with_bad_npi_input_keeps_it(team):
    response = signed_in(team.owner).post(
        _member_profile_url(team.clinician), _profile(npi="12345")
    )
    assert response.status_code == 200
    assert "npi" in response.context["form"].errors


def test_a_non_clinical_members_profile_page_redirects_to_their_staff_page(team):
    response = signed_in(team.owner).get(_member_profile_url(team.biller))
    assert response.status_code == 302
    assert response["Location"] == reverse("practices:member", args=[team.biller.uuid])


@pytest.mark.parametrize("role", ["clinician", "supervisor", "biller", "front_desk"])
def test_other_roles_cannot_edit_someone_elses_profile(team, role):
    client = signed_in(team.by_role(role))
    assert client.get(_member_profile_url(team.clinician)).status_code == 403
    assert client.post(_member_profile_url(team.clinician), _profile()).status_code == 403


def test_an_outsider_cannot_edit_another_practices_clinician(team):
    team.outsider.role = Role.OWNER
    team.outsider.save()
    client = signed_in(team.outsider)
    assert client.post(_member_profile_url(team.clinician), _profile()).status_code == 404
    assert not ClinicianProfile.objects.filter(membership=team.clinician).exists()


def test_the_service_refuses_an_invalid_npi(team):
    with pytest.raises(ValidationError):
        services.update_clinician_profile(
            profile_for=team.clinician, membership=team.clinician, npi="1234567890"
        )
