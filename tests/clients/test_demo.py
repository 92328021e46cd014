"""The demo practice's clients: realistic, mixed, and the same on every run."""

from __future__ import annotations

import pytest
import time_machine
from django.db import transaction
from django.db.models import Count

from tend.clients.models import (
    CareTeamMember,
    Client,
    Consent,
    Diagnosis,
    Episode,
    InsurancePolicy,
    Payer,
    PriorAuthorization,
    RelatedPerson,
)
from tend.practices.demo import build_demo_practice

pytestmark = pytest.mark.django_db(transaction=False)

CLIENT_FIELDS = (
    "legal_first_name",
    "legal_last_name",
    "date_of_birth",
    "sex",
    "gender_identity",
    "status",
    "client_type",
    "email",
    "city",
    "is_restricted",
)


def snapshot(practice) -> dict:
    clients = Client.objects.filter(practice=practice).order_by("id")
    return {
        "clients": list(clients.values_list(*CLIENT_FIELDS)),
        "team": list(
            CareTeamMember.objects.filter(practice=practice)
            .order_by("id")
            .values_list("client__legal_last_name", "membership__user__email", "role")
        ),
        "episodes": [
            (e.client.legal_last_name, e.status, e.opened_on, e.presenting_concerns)
            for e in Episode.objects.filter(practice=practice)
            .order_by("id")
            .select_related("client")
        ],
        "diagnoses": list(
            Diagnosis.objects.filter(practice=practice)
            .order_by("id")
            .values_list("code__code", "rank")
        ),
        "policies": list(
            InsurancePolicy.objects.filter(practice=practice)
            .order_by("id")
            .values_list("payer__name", "member_id", "priority")
        ),
        "consents": list(
            Consent.objects.filter(practice=practice)
            .order_by("id")
            .values_list("kind", "signed_on")
        ),
    }


@time_machine.travel("2026-05-04 15:00 +0000", tick=False)
def test_two_runs_of_the_small_demo_give_the_same_clients():
    with transaction.atomic():  # build, look, and roll back: the demo's emails are unique
        before = snapshot(build_demo_practice("small").practice)
        transaction.set_rollback(True)
    assert Client.objects.count() == 0
    second = build_demo_practice("small")
    assert snapshot(second.practice) == before


@time_machine.travel("2026-05-04 15:00 +0000", tick=False)
def test_the_small_demo_has_realistic_mixed_charts():
    demo = build_demo_practice("small")
    practice = demo.practice
    clients = Client.objects.filter(practice=practice)
    assert clients.count() == 40
    statuses = dict(clients.values_list("status").annotate(n=Count("id")))
    assert statuses.get("active", 0) >= 15 and len(statuses) >= 3
    assert clients.filter(is_restricted=True).count() == 2
    # Every clinician and supervisor carries a caseload.
    carers = [m for m in demo.members if m.role in ("clinician", "supervisor")]
    for carer in carers:
        assert CareTeamMember.objects.filter(membership=carer).exists()
    # Active clients have an open episode with presenting concerns and 1-3 diagnoses.
    for client in clients.filter(status="active"):
        episode = client.episodes.get()
        assert episode.status == "active" and episode.presenting_concerns
        assert 1 <= episode.diagnoses.count() <= 3
    payers = Payer.objects.filter(practice=practice)
    assert 5 <= payers.count() <= 8
    assert {"medicare", "medicaid", "commercial"} <= set(
        payers.values_list("payer_type", flat=True)
    )
    assert all(p.payer_id for p in payers)
    insured = clients.filter(policies__isnull=False).distinct().count()
    assert 20 <= insured <= 36  # about 70%
    consented = clients.filter(consents__kind="treatment").distinct().count()
    assert 25 <= consented < 40  # most, not all
    for minor in clients.filter(client_type="minor"):
        assert RelatedPerson.objects.filter(client=minor, kind="guardian").exists()
    assert RelatedPerson.objects.filter(practice=practice, kind="emergency").count() >= 20
    assert PriorAuthorization.objects.filter(practice=practice).count() >= 1 or insured < 25
