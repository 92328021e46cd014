"""Clients and their charts: contacts, care team, episodes of care, diagnoses, insurance,
consents and documents. Every model here is practice-scoped; edits are versioned."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from tend.clients.choices import (
    CareRole,
    ClientStatus,
    ClientType,
    ConsentKind,
    ContactKind,
    DiagnosisStatus,
    DischargeReason,
    DocumentKind,
    EpisodeStatus,
    GenderIdentity,
    PayerType,
    PhoneKind,
    PolicyPriority,
    Sex,
    SubscriberRelationship,
)
from tend.core.fields import EncryptedTextField
from tend.core.models import PracticeScoped, PracticeScopedQuerySet
from tend.practices.choices import Role

if TYPE_CHECKING:
    from tend.practices.models import Membership

# Roles that see every client of the practice (each sees only the parts of the chart its role
# allows: see tend.clients.access). Clinicians and supervisors see their care-team clients.
PRACTICE_WIDE_ROLES = frozenset({Role.OWNER, Role.ADMIN, Role.BILLER, Role.FRONT_DESK})


def _caseload_memberships(membership: Membership) -> list[int]:
    """The memberships whose caseloads this member sees: their own, and a supervisor's
    supervisees'."""
    ids = [membership.pk]
    if membership.role == Role.SUPERVISOR:
        ids += list(membership.supervisees.filter(is_active=True).values_list("pk", flat=True))
    return ids


class ClientQuerySet(PracticeScopedQuerySet):
    def visible_to(self, membership: Membership) -> ClientQuerySet:
        """The role table for clients (DESIGN.md): practice-wide roles see every client;
        clinicians their care-team clients; supervisors theirs and their supervisees'."""
        qs = self.for_practice(membership.practice_id)
        if membership.role in PRACTICE_WIDE_ROLES:
            return qs
        # `id IN (the care team's clients)`, not a correlated EXISTS: SQLite then starts from
        # the member's own assignments instead of testing every client of the practice
        # (bench/bench_caseload.py: a clinician's caseload in the large demo, 55 ms -> 10 ms).
        return qs.filter(
            pk__in=CareTeamMember.objects.filter(
                membership_id__in=_caseload_memberships(membership), ended_on__isnull=True
            ).values("client_id")
        )

    def in_caseload_of(self, membership: Membership) -> ClientQuerySet:
        return self.filter(
            pk__in=CareTeamMember.objects.filter(
                membership=membership, ended_on__isnull=True
            ).values("client_id")
        )

    def open(self) -> ClientQuerySet:
        return self.exclude(status__in=[ClientStatus.DISCHARGED, ClientStatus.INACTIVE])


