"""The documents tab: upload checked by content, encrypted at rest, safe audited downloads,
archive with a reason, and who sees which documents."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tend.clients import storage
from tend.clients.models import Client, Document
from tend.clients.services import documents as service
from tend.core.models import AuditEvent
from tests.conftest import signed_in
from tests.factories import ClientFactory, DocumentFactory

PDF_BYTES = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer\n%%EOF\n"
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 30


@pytest.fixture(autouse=True)
def documents_dir(settings, tmp_path):
    settings.TEND_DOCUMENTS_DIR = tmp_path / "documents"
    return settings.TEND_DOCUMENTS_DIR


@pytest.fixture
def chart(team):
    return ClientFactory(practice=team.practice)


def _list(client):
    return reverse("clients:documents", kwargs={"client_id": client.uuid})


def _add(client):
    return reverse("clients:document_add", kwargs={"client_id": client.uuid})


def _download(document, **query):
    url = reverse("clients:document_download", kwargs={"document_id": document.uuid})
    return url + ("?view=1" if query.get("view") else "")


def _upload(member, client, data=PDF_BYTES, name="referral.pdf", kind="administrative"):
    return service.upload_document(
        membership=member, client=client, data=data, filename=name, kind=kind
    )


def test_the_front_desk_uploads_a_pdf_which_is_stored_encrypted(team, chart, documents_dir):
    upload = SimpleUploadedFile("intake.pdf", PDF_BYTES, content_type="text/html")
    response = signed_in(team.front_desk).post(
        _add(chart), {"file": upload, "title": "Intake packet", "kind": "administrative"}
    )
    assert response.status_code == 302
    document = Document.objects.get(client=chart)
    assert document.title == "Intake packet"
    assert document.content_type == "application/pdf"  # sniffed, not the browser's word
    assert document.uploaded_by == team.front_desk
    on_disk = storage.path_for(document.storage_name).read_bytes()
    assert b"%PDF" not in on_disk
    event = AuditEvent.objects.get(action="document.uploaded")
    assert event.object_id == str(document.uuid)
    assert "intake" not in str(event.detail).lower()


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("letter.pdf", b"<html><script>alert(1)</script></html>", "not accepted"),
        ("page.html", b"<!doctype html><p>hi</p>", "not accepted"),
        ("letter.pdf", b"plain words", "named .pdf"),
        ("sheet.xlsx", b"PK\x03\x04\x00\x00binary", "not accepted"),
    ],
)
def test_files_that_are_not_what_we_accept_are_refused_next_to_the_field(
    team, chart, name, data, message
):
    upload = SimpleUploadedFile(name, data, content_type="application/pdf")
    response = signed_in(team.owner).post(
        _add(chart), {"file": upload, "title": "Kept title", "kind": "correspondence"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html
    assert 'value="Kept title"' in html
    assert '<option value="correspondence" selected>' in html
    assert not Document.objects.exists()


def test_a_file_over_the_size_limit_is_refused_with_a_clear_message(team, chart, settings):
    settings.TEND_MAX_UPLOAD_MB = 1
    upload = SimpleUploadedFile("big.pdf", PDF_BYTES + b"0" * (1024 * 1024 + 10))
    response = signed_in(team.owner).post(_add(chart), {"file": upload, "kind": "administrative"})
    assert "The file is larger than 1 MB" in response.content.decode()
    assert not Document.objects.exists()


def test_a_download_is_an_audited_attachment_with_the_sniffed_type(team, chart):
    document = _upload(team.owner, chart)
    response = signed_in(team.front_desk).get(_download(document))
    assert response.status_code == 200
    assert response.content == PDF_BYTES
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "sandbox; default-src 'none'"
    read = AuditEvent.objects.filter(action="phi.read", object_id=str(document.uuid)).get()
    assert read.detail == {"what": "document"}
    assert read.actor == team.front_desk.user


def test_images_and_pdfs_open_inline_only_when_asked_but_text_never(team, chart):
    pdf = _upload(team.owner, chart)
    text = _upload(team.owner, chart, data=b"plain note", name="note.txt")
    client = signed_in(team.owner)
    assert client.get(_download(pdf, view=True))["Content-Disposition"].startswith("inline;")
    response = client.get(_download(text, view=True))
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Content-Type"].startswith("text/plain")


def test_a_damaged_file_is_not_served(team, chart):
    document = _upload(team.owner, chart)
    Document.objects.filter(pk=document.pk).update(sha256="1" * 64)
    response = signed_in(team.owner).get(_download(document))
    assert response.status_code == 302
    assert response["Location"] == _list(chart)
    assert not AuditEvent.objects.filter(action="phi.read", object_id=str(document.uuid)).exists()


def test_the_list_shows_documents_and_hides_clinical_ones_from_the_front_desk(team, chart):
    _upload(team.owner, chart, kind="administrative")
    clinical = _upload(team.owner, chart, name="assessment.pdf", kind="clinical")
    Document.objects.filter(pk=clinical.pk).update(title="Psych assessment")
    html = signed_in(team.front_desk).get(_list(chart)).content.decode()
    assert "referral.pdf" in html
    assert "Psych assessment" not in html
    assert "Psych assessment" in signed_in(team.owner).get(_list(chart)).content.decode()
    assert signed_in(team.front_desk).get(_download(clinical)).status_code == 403
    assert signed_in(team.admin).get(_download(clinical)).status_code == 403
    assert signed_in(team.owner).get(_download(clinical)).status_code == 200


def test_the_front_desk_cannot_upload_a_clinical_document(team, chart):
    upload = SimpleUploadedFile("a.pdf", PDF_BYTES)
    response = signed_in(team.front_desk).post(_add(chart), {"file": upload, "kind": "clinical"})
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not Document.objects.exists()


@pytest.mark.parametrize("role", ["biller"])
def test_a_biller_does_not_see_documents(team, chart, role):
    document = _upload(team.owner, chart)
    client = signed_in(team.by_role(role))
    assert client.get(_list(chart)).status_code == 403
    assert client.get(_add(chart)).status_code == 403
    assert client.get(_download(document)).status_code == 403


def test_the_outsider_gets_404_everywhere(team, chart):
    document = _upload(team.owner, chart)
    client = signed_in(team.outsider)
    assert client.get(_list(chart)).status_code == 404
    assert client.post(_add(chart)).status_code == 404
    assert client.get(_download(document)).status_code == 404
    archive = reverse("clients:document_archive", kwargs={"document_id": document.uuid})
    assert client.post(archive, {"reason": "x"}).status_code == 404


def test_archiving_needs_a_reason_and_keeps_the_document(team, chart):
    document = _upload(team.owner, chart)
    url = reverse("clients:document_archive", kwargs={"document_id": document.uuid})
    client = signed_in(team.front_desk)
    response = client.post(url, {"reason": "   "})
    assert response.status_code == 200
    assert "This field is required" in response.content.decode()
    response = client.post(url, {"reason": "Uploaded to the wrong chart"})
    assert response.status_code == 302
    document.refresh_from_db()
    assert document.archived_at is not None
    assert document.archive_reason == "Uploaded to the wrong chart"
    assert "Archived" in client.get(_list(chart)).content.decode()
    assert AuditEvent.objects.filter(action="document.archived").count() == 1
    assert storage.path_for(document.storage_name).exists()


def test_the_archive_service_refuses_an_empty_reason(team, chart):
    document = _upload(team.owner, chart)
    with pytest.raises(service.ReasonRequired):
        service.archive_document(membership=team.owner, document=document, reason=" ")


def test_a_failed_row_write_leaves_no_file_behind(team, chart, documents_dir, monkeypatch):
    def boom(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(service, "record", boom)
    with pytest.raises(RuntimeError):
        _upload(team.owner, chart)
    assert not [p for p in documents_dir.rglob("*") if p.is_file()]


def test_a_sweep_document_without_a_file_redirects_with_a_message(team, chart):
    document = DocumentFactory(client=chart)
    response = signed_in(team.owner).get(_download(document), follow=True)
    assert "cannot be opened" in response.content.decode()


def test_a_row_claiming_html_is_still_never_served_as_html(team, chart):
    document = _upload(team.owner, chart, data=b"<b>plain</b> words", name="note.txt")
    Document.objects.filter(pk=document.pk).update(content_type="text/html")
    response = signed_in(team.owner).get(_download(document, view=True))
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment;")


def test_a_restricted_chart_sends_others_to_break_the_glass(team, chart):
    document = _upload(team.owner, chart)
    Client.objects.filter(pk=chart.pk).update(is_restricted=True)
    response = signed_in(team.front_desk).get(_download(document))
    assert response.status_code == 302
    assert response["Location"] == reverse("clients:break_glass", kwargs={"client_id": chart.uuid})
    assert not AuditEvent.objects.filter(action="phi.read", object_id=str(document.uuid)).exists()
