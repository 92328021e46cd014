"""Every write to payers, insurance policies and prior authorisations, and the reads the
caseload needs to count authorisations that need attention.

Policies are ended (an end date), never deleted; card images are chart documents of kind
insurance_card, stored encrypted through the documents service.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction
from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest

from tend.clients.choices import DocumentKind, SubscriberRelationship
from tend.clients.models import Client, InsurancePolicy, Payer, PriorAuthorization
from tend.clients.services import documents
from tend.core.access import assert_same_practice
from tend.core.audit import record
from tend.core.refusals import apply_changes
from tend.practices.models import Membership

AUTH_LOW_VISITS = 2
AUTH_ENDING_DAYS = 14


class InsuranceError(Exception):
    """A refusal the person can fix; `field` is the form field the message belongs next to."""

    field: str | None = None


class PayerNameTaken(InsuranceError):
    field = "name"

    def __init__(self) -> None:
        super().__init__("The practice already has a payer with this name.")


class PriorityTaken(InsuranceError):
    field = "priority"

    def __init__(self, priority: str) -> None:
        super().__init__(
            f"The client already has a {priority} policy in force for these dates: end it "
            "first, or choose another priority."
        )


class EndBeforeStart(InsuranceError):
    field = "ends_on"

    def __init__(self) -> None:
        super().__init__("The end date cannot be before the effective date.")


def _audit(action: str, membership: Membership, obj: Any, request: Any, **detail: Any) -> None:
    record(
        action,
        request=request,
        actor=membership.user,
        practice=membership.practice_id,
        obj=obj,
        detail=detail,
    )


# Payers -------------------------------------------------------------------------------------

PAYER_FIELDS = (
    "name",
    "payer_id",
    "payer_type",
    "address_line1",
    "address_line2",
    "city",
    "state",
    "postal_code",
    "phone",
)


def _check_payer_name(practice_id: int, name: str, payer: Payer | None) -> None:
    taken = Payer.objects.filter(practice_id=practice_id, name__iexact=name.strip())
    if payer is not None:
        taken = taken.exclude(pk=payer.pk)
    if taken.exists():
        raise PayerNameTaken()


@transaction.atomic
def add_payer(
    *, membership: Membership, request: HttpRequest | None = None, **values: Any
) -> Payer:
    """Add an insurance company or programme the practice bills."""
    _check_payer_name(membership.practice_id, values.get("name", ""), None)
    payer = Payer(practice_id=membership.practice_id)
    apply_changes(payer, values, PAYER_FIELDS)
    payer.save()
    _audit("payer.added", membership, payer, request)
    return payer


@transaction.atomic
def update_payer(
    *, membership: Membership, payer: Payer, request: HttpRequest | None = None, **values: Any
) -> Payer:
    """Change a payer's name, payer ID, type or address."""
    assert_same_practice(membership.practice_id, payer)
    payer = Payer.objects.select_for_update().get(pk=payer.pk)
    _check_payer_name(membership.practice_id, values.get("name", payer.name), payer)
    changed = apply_changes(payer, values, PAYER_FIELDS)
    if changed:
        payer.save()
        _audit("payer.updated", membership, payer, request, fields=changed)
    return payer


@transaction.atomic
def archive_payer(
    *,
    membership: Membership,
    payer: Payer,
    archived: bool = True,
    request: HttpRequest | None = None,
) -> Payer:
    """Archive (or restore) a payer: it is no longer offered for new policies."""
    assert_same_practice(membership.practice_id, payer)
    if payer.is_archived != archived:
        payer.is_archived = archived
        payer.save(update_fields=["is_archived", "updated_at"])
        _audit("payer.archived" if archived else "payer.restored", membership, payer, request)
    return payer


# Policies -----------------------------------------------------------------------------------

POLICY_FIELDS = (
    "payer",
    "priority",
    "member_id",
    "group_number",
    "plan_name",
    "relationship",
    "subscriber_first_name",
    "subscriber_last_name",
    "subscriber_date_of_birth",
    "subscriber_sex",
    "subscriber_address_line1",
    "subscriber_city",
    "subscriber_state",
    "subscriber_postal_code",
    "copay",
    "coinsurance_percent",
    "cost_share_notes",
    "effective_on",
    "ends_on",
)
SUBSCRIBER_FIELDS = tuple(name for name in POLICY_FIELDS if name.startswith("subscriber_"))
FAR_PAST, FAR_FUTURE = datetime.date.min, datetime.date.max


