"""`tend createpractice`: a new practice and its owner, from the terminal."""

from __future__ import annotations

import getpass
import os
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.validators import validate_email

from tend.practices import services
from tend.practices.models import validate_time_zone


class Command(BaseCommand):
    help = (
        "Create a practice and its owner (two-step sign-in required). Asks for anything not "
        "given as a flag; the password is always asked for (or read from TEND_OWNER_PASSWORD "
        "with --no-input)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--name", help="The practice's name.")
        parser.add_argument("--owner-email")
        parser.add_argument("--owner-name", help="The owner's full name.")
        parser.add_argument("--time-zone", help="IANA time zone, e.g. America/Chicago.")
        parser.add_argument(
            "--sees-clients", action="store_true", help="The owner also carries a caseload."
        )
        parser.add_argument("--no-input", action="store_true", help="Never ask; fail instead.")

    def handle(self, *args: Any, **options: Any) -> None:
        self.interactive = not options["no_input"]
        name = self.ask(options["name"], "Practice name", self.check_text)
        email = self.ask(options["owner_email"], "Owner's email", self.check_email).lower()
        user_model = get_user_model()
        existing = user_model.objects.filter(email__iexact=email).first()
        if existing is not None:
            membership = services.create_practice(
                name=name,
                time_zone=self.ask(options["time_zone"], "Time zone", validate_time_zone),
                owner_user=existing,
                owner_sees_clients=options["sees_clients"],
            )
            self.done(membership, "an existing account")
            return
        full_name = self.ask(options["owner_name"], "Owner's full name", self.check_text)
        time_zone = self.ask(options["time_zone"], "Time zone", validate_time_zone)
        password = self.password(user_model(email=email, full_name=full_name))
        try:
            membership = services.sign_up_practice(
                practice_name=name,
                time_zone=time_zone,
                full_name=full_name,
                email=email,
                password=password,
                owner_sees_clients=options["sees_clients"],
            )
        except services.PracticeError as exc:
            raise CommandError(str(exc)) from exc
        self.done(membership, "a new account")

    def done(self, membership: Any, account: str) -> None:
        self.stdout.write(
            self.style.SUCCESS(
                f"Created the practice “{membership.practice.name}” with {membership.user.email} "
                f"({account}) as owner. They set up two-step sign-in at their first sign-in."
            )
        )

    def ask(self, value: str | None, label: str, check: Any) -> str:
        while True:
            if value is None:
                if not self.interactive:
                    raise CommandError(f"{label} is required with --no-input.")
                value = input(f"{label}: ")
            value = value.strip()
            try:
                check(value)
            except ValidationError as exc:
                if not self.interactive:
                    raise CommandError(f"{label}: {' '.join(exc.messages)}") from exc
                self.stderr.write(" ".join(exc.messages))
                value = None
                continue
            return value

    def password(self, user: Any) -> str:
        if not self.interactive:
            password = os.environ.get("TEND_OWNER_PASSWORD", "")
            try:
                validate_password(password, user)
            except ValidationError as exc:
                raise CommandError("TEND_OWNER_PASSWORD: " + " ".join(exc.messages)) from exc
            return password
        while True:
            password = getpass.getpass("Owner's password: ")
            try:
                validate_password(password, user)
            except ValidationError as exc:
                self.stderr.write(" ".join(exc.messages))
                continue
            if getpass.getpass("Password again: ") != password:
                self.stderr.write("The two passwords differ; try again.")
                continue
            return password

    @staticmethod
    def check_text(value: str) -> None:
        if not value:
            raise ValidationError("This cannot be empty.")

    @staticmethod
    def check_email(value: str) -> None:
        validate_email(value)
