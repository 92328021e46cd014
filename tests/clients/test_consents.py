"""Consent templates (versioned when signed text changes) and a chart's consents: record,
revoke, missing and expiring states, and the caseload's attention helper."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tend.clients.models import Client, Consent, ConsentTemplate
from tend.clients.services import consents as service
from tend.core.models import AuditEvent
from tests.conftest import signed_in
from tests.factories import (
    ClientFactory,
    ConsentFactory,
    ConsentTemplateFactory,
    MembershipFactory,
)

TODAY = datetime.date(2026, 3, 10)
TEMPLATES = reverse("clients:consent_templates")
TEMPLATE_ADD = reverse("clients:consent_template_add")
PDF_BYTES = b"%PDF-1.7\n1 0 obj << >> endobj\n%%EOF\n"


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(datetime.datetime(2026, 3, 10, 15, tzinfo=datetime.UTC), tick=False):
        yield


@pytest.fixture(autouse=True)
def documents_dir(settings, tmp_path):
    settings.TEND_DOCUMENTS_DIR = tmp_path / "documents"


@pytest.fixture
def chart(team):
    return ClientFactory(practice=team.practice, legal_first_name="Ada", legal_last_name="Quill")


@pytest.fixture
def template(team):
    return ConsentTemplateFactory(
        practice=team.practice, title="Informed consent", version="1", valid_for_days=365
    )


def _template_edit(template):
    return reverse("clients:consent_template_edit", kwargs={"template_id": template.uuid})


def _tab(client):
    return reverse("clients:consents", kwargs={"client_id": client.uuid})


def _add(client):
    return reverse("clients:consent_add", kwargs={"client_id": client.uuid})


def _revoke(consent):
    return reverse("clients:consent_revoke", kwargs={"consent_id": consent.uuid})


def _template_data(**overrides):
    data = {
        "kind": "telehealth",
        "title": "Telehealth consent",
        "version": "2026-01",
        "body": "You agree to sessions by video.",
        "valid_for_days": "365",
        "is_active": "on",
    }
    data.update(overrides)
    return data


# Templates ------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["owner", "admin"])
def test_a_manager_adds_a_consent_template(team, role):
    response = signed_in(team.by_role(role)).post(TEMPLATE_ADD, _template_data())
    assert response.status_code == 302
    template = ConsentTemplate.objects.get(practice=team.practice)
    assert template.valid_for_days == 365
    assert AuditEvent.objects.filter(action="consent_template.added").count() == 1
    assert "Telehealth consent" in signed_in(team.owner).get(TEMPLATES).content.decode()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"title": ""}, "This field is required"),
        ({"version": "  "}, "This field is required"),
        ({"valid_for_days": "0"}, "at least 1 day"),
        ({"valid_for_days": "ten"}, "Enter a whole number"),
        ({"kind": "tattoo"}, "Select a valid choice"),
    ],
)
def test_bad_template_input_is_shown_next_to_the_field(team, overrides, message):
    response = signed_in(team.owner).post(TEMPLATE_ADD, _template_data(**overrides))
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html
    assert "You agree to sessions by video." in html
    assert not ConsentTemplate.objects.exists()


def test_a_duplicate_title_and_version_is_refused(team, template):
    data = _template_data(title="Informed consent", version="1")
    response = signed_in(team.owner).post(TEMPLATE_ADD, data)
    assert "already has a version with this number" in response.content.decode()


def test_editing_an_unsigned_template_changes_it_in_place(team, template):
    data = _template_data(kind="treatment", title="Informed consent", version="1", body="New text")
    assert signed_in(team.owner).post(_template_edit(template), data).status_code == 302
    template.refresh_from_db()
    assert template.body == "New text"
    assert ConsentTemplate.objects.count() == 1


def test_editing_the_body_of_a_signed_template_makes_a_new_version(team, template, chart):
    ConsentFactory(client=chart, template=template, version="1")
    data = _template_data(kind="treatment", title="Informed consent", version="1", body="Revised")
    response = signed_in(team.owner).post(_template_edit(template), data, follow=True)
    assert "Saved as version 2" in response.content.decode()
    template.refresh_from_db()
    assert template.body == "You agree to take part in counseling with this practice."
    assert not template.is_active
    new = ConsentTemplate.objects.get(version="2")
    assert new.body == "Revised"
    assert new.is_active
    assert AuditEvent.objects.filter(action="consent_template.versioned").count() == 1


def test_next_version_skips_taken_numbers(team, template):
    ConsentTemplateFactory(practice=team.practice, title="Informed consent", version="2")
    assert service.next_version(template) == "3"
    named = ConsentTemplateFactory(practice=team.practice, title="ROI", version="2026a")
    assert service.next_version(named) == "2026a.2"


@pytest.mark.parametrize("role", ["clinician", "supervisor", "biller", "front_desk"])
def test_only_managers_manage_templates(team, template, role):
    client = signed_in(team.by_role(role))
    assert client.get(TEMPLATES).status_code == 403
    assert client.post(TEMPLATE_ADD, _template_data()).status_code == 403
    assert client.post(_template_edit(template), _template_data()).status_code == 403


def test_the_outsider_gets_404_for_a_template(team, template):
    client = signed_in(MembershipFactory(practice=team.outsider.practice, role="owner"))
    assert client.get(_template_edit(template)).status_code == 404


# Consents -------------------------------------------------------------------------------------


def _consent(template=None, **overrides):
    data = {
        "template": str(template.uuid) if template else "",
        "kind": "",
        "signed_on": "2026-03-09",
        "signed_by": "Ada Quill",
        "expires_on": "",
    }
    data.update(overrides)
    return data


def test_the_front_desk_records_a_consent_with_expiry_from_the_template_and_a_scan(
    team, chart, template
):
    scan = SimpleUploadedFile("signed.pdf", PDF_BYTES, content_type="application/pdf")
    response = signed_in(team.front_desk).post(_add(chart), {**_consent(template), "scan": scan})
    assert response.status_code == 302
    consent = Consent.objects.get(client=chart)
    assert consent.kind == "treatment"
    assert consent.version == "1"
    assert consent.expires_on == datetime.date(2027, 3, 9)
    assert consent.recorded_by == team.front_desk
    assert consent.document.kind == "consent"
    assert AuditEvent.objects.filter(action="consent.recorded").count() == 1
    html = signed_in(team.front_desk).get(_tab(chart)).content.decode()
    assert "Informed consent, version 1" in html
    assert "In force" in html
    assert "No informed consent to treatment is in force" not in html


def test_an_expiry_typed_in_overrides_the_template(team, chart, template):
    signed_in(team.front_desk).post(_add(chart), _consent(template, expires_on="2026-09-01"))
    assert Consent.objects.get().expires_on == datetime.date(2026, 9, 1)


def test_a_consent_without_a_template_needs_a_kind(team, chart):
    response = signed_in(team.front_desk).post(_add(chart), _consent())
    assert "Choose the practice&#x27;s form, or the kind of consent" in response.content.decode()
    response = signed_in(team.front_desk).post(_add(chart), _consent(kind="release"))
    assert response.status_code == 302
    assert Consent.objects.get().kind == "release"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"signed_on": "2026-03-11"}, "cannot be in the future"),
        ({"signed_on": "2026-02-30"}, "Enter a valid date"),
        ({"expires_on": "2026-01-01"}, "cannot expire before it was signed"),
        ({"signed_by": ""}, "This field is required"),
    ],
)
def test_bad_consent_input_is_shown_next_to_the_field_and_kept(
    team, chart, template, overrides, message
):
    response = signed_in(team.front_desk).post(_add(chart), _consent(template, **overrides))
    html = response.content.decode()
    assert response.status_code == 200
    assert message in html
    assert f'<option value="{template.uuid}" selected>' in html
    assert not Consent.objects.exists()


def test_a_scan_that_is_not_a_pdf_or_image_is_refused(team, chart, template):
    scan = SimpleUploadedFile("signed.pdf", b"<html></html>")
    response = signed_in(team.front_desk).post(_add(chart), {**_consent(template), "scan": scan})
    assert "not accepted" in response.content.decode()
    assert not Consent.objects.exists()


def test_inactive_and_other_practices_templates_are_not_offered(team, chart, template):
    old = ConsentTemplateFactory(practice=team.practice, title="Old form", is_active=False)
    foreign = ConsentTemplateFactory(practice=team.outsider.practice, title="Foreign form")
    html = signed_in(team.front_desk).get(_add(chart)).content.decode()
    assert "Informed consent" in html
    assert "Old form" not in html
    assert "Foreign form" not in html
    response = signed_in(team.front_desk).post(_add(chart), _consent(foreign))
    assert "Select a valid choice" in response.content.decode()
    assert old.pk


def test_missing_and_expiring_states_are_shown(team, chart):
    html = signed_in(team.front_desk).get(_tab(chart)).content.decode()
    assert "No informed consent to treatment is in force" in html
    ConsentFactory(client=chart, kind="treatment", expires_on=datetime.date(2026, 4, 1))
    html = signed_in(team.front_desk).get(_tab(chart)).content.decode()
    assert "No informed consent to treatment is in force" not in html
    assert "1 consent expires within 30 days" in html
    assert "Expires soon" in html


def test_revoking_keeps_the_consent_listed(team, chart):
    consent = ConsentFactory(client=chart, kind="treatment")
    response = signed_in(team.front_desk).post(
        _revoke(consent), {"revoked_on": "2026-03-10", "reason": "Client withdrew consent"}
    )
    assert response.status_code == 302
    consent.refresh_from_db()
    assert consent.revoked_on == TODAY
    html = signed_in(team.front_desk).get(_tab(chart)).content.decode()
    assert "Revoked Mar 10, 2026" in html
    assert "Client withdrew consent" in html
    assert "No informed consent to treatment is in force" in html
    assert AuditEvent.objects.filter(action="consent.revoked").count() == 1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"revoked_on": "2026-01-01", "reason": "x"}, "before it was signed"),
        ({"revoked_on": "2026-04-01", "reason": "x"}, "cannot be in the future"),
        ({"revoked_on": "2026-03-10", "reason": ""}, "This field is required"),
    ],
)
def test_bad_revocations_are_refused_next_to_the_field(team, chart, data, message):
    consent = ConsentFactory(client=chart, signed_on=datetime.date(2026, 1, 5))
    response = signed_in(team.front_desk).post(_revoke(consent), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    consent.refresh_from_db()
    assert consent.revoked_on is None


def test_a_revoked_consent_cannot_be_revoked_again(team, chart):
    consent = ConsentFactory(client=chart, revoked_on=datetime.date(2026, 2, 1))
    with pytest.raises(service.ConsentError):
        service.revoke_consent(
            membership=team.owner, consent=consent, revoked_on=TODAY, reason="again"
        )


def test_a_biller_does_not_see_consents(team, chart):
    consent = ConsentFactory(client=chart)
    client = signed_in(team.biller)
    assert client.get(_tab(chart)).status_code == 403
    assert client.post(_add(chart), _consent(kind="other")).status_code == 403
    assert client.post(_revoke(consent), {"reason": "x"}).status_code == 403


def test_the_outsider_gets_404(team, chart):
    consent = ConsentFactory(client=chart)
    client = signed_in(MembershipFactory(practice=team.outsider.practice, role="front_desk"))
    assert client.get(_tab(chart)).status_code == 404
    assert client.post(_add(chart), _consent(kind="other")).status_code == 404
    assert client.get(_revoke(consent)).status_code == 404


def test_the_caseload_attention_count_is_one_query(team):
    missing = ClientFactory(practice=team.practice)
    fine = ClientFactory(practice=team.practice)
    ConsentFactory(client=fine, kind="treatment")
    expiring = ClientFactory(practice=team.practice)
    ConsentFactory(client=expiring, kind="treatment", expires_on=datetime.date(2026, 3, 30))
    ConsentFactory(client=expiring, kind="telehealth", expires_on=datetime.date(2026, 4, 1))
    revoked = ClientFactory(practice=team.practice)
    ConsentFactory(client=revoked, kind="treatment", revoked_on=datetime.date(2026, 3, 1))
    with CaptureQueriesContext(connection) as queries:
        counts = dict(
            Client.objects.for_practice(team.practice)
            .annotate(items=service.consents_needing_attention(TODAY))
            .values_list("pk", "items")
        )
    assert len(queries) == 1
    assert counts == {missing.pk: 1, fine.pk: 0, expiring.pk: 2, revoked.pk: 1}


def test_the_expiry_can_be_changed_but_not_before_signing(team, chart):
    consent = ConsentFactory(client=chart, signed_on=datetime.date(2026, 1, 5))
    url = reverse("clients:consent_edit", kwargs={"consent_id": consent.uuid})
    client = signed_in(team.front_desk)
    response = client.post(url, {"expires_on": "2025-12-01"})
    assert response.status_code == 200
    assert "cannot expire before it was signed" in response.content.decode()
    assert 'value="2025-12-01"' in response.content.decode()
    assert client.post(url, {"expires_on": "2027-01-05"}).status_code == 302
    consent.refresh_from_db()
    assert consent.expires_on == datetime.date(2027, 1, 5)
    assert AuditEvent.objects.filter(action="consent.expiry_changed").count() == 1
    assert signed_in(team.biller).get(url).status_code == 403
    outsider = signed_in(MembershipFactory(practice=team.outsider.practice, role="owner"))
    assert outsider.get(url).status_code == 404


def test_a_revoked_consents_expiry_cannot_change(team, chart):
    consent = ConsentFactory(client=chart, revoked_on=datetime.date(2026, 2, 1))
    with pytest.raises(service.ConsentError):
        service.change_consent_expiry(membership=team.owner, consent=consent, expires_on=TODAY)
