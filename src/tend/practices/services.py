"""Every write to practices, members, invitations, locations, rooms and clinician profiles.

Each service runs in a transaction, takes the acting membership (or the person acting) as a
keyword argument, writes an audit event (ids, roles and field names only) and raises a
`PracticeError` subclass for each refusal; `field` names the form field the message belongs to.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from tend.core.access import assert_same_practice
from tend.core.audit import record
from tend.core.refusals import apply_changes
from tend.practices.choices import Role
from tend.practices.middleware import SESSION_KEY
from tend.practices.models import (
    ClinicianProfile,
    Invitation,
    Location,
    Membership,
    Practice,
    Room,
)

INVITATION_LIFETIME = timedelta(days=7)
TELEHEALTH_LOCATION_NAME = "Telehealth"


class PracticeError(Exception):
    """A refusal the person can fix; `field` is the form field the message belongs next to."""

    field: str | None = None
    message = "This change was refused."

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or self.message)


class EmailInUse(PracticeError):
    field = "email"
    message = (
        "You already have a Tend account: sign in, then create a practice from the practice menu."
    )


class AlreadyMember(PracticeError):
    field = "email"
    message = "This person is already a member of the practice."


class LastOwner(PracticeError):
    field = "role"
    message = (
        "This is the practice's last active owner. Make someone else an owner first, "
        "so the practice always has one."
    )


class OwnerRoleNeedsOwner(PracticeError):
    field = "role"
    message = "Only an owner can make someone an owner or change an owner's access."


class NotASupervisor(PracticeError):
    field = "supervisor"
    message = "Choose an active member of this practice whose role is supervisor."


class NameTaken(PracticeError):
    field = "name"
    message = "This name is already used; choose another."


class InvitationNotUsable(PracticeError):
    """The invitation was accepted, revoked or has expired."""

    field = None
    message = "This invitation can no longer be used."


class InvitationForAnotherPerson(PracticeError):
    field = None
    message = "This invitation was sent to a different email address than the one signed in."


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# Practices ---------------------------------------------------------------------------------


@transaction.atomic
def create_practice(
    *,
    name: str,
    time_zone: str,
    owner_user: Any,
    owner_sees_clients: bool,
    request: HttpRequest | None = None,
) -> Membership:
    """Create a practice (two-step sign-in required), its owner and its telehealth location."""
    practice = Practice.objects.create(name=name, time_zone=time_zone, require_mfa=True)
    membership = Membership.objects.create(
        practice=practice, user=owner_user, role=Role.OWNER, sees_clients=owner_sees_clients
    )
    Location.objects.create(practice=practice, name=TELEHEALTH_LOCATION_NAME, is_telehealth=True)
    record(
        "practice.created",
        request=request,
        actor=owner_user,
        practice=practice,
        obj=practice,
        detail={"owner": str(membership.uuid), "owner_sees_clients": owner_sees_clients},
    )
    return membership


@transaction.atomic
def sign_up_practice(
    *,
    practice_name: str,
    time_zone: str,
    full_name: str,
    email: str,
    password: str,
    owner_sees_clients: bool,
    request: HttpRequest | None = None,
) -> Membership:
    """A new person signs up: their account, then their practice with them as owner."""
    user_model = get_user_model()
    if user_model.objects.filter(email__iexact=email.strip()).exists():
        raise EmailInUse()
    user = user_model.objects.create_user(
        email=email.strip(), password=password, full_name=full_name
    )
    record("account.created", request=request, actor=user, practice=None, obj=user)
    return create_practice(
        name=practice_name,
        time_zone=time_zone,
        owner_user=user,
        owner_sees_clients=owner_sees_clients,
        request=request,
    )


PRACTICE_SETTINGS_FIELDS = ("name", "time_zone", "currency", "require_mfa", "idle_timeout_minutes")


@transaction.atomic
def update_practice_settings(
    *, membership: Membership, request: HttpRequest | None = None, **values: Any
) -> Practice:
    """Change the practice's settings; a change to the two-step sign-in rule is its own event."""
    practice = Practice.objects.select_for_update().get(pk=membership.practice_id)
    changed = apply_changes(practice, values, PRACTICE_SETTINGS_FIELDS)
    if changed:
        practice.full_clean()
        practice.save()
        record(
            "practice.updated",
            request=request,
            actor=membership.user,
            practice=practice,
            obj=practice,
            detail={"fields": changed},
        )
    if "require_mfa" in changed:
        record(
            "practice.mfa_requirement_changed",
            request=request,
            actor=membership.user,
            practice=practice,
            obj=practice,
            detail={"require_mfa": practice.require_mfa},
        )
    return practice


