"""`tend demo --size small|medium|large`: build a demo practice of fictional people."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from tend.practices.demo import (
    DEFAULT_SEED,
    DEMO_PASSWORD,
    SIZES,
    build_demo_practice,
    demo_practice_exists,
    demo_summary,
)
from tend.practices.models import Practice


class Command(BaseCommand):
    help = "Build a demo practice with fictional people (the same data on every run)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--size", choices=sorted(SIZES), default="small")
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
        parser.add_argument(
            "--if-missing",
            action="store_true",
            help="Do nothing when any demo practice exists (what `tend run` uses).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        size = options["size"]
        self.verbosity = options["verbosity"]
        if options["if_missing"] and demo_practice_exists():
            self.write_credentials()
            return
        existing = Practice.objects.filter(is_demo=True, name=SIZES[size].practice_name).first()
        if existing is not None:
            self.say(f"The {size} demo practice “{existing.name}” already exists.")
        else:
            started = time.monotonic()
            result = build_demo_practice(size, seed=options["seed"])
            elapsed = time.monotonic() - started
            self.say(
                self.style.SUCCESS(
                    f"Built the {size} demo practice “{result.practice.name}” with "
                    f"{len(result.members)} people in {elapsed:.1f}s."
                )
            )
        path = self.write_credentials()
        self.say(self.credentials_text())
        self.say(f"(Also written to {path}, readable only by you.)")

    def say(self, text: str) -> None:
        if self.verbosity > 0:
            self.stdout.write(text)

    def credentials_text(self) -> str:
        lines = [
            f"Sign in at {settings.TEND_BASE_URL}/accounts/login/",
            f"Demo password for everyone: {DEMO_PASSWORD}",
        ]
        for practice in Practice.objects.filter(is_demo=True).order_by("id"):
            lines.append(f"{practice.name} (demo):")
            lines += [f"  {label:<14} {email}" for label, email in demo_summary(practice)]
        return "\n".join(lines) + "\n"

    def write_credentials(self) -> Path:
        """Write the sign-in details to $TEND_DATA_DIR/demo-credentials.txt with mode 600."""
        data_dir = Path(settings.DATA_DIR)
        data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        path = data_dir / "demo-credentials.txt"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(self.credentials_text())
        return path
