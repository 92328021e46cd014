"""`tend codes load` refreshes the ICD-10-CM table from the installed simple-icd-10-cm package;
`tend codes status` says which release is loaded and how many codes it holds."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db.models import Count, Q

from tend.clients.icd import code_set_version, load_codes
from tend.clients.models import IcdCode


class Command(BaseCommand):
    help = "Load or inspect the ICD-10-CM code set (run `codes load` after upgrading the package)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        load = sub.add_parser("load", help="Insert new codes and refresh changed titles.")
        load.add_argument(
            "--chapter",
            action="append",
            dest="chapters",
            metavar="LETTER",
            help="Load only codes starting with this letter (repeatable).",
        )
        sub.add_parser("status", help="Show the loaded release and how many codes it has.")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        if action == "load":
            self.load(options.get("chapters"))
        else:
            self.status()

    def load(self, chapters: list[str] | None) -> None:
        letters = tuple(c.strip().upper() for c in chapters) if chapters else None
        result = load_codes(chapters=letters)
        self.stdout.write(
            f"ICD-10-CM {code_set_version()}: {result.total} codes; "
            f"{result.inserted} inserted, {result.updated} updated, {result.removed} removed"
            + (
                f", {result.kept_in_use} no longer in the code set kept because diagnoses use them"
                if result.kept_in_use
                else ""
            )
            + "."
        )

    def status(self) -> None:
        counts = IcdCode.objects.aggregate(
            total=Count("id"), billable=Count("id", filter=Q(is_billable=True))
        )
        versions = sorted(set(IcdCode.objects.values_list("version", flat=True).distinct()))
        loaded = ", ".join(versions) or "none"
        self.stdout.write(f"Installed package: ICD-10-CM {code_set_version()}")
        self.stdout.write(f"Loaded: {loaded}")
        self.stdout.write(
            f"Codes: {counts['total']} ({counts['billable']} billable, "
            f"{counts['total'] - counts['billable']} categories)"
        )
        if versions and versions != [code_set_version()]:
            self.stdout.write("Run `tend codes load` to bring the table up to date.")
