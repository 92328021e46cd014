"""The waitlist: clients waiting for a time with the days, times, clinician and kind of
session they can take, and which of them fit a time that has come free."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any
from zoneinfo import ZoneInfo

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest

from tend.clients.models import Client
from tend.core.access import assert_same_practice
from tend.core.audit import record
from tend.practices.choices import CLINICAL, MANAGERS, Role
from tend.practices.models import Membership, Practice
from tend.scheduling.choices import TELEHEALTH_MODALITIES, Modality, WaitlistStatus, Weekday
from tend.scheduling.models import Appointment, AppointmentType, WaitlistEntry
from tend.scheduling.services import SchedulingError, clinician_time_zone

# Who keeps the waitlist: the front desk and managers for everyone, clinicians for their clients.
WAITLIST_ROLES = frozenset(MANAGERS | CLINICAL | {Role.FRONT_DESK})
EDITABLE = (
    "clinician",
    "appointment_type",
    "weekdays",
    "earliest",
    "latest",
    "in_person_ok",
    "telehealth_ok",
    "notes",
)


class WaitlistRefused(SchedulingError):
    """A waitlist entry that cannot be kept as given."""


def _require(membership: Membership, client: Client) -> None:
    if membership.role not in WAITLIST_ROLES:
        raise PermissionDenied("Your role does not keep the waitlist.")
    if not Client.objects.visible_to(membership).filter(pk=client.pk).exists():
        raise PermissionDenied("This client is not in your caseload.")


def _check(values: dict[str, Any], practice_id: int) -> dict[str, Any]:
    weekdays = sorted({int(d) for d in values.get("weekdays") or []})
    if any(d not in Weekday.values for d in weekdays):
        raise WaitlistRefused("Choose days of the week.", "weekdays")
    values["weekdays"] = weekdays
    earliest, latest = values.get("earliest"), values.get("latest")
    if earliest is not None and latest is not None and latest <= earliest:
        raise WaitlistRefused("The latest time must be after the earliest.", "latest")
    if not values.get("in_person_ok", True) and not values.get("telehealth_ok", True):
        raise WaitlistRefused("Tick in person, telehealth or both.", "in_person_ok")
    clinician = values.get("clinician")
    if clinician is not None and not (clinician.is_active and clinician.is_clinical):
        raise WaitlistRefused("Choose an active clinician, or any clinician.", "clinician")
    kind = values.get("appointment_type")
    if kind is not None and not kind.is_active:
        raise WaitlistRefused("This appointment type is no longer offered.", "appointment_type")
    return values


def _audit(action: str, entry: WaitlistEntry, membership: Membership, request, **detail) -> None:
    record(
        action,
        request=request,
        actor=membership.user,
        practice=entry.practice_id,
        obj=entry,
        detail=detail,
    )


@transaction.atomic
def add_to_waitlist(
    client: Client,
    *,
    membership: Membership,
    request: HttpRequest | None = None,
    **values: Any,
) -> WaitlistEntry:
    """Put a client on the waitlist with their preferences. A client waits once at a time."""
    unknown = set(values) - set(EDITABLE)
    if unknown:
        raise TypeError(f"Not a waitlist preference: {', '.join(sorted(unknown))}")
    assert_same_practice(
        membership.practice_id, client, values.get("clinician"), values.get("appointment_type")
    )
    _require(membership, client)
    values = _check(dict(values), membership.practice_id)
    if WaitlistEntry.objects.filter(client=client, status=WaitlistStatus.WAITING).exists():
        raise WaitlistRefused(
            "This client is already on the waitlist. Change their entry instead.", None
        )
    entry = WaitlistEntry.objects.create(
        practice_id=client.practice_id, client=client, added_by=membership, **values
    )
    _audit("waitlist.added", entry, membership, request)
    return entry


@transaction.atomic
def update_waitlist_entry(
    entry: WaitlistEntry,
    *,
    membership: Membership,
    request: HttpRequest | None = None,
    **values: Any,
) -> WaitlistEntry:
    """Change a waiting client's preferences."""
    from tend.core.refusals import apply_changes

    assert_same_practice(
        membership.practice_id, entry, values.get("clinician"), values.get("appointment_type")
    )
    _require(membership, entry.client)
    if entry.status != WaitlistStatus.WAITING:
        raise WaitlistRefused("Only a waiting entry can be changed.")
    values = _check(dict(values), membership.practice_id)
    changed = apply_changes(entry, values, EDITABLE)
    if changed:
        entry.save()
        _audit("waitlist.updated", entry, membership, request, fields=sorted(changed))
    return entry


@transaction.atomic
def remove_from_waitlist(
    entry: WaitlistEntry,
    *,
    membership: Membership,
    reason: str,
    request: HttpRequest | None = None,
) -> WaitlistEntry:
    """Take a client off the waitlist, saying why (found care elsewhere, no longer needed)."""
    assert_same_practice(membership.practice_id, entry)
    _require(membership, entry.client)
    reason = reason.strip()
    if not reason:
        raise WaitlistRefused("Say why the client is leaving the waitlist.", "reason")
    if entry.status in (WaitlistStatus.REMOVED, WaitlistStatus.BOOKED):
        raise WaitlistRefused("This client is no longer waiting.")
    entry.status = WaitlistStatus.REMOVED
    entry.save(update_fields=["status", "updated_at"])
    _audit("waitlist.removed", entry, membership, request, reason=reason[:200])
    return entry


