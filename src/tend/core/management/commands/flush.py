"""Django's `flush`, able to empty the audit log too.

The audit log's triggers refuse DELETE. On PostgreSQL flush uses TRUNCATE, which row triggers
do not see; on SQLite flush deletes rows, so this command lifts the delete trigger for the
flush and puts it back in the same transaction. Emptying the whole database is the one
operation allowed to remove audit events (tests rely on it between transactional tests).
"""

from __future__ import annotations

from typing import Any

from django.core.management.commands.flush import Command as DjangoFlush
from django.db import DEFAULT_DB_ALIAS, connections, transaction

TRIGGER = "core_auditevent_no_delete"


class Command(DjangoFlush):
    def handle(self, **options: Any) -> None:
        connection = connections[options.get("database") or DEFAULT_DB_ALIAS]
        if connection.vendor != "sqlite":
            return super().handle(**options)
        with transaction.atomic(using=connection.alias):
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = %s", [TRIGGER]
                )
                row = cursor.fetchone()
                if row is not None:
                    cursor.execute(f"DROP TRIGGER {TRIGGER}")
            super().handle(**options)
            if row is not None:
                with connection.cursor() as cursor:
                    cursor.execute(row[0])
        return None
