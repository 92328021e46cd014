"""Encrypted, consistent database snapshots (`tend backup`) and restoring them (`tend restore`).

File format (".tendbak"), so a backup of any size streams through Fernet in bounded memory:

    b"TENDBAK1\\n"
    then frames: a 4-byte big-endian length and a Fernet token of that length.

Each token's plaintext is one flag byte, the frame's 8-byte big-endian index, then up to
CHUNK_SIZE bytes. The flag's lowest bit marks the last frame; the bits above it say which
section the frame belongs to: 0 the JSON header (format, engine, creation time, file folders),
1 the database (SQLite file or pg_dump custom archive), 2 a tar of the file folders (chart
documents, media: already encrypted one by one). The index and flag sit inside the
authenticated token, so a reordered, truncated or altered file is refused. Tokens are made with
the newest key in TEND_ENCRYPTION_KEYS; any listed key can read them, so keep retired keys
listed for as long as you keep backups made with them.

Restoring reads the whole file once to check it before changing anything, then applies it.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import sqlite3
import struct
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import IO, Any

from cryptography.fernet import InvalidToken
from django.conf import settings
from django.db import connection

from tend.core import crypto

MAGIC = b"TENDBAK1\n"
CHUNK_SIZE = 16 * 1024 * 1024
FORMAT = 1
_FRAME = struct.Struct(">I")
_PREFIX = struct.Struct(">BQ")
HEADER, DATABASE, FILES = 0, 1, 2


class BackupError(Exception):
    """A backup could not be written or read; the message says why and what to do."""


class EncryptedWriter:
    """Buffers plaintext and writes it as a sequence of Fernet frames."""

    def __init__(self, handle: IO[bytes], chunk_size: int = CHUNK_SIZE) -> None:
        self.handle = handle
        self.chunk_size = chunk_size
        self.fernet = crypto.primary_fernet()
        self.index = 0
        self.section = HEADER
        self.buffer = bytearray()
        handle.write(MAGIC)

    def start_section(self, section: int) -> None:
        """Frames written from now on belong to `section`."""
        if self.buffer:
            self._frame(bytes(self.buffer), last=False)
            self.buffer.clear()
        self.section = section

    def write(self, data: bytes) -> None:
        self.buffer += data
        while len(self.buffer) > self.chunk_size:
            self._frame(bytes(self.buffer[: self.chunk_size]), last=False)
            del self.buffer[: self.chunk_size]

    def close(self) -> None:
        self._frame(bytes(self.buffer), last=True)
        self.buffer.clear()

    def _frame(self, data: bytes, last: bool) -> None:
        flag = self.section << 1 | (1 if last else 0)
        token = self.fernet.encrypt(_PREFIX.pack(flag, self.index) + data)
        self.handle.write(_FRAME.pack(len(token)) + token)
        self.index += 1


def read_frames(handle: IO[bytes]) -> Iterator[bytes]:
    """Yield the decrypted chunks in order; refuse a damaged, truncated or foreign file."""
    for _section, data in read_sections(handle):
        yield data


def read_sections(handle: IO[bytes]) -> Iterator[tuple[int, bytes]]:
    """Yield (section, chunk) in order; refuse a damaged, truncated or foreign file."""
    if handle.read(len(MAGIC)) != MAGIC:
        raise BackupError("This is not a Tend backup file (it does not start with TENDBAK1).")
    fernet = crypto.multifernet()
    expected = 0
    while True:
        size_bytes = handle.read(_FRAME.size)
        if len(size_bytes) < _FRAME.size:
            raise BackupError("The backup file is truncated: its last part is missing.")
        (size,) = _FRAME.unpack(size_bytes)
        token = handle.read(size)
        if len(token) < size:
            raise BackupError("The backup file is truncated: its last part is missing.")
        try:
            plain = fernet.decrypt(token)
        except InvalidToken as exc:
            raise BackupError(
                "The backup cannot be decrypted: it was altered, or it was made with a key "
                "that is no longer in TEND_ENCRYPTION_KEYS (add the old key back, last)."
            ) from exc
        flag, index = _PREFIX.unpack(plain[: _PREFIX.size])
        if index != expected:
            raise BackupError("The backup file's parts are out of order.")
        yield flag >> 1, plain[_PREFIX.size :]
        expected += 1
        if flag & 1:
            return


def engine() -> str:
    return "sqlite" if connection.vendor == "sqlite" else connection.vendor


def file_folders() -> dict[str, Path]:
    """Folders of files that belong with the database (by name in the backup)."""
    folders = {"media": Path(settings.MEDIA_ROOT)}
    documents = getattr(settings, "TEND_DOCUMENTS_DIR", None)
    if documents:
        folders["documents"] = Path(documents)
    return folders


def default_path() -> Path:
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    return Path(settings.DATA_DIR) / "backups" / f"tend-{stamp}.tendbak"


@contextmanager
def _private_temp_file(directory: Path, suffix: str) -> Iterator[Path]:
    """A temporary file only we can read, removed afterwards."""
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=".tend-", suffix=suffix, dir=directory)
    os.close(fd)
    os.chmod(name, 0o600)
    try:
        yield Path(name)
    finally:
        with suppress(FileNotFoundError):
            os.unlink(name)


def create_backup(output: Path | None = None, chunk_size: int = CHUNK_SIZE) -> Path:
    """Write an encrypted snapshot of the live database to `output` (mode 600); return it."""
    output = Path(output or default_path()).resolve()
    output.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    partial = output.with_name(output.name + ".partial")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            writer = EncryptedWriter(handle, chunk_size)
            folders = {name: path for name, path in file_folders().items() if path.is_dir()}
            header = {
                "format": FORMAT,
                "engine": engine(),
                "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                "folders": sorted(folders),
            }
            writer._frame(json.dumps(header).encode(), last=False)
            writer.start_section(DATABASE)
            if header["engine"] == "sqlite":
                _dump_sqlite(writer, output.parent)
            elif header["engine"] == "postgresql":
                _dump_postgresql(writer)
            else:
                raise BackupError(f"Backups of {header['engine']} databases are not supported.")
            # Files after the database snapshot, so every file a row names is in the backup.
            writer.start_section(FILES)
            _dump_folders(writer, folders)
            writer.close()
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(partial, output)
    except BaseException:
        with suppress(FileNotFoundError):
            os.unlink(partial)
        raise
    return output


def _dump_sqlite(writer: EncryptedWriter, workdir: Path) -> None:
    """SQLite's online backup API copies a consistent snapshot while others keep writing."""
    connection.ensure_connection()
    with _private_temp_file(workdir, ".sqlite3") as snapshot:
        target = sqlite3.connect(snapshot)
        try:
            connection.connection.backup(target)
        finally:
            target.close()
        with open(snapshot, "rb") as handle:
            while block := handle.read(1024 * 1024):
                writer.write(block)


