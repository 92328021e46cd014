"""`tend backup` and `tend restore`: encrypted snapshots that come back exactly."""

from __future__ import annotations

import io
import os
import stat

import pytest
from cryptography.fernet import Fernet
from django.core.management import CommandError, call_command
from django.db import connection

from tend.core.backups import MAGIC, BackupError, EncryptedWriter, read_frames, read_header
from tend.core.crypto import _fernets
from tend.core.models import AuditEvent
from tend.practices.models import Membership, Practice, Room
from tests.factories import MembershipFactory, PracticeFactory, RoomFactory


@pytest.fixture(autouse=True)
def private_folders(tmp_path, settings):
    """Backups include the file folders: point them at this test's own directory."""
    settings.DATA_DIR = tmp_path
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.TEND_DOCUMENTS_DIR = tmp_path / "documents"


def encrypt(data: bytes, chunk_size: int) -> bytes:
    out = io.BytesIO()
    writer = EncryptedWriter(out, chunk_size)
    writer.write(data)
    writer.close()
    return out.getvalue()


def decrypt(blob: bytes) -> bytes:
    return b"".join(read_frames(io.BytesIO(blob)))


def test_the_format_round_trips_across_many_chunks():
    data = os.urandom(10_000)
    blob = encrypt(data, chunk_size=1024)
    assert blob.startswith(MAGIC)
    assert data not in blob
    assert decrypt(blob) == data


def test_an_empty_stream_round_trips():
    assert decrypt(encrypt(b"", chunk_size=16)) == b""


def test_a_truncated_backup_is_refused():
    blob = encrypt(os.urandom(5000), chunk_size=1000)
    with pytest.raises(BackupError, match="truncated"):
        decrypt(blob[: len(blob) // 2])


def test_a_backup_missing_its_last_frame_is_refused():
    out = io.BytesIO()
    writer = EncryptedWriter(out, 100)
    writer.write(os.urandom(1000))  # frames written, but never closed: no last frame
    with pytest.raises(BackupError, match="truncated"):
        decrypt(out.getvalue())


def test_an_altered_backup_is_refused():
    blob = bytearray(encrypt(b"x" * 3000, chunk_size=1000))
    blob[len(MAGIC) + 40] ^= 1
    with pytest.raises(BackupError, match="cannot be decrypted"):
        decrypt(bytes(blob))


def test_a_file_that_is_not_a_backup_is_refused():
    with pytest.raises(BackupError, match="not a Tend backup"):
        decrypt(b"SQLite format 3\x00")


def test_a_backup_made_with_a_retired_key_still_restores_while_the_key_is_listed(settings):
    old_key = settings.TEND_ENCRYPTION_KEYS[0]
    blob = encrypt(b"hello", chunk_size=16)
    settings.TEND_ENCRYPTION_KEYS = [Fernet.generate_key().decode(), old_key]
    _fernets.cache_clear()
    assert decrypt(blob) == b"hello"
    settings.TEND_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(BackupError, match="no longer in TEND_ENCRYPTION_KEYS"):
        decrypt(blob)


def snapshot_of_data() -> list[tuple]:
    practices = list(Practice.objects.order_by("id").values_list("id", "name", "time_zone"))
    members = list(Membership.objects.order_by("id").values_list("id", "user__email", "role"))
    rooms = list(Room.objects.order_by("id").values_list("id", "name", "location__name"))
    return [practices, members, rooms]


@pytest.mark.django_db(transaction=True)
def test_backup_and_restore_bring_back_the_data(tmp_path, settings):
    """Runs on the test database's engine: SQLite, or PostgreSQL with TEND_TEST_DATABASE_URL."""
    settings.DATA_DIR = tmp_path
    practice = PracticeFactory(name="Harbor Light Counseling")
    MembershipFactory(practice=practice)
    room = RoomFactory(location__practice=practice, practice=practice, name="Quiet Room")
    before = snapshot_of_data()
    path = tmp_path / "backups" / "snapshot.tendbak"

    call_command("backup", output=path, verbosity=0)

    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert read_header(path)["engine"] == (
        "sqlite" if connection.vendor == "sqlite" else "postgresql"
    )
    assert b"Harbor Light" not in path.read_bytes()
    Practice.objects.filter(pk=practice.pk).update(name="Renamed")
    room.delete()
    PracticeFactory(name="Added After The Backup")
    assert snapshot_of_data() != before

    call_command("restore", str(path), yes=True, verbosity=0)

    assert snapshot_of_data() == before
    assert AuditEvent.objects.filter(action="backup.restored").count() == 1


@pytest.mark.django_db(transaction=True)
def test_backup_writes_to_the_data_dir_by_default(tmp_path, settings, capsys):
    settings.DATA_DIR = tmp_path
    call_command("backup")
    files = list((tmp_path / "backups").glob("tend-*Z.tendbak"))
    assert len(files) == 1
    assert stat.S_IMODE((tmp_path / "backups").stat().st_mode) == 0o700
    assert "Backup written to" in capsys.readouterr().out
    assert AuditEvent.objects.get(action="backup.created").detail["file"] == files[0].name


@pytest.mark.django_db
def test_restore_needs_confirmation_when_not_interactive(tmp_path, settings):
    settings.DATA_DIR = tmp_path
    path = tmp_path / "b.tendbak"
    path.write_bytes(encrypt(b'{"format": 1, "engine": "sqlite", "created": "x"}', 64))
    with pytest.raises(CommandError, match="--yes"):
        call_command("restore", str(path))


@pytest.mark.django_db
def test_restore_refuses_a_backup_of_another_database_engine(tmp_path):
    other = "postgresql" if connection.vendor == "sqlite" else "sqlite"
    out = io.BytesIO()
    writer = EncryptedWriter(out, 64)
    writer._frame(f'{{"format": 1, "engine": "{other}", "created": "x"}}'.encode(), last=False)
    writer.close()
    path = tmp_path / "other.tendbak"
    path.write_bytes(out.getvalue())
    with pytest.raises(CommandError, match="same kind of database"):
        call_command("restore", str(path), yes=True)


def test_restore_reports_a_missing_file(tmp_path):
    with pytest.raises(CommandError, match="no backup file"):
        call_command("restore", str(tmp_path / "nope.tendbak"), yes=True)


@pytest.mark.django_db(transaction=True)
def test_a_damaged_backup_changes_nothing(tmp_path, settings):
    settings.DATA_DIR = tmp_path
    practice = PracticeFactory(name="Before The Backup")
    path = tmp_path / "damaged.tendbak"
    call_command("backup", output=path, verbosity=0, chunk_size=4096)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) - 100])  # lose the end: the last frame is incomplete
    Practice.objects.filter(pk=practice.pk).update(name="Changed Since")
    after_change = snapshot_of_data()

    with pytest.raises(CommandError, match="truncated"):
        call_command("restore", str(path), yes=True, verbosity=0)

    assert snapshot_of_data() == after_change


