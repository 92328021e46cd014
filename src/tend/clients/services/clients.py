"""Writing client records: registration, demographics, contacts, phones, status, care team,
restriction and break-the-glass access. Every write is audited (ids and field names only)."""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone

from tend.clients.choices import CLIENT_TRANSITIONS, CareRole, ClientStatus, ContactKind
from tend.clients.models import (
    BreakGlassAccess,
    CareTeamMember,
    Client,
    ClientPhone,
    ClientStatusChange,
    RelatedPerson,
)
from tend.core.access import assert_same_practice
from tend.core.audit import record
from tend.practices.models import Membership

BREAK_GLASS_HOURS = 8
BREAK_GLASS_MIN_REASON = 10


class ClientRefused(Exception):
    """A write the rules do not allow; `field` names the form field the message belongs to."""

    field: str | None = None

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        if field is not None:
            self.field = field


class TransitionRefused(ClientRefused):
    field = "to_status"


class NotAClinician(ClientRefused):
    field = "clinician"


class ReasonTooShort(ClientRefused):
    field = "reason"


class AlreadyReviewed(ClientRefused):
    pass


# Phones -------------------------------------------------------------------------------------


def normalise_phone(value: str) -> str:
    """A US number as (555) 555-0100; raises ValueError when it is not ten digits."""
    digits = re.sub(r"\D", "", value or "")
    if len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    if len(digits) != 10 or digits[0] in "01" or digits[3] in "01":
        raise ValueError("Enter a ten-digit US phone number, e.g. (555) 555-0100.")
    return f"({digits[:3]}) {digits[3:6]}-{digits[6:]}"


def phone_digits(value: str) -> str:
    return re.sub(r"\D", "", value or "")


# Reading helpers ----------------------------------------------------------------------------


def possible_duplicates(practice: Any, first: str, last: str, born: datetime.date | None):
    """Clients of the practice with the same legal first and last name and date of birth."""
    if not (first and last and born):
        return Client.objects.none()
    return Client.objects.for_practice(practice).filter(
        legal_first_name__iexact=first.strip(),
        legal_last_name__iexact=last.strip(),
        date_of_birth=born,
    )


def clinicians_of(practice: Any):
    """Active members of the practice who carry a caseload."""
    return (
        Membership.objects.for_practice(practice)
        .active()
        .clinicians()
        .select_related("user")
        .order_by("user__full_name", "id")
    )


def _check_clinician(membership: Membership, clinician: Membership | None) -> None:
    if clinician is None:
        return
    assert_same_practice(membership.practice_id, clinician)
    if not (clinician.is_active and clinician.is_clinical):
        raise NotAClinician("Choose an active clinician of this practice.")


# Registration and demographics --------------------------------------------------------------


def register_client(
    *,
    membership: Membership,
    data: dict[str, Any],
    phones: Iterable[tuple[str, str]] = (),
    emergency_contact: dict[str, str] | None = None,
    guardian: dict[str, str] | None = None,
    clinician: Membership | None = None,
) -> Client:
    """Create a client with phones, emergency contact and guardian, the assigned clinician as
    primary, and the first status change."""
    _check_clinician(membership, clinician)
    practice = membership.practice
    today = timezone.localdate()
    with transaction.atomic():
        client = Client(practice=practice, **data)
        client.status = data.get("status") or ClientStatus.INTAKE
        client.status_changed_on = today
        client.save()
        for index, (number, kind) in enumerate(p for p in phones if p[0]):
            ClientPhone.objects.create(
                practice=practice,
                client=client,
                number=normalise_phone(number),
                kind=kind,
                is_primary=index == 0,
            )
        for kind, person in (
            (ContactKind.EMERGENCY, emergency_contact),
            (ContactKind.GUARDIAN, guardian),
        ):
            if person and person.get("name"):
                RelatedPerson.objects.create(
                    practice=practice,
                    client=client,
                    kind=kind,
                    name=person["name"],
                    relationship=person.get("relationship", ""),
                    phone=normalise_phone(person["phone"]) if person.get("phone") else "",
                    is_legal_guardian=kind == ContactKind.GUARDIAN,
                )
        if clinician is not None:
            CareTeamMember.objects.create(
                practice=practice, client=client, membership=clinician, role=CareRole.PRIMARY
            )
        ClientStatusChange.objects.create(
            practice=practice,
            client=client,
            to_status=client.status,
            changed_on=today,
            reason="Registered",
            changed_by=membership,
        )
        record(
            "client.registered",
            actor=membership.user,
            practice=practice,
            obj=client,
            detail={"phones": len([p for p in phones if p[0]]), "clinician": bool(clinician)},
        )
    return client


