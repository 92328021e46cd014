"""Every write to consent templates and consent records, and the reads the caseload needs.

A template's text that someone has signed is never changed: editing it makes a new version
(the old one is kept, inactive). Consents are revoked with a date and reason, never deleted.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction
from django.db.models import Count, Exists, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.expressions import Case, When
from django.db.models.functions import Coalesce
from django.http import HttpRequest

from tend.clients.choices import ConsentKind, DocumentKind
from tend.clients.models import Client, Consent, ConsentTemplate
from tend.clients.services import documents
from tend.core.access import assert_same_practice
from tend.core.audit import record
from tend.practices.models import Membership

EXPIRING_DAYS = 30


class ConsentError(Exception):
    """A refusal the person can fix; `field` is the form field the message belongs next to."""

    field: str | None = None

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        if field is not None:
            self.field = field


def _audit(action: str, membership: Membership, obj: Any, request: Any, **detail: Any) -> None:
    record(
        action,
        request=request,
        actor=membership.user,
        practice=membership.practice_id,
        obj=obj,
        detail=detail,
    )


# Templates ----------------------------------------------------------------------------------

TEMPLATE_FIELDS = ("kind", "title", "version", "body", "valid_for_days", "is_active")


def _check_version_free(practice_id: int, title: str, version: str, exclude: int | None) -> None:
    taken = ConsentTemplate.objects.filter(practice_id=practice_id, title=title, version=version)
    if exclude is not None:
        taken = taken.exclude(pk=exclude)
    if taken.exists():
        raise ConsentError("This template already has a version with this number.", "version")


def next_version(template: ConsentTemplate) -> str:
    """The next free version number after `template`'s ("1" → "2", "2024a" → "2024a.2")."""
    base = template.version
    taken = set(
        ConsentTemplate.objects.filter(
            practice_id=template.practice_id, title=template.title
        ).values_list("version", flat=True)
    )
    candidate = str(int(base) + 1) if base.isdigit() else f"{base}.2"
    n = 2
    while candidate in taken:
        n += 1
        candidate = str(int(base) + n - 1) if base.isdigit() else f"{base}.{n}"
    return candidate


@transaction.atomic
def add_consent_template(
    *, membership: Membership, request: HttpRequest | None = None, **values: Any
) -> ConsentTemplate:
    """Add the practice's text of a consent form."""
    template = ConsentTemplate(practice_id=membership.practice_id)
    for name in TEMPLATE_FIELDS:
        if name in values:
            setattr(template, name, values[name])
    _check_version_free(membership.practice_id, template.title, template.version, None)
    template.save()
    _audit("consent_template.added", membership, template, request)
    return template


@transaction.atomic
def update_consent_template(
    *,
    membership: Membership,
    template: ConsentTemplate,
    request: HttpRequest | None = None,
    **values: Any,
) -> ConsentTemplate:
    """Change a template. When its signed text would change, a new version is made instead
    and the old one is kept (inactive). Returns the template that now carries the changes."""
    assert_same_practice(membership.practice_id, template)
    template = ConsentTemplate.objects.select_for_update().get(pk=template.pk)
    changed = [n for n in TEMPLATE_FIELDS if n in values and getattr(template, n) != values[n]]
    if not changed:
        return template
    signed = template.consents.exists()
    if signed and ({"body", "title", "kind"} & set(changed)):
        return _new_version(membership, template, values, request)
    for name in changed:
        setattr(template, name, values[name])
    _check_version_free(membership.practice_id, template.title, template.version, template.pk)
    template.save()
    _audit("consent_template.updated", membership, template, request, fields=changed)
    return template


def _new_version(
    membership: Membership, old: ConsentTemplate, values: dict[str, Any], request: Any
) -> ConsentTemplate:
    new = ConsentTemplate(practice_id=old.practice_id)
    for name in TEMPLATE_FIELDS:
        setattr(new, name, values.get(name, getattr(old, name)))
    if new.title == old.title and new.version == old.version:
        new.version = next_version(old)
    _check_version_free(old.practice_id, new.title, new.version, None)
    new.save()
    old.is_active = False
    old.save(update_fields=["is_active", "updated_at"])
    _audit("consent_template.versioned", membership, new, request, previous=str(old.uuid))
    return new


# Consents -----------------------------------------------------------------------------------