def _check_policy(policy: InsurancePolicy) -> None:
    if policy.effective_on and policy.ends_on and policy.ends_on < policy.effective_on:
        raise EndBeforeStart()
    # Two policies with the same priority must not be in force on any same day.
    overlapping = (
        InsurancePolicy.objects.filter(client_id=policy.client_id, priority=policy.priority)
        .exclude(pk=policy.pk)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=policy.effective_on or FAR_PAST))
        .filter(Q(effective_on__isnull=True) | Q(effective_on__lte=policy.ends_on or FAR_FUTURE))
    )
    if overlapping.exists():
        raise PriorityTaken(policy.get_priority_display().lower())


def _clear_subscriber(values: dict[str, Any]) -> dict[str, Any]:
    """The client is the subscriber: nothing is copied, the other person's fields are empty."""
    if values.get("relationship", SubscriberRelationship.SELF) == SubscriberRelationship.SELF:
        values = {**values, **{name: "" for name in SUBSCRIBER_FIELDS}}
        values["subscriber_date_of_birth"] = None
    return values


def _store_cards(
    membership: Membership,
    policy: InsurancePolicy,
    cards: dict[str, documents.CheckedFile | None],
    request: HttpRequest | None,
) -> list[str]:
    changed = []
    for side in ("card_front", "card_back"):
        checked = cards.get(side)
        if checked is None:
            continue
        document = documents.store_document(
            membership=membership,
            client=policy.client,
            checked=checked,
            kind=DocumentKind.INSURANCE_CARD,
            title=f"Insurance card ({side.removeprefix('card_')})",
            request=request,
        )
        setattr(policy, side, document)
        changed.append(side)
    return changed


@transaction.atomic
def add_policy(
    *,
    membership: Membership,
    client: Client,
    cards: dict[str, documents.CheckedFile | None] | None = None,
    request: HttpRequest | None = None,
    **values: Any,
) -> InsurancePolicy:
    """Add a client's insurance policy (and its card images)."""
    assert_same_practice(membership.practice_id, client, values.get("payer"))
    Client.objects.select_for_update().filter(pk=client.pk).first()  # one writer per chart
    policy = InsurancePolicy(practice_id=membership.practice_id, client=client)
    apply_changes(policy, _clear_subscriber(values), POLICY_FIELDS)
    _check_policy(policy)
    _store_cards(membership, policy, cards or {}, request)
    policy.save()
    _audit("policy.added", membership, policy, request, priority=policy.priority)
    return policy


@transaction.atomic
def update_policy(
    *,
    membership: Membership,
    policy: InsurancePolicy,
    cards: dict[str, documents.CheckedFile | None] | None = None,
    request: HttpRequest | None = None,
    **values: Any,
) -> InsurancePolicy:
    """Change a policy; a new card image replaces the old one (which stays in documents)."""
    assert_same_practice(membership.practice_id, policy, values.get("payer"))
    Client.objects.select_for_update().filter(pk=policy.client_id).first()
    policy = InsurancePolicy.objects.select_for_update().get(pk=policy.pk)
    changed = apply_changes(policy, _clear_subscriber(values), POLICY_FIELDS)
    _check_policy(policy)
    changed += _store_cards(membership, policy, cards or {}, request)
    if changed:
        policy.save()
        _audit("policy.updated", membership, policy, request, fields=changed)
    return policy


@transaction.atomic
def end_policy(
    *,
    membership: Membership,
    policy: InsurancePolicy,
    ends_on: datetime.date,
    request: HttpRequest | None = None,
) -> InsurancePolicy:
    """End a policy on a date; the policy is kept, never deleted."""
    assert_same_practice(membership.practice_id, policy)
    policy = InsurancePolicy.objects.select_for_update().get(pk=policy.pk)
    if policy.effective_on and ends_on < policy.effective_on:
        raise EndBeforeStart()
    policy.ends_on = ends_on
    policy.save()
    _audit("policy.ended", membership, policy, request, ends_on=ends_on)
    return policy