def update_client(client: Client, *, membership: Membership, data: dict[str, Any]) -> list[str]:
    """Change demographics; returns the names of the fields that changed."""
    assert_same_practice(membership.practice_id, client)
    changed = [name for name, value in data.items() if getattr(client, name) != value]
    if not changed:
        return []
    with transaction.atomic():
        for name in changed:
            setattr(client, name, data[name])
        client.save()
        record(
            "client.updated",
            actor=membership.user,
            practice=client.practice,
            obj=client,
            detail={"fields": sorted(changed)},
        )
        if "is_restricted" in changed:
            record(
                "client.restriction_changed",
                actor=membership.user,
                practice=client.practice,
                obj=client,
                detail={"restricted": client.is_restricted},
            )
    return changed


def set_client_status(
    client: Client,
    to_status: str,
    *,
    membership: Membership,
    reason: str = "",
    on_date: datetime.date | None = None,
) -> ClientStatusChange:
    """Move a client to another status if CLIENT_TRANSITIONS allows it."""
    assert_same_practice(membership.practice_id, client)
    from_status = client.status
    if to_status not in CLIENT_TRANSITIONS.get(from_status, set()):
        names = dict(ClientStatus.choices)
        raise TransitionRefused(
            f"A client cannot move from {names.get(from_status, from_status).lower()} to "
            f"{names.get(to_status, to_status).lower()}."
        )
    on_date = on_date or timezone.localdate()
    with transaction.atomic():
        client.status = to_status
        client.status_changed_on = on_date
        client.save(update_fields=["status", "status_changed_on", "updated_at"])
        change = ClientStatusChange.objects.create(
            practice=client.practice,
            client=client,
            from_status=from_status,
            to_status=to_status,
            changed_on=on_date,
            reason=reason,
            changed_by=membership,
        )
        record(
            "client.status_changed",
            actor=membership.user,
            practice=client.practice,
            obj=client,
            detail={"from": from_status, "to": to_status},
        )
    return change


# Contacts and phones ------------------------------------------------------------------------


def _check_linked(membership: Membership, client: Client, linked: Client | None) -> None:
    if linked is None:
        return
    assert_same_practice(membership.practice_id, linked)
    if linked.pk == client.pk:
        raise ClientRefused("A client cannot be linked to themselves.", field="linked_client")


def add_contact(client: Client, *, membership: Membership, data: dict[str, Any]) -> RelatedPerson:
    assert_same_practice(membership.practice_id, client)
    _check_linked(membership, client, data.get("linked_client"))
    with transaction.atomic():
        person = RelatedPerson.objects.create(practice=client.practice, client=client, **data)
        record(
            "contact.added",
            actor=membership.user,
            practice=client.practice,
            obj=person,
            detail={"client": str(client.uuid), "kind": person.kind},
        )
    return person


def update_contact(
    person: RelatedPerson, *, membership: Membership, data: dict[str, Any]
) -> list[str]:
    assert_same_practice(membership.practice_id, person)
    _check_linked(membership, person.client, data.get("linked_client"))
    changed = [name for name, value in data.items() if getattr(person, name) != value]
    if changed:
        with transaction.atomic():
            for name in changed:
                setattr(person, name, data[name])
            person.save()
            record(
                "contact.updated",
                actor=membership.user,
                practice=person.practice,
                obj=person,
                detail={"fields": sorted(changed)},
            )
    return changed


def remove_contact(person: RelatedPerson, *, membership: Membership) -> None:
    assert_same_practice(membership.practice_id, person)
    with transaction.atomic():
        record(
            "contact.removed",
            actor=membership.user,
            practice=person.practice,
            obj=person,
            detail={"client": str(person.client.uuid)},
        )
        person.delete()  # the history keeps the removed contact


def add_phone(client: Client, *, membership: Membership, number: str, kind: str) -> ClientPhone:
    assert_same_practice(membership.practice_id, client)
    with transaction.atomic():
        phone = ClientPhone.objects.create(
            practice=client.practice,
            client=client,
            number=normalise_phone(number),
            kind=kind,
            is_primary=not client.phones.exists(),
        )
        record(
            "phone.added",
            actor=membership.user,
            practice=client.practice,
            obj=phone,
            detail={"client": str(client.uuid), "kind": kind},
        )
    return phone


def update_phone(
    phone: ClientPhone, *, membership: Membership, number: str, kind: str, is_primary: bool
) -> None:
    assert_same_practice(membership.practice_id, phone)
    with transaction.atomic():
        if is_primary and not phone.is_primary:
            phone.client.phones.exclude(pk=phone.pk).update(is_primary=False)
        phone.number = normalise_phone(number)
        phone.kind = kind
        phone.is_primary = is_primary
        phone.save()
        record(
            "phone.updated",
            actor=membership.user,
            practice=phone.practice,
            obj=phone,
            detail={"client": str(phone.client.uuid)},
        )