def _dump_folders(writer: EncryptedWriter, folders: dict[str, Path]) -> None:
    with tarfile.open(fileobj=writer, mode="w|") as archive:  # type: ignore[call-overload]
        for name, path in sorted(folders.items()):
            archive.add(path, arcname=name)


def postgres_environment(
    params: dict[str, Any] | None = None,
) -> tuple[list[str], dict[str, str]]:
    """pg_dump/pg_restore connection arguments and environment from the Django settings.

    The password goes in PGPASSWORD, never on the command line where `ps` would show it.
    """
    params = params if params is not None else connection.settings_dict
    env = dict(os.environ)
    args = []
    if params.get("HOST"):
        args += ["--host", str(params["HOST"])]
    if params.get("PORT"):
        args += ["--port", str(params["PORT"])]
    if params.get("USER"):
        args += ["--username", str(params["USER"])]
    if params.get("PASSWORD"):
        env["PGPASSWORD"] = str(params["PASSWORD"])
    options = params.get("OPTIONS") or {}
    for option, variable in [("sslmode", "PGSSLMODE"), ("sslrootcert", "PGSSLROOTCERT")]:
        if options.get(option):
            env[variable] = str(options[option])
    args += ["--no-password", "--dbname", str(params["NAME"])]
    return args, env


def _dump_postgresql(writer: EncryptedWriter) -> None:
    """pg_dump's custom format is a consistent snapshot (one repeatable-read transaction)."""
    args, env = postgres_environment()
    with tempfile.TemporaryFile() as errors:
        try:
            process = subprocess.Popen(
                ["pg_dump", "--format=custom", *args],
                stdout=subprocess.PIPE,
                stderr=errors,
                env=env,
            )
        except FileNotFoundError as exc:
            raise BackupError("pg_dump is not on PATH: install postgresql-client.") from exc
        assert process.stdout is not None
        while block := process.stdout.read(1024 * 1024):
            writer.write(block)
        if process.wait() != 0:
            errors.seek(0)
            raise BackupError(f"pg_dump failed: {errors.read().decode(errors='replace').strip()}")


def read_header(path: Path) -> dict[str, Any]:
    with open(path, "rb") as handle:
        return json.loads(next(read_frames(handle)))


