"""Text messages: one small interface, chosen by TEND_SMS_BACKEND.

Tend ships no SMS vendor. The console backend prints each message (the number's last digits and
the length, never the body: the body names a time and place, which is PHI); the locmem backend
keeps messages in `outbox` for tests. A vendor backend subclasses SmsBackend and implements
send().
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

from django.conf import settings
from django.utils.module_loading import import_string


class SmsError(Exception):
    """The backend could not hand the message over; the reminder is marked failed."""


class SmsBackend:
    """Send one text message to one number."""

    def send(self, to: str, body: str) -> None:
        raise NotImplementedError


class ConsoleBackend(SmsBackend):
    """Development: says that a text went out, without its body or the full number."""

    def send(self, to: str, body: str) -> None:
        digits = "".join(ch for ch in to if ch.isdigit())
        sys.stdout.write(f"SMS to …{digits[-2:]}: {len(body)} characters\n")
        sys.stdout.flush()


@dataclass(frozen=True)
class TextMessage:
    to: str
    body: str


outbox: list[TextMessage] = []


class LocmemBackend(SmsBackend):
    """Tests: keeps every message in `tend.scheduling.sms.outbox`."""

    def send(self, to: str, body: str) -> None:
        outbox.append(TextMessage(to, body))


def get_backend() -> SmsBackend:
    path = getattr(settings, "TEND_SMS_BACKEND", "") or "tend.scheduling.sms.ConsoleBackend"
    return import_string(path)()


def send_text(to: str, body: str) -> None:
    get_backend().send(to, body)
