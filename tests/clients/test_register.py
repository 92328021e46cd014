"""Registering a client: the fast form, validation next to the field, the duplicate guard."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.urls import reverse

from tend.clients.models import CareTeamMember, Client, ClientStatusChange, RelatedPerson
from tend.clients.services.clients import NotAClinician, register_client
from tests.clients.conftest import audit_actions, register_data
from tests.conftest import signed_in
from tests.factories import ClientFactory, MembershipFactory, client_of

URL = reverse("clients:register")
pytestmark = pytest.mark.django_db


def test_front_desk_registers_a_client_with_phones_contact_and_clinician(team):
    data = register_data(clinician=str(team.clinician.uuid), phone_2="(512) 555-0102")
    response = signed_in(team.front_desk).post(URL, data)
    client = Client.objects.get(legal_last_name="Lopez")
    assert response.status_code == 302
    assert response["Location"] == reverse("clients:chart", args=[client.uuid])
    assert client.practice == team.practice and client.status == "intake"
    assert [p.number for p in client.phones.all()] == ["(512) 555-0100", "(512) 555-0102"]
    assert client.phones.first().is_primary
    contact = RelatedPerson.objects.get(client=client)
    assert (contact.kind, contact.phone) == ("emergency", "(512) 555-0111")
    care = CareTeamMember.objects.get(client=client)
    assert (care.membership, care.role, care.ended_on) == (team.clinician, "primary", None)
    assert ClientStatusChange.objects.get(client=client).to_status == "intake"
    assert "client.registered" in audit_actions(team.practice)


def test_the_form_offers_only_active_clinicians_of_this_practice(team):
    gone = MembershipFactory(practice=team.practice, role="clinician", is_active=False)
    page = signed_in(team.front_desk).get(URL).content.decode()
    assert str(team.clinician.uuid) in page and str(team.supervisor.uuid) in page
    assert str(gone.uuid) not in page
    assert str(team.outsider.uuid) not in page
    assert str(team.biller.uuid) not in page


def test_a_clinician_registering_defaults_to_themselves(team):
    form = signed_in(team.clinician).get(URL).context["form"]
    assert form["clinician"].value() == team.clinician.uuid


def test_a_clinician_from_another_practice_is_refused(team):
    data = register_data(clinician=str(team.outsider.uuid))
    response = signed_in(team.front_desk).post(URL, data)
    assert response.status_code == 200
    assert "clinician" in response.context["form"].errors
    assert not Client.objects.exists()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("date_of_birth", "2999-01-01", "in the future"),
        ("date_of_birth", "2023-02-30", "valid date"),
        ("date_of_birth", "1850-01-01", "over 120"),
        ("email", "maria@", "valid email"),
        ("phone_1", "555-01", "ten-digit"),
        ("emergency_phone", "12", "ten-digit"),
        ("postal_code", "7870", "ZIP code"),
        ("legal_last_name", "", "required"),
    ],
)
def test_bad_input_is_refused_next_to_the_field_and_keeps_what_was_typed(
    team, field, value, message
):
    response = signed_in(team.front_desk).post(URL, register_data(**{field: value}))
    assert response.status_code == 200
    form = response.context["form"]
    assert message in " ".join(form.errors[field])
    page = response.content.decode()
    assert 'value="Mari"' in page and "12 Oak Street" in page
    assert not Client.objects.exists()


@time_machine.travel(datetime.date(2026, 6, 1))
def test_a_minor_needs_a_guardian_name_and_phone(team):
    data = register_data(date_of_birth="2015-05-01")
    form = signed_in(team.front_desk).post(URL, data).context["form"]
    assert "guardian_name" in form.errors and "guardian_phone" in form.errors
    data.update(
        guardian_name="Rosa Lopez", guardian_phone="5125550150", guardian_relationship="Mother"
    )
    response = signed_in(team.front_desk).post(URL, data)
    assert response.status_code == 302
    guardian = RelatedPerson.objects.get(kind="guardian")
    assert guardian.is_legal_guardian and guardian.phone == "(512) 555-0150"


def test_client_type_minor_needs_a_guardian_whatever_the_age(team):
    form = signed_in(team.front_desk).post(URL, register_data(client_type="minor")).context["form"]
    assert "guardian_name" in form.errors


def test_same_name_and_birth_date_warns_with_a_link_and_keeps_the_form(team):
    existing = ClientFactory(
        practice=team.practice,
        legal_first_name="MARIA",
        legal_last_name="lopez",
        date_of_birth=datetime.date(1990, 3, 14),
    )
    response = signed_in(team.front_desk).post(URL, register_data())
    assert response.status_code == 200
    page = response.content.decode()
    assert reverse("clients:chart", args=[existing.uuid]) in page
    assert "Register anyway" in page and 'value="Mari"' in page
    assert Client.objects.count() == 1
    again = signed_in(team.front_desk).post(URL, register_data(register_anyway="on"))
    assert again.status_code == 302
    assert Client.objects.count() == 2


def test_a_duplicate_the_member_cannot_see_is_mentioned_without_a_link(team):
    hidden = client_of(
        team.supervisor,
        legal_first_name="Maria",
        legal_last_name="Lopez",
        date_of_birth=datetime.date(1990, 3, 14),
    )
    response = signed_in(team.clinician).post(URL, register_data())
    page = response.content.decode()
    assert "ask your practice administrator" in page
    assert str(hidden.uuid) not in page


def test_a_duplicate_in_another_practice_does_not_warn(team):
    ClientFactory(
        practice=team.outsider.practice,
        legal_first_name="Maria",
        legal_last_name="Lopez",
        date_of_birth=datetime.date(1990, 3, 14),
    )
    assert signed_in(team.front_desk).post(URL, register_data()).status_code == 302


@pytest.mark.parametrize("role", ["biller"])
def test_roles_without_register_are_refused(team, role):
    client = signed_in(team.by_role(role))
    assert client.get(URL).status_code == 403
    assert client.post(URL, register_data()).status_code == 403
    assert not Client.objects.exists()


def test_the_outsider_registers_into_their_own_practice_only(team):
    team.outsider.role = "front_desk"
    team.outsider.save()
    signed_in(team.outsider).post(URL, register_data())
    assert Client.objects.get().practice == team.outsider.practice


def test_register_service_refuses_a_non_clinician(team):
    with pytest.raises(NotAClinician):
        register_client(
            membership=team.front_desk,
            data={"legal_first_name": "A", "legal_last_name": "B"},
            clinician=team.biller,
        )
