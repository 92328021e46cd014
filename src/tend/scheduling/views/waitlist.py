"""The waitlist: who is waiting, adding a client with their preferences, changing or ending
an entry, and the waiting clients who fit a freed or free time."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils import timezone

from tend.clients.models import Client
from tend.core.access import get_scoped_or_404, member_required
from tend.core.refusals import add_refusal
from tend.practices.models import Membership
from tend.scheduling import waitlist as services
from tend.scheduling.availability import find_times
from tend.scheduling.choices import Modality, Weekday
from tend.scheduling.forms.waitlist import RemoveForm, WaitlistForm
from tend.scheduling.models import Appointment, WaitlistEntry
from tend.scheduling.services import BOOK_FOR_ANYONE, can_schedule_for

ROLES = services.WAITLIST_ROLES
# How many clinicians' next free times the waitlist page looks through, how many of each
# one's free times it reads, and how many fitting times it shows per clinician.
SUGGEST_CLINICIANS = 8
SUGGEST_SEARCH = 80
SUGGEST_SLOTS = 3


def _membership(request: HttpRequest) -> Membership:
    return request.membership  # type: ignore[attr-defined]


def _entries(membership: Membership) -> Any:
    return (
        WaitlistEntry.objects.for_practice(membership.practice_id)
        .visible_to(membership)
        .waiting()
        .select_related("client", "clinician__user", "appointment_type")
    )


def _suggestions(membership: Membership, entries: list[WaitlistEntry]) -> list[Any]:
    """The next free times of the clinicians the member books for, each with the waiting
    clients who fit it."""
    if not entries:
        return []
    clinicians: list[Membership] = list(
        Membership.objects.for_practice(membership.practice_id)
        .active()
        .clinicians()
        .select_related("user")
        .order_by("user__full_name", "id")
    )
    if membership.role not in BOOK_FOR_ANYONE:
        clinicians = [c for c in clinicians if can_schedule_for(membership, c)]
    wanted = {e.clinician_id for e in entries}
    if None not in wanted:
        clinicians = [c for c in clinicians if c.pk in wanted]
    now = timezone.now()
    out = []
    for clinician in clinicians[:SUGGEST_CLINICIANS]:
        shown = 0
        for slot in find_times(clinician, minutes=50, after=now, limit=SUGGEST_SEARCH):
            if shown >= SUGGEST_SLOTS:
                break
            fits = services.matches_for_slot(
                membership.practice_id,
                clinician,
                slot.starts_at,
                slot.ends_at,
                Modality.IN_PERSON,
                entries=entries,
            ) or services.matches_for_slot(
                membership.practice_id,
                clinician,
                slot.starts_at,
                slot.ends_at,
                Modality.VIDEO,
                entries=entries,
            )
            if fits:
                shown += 1
                out.append({"clinician": clinician, "slot": slot, "entries": fits})
    return out


def _days(entry: WaitlistEntry) -> str:
    labels = dict(Weekday.choices)
    return ", ".join(str(labels[d])[:3] for d in entry.weekdays) or "Any day"


@member_required(roles=ROLES)
def waitlist(request: HttpRequest) -> HttpResponse:
    """Every waiting client the member may see, longest waiting first, and suggested times."""
    membership = _membership(request)
    entries = list(_entries(membership))
    for e in entries:
        e.days_label = _days(e)  # type: ignore[attr-defined]
    context = {"entries": entries, "suggestions": _suggestions(membership, entries)}
    return render(request, "scheduling/waitlist/list.html", context)


@member_required(roles=ROLES)
def entry_add(request: HttpRequest, client_id: Any) -> HttpResponse:
    """Put a client on the waitlist with their preferences."""
    membership = _membership(request)
    client = get_scoped_or_404(Client, membership, uuid=client_id)
    form = WaitlistForm(request.POST or None, practice=membership.practice)
    if request.method == "POST" and form.is_valid():
        try:
            services.add_to_waitlist(
                client, membership=membership, request=request, **form.cleaned_data
            )
        except services.WaitlistRefused as exc:
            add_refusal(form, exc)
        else:
            messages.success(request, f"{client.display_name} is on the waitlist.")
            return redirect("scheduling:waitlist")
    context = {"client": client, "form": form}
    status = 400 if request.method == "POST" else 200
    return render(request, "scheduling/waitlist/form.html", context, status=status)


@member_required(roles=ROLES)
def entry_edit(request: HttpRequest, entry_id: Any) -> HttpResponse:
    """Change a waiting client's preferences."""
    membership = _membership(request)
    entry = get_scoped_or_404(
        WaitlistEntry.objects.select_related("client"), membership, uuid=entry_id
    )
    form = WaitlistForm(
        request.POST or None,
        practice=membership.practice,
        initial=WaitlistForm.initial_from(entry),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.update_waitlist_entry(
                entry, membership=membership, request=request, **form.cleaned_data
            )
        except services.WaitlistRefused as exc:
            add_refusal(form, exc)
        else:
            messages.success(request, "Waitlist entry saved.")
            return redirect("scheduling:waitlist")
    context = {"client": entry.client, "entry": entry, "form": form}
    status = 400 if request.method == "POST" else 200
    return render(request, "scheduling/waitlist/form.html", context, status=status)


@member_required(roles=ROLES)
def entry_remove(request: HttpRequest, entry_id: Any) -> HttpResponse:
    """Take a client off the waitlist, with a reason."""
    membership = _membership(request)
    entry = get_scoped_or_404(
        WaitlistEntry.objects.select_related("client"), membership, uuid=entry_id
    )
    form = RemoveForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.remove_from_waitlist(
                entry, membership=membership, reason=form.cleaned_data["reason"], request=request
            )
        except services.WaitlistRefused as exc:
            add_refusal(form, exc)
        else:
            messages.success(request, f"{entry.client.display_name} left the waitlist.")
            return redirect("scheduling:waitlist")
    status = 400 if request.method == "POST" else 200
    return render(
        request, "scheduling/waitlist/remove.html", {"entry": entry, "form": form}, status=status
    )


@member_required(roles=ROLES)
def entry_booked(request: HttpRequest, entry_id: Any) -> HttpResponse:
    """Mark a waiting client booked (POST)."""
    membership = _membership(request)
    entry = get_scoped_or_404(
        WaitlistEntry.objects.select_related("client"), membership, uuid=entry_id
    )
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        services.mark_waitlist_booked(entry, membership=membership, request=request)
    except services.WaitlistRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"{entry.client.display_name} is marked booked.")
    return redirect("scheduling:waitlist")


@member_required(roles=ROLES)
def for_appointment(request: HttpRequest, appointment_id: Any) -> HttpResponse:
    """The waiting clients who could take this appointment's time."""
    membership = _membership(request)
    appointment = get_scoped_or_404(
        Appointment.objects.select_related("clinician__user", "appointment_type"),
        membership,
        uuid=appointment_id,
    )
    entries = services.suggestions_for_cancelled(appointment, membership)
    for e in entries:
        e.days_label = _days(e)  # type: ignore[attr-defined]
    context = {
        "appointment": appointment,
        "entries": entries,
        "is_free": not appointment.is_active,
        "in_past": appointment.starts_at < timezone.now(),
    }
    return render(request, "scheduling/waitlist/for_appointment.html", context)
