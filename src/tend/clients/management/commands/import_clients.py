"""`tend import-clients FILE --practice ID --as EMAIL`: import clients from a CSV file.

The same checks as the import pages: every row is validated first and the import is all or
nothing. `--mapping auto` maps columns from their names (SimplePractice exports work as they
are); `--check` validates and reports without importing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tend.clients.services import transfer as service
from tend.practices.models import Membership


class Command(BaseCommand):
    help = "Import clients from a CSV file (all rows or none)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--practice", required=True, help="The practice's UUID.")
        parser.add_argument(
            "--as", dest="actor", required=True, help="Email of the owner or admin importing."
        )
        parser.add_argument("--mapping", default="auto", choices=["auto"])
        parser.add_argument("--check", action="store_true", help="Validate only.")
        parser.add_argument(
            "--import-existing",
            action="store_true",
            help="Import rows matching a client already in the practice instead of skipping them.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        membership = (
            Membership.objects.filter(
                practice__uuid=options["practice"],
                user__email__iexact=options["actor"],
                role__in=["owner", "admin"],
                is_active=True,
            )
            .select_related("practice", "user")
            .first()
        )
        if membership is None:
            raise CommandError("No active owner or admin with that email in that practice.")
        try:
            parsed = service.parse_csv(options["file"].read_bytes())
            mapping = service.guess_mapping(parsed.headers)
            for header, field in zip(parsed.headers, mapping, strict=True):
                self.stdout.write(f"  {header!r:>30} → {service.FIELDS[field]}")
            validation = service.validate_rows(
                parsed.rows, parsed.headers, mapping, membership=membership
            )
            for error in validation.errors:
                self.stderr.write(str(error))
            if not validation.ok:
                raise CommandError(f"{len(validation.errors)} problems; nothing was imported.")
            if options["check"]:
                self.stdout.write(f"{len(validation.rows)} rows are ready to import.")
                return
            result = service.import_clients(
                parsed.rows,
                parsed.headers,
                mapping,
                membership=membership,
                skip_existing=not options["import_existing"],
            )
        except (OSError, service.ImportRefused) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(f"Imported {result.created} clients; skipped {result.skipped}.")
        )
