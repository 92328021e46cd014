"""Diagnoses of a client (ICD-10-CM), per episode, ranked with the primary first.

Only billable (leaf) codes are recorded, since claims carry them. Diagnoses are never deleted:
they are resolved or ruled out, and the remaining current ones close ranks.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Max
from django.http import HttpRequest

from tend.clients.choices import DiagnosisStatus, EpisodeStatus
from tend.clients.icd import billable_example
from tend.clients.models import Client, Diagnosis, Episode, IcdCode
from tend.clients.services.episodes import practice_today
from tend.core.access import assert_same_practice
from tend.core.audit import record
from tend.practices.models import Membership

CURRENT = (DiagnosisStatus.ACTIVE, DiagnosisStatus.PROVISIONAL)
DIAGNOSIS_FIELDS = ("code", "status", "onset_on", "resolved_on")


class DiagnosisError(Exception):
    """A refused change to a diagnosis; `field` names the form field it belongs next to."""

    field: str | None = None

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        if field is not None:
            self.field = field


class CodeNotBillable(DiagnosisError):
    """A category code (a heading) cannot go on a claim."""

    field = "code"

    def __init__(self, code: IcdCode) -> None:
        example = billable_example(IcdCode.objects.all(), code.code)
        hint = f" such as {example}" if example else ""
        super().__init__(f"{code.code} is a category; choose a billable code{hint}.")


class DiagnosisDateRefused(DiagnosisError):
    """An onset in the future, or a resolution before the onset."""


class EpisodeNotOpen(DiagnosisError):
    """Diagnoses of a discharged episode are part of its closed record."""

    field = "episode"


def _check(values: dict[str, Any], practice: Any) -> None:
    code = values.get("code")
    if code is not None and not code.is_billable:
        raise CodeNotBillable(code)
    today = practice_today(practice)
    onset, resolved = values.get("onset_on"), values.get("resolved_on")
    if onset and onset > today:
        raise DiagnosisDateRefused("The onset date is in the future.", "onset_on")
    if resolved and resolved > today:
        raise DiagnosisDateRefused("The resolution date is in the future.", "resolved_on")
    if onset and resolved and resolved < onset:
        raise DiagnosisDateRefused("The resolution date is before the onset date.", "resolved_on")


def _audit(action: str, diagnosis: Diagnosis, membership: Membership, request: Any, **detail):
    record(
        action,
        request=request,
        actor=membership.user,
        practice=membership.practice_id,
        obj=diagnosis,
        detail={"client": str(diagnosis.client.uuid), **detail},
    )


def _siblings(diagnosis: Diagnosis) -> Any:
    """The current diagnoses ranked together with this one: same client, same episode."""
    rows = Diagnosis.objects.filter(client_id=diagnosis.client_id, status__in=CURRENT)
    if diagnosis.episode_id is None:
        rows = rows.filter(episode__isnull=True)
    else:
        rows = rows.filter(episode_id=diagnosis.episode_id)
    return rows.order_by("rank", "id")


def _close_ranks(diagnosis: Diagnosis) -> None:
    for rank, sibling in enumerate(_siblings(diagnosis).select_for_update(), start=1):
        if sibling.rank != rank:
            Diagnosis.objects.filter(pk=sibling.pk).update(rank=rank)


@transaction.atomic
def add_diagnosis(
    client: Client,
    *,
    membership: Membership,
    episode: Episode | None = None,
    request: HttpRequest | None = None,
    **values: Any,
) -> Diagnosis:
    """Record a diagnosis; it ranks after the client's current ones in that episode."""
    assert_same_practice(membership.practice_id, client, episode)
    if episode is not None and episode.client_id != client.pk:
        raise EpisodeNotOpen("Choose one of this client's episodes.")
    if episode is not None and episode.status == EpisodeStatus.DISCHARGED:
        raise EpisodeNotOpen("This episode is discharged; its diagnoses can no longer change.")
    _check(values, client.practice)
    Client.objects.select_for_update().filter(pk=client.pk).first()  # serialise rank numbers
    diagnosis = Diagnosis(
        practice_id=client.practice_id, client=client, episode=episode, added_by=membership
    )
    for field in DIAGNOSIS_FIELDS:
        if field in values:
            setattr(diagnosis, field, values[field])
    last = _siblings(diagnosis).aggregate(last=Max("rank"))["last"] or 0
    diagnosis.rank = last + 1
    diagnosis.save()
    _audit("diagnosis.added", diagnosis, membership, request, code=diagnosis.code.code)
    return diagnosis


