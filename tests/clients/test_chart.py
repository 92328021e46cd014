"""The chart's overview and history tabs, editing demographics, and who sees what."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from tend.clients.models import Client
from tests.clients.conftest import audit_actions
from tests.conftest import signed_in
from tests.factories import (
    ClientFactory,
    InsurancePolicyFactory,
    PayerFactory,
    RelatedPersonFactory,
    client_of,
)

pytestmark = pytest.mark.django_db


def chart_url(client, name="clients:chart"):
    return reverse(name, args=[client.uuid])


def test_the_overview_shows_the_essentials_and_audits_the_read(team):
    client = client_of(
        team.clinician,
        legal_first_name="Jonathan",
        legal_last_name="Reyes",
        preferred_name="Jay",
        pronouns="he/him",
        date_of_birth=datetime.date(1985, 7, 4),
    )
    InsurancePolicyFactory(
        client=client, payer=PayerFactory(practice=team.practice, name="Acme"), member_id="XY123"
    )
    RelatedPersonFactory(client=client, name="Sam Contact")
    response = signed_in(team.clinician).get(chart_url(client))
    page = response.content.decode()
    assert response.status_code == 200
    for text in [
        "Jay Reyes",
        "Legal name: Jonathan Reyes",
        "he/him",
        "07/04/1985",
        "Acme",
        "XY123",
        "Sam Contact",
        team.clinician.user.full_name,
        "Do not email",
    ]:
        assert text in page, text
    assert "phi.read" in audit_actions(team.practice)


def test_the_front_desk_sees_demographics_and_insurance_but_no_clinical_tabs(team):
    client = client_of(team.clinician)
    InsurancePolicyFactory(client=client, member_id="FD999")
    page = signed_in(team.front_desk).get(chart_url(client)).content.decode()
    assert "FD999" in page
    assert reverse("clients:insurance", args=[client.uuid]) in page
    assert reverse("clients:episodes", args=[client.uuid]) not in page
    assert reverse("clients:diagnoses", args=[client.uuid]) not in page
    assert reverse("clients:history", args=[client.uuid]) not in page


def test_the_biller_sees_the_diagnoses_tab_but_not_episodes(team):
    client = client_of(team.clinician)
    page = signed_in(team.biller).get(chart_url(client)).content.decode()
    assert reverse("clients:diagnoses", args=[client.uuid]) in page
    assert reverse("clients:insurance", args=[client.uuid]) in page
    assert reverse("clients:episodes", args=[client.uuid]) not in page


def test_a_clinician_cannot_open_another_clinicians_client(team):
    client = client_of(team.supervisor)
    assert signed_in(team.clinician).get(chart_url(client)).status_code == 404
    assert signed_in(team.clinician).get(chart_url(client, "clients:history")).status_code == 404


def test_a_supervisor_opens_a_supervisees_client(team):
    client = client_of(team.clinician)
    assert signed_in(team.supervisor).get(chart_url(client)).status_code == 200


def test_the_outsider_gets_404(team):
    client = client_of(team.clinician)
    for name in ["clients:chart", "clients:history", "clients:edit"]:
        assert signed_in(team.outsider).get(chart_url(client, name)).status_code == 404


def test_history_shows_who_changed_which_field_from_what_to_what(team):
    client = client_of(team.clinician, preferred_name="", pronouns="she/her")
    member = signed_in(team.front_desk)
    data = {
        "legal_first_name": client.legal_first_name,
        "legal_last_name": client.legal_last_name,
        "date_of_birth": "1988-04-12",
        "pronouns": "they/them",
        "client_type": "adult",
        "preferred_language": "English",
        "email": client.email,
        "sex": "",
        "gender_identity": "",
    }
    assert member.post(chart_url(client, "clients:edit"), data).status_code == 302
    page = signed_in(team.owner).get(chart_url(client, "clients:history")).content.decode()
    assert "Pronouns: she/her → they/them" in page
    assert team.front_desk.user.full_name in page


def test_history_is_refused_to_roles_without_it(team):
    client = client_of(team.clinician)
    for role in ["front_desk", "biller"]:
        assert (
            signed_in(team.by_role(role)).get(chart_url(client, "clients:history")).status_code
            == 403
        )


def edit_data(client, **overrides):
    data = {
        "legal_first_name": client.legal_first_name,
        "legal_last_name": client.legal_last_name,
        "date_of_birth": "1988-04-12",
        "client_type": "adult",
        "preferred_language": "English",
        "email": client.email,
        "sex": "",
        "gender_identity": "",
        "city": "Austin",
    }
    data.update(overrides)
    return data


def test_editing_demographics_saves_and_audits_field_names_only(team):
    client = client_of(team.clinician)
    response = signed_in(team.front_desk).post(
        chart_url(client, "clients:edit"), edit_data(client, city="Round Rock", state="TX")
    )
    assert response.status_code == 302
    client.refresh_from_db()
    assert (client.city, client.state) == ("Round Rock", "TX")
    from tend.core.models import AuditEvent

    event = AuditEvent.objects.get(action="client.updated")
    assert event.detail == {"fields": ["city", "state"]}


def test_editing_with_bad_input_keeps_what_was_typed(team):
    client = client_of(team.clinician)
    response = signed_in(team.front_desk).post(
        chart_url(client, "clients:edit"),
        edit_data(client, date_of_birth="2999-01-01", city="Typed Town", email="bad@"),
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert "date_of_birth" in form.errors and "email" in form.errors
    assert "Typed Town" in response.content.decode()
    client.refresh_from_db()
    assert client.city == ""


def test_the_biller_cannot_edit_demographics(team):
    client = client_of(team.clinician)
    member = signed_in(team.biller)
    assert member.get(chart_url(client, "clients:edit")).status_code == 403
    assert member.post(chart_url(client, "clients:edit"), edit_data(client)).status_code == 403


def test_front_desk_cannot_set_the_restricted_flag_but_the_clinician_can(team):
    client = client_of(team.clinician)
    signed_in(team.front_desk).post(
        chart_url(client, "clients:edit"), edit_data(client, is_restricted="on")
    )
    client.refresh_from_db()
    assert not client.is_restricted
    signed_in(team.clinician).post(
        chart_url(client, "clients:edit"), edit_data(client, is_restricted="on")
    )
    client.refresh_from_db()
    assert client.is_restricted
    assert "client.restriction_changed" in audit_actions(team.practice)


def test_the_clients_navigation_item_links_to_the_caseload(team):
    page = signed_in(team.biller).get(reverse("clients:caseload")).content.decode()
    assert f'href="{reverse("clients:caseload")}" aria-current="page">Clients' in page


def test_an_unknown_client_is_404(team):
    ClientFactory(practice=team.practice)
    url = reverse("clients:chart", args=["00000000-0000-0000-0000-000000000000"])
    assert signed_in(team.owner).get(url).status_code == 404
    assert Client.objects.count() == 1
