"""`tend check`: Django's deploy checks, then Tend's own: keys, database, queue, data dir."""

from __future__ import annotations

import stat
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from tend.core.tasks import queue_status


def check_keys() -> str | None:
    keys = list(getattr(settings, "TEND_ENCRYPTION_KEYS", []) or [])
    if not keys:
        return "TEND_ENCRYPTION_KEYS is empty: set it to one or more Fernet keys, newest first."
    for position, key in enumerate(keys, start=1):
        try:
            Fernet(key.encode())
        except (ValueError, TypeError):
            return (
                f"TEND_ENCRYPTION_KEYS entry {position} is not a Fernet key (32 url-safe "
                "base64-encoded bytes). Make one with "
                "cryptography.fernet.Fernet.generate_key()."
            )
    if len(set(keys)) != len(keys):
        return "TEND_ENCRYPTION_KEYS lists the same key twice."
    if not settings.SECRET_KEY or len(settings.SECRET_KEY) < 50:
        return "SECRET_KEY is shorter than 50 characters: use a long random value."
    return None


def check_database() -> str | None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as exc:  # noqa: BLE001 - any failure means unreachable
        return f"The database is unreachable ({exc.__class__.__name__}): check DATABASE_URL."
    return None


def check_queue() -> str | None:
    status = queue_status()
    if status["status"] != "ok":
        return f"The task queue ({status['backend']}) is unreachable: check REDIS_URL."
    return None


def check_data_dir() -> str | None:
    """The data directory and the SQLite database must be private to Tend's user."""
    data_dir = Path(settings.DATA_DIR)
    paths = [data_dir]
    in_memory = connection.vendor == "sqlite" and connection.is_in_memory_db()  # type: ignore[attr-defined]
    if connection.vendor == "sqlite" and not in_memory:
        paths.append(Path(connection.settings_dict["NAME"]))
    for path in paths:
        if not path.exists():
            continue
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & 0o077:
            wanted = "700" if path.is_dir() else "600"
            return f"{path} has mode {mode:o}: others can read it. Run `chmod {wanted} {path}`."
    return None


def check_static_files() -> str | None:
    """In production whitenoise serves the collected, hashed files: they must exist."""
    if settings.WHITENOISE_USE_FINDERS:
        return None
    manifest = Path(settings.STATIC_ROOT) / "staticfiles.json"
    if not manifest.exists():
        return f"No collected static files in {settings.STATIC_ROOT}: run `tend collectstatic`."
    return None


CHECKS = [
    ("encryption and secret keys", check_keys),
    ("database reachable", check_database),
    ("task queue reachable", check_queue),
    ("data directory private", check_data_dir),
    ("static files collected", check_static_files),
]


class Command(BaseCommand):
    help = "Django's deployment checks plus Tend's: keys, database, task queue, data directory."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--no-deploy", action="store_true", help="Skip Django's `check --deploy`."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["no_deploy"]:
            call_command("check", deploy=True, fail_level="WARNING", stdout=self.stdout)
        problems = []
        for label, check in CHECKS:
            problem = check()
            if problem:
                problems.append(problem)
                self.stdout.write(self.style.ERROR(f"  ✗ {label}: {problem}"))
            else:
                self.stdout.write(f"  ✓ {label}")
        if problems:
            raise CommandError(f"Tend check found {len(problems)} problem(s).")
        self.stdout.write(self.style.SUCCESS("Tend check passed."))