class Client(PracticeScoped):
    """A person (or couple, family) receiving care. `__str__` never shows the name."""

    legal_first_name = models.CharField("legal first name", max_length=100)
    legal_middle_name = models.CharField("middle name", max_length=100, blank=True)
    legal_last_name = models.CharField("legal last name", max_length=100)
    preferred_name = models.CharField(max_length=100, blank=True)
    pronouns = models.CharField(max_length=40, blank=True)
    date_of_birth = models.DateField(null=True, blank=True)
    sex = models.CharField("sex assigned at birth", max_length=1, choices=Sex.choices, blank=True)
    gender_identity = models.CharField(max_length=20, choices=GenderIdentity.choices, blank=True)
    gender_identity_other = models.CharField(
        "gender identity (described)", max_length=80, blank=True
    )
    email = models.EmailField(blank=True)
    address_line1 = models.CharField("address", max_length=200, blank=True)
    address_line2 = models.CharField("address line 2", max_length=200, blank=True)
    city = models.CharField(max_length=100, blank=True)
    state = models.CharField(max_length=2, blank=True)
    postal_code = models.CharField("ZIP code", max_length=10, blank=True)
    time_zone = models.CharField(max_length=64, blank=True)
    preferred_language = models.CharField(max_length=60, blank=True, default="English")
    needs_interpreter = models.BooleanField("needs an interpreter", default=False)
    cultural_considerations = EncryptedTextField(blank=True, default="")
    accessibility_needs = EncryptedTextField(blank=True, default="")
    may_email = models.BooleanField("may we email", default=False)
    may_text = models.BooleanField("may we text", default=False)
    may_leave_voicemail = models.BooleanField("may we leave voicemail", default=False)
    referral_source = models.CharField(max_length=200, blank=True)
    client_type = models.CharField(
        max_length=20, choices=ClientType.choices, default=ClientType.ADULT
    )
    status = models.CharField(
        max_length=20, choices=ClientStatus.choices, default=ClientStatus.INQUIRY, db_index=True
    )
    status_changed_on = models.DateField(default=datetime.date.today)
    is_restricted = models.BooleanField(
        "restricted chart",
        default=False,
        help_text="A staff member or public figure: only the assigned clinicians open the chart; "
        "anyone else must give a reason, which is recorded and shown to the owner.",
    )
    external_id = models.CharField(
        max_length=64, blank=True, help_text="The id in a system this client was imported from."
    )

    objects = ClientQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["legal_last_name", "legal_first_name", "id"]
        indexes = [
            models.Index(
                fields=["practice", "legal_last_name", "legal_first_name"],
                name="client_practice_name",
            ),
            models.Index(fields=["practice", "date_of_birth"], name="client_practice_dob"),
            models.Index(fields=["practice", "status"], name="client_practice_status"),
        ]

    def __str__(self) -> str:
        return f"Client {self.uuid}"

    @property
    def display_name(self) -> str:
        """The name to address the client by: preferred first name, then legal last name."""
        return f"{self.preferred_name or self.legal_first_name} {self.legal_last_name}"

    @property
    def legal_name(self) -> str:
        parts = [self.legal_first_name, self.legal_middle_name, self.legal_last_name]
        return " ".join(p for p in parts if p)

    @property
    def sort_name(self) -> str:
        return f"{self.legal_last_name}, {self.legal_first_name}"

    @property
    def initials(self) -> str:
        return f"{self.legal_first_name[:1]}{self.legal_last_name[:1]}".upper()

    def age_on(self, day: datetime.date | None = None) -> int | None:
        if self.date_of_birth is None:
            return None
        day = day or timezone.localdate()
        born = self.date_of_birth
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))

    @property
    def age(self) -> int | None:
        return self.age_on()

    @property
    def current_care_team(self) -> list[CareTeamMember]:
        """Open assignments, primary first, with each clinician's user (for the chart header)."""
        return list(
            self.care_team.filter(ended_on__isnull=True)
            .select_related("membership__user")
            .order_by("role", "started_on")
        )

    @property
    def primary_policy(self) -> InsurancePolicy | None:
        """The primary policy in force today, if any (for the chart header)."""
        return (
            self.policies.in_force_on(timezone.localdate())
            .filter(priority=PolicyPriority.PRIMARY)
            .select_related("payer")
            .first()
        )


class ClientStatusChange(PracticeScoped):
    """One move of a client between statuses, with its date and reason."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(max_length=20, choices=ClientStatus.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=ClientStatus.choices)
    changed_on = models.DateField()
    reason = models.CharField(max_length=300, blank=True)
    changed_by = models.ForeignKey(
        "practices.Membership", null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-changed_on", "-id"]

    def __str__(self) -> str:
        return f"ClientStatusChange {self.pk}"


class ClientPhone(PracticeScoped):
    """A phone number of a client, with its kind."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="phones")
    number = models.CharField(max_length=30)
    kind = models.CharField(max_length=10, choices=PhoneKind.choices, default=PhoneKind.MOBILE)
    is_primary = models.BooleanField(default=False)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["-is_primary", "id"]

    def __str__(self) -> str:
        return f"ClientPhone {self.pk}"


