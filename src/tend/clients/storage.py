"""Encrypted file storage for chart documents.

Each file is Fernet-encrypted (the keys of TEND_ENCRYPTION_KEYS, newest first) and written to
`TEND_DOCUMENTS_DIR/<first two characters>/<random name>` with mode 600. The row keeps the
SHA-256 of the plaintext, checked on every read, so a swapped or damaged file is refused rather
than served. Nothing here knows about clients or requests.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from tend.core import crypto


class StorageError(Exception):
    """A stored document cannot be read back as it was written."""


class FileMissing(StorageError):
    def __init__(self) -> None:
        super().__init__("The stored file is missing from the documents folder.")


class Undecryptable(StorageError):
    def __init__(self) -> None:
        super().__init__(
            "The stored file cannot be decrypted with any key in TEND_ENCRYPTION_KEYS: it was "
            "written under a key that is no longer listed, or it is damaged."
        )


class ChecksumMismatch(StorageError):
    def __init__(self) -> None:
        super().__init__("The stored file does not match its checksum: it was changed or damaged.")


@dataclass(frozen=True)
class StoredFile:
    storage_name: str
    sha256: str
    size: int


def documents_dir() -> Path:
    return Path(settings.TEND_DOCUMENTS_DIR)


def path_for(storage_name: str) -> Path:
    # Storage names are ours (hex), but never let one climb out of the folder.
    if not storage_name or not all(c in "0123456789abcdef-" for c in storage_name.lower()):
        raise FileMissing()
    return documents_dir() / storage_name[:2] / storage_name


def _write_private(path: Path, data: bytes) -> None:
    """Write `data` to `path` atomically, readable by the owner only."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def write(data: bytes) -> StoredFile:
    """Encrypt and store `data` under a new random name."""
    storage_name = secrets.token_hex(20)
    _write_private(path_for(storage_name), crypto.encrypt_bytes(data))
    return StoredFile(storage_name, hashlib.sha256(data).hexdigest(), len(data))


def read(storage_name: str, sha256: str) -> bytes:
    """The plaintext of a stored file, after checking it against its recorded checksum."""
    try:
        token = path_for(storage_name).read_bytes()
    except (FileNotFoundError, IsADirectoryError):
        raise FileMissing() from None
    try:
        data = crypto.decrypt_bytes(token)
    except crypto.UndecryptableValue:
        raise Undecryptable() from None
    if not secrets.compare_digest(hashlib.sha256(data).hexdigest(), sha256):
        raise ChecksumMismatch()
    return data


def remove(storage_name: str) -> None:
    """Remove a file written for a row that was never saved (a failed upload)."""
    path_for(storage_name).unlink(missing_ok=True)


@dataclass
class RotationReport:
    rotated: int = 0
    current: int = 0
    missing: int = 0
    undecryptable: int = 0


def rotate_document_keys(*, check_only: bool = False) -> RotationReport:
    """Re-encrypt every stored document not already under the newest key.

    Files are rewritten atomically one by one, so an interrupted run is resumed by running
    it again. Rows are not changed: the plaintext (and its checksum) stays the same.
    """
    from tend.clients.models import Document

    report = RotationReport()
    primary = crypto.primary_fernet()
    names = Document.objects.order_by("pk").values_list("storage_name", flat=True)
    for storage_name in names.iterator(chunk_size=500):
        try:
            path = path_for(storage_name)
            token = path.read_bytes()
        except (FileMissing, FileNotFoundError):
            report.missing += 1
            continue
        try:
            primary.decrypt(token)
        except crypto.InvalidToken:
            pass
        else:
            report.current += 1
            continue
        try:
            rotated = crypto.multifernet().rotate(token)
        except crypto.InvalidToken:
            report.undecryptable += 1
            continue
        if not check_only:
            _write_private(path, rotated)
        report.rotated += 1
    return report
