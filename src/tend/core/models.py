"""Tenancy base model and the append-only audit log."""

from __future__ import annotations

import hashlib
import json
import uuid
from typing import TYPE_CHECKING, Any, Self

from django.db import models

if TYPE_CHECKING:
    from tend.practices.models import Membership


class PracticeScopedQuerySet(models.QuerySet):
    """Reads narrowed to one practice; `visible_to` is where each model encodes the role table."""

    def for_practice(self, practice: Any) -> Self:
        return self.filter(practice=practice)

    def visible_to(self, membership: Membership) -> Self:
        """Rows this membership may see. Models with role rules override this."""
        return self.for_practice(membership.practice_id)


class PracticeScoped(models.Model):
    """Every domain row belongs to a practice and is addressed in URLs by a UUID."""

    practice = models.ForeignKey("practices.Practice", on_delete=models.PROTECT, related_name="+")
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PracticeScopedQuerySet.as_manager()

    class Meta:
        abstract = True


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs: Any) -> int:
        raise AuditLogIsAppendOnly("Audit events cannot be updated.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AuditLogIsAppendOnly("Audit events cannot be deleted.")


class AuditLogIsAppendOnly(Exception):
    """Raised by any attempt to change or remove a recorded audit event."""


class AuditEvent(models.Model):
    """One append-only audit record: who did what to which record, when and from where.

    Each event stores the hash of the previous event in its chain (one chain per practice,
    plus one for events outside any practice), so a changed or removed row breaks the chain.
    """

    practice = models.ForeignKey(
        "practices.Practice", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    chain = models.CharField(max_length=64, db_index=True, editable=False)
    sequence = models.PositiveBigIntegerField(editable=False)
    actor = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_label = models.CharField(max_length=254, blank=True)
    action = models.CharField(max_length=64, db_index=True)
    object_type = models.CharField(max_length=100, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(db_index=True)
    previous_hash = models.CharField(max_length=64, editable=False)
    hash = models.CharField(max_length=64, editable=False)

    objects = AuditEventQuerySet.as_manager()

    # The database refuses UPDATE and DELETE on this table with triggers (migration 0002). On
    # SQLite, a migration that rebuilds this table drops its triggers: re-create them after it
    # (tests/core/test_audit_append_only.py checks they are present).

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["chain", "sequence"], name="audit_chain_sequence_unique"
            )
        ]
        indexes = [models.Index(fields=["practice", "-created_at"], name="audit_practice_time")]

    def __str__(self) -> str:
        return f"AuditEvent {self.pk} {self.action}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise AuditLogIsAppendOnly("Audit events cannot be updated.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AuditLogIsAppendOnly("Audit events cannot be deleted.")

    def compute_hash(self) -> str:
        """The SHA-256 of this event's content and the previous event's hash."""
        payload = {
            "chain": self.chain,
            "sequence": self.sequence,
            "practice": self.practice_id,
            "actor": self.actor_id,
            "actor_label": self.actor_label,
            "action": self.action,
            "object_type": self.object_type,
            "object_id": self.object_id,
            "ip_address": self.ip_address,
            "user_agent": self.user_agent,
            "detail": self.detail,
            "created_at": self.created_at.isoformat(timespec="microseconds"),
            "previous_hash": self.previous_hash,
        }
        canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
        return hashlib.sha256(canonical.encode()).hexdigest()


class AuditChainHeadQuerySet(models.QuerySet):
    def delete(self) -> tuple[int, dict[str, int]]:
        raise AuditLogIsAppendOnly("Audit chain heads cannot be deleted.")


class AuditChainHead(models.Model):
    """The last sequence number and hash of one audit chain; locked while appending."""

    chain = models.CharField(max_length=64, unique=True)
    sequence = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64, default="0" * 64)

    objects = AuditChainHeadQuerySet.as_manager()

    def __str__(self) -> str:
        return f"AuditChainHead {self.chain}"

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AuditLogIsAppendOnly("Audit chain heads cannot be deleted.")
