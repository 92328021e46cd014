"""JSON endpoints the calendar's JavaScript uses: book an appointment from a click or drag.

The answer is 201 with the new appointment's id, 409 with `"error": "slot_taken"` when the
clinician, the room or a client is busy then (also when another booking won a race for the same
time), and 400 with the refusal's message and field for anything else the service refuses.
Objects from another practice, or clients the member may not see, are a 404.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest, JsonResponse
from django.views.decorators.http import require_POST

from tend.clients.models import Client
from tend.core.access import member_required
from tend.practices.choices import Role
from tend.practices.models import Membership
from tend.scheduling.models import AppointmentType
from tend.scheduling.services import SchedulingError, SlotTaken, book_appointment

M = TypeVar("M", bound=Model)

# Everyone who may put something on a calendar; the service decides whose calendar.
BOOKING_ROLES = frozenset(
    {Role.OWNER, Role.ADMIN, Role.CLINICIAN, Role.SUPERVISOR, Role.FRONT_DESK}
)


def _refusal(message: str, field: str | None, status: int = 400, **extra: Any) -> JsonResponse:
    return JsonResponse(
        {"error": extra.pop("error", "refused"), "message": message, "field": field, **extra},
        status=status,
    )


def _moment(value: Any) -> dt.datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return dt.datetime.fromisoformat(value)
    except ValueError:
        return None


def _scoped(queryset: QuerySet[M], value: Any) -> M:
    """One object of an already scoped queryset by its uuid, or a 404."""
    try:
        return queryset.get(uuid=value)
    except (queryset.model.DoesNotExist, ValidationError, ValueError, TypeError) as exc:
        raise Http404("Not found") from exc


@member_required(roles=BOOKING_ROLES)
@require_POST
def book_json(request: HttpRequest) -> JsonResponse:
    """POST {clinician, appointment_type, clients: [uuid], start, end} (ISO with offset)."""
    membership = request.membership  # type: ignore[attr-defined]
    try:
        data = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        return _refusal("Send the booking as JSON.", None)
    if not isinstance(data, dict):
        return _refusal("Send the booking as a JSON object.", None)

    clinician = _scoped(
        Membership.objects.filter(practice_id=membership.practice_id), data.get("clinician")
    )
    appointment_type = _scoped(
        AppointmentType.objects.for_practice(membership.practice_id),
        data.get("appointment_type"),
    )
    wanted = data.get("clients") or []
    if not isinstance(wanted, list) or not all(isinstance(c, str) for c in wanted):
        return _refusal("Give the clients as a list of ids.", "clients")
    clients = [
        _scoped(Client.objects.visible_to(membership), uuid) for uuid in dict.fromkeys(wanted)
    ]

    start, end = _moment(data.get("start")), _moment(data.get("end"))
    if start is None:
        return _refusal("Give the start as a date and time with its offset.", "starts_at")
    if data.get("end") is not None and end is None:
        return _refusal("Give the end as a date and time with its offset.", "ends_at")

    try:
        appointment = book_appointment(
            membership=membership,
            clinician=clinician,
            appointment_type=appointment_type,
            starts_at=start,
            ends_at=end,
            clients=clients,
            request=request,
        )
    except SlotTaken as refusal:
        return _refusal(str(refusal), refusal.field, 409, error="slot_taken")
    except SchedulingError as refusal:
        return _refusal(str(refusal), refusal.field)
    return JsonResponse(
        {
            "id": str(appointment.uuid),
            "start": appointment.starts_at.isoformat(),
            "end": appointment.ends_at.isoformat(),
            "version": appointment.version,
        },
        status=201,
    )