# Prior authorisations -------------------------------------------------------------------------

AUTH_FIELDS = (
    "number",
    "service_codes",
    "visits_authorized",
    "visits_used",
    "starts_on",
    "ends_on",
)


class AuthorizationInvalid(InsuranceError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def _check_authorization(auth: PriorAuthorization) -> None:
    if auth.ends_on < auth.starts_on:
        raise AuthorizationInvalid("ends_on", "The end date cannot be before the start date.")
    if auth.visits_used > auth.visits_authorized:
        raise AuthorizationInvalid(
            "visits_used", "Visits used cannot be more than the visits authorised."
        )


@transaction.atomic
def add_authorization(
    *,
    membership: Membership,
    policy: InsurancePolicy,
    request: HttpRequest | None = None,
    **values: Any,
) -> PriorAuthorization:
    """Record a payer's prior authorisation for a policy."""
    assert_same_practice(membership.practice_id, policy)
    auth = PriorAuthorization(practice_id=membership.practice_id, policy=policy)
    apply_changes(auth, values, AUTH_FIELDS)
    _check_authorization(auth)
    auth.save()
    _audit("authorization.added", membership, auth, request)
    return auth


@transaction.atomic
def update_authorization(
    *,
    membership: Membership,
    authorization: PriorAuthorization,
    request: HttpRequest | None = None,
    **values: Any,
) -> PriorAuthorization:
    """Change an authorisation: dates, codes, visits authorised or used."""
    assert_same_practice(membership.practice_id, authorization)
    auth = PriorAuthorization.objects.select_for_update().get(pk=authorization.pk)
    changed = apply_changes(auth, values, AUTH_FIELDS)
    _check_authorization(auth)
    if changed:
        auth.save()
        _audit("authorization.updated", membership, auth, request, fields=changed)
    return auth


# Reads for the insurance tab and the caseload ----------------------------------------------


def attention_q(today: datetime.date, prefix: str = "") -> Q:
    """Authorisations that need attention on `today`: running (≤2 visits left, or ending
    within 14 days), or expired with visits left, on a policy still in force."""
    p = prefix
    running = Q(**{f"{p}starts_on__lte": today, f"{p}ends_on__gte": today})
    low = Q(**{f"{p}visits_used__gte": F(f"{p}visits_authorized") - AUTH_LOW_VISITS})
    ending = Q(**{f"{p}ends_on__lte": today + datetime.timedelta(days=AUTH_ENDING_DAYS)})
    expired_unused = Q(**{f"{p}ends_on__lt": today}) & Q(
        **{f"{p}visits_used__lt": F(f"{p}visits_authorized")}
    )
    policy_in_force = Q(**{f"{p}policy__ends_on__isnull": True}) | Q(
        **{f"{p}policy__ends_on__gte": today}
    )
    return ((running & (low | ending)) | expired_unused) & policy_in_force


def authorizations_needing_attention(
    queryset: QuerySet[PriorAuthorization], today: datetime.date
) -> QuerySet[PriorAuthorization]:
    """`queryset` narrowed to authorisations that need attention on `today`."""
    return queryset.filter(attention_q(today))


def authorization_attention_count(today: datetime.date) -> Coalesce:
    """An expression counting a client's authorisations that need attention, for
    `Client.objects.annotate(auth_items=authorization_attention_count(today))` (one query)."""
    counts = (
        PriorAuthorization.objects.filter(policy__client=OuterRef("pk"))
        .filter(attention_q(today))
        .order_by()
        .values("policy__client")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counts), 0)


def authorization_warning(auth: PriorAuthorization, today: datetime.date) -> str:
    """A short warning for the insurance tab, or "" when the authorisation is fine."""
    left = auth.visits_remaining
    if auth.ends_on < today:
        return f"Expired with {left} visit{'s' if left != 1 else ''} left" if left else ""
    if auth.starts_on > today:
        return ""
    if left <= AUTH_LOW_VISITS:
        return "No visits left" if left == 0 else f"Only {left} visit{'s' if left > 1 else ''} left"
    if auth.ends_on <= today + datetime.timedelta(days=AUTH_ENDING_DAYS):
        return f"Ends in {(auth.ends_on - today).days} days"
    return ""
