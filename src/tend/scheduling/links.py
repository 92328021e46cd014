"""Signed links a client uses to confirm or cancel an appointment without an account.

The token carries the appointment's and the client's uuids, signed with SECRET_KEY under its own
salt (so no other signed value of Tend can pass for it). It holds no name, time or reason, and it
stops working when the appointment starts.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils import timezone

from tend.clients.models import Client
from tend.scheduling.models import Appointment

SALT = "tend.scheduling.client-link"


class LinkInvalid(Exception):
    """Tampered with, or naming an appointment or client that does not exist (a 404)."""


class LinkExpired(Exception):
    """The appointment has started (or the client is no longer in it): the link is used up."""


@dataclass(frozen=True)
class LinkTarget:
    appointment: Appointment
    client: Client


def make_token(appointment: Appointment, client: Client) -> str:
    return signing.dumps({"a": str(appointment.uuid), "c": str(client.uuid)}, salt=SALT)


def link_urls(appointment: Appointment, client: Client) -> dict[str, str]:
    """The absolute confirm and cancel addresses that go into a reminder."""
    token = make_token(appointment, client)
    base = str(settings.TEND_BASE_URL or "").rstrip("/")
    return {
        "confirm_url": base + reverse("scheduling:client_link", args=[token]),
        "cancel_url": base + reverse("scheduling:client_cancel", args=[token]),
    }


def read_token(token: str, *, now: dt.datetime | None = None) -> LinkTarget:
    """The appointment and client a token names; LinkInvalid or LinkExpired otherwise."""
    try:
        data = signing.loads(token, salt=SALT)
        appointment_uuid, client_uuid = data["a"], data["c"]
    except (signing.BadSignature, KeyError, TypeError):
        raise LinkInvalid from None
    appointment = (
        Appointment.objects.select_related("practice", "location", "appointment_type")
        .filter(uuid=appointment_uuid)
        .first()
    )
    if appointment is None:
        raise LinkInvalid
    client = appointment.clients.filter(uuid=client_uuid).first()
    if client is None:
        # Taken off the appointment since the reminder went out.
        raise LinkExpired
    if appointment.starts_at <= (now or timezone.now()):
        raise LinkExpired
    return LinkTarget(appointment, client)