def switch_practice(*, request: HttpRequest, to: Membership) -> None:
    """Work in another of the person's practices for the rest of this session."""
    previous = getattr(request, "practice", None)
    request.session[SESSION_KEY] = str(to.practice.uuid)
    record(
        "practice.switched",
        request=request,
        actor=request.user,
        practice=to.practice,
        obj=to,
        detail={"from_practice": str(previous.uuid) if previous else None},
    )


# Locations and rooms -----------------------------------------------------------------------

LOCATION_FIELDS = (
    "name",
    "is_telehealth",
    "address_line1",
    "address_line2",
    "city",
    "state",
    "postal_code",
    "phone",
    "time_zone",
)


def _check_location_name(practice_id: int, name: str, location: Location | None) -> None:
    taken = Location.objects.filter(practice_id=practice_id, name__iexact=name)
    if location is not None:
        taken = taken.exclude(pk=location.pk)
    if taken.exists():
        raise NameTaken("The practice already has a location with this name.")


@transaction.atomic
def add_location(
    *, membership: Membership, request: HttpRequest | None = None, **values: Any
) -> Location:
    """Add an office or telehealth location to the practice."""
    _check_location_name(membership.practice_id, values.get("name", ""), None)
    location = Location(practice_id=membership.practice_id)
    apply_changes(location, values, LOCATION_FIELDS)
    location.save()
    record(
        "location.added",
        request=request,
        actor=membership.user,
        practice=membership.practice_id,
        obj=location,
    )
    return location


@transaction.atomic
def update_location(
    *,
    membership: Membership,
    location: Location,
    request: HttpRequest | None = None,
    **values: Any,
) -> Location:
    """Change a location's name, address or telehealth flag."""
    assert_same_practice(membership.practice_id, location)
    location = Location.objects.select_for_update().get(pk=location.pk)
    _check_location_name(membership.practice_id, values.get("name", location.name), location)
    changed = apply_changes(location, values, LOCATION_FIELDS)
    if changed:
        location.save()
        record(
            "location.updated",
            request=request,
            actor=membership.user,
            practice=membership.practice_id,
            obj=location,
            detail={"fields": changed},
        )
    return location


@transaction.atomic
def archive_location(
    *,
    membership: Membership,
    location: Location,
    archived: bool = True,
    request: HttpRequest | None = None,
) -> Location:
    """Archive (or bring back) a location; locations are never deleted."""
    assert_same_practice(membership.practice_id, location)
    if location.is_archived != archived:
        location.is_archived = archived
        location.save(update_fields=["is_archived", "updated_at"])
        action = "location.archived" if archived else "location.restored"
        record(
            action,
            request=request,
            actor=membership.user,
            practice=membership.practice_id,
            obj=location,
        )
    return location


def _check_room_name(location: Location, name: str, room: Room | None) -> None:
    taken = Room.objects.filter(location=location, name__iexact=name)
    if room is not None:
        taken = taken.exclude(pk=room.pk)
    if taken.exists():
        raise NameTaken("This location already has a room with this name.")


