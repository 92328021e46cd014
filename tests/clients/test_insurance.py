"""The insurance tab and policies: add, edit, end, subscriber rules, priority clashes, cards."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tend.clients.models import Document, InsurancePolicy, Payer
from tend.clients.services import insurance as service
from tend.core.models import AuditEvent
from tests.conftest import signed_in
from tests.factories import (
    ClientFactory,
    InsurancePolicyFactory,
    MembershipFactory,
    PayerFactory,
)

PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 30
TODAY = datetime.date(2026, 3, 10)


@pytest.fixture(autouse=True)
def documents_dir(settings, tmp_path):
    settings.TEND_DOCUMENTS_DIR = tmp_path / "documents"


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(datetime.datetime(2026, 3, 10, 15, tzinfo=datetime.UTC), tick=False):
        yield


@pytest.fixture
def chart(team):
    return ClientFactory(practice=team.practice)


@pytest.fixture
def payer(team):
    return PayerFactory(practice=team.practice, name="Blue Valley Health")


def _tab(client):
    return reverse("clients:insurance", kwargs={"client_id": client.uuid})


def _add(client):
    return reverse("clients:policy_add", kwargs={"client_id": client.uuid})


def _edit(policy):
    return reverse("clients:policy_edit", kwargs={"policy_id": policy.uuid})


def _policy(payer_obj, **overrides):
    data = {
        "payer": str(payer_obj.uuid) if payer_obj else "",
        "new_payer_name": "",
        "new_payer_type": "commercial",
        "priority": "primary",
        "member_id": "XJH123456789",
        "group_number": "GRP-77",
        "plan_name": "Gold PPO",
        "effective_on": "2026-01-01",
        "ends_on": "",
        "copay": "25.00",
        "coinsurance_percent": "",
        "cost_share_notes": "Copay per session",
        "relationship": "self",
        "subscriber_first_name": "",
        "subscriber_last_name": "",
        "subscriber_date_of_birth": "",
        "subscriber_sex": "",
        "subscriber_address_line1": "",
        "subscriber_city": "",
        "subscriber_state": "",
        "subscriber_postal_code": "",
    }
    data.update(overrides)
    return data


SPOUSE = {
    "relationship": "spouse",
    "subscriber_first_name": "Jordan",
    "subscriber_last_name": "Rivera",
    "subscriber_date_of_birth": "1985-06-01",
    "subscriber_sex": "M",
    "subscriber_address_line1": "12 Oak Street",
    "subscriber_city": "Austin",
    "subscriber_state": "TX",
    "subscriber_postal_code": "78701",
}


@pytest.mark.parametrize(
    "role", ["owner", "admin", "clinician", "supervisor", "biller", "front_desk"]
)
def test_every_role_with_insurance_sees_the_tab(team, role, payer):
    chart = ClientFactory(practice=team.practice)
    from tend.clients.models import CareTeamMember

    for member in (team.clinician, team.supervisor):
        CareTeamMember.objects.create(practice=team.practice, client=chart, membership=member)
    InsurancePolicyFactory(client=chart, payer=payer, member_id="MEM777")
    response = signed_in(team.by_role(role)).get(_tab(chart))
    assert response.status_code == 200
    html = response.content.decode()
    assert "MEM777" in html
    assert "Blue Valley Health" in html
    assert "In force" in html
    assert AuditEvent.objects.filter(action="phi.read", detail__what="insurance").exists()


def test_the_front_desk_adds_a_self_policy_with_a_card_image(team, chart, payer):
    card = SimpleUploadedFile("front.png", PNG_BYTES, content_type="image/png")
    response = signed_in(team.front_desk).post(
        _add(chart), {**_policy(payer, subscriber_first_name="Ignored"), "card_front": card}
    )
    assert response.status_code == 302
    policy = InsurancePolicy.objects.get(client=chart)
    assert policy.member_id == "XJH123456789"
    assert policy.subscriber_first_name == ""  # the client is the subscriber: nothing copied
    assert policy.card_front.kind == "insurance_card"
    assert policy.card_front.content_type == "image/png"
    assert policy.card_back is None
    assert AuditEvent.objects.filter(action="policy.added", object_id=str(policy.uuid)).exists()
    html = signed_in(team.biller).get(_tab(chart)).content.decode()
    card_url = reverse("clients:policy_card", kwargs={"policy_id": policy.uuid})
    assert f'src="{card_url}?view=1"' in html
    image = signed_in(team.biller).get(card_url + "?view=1")
    assert image.status_code == 200
    assert image.content == PNG_BYTES
    assert image["Content-Disposition"].startswith("inline;")
    assert image["Content-Security-Policy"] == "sandbox; default-src 'none'"


def test_a_policy_for_another_subscriber_needs_their_details(team, chart, payer):
    response = signed_in(team.front_desk).post(
        _add(chart), _policy(payer, relationship="spouse", subscriber_first_name="Jordan")
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count("Required when the subscriber is another person") == 7
    assert 'value="Jordan"' in html
    assert 'value="XJH123456789"' in html
    assert not InsurancePolicy.objects.exists()


def test_a_spouse_subscriber_is_saved(team, chart, payer):
    response = signed_in(team.front_desk).post(_add(chart), _policy(payer, **SPOUSE))
    assert response.status_code == 302
    policy = InsurancePolicy.objects.get()
    assert policy.subscriber_last_name == "Rivera"
    assert policy.subscriber_date_of_birth == datetime.date(1985, 6, 1)


@pytest.mark.parametrize(
    ("overrides", "field_message"),
    [
        ({"ends_on": "2025-12-31"}, "cannot be before the effective date"),
        ({**SPOUSE, "subscriber_date_of_birth": "2027-01-01"}, "cannot be in the future"),
        ({**SPOUSE, "subscriber_date_of_birth": "1985-02-30"}, "Enter a valid date"),
        ({"effective_on": "2026-13-01"}, "Enter a valid date"),
        ({"member_id": ""}, "This field is required"),
        ({"copay": "-5"}, "cannot be negative"),
        ({"coinsurance_percent": "120"}, "from 0 to 100"),
        ({"payer": ""}, "Choose the payer, or type the name of a new one"),
    ],
)
def test_bad_input_is_shown_next_to_the_field_and_kept(
    team, chart, payer, overrides, field_message
):
    response = signed_in(team.front_desk).post(_add(chart), _policy(payer, **overrides))
    html = response.content.decode()
    assert response.status_code == 200
    assert field_message in html
    assert 'value="Gold PPO"' in html
    assert not InsurancePolicy.objects.exists()


def test_a_card_that_is_not_an_image_or_pdf_is_refused(team, chart, payer):
    card = SimpleUploadedFile("card.png", b"<html>nope</html>", content_type="image/png")
    response = signed_in(team.front_desk).post(_add(chart), {**_policy(payer), "card_back": card})
    assert "This type of file is not accepted" in response.content.decode()
    assert not Document.objects.exists()


def test_a_card_over_10_mb_is_refused(team, chart, payer):
    big = SimpleUploadedFile("card.png", PNG_BYTES + b"\x00" * (10 * 1024 * 1024))
    response = signed_in(team.front_desk).post(_add(chart), {**_policy(payer), "card_front": big})
    assert "larger than 10 MB" in response.content.decode()


def test_two_in_force_policies_with_the_same_priority_are_refused(team, chart, payer):
    InsurancePolicyFactory(client=chart, payer=payer, priority="primary")
    response = signed_in(team.front_desk).post(_add(chart), _policy(payer, member_id="NEW1"))
    assert response.status_code == 200
    assert "already has a primary policy in force" in response.content.decode()
    assert (
        signed_in(team.front_desk)
        .post(_add(chart), _policy(payer, member_id="NEW1", priority="secondary"))
        .status_code
        == 302
    )


def test_an_ended_policy_does_not_block_a_new_one_with_the_same_priority(team, chart, payer):
    InsurancePolicyFactory(
        client=chart,
        payer=payer,
        effective_on=datetime.date(2025, 1, 1),
        ends_on=datetime.date(2025, 12, 31),
    )
    response = signed_in(team.front_desk).post(_add(chart), _policy(payer))
    assert response.status_code == 302


def test_the_front_desk_adds_a_new_payer_while_entering_a_policy(team, chart):
    response = signed_in(team.front_desk).post(
        _add(chart),
        _policy(None, new_payer_name="Hill Country Medicaid", new_payer_type="medicaid"),
    )
    assert response.status_code == 302
    payer = Payer.objects.get(practice=team.practice, name="Hill Country Medicaid")
    assert payer.payer_type == "medicaid"
    assert InsurancePolicy.objects.get().payer == payer
    assert AuditEvent.objects.filter(action="payer.added").exists()


def test_the_payer_list_offers_only_this_practices_payers(team, chart, payer):
    foreign = PayerFactory(practice=team.outsider.practice, name="Foreign Plan")
    html = signed_in(team.front_desk).get(_add(chart)).content.decode()
    assert "Blue Valley Health" in html
    assert "Foreign Plan" not in html
    response = signed_in(team.front_desk).post(_add(chart), _policy(foreign))
    assert "Select a valid choice" in response.content.decode()


def test_editing_a_policy_keeps_its_payer_selected_and_saves_changes(team, chart, payer):
    policy = InsurancePolicyFactory(client=chart, payer=payer)
    html = signed_in(team.biller).get(_edit(policy)).content.decode()
    assert f'<option value="{payer.uuid}" selected>' in html
    response = signed_in(team.biller).post(_edit(policy), _policy(payer, plan_name="Silver HMO"))
    assert response.status_code == 302
    policy.refresh_from_db()
    assert policy.plan_name == "Silver HMO"
    event = AuditEvent.objects.get(action="policy.updated")
    assert "plan_name" in event.detail["fields"]


def test_ending_a_policy_sets_its_end_date_and_keeps_it(team, chart, payer):
    policy = InsurancePolicyFactory(client=chart, payer=payer)
    response = signed_in(team.front_desk).post(_edit(policy), {"end": "1", "ends_on": "2026-03-01"})
    assert response.status_code == 302
    policy.refresh_from_db()
    assert policy.ends_on == datetime.date(2026, 3, 1)
    html = signed_in(team.front_desk).get(_tab(chart)).content.decode()
    assert "Ended Mar 1, 2026" in html
    assert AuditEvent.objects.filter(action="policy.ended").count() == 1


def test_ending_before_the_effective_date_is_refused(team, chart, payer):
    policy = InsurancePolicyFactory(client=chart, payer=payer)
    response = signed_in(team.front_desk).post(_edit(policy), {"end": "1", "ends_on": "2025-01-01"})
    assert response.status_code == 200
    assert "cannot be before the effective date" in response.content.decode()
    policy.refresh_from_db()
    assert policy.ends_on is None


def test_the_outsider_gets_404(team, chart, payer):
    policy = InsurancePolicyFactory(client=chart, payer=payer)
    client = signed_in(MembershipFactory(practice=team.outsider.practice, role="owner"))
    assert client.get(_tab(chart)).status_code == 404
    assert client.post(_add(chart), _policy(payer)).status_code == 404
    assert client.get(_edit(policy)).status_code == 404
    card = reverse("clients:policy_card", kwargs={"policy_id": policy.uuid})
    assert client.get(card).status_code == 404


def test_a_clinician_outside_the_care_team_gets_404(team, chart, payer):
    policy = InsurancePolicyFactory(client=chart, payer=payer)
    assert signed_in(team.clinician).get(_tab(chart)).status_code == 404
    assert signed_in(team.clinician).get(_edit(policy)).status_code == 404


def test_the_service_refuses_overlapping_priorities(team, chart, payer):
    service.add_policy(
        membership=team.owner,
        client=chart,
        payer=payer,
        member_id="A",
        priority="secondary",
        effective_on=datetime.date(2026, 1, 1),
    )
    with pytest.raises(service.PriorityTaken):
        service.add_policy(
            membership=team.owner,
            client=chart,
            payer=payer,
            member_id="B",
            priority="secondary",
            effective_on=datetime.date(2026, 6, 1),
        )


def test_opening_a_policy_to_edit_is_an_audited_read_of_the_chart(team, chart, payer):
    policy = InsurancePolicyFactory(client=chart, payer=payer)
    signed_in(team.biller).get(_edit(policy))
    event = AuditEvent.objects.get(action="phi.read")
    assert event.object_id == str(chart.uuid)
    assert event.detail == {"what": "insurance"}


def test_an_archived_payer_is_not_offered_for_a_new_policy(team, chart, payer):
    PayerFactory(practice=team.practice, name="Retired Plan", is_archived=True)
    html = signed_in(team.front_desk).get(_add(chart)).content.decode()
    assert "Retired Plan" not in html
    assert "Blue Valley Health" in html


def test_the_back_of_the_card_and_a_missing_side(team, chart, payer):
    back = SimpleUploadedFile("back.pdf", b"%PDF-1.4\n%%EOF\n")
    signed_in(team.front_desk).post(_add(chart), {**_policy(payer), "card_back": back})
    policy = InsurancePolicy.objects.get()
    url = reverse("clients:policy_card", kwargs={"policy_id": policy.uuid})
    response = signed_in(team.front_desk).get(url + "?side=back")
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    missing = signed_in(team.front_desk).get(url)
    assert missing.status_code == 302
    assert missing["Location"] == _tab(chart)


def test_a_new_payer_with_a_taken_name_is_refused_next_to_the_new_payer_field(team, chart, payer):
    response = signed_in(team.front_desk).post(
        _add(chart), _policy(None, new_payer_name="blue valley health")
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_new_payer_name_error"' in html
    assert "already has a payer with this name" in html
    assert not InsurancePolicy.objects.exists()