class RelatedPerson(PracticeScoped):
    """Someone in the client's life the practice may contact: an emergency contact, a guardian
    of a minor, a partner or family member in couple or family work."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="related_people")
    kind = models.CharField(max_length=20, choices=ContactKind.choices)
    name = models.CharField(max_length=200)
    relationship = models.CharField(max_length=80, blank=True)
    phone = models.CharField(max_length=30, blank=True)
    email = models.EmailField(blank=True)
    is_legal_guardian = models.BooleanField(default=False)
    linked_client = models.ForeignKey(
        Client,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="When this person is also a client of the practice (couple and family work).",
    )

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["kind", "id"]

    def __str__(self) -> str:
        return f"RelatedPerson {self.pk}"


class CareTeamMember(PracticeScoped):
    """A clinician assigned to a client; an ended assignment is kept as history."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="care_team")
    membership = models.ForeignKey(
        "practices.Membership", on_delete=models.PROTECT, related_name="care_assignments"
    )
    role = models.CharField(max_length=20, choices=CareRole.choices, default=CareRole.PRIMARY)
    started_on = models.DateField(default=datetime.date.today)
    ended_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["role", "started_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["client", "membership"],
                condition=Q(ended_on__isnull=True),
                name="care_team_one_open_assignment",
            )
        ]
        indexes = [models.Index(fields=["membership", "ended_on"], name="care_team_member_open")]

    def __str__(self) -> str:
        return f"CareTeamMember {self.pk}"


