"""Every write to a practice's scheduling settings: appointment types and the scheduling policy.

Owners and administrators make these changes; each is audited. Refusals carry the form field
they belong next to.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.http import HttpRequest

from tend.core.audit import record
from tend.core.refusals import apply_changes
from tend.practices.models import Membership
from tend.scheduling.models import AppointmentType, SchedulingPolicy
from tend.scheduling.services import SchedulingError

TYPE_FIELDS = (
    "name",
    "kind",
    "default_minutes",
    "colour",
    "service_code",
    "fee",
    "telehealth_allowed",
)
POLICY_FIELDS = (
    "late_cancel_hours",
    "late_cancel_fee",
    "no_show_fee",
    "reminder_offsets",
    "reminder_email_subject",
    "reminder_email_body",
    "reminder_sms_body",
    "telehealth_url_template",
    "series_horizon_weeks",
    "day_starts",
    "day_ends",
    "slot_minutes",
)


class TypeNameTaken(SchedulingError):
    field = "name"

    def __init__(self, name: str) -> None:
        super().__init__(f"The practice already has an appointment type called {name}.")


def _require_manager(membership: Membership) -> None:
    if not membership.is_manager:
        raise PermissionDenied("Only owners and administrators change scheduling settings.")


def _audit(action: str, membership: Membership, obj: Any, request: Any, **detail: Any) -> None:
    record(
        action,
        request=request,
        actor=membership.user,
        practice=membership.practice_id,
        obj=obj,
        detail=detail,
    )


def _name_taken(membership: Membership, name: str, exclude: int | None = None) -> bool:
    others = AppointmentType.objects.for_practice(membership.practice_id).filter(name__iexact=name)
    if exclude is not None:
        others = others.exclude(pk=exclude)
    return others.exists()


@transaction.atomic
def add_appointment_type(
    *, membership: Membership, request: HttpRequest | None = None, **values: Any
) -> AppointmentType:
    """A new appointment type; names are unique in the practice (ignoring case)."""
    _require_manager(membership)
    name = values.get("name", "").strip()
    if _name_taken(membership, name):
        raise TypeNameTaken(name)
    kind = AppointmentType(practice_id=membership.practice_id)
    apply_changes(kind, {**values, "name": name}, TYPE_FIELDS)
    try:
        with transaction.atomic():
            kind.save()
    except IntegrityError:
        raise TypeNameTaken(name) from None
    _audit("appointment_type.added", membership, kind, request)
    return kind


@transaction.atomic
def update_appointment_type(
    appointment_type: AppointmentType,
    *,
    membership: Membership,
    request: HttpRequest | None = None,
    **values: Any,
) -> AppointmentType:
    """Change an appointment type. Booked appointments keep their own times and fees."""
    _require_manager(membership)
    kind = AppointmentType.objects.select_for_update().get(
        pk=appointment_type.pk, practice_id=membership.practice_id
    )
    if "name" in values:
        values["name"] = values["name"].strip()
        if _name_taken(membership, values["name"], exclude=kind.pk):
            raise TypeNameTaken(values["name"])
    changed = apply_changes(kind, values, TYPE_FIELDS)
    if changed:
        try:
            with transaction.atomic():
                kind.save()
        except IntegrityError:
            raise TypeNameTaken(values["name"]) from None
        _audit("appointment_type.updated", membership, kind, request, fields=changed)
    return kind


@transaction.atomic
def set_appointment_type_active(
    appointment_type: AppointmentType,
    *,
    membership: Membership,
    active: bool,
    request: HttpRequest | None = None,
) -> AppointmentType:
    """Stop offering a type for new bookings (its appointments stay), or offer it again."""
    _require_manager(membership)
    kind = AppointmentType.objects.select_for_update().get(
        pk=appointment_type.pk, practice_id=membership.practice_id
    )
    if kind.is_active != active:
        kind.is_active = active
        kind.save(update_fields=["is_active", "updated_at"])
        _audit(
            "appointment_type.reactivated" if active else "appointment_type.deactivated",
            membership,
            kind,
            request,
        )
    return kind


@transaction.atomic
def update_scheduling_policy(
    *, membership: Membership, request: HttpRequest | None = None, **values: Any
) -> SchedulingPolicy:
    """Change the practice's scheduling policy. New reminder offsets re-plan the reminders of
    every upcoming appointment, in the background once the change is saved."""
    _require_manager(membership)
    policy = SchedulingPolicy.for_practice(membership.practice_id)
    policy = SchedulingPolicy.objects.select_for_update().get(pk=policy.pk)
    starts, ends = values.get("day_starts"), values.get("day_ends")
    if starts and ends and ends <= starts:
        raise SchedulingError("The calendar must end after it starts.", "day_ends")
    template = values.get("telehealth_url_template")
    if template is not None and ("{room}" not in template or not template.startswith("https://")):
        raise SchedulingError(
            "The video link must start with https:// and contain {room}.",
            "telehealth_url_template",
        )
    changed = apply_changes(policy, values, POLICY_FIELDS)
    if changed:
        policy.save()
        _audit("scheduling_policy.updated", membership, policy, request, fields=changed)
        if "reminder_offsets" in changed:
            from tend.scheduling.tasks import replan_reminders

            practice_id = membership.practice_id
            transaction.on_commit(lambda: replan_reminders.enqueue(practice_id))
    return policy
