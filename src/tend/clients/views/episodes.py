"""The Episodes tab: a client's episodes of care, opening one, editing it, and its statuses."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db.models import Case, IntegerField, Value, When
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from tend.clients.chart import chart_object_view, chart_view
from tend.clients.choices import EpisodeStatus
from tend.clients.forms.episodes import ActivateForm, DischargeForm, EpisodeForm, status_form
from tend.clients.models import Episode
from tend.clients.services import episodes as services
from tend.core.refusals import add_refusal


@chart_view(needs="clinical", tab="episodes")
@require_http_methods(["GET"])
def episodes(request: HttpRequest, client: Any, access: Any) -> HttpResponse:
    """Every episode of the client, the open one first."""
    rows = client.episodes.select_related("clinician__user").order_by(
        Case(
            When(status=EpisodeStatus.DISCHARGED, then=Value(1)),
            default=Value(0),
            output_field=IntegerField(),
        ),
        "-opened_on",
        "-id",
    )
    context = {"client": client, "access": access, "tab": "episodes", "episodes": rows}
    context["has_open"] = any(episode.status != EpisodeStatus.DISCHARGED for episode in rows)
    return render(request, "clients/episodes.html", context)


@chart_view(needs="clinical", tab="episodes")
@require_http_methods(["GET", "POST"])
def episode_add(request: HttpRequest, client: Any, access: Any) -> HttpResponse:
    """Open a new episode at intake, unless one is still open."""
    membership = request.membership  # type: ignore[attr-defined]
    form = EpisodeForm(
        request.POST or None,
        practice=membership.practice,
        initial={"opened_on": services.practice_today(membership.practice)},
    )
    still_open = client.episodes.open().first()
    if request.method == "POST" and still_open is None and form.is_valid():
        try:
            episode = services.open_episode(
                client, membership=membership, request=request, **form.cleaned_data
            )
        except services.EpisodeStillOpen as exc:
            still_open = exc.episode
        except services.EpisodeError as exc:
            add_refusal(form, exc)
        else:
            messages.success(request, "Episode opened at intake.")
            return redirect("clients:episode_edit", episode_id=episode.uuid)
    context = {"client": client, "access": access, "tab": "episodes", "form": form}
    context["still_open"] = still_open
    return render(request, "clients/episode_add.html", context)


def _edit_page(request: HttpRequest, client: Any, access: Any, episode: Episode, **forms: Any):
    offer = services.can_discharge_client(episode)
    context = {
        "client": client,
        "access": access,
        "tab": "episodes",
        "episode": episode,
        "form": forms.get("form")
        or EpisodeForm(
            initial=EpisodeForm.initial_from(episode),
            practice=client.practice,
            current=episode.clinician,
        ),
        "activate_form": forms.get("activate_form")
        or ActivateForm(initial={"on_date": services.practice_today(client.practice)}),
        "discharge_form": forms.get("discharge_form")
        or DischargeForm(
            initial={"on_date": services.practice_today(client.practice)},
            offer_client_discharge=offer,
        ),
    }
    return render(request, "clients/episode_edit.html", context)


@chart_object_view(Episode, "episode_id", needs="clinical", tab="episodes")
@require_http_methods(["GET", "POST"])
def episode_edit(request: HttpRequest, client: Any, access: Any, episode: Episode) -> HttpResponse:
    """An episode's details; open episodes can be edited, discharged ones are read-only."""
    membership = request.membership  # type: ignore[attr-defined]
    if request.method == "POST":
        form = EpisodeForm(request.POST, practice=membership.practice, current=episode.clinician)
        if form.is_valid():
            try:
                services.update_episode(
                    episode, membership=membership, request=request, **form.cleaned_data
                )
            except services.EpisodeError as exc:
                add_refusal(form, exc)
            else:
                messages.success(request, "Episode saved.")
                return redirect("clients:episode_edit", episode_id=episode.uuid)
        return _edit_page(request, client, access, episode, form=form)
    return _edit_page(request, client, access, episode)


@chart_object_view(Episode, "episode_id", needs="clinical", tab="episodes")
@require_POST
def episode_status(request: HttpRequest, client: Any, access: Any, episode: Episode):
    """Make an episode active, or discharge it (with its reason, date and summary)."""
    membership = request.membership  # type: ignore[attr-defined]
    offer = services.can_discharge_client(episode)
    form = status_form(request.POST, offer_client_discharge=offer)
    if form is None:
        messages.error(request, "Choose whether to make the episode active or discharge it.")
        return redirect("clients:episode_edit", episode_id=episode.uuid)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.set_episode_status(
                episode,
                data["to_status"],
                membership=membership,
                on_date=data["on_date"],
                reason=data.get("reason", ""),
                summary=data.get("summary", ""),
                discharge_client=data.get("discharge_client", False),
                request=request,
            )
        except services.EpisodeError as exc:
            add_refusal(form, exc)
        else:
            done = "is now active" if data["to_status"] == EpisodeStatus.ACTIVE else "discharged"
            messages.success(request, f"Episode {done}.")
            return redirect("clients:episodes", client_id=client.uuid)
    key = "activate_form" if isinstance(form, ActivateForm) else "discharge_form"
    return _edit_page(request, client, access, episode, **{key: form})
