"""CSV exports: the caseload (demographics only) and one client's record; formula cells are
defused, every export is audited, and roles see only what they may."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from tend.core.models import AuditEvent
from tests.conftest import signed_in
from tests.factories import (
    ClientFactory,
    EpisodeFactory,
    InsurancePolicyFactory,
    PayerFactory,
    client_of,
)

pytestmark = pytest.mark.django_db
EXPORT = reverse("clients:export")


def rows_of(response) -> list[list[str]]:
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith("attachment;")
    body = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(body)))


def test_the_owner_exports_the_whole_caseload_without_clinical_content(team):
    mine = client_of(team.clinician, legal_last_name="Alder", pronouns="she/her")
    EpisodeFactory(client=mine, practice=team.practice, presenting_concerns="Panic at night")
    ClientFactory(practice=team.practice, legal_last_name="Brook")
    ClientFactory(practice=team.outsider.practice, legal_last_name="Elsewhere")
    rows = rows_of(signed_in(team.owner).get(EXPORT))
    assert rows[0][:3] == ["Client ID", "Legal last name", "Legal first name"]
    assert [r[1] for r in rows[1:]] == ["Alder", "Brook"]
    assert rows[1][5] == "she/her" and rows[1][9] == team.clinician.user.full_name
    assert "Panic" not in str(rows)
    event = AuditEvent.objects.get(action="phi.export")
    assert event.detail == {"what": "caseload", "count": 2}


def test_a_clinician_exports_only_their_own_caseload(team):
    client_of(team.clinician, legal_last_name="Mine")
    client_of(team.supervisor, legal_last_name="Theirs")
    rows = rows_of(signed_in(team.clinician).get(EXPORT))
    assert [r[1] for r in rows[1:]] == ["Mine"]


def test_the_caseload_export_follows_the_caseload_filters(team):
    ClientFactory(practice=team.practice, legal_last_name="Current", status="active")
    ClientFactory(practice=team.practice, legal_last_name="Gone", status="discharged")
    http = signed_in(team.admin)
    assert [r[1] for r in rows_of(http.get(EXPORT))[1:]] == ["Current"]
    assert [r[1] for r in rows_of(http.get(EXPORT + "?status=discharged"))[1:]] == ["Gone"]
    assert [r[1] for r in rows_of(http.get(EXPORT + "?q=gon&status=any"))[1:]] == ["Gone"]


def test_spreadsheet_formulas_in_cells_are_defused(team):
    ClientFactory(
        practice=team.practice,
        legal_last_name='=HYPERLINK("http://evil.example")',
        legal_first_name="+1",
        preferred_name="@SUM(A1)",
        pronouns="-x",
    )
    row = rows_of(signed_in(team.owner).get(EXPORT))[1]
    assert row[1] == '\'=HYPERLINK("http://evil.example")'
    assert (row[2], row[4], row[5]) == ("'+1", "'@SUM(A1)", "'-x")


@pytest.mark.parametrize("role", ["biller", "front_desk"])
def test_office_roles_without_export_cannot_export_the_caseload(team, role):
    assert signed_in(getattr(team, role)).get(EXPORT).status_code == 403
    assert not AuditEvent.objects.filter(action="phi.export").exists()


def test_one_clients_record_exports_demographics_contacts_and_insurance(team):
    client = client_of(team.clinician, legal_last_name="Ibarra", city="Austin")
    InsurancePolicyFactory(
        client=client, practice=team.practice, payer=PayerFactory(practice=team.practice)
    )
    response = signed_in(team.owner).get(reverse("clients:client_export", args=[client.uuid]))
    rows = rows_of(response)
    assert rows[0] == ["Section", "Field", "Value"]
    assert ["Client", "legal last name", "Ibarra"] in rows
    assert ["Client", "city", "Austin"] in rows
    assert any(r[0] == "Care team" and r[2] == team.clinician.user.full_name for r in rows)
    assert any(r[0] == "Insurance" for r in rows)
    event = AuditEvent.objects.get(action="phi.export")
    assert event.detail == {"what": "client_record", "count": 1}


def test_a_clinician_exports_their_own_clients_record_but_not_anothers(team):
    mine = client_of(team.clinician)
    other = client_of(team.owner)
    http = signed_in(team.clinician)
    assert http.get(reverse("clients:client_export", args=[mine.uuid])).status_code == 200
    assert http.get(reverse("clients:client_export", args=[other.uuid])).status_code == 404


@pytest.mark.parametrize("role", ["biller", "front_desk"])
def test_roles_without_export_cannot_export_a_record(team, role):
    client = ClientFactory(practice=team.practice)
    url = reverse("clients:client_export", args=[client.uuid])
    assert signed_in(getattr(team, role)).get(url).status_code == 403


def test_the_outsider_gets_404_for_a_clients_record(team):
    client = ClientFactory(practice=team.practice)
    url = reverse("clients:client_export", args=[client.uuid])
    assert signed_in(team.outsider).get(url).status_code == 404


def test_a_restricted_record_needs_the_glass_broken_first(team):
    client = ClientFactory(practice=team.practice, is_restricted=True)
    response = signed_in(team.admin).get(reverse("clients:client_export", args=[client.uuid]))
    assert response.status_code == 302
    assert response.url == reverse("clients:break_glass", args=[client.uuid])
    assert not AuditEvent.objects.filter(action="phi.export").exists()
