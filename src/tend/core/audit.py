"""Writing and verifying the audit log.

`record()` is the one way an audit event is written. It appends to the event's chain under a
row lock on the chain head, so concurrent writers cannot fork the chain. Events never carry
PHI in `detail`: ids, field names and counts only.

Views that show PHI call `audit_read()`; exports call `audit_export()`.
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.ipv6 import clean_ipv6_address

from tend.core.models import AuditChainHead, AuditEvent

SYSTEM_CHAIN = "system"
GENESIS_HASH = "0" * 64

# Plain words for the audit log page; an action missing here is shown as its code.
ACTION_LABELS = {
    "clients.imported": "Imported clients",
    "appointment.booked": "Booked an appointment",
    "series.booked": "Booked a recurring series",
    "series.updated": "Changed a recurring series",
    "series.cancelled": "Cancelled sessions of a series",
    "series.extended": "Booked a series further ahead",
    "appointment.updated": "Changed an appointment",
    "appointment.status": "Changed an appointment's status",
    "appointment.attendance": "Recorded attendance",
    "availability.hours_set": "Changed working hours",
    "availability.exception_added": "Marked time away or extra hours",
    "availability.exception_removed": "Removed time away or extra hours",
    "waitlist.added": "Added a client to the waitlist",
    "waitlist.updated": "Changed a waitlist entry",
    "waitlist.removed": "Took a client off the waitlist",
    "waitlist.booked": "Booked a client from the waitlist",
    "appointment_type.added": "Added an appointment type",
    "appointment_type.updated": "Changed an appointment type",
    "appointment_type.deactivated": "Stopped offering an appointment type",
    "appointment_type.reactivated": "Offered an appointment type again",
    "scheduling_policy.updated": "Changed the scheduling policy",
    "calendar_feed.created": "Made a calendar feed",
    "calendar_feed.revoked": "Turned off a calendar feed",
    "calendar_feed.names": "Changed what a calendar feed shows",
    "auth.signin": "Signed in",
    "auth.signin_failed": "Sign-in failed",
    "auth.signout": "Signed out",
    "auth.idle_signout": "Signed out after being idle",
    "auth.locked_out": "Locked out after failed sign-ins",
    "auth.unlocked": "Unlocked an account",
    "auth.password_changed": "Changed password",
    "auth.password_reset_requested": "Asked for a password reset",
    "auth.password_reset": "Reset password",
    "auth.email_change_requested": "Asked to change email",
    "auth.email_changed": "Changed email",
    "auth.mfa_enrolled": "Set up two-step sign-in",
    "auth.mfa_failed": "Two-step code refused",
    "auth.mfa_removed": "Removed two-step sign-in",
    "auth.backup_codes_generated": "Made new backup codes",
    "auth.backup_code_used": "Used a backup code",
    "account.created": "Created an account",
    "account.updated": "Updated their account",
    "permission.denied": "Was refused a page",
    "phi.read": "Viewed a record",
    "phi.export": "Exported records",
    "client.registered": "Registered a client",
    "client.updated": "Changed a client's details",
    "client.restriction_changed": "Changed whether a chart is restricted",
    "client.status_changed": "Changed a client's status",
    "client.break_glass": "Broke the glass on a restricted chart",
    "client.break_glass_reviewed": "Reviewed a break-the-glass access",
    "contact.added": "Added a client's contact",
    "contact.updated": "Changed a client's contact",
    "contact.removed": "Removed a client's contact",
    "phone.added": "Added a client's phone number",
    "phone.updated": "Changed a client's phone number",
    "phone.removed": "Removed a client's phone number",
    "care_team.assigned": "Assigned a clinician to a client",
    "care_team.ended": "Ended a clinician's assignment to a client",
    "care_team.reassigned": "Reassigned clients to a clinician",
    "practice.created": "Created the practice",
    "practice.updated": "Changed practice settings",
    "practice.mfa_requirement_changed": "Changed the two-step sign-in requirement",
    "practice.switched": "Switched practice",
    "practice.demo_created": "Created the demo practice",
    "location.added": "Added a location",
    "location.updated": "Changed a location",
    "location.archived": "Archived a location",
    "location.restored": "Restored a location",
    "room.added": "Added a room",
    "room.updated": "Changed a room",
    "room.archived": "Archived a room",
    "room.restored": "Restored a room",
    "invitation.sent": "Invited someone",
    "invitation.revoked": "Withdrew an invitation",
    "invitation.accepted": "Accepted an invitation",
    "membership.role_changed": "Changed someone's role",
    "membership.supervisor_assigned": "Assigned a supervisor",
    "membership.sees_clients_changed": "Changed who sees clients",
    "membership.deactivated": "Removed someone's access",
    "membership.reactivated": "Restored someone's access",
    "clinician_profile.updated": "Changed a clinician profile",
    "backup.created": "Made a backup",
    "backup.restored": "Restored a backup",
    "crypto.keys_rotated": "Re-encrypted stored values under the newest key",
    "payer.added": "Added a payer",
    "payer.updated": "Changed a payer",
    "payer.archived": "Archived a payer",
    "payer.restored": "Restored a payer",
    "policy.added": "Added an insurance policy",
    "policy.updated": "Changed an insurance policy",
    "policy.ended": "Ended an insurance policy",
    "authorization.added": "Added a prior authorisation",
    "authorization.updated": "Changed a prior authorisation",
    "consent_template.added": "Added a consent form",
    "consent_template.updated": "Changed a consent form",
    "consent_template.versioned": "Saved a new version of a consent form",
    "consent.recorded": "Recorded a consent",
    "consent.revoked": "Revoked a consent",
    "consent.expiry_changed": "Changed when a consent expires",
    "document.uploaded": "Uploaded a document",
    "document.archived": "Archived a document",
    "episode.opened": "Opened an episode of care",
    "episode.updated": "Changed an episode of care",
    "episode.status_changed": "Changed an episode's status",
    "diagnosis.added": "Added a diagnosis",
    "diagnosis.updated": "Changed a diagnosis",
    "diagnosis.reordered": "Changed the order of diagnoses",
}


def action_label(action: str) -> str:
    return ACTION_LABELS.get(action, action)


def chain_for(practice_id: int | None) -> str:
    return f"practice:{practice_id}" if practice_id else SYSTEM_CHAIN


def client_ip(request: HttpRequest | None) -> str | None:
    """The address the request came from. Behind TEND_PROXY_COUNT trusted proxies it is the
    entry that many places from the end of X-Forwarded-For (each proxy appends the address it
    saw), never a value the client could have written itself."""
    if request is None:
        return None
    proxies = getattr(settings, "TEND_PROXY_COUNT", 0)
    if proxies:
        forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [a for a in forwarded if a]
        if len(forwarded) >= proxies:
            return _normal_ip(forwarded[-proxies])
    return _normal_ip(request.META.get("REMOTE_ADDR") or None)


def _normal_ip(value: str | None) -> str | None:
    """The address as the database will give it back, so the hash survives the round trip."""
    if not value:
        return None
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return None  # not an address: store nothing rather than fail the request
    if address.version == 6:
        return clean_ipv6_address(value)
    return str(address)


def _normal_detail(detail: dict[str, Any] | None) -> dict[str, Any]:
    """`detail` as JSON will give it back (UUIDs and dates become strings)."""
    return json.loads(json.dumps(detail or {}, cls=DjangoJSONEncoder))


def _clean_text(value: str, limit: int) -> str:
    # PostgreSQL text cannot hold NUL characters; headers are attacker-controlled.
    return value.replace("\x00", "")[:limit]


def record(
    action: str,
    *,
    request: HttpRequest | None = None,
    actor: Any = None,
    practice: Any = None,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event. `actor` defaults to the request's user, `practice` to its practice."""
    user = getattr(request, "user", None)
    if actor is None and user is not None and user.is_authenticated:
        actor = user
    if practice is None and request is not None:
        practice = getattr(request, "practice", None)
    if practice is None and obj is not None:
        practice = getattr(obj, "practice", None)
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(getattr(obj, "uuid", None) or obj.pk)
    practice_id = getattr(practice, "pk", practice)
    chain = chain_for(practice_id)
    user_agent = ""
    if request is not None:
        user_agent = _clean_text(request.META.get("HTTP_USER_AGENT", ""), 300)

    with transaction.atomic():
        head = AuditChainHead.objects.select_for_update().filter(chain=chain).first()
        if head is None:
            # The first event of a chain; a concurrent first writer makes get_or_create re-read.
            AuditChainHead.objects.get_or_create(chain=chain)
            head = AuditChainHead.objects.select_for_update().get(chain=chain)
        event = AuditEvent(
            practice_id=practice_id,
            chain=chain,
            sequence=head.sequence + 1,
            actor=actor,
            actor_label=getattr(actor, "email", "") if actor is not None else "",
            action=action,
            object_type=object_type[:100],
            object_id=str(object_id)[:64],
            ip_address=client_ip(request),
            user_agent=user_agent,
            detail=_normal_detail(detail),
            created_at=timezone.now(),
            previous_hash=head.hash,
        )
        event.hash = event.compute_hash()
        event.save()
        head.sequence = event.sequence
        head.hash = event.hash
        head.save(update_fields=["sequence", "hash"])
    return event