@transaction.atomic
def record_consent(
    *,
    membership: Membership,
    client: Client,
    signed_on: datetime.date,
    signed_by: str,
    template: ConsentTemplate | None = None,
    kind: str = "",
    expires_on: datetime.date | None = None,
    scan: documents.CheckedFile | None = None,
    request: HttpRequest | None = None,
) -> Consent:
    """Record a consent the client (or guardian) signed. The version and kind come from the
    template; the expiry defaults to the template's validity."""
    assert_same_practice(membership.practice_id, client, template)
    if template is None and not kind:
        raise ConsentError("Choose the practice's form, or the kind of consent.", "template")
    if expires_on is None and template is not None and template.valid_for_days:
        expires_on = signed_on + datetime.timedelta(days=template.valid_for_days)
    if expires_on is not None and expires_on < signed_on:
        raise ConsentError("A consent cannot expire before it was signed.", "expires_on")
    consent = Consent(
        practice_id=membership.practice_id,
        client=client,
        template=template,
        kind=template.kind if template else kind,
        version=template.version if template else "",
        signed_on=signed_on,
        signed_by=signed_by,
        expires_on=expires_on,
        recorded_by=membership,
    )
    if scan is not None:
        consent.document = documents.store_document(
            membership=membership,
            client=client,
            checked=scan,
            kind=DocumentKind.CONSENT,
            title=f"Signed consent: {consent.get_kind_display().lower()}",
            request=request,
        )
    consent.save()
    _audit("consent.recorded", membership, consent, request, kind=consent.kind)
    return consent


@transaction.atomic
def revoke_consent(
    *,
    membership: Membership,
    consent: Consent,
    revoked_on: datetime.date,
    reason: str,
    request: HttpRequest | None = None,
) -> Consent:
    """Revoke a consent from a date; it stays in the chart, marked revoked."""
    assert_same_practice(membership.practice_id, consent)
    consent = Consent.objects.select_for_update().get(pk=consent.pk)
    if consent.revoked_on is not None:
        raise ConsentError("This consent is already revoked.", "revoked_on")
    if revoked_on < consent.signed_on:
        raise ConsentError("A consent cannot be revoked before it was signed.", "revoked_on")
    if not reason.strip():
        raise ConsentError("Say why the consent is revoked.", "reason")
    consent.revoked_on = revoked_on
    consent.revocation_reason = reason.strip()[:300]
    consent.save()
    _audit("consent.revoked", membership, consent, request)
    return consent


@transaction.atomic
def change_consent_expiry(
    *,
    membership: Membership,
    consent: Consent,
    expires_on: datetime.date | None,
    request: HttpRequest | None = None,
) -> Consent:
    """Change when a consent expires (empty: never), e.g. after the client re-confirms it."""
    assert_same_practice(membership.practice_id, consent)
    consent = Consent.objects.select_for_update().get(pk=consent.pk)
    if consent.revoked_on is not None:
        raise ConsentError("A revoked consent cannot be changed.", "expires_on")
    if expires_on is not None and expires_on < consent.signed_on:
        raise ConsentError("A consent cannot expire before it was signed.", "expires_on")
    if consent.expires_on != expires_on:
        consent.expires_on = expires_on
        consent.save()
        _audit("consent.expiry_changed", membership, consent, request)
    return consent


# Reads for the consents tab and the caseload ------------------------------------------------


def consent_state(consent: Consent, today: datetime.date) -> str:
    """revoked, expired, expiring (within 30 days) or in_force."""
    if consent.revoked_on is not None and consent.revoked_on <= today:
        return "revoked"
    if consent.expires_on is not None and consent.expires_on < today:
        return "expired"
    if consent.expires_on is not None and consent.expires_on <= today + datetime.timedelta(
        days=EXPIRING_DAYS
    ):
        return "expiring"
    return "in_force"


def _in_force(today: datetime.date) -> Q:
    return (Q(revoked_on__isnull=True) | Q(revoked_on__gt=today)) & (
        Q(expires_on__isnull=True) | Q(expires_on__gte=today)
    )


def has_treatment_consent(today: datetime.date) -> Exists:
    """True for clients with an in-force informed consent to treatment on `today`."""
    return Exists(
        Consent.objects.filter(client=OuterRef("pk"), kind=ConsentKind.TREATMENT).filter(
            _in_force(today)
        )
    )


def expiring_consents_count(today: datetime.date) -> Coalesce:
    """How many of a client's in-force consents expire within 30 days of `today`."""
    soon = today + datetime.timedelta(days=EXPIRING_DAYS)
    counts = (
        Consent.objects.filter(client=OuterRef("pk"))
        .filter(_in_force(today), expires_on__lte=soon)
        .order_by()
        .values("client")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counts), 0)


def consents_needing_attention(today: datetime.date) -> Any:
    """An expression for `Client.objects.annotate(consent_items=consents_needing_attention(d))`:
    1 when no treatment consent is in force, plus the count of consents expiring within 30
    days. One subquery per client row in the same SQL query."""
    missing = Case(
        When(has_treatment_consent(today), then=Value(0)),
        default=Value(1),
        output_field=IntegerField(),
    )
    return missing + expiring_consents_count(today)
