"""The caseload: who sees which clients, search, filters, sort, open items, HTMX, and a constant
number of queries whatever its size."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tend.clients.models import CareTeamMember, Client, ClientPhone
from tests.clients.conftest import audit_actions
from tests.conftest import signed_in
from tests.factories import (
    ClientFactory,
    ConsentFactory,
    InsurancePolicyFactory,
    MembershipFactory,
    PayerFactory,
    PriorAuthorizationFactory,
    client_of,
)

URL = reverse("clients:caseload")
pytestmark = pytest.mark.django_db


def names(response) -> list[str]:
    return [c.legal_last_name for c in response.context["page"].object_list]


def test_a_clinician_sees_only_their_caseload(team):
    mine = client_of(team.clinician, legal_last_name="Mine")
    client_of(team.supervisor, legal_last_name="Theirs")
    ClientFactory(practice=team.outsider.practice, legal_last_name="Elsewhere")
    response = signed_in(team.clinician).get(URL)
    assert response.status_code == 200
    assert names(response) == ["Mine"]
    assert "My caseload" in response.content.decode()
    assert reverse("clients:chart", args=[mine.uuid]) in response.content.decode()


def test_a_supervisor_sees_their_own_first_and_can_switch_to_a_supervisee(team):
    client_of(team.supervisor, legal_last_name="Own")
    client_of(team.clinician, legal_last_name="Supervisee")
    other = MembershipFactory(practice=team.practice, role="clinician")
    client_of(other, legal_last_name="Unsupervised")
    supervisor = signed_in(team.supervisor)
    assert names(supervisor.get(URL)) == ["Own"]
    assert names(supervisor.get(URL, {"clinician": str(team.clinician.uuid)})) == ["Supervisee"]
    assert names(supervisor.get(URL, {"clinician": ""})) == ["Own", "Supervisee"]
    refused = supervisor.get(URL, {"clinician": str(other.uuid)})
    assert names(refused) == []


@pytest.mark.parametrize("role", ["owner", "admin", "biller", "front_desk"])
def test_office_roles_see_the_whole_practice_with_a_clinician_filter(team, role):
    client_of(team.clinician, legal_last_name="Alpha")
    client_of(team.supervisor, legal_last_name="Beta")
    ClientFactory(practice=team.practice, legal_last_name="Gamma")
    ClientFactory(practice=team.outsider.practice, legal_last_name="Elsewhere")
    member = signed_in(team.by_role(role))
    assert names(member.get(URL)) == ["Alpha", "Beta", "Gamma"]
    assert names(member.get(URL, {"clinician": str(team.supervisor.uuid)})) == ["Beta"]


def test_a_clinician_from_another_practice_is_not_a_filter_choice(team):
    response = signed_in(team.owner).get(URL, {"clinician": str(team.outsider.uuid)})
    assert "clinician" in response.context["form"].errors


def test_search_by_name_preferred_name_email_phone_digits_and_birth_date(team):
    a = client_of(
        team.clinician,
        legal_first_name="Jonathan",
        legal_last_name="Reyes",
        preferred_name="Jay",
        email="jr@example.net",
        date_of_birth=datetime.date(1985, 7, 4),
    )
    ClientPhone.objects.create(practice=team.practice, client=a, number="(512) 555-0177")
    client_of(
        team.clinician,
        legal_first_name="Other",
        legal_last_name="Person",
        date_of_birth=datetime.date(1970, 1, 1),
    )
    member = signed_in(team.clinician)
    for text in [
        "reyes",
        "JAY",
        "jr@example",
        "5550177",
        "512-555-0177",
        "(512) 555-0177",
        "+1 512 555 0177",
        "07/04/1985",
        "jonathan reyes",
    ]:
        assert names(member.get(URL, {"q": text})) == ["Reyes"], text
    assert names(member.get(URL, {"q": "nobody"})) == []


def test_filters_status_payer_and_restricted(team):
    payer = PayerFactory(practice=team.practice)
    insured = client_of(team.clinician, legal_last_name="Insured")
    InsurancePolicyFactory(client=insured, payer=payer)
    client_of(team.clinician, legal_last_name="Locked", is_restricted=True)
    client_of(team.clinician, legal_last_name="Gone", status="discharged")
    member = signed_in(team.clinician)
    assert names(member.get(URL)) == ["Insured", "Locked"]
    assert names(member.get(URL, {"status": "discharged"})) == ["Gone"]
    assert names(member.get(URL, {"status": "any"})) == ["Gone", "Insured", "Locked"]
    assert names(member.get(URL, {"payer": str(payer.uuid)})) == ["Insured"]
    assert names(member.get(URL, {"restricted": "on"})) == ["Locked"]


def test_a_payer_from_another_practice_is_not_a_filter_choice(team):
    payer = PayerFactory(practice=team.outsider.practice)
    response = signed_in(team.owner).get(URL, {"payer": str(payer.uuid)})
    assert "payer" in response.context["form"].errors


def test_sort_by_age_status_and_newest(team):
    client_of(team.clinician, legal_last_name="Old", date_of_birth=datetime.date(1950, 1, 1))
    client_of(
        team.clinician,
        legal_last_name="Young",
        date_of_birth=datetime.date(2000, 1, 1),
        status="intake",
    )
    member = signed_in(team.clinician)
    assert names(member.get(URL, {"sort": "name"})) == ["Old", "Young"]
    assert names(member.get(URL, {"sort": "age"})) == ["Young", "Old"]
    assert names(member.get(URL, {"sort": "status"})) == ["Old", "Young"]
    assert names(member.get(URL, {"sort": "newest"})) == ["Young", "Old"]


def test_pages_of_fifty(team):
    for _ in range(51):
        ClientFactory(practice=team.practice)
    member = signed_in(team.owner)
    assert len(member.get(URL).context["page"].object_list) == 50
    assert len(member.get(URL, {"page": 2}).context["page"].object_list) == 1


@time_machine.travel(datetime.date(2026, 6, 1))
def test_open_items_are_real_counts(team):
    client = client_of(team.clinician, legal_last_name="Items")
    ConsentFactory(client=client, kind="release", expires_on=datetime.date(2026, 5, 1))
    policy = InsurancePolicyFactory(client=client)
    PriorAuthorizationFactory(policy=policy, visits_authorized=10, visits_used=9)
    PriorAuthorizationFactory(policy=policy, ends_on=datetime.date(2026, 6, 10))
    PriorAuthorizationFactory(policy=policy)  # plenty left
    fine = client_of(team.clinician, legal_last_name="Fine")
    ConsentFactory(client=fine, kind="treatment")
    orphan = ClientFactory(practice=team.practice, legal_last_name="Orphan")
    ConsentFactory(client=orphan, kind="treatment")
    response = signed_in(team.owner).get(URL)
    rows = {c.legal_last_name: c for c in response.context["page"].object_list}
    items = rows["Items"]
    assert (items.consents_expired, items.has_treatment_consent, items.authorizations_low) == (
        1,
        False,
        2,
    )
    assert (rows["Fine"].consents_expired, rows["Fine"].has_treatment_consent) == (0, True)
    assert rows["Fine"].authorizations_low == 0 and rows["Fine"].has_clinician
    assert not rows["Orphan"].has_clinician
    page = response.content.decode()
    assert "2 authorizations running out" in page and "No clinician" in page
    assert "1 consent expired" in page


def test_the_primary_payer_and_clinician_columns(team):
    client = client_of(team.clinician, legal_last_name="Columns")
    InsurancePolicyFactory(
        client=client, payer=PayerFactory(practice=team.practice, name="Acme Health")
    )
    page = signed_in(team.owner).get(URL).content.decode()
    assert "Acme Health" in page and team.clinician.user.full_name in page


def test_restricted_clients_are_listed_with_a_lock(team):
    client_of(team.supervisor, legal_last_name="Famous", is_restricted=True)
    page = signed_in(team.front_desk).get(URL).content.decode()
    assert "Famous" in page and "Restricted" in page


def test_an_htmx_request_gets_only_the_table(team):
    client_of(team.clinician, legal_last_name="Partial")
    response = signed_in(team.clinician).get(URL, {"q": "part"}, HTTP_HX_REQUEST="true")
    page = response.content.decode()
    assert "Partial" in page and "<html" not in page
    assert "HX-Request" in response["Vary"]
    full = signed_in(team.clinician).get(URL, {"q": "part"}).content.decode()
    assert "<html" in full and 'hx-get="' in full and 'hx-push-url="true"' in full


def test_no_next_appointment_or_last_seen_columns_until_scheduling(team):
    client_of(team.clinician)
    page = signed_in(team.clinician).get(URL).content.decode()
    assert "Next appointment" not in page and "Last seen" not in page


def _fill(team, count: int, clinician) -> None:
    payer = PayerFactory(practice=team.practice)
    clients = [ClientFactory.build(practice=team.practice) for _ in range(count)]
    Client.objects.bulk_create(clients)
    CareTeamMember.objects.bulk_create(
        [CareTeamMember(practice=team.practice, client=c, membership=clinician) for c in clients]
    )
    for c in clients[:5]:
        InsurancePolicyFactory(client=c, payer=payer)
        ConsentFactory(client=c)


def _queries(member, params=None) -> int:
    client = signed_in(member)
    client.get(URL)  # warm the session and caches
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(URL, params or {})
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("role", ["clinician", "owner", "supervisor"])
def test_the_caseload_runs_the_same_queries_at_10_and_300_clients(team, role):
    member = team.by_role(role)
    _fill(team, 10, team.clinician if role == "supervisor" else member)
    at_10 = _queries(member, {"clinician": ""} if role == "supervisor" else None)
    _fill(team, 290, team.clinician if role == "supervisor" else member)
    at_300 = _queries(member, {"clinician": ""} if role == "supervisor" else None)
    print(f"caseload queries for {role}: {at_10} at 10 clients, {at_300} at 300")
    assert at_10 == at_300
    assert at_300 <= 15


def test_the_caseload_is_not_audited_as_a_chart_read(team):
    client_of(team.clinician)
    signed_in(team.clinician).get(URL)
    assert "phi.read" not in audit_actions(team.practice)


def test_the_caseload_offers_import_and_export_to_the_roles_that_have_them(team):
    from tests.conftest import signed_in as _signed_in

    front_desk = _signed_in(team.front_desk).get("/clients/").content.decode()
    assert "Import from CSV" in front_desk and "Export CSV" not in front_desk
    owner = _signed_in(team.owner).get("/clients/?status=active").content.decode()
    assert "Import from CSV" in owner
    assert 'href="/clients/export.csv?status=active"' in owner
    biller = _signed_in(team.biller).get("/clients/").content.decode()
    assert "Import from CSV" not in biller and "Export CSV" not in biller
