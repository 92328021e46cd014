"""`tend audit verify`: recompute every audit chain and report the first broken link."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tend.core.audit import verify_everything


class Command(BaseCommand):
    help = "Work with the audit log. `verify` recomputes every hash chain."

    def add_arguments(self, parser: CommandParser) -> None:
        subcommands = parser.add_subparsers(dest="subcommand", title="subcommands", required=True)
        verify = subcommands.add_parser(
            "verify",
            help="Recompute every chain; print the first broken link of each; exit 1 if broken.",
        )
        verify.add_argument(
            "--chunk-size", type=int, default=2000, help="Events read per query (default 2000)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["subcommand"] == "verify":
            self.verify(chunk_size=options["chunk_size"])

    def verify(self, *, chunk_size: int) -> None:
        result = verify_everything(chunk_size=chunk_size)
        if result.intact:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Audit log intact: {result.events} events in {result.chains} chains"
                )
            )
            return
        for broken in result.breaks:
            self.stdout.write(self.style.ERROR(f"Broken link: {broken}"))
        raise CommandError(
            f"The audit log has been tampered with or damaged in {len(result.breaks)} of "
            f"{result.chains} chains.",
            returncode=1,
        )
