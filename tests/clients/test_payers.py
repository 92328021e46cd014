"""Payers: the practice's list, add, edit, archive; unique names; who manages them."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tend.clients.models import Payer
from tend.clients.services import insurance as service
from tend.core.models import AuditEvent
from tests.conftest import signed_in
from tests.factories import MembershipFactory, PayerFactory

LIST = reverse("clients:payers")
ADD = reverse("clients:payer_add")


def _edit(payer):
    return reverse("clients:payer_edit", kwargs={"payer_id": payer.uuid})


def _payer(**overrides):
    data = {
        "name": "Blue Valley Health",
        "payer_id": "bvh01",
        "payer_type": "commercial",
        "address_line1": "PO Box 100",
        "address_line2": "",
        "city": "Austin",
        "state": "TX",
        "postal_code": "78701",
        "phone": "512.555.0142",
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize("role", ["owner", "admin", "biller"])
def test_a_payer_manager_adds_a_payer_with_normalised_details(team, role):
    response = signed_in(team.by_role(role)).post(ADD, _payer())
    assert response.status_code == 302
    payer = Payer.objects.get(practice=team.practice)
    assert payer.payer_id == "BVH01"
    assert payer.phone == "(512) 555-0142"
    event = AuditEvent.objects.get(action="payer.added")
    assert event.object_id == str(payer.uuid)


def test_the_list_shows_this_practices_payers_only(team):
    PayerFactory(practice=team.practice, name="Lone Star Medicaid", payer_type="medicaid")
    PayerFactory(practice=team.outsider.practice, name="Foreign Plan")
    html = signed_in(team.front_desk).get(LIST).content.decode()
    assert "Lone Star Medicaid" in html
    assert "Medicaid" in html
    assert "Foreign Plan" not in html
    assert ADD not in html  # the front desk reads the list; it adds payers from a policy


def test_a_duplicate_name_is_refused_with_a_clear_message_and_what_was_typed_is_kept(team):
    PayerFactory(practice=team.practice, name="Blue Valley Health")
    response = signed_in(team.owner).post(ADD, _payer(name="blue valley health", city="Waco"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "already has a payer with this name" in html
    assert 'value="Waco"' in html
    assert Payer.objects.filter(practice=team.practice).count() == 1


def test_another_practice_may_use_the_same_name(team):
    PayerFactory(practice=team.outsider.practice, name="Blue Valley Health")
    assert signed_in(team.owner).post(ADD, _payer()).status_code == 302


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", "", "This field is required"),
        ("phone", "555-01", "10-digit"),
        ("postal_code", "7870", "ZIP code"),
        ("payer_id", "BV H!", "letters and digits"),
        ("payer_type", "martian", "Select a valid choice"),
    ],
)
def test_bad_input_is_shown_next_to_the_field(team, field, value, message):
    response = signed_in(team.admin).post(ADD, _payer(**{field: value}))
    html = response.content.decode()
    assert response.status_code == 200
    assert message in html
    assert 'value="PO Box 100"' in html
    assert not Payer.objects.exists()


def test_editing_a_payer_saves_and_audits_the_changed_fields(team):
    payer = PayerFactory(practice=team.practice, name="Old Name")
    response = signed_in(team.biller).post(_edit(payer), _payer(name="New Name"))
    assert response.status_code == 302
    payer.refresh_from_db()
    assert payer.name == "New Name"
    event = AuditEvent.objects.get(action="payer.updated")
    assert "name" in event.detail["fields"]


def test_renaming_to_a_taken_name_is_refused(team):
    PayerFactory(practice=team.practice, name="Taken")
    payer = PayerFactory(practice=team.practice, name="Mine")
    response = signed_in(team.owner).post(_edit(payer), _payer(name="Taken"))
    assert "already has a payer with this name" in response.content.decode()


def test_archiving_and_restoring_a_payer(team):
    payer = PayerFactory(practice=team.practice)
    client = signed_in(team.owner)
    assert client.post(_edit(payer), {"archive": "1"}).status_code == 302
    payer.refresh_from_db()
    assert payer.is_archived
    assert "Archived" in client.get(LIST).content.decode()
    client.post(_edit(payer), {"archive": "0"})
    payer.refresh_from_db()
    assert not payer.is_archived
    events = AuditEvent.objects.filter(action__startswith="payer.").order_by("sequence")
    actions = list(events.values_list("action", flat=True))
    assert actions == ["payer.archived", "payer.restored"]


@pytest.mark.parametrize("role", ["clinician", "supervisor", "front_desk"])
def test_other_roles_cannot_add_or_edit_payers(team, role):
    payer = PayerFactory(practice=team.practice)
    client = signed_in(team.by_role(role))
    assert client.get(ADD).status_code == 403
    assert client.post(ADD, _payer()).status_code == 403
    assert client.post(_edit(payer), _payer(name="X")).status_code == 403


@pytest.mark.parametrize("role", ["clinician", "supervisor"])
def test_clinicians_do_not_see_the_payer_list(team, role):
    assert signed_in(team.by_role(role)).get(LIST).status_code == 403


def test_the_outsider_gets_404_for_a_payer(team):
    payer = PayerFactory(practice=team.practice)
    client = signed_in(MembershipFactory(practice=team.outsider.practice, role="owner"))
    assert client.get(_edit(payer)).status_code == 404
    assert client.post(_edit(payer), {"archive": "1"}).status_code == 404


def test_the_service_refuses_a_duplicate_name(team):
    service.add_payer(membership=team.owner, name="Aetna Example")
    with pytest.raises(service.PayerNameTaken):
        service.add_payer(membership=team.owner, name="AETNA EXAMPLE")