def test_pg_tools_get_the_password_in_the_environment_not_the_arguments():
    from tend.core import backups

    params = {
        "NAME": "tend",
        "USER": "tend_user",
        "PASSWORD": "s3cret-value",
        "HOST": "db.internal",
        "PORT": 6543,
        "OPTIONS": {"sslmode": "require"},
    }
    args, env = backups.postgres_environment(params)
    assert args == [
        "--host", "db.internal", "--port", "6543", "--username", "tend_user",
        "--no-password", "--dbname", "tend",
    ]  # fmt: skip
    assert "s3cret-value" not in " ".join(args)
    assert env["PGPASSWORD"] == "s3cret-value"
    assert env["PGSSLMODE"] == "require"


def folder_contents(folder) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


@pytest.mark.django_db(transaction=True)
def test_backup_and_restore_bring_back_the_document_folder(tmp_path, settings):
    documents = tmp_path / "documents"
    (documents / "ab").mkdir(parents=True)
    (documents / "ab" / "ab12").write_bytes(b"encrypted document bytes")
    (documents / "ab" / "ab12").chmod(0o600)
    path = tmp_path / "with-files.tendbak"
    call_command("backup", output=path, verbosity=0)
    assert read_header(path)["folders"] == ["documents"]
    before = folder_contents(documents)

    (documents / "ab" / "ab12").unlink()
    (documents / "cd").mkdir()
    (documents / "cd" / "cd34").write_bytes(b"uploaded after the backup")
    call_command("restore", str(path), yes=True, verbosity=0)

    assert folder_contents(documents) == before
    assert stat.S_IMODE((documents / "ab" / "ab12").stat().st_mode) == 0o600
    assert not list(tmp_path.glob(".tend-restore-*"))
    assert not list(tmp_path.glob(".documents.before-restore"))
