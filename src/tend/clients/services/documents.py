"""Every write to chart documents: upload (checked by content, stored encrypted) and archive.

A file's type is decided by its bytes, never by its name or the browser's content type: PDF,
PNG, JPEG and UTF-8 plain text are accepted, anything else (HTML, SVG, scripts, office files)
is refused. Documents are archived with a reason, never deleted.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from tend.clients import storage
from tend.clients.choices import DocumentKind
from tend.clients.models import Client, Document
from tend.core.access import assert_same_practice
from tend.core.audit import record
from tend.practices.models import Membership

PDF, PNG, JPEG, TEXT = "application/pdf", "image/png", "image/jpeg", "text/plain"
LABELS = {PDF: "PDF", PNG: "PNG image", JPEG: "JPEG image", TEXT: "plain text"}
EXTENSIONS = {PDF: {".pdf"}, PNG: {".png"}, JPEG: {".jpg", ".jpeg"}, TEXT: {".txt", ".text"}}
CANONICAL_EXTENSION = {PDF: ".pdf", PNG: ".png", JPEG: ".jpg", TEXT: ".txt"}
CARD_TYPES = frozenset({PDF, PNG, JPEG})
CARD_MAX_MB = 10
# Text that a browser could take for markup is refused even though it is valid UTF-8.
MARKUP_STARTS = ("<!doctype", "<html", "<head", "<body", "<script", "<svg", "<?xml", "<iframe")


class DocumentError(Exception):
    """A refusal the person can fix; `field` is the form field the message belongs next to."""

    field: str | None = "file"


class FileRefused(DocumentError):
    pass


class ReasonRequired(DocumentError):
    field = "reason"

    def __init__(self) -> None:
        super().__init__("Say why the document is archived.")


def sniff(data: bytes) -> str | None:
    """The content type the bytes really are, or None when they are none we accept."""
    if data.startswith(b"%PDF-"):
        return PDF
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if b"\x00" in data:
        return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if any(ord(c) < 32 and c not in "\t\n\r\f" for c in text[:65536]):
        return None  # control characters: a binary file that happens to decode
    head = text.lstrip("\ufeff \t\r\n").lower()
    if head.startswith(MARKUP_STARTS):
        return None
    return TEXT


@dataclass(frozen=True)
class CheckedFile:
    data: bytes
    content_type: str
    filename: str


def check_file(
    data: bytes, filename: str, *, allowed: frozenset[str] | None = None, max_mb: int | None = None
) -> CheckedFile:
    """Refuse what is too large, of a type we do not accept, or named as something else."""
    limit = max_mb if max_mb is not None else settings.TEND_MAX_UPLOAD_MB
    if len(data) > limit * 1024 * 1024:
        raise FileRefused(f"The file is larger than {limit} MB: choose a smaller file.")
    if not data:
        raise FileRefused("The file is empty.")
    allowed = allowed or frozenset(LABELS)
    content_type = sniff(data)
    kinds = ", ".join(LABELS[t] for t in LABELS if t in allowed)
    if content_type is None or content_type not in allowed:
        raise FileRefused(f"This type of file is not accepted. Upload a {kinds} file.")
    name = PurePath(filename or "document").name[:200] or "document"
    suffix = PurePath(name).suffix.lower()
    if suffix and suffix not in EXTENSIONS[content_type]:
        raise FileRefused(
            f"The file is named {suffix} but its content is {LABELS[content_type]}: "
            "rename it or choose the right file."
        )
    if not suffix:
        name += CANONICAL_EXTENSION[content_type]
    return CheckedFile(data, content_type, name)


def read_upload(upload: Any) -> bytes:
    """The bytes of an uploaded file, read at most one byte past the largest accepted size."""
    upload.seek(0)
    return upload.read(settings.TEND_MAX_UPLOAD_MB * 1024 * 1024 + 1)


def store_document(
    *,
    membership: Membership,
    client: Client,
    checked: CheckedFile,
    kind: str,
    title: str,
    request: HttpRequest | None = None,
) -> Document:
    """Encrypt and store a checked file as a document of the client's chart (audited).

    Callers inside a larger transaction (a policy's card, a consent's scan) use this too."""
    assert_same_practice(membership.practice_id, client)
    stored = storage.write(checked.data)
    try:
        with transaction.atomic():
            document = Document.objects.create(
                practice_id=membership.practice_id,
                client=client,
                kind=kind,
                title=title or checked.filename,
                original_filename=checked.filename,
                content_type=checked.content_type,
                size=stored.size,
                sha256=stored.sha256,
                storage_name=stored.storage_name,
                uploaded_by=membership,
            )
            record(
                "document.uploaded",
                request=request,
                actor=membership.user,
                practice=membership.practice_id,
                obj=document,
                detail={"kind": kind, "size": stored.size, "content_type": checked.content_type},
            )
    except BaseException:
        storage.remove(stored.storage_name)
        raise
    return document


def upload_document(
    *,
    membership: Membership,
    client: Client,
    data: bytes,
    filename: str,
    kind: str = DocumentKind.ADMINISTRATIVE,
    title: str = "",
    request: HttpRequest | None = None,
) -> Document:
    """Check a file by its content and add it to the client's chart, encrypted at rest."""
    checked = check_file(data, filename)
    return store_document(
        membership=membership,
        client=client,
        checked=checked,
        kind=kind,
        title=title,
        request=request,
    )


@transaction.atomic
def archive_document(
    *,
    membership: Membership,
    document: Document,
    reason: str,
    request: HttpRequest | None = None,
) -> Document:
    """Archive a document with a reason; the file and its row are kept."""
    assert_same_practice(membership.practice_id, document)
    reason = (reason or "").strip()
    if not reason:
        raise ReasonRequired()
    document = Document.objects.select_for_update().get(pk=document.pk)
    if document.archived_at is None:
        document.archived_at = timezone.now()
        document.archive_reason = reason[:300]
        document.save(update_fields=["archived_at", "archive_reason", "updated_at"])
        record(
            "document.archived",
            request=request,
            actor=membership.user,
            practice=membership.practice_id,
            obj=document,
        )
    return document


def open_document(document: Document) -> bytes:
    """The document's plaintext, checked against its checksum (raises storage.StorageError)."""
    return storage.read(document.storage_name, document.sha256)