def verify_backup(path: Path) -> dict[str, Any]:
    """Decrypt and authenticate every frame without keeping anything; return the header."""
    with open(path, "rb") as handle:
        sections = read_sections(handle)
        header = json.loads(next(sections)[1])
        for _section in sections:
            pass
    return header


def restore_backup(path: Path) -> dict[str, Any]:
    """Replace the database's contents and the file folders with the backup in `path`.

    The whole file is checked first, so a damaged backup changes nothing.
    """
    path = Path(path)
    header = verify_backup(path)
    if header.get("format") != FORMAT:
        raise BackupError(f"Backup format {header.get('format')} is not one this Tend reads.")
    if header["engine"] != engine():
        raise BackupError(
            f"This backup is of a {header['engine']} database, but DATABASE_URL points to "
            f"{engine()}. Restore it into the same kind of database."
        )
    data_dir = Path(settings.DATA_DIR)
    with open(path, "rb") as handle, _private_temp_file(data_dir, ".tar") as files_tar:
        with open(files_tar, "wb") as files_out:
            sections = read_sections(handle)
            next(sections)  # the header
            database = _database_chunks(sections, files_out)
            if header["engine"] == "sqlite":
                _restore_sqlite(database)
            else:
                _restore_postgresql(database)
            for _rest in database:  # anything the database restore did not read
                pass
        _restore_folders(files_tar, header.get("folders", []))
    return header


def _database_chunks(
    sections: Iterator[tuple[int, bytes]], files_out: IO[bytes]
) -> Iterator[bytes]:
    """The database section's chunks; the files section is written to `files_out` on the way."""
    for section, data in sections:
        if section == DATABASE:
            yield data
        elif section == FILES:
            files_out.write(data)


def _restore_folders(files_tar: Path, names: list[str]) -> None:
    """Put each backed-up folder in place of the current one (other folders are left alone)."""
    folders = file_folders()
    unknown = [name for name in names if name not in folders]
    if unknown:
        raise BackupError(f"This Tend has no folder for {', '.join(unknown)} from the backup.")
    if not names:
        return
    staging = Path(tempfile.mkdtemp(prefix=".tend-restore-", dir=settings.DATA_DIR))
    try:
        with tarfile.open(files_tar, mode="r") as archive:
            archive.extractall(staging, filter="data")
        for name in names:
            target = folders[name]
            target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            previous = target.with_name(f".{target.name}.before-restore")
            if target.exists():
                shutil.rmtree(previous, ignore_errors=True)
                target.rename(previous)
            shutil.move(str(staging / name), str(target))
            shutil.rmtree(previous, ignore_errors=True)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _restore_sqlite(frames: Iterator[bytes]) -> None:
    """Copy the snapshot into the live database file with the backup API (one exclusive step)."""
    name = str(connection.settings_dict["NAME"])
    in_memory = connection.is_in_memory_db()  # type: ignore[attr-defined]
    workdir = Path(settings.DATA_DIR) if in_memory else Path(name).parent
    with _private_temp_file(workdir, ".sqlite3") as snapshot:
        with open(snapshot, "wb") as handle:
            for chunk in frames:
                handle.write(chunk)
        source = sqlite3.connect(snapshot)
        try:
            check = source.execute("PRAGMA integrity_check").fetchone()[0]
            if check != "ok":
                raise BackupError(f"The snapshot is not a sound SQLite database: {check}")
            connection.ensure_connection()
            source.backup(connection.connection)
        finally:
            source.close()
    connection.close()


def _restore_postgresql(frames: Iterator[bytes]) -> None:
    """pg_restore in one transaction: the database is either fully restored or unchanged."""
    args, env = postgres_environment()
    connection.close()
    command = [
        "pg_restore",
        "--clean",
        "--if-exists",
        "--no-owner",
        "--no-privileges",
        "--single-transaction",
        "--exit-on-error",
        *args,
    ]
    with tempfile.TemporaryFile() as errors:
        try:
            process = subprocess.Popen(command, stdin=subprocess.PIPE, stderr=errors, env=env)
        except FileNotFoundError as exc:
            raise BackupError("pg_restore is not on PATH: install postgresql-client.") from exc
        assert process.stdin is not None
        try:
            for chunk in frames:
                process.stdin.write(chunk)
        except BrokenPipeError:
            pass  # pg_restore stopped early; its exit status and message say why
        except BaseException:
            process.kill()  # a damaged file: end pg_restore so its transaction rolls back
            process.wait()
            raise
        finally:
            with suppress(BrokenPipeError):
                process.stdin.close()
        if process.wait() != 0:
            errors.seek(0)
            raise BackupError(
                f"pg_restore failed: {errors.read().decode(errors='replace').strip()}"
            )