@transaction.atomic
def mark_waitlist_booked(
    entry: WaitlistEntry,
    *,
    membership: Membership,
    appointment: Appointment | None = None,
    request: HttpRequest | None = None,
) -> WaitlistEntry:
    """The client was booked: the entry leaves the waitlist as booked."""
    assert_same_practice(membership.practice_id, entry, appointment)
    _require(membership, entry.client)
    if entry.status in (WaitlistStatus.REMOVED, WaitlistStatus.BOOKED):
        raise WaitlistRefused("This client is no longer waiting.")
    entry.status = WaitlistStatus.BOOKED
    entry.save(update_fields=["status", "updated_at"])
    detail = {"appointment": str(appointment.uuid)} if appointment is not None else {}
    _audit("waitlist.booked", entry, membership, request, **detail)
    return entry


def mark_booked_for(
    appointment: Appointment, *, membership: Membership, request: HttpRequest | None = None
) -> list[WaitlistEntry]:
    """Mark the waiting entries of the appointment's clients booked: the booking services call
    this, for entries waiting for this clinician or for any clinician."""
    entries = (
        WaitlistEntry.objects.filter(
            client__in=appointment.clients.all(), status=WaitlistStatus.WAITING
        )
        .filter(Q(clinician__isnull=True) | Q(clinician_id=appointment.clinician_id))
        .select_related("client")
    )
    return [
        mark_waitlist_booked(e, membership=membership, appointment=appointment, request=request)
        for e in entries
    ]


# ---------------------------------------------------------------------------------------------
# Matching


def _fits(
    entry: WaitlistEntry,
    clinician: Membership,
    local_start: dt.datetime,
    local_end: dt.datetime,
    modality: str,
    appointment_type: AppointmentType | None,
) -> bool:
    if entry.clinician_id is not None and entry.clinician_id != clinician.pk:
        return False
    if entry.weekdays and local_start.weekday() not in entry.weekdays:
        return False
    if entry.earliest is not None and local_start.time() < entry.earliest:
        return False
    if entry.latest is not None and (
        local_end.date() != local_start.date() or local_end.time() > entry.latest
    ):
        return False
    if modality in TELEHEALTH_MODALITIES and not entry.telehealth_ok:
        return False
    if modality == Modality.IN_PERSON and not entry.in_person_ok:
        return False
    return not (
        appointment_type is not None
        and entry.appointment_type_id is not None
        and entry.appointment_type_id != appointment_type.pk
    )


def matches_for_slot(
    practice: Practice | int,
    clinician: Membership,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    modality: str = Modality.IN_PERSON,
    *,
    appointment_type: AppointmentType | None = None,
    entries: Sequence[WaitlistEntry] | None = None,
) -> list[WaitlistEntry]:
    """Waiting entries whose preferences fit this time with this clinician, longest waiting
    first. Days and times are the clinician's local ones (the waitlist is kept in the
    practice's working day). `entries` lets a caller match many slots against one read."""
    practice_id = getattr(practice, "pk", practice)
    if entries is None:
        entries = list(
            WaitlistEntry.objects.for_practice(practice_id)
            .waiting()
            .select_related("client", "clinician__user", "appointment_type")
        )
    zone = ZoneInfo(clinician_time_zone(clinician))
    local_start, local_end = starts_at.astimezone(zone), ends_at.astimezone(zone)
    return [
        e
        for e in entries
        if _fits(e, clinician, local_start, local_end, modality, appointment_type)
    ]


def suggestions_for_cancelled(
    appointment: Appointment, membership: Membership | None = None
) -> list[WaitlistEntry]:
    """The waiting clients who could take the time a cancelled (or no-show, or rescheduled)
    appointment freed: same clinician, same time, either modality the type allows. When a
    member is given, only the clients they may see."""
    waiting = WaitlistEntry.objects.for_practice(appointment.practice_id).waiting()
    if membership is not None:
        waiting = waiting.visible_to(membership)
    entries = list(waiting.select_related("client", "clinician__user", "appointment_type"))
    kind = appointment.appointment_type
    modalities = [Modality.IN_PERSON] + ([Modality.VIDEO] if kind.telehealth_allowed else [])
    found: dict[int, WaitlistEntry] = {}
    attending = set(appointment.attendees.values_list("client_id", flat=True))
    for modality in modalities:
        for entry in matches_for_slot(
            appointment.practice_id,
            appointment.clinician,
            appointment.starts_at,
            appointment.ends_at,
            modality,
            entries=entries,
        ):
            if entry.client_id not in attending:
                found.setdefault(entry.pk, entry)
    return sorted(found.values(), key=lambda e: (e.created_at, e.pk))
