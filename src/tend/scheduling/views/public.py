"""The client's own links from a reminder: see when and where, confirm, or cancel.

No account and no session: the signed token is the key (tend.scheduling.links). The pages show
only what the reminder said (when, where, the practice) and the client's first name. A
tampered link is a 404 and a used-up one a 410, each with a plain page.
"""

from __future__ import annotations

import contextlib
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from tend.core.access import public_view
from tend.scheduling import services
from tend.scheduling.choices import AppointmentStatus, CancelledBy
from tend.scheduling.forms.public import ClientCancelForm
from tend.scheduling.links import LinkExpired, LinkInvalid, LinkTarget, read_token
from tend.scheduling.models import SchedulingPolicy
from tend.scheduling.reminders import (
    client_zone,
    first_name,
    format_fee,
    when_text,
    where_lines,
)

OPEN = (AppointmentStatus.SCHEDULED, AppointmentStatus.CONFIRMED)


def _unusable(request: HttpRequest, status: int) -> HttpResponse:
    return render(
        request, "scheduling/public/unusable.html", {"expired": status == 410}, status=status
    )


def _late_notice(target: LinkTarget, policy: SchedulingPolicy) -> str:
    """The late-cancellation warning, or '' when cancelling now is not late."""
    appointment = target.appointment
    if not services.is_late(appointment, timezone.now(), policy):
        return ""
    text = f"This is inside the {policy.late_cancel_hours}-hour window"
    if policy.late_cancel_fee:
        fee = format_fee(policy.late_cancel_fee, appointment.practice.currency)
        return f"{text}; a fee of {fee} may apply."
    return f"{text} for cancelling."


def _context(target: LinkTarget, token: str, **extra: Any) -> dict[str, Any]:
    appointment, client = target.appointment, target.client
    policy = SchedulingPolicy.for_practice(appointment.practice_id)
    zone = client_zone(client, appointment)
    where, _ = where_lines(appointment, policy)
    return {
        "token": token,
        "appointment": appointment,
        "first_name": first_name(client),
        "practice_name": appointment.practice.name,
        "when": when_text(appointment.starts_at.astimezone(zone), appointment.ends_at),
        "where": where.removeprefix("Where: "),
        "is_open": appointment.status in OPEN,
        "late_notice": _late_notice(target, policy) if appointment.status in OPEN else "",
        **extra,
    }


def _target(token: str) -> LinkTarget | HttpResponse:
    try:
        return read_token(token)
    except LinkInvalid:
        return HttpResponse(status=404)
    except LinkExpired:
        return HttpResponse(status=410)


@public_view
@require_http_methods(["GET", "POST"])
def client_link(request: HttpRequest, token: str) -> HttpResponse:
    """When and where, with Confirm (POST) and a way to cancel."""
    target = _target(token)
    if isinstance(target, HttpResponse):
        return _unusable(request, target.status_code)
    appointment = target.appointment
    if request.method == "POST":
        if appointment.status == AppointmentStatus.SCHEDULED:
            # A refusal needs no message: the page it redirects to says where things stand.
            with contextlib.suppress(services.SchedulingError):
                services.set_status(
                    appointment,
                    AppointmentStatus.CONFIRMED,
                    membership=None,
                    by_client=True,
                    request=request,
                )
        return redirect("scheduling:client_link", token)
    return render(request, "scheduling/public/appointment.html", _context(target, token))


@public_view
@require_http_methods(["GET", "POST"])
def client_cancel(request: HttpRequest, token: str) -> HttpResponse:
    """Cancel, with an optional reason; a late cancellation is said so before and after."""
    target = _target(token)
    if isinstance(target, HttpResponse):
        return _unusable(request, target.status_code)
    appointment = target.appointment
    if appointment.status not in OPEN:
        return redirect("scheduling:client_link", token)
    form = ClientCancelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.cancel_appointment(
                appointment,
                membership=None,
                by_client=True,
                cancelled_by=CancelledBy.CLIENT,
                reason=form.cleaned_data["reason"],
                request=request,
            )
        except services.SchedulingError as exc:
            form.add_error(None, str(exc))
        else:
            return redirect("scheduling:client_link", token)
    return render(request, "scheduling/public/cancel.html", _context(target, token, form=form))
