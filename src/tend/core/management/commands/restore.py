"""`tend restore PATH [--yes]`: replace the database's contents with a `tend backup` snapshot."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from tend.core import audit
from tend.core.backups import BackupError, read_header, restore_backup


class Command(BaseCommand):
    help = (
        "Restore a backup made by `tend backup`, replacing everything in the configured "
        "database. Stop the web server and workers first."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path)
        parser.add_argument("--yes", action="store_true", help="Do not ask for confirmation.")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["path"]
        if not path.is_file():
            raise CommandError(f"There is no backup file at {path}.")
        try:
            header = read_header(path)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        database = connection.settings_dict["NAME"]
        if not options["yes"]:
            if not sys.stdin.isatty():
                raise CommandError("Restoring replaces all data: pass --yes to confirm.")
            answer = input(
                f"Replace everything in {database} with the backup from {header['created']}? "
                "Type 'restore' to continue: "
            )
            if answer.strip() != "restore":
                raise CommandError("Nothing was restored.")
        try:
            restore_backup(path)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        audit.record("backup.restored", detail={"file": path.name, "created": header["created"]})
        self.stdout.write(
            self.style.SUCCESS(f"Restored the backup from {header['created']} into {database}.")
        )
