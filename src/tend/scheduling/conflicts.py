"""Who is already busy: the time claims an appointment needs, and the ones that clash.

Every active appointment holds one claim per clinician, room and client. Booking or moving
writes claims through `replace_claims`; on PostgreSQL the exclusion constraint refuses an
overlapping claim even when two bookings race, and on SQLite the booking runs in a `BEGIN
IMMEDIATE` transaction, so the check here and the insert cannot interleave with another write.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db import IntegrityError, connection, transaction
from django.db.models import Q

from tend.scheduling.choices import ClaimKind
from tend.scheduling.models import MAX_APPOINTMENT_LENGTH, Appointment, TimeClaim


@dataclass(frozen=True)
class Need:
    """One thing an appointment would hold for a span of time."""

    kind: str  # ClaimKind
    ref: int
    start: dt.datetime
    end: dt.datetime


@dataclass(frozen=True)
class Clash:
    """A need that overlaps an existing active appointment."""

    need: Need
    appointment_id: int
    starts_at: dt.datetime
    ends_at: dt.datetime


def needs_for(
    *,
    clinician_id: int,
    room_id: int | None,
    client_ids: Iterable[int],
    start: dt.datetime,
    end: dt.datetime,
) -> list[Need]:
    needs = [Need(ClaimKind.CLINICIAN, clinician_id, start, end)]
    if room_id:
        needs.append(Need(ClaimKind.ROOM, room_id, start, end))
    needs += [Need(ClaimKind.CLIENT, cid, start, end) for cid in sorted(set(client_ids))]
    return needs


def find_clashes(needs: Sequence[Need], *, ignore: Iterable[int] = ()) -> list[Clash]:
    """The existing claims that overlap any of `needs`, in one query however many needs (a
    52-week series is one query, not 52). Claims of the appointments in `ignore` don't count."""
    if not needs:
        return []
    ignore = set(ignore)
    refs: dict[str, set[int]] = {}
    for need in needs:
        refs.setdefault(need.kind, set()).add(need.ref)
    lo = min(n.start for n in needs) - MAX_APPOINTMENT_LENGTH
    hi = max(n.end for n in needs)
    by_kind = Q()
    for kind, ids in refs.items():
        by_kind |= Q(kind=kind, ref__in=ids)
    rows = (
        TimeClaim.objects.filter(by_kind, starts_at__gte=lo, starts_at__lt=hi)
        .exclude(appointment_id__in=ignore)
        .values_list("kind", "ref", "starts_at", "ends_at", "appointment_id")
    )
    existing: dict[tuple[str, int], list[tuple[dt.datetime, dt.datetime, int]]] = {}
    for kind, ref, s, e, appt in rows:
        existing.setdefault((kind, ref), []).append((s, e, appt))
    clashes = []
    for need in needs:
        for s, e, appt in existing.get((need.kind, need.ref), ()):
            if s < need.end and e > need.start:
                clashes.append(Clash(need, appt, s, e))
    return clashes


def overlaps_within(needs: Sequence[Need]) -> list[tuple[Need, Need]]:
    """Pairs of needs of one booking that clash with each other (a series whose sessions
    overlap, say a daily rule with sessions longer than a day)."""
    pairs = []
    ordered = sorted(needs, key=lambda n: (n.kind, n.ref, n.start))
    for a, b in zip(ordered, ordered[1:], strict=False):
        if (a.kind, a.ref) == (b.kind, b.ref) and b.start < a.end:
            pairs.append((a, b))
    return pairs


class ClaimRaced(Exception):
    """Another booking took the time between our check and our write (PostgreSQL's exclusion
    constraint refused the claim)."""


def write_claims(held: Iterable[tuple[Appointment, Need]]) -> None:
    """Insert the claims of one or many appointments in one statement. Must run inside the
    booking's transaction; raises ClaimRaced when the database refuses an overlap."""
    rows = [
        TimeClaim(
            practice_id=appointment.practice_id,
            appointment=appointment,
            kind=n.kind,
            ref=n.ref,
            starts_at=n.start,
            ends_at=n.end,
        )
        for appointment, n in held
    ]
    if not rows:
        return
    try:
        if connection.vendor == "postgresql":
            # A savepoint, so the refused insert leaves the outer transaction usable for the
            # caller to raise a clear refusal.
            with transaction.atomic():
                TimeClaim.objects.bulk_create(rows)
        else:
            TimeClaim.objects.bulk_create(rows)
    except IntegrityError as exc:
        if "timeclaim_no_overlap" in str(exc):
            raise ClaimRaced() from exc
        raise


def replace_claims(appointment: Appointment, needs: Sequence[Need]) -> None:
    """Drop the appointment's claims and write `needs` in their place (none for an inactive
    appointment). Must run inside the booking's transaction."""
    TimeClaim.objects.filter(appointment=appointment).delete()
    write_claims((appointment, n) for n in needs)
