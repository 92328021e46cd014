"""Chart documents: the list, upload, download (decrypted, checked, never inline HTML) and
archive. Also `chart_object_view`, the chart checks for pages addressed by a chart object's id."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from tend.clients import storage
from tend.clients.access import ChartAccess
from tend.clients.chart import chart_object_view, chart_view
from tend.clients.choices import DocumentKind
from tend.clients.forms.documents import DocumentArchiveForm, DocumentUploadForm
from tend.clients.models import Client, Document
from tend.clients.services import documents as service
from tend.core.audit import audit_read, record

INLINE_TYPES = frozenset({service.PDF, service.PNG, service.JPEG})


def visible_documents(client: Client, access: ChartAccess) -> models.QuerySet[Document]:
    documents = Document.objects.filter(client=client).select_related("uploaded_by__user")
    if not access.clinical_documents:
        documents = documents.exclude(kind=DocumentKind.CLINICAL)
    return documents


def serve_document(request: HttpRequest, document: Document, *, back: str) -> HttpResponse:
    """The decrypted file as an attachment (inline only for images and PDFs with ?view=1),
    with headers that stop any browser from running it; every download is audited."""
    try:
        data = service.open_document(document)
    except storage.StorageError as exc:
        messages.error(request, f"This document cannot be opened: {exc}")
        return redirect(back)
    audit_read(request, document, what="document")
    content_type = document.content_type if document.content_type in service.LABELS else ""
    response = HttpResponse(data, content_type=content_type or "application/octet-stream")
    inline = request.GET.get("view") == "1" and content_type in INLINE_TYPES
    response.headers["Content-Disposition"] = _disposition(
        "inline" if inline else "attachment", document.original_filename
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Cross-Origin-Resource-Policy"] = "same-origin"
    return response


def _disposition(kind: str, filename: str) -> str:
    from urllib.parse import quote

    ascii_name = "".join(
        c if c.isascii() and c.isprintable() and c not in '"\\;' else "_" for c in filename
    )
    return f"{kind}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"


@chart_view(needs="documents", tab="documents")
def document_list(request: HttpRequest, client: Client, access: ChartAccess) -> HttpResponse:
    """The chart's documents, archived ones last; clinical documents only for clinical roles."""
    documents = visible_documents(client, access).order_by("archived_at", "-created_at")
    context = {"client": client, "access": access, "tab": "documents", "documents": documents}
    return render(request, "clients/documents.html", context)


@chart_view(needs="documents", tab="documents")
@require_http_methods(["GET", "POST"])
def document_add(request: HttpRequest, client: Client, access: ChartAccess) -> HttpResponse:
    """Upload a file to the chart: checked by its content, stored encrypted."""
    form = DocumentUploadForm(
        request.POST or None, request.FILES or None, clinical=access.clinical_documents
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        service.store_document(
            membership=request.membership,  # type: ignore[attr-defined]
            client=client,
            checked=data["checked"],
            kind=data["kind"],
            title=data["title"],
            request=request,
        )
        messages.success(request, "Document uploaded.")
        return redirect("clients:documents", client_id=client.uuid)
    context = {"client": client, "access": access, "tab": "documents", "form": form}
    return render(request, "clients/document_form.html", context)


@chart_object_view(Document, "document_id", needs="documents")
def document_download(
    request: HttpRequest, client: Client, access: ChartAccess, document: Document
) -> HttpResponse:
    """Download a document (decrypted and checked); clinical ones only for clinical roles."""
    if document.kind == DocumentKind.CLINICAL and not access.clinical_documents:
        record("permission.denied", request=request, detail={"view": "document_download"})
        raise PermissionDenied("Your role does not see clinical documents.")
    return serve_document(request, document, back=_documents_url(client))


@chart_object_view(Document, "document_id", needs="documents", tab="documents")
@require_http_methods(["GET", "POST"])
def document_archive(
    request: HttpRequest, client: Client, access: ChartAccess, document: Document
) -> HttpResponse:
    """Archive a document with a reason; it stays listed as archived, never deleted."""
    if document.kind == DocumentKind.CLINICAL and not access.clinical_documents:
        raise PermissionDenied("Your role does not see clinical documents.")
    form = DocumentArchiveForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        service.archive_document(
            membership=request.membership,  # type: ignore[attr-defined]
            document=document,
            reason=form.cleaned_data["reason"],
            request=request,
        )
        messages.success(request, "Document archived.")
        return redirect("clients:documents", client_id=client.uuid)
    context = {"client": client, "access": access, "tab": "documents", "form": form}
    return render(request, "clients/document_archive.html", {**context, "document": document})


def _documents_url(client: Client) -> str:
    from django.urls import reverse

    return reverse("clients:documents", kwargs={"client_id": client.uuid})
