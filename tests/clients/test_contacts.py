"""Contacts, guardians, related clients and phone numbers on the chart."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tend.clients.models import ClientPhone, RelatedPerson
from tests.clients.conftest import audit_actions
from tests.conftest import signed_in
from tests.factories import ClientFactory, RelatedPersonFactory, client_of

pytestmark = pytest.mark.django_db


def test_add_a_contact_linked_to_another_client(team):
    client = client_of(team.clinician)
    partner = client_of(team.clinician, legal_last_name="Partner")
    response = signed_in(team.clinician).post(
        reverse("clients:contact_add", args=[client.uuid]),
        {
            "kind": "partner",
            "name": "Alex Partner",
            "relationship": "Spouse",
            "phone": "512.555.0123",
            "linked_client": str(partner.uuid),
        },
    )
    assert response.status_code == 302
    person = RelatedPerson.objects.get(client=client)
    assert (person.phone, person.linked_client) == ("(512) 555-0123", partner)
    assert "contact.added" in audit_actions(team.practice)
    page = (
        signed_in(team.clinician).get(reverse("clients:chart", args=[client.uuid])).content.decode()
    )
    assert "Alex Partner" in page and reverse("clients:chart", args=[partner.uuid]) in page


def test_linked_client_choices_are_narrowed_to_visible_clients(team):
    client = client_of(team.clinician)
    hidden = client_of(team.supervisor)
    elsewhere = ClientFactory(practice=team.outsider.practice)
    member = signed_in(team.clinician)
    url = reverse("clients:contact_add", args=[client.uuid])
    page = member.get(url).content.decode()
    assert str(hidden.uuid) not in page and str(elsewhere.uuid) not in page
    for other in (hidden, elsewhere):
        response = member.post(
            url, {"kind": "family", "name": "X Y", "linked_client": str(other.uuid)}
        )
        assert "linked_client" in response.context["form"].errors
    assert not RelatedPerson.objects.exists()


def test_bad_contact_input_keeps_what_was_typed(team):
    client = client_of(team.clinician)
    response = signed_in(team.front_desk).post(
        reverse("clients:contact_add", args=[client.uuid]),
        {"kind": "emergency", "name": "Typed Name", "phone": "123", "email": "nope"},
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert "phone" in form.errors and "email" in form.errors
    assert "Typed Name" in response.content.decode()


def test_edit_and_remove_a_contact(team):
    client = client_of(team.clinician)
    person = RelatedPersonFactory(client=client, name="Old Name")
    member = signed_in(team.front_desk)
    url = reverse("clients:contact_edit", args=[person.uuid])
    assert member.get(url).status_code == 200
    member.post(url, {"kind": "emergency", "name": "New Name", "phone": "5125550199"})
    person.refresh_from_db()
    assert person.name == "New Name"
    assert member.post(url, {"remove": "1"}).status_code == 302
    assert not RelatedPerson.objects.exists()
    assert {"contact.updated", "contact.removed"} <= set(audit_actions(team.practice))
    history = (
        signed_in(team.owner).get(reverse("clients:history", args=[client.uuid])).content.decode()
    )
    assert "Removed: Contact" in history and "Old Name → New Name" in history


def test_contact_pages_refuse_the_biller_and_hide_from_others(team):
    client = client_of(team.clinician)
    person = RelatedPersonFactory(client=client)
    url = reverse("clients:contact_edit", args=[person.uuid])
    assert signed_in(team.biller).get(url).status_code == 403
    assert signed_in(team.biller).post(url, {"remove": "1"}).status_code == 403
    other = client_of(team.supervisor)
    other_person = RelatedPersonFactory(client=other)
    assert (
        signed_in(team.clinician)
        .get(reverse("clients:contact_edit", args=[other_person.uuid]))
        .status_code
        == 404
    )
    assert signed_in(team.outsider).post(url, {"remove": "1"}).status_code == 404
    assert RelatedPerson.objects.count() == 2


def test_a_restricted_clients_contact_needs_broken_glass(team):
    client = client_of(team.clinician, is_restricted=True)
    person = RelatedPersonFactory(client=client)
    response = signed_in(team.front_desk).get(reverse("clients:contact_edit", args=[person.uuid]))
    assert response["Location"] == reverse("clients:break_glass", args=[client.uuid])


def test_add_edit_and_remove_a_phone(team):
    client = client_of(team.clinician)
    member = signed_in(team.front_desk)
    member.post(
        reverse("clients:phone_add", args=[client.uuid]),
        {"number": "+1 512 555 0100", "kind": "mobile"},
    )
    first = ClientPhone.objects.get()
    assert (first.number, first.is_primary) == ("(512) 555-0100", True)
    member.post(
        reverse("clients:phone_add", args=[client.uuid]), {"number": "5125550101", "kind": "work"}
    )
    second = ClientPhone.objects.get(kind="work")
    assert not second.is_primary
    member.post(
        reverse("clients:phone_edit", args=[second.uuid]),
        {"number": "5125550102", "kind": "work", "is_primary": "on"},
    )
    first.refresh_from_db()
    second.refresh_from_db()
    assert (second.number, second.is_primary, first.is_primary) == ("(512) 555-0102", True, False)
    member.post(reverse("clients:phone_edit", args=[first.uuid]), {"remove": "1"})
    assert list(ClientPhone.objects.all()) == [second]
    assert {"phone.added", "phone.updated", "phone.removed"} <= set(audit_actions(team.practice))


def test_a_bad_phone_is_refused_next_to_the_field(team):
    client = client_of(team.clinician)
    response = signed_in(team.front_desk).post(
        reverse("clients:phone_add", args=[client.uuid]), {"number": "555-123", "kind": "mobile"}
    )
    assert "ten-digit" in " ".join(response.context["form"].errors["number"])
    assert "555-123" in response.content.decode()
    assert not ClientPhone.objects.exists()


def test_phone_pages_refuse_the_biller_and_the_outsider(team):
    client = client_of(team.clinician)
    phone = ClientPhone.objects.create(
        practice=team.practice, client=client, number="(512) 555-0100"
    )
    url = reverse("clients:phone_edit", args=[phone.uuid])
    assert signed_in(team.biller).post(url, {"remove": "1"}).status_code == 403
    assert signed_in(team.outsider).post(url, {"remove": "1"}).status_code == 404
    assert (
        signed_in(team.outsider).get(reverse("clients:phone_add", args=[client.uuid])).status_code
        == 404
    )
    assert ClientPhone.objects.exists()
