"""Encrypted document storage: nothing readable on disk, checksums checked, keys rotated."""

from __future__ import annotations

import hashlib
import io
import stat

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command

from tend.clients import storage
from tend.clients.services import documents as service
from tend.core.crypto import _fernets
from tests.factories import ClientFactory, MembershipFactory

PDF_BYTES = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer\n%%EOF\n"
SECRET = b"Referral: client reports panic attacks since March."


@pytest.fixture(autouse=True)
def documents_dir(settings, tmp_path):
    settings.TEND_DOCUMENTS_DIR = tmp_path / "documents"
    return settings.TEND_DOCUMENTS_DIR


def test_the_file_on_disk_is_encrypted_private_and_under_a_two_character_folder(documents_dir):
    stored = storage.write(SECRET)
    path = documents_dir / stored.storage_name[:2] / stored.storage_name
    on_disk = path.read_bytes()
    assert SECRET not in on_disk
    assert b"panic" not in on_disk
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stored.sha256 == hashlib.sha256(SECRET).hexdigest()
    assert stored.size == len(SECRET)
    assert storage.read(stored.storage_name, stored.sha256) == SECRET


def test_a_file_written_under_an_unknown_key_fails_with_a_clear_error(settings):
    stored = storage.write(SECRET)
    settings.TEND_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(storage.Undecryptable, match="TEND_ENCRYPTION_KEYS"):
        storage.read(stored.storage_name, stored.sha256)


def test_a_file_that_does_not_match_its_checksum_is_refused():
    stored = storage.write(SECRET)
    with pytest.raises(storage.ChecksumMismatch):
        storage.read(stored.storage_name, hashlib.sha256(b"something else").hexdigest())


def test_a_swapped_file_is_refused(documents_dir):
    first, second = storage.write(SECRET), storage.write(b"another letter")
    first_path = storage.path_for(first.storage_name)
    first_path.write_bytes(storage.path_for(second.storage_name).read_bytes())
    with pytest.raises(storage.ChecksumMismatch):
        storage.read(first.storage_name, first.sha256)


def test_a_missing_file_and_a_name_that_climbs_out_are_reported_missing():
    with pytest.raises(storage.FileMissing):
        storage.read("ab" * 20, "0" * 64)
    with pytest.raises(storage.FileMissing):
        storage.path_for("../../etc/passwd")


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (PDF_BYTES, "application/pdf"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 20, "image/png"),
        (b"\xff\xd8\xff\xe0" + b"\x00" * 20, "image/jpeg"),
        ("Notes in plain text, café.\n".encode(), "text/plain"),
        (b"<!DOCTYPE html><html><script>alert(1)</script>", None),
        (b"  <html><body>hi</body></html>", None),
        (b'<svg xmlns="http://www.w3.org/2000/svg"></svg>', None),
        (b"text with a \x00 NUL", None),
        (b"\xff\xfe not utf-8 \xc3\x28", None),
        (b"PK\x03\x04 a zip or office file", None),
    ],
)
def test_the_type_is_decided_by_content(data, expected):
    assert service.sniff(data) == expected


def test_html_disguised_as_a_pdf_is_refused():
    with pytest.raises(service.FileRefused, match="not accepted"):
        service.check_file(b"<html><script>alert(1)</script></html>", "letter.pdf")


def test_text_named_as_a_pdf_is_refused():
    with pytest.raises(service.FileRefused, match="named .pdf"):
        service.check_file(b"just words", "letter.pdf")


def test_a_file_over_the_limit_is_refused(settings):
    settings.TEND_MAX_UPLOAD_MB = 1
    with pytest.raises(service.FileRefused, match="larger than 1 MB"):
        service.check_file(PDF_BYTES + b"0" * (1024 * 1024), "big.pdf")


def test_a_file_without_an_extension_gets_the_one_of_its_type():
    assert service.check_file(PDF_BYTES, "scan").filename == "scan.pdf"


def test_read_upload_reads_no_more_than_one_byte_past_the_limit(settings):
    settings.TEND_MAX_UPLOAD_MB = 1
    assert len(service.read_upload(io.BytesIO(b"x" * (3 * 1024 * 1024)))) == 1024 * 1024 + 1


@pytest.mark.django_db
def test_rotate_keys_re_encrypts_document_files_under_the_newest_key(settings):
    practice_member = MembershipFactory()
    client = ClientFactory(practice=practice_member.practice)
    old_key = settings.TEND_ENCRYPTION_KEYS[0]
    document = service.upload_document(
        membership=practice_member, client=client, data=PDF_BYTES, filename="a.pdf"
    )
    path = storage.path_for(document.storage_name)
    new_key = Fernet.generate_key().decode()
    settings.TEND_ENCRYPTION_KEYS = [new_key, old_key]
    _fernets.cache_clear()
    assert storage.rotate_document_keys(check_only=True).rotated == 1
    call_command("rotate_keys", stdout=io.StringIO())
    Fernet(new_key.encode()).decrypt(path.read_bytes())  # the newest key alone reads it
    assert storage.rotate_document_keys().current == 1
    settings.TEND_ENCRYPTION_KEYS = [new_key]
    assert service.open_document(document) == PDF_BYTES
