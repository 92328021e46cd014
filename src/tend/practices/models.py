"""The practice (tenant), its members and their roles, locations and rooms."""

from __future__ import annotations

import uuid
import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from tend.core.models import PracticeScoped, PracticeScopedQuerySet
from tend.lib.npi import is_valid_npi
from tend.practices.choices import CLINICAL, MANAGERS, Currency, Role


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"“{value}” is not a time zone Tend knows (e.g. America/Chicago).")


class Practice(models.Model):
    """A practice: the tenant every other row belongs to."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=200)
    time_zone = models.CharField(
        max_length=64, default="America/New_York", validators=[validate_time_zone]
    )
    currency = models.CharField(max_length=3, choices=Currency.choices, default=Currency.USD)
    require_mfa = models.BooleanField(
        "require two-step sign-in",
        default=True,
        help_text="Everyone must set up an authenticator app at their next sign-in.",
    )
    idle_timeout_minutes = models.PositiveSmallIntegerField(
        "sign out after idle minutes",
        default=15,
        help_text="HIPAA automatic logoff: between 2 and 60 minutes.",
    )
    is_demo = models.BooleanField(default=False, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if not 2 <= (self.idle_timeout_minutes or 0) <= 60:
            raise ValidationError({"idle_timeout_minutes": "Choose between 2 and 60 minutes."})


class MembershipQuerySet(PracticeScopedQuerySet):
    def active(self) -> MembershipQuerySet:
        return self.filter(is_active=True)

    def clinicians(self) -> MembershipQuerySet:
        return self.filter(role__in=CLINICAL) | self.filter(sees_clients=True)


class Membership(PracticeScoped):
    """A person's place in a practice, with one role. A person may belong to several practices."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="memberships"
    )
    role = models.CharField(max_length=20, choices=Role.choices)
    sees_clients = models.BooleanField(
        default=False, help_text="An owner or admin who also carries a caseload."
    )
    supervisor = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="supervisees"
    )
    is_active = models.BooleanField(default=True)
    deactivated_at = models.DateTimeField(null=True, blank=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["practice", "user"], name="membership_practice_user")
        ]
        ordering = ["role", "id"]

    def __str__(self) -> str:
        return f"Membership {self.pk} ({self.role})"

    @property
    def is_manager(self) -> bool:
        return self.role in MANAGERS

    @property
    def is_clinical(self) -> bool:
        return self.role in CLINICAL or self.sees_clients


class ClinicianProfile(PracticeScoped):
    """Credentials a clinician bills and signs with in this practice."""

    membership = models.OneToOneField(
        Membership, on_delete=models.CASCADE, related_name="clinician_profile"
    )
    credentials = models.CharField(
        max_length=60, blank=True, help_text="As signed on notes, e.g. “LPC, LCSW”."
    )
    license_number = models.CharField("licence number", max_length=40, blank=True)
    license_state = models.CharField("licence state", max_length=2, blank=True)
    npi = models.CharField("NPI", max_length=10, blank=True)
    taxonomy = models.CharField(
        max_length=10, blank=True, help_text="NUCC taxonomy code, e.g. 101YP2500X."
    )
    time_zone = models.CharField(max_length=64, blank=True, validators=[validate_time_zone])

    def __str__(self) -> str:
        return f"ClinicianProfile {self.pk}"

    @property
    def is_complete(self) -> bool:
        """Everything a claim needs from the clinician is filled in."""
        return all(
            (self.credentials, self.license_number, self.license_state, self.npi, self.taxonomy)
        )

    def clean(self) -> None:
        errors = {}
        if self.npi and not is_valid_npi(self.npi):
            errors["npi"] = "This NPI fails its check digit. Check the ten digits against NPPES."
        if self.taxonomy and (len(self.taxonomy) != 10 or not self.taxonomy.endswith("X")):
            errors["taxonomy"] = "A taxonomy code has ten characters and ends in X."
        if errors:
            raise ValidationError(errors)


class Location(PracticeScoped):
    """An office (or the practice's telehealth 'location')."""

    name = models.CharField(max_length=120)
    address_line1 = models.CharField("address", max_length=200, blank=True)
    address_line2 = models.CharField("address line 2", max_length=200, blank=True)
    city = models.CharField(max_length=100, blank=True)
    state = models.CharField(max_length=2, blank=True)
    postal_code = models.CharField(max_length=10, blank=True)
    phone = models.CharField(max_length=30, blank=True)
    time_zone = models.CharField(max_length=64, blank=True, validators=[validate_time_zone])
    is_telehealth = models.BooleanField(default=False)
    is_archived = models.BooleanField(default=False)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["practice", "name"], name="location_practice_name")
        ]

    def __str__(self) -> str:
        return self.name


class Room(PracticeScoped):
    """A room at a location that sessions can be booked into."""

    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="rooms")
    name = models.CharField(max_length=80)
    capacity = models.PositiveSmallIntegerField(default=2)
    is_archived = models.BooleanField(default=False)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["location", "name"], name="room_location_name")
        ]

    def __str__(self) -> str:
        return self.name


class InvitationQuerySet(PracticeScopedQuerySet):
    def pending(self) -> InvitationQuerySet:
        return self.filter(
            accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
        )


class Invitation(PracticeScoped):
    """An emailed invitation to join a practice with a role; single use, expiring."""

    email = models.EmailField()
    role = models.CharField(max_length=20, choices=Role.choices)
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        Membership, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Invitation {self.pk} ({self.role})"

    @property
    def status(self) -> str:
        if self.accepted_at:
            return "accepted"
        if self.revoked_at:
            return "revoked"
        if self.expires_at <= timezone.now():
            return "expired"
        return "pending"