@transaction.atomic
def update_diagnosis(
    diagnosis: Diagnosis,
    *,
    membership: Membership,
    request: HttpRequest | None = None,
    **values: Any,
) -> Diagnosis:
    """Change a diagnosis's code, status or dates; resolving it closes the ranks behind it."""
    assert_same_practice(membership.practice_id, diagnosis)
    diagnosis = (
        Diagnosis.objects.select_for_update(of=("self",))
        .select_related("client", "episode", "code")
        .get(pk=diagnosis.pk)
    )
    if diagnosis.episode and diagnosis.episode.status == EpisodeStatus.DISCHARGED:
        raise EpisodeNotOpen("This episode is discharged; its diagnoses can no longer change.")
    _check(
        {field: values.get(field, getattr(diagnosis, field)) for field in DIAGNOSIS_FIELDS},
        diagnosis.client.practice,
    )
    was_current = diagnosis.status in CURRENT
    changed = []
    for field in DIAGNOSIS_FIELDS:
        if field in values and getattr(diagnosis, field) != values[field]:
            setattr(diagnosis, field, values[field])
            changed.append(field)
    if not changed:
        return diagnosis
    if not was_current and diagnosis.status in CURRENT:
        last = _siblings(diagnosis).exclude(pk=diagnosis.pk).aggregate(last=Max("rank"))
        diagnosis.rank = (last["last"] or 0) + 1  # back among the current ones, last
    diagnosis.save()
    if was_current and diagnosis.status not in CURRENT:
        _close_ranks(diagnosis)
    _audit("diagnosis.updated", diagnosis, membership, request, fields=changed)
    return diagnosis


@transaction.atomic
def move_diagnosis(
    diagnosis: Diagnosis,
    direction: str,
    *,
    membership: Membership,
    request: HttpRequest | None = None,
) -> Diagnosis:
    """Swap a current diagnosis with its neighbour above ("up") or below ("down")."""
    assert_same_practice(membership.practice_id, diagnosis)
    if direction not in ("up", "down"):
        raise DiagnosisError("Move a diagnosis up or down.")
    diagnosis = Diagnosis.objects.select_related("client").get(pk=diagnosis.pk)
    ranked = list(_siblings(diagnosis).select_for_update())
    position = next((i for i, d in enumerate(ranked) if d.pk == diagnosis.pk), None)
    if position is None:
        raise DiagnosisError("Only current diagnoses are ranked.")
    other = position - 1 if direction == "up" else position + 1
    if not 0 <= other < len(ranked):
        return diagnosis  # already first (or last)
    ranked[position], ranked[other] = ranked[other], ranked[position]
    for rank, item in enumerate(ranked, start=1):
        if item.rank != rank:
            Diagnosis.objects.filter(pk=item.pk).update(rank=rank)
    diagnosis.refresh_from_db()
    _audit("diagnosis.reordered", diagnosis, membership, request, rank=diagnosis.rank)
    return diagnosis


def current_and_past(client: Client) -> tuple[list[Diagnosis], list[Diagnosis]]:
    """The client's current diagnoses (by episode, newest episode first, then rank) and the
    resolved or ruled-out ones."""
    rows = list(
        client.diagnoses.select_related("code", "episode", "added_by__user").order_by(
            "-episode__opened_on", "episode_id", "rank", "id"
        )
    )
    current = [d for d in rows if d.status in CURRENT]
    past = [d for d in rows if d.status not in CURRENT]
    return current, past