def remove_phone(phone: ClientPhone, *, membership: Membership) -> None:
    assert_same_practice(membership.practice_id, phone)
    with transaction.atomic():
        record(
            "phone.removed",
            actor=membership.user,
            practice=phone.practice,
            obj=phone,
            detail={"client": str(phone.client.uuid)},
        )
        phone.delete()


# Care team ----------------------------------------------------------------------------------


def assign_clinician(
    client: Client, to_membership: Membership, *, membership: Membership, role: str
) -> CareTeamMember:
    """Put a clinician on the care team; a new primary replaces the current one."""
    assert_same_practice(membership.practice_id, client)
    _check_clinician(membership, to_membership)
    today = timezone.localdate()
    with transaction.atomic():
        open_team = client.care_team.filter(ended_on__isnull=True)
        if role == CareRole.PRIMARY:
            open_team.filter(role=CareRole.PRIMARY).exclude(membership=to_membership).update(
                ended_on=today
            )
        care = open_team.filter(membership=to_membership).first()
        if care is None:
            care = CareTeamMember.objects.create(
                practice=client.practice,
                client=client,
                membership=to_membership,
                role=role,
                started_on=today,
            )
        elif care.role != role:
            care.role = role
            care.save(update_fields=["role", "updated_at"])
        record(
            "care_team.assigned",
            actor=membership.user,
            practice=client.practice,
            obj=client,
            detail={"care": str(care.uuid), "role": role},
        )
    return care


def end_assignment(
    care: CareTeamMember, *, membership: Membership, on_date: datetime.date | None = None
) -> None:
    """End an assignment; the row stays as history."""
    assert_same_practice(membership.practice_id, care)
    if care.ended_on is not None:
        return
    with transaction.atomic():
        care.ended_on = on_date or timezone.localdate()
        care.save(update_fields=["ended_on", "updated_at"])
        record(
            "care_team.ended",
            actor=membership.user,
            practice=care.practice,
            obj=care.client,
            detail={"care": str(care.uuid)},
        )


def reassign_clients(
    clients: Iterable[Client], to_membership: Membership, *, membership: Membership
) -> int:
    """Make `to_membership` the primary clinician of each client; returns how many moved."""
    _check_clinician(membership, to_membership)
    moved = 0
    with transaction.atomic():
        for client in clients:
            assign_clinician(client, to_membership, membership=membership, role=CareRole.PRIMARY)
            moved += 1
        record(
            "care_team.reassigned",
            actor=membership.user,
            practice=membership.practice,
            obj=to_membership,
            detail={"clients": moved},
        )
    return moved


# Break the glass ----------------------------------------------------------------------------


def break_glass(
    client: Client,
    *,
    membership: Membership,
    reason: str,
    session_key_hash: str,
    session_expires_at: datetime.datetime | None = None,
) -> BreakGlassAccess:
    """Open a restricted chart for this session (at most eight hours), with a stated reason."""
    assert_same_practice(membership.practice_id, client)
    reason = (reason or "").strip()
    if len(reason) < BREAK_GLASS_MIN_REASON:
        raise ReasonTooShort(
            f"Give a reason of at least {BREAK_GLASS_MIN_REASON} characters; the owner reads it."
        )
    expires_at = timezone.now() + datetime.timedelta(hours=BREAK_GLASS_HOURS)
    if session_expires_at is not None:
        expires_at = min(expires_at, session_expires_at)
    with transaction.atomic():
        access = BreakGlassAccess.objects.create(
            practice=client.practice,
            client=client,
            membership=membership,
            reason=reason,
            session_key_hash=session_key_hash,
            expires_at=expires_at,
        )
        record(
            "client.break_glass",
            actor=membership.user,
            practice=client.practice,
            obj=client,
            detail={"access": str(access.uuid)},
        )
    return access


def review_break_glass(access: BreakGlassAccess, *, membership: Membership) -> None:
    assert_same_practice(membership.practice_id, access)
    if access.reviewed_at is not None:
        raise AlreadyReviewed("This access was already reviewed.")
    with transaction.atomic():
        access.reviewed_at = timezone.now()
        access.reviewed_by = membership
        access.save(update_fields=["reviewed_at", "reviewed_by", "updated_at"])
        record(
            "client.break_glass_reviewed",
            actor=membership.user,
            practice=access.practice,
            obj=access.client,
            detail={"access": str(access.uuid)},
        )