class BreakGlassAccess(PracticeScoped):
    """Emergency access to a restricted chart: who, why, for which session. Shown to owners."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="break_glass")
    membership = models.ForeignKey(
        "practices.Membership", on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField()
    session_key_hash = models.CharField(max_length=64)
    expires_at = models.DateTimeField()
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        "practices.Membership", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"BreakGlassAccess {self.pk}"


class EpisodeQuerySet(PracticeScopedQuerySet):
    def visible_to(self, membership: Membership) -> EpisodeQuerySet:
        return self.filter(client__in=Client.objects.visible_to(membership))

    def open(self) -> EpisodeQuerySet:
        return self.exclude(status=EpisodeStatus.DISCHARGED)


class Episode(PracticeScoped):
    """An episode of care, intake to discharge; appointments, notes, plans and claims hang
    off it."""

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="episodes")
    status = models.CharField(
        max_length=20, choices=EpisodeStatus.choices, default=EpisodeStatus.INTAKE
    )
    opened_on = models.DateField("intake date", default=datetime.date.today)
    activated_on = models.DateField(null=True, blank=True)
    discharged_on = models.DateField(null=True, blank=True)
    clinician = models.ForeignKey(
        "practices.Membership",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="episodes",
    )
    presenting_concerns = EncryptedTextField(blank=True, default="")
    referred_by = models.CharField(max_length=200, blank=True)
    referral_reason = EncryptedTextField(blank=True, default="")
    discharge_reason = models.CharField(max_length=20, choices=DischargeReason.choices, blank=True)
    discharge_summary = EncryptedTextField(blank=True, default="")

    objects = EpisodeQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["-opened_on", "-id"]

    def __str__(self) -> str:
        return f"Episode {self.uuid}"


class IcdCode(models.Model):
    """One ICD-10-CM code and its official title (CDC/NCHS, public domain). Reference data
    shared by every practice, loaded from simple-icd-10-cm by `tend codes load`."""

    code = models.CharField(max_length=8, unique=True, help_text="With the dot, e.g. F33.1")
    description = models.CharField(max_length=400)
    is_billable = models.BooleanField(help_text="A leaf code, valid on a claim.")
    chapter = models.CharField(max_length=3, db_index=True, help_text="Chapter letter, e.g. F")
    version = models.CharField(max_length=40)
    search_text = models.CharField(max_length=420, help_text="Lower-case code and title.")

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code

    @property
    def code_without_dot(self) -> str:
        return self.code.replace(".", "")


class DiagnosisQuerySet(PracticeScopedQuerySet):
    def visible_to(self, membership: Membership) -> DiagnosisQuerySet:
        return self.filter(client__in=Client.objects.visible_to(membership))

    def current(self) -> DiagnosisQuerySet:
        return self.filter(status__in=[DiagnosisStatus.ACTIVE, DiagnosisStatus.PROVISIONAL])


class Diagnosis(PracticeScoped):
    """A diagnosis of a client in an episode, ranked (1 = primary)."""

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="diagnoses")
    episode = models.ForeignKey(
        Episode, null=True, blank=True, on_delete=models.PROTECT, related_name="diagnoses"
    )
    code = models.ForeignKey(IcdCode, on_delete=models.PROTECT, related_name="+")
    rank = models.PositiveSmallIntegerField(default=1)
    status = models.CharField(
        max_length=20, choices=DiagnosisStatus.choices, default=DiagnosisStatus.ACTIVE
    )
    onset_on = models.DateField("onset date", null=True, blank=True)
    resolved_on = models.DateField("resolution date", null=True, blank=True)
    added_by = models.ForeignKey(
        "practices.Membership", null=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = DiagnosisQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["rank", "id"]
        verbose_name_plural = "diagnoses"

    def __str__(self) -> str:
        return f"Diagnosis {self.pk}"


class Payer(PracticeScoped):
    """An insurance company or programme the practice bills."""

    name = models.CharField(max_length=200)
    payer_id = models.CharField(
        "payer ID", max_length=20, blank=True, help_text="The electronic payer ID used on claims."
    )
    payer_type = models.CharField(
        max_length=20, choices=PayerType.choices, default=PayerType.COMMERCIAL
    )
    address_line1 = models.CharField("address", max_length=200, blank=True)
    address_line2 = models.CharField("address line 2", max_length=200, blank=True)
    city = models.CharField(max_length=100, blank=True)
    state = models.CharField(max_length=2, blank=True)
    postal_code = models.CharField("ZIP code", max_length=10, blank=True)
    phone = models.CharField(max_length=30, blank=True)
    is_archived = models.BooleanField(default=False)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["practice", "name"], name="payer_practice_name")
        ]

    def __str__(self) -> str:
        return self.name


class InsurancePolicyQuerySet(PracticeScopedQuerySet):
    def visible_to(self, membership: Membership) -> InsurancePolicyQuerySet:
        return self.filter(client__in=Client.objects.visible_to(membership))

    def in_force_on(self, day: datetime.date) -> InsurancePolicyQuerySet:
        return self.filter(Q(effective_on__isnull=True) | Q(effective_on__lte=day)).filter(
            Q(ends_on__isnull=True) | Q(ends_on__gte=day)
        )


class InsurancePolicy(PracticeScoped):
    """A client's coverage with a payer, and who the subscriber is."""

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="policies")
    payer = models.ForeignKey(Payer, on_delete=models.PROTECT, related_name="policies")
    priority = models.CharField(
        max_length=10, choices=PolicyPriority.choices, default=PolicyPriority.PRIMARY
    )
    member_id = models.CharField("member ID", max_length=40)
    group_number = models.CharField(max_length=40, blank=True)
    plan_name = models.CharField(max_length=120, blank=True)
    relationship = models.CharField(
        "client's relationship to subscriber",
        max_length=10,
        choices=SubscriberRelationship.choices,
        default=SubscriberRelationship.SELF,
    )
    subscriber_first_name = models.CharField(max_length=100, blank=True)
    subscriber_last_name = models.CharField(max_length=100, blank=True)
    subscriber_date_of_birth = models.DateField(null=True, blank=True)
    subscriber_sex = models.CharField(max_length=1, choices=Sex.choices, blank=True)
    subscriber_address_line1 = models.CharField(max_length=200, blank=True)
    subscriber_city = models.CharField(max_length=100, blank=True)
    subscriber_state = models.CharField(max_length=2, blank=True)
    subscriber_postal_code = models.CharField(max_length=10, blank=True)
    copay = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    coinsurance_percent = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    cost_share_notes = models.CharField(max_length=300, blank=True)
    effective_on = models.DateField(null=True, blank=True)
    ends_on = models.DateField(null=True, blank=True)
    card_front = models.ForeignKey(
        "clients.Document", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    card_back = models.ForeignKey(
        "clients.Document", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = InsurancePolicyQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["priority", "-effective_on", "id"]
        verbose_name_plural = "insurance policies"

    def __str__(self) -> str:
        return f"InsurancePolicy {self.pk}"


class PriorAuthorization(PracticeScoped):
    """A payer's prior authorisation: which services, how many visits, for which dates."""

    policy = models.ForeignKey(
        InsurancePolicy, on_delete=models.CASCADE, related_name="authorizations"
    )
    number = models.CharField(max_length=50)
    service_codes = models.CharField(
        max_length=200, blank=True, help_text="Service codes covered, separated by commas."
    )
    visits_authorized = models.PositiveIntegerField()
    visits_used = models.PositiveIntegerField(default=0)
    starts_on = models.DateField()
    ends_on = models.DateField()

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["-ends_on"]

    def __str__(self) -> str:
        return f"PriorAuthorization {self.pk}"

    @property
    def visits_remaining(self) -> int:
        return max(self.visits_authorized - self.visits_used, 0)


class ConsentTemplate(PracticeScoped):
    """The practice's own text of a consent form, versioned."""

    kind = models.CharField(max_length=20, choices=ConsentKind.choices)
    title = models.CharField(max_length=200)
    version = models.CharField(max_length=20, default="1")
    body = models.TextField()
    valid_for_days = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="Signed consents expire after this many days; empty for no expiry.",
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["kind", "title", "-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["practice", "title", "version"], name="consent_template_version"
            )
        ]

    def __str__(self) -> str:
        return f"ConsentTemplate {self.pk}"


class ConsentQuerySet(PracticeScopedQuerySet):
    def visible_to(self, membership: Membership) -> ConsentQuerySet:
        return self.filter(client__in=Client.objects.visible_to(membership))

    def in_force_on(self, day: datetime.date) -> ConsentQuerySet:
        return self.filter(revoked_on__isnull=True).filter(
            Q(expires_on__isnull=True) | Q(expires_on__gte=day)
        )


class Consent(PracticeScoped):
    """A consent the client (or guardian) gave: which text, when, by whom, until when."""

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="consents")
    template = models.ForeignKey(
        ConsentTemplate, null=True, blank=True, on_delete=models.PROTECT, related_name="consents"
    )
    kind = models.CharField(max_length=20, choices=ConsentKind.choices)
    version = models.CharField("version of the practice's text", max_length=20, blank=True)
    signed_on = models.DateField()
    signed_by = models.CharField(max_length=200, help_text="The client, or the guardian's name.")
    expires_on = models.DateField(null=True, blank=True)
    revoked_on = models.DateField(null=True, blank=True)
    revocation_reason = models.CharField(max_length=300, blank=True)
    document = models.ForeignKey(
        "clients.Document", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_by = models.ForeignKey(
        "practices.Membership", null=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = ConsentQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["-signed_on", "-id"]

    def __str__(self) -> str:
        return f"Consent {self.pk}"


class DocumentQuerySet(PracticeScopedQuerySet):
    def visible_to(self, membership: Membership) -> DocumentQuerySet:
        return self.filter(client__in=Client.objects.visible_to(membership))


class Document(PracticeScoped):
    """A file in a chart. The bytes are encrypted at rest on disk; only metadata is in the row."""

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="documents")
    kind = models.CharField(
        max_length=20, choices=DocumentKind.choices, default=DocumentKind.ADMINISTRATIVE
    )
    title = models.CharField(max_length=200)
    original_filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    storage_name = models.CharField(max_length=100, unique=True)
    uploaded_by = models.ForeignKey(
        "practices.Membership", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    archived_at = models.DateTimeField(null=True, blank=True)
    archive_reason = models.CharField(max_length=300, blank=True)

    objects = DocumentQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Document {self.uuid}"
