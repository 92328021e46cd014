"""Clinicians' calendar feeds: iCalendar (RFC 5545) at a secret, revocable URL.

The token is shown once; only its SHA-256 is stored, so a copy of the database opens no feed.
By default an event says the client's initials and the session type, nothing else; full names
are the clinician's choice. Notes never appear.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import Prefetch
from django.http import HttpRequest
from django.utils import timezone
from icalendar import Calendar, Event

from tend.clients.models import Client
from tend.core.audit import record
from tend.practices.models import Membership
from tend.scheduling.choices import ACTIVE_STATUSES, Modality
from tend.scheduling.models import Appointment, CalendarFeed
from tend.scheduling.services import clinician_time_zone

FEED_PAST = dt.timedelta(days=30)
FEED_AHEAD = dt.timedelta(days=365)


class FeedRefused(Exception):
    """A feed change that is not allowed (not the member's own calendar)."""


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _audit(action: str, feed: CalendarFeed, membership: Membership, request: HttpRequest | None):
    record(action, request=request, actor=membership.user, practice=feed.practice_id, obj=feed)


@transaction.atomic
def create_feed(
    *, membership: Membership, show_full_names: bool = False, request: HttpRequest | None = None
) -> tuple[CalendarFeed, str]:
    """A new feed of the member's own calendar; any live feed is revoked. Returns the feed and
    its token, which is never stored and cannot be shown again."""
    if not membership.is_clinical:
        raise FeedRefused("Only members with a calendar of their own have a feed.")
    now = timezone.now()
    CalendarFeed.objects.filter(clinician=membership, revoked_at__isnull=True).update(
        revoked_at=now
    )
    token = secrets.token_urlsafe(32)
    feed = CalendarFeed.objects.create(
        practice_id=membership.practice_id,
        clinician=membership,
        token_hash=token_hash(token),
        show_full_names=show_full_names,
    )
    _audit("calendar_feed.created", feed, membership, request)
    return feed, token


def _own(feed: CalendarFeed, membership: Membership) -> None:
    if feed.clinician_id != membership.pk:
        raise FeedRefused("This is another member's feed.")


@transaction.atomic
def revoke_feed(
    feed: CalendarFeed, *, membership: Membership, request: HttpRequest | None = None
) -> CalendarFeed:
    """Stop the feed: its URL answers 404 from now on."""
    _own(feed, membership)
    if feed.revoked_at is None:
        feed.revoked_at = timezone.now()
        feed.save(update_fields=["revoked_at", "updated_at"])
        _audit("calendar_feed.revoked", feed, membership, request)
    return feed


@transaction.atomic
def regenerate_feed(
    feed: CalendarFeed, *, membership: Membership, request: HttpRequest | None = None
) -> tuple[CalendarFeed, str]:
    """A new secret URL with the same settings; the old one stops working."""
    _own(feed, membership)
    return create_feed(membership=membership, show_full_names=feed.show_full_names, request=request)


@transaction.atomic
def set_feed_names(
    feed: CalendarFeed,
    *,
    membership: Membership,
    show_full_names: bool,
    request: HttpRequest | None = None,
) -> CalendarFeed:
    """Choose initials (the default) or full names in the feed's events."""
    _own(feed, membership)
    if feed.show_full_names != show_full_names:
        feed.show_full_names = show_full_names
        feed.save(update_fields=["show_full_names", "updated_at"])
        record(
            "calendar_feed.names",
            request=request,
            actor=membership.user,
            practice=feed.practice_id,
            obj=feed,
            detail={"show_full_names": show_full_names},
        )
    return feed


def live_feed_for_token(token: str) -> CalendarFeed | None:
    return (
        CalendarFeed.objects.live()
        .select_related("clinician__practice")
        .filter(token_hash=token_hash(token))
        .first()
    )


def _initials(client: Client) -> str:
    first = (client.preferred_name or client.legal_first_name)[:1]
    return f"{first}.{client.legal_last_name[:1]}.".upper()


def _summary(appointment: Appointment, full_names: bool) -> str:
    clients = list(appointment.clients.all())
    type_name = appointment.appointment_type.name
    if not clients:
        return type_name
    names = [c.display_name if full_names else _initials(c) for c in clients]
    return f"{', '.join(names)} — {type_name}"


def _location(appointment: Appointment) -> str:
    if appointment.modality == Modality.VIDEO:
        return "Video"
    if appointment.modality == Modality.AUDIO:
        return "Phone"
    return appointment.location.name if appointment.location else ""


def build_feed(feed: CalendarFeed, *, now: dt.datetime | None = None) -> bytes:
    """The feed's calendar: the clinician's active appointments from 30 days back to a year
    ahead, in the clinician's zone (with its VTIMEZONE)."""
    now = now or timezone.now()
    clinician = feed.clinician
    zone = ZoneInfo(clinician_time_zone(clinician))
    appointments = (
        Appointment.objects.filter(
            clinician=clinician,
            status__in=ACTIVE_STATUSES,
            starts_at__gte=now - FEED_PAST,
            starts_at__lt=now + FEED_AHEAD,
        )
        .select_related("appointment_type", "location")
        .prefetch_related(Prefetch("clients", queryset=Client.objects.order_by("id")))
        .order_by("starts_at")
    )
    calendar = Calendar()
    calendar.add("prodid", "-//Tend//Calendar feed//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", f"Tend: {clinician.practice.name}")
    calendar.add("x-wr-timezone", zone.key)
    stamp = now.astimezone(dt.UTC)
    for appointment in appointments:
        event = Event()
        event.add("uid", f"{appointment.uuid}@tend")
        event.add("dtstamp", stamp)
        event.add("dtstart", appointment.starts_at.astimezone(zone))
        event.add("dtend", appointment.ends_at.astimezone(zone))
        event.add("summary", _summary(appointment, feed.show_full_names))
        place = _location(appointment)
        if place:
            event.add("location", place)
        event.add("status", "CONFIRMED")
        event.add("sequence", appointment.version)
        calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical()