@transaction.atomic
def add_room(
    *,
    membership: Membership,
    location: Location,
    name: str,
    capacity: int,
    request: HttpRequest | None = None,
) -> Room:
    """Add a room that sessions can be booked into at one of the practice's locations."""
    assert_same_practice(membership.practice_id, location)
    _check_room_name(location, name, None)
    room = Room.objects.create(
        practice_id=membership.practice_id, location=location, name=name, capacity=capacity
    )
    record(
        "room.added",
        request=request,
        actor=membership.user,
        practice=membership.practice_id,
        obj=room,
        detail={"location": str(location.uuid)},
    )
    return room


@transaction.atomic
def update_room(
    *, membership: Membership, room: Room, request: HttpRequest | None = None, **values: Any
) -> Room:
    """Rename a room or change its capacity."""
    assert_same_practice(membership.practice_id, room)
    room = Room.objects.select_for_update().select_related("location").get(pk=room.pk)
    _check_room_name(room.location, values.get("name", room.name), room)
    changed = apply_changes(room, values, ("name", "capacity"))
    if changed:
        room.save()
        record(
            "room.updated",
            request=request,
            actor=membership.user,
            practice=membership.practice_id,
            obj=room,
            detail={"fields": changed},
        )
    return room


@transaction.atomic
def archive_room(
    *,
    membership: Membership,
    room: Room,
    archived: bool = True,
    request: HttpRequest | None = None,
) -> Room:
    """Archive (or bring back) a room; rooms are never deleted."""
    assert_same_practice(membership.practice_id, room)
    if room.is_archived != archived:
        room.is_archived = archived
        room.save(update_fields=["is_archived", "updated_at"])
        action = "room.archived" if archived else "room.restored"
        record(
            action,
            request=request,
            actor=membership.user,
            practice=membership.practice_id,
            obj=room,
        )
    return room


# Invitations -------------------------------------------------------------------------------


@transaction.atomic
def invite_member(
    *, email: str, role: str, membership: Membership, request: HttpRequest | None = None
) -> Invitation:
    """Invite a person by email with a role; the emailed link holds the only copy of the token.

    A pending invitation to the same address is replaced. The returned invitation carries the
    raw token as `.token` (never stored) so callers and tests can build the link.
    """
    email = email.strip().lower()
    practice = membership.practice
    if role == Role.OWNER and membership.role != Role.OWNER:
        raise OwnerRoleNeedsOwner("Only an owner can invite another owner.")
    if Membership.objects.filter(practice=practice, user__email__iexact=email).exists():
        raise AlreadyMember(
            "This person is already a member of the practice; change their role or "
            "reactivate them from the staff list."
        )
    now = timezone.now()
    replaced = Invitation.objects.pending().filter(practice=practice, email__iexact=email)
    replaced_count = replaced.update(revoked_at=now)
    token = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        practice=practice,
        email=email,
        role=role,
        token_hash=hash_token(token),
        invited_by=membership,
        expires_at=now + INVITATION_LIFETIME,
    )
    record(
        "invitation.sent",
        request=request,
        actor=membership.user,
        practice=practice,
        obj=invitation,
        detail={"role": role, "replaced": replaced_count},
    )
    transaction.on_commit(lambda: send_invitation_email(invitation.pk, token))
    invitation.token = token  # type: ignore[attr-defined]
    return invitation


def send_invitation_email(invitation_id: int, token: str) -> None:
    """Email the link; called after the invitation is committed."""
    invitation = Invitation.objects.select_related("practice", "invited_by__user").get(
        pk=invitation_id
    )
    link = settings.TEND_BASE_URL.rstrip("/") + reverse(
        "practices:accept_invitation", kwargs={"token": token}
    )
    context = {"invitation": invitation, "link": link, "practice": invitation.practice}
    send_mail(
        subject=f"You are invited to join {invitation.practice.name} on Tend",
        message=render_to_string("practices/email/invitation.txt", context),
        from_email=None,
        recipient_list=[invitation.email],
    )