def audit_read(request: HttpRequest, obj: models.Model, *, what: str = "") -> AuditEvent:
    """Record that the signed-in person was shown PHI from `obj` (a chart, a note, ...).

    `what` names the part shown ("note body", "diagnoses"), never the content.
    """
    return record("phi.read", request=request, obj=obj, detail={"what": what} if what else {})


def audit_export(request: HttpRequest, *, what: str, count: int) -> AuditEvent:
    """Record that the signed-in person exported `count` rows of `what` (e.g. "audit_log")."""
    return record("phi.export", request=request, detail={"what": what, "count": count})


@dataclass(frozen=True)
class ChainBreak:
    """The first broken link of a chain: where it is and what is wrong there."""

    chain: str
    sequence: int
    event_id: int | None
    reason: str

    def __str__(self) -> str:
        event = f"event id {self.event_id}" if self.event_id is not None else "no event"
        return f"chain {self.chain}: broken at sequence {self.sequence} ({event}): {self.reason}"


def _chain_events(chain: str, chunk_size: int) -> Iterator[AuditEvent]:
    return (
        AuditEvent.objects.filter(chain=chain).order_by("sequence").iterator(chunk_size=chunk_size)
    )


def verify_chain(chain: str, *, chunk_size: int = 2000) -> ChainBreak | None:
    """Recompute one chain, streaming; return the first broken link, or None when intact."""
    return _verify(chain, chunk_size)[0]


