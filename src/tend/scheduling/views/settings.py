"""Scheduling settings for owners and administrators: appointment types and the practice's
scheduling policy (cancellation, reminders, telehealth links, the calendar's hours)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from tend.core.access import get_scoped_or_404, member_required
from tend.core.refusals import add_refusal
from tend.practices.choices import MANAGERS
from tend.scheduling import policy as service
from tend.scheduling.forms.settings import AppointmentTypeForm, SchedulingPolicyForm
from tend.scheduling.models import AppointmentType, SchedulingPolicy
from tend.scheduling.reminders import PLACEHOLDERS
from tend.scheduling.services import SchedulingError


@member_required(roles=MANAGERS)
def appointment_types(request: HttpRequest) -> HttpResponse:
    """The practice's appointment types, those offered first."""
    membership = request.membership  # type: ignore[attr-defined]
    types = AppointmentType.objects.for_practice(membership.practice_id).order_by(
        "-is_active", "name"
    )
    return render(request, "scheduling/settings/types.html", {"types": types})


@member_required(roles=MANAGERS)
@require_http_methods(["GET", "POST"])
def appointment_type_add(request: HttpRequest) -> HttpResponse:
    """Add an appointment type."""
    membership = request.membership  # type: ignore[attr-defined]
    form = AppointmentTypeForm(request.POST or None, currency=membership.practice.currency)
    if request.method == "POST" and form.is_valid():
        try:
            kind = service.add_appointment_type(
                membership=membership, request=request, **form.cleaned_data
            )
        except SchedulingError as exc:
            add_refusal(form, exc)
        else:
            messages.success(request, f"Added {kind.name}.")
            return redirect("scheduling:types")
    return render(request, "scheduling/settings/type_form.html", {"form": form, "kind": None})


@member_required(roles=MANAGERS)
@require_http_methods(["GET", "POST"])
def appointment_type_edit(request: HttpRequest, type_id: str) -> HttpResponse:
    """Change an appointment type, or stop (restart) offering it."""
    membership = request.membership  # type: ignore[attr-defined]
    kind = get_scoped_or_404(AppointmentType, membership, uuid=type_id)
    if request.method == "POST" and "active" in request.POST:
        active = request.POST["active"] == "1"
        service.set_appointment_type_active(
            kind, membership=membership, active=active, request=request
        )
        messages.success(
            request, f"{kind.name} is {'offered again' if active else 'no longer offered'}."
        )
        return redirect("scheduling:types")
    form = AppointmentTypeForm(
        request.POST or None,
        instance=AppointmentType.objects.get(pk=kind.pk),
        currency=membership.practice.currency,
    )
    if request.method == "POST" and form.is_valid():
        try:
            service.update_appointment_type(
                kind, membership=membership, request=request, **form.cleaned_data
            )
        except SchedulingError as exc:
            add_refusal(form, exc)
        else:
            messages.success(request, "Appointment type saved.")
            return redirect("scheduling:types")
    return render(request, "scheduling/settings/type_form.html", {"form": form, "kind": kind})


@member_required(roles=MANAGERS)
@require_http_methods(["GET", "POST"])
def scheduling_policy(request: HttpRequest) -> HttpResponse:
    """Cancellation window and fees, reminders and their wording, video links, the calendar."""
    membership = request.membership  # type: ignore[attr-defined]
    current = SchedulingPolicy.for_practice(membership.practice_id)
    form = SchedulingPolicyForm(
        request.POST or None,
        instance=SchedulingPolicy.objects.get(pk=current.pk),
        currency=membership.practice.currency,
    )
    if request.method == "POST" and form.is_valid():
        try:
            service.update_scheduling_policy(
                membership=membership, request=request, **form.cleaned_data
            )
        except SchedulingError as exc:
            add_refusal(form, exc)
        else:
            messages.success(request, "Scheduling settings saved.")
            return redirect("scheduling:policy")
    context = {"form": form, "placeholders": PLACEHOLDERS}
    return render(request, "scheduling/settings/policy.html", context)
