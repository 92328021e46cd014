"""Prior authorisations: add, edit, validation, warnings, and the caseload's attention helpers."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tend.clients.models import Client, PriorAuthorization
from tend.clients.services import insurance as service
from tend.core.models import AuditEvent
from tests.conftest import signed_in
from tests.factories import (
    ClientFactory,
    InsurancePolicyFactory,
    MembershipFactory,
    PriorAuthorizationFactory,
)

TODAY = datetime.date(2026, 3, 10)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(datetime.datetime(2026, 3, 10, 15, tzinfo=datetime.UTC), tick=False):
        yield


@pytest.fixture
def policy(team):
    return InsurancePolicyFactory(client=ClientFactory(practice=team.practice))


def _add(policy):
    return reverse("clients:authorization_add", kwargs={"policy_id": policy.uuid})


def _edit(auth):
    return reverse("clients:authorization_edit", kwargs={"authorization_id": auth.uuid})


def _auth(**overrides):
    data = {
        "number": "PA-2026-0042",
        "service_codes": "90837, 90834 ,h0031",
        "visits_authorized": "12",
        "visits_used": "0",
        "starts_on": "2026-01-01",
        "ends_on": "2026-06-30",
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize("role", ["biller", "front_desk", "admin"])
def test_an_authorisation_is_added_with_codes_normalised(team, policy, role):
    response = signed_in(team.by_role(role)).post(_add(policy), _auth())
    assert response.status_code == 302
    auth = PriorAuthorization.objects.get(policy=policy)
    assert auth.service_codes == "90837, 90834, H0031"
    assert auth.visits_authorized == 12
    assert AuditEvent.objects.filter(action="authorization.added").count() == 1
    html = (
        signed_in(team.biller)
        .get(reverse("clients:insurance", kwargs={"client_id": policy.client.uuid}))
        .content.decode()
    )
    assert "PA-2026-0042" in html
    assert "0 of 12" in html


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"ends_on": "2025-12-31"}, "cannot be before the start date"),
        ({"visits_used": "13"}, "cannot be more than the visits authorised"),
        ({"service_codes": "90837, 9083"}, "check 9083"),
        ({"service_codes": "90837;90834"}, "five letters or digits"),
        ({"visits_authorized": "0"}, "At least one visit"),
        ({"starts_on": "2026-02-30"}, "Enter a valid date"),
        ({"number": ""}, "This field is required"),
    ],
)
def test_bad_input_is_shown_next_to_the_field_and_kept(team, policy, overrides, message):
    response = signed_in(team.biller).post(_add(policy), _auth(**overrides))
    html = response.content.decode()
    assert response.status_code == 200
    assert message in html
    if "number" not in overrides:
        assert 'value="PA-2026-0042"' in html
    assert not PriorAuthorization.objects.exists()


def test_editing_records_visits_used(team, policy):
    auth = PriorAuthorizationFactory(policy=policy, visits_authorized=12, visits_used=3)
    data = _auth(number=auth.number, visits_used="11", starts_on="2026-01-01", ends_on="2026-12-31")
    assert signed_in(team.front_desk).post(_edit(auth), data).status_code == 302
    auth.refresh_from_db()
    assert auth.visits_used == 11
    event = AuditEvent.objects.get(action="authorization.updated")
    assert "visits_used" in event.detail["fields"]


def test_the_service_refuses_more_visits_used_than_authorised(team, policy):
    auth = PriorAuthorizationFactory(policy=policy, visits_authorized=4)
    with pytest.raises(service.AuthorizationInvalid):
        service.update_authorization(membership=team.owner, authorization=auth, visits_used=5)


def test_the_outsider_and_roles_without_the_chart_get_404(team, policy):
    auth = PriorAuthorizationFactory(policy=policy)
    outsider = signed_in(MembershipFactory(practice=team.outsider.practice, role="biller"))
    assert outsider.get(_add(policy)).status_code == 404
    assert outsider.post(_edit(auth), _auth()).status_code == 404
    # A clinician sees only care-team clients: this client is someone else's.
    assert signed_in(team.clinician).get(_edit(auth)).status_code == 404


@pytest.mark.parametrize(
    ("kwargs", "warning"),
    [
        ({"visits_authorized": 12, "visits_used": 10}, "Only 2 visits left"),
        ({"visits_authorized": 12, "visits_used": 12}, "No visits left"),
        ({"ends_on": datetime.date(2026, 3, 20)}, "Ends in 10 days"),
        (
            {"ends_on": datetime.date(2026, 3, 1), "visits_used": 4},
            "Expired with 8 visits left",
        ),
        ({"visits_used": 4}, ""),
        ({"ends_on": datetime.date(2026, 3, 1), "visits_used": 12}, ""),
    ],
)
def test_warnings_on_the_tab_and_the_attention_helper_agree(team, policy, kwargs, warning):
    auth = PriorAuthorizationFactory(policy=policy, **kwargs)
    assert service.authorization_warning(auth, TODAY) == warning
    needing = service.authorizations_needing_attention(PriorAuthorization.objects.all(), TODAY)
    assert list(needing) == ([auth] if warning else [])
    html = (
        signed_in(team.owner)
        .get(reverse("clients:insurance", kwargs={"client_id": policy.client.uuid}))
        .content.decode()
    )
    if warning:
        assert warning in html


def test_authorisations_of_an_ended_policy_need_no_attention(team, policy):
    policy.ends_on = datetime.date(2026, 2, 1)
    policy.save()
    PriorAuthorizationFactory(policy=policy, visits_used=11)
    assert not service.authorizations_needing_attention(PriorAuthorization.objects.all(), TODAY)


def test_the_caseload_count_is_one_query_for_any_number_of_clients(team):
    low = InsurancePolicyFactory(client=ClientFactory(practice=team.practice))
    PriorAuthorizationFactory(policy=low, visits_used=11)
    PriorAuthorizationFactory(policy=low, ends_on=datetime.date(2026, 3, 15))
    fine = InsurancePolicyFactory(client=ClientFactory(practice=team.practice))
    PriorAuthorizationFactory(policy=fine)
    ClientFactory(practice=team.practice)
    with CaptureQueriesContext(connection) as queries:
        counts = dict(
            Client.objects.for_practice(team.practice)
            .annotate(auth_items=service.authorization_attention_count(TODAY))
            .values_list("pk", "auth_items")
        )
    assert len(queries) == 1
    assert counts[low.client_id] == 2
    assert counts[fine.client_id] == 0
    assert sorted(counts.values()) == [0, 0, 2]