def find_invitation(token: str) -> Invitation | None:
    """The invitation a link's token belongs to, whatever its state."""
    return (
        Invitation.objects.select_related("practice").filter(token_hash=hash_token(token)).first()
    )


@transaction.atomic
def revoke_invitation(
    *, invitation: Invitation, membership: Membership, request: HttpRequest | None = None
) -> Invitation:
    """Withdraw a pending invitation so its link stops working."""
    assert_same_practice(membership.practice_id, invitation)
    if invitation.status != "pending":
        raise InvitationNotUsable(f"This invitation is already {invitation.status}.")
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at", "updated_at"])
    record(
        "invitation.revoked",
        request=request,
        actor=membership.user,
        practice=membership.practice_id,
        obj=invitation,
    )
    return invitation


@transaction.atomic
def accept_invitation(
    *,
    invitation: Invitation,
    user: Any = None,
    full_name: str = "",
    password: str = "",
    request: HttpRequest | None = None,
) -> Membership:
    """Join the practice: as the signed-in `user`, or as a new account made from the form."""
    invitation = (
        Invitation.objects.select_for_update().select_related("practice").get(pk=invitation.pk)
    )
    if invitation.status != "pending":
        raise InvitationNotUsable(f"This invitation has {_status_phrase(invitation.status)}.")
    user_model = get_user_model()
    if user is None:
        if user_model.objects.filter(email__iexact=invitation.email).exists():
            raise EmailInUse("You already have a Tend account: sign in, then open the link again.")
        user = user_model.objects.create_user(
            email=invitation.email, password=password, full_name=full_name
        )
        record("account.created", request=request, actor=user, practice=None, obj=user)
    elif user.email.lower() != invitation.email.lower():
        raise InvitationForAnotherPerson()
    if Membership.objects.filter(practice=invitation.practice, user=user).exists():
        raise AlreadyMember("You are already a member of this practice.")
    membership = Membership.objects.create(
        practice=invitation.practice, user=user, role=invitation.role
    )
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by", "updated_at"])
    record(
        "invitation.accepted",
        request=request,
        actor=user,
        practice=invitation.practice,
        obj=invitation,
        detail={"membership": str(membership.uuid), "role": membership.role},
    )
    return membership


def _status_phrase(status: str) -> str:
    return {"accepted": "already been used", "revoked": "been withdrawn"}.get(status, "expired")


# Members -----------------------------------------------------------------------------------


def _guard_owner_change(member: Membership, membership: Membership, new_role: str) -> None:
    if Role.OWNER in (member.role, new_role) and membership.role != Role.OWNER:
        raise OwnerRoleNeedsOwner()


def _guard_last_owner(member: Membership) -> None:
    owners = Membership.objects.select_for_update().filter(
        practice_id=member.practice_id, role=Role.OWNER, is_active=True
    )
    ids = set(owners.values_list("pk", flat=True))
    if ids == {member.pk}:
        raise LastOwner()


@transaction.atomic
def change_role(
    *, member: Membership, role: str, membership: Membership, request: HttpRequest | None = None
) -> Membership:
    """Give a member another role; the practice always keeps an active owner."""
    assert_same_practice(membership.practice_id, member)
    old_role = member.role
    if role == old_role:
        return member
    _guard_owner_change(member, membership, role)
    if old_role == Role.OWNER:
        _guard_last_owner(member)
    member.role = role
    member.save(update_fields=["role", "updated_at"])
    cleared = 0
    if old_role == Role.SUPERVISOR:
        cleared = Membership.objects.filter(supervisor=member).update(supervisor=None)
    record(
        "membership.role_changed",
        request=request,
        actor=membership.user,
        practice=membership.practice_id,
        obj=member,
        detail={"from": old_role, "to": role, "supervisees_cleared": cleared},
    )
    return member