def _first_fault(event: AuditEvent, sequence: int, previous_hash: str) -> str | None:
    if event.sequence != sequence:
        return f"event {sequence} is missing (this is event {event.sequence})"
    if event.previous_hash != previous_hash:
        return "its previous hash does not match the event before it"
    if event.compute_hash() != event.hash:
        return "its content was changed after it was written"
    return None


def _verify(chain: str, chunk_size: int) -> tuple[ChainBreak | None, int]:
    """The chain's first broken link (or None) and how many events were checked."""
    previous_hash = GENESIS_HASH
    count = 0
    for event in _chain_events(chain, chunk_size):
        fault = _first_fault(event, count + 1, previous_hash)
        if fault is not None:
            return ChainBreak(chain, count + 1, event.pk, fault), count
        previous_hash = event.hash
        count += 1
    head = AuditChainHead.objects.filter(chain=chain).first()
    if head is not None and (head.sequence != count or head.hash != previous_hash):
        fault = f"the chain should end at event {head.sequence}; later events are missing"
        return ChainBreak(chain, count + 1, None, fault), count
    return None, count


@dataclass(frozen=True)
class Verification:
    """The outcome of verifying every chain."""

    events: int
    chains: int
    breaks: list[ChainBreak]

    @property
    def intact(self) -> bool:
        return not self.breaks


def verify_everything(*, chunk_size: int = 2000) -> Verification:
    """Verify every chain; count the events checked."""
    chains = set(AuditChainHead.objects.values_list("chain", flat=True))
    chains |= set(AuditEvent.objects.order_by().values_list("chain", flat=True).distinct())
    breaks, events = [], 0
    for chain in sorted(chains):
        broken, count = _verify(chain, chunk_size)
        events += count
        if broken is not None:
            breaks.append(broken)
    return Verification(events=events, chains=len(chains), breaks=breaks)


def verify_all() -> list[ChainBreak]:
    """The first broken link of every broken chain (empty when the whole log is intact)."""
    return verify_everything().breaks
