"""Episodes of care: opening one, editing it, and moving it intake → active → discharged.

A client has at most one open episode at a time. Discharged episodes are never changed or
deleted; later issues hang appointments, notes, plans and claims off them.
"""

from __future__ import annotations

import datetime
import zoneinfo
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from tend.clients.choices import (
    CLIENT_TRANSITIONS,
    EPISODE_TRANSITIONS,
    ClientStatus,
    EpisodeStatus,
)
from tend.clients.models import Client, Episode
from tend.core.access import assert_same_practice
from tend.core.audit import record
from tend.practices.models import Membership

EPISODE_FIELDS = ("opened_on", "clinician", "presenting_concerns", "referred_by", "referral_reason")


class EpisodeError(Exception):
    """A refused change to an episode; `field` names the form field it belongs next to."""

    field: str | None = None

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        if field is not None:
            self.field = field


class EpisodeStillOpen(EpisodeError):
    """The client already has an episode that is not discharged."""

    def __init__(self, episode: Episode) -> None:
        super().__init__("This client already has an open episode; discharge it first.")
        self.episode = episode


class EpisodeClosed(EpisodeError):
    """Discharged episodes are read-only."""


class TransitionRefused(EpisodeError):
    """The episode cannot move to that status from its current one."""


class DischargeIncomplete(EpisodeError):
    """A discharge needs its reason and date."""


class DateRefused(EpisodeError):
    """A date in the future, or before the intake date."""


def practice_today(practice: Any) -> datetime.date:
    """Today where the practice is."""
    try:
        zone = zoneinfo.ZoneInfo(practice.time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, TypeError):
        zone = None
    return timezone.localdate(timezone=zone) if zone else timezone.localdate()


def day(value: datetime.date) -> str:
    return f"{value:%B} {value.day}, {value.year}"


def _check_not_future(day: datetime.date | None, today: datetime.date, field: str) -> None:
    if day is not None and day > today:
        raise DateRefused("This date is in the future; enter today or an earlier date.", field)


def _audit(action: str, episode: Episode, membership: Membership, request: Any, **detail: Any):
    record(
        action,
        request=request,
        actor=membership.user,
        practice=membership.practice_id,
        obj=episode,
        detail={"client": str(episode.client.uuid), **detail},
    )


@transaction.atomic
def open_episode(
    client: Client,
    *,
    membership: Membership,
    request: HttpRequest | None = None,
    **values: Any,
) -> Episode:
    """Open a new episode at intake; refused while another episode of the client is open."""
    assert_same_practice(membership.practice_id, client, values.get("clinician"))
    # Lock the client so two people cannot open two episodes at once.
    client = Client.objects.select_for_update().get(pk=client.pk)
    still_open = client.episodes.open().first()
    if still_open is not None:
        raise EpisodeStillOpen(still_open)
    episode = Episode(practice_id=client.practice_id, client=client)
    for field in EPISODE_FIELDS:
        if field in values:
            setattr(episode, field, values[field])
    _check_not_future(episode.opened_on, practice_today(client.practice), "opened_on")
    episode.save()
    _audit("episode.opened", episode, membership, request)
    return episode


@transaction.atomic
def update_episode(
    episode: Episode,
    *,
    membership: Membership,
    request: HttpRequest | None = None,
    **values: Any,
) -> Episode:
    """Change an open episode's intake date, clinician, concerns or referral."""
    assert_same_practice(membership.practice_id, episode, values.get("clinician"))
    episode = Episode.objects.select_for_update().select_related("client").get(pk=episode.pk)
    if episode.status == EpisodeStatus.DISCHARGED:
        raise EpisodeClosed("This episode is discharged and can no longer be changed.")
    changed = []
    for field in EPISODE_FIELDS:
        if field in values and getattr(episode, field) != values[field]:
            setattr(episode, field, values[field])
            changed.append(field)
    _check_not_future(episode.opened_on, practice_today(episode.client.practice), "opened_on")
    if episode.activated_on and episode.opened_on > episode.activated_on:
        raise DateRefused(
            f"The episode became active on {day(episode.activated_on)}; "
            "the intake date cannot be later.",
            "opened_on",
        )
    if changed:
        episode.save()
        _audit("episode.updated", episode, membership, request, fields=changed)
    return episode


@transaction.atomic
def set_episode_status(
    episode: Episode,
    to_status: str,
    *,
    membership: Membership,
    on_date: datetime.date | None = None,
    reason: str = "",
    summary: str = "",
    discharge_client: bool = False,
    request: HttpRequest | None = None,
) -> Episode:
    """Move an episode along EPISODE_TRANSITIONS: intake → active → discharged.

    Activating sets `activated_on`; discharging needs a reason and a date between the intake
    date and today. With `discharge_client`, discharging the client's last open episode also
    sets the client's status to discharged.
    """
    assert_same_practice(membership.practice_id, episode)
    episode = Episode.objects.select_for_update().select_related("client").get(pk=episode.pk)
    from_status = episode.status
    if to_status not in EPISODE_TRANSITIONS.get(from_status, set()):
        if from_status == EpisodeStatus.DISCHARGED:
            raise EpisodeClosed("This episode is discharged and can no longer be changed.")
        raise TransitionRefused(
            f"An episode in {episode.get_status_display().lower()} cannot move to {to_status}."
        )
    on_date = on_date or practice_today(episode.client.practice)
    _check_not_future(on_date, practice_today(episode.client.practice), "on_date")
    if on_date < episode.opened_on:
        raise DateRefused(
            f"The intake date was {day(episode.opened_on)}; choose that day or later.",
            "on_date",
        )
    if to_status == EpisodeStatus.ACTIVE:
        episode.activated_on = on_date
    elif to_status == EpisodeStatus.DISCHARGED:
        if not reason:
            raise DischargeIncomplete("Choose why the episode ends.", "reason")
        if episode.activated_on and on_date < episode.activated_on:
            raise DateRefused(
                f"The episode became active on {day(episode.activated_on)}; "
                "choose that day or later.",
                "on_date",
            )
        episode.discharged_on = on_date
        episode.discharge_reason = reason
        episode.discharge_summary = summary
    episode.status = to_status
    episode.save()
    _audit(
        "episode.status_changed",
        episode,
        membership,
        request,
        from_status=from_status,
        to_status=to_status,
    )
    if discharge_client and to_status == EpisodeStatus.DISCHARGED:
        _discharge_client(episode, membership=membership, on_date=on_date)
    return episode


def is_last_open_episode(episode: Episode) -> bool:
    """Whether discharging this episode leaves the client with none open."""
    return not episode.client.episodes.open().exclude(pk=episode.pk).exists()


def _set_client_status() -> Any:
    # The clients service is written alongside this one; until it exists the offer is hidden.
    try:
        from tend.clients.services import clients as client_services
    except ImportError:
        return None
    return getattr(client_services, "set_client_status", None)


def can_discharge_client(episode: Episode) -> bool:
    """Whether to offer discharging the client along with this episode: it is their last open
    one and the client's status may move to discharged."""
    return (
        _set_client_status() is not None
        and ClientStatus.DISCHARGED in CLIENT_TRANSITIONS.get(episode.client.status, set())
        and is_last_open_episode(episode)
    )


def _discharge_client(episode: Episode, *, membership: Membership, on_date: datetime.date) -> None:
    set_client_status = _set_client_status()
    if set_client_status is None or not can_discharge_client(episode):
        return
    set_client_status(
        episode.client,
        ClientStatus.DISCHARGED,
        membership=membership,
        on_date=on_date,
        reason=episode.get_discharge_reason_display(),
    )
