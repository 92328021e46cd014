"""Writing and verifying the audit log.

`record()` is the one way an audit event is written. It appends to the event's chain under a
row lock on the chain head, so concurrent writers cannot fork the chain. Events never carry
PHI in `detail`: ids, field names and counts only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import models, transaction
from django.http import HttpRequest
from django.utils import timezone

from tend.core.models import AuditChainHead, AuditEvent

SYSTEM_CHAIN = "system"


def chain_for(practice_id: int | None) -> str:
    return f"practice:{practice_id}" if practice_id else SYSTEM_CHAIN


def client_ip(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


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
    if actor is None and request is not None and getattr(request, "user", None) is not None:
        if request.user.is_authenticated:
            actor = request.user
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
        user_agent = request.META.get("HTTP_USER_AGENT", "")[:300]

    with transaction.atomic():
        AuditChainHead.objects.get_or_create(chain=chain)
        head = AuditChainHead.objects.select_for_update().get(chain=chain)
        event = AuditEvent(
            practice_id=practice_id,
            chain=chain,
            sequence=head.sequence + 1,
            actor=actor,
            actor_label=getattr(actor, "email", "") if actor is not None else "",
            action=action,
            object_type=object_type,
            object_id=object_id,
            ip_address=client_ip(request),
            user_agent=user_agent,
            detail=detail or {},
            created_at=timezone.now(),
            previous_hash=head.hash,
        )
        event.hash = event.compute_hash()
        event.save()
        head.sequence = event.sequence
        head.hash = event.hash
        head.save(update_fields=["sequence", "hash"])
    return event


@dataclass(frozen=True)
class ChainBreak:
    chain: str
    sequence: int
    event_id: int | None
    reason: str


def verify_chain(chain: str) -> ChainBreak | None:
    """Recompute one chain; return the first broken link, or None when it is intact."""
    previous_hash = "0" * 64
    expected_sequence = 1
    events = AuditEvent.objects.filter(chain=chain).order_by("sequence")
    for event in events.iterator(chunk_size=2000):
        if event.sequence != expected_sequence:
            return ChainBreak(chain, expected_sequence, event.pk, "an event is missing")
        if event.previous_hash != previous_hash:
            return ChainBreak(chain, event.sequence, event.pk, "previous hash does not match")
        if event.compute_hash() != event.hash:
            return ChainBreak(chain, event.sequence, event.pk, "content was changed")
        previous_hash = event.hash
        expected_sequence += 1
    head = AuditChainHead.objects.filter(chain=chain).first()
    if head is not None and head.sequence != expected_sequence - 1:
        return ChainBreak(chain, expected_sequence, None, "events after this one are missing")
    return None


def verify_all() -> list[ChainBreak]:
    chains = set(AuditChainHead.objects.values_list("chain", flat=True))
    chains |= set(AuditEvent.objects.order_by().values_list("chain", flat=True).distinct())
    breaks = [verify_chain(chain) for chain in sorted(chains)]
    return [b for b in breaks if b is not None]
