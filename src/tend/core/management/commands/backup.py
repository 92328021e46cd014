"""`tend backup [--output PATH]`: an encrypted, consistent snapshot, safe while Tend runs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tend.core import audit
from tend.core.backups import CHUNK_SIZE, BackupError, create_backup


class Command(BaseCommand):
    help = "Write an encrypted snapshot of the database (default: $TEND_DATA_DIR/backups/)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--output", type=Path, help="Where to write the .tendbak file.")
        parser.add_argument(
            "--chunk-size",
            type=int,
            default=CHUNK_SIZE,
            help="Bytes of the database per encrypted frame (default 16 MiB).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            path = create_backup(options["output"], chunk_size=options["chunk_size"])
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        size = path.stat().st_size
        audit.record("backup.created", detail={"file": path.name, "bytes": size})
        self.stdout.write(self.style.SUCCESS(f"Backup written to {path} ({size:,} bytes)."))