@transaction.atomic
def assign_supervisor(
    *,
    member: Membership,
    supervisor: Membership | None,
    membership: Membership,
    request: HttpRequest | None = None,
) -> Membership:
    """Set (or clear) the supervisor of a member: an active supervisor of the same practice."""
    assert_same_practice(membership.practice_id, member, supervisor)
    if supervisor is not None and (
        supervisor.role != Role.SUPERVISOR or not supervisor.is_active or supervisor == member
    ):
        raise NotASupervisor()
    if member.supervisor_id == (supervisor.pk if supervisor else None):
        return member
    member.supervisor = supervisor
    member.save(update_fields=["supervisor", "updated_at"])
    record(
        "membership.supervisor_assigned",
        request=request,
        actor=membership.user,
        practice=membership.practice_id,
        obj=member,
        detail={"supervisor": str(supervisor.uuid) if supervisor else None},
    )
    return member


@transaction.atomic
def update_member(
    *,
    member: Membership,
    role: str,
    supervisor: Membership | None,
    sees_clients: bool,
    membership: Membership,
    request: HttpRequest | None = None,
) -> Membership:
    """The staff page's one form: role, supervisor and whether the member sees clients."""
    change_role(member=member, role=role, membership=membership, request=request)
    assign_supervisor(member=member, supervisor=supervisor, membership=membership, request=request)
    if member.sees_clients != sees_clients:
        member.sees_clients = sees_clients
        member.save(update_fields=["sees_clients", "updated_at"])
        record(
            "membership.sees_clients_changed",
            request=request,
            actor=membership.user,
            practice=membership.practice_id,
            obj=member,
            detail={"sees_clients": sees_clients},
        )
    return member


@transaction.atomic
def deactivate_member(
    *, member: Membership, membership: Membership, request: HttpRequest | None = None
) -> Membership:
    """Stop a member using the practice; their records and history stay."""
    assert_same_practice(membership.practice_id, member)
    if not member.is_active:
        return member
    _guard_owner_change(member, membership, member.role)
    if member.role == Role.OWNER:
        _guard_last_owner(member)
    member.is_active = False
    member.deactivated_at = timezone.now()
    member.save(update_fields=["is_active", "deactivated_at", "updated_at"])
    record(
        "membership.deactivated",
        request=request,
        actor=membership.user,
        practice=membership.practice_id,
        obj=member,
    )
    return member


@transaction.atomic
def reactivate_member(
    *, member: Membership, membership: Membership, request: HttpRequest | None = None
) -> Membership:
    """Let a deactivated member use the practice again."""
    assert_same_practice(membership.practice_id, member)
    if member.is_active:
        return member
    _guard_owner_change(member, membership, member.role)
    member.is_active = True
    member.deactivated_at = None
    member.save(update_fields=["is_active", "deactivated_at", "updated_at"])
    record(
        "membership.reactivated",
        request=request,
        actor=membership.user,
        practice=membership.practice_id,
        obj=member,
    )
    return member


# Clinician profiles ------------------------------------------------------------------------

PROFILE_FIELDS = ("credentials", "license_number", "license_state", "npi", "taxonomy", "time_zone")


@transaction.atomic
def update_clinician_profile(
    *,
    profile_for: Membership,
    membership: Membership,
    request: HttpRequest | None = None,
    **values: Any,
) -> ClinicianProfile:
    """Save a clinician's credentials, licence, NPI, taxonomy and time zone."""
    assert_same_practice(membership.practice_id, profile_for)
    profile = ClinicianProfile.objects.filter(membership=profile_for).first()
    if profile is None:
        profile = ClinicianProfile(practice_id=profile_for.practice_id, membership=profile_for)
    changed = apply_changes(profile, values, PROFILE_FIELDS)
    if changed or profile.pk is None:
        profile.full_clean()
        profile.save()
        record(
            "clinician_profile.updated",
            request=request,
            actor=membership.user,
            practice=membership.practice_id,
            obj=profile,
            detail={"fields": changed, "member": str(profile_for.uuid)},
        )
    return profile
