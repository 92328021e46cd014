"""Working hours and time away, finding a free time, and the sessions on the Today page with
their status buttons."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from tend.clients.models import Client
from tend.core.access import get_scoped_or_404, member_required
from tend.core.refusals import add_refusal
from tend.practices.choices import ALL_ROLES, CLINICAL, MANAGERS, Role
from tend.practices.models import Membership
from tend.scheduling import availability as services
from tend.scheduling.choices import AppointmentStatus, Weekday
from tend.scheduling.forms.availability import DayHoursForm, ExceptionForm, FindTimeForm
from tend.scheduling.models import (
    Appointment,
    AppointmentAttendee,
    AvailabilityException,
    SchedulingPolicy,
    WorkingHours,
)
from tend.scheduling.services import (
    BOOK_FOR_ANYONE,
    SchedulingError,
    can_schedule_for,
    clinician_time_zone,
    set_status,
)

SCHEDULERS = frozenset(MANAGERS | CLINICAL | {Role.FRONT_DESK})


def _membership(request: HttpRequest) -> Membership:
    return request.membership  # type: ignore[attr-defined]


def _clinicians(membership: Membership) -> Any:
    return (
        Membership.objects.for_practice(membership.practice_id)
        .active()
        .clinicians()
        .select_related("user")
        .order_by("user__full_name", "id")
    )


def _clinician_or_404(membership: Membership, membership_id: Any) -> Membership:
    return get_scoped_or_404(
        Membership.objects.select_related("user", "practice"), membership, uuid=membership_id
    )


# Working hours -----------------------------------------------------------------------------


@member_required(roles=ALL_ROLES)
def hours_home(request: HttpRequest) -> HttpResponse:
    """A clinician's own hours; for everyone else, the clinicians whose hours they may see."""
    membership = _membership(request)
    others = [c for c in _clinicians(membership) if services.can_view_hours(membership, c)]
    if membership.is_clinical and membership.role not in BOOK_FOR_ANYONE and len(others) <= 1:
        return redirect("scheduling:working_hours", membership_id=membership.uuid)
    return render(request, "scheduling/availability/home.html", {"clinicians": others})


@member_required(roles=ALL_ROLES)
def hours(request: HttpRequest, membership_id: Any) -> HttpResponse:
    """One clinician's usual hours by weekday and their time away or extra hours ahead."""
    membership = _membership(request)
    clinician = _clinician_or_404(membership, membership_id)
    if not services.can_view_hours(membership, clinician):
        messages.info(request, "You can see your own hours and your supervisees'.")
        return redirect("scheduling:working_hours_home")
    rows = WorkingHours.objects.filter(clinician=clinician).select_related("location")
    by_day: dict[int, list[WorkingHours]] = {d: [] for d in Weekday.values}
    for row in rows:
        by_day[row.weekday].append(row)
    zone = clinician_time_zone(clinician)
    today = timezone.now().astimezone(ZoneInfo(zone)).date()
    context = {
        "clinician": clinician,
        "days": [(d, label, by_day[d]) for d, label in Weekday.choices],
        "has_hours": bool(rows),
        "policy": SchedulingPolicy.for_practice(clinician.practice_id),
        "exceptions": AvailabilityException.objects.filter(clinician=clinician, date__gte=today),
        "time_zone": zone,
        "may_edit": services.can_edit_hours(membership, clinician),
        "exception_form": ExceptionForm(),
    }
    return render(request, "scheduling/availability/hours.html", context)


@member_required(roles=SCHEDULERS)
def hours_day(request: HttpRequest, membership_id: Any, weekday: int) -> HttpResponse:
    """Change one weekday's spans of usual hours."""
    membership = _membership(request)
    clinician = _clinician_or_404(membership, membership_id)
    if not services.can_edit_hours(membership, clinician) or weekday not in Weekday.values:
        messages.info(request, "You may change only your own hours.")
        return redirect("scheduling:working_hours", membership_id=clinician.uuid)
    rows = list(
        WorkingHours.objects.filter(clinician=clinician, weekday=weekday).select_related("location")
    )
    form = DayHoursForm(
        request.POST or None,
        practice=membership.practice,
        initial=DayHoursForm.initial_from(rows),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.set_working_hours(
                clinician,
                weekday=weekday,
                spans=form.spans(),
                membership=membership,
                request=request,
            )
        except services.HoursRefused as exc:
            add_refusal(form, exc)
        else:
            messages.success(request, f"{Weekday(weekday).label} hours saved.")
            return redirect("scheduling:working_hours", membership_id=clinician.uuid)
    context = {
        "clinician": clinician,
        "form": form,
        "day": Weekday(weekday).label,
        "time_zone": clinician_time_zone(clinician),
    }
    return render(request, "scheduling/availability/day.html", context)


@member_required(roles=SCHEDULERS)
def exception_add(request: HttpRequest, membership_id: Any) -> HttpResponse:
    """Mark a date away, or add extra hours on it."""
    membership = _membership(request)
    clinician = _clinician_or_404(membership, membership_id)
    if not services.can_edit_hours(membership, clinician):
        messages.info(request, "You may change only your own hours.")
        return redirect("scheduling:working_hours", membership_id=clinician.uuid)
    form = ExceptionForm(request.POST or None, initial={"kind": "unavailable"})
    if request.method == "POST" and form.is_valid():
        try:
            services.add_exception(
                clinician, membership=membership, request=request, **form.cleaned_data
            )
        except services.HoursRefused as exc:
            add_refusal(form, exc)
        else:
            messages.success(request, "Change of hours saved.")
            return redirect("scheduling:working_hours", membership_id=clinician.uuid)
    context = {"clinician": clinician, "form": form, "time_zone": clinician_time_zone(clinician)}
    return render(
        request,
        "scheduling/availability/exception_form.html",
        context,
        status=400 if request.method == "POST" else 200,
    )


@member_required(roles=SCHEDULERS)
def exception_remove(request: HttpRequest, exception_id: Any) -> HttpResponse:
    """Remove a date away or extra hours (POST)."""
    membership = _membership(request)
    exc = get_scoped_or_404(
        AvailabilityException.objects.select_related("clinician"), membership, uuid=exception_id
    )
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        services.remove_exception(exc, membership=membership, request=request)
    except PermissionDenied:
        messages.error(request, "You may change only your own hours.")
    else:
        messages.success(request, "Removed.")
    return redirect("scheduling:working_hours", membership_id=exc.clinician.uuid)


# Find a time -------------------------------------------------------------------------------


def booking_url(
    slot: services.Slot, clinician: Membership, minutes: int, client: Any, room: Any = None
) -> str:
    """The booking form, filled in with this slot."""
    query = {
        "clinician": str(clinician.uuid),
        "start": slot.local_start.isoformat(),
        "minutes": str(minutes),
    }
    if client is not None:
        query["client"] = str(client.uuid)
    if room is not None:
        query["room"] = str(room.uuid)
    return f"/calendar/book/?{urlencode(query)}"


@member_required(roles=SCHEDULERS)
def find_time(request: HttpRequest) -> HttpResponse:
    """The next free times for a clinician (and a client), each with a link to book it."""
    membership = _membership(request)
    clinicians = _clinicians(membership)
    if membership.role not in BOOK_FOR_ANYONE:
        allowed = [c.pk for c in clinicians if can_schedule_for(membership, c)]
        clinicians = clinicians.filter(pk__in=allowed)
    clients = (
        Client.objects.visible_to(membership)
        .open()
        .order_by("legal_last_name", "legal_first_name", "id")
    )
    zone = ZoneInfo(clinician_time_zone(membership))
    initial: dict[str, Any] = {"from_date": timezone.now().astimezone(zone).date()}
    if membership.is_clinical:
        initial["clinician"] = membership.uuid
    data = request.GET if "clinician" in request.GET else None
    form = FindTimeForm(
        data,
        initial={**initial, **{k: request.GET[k] for k in ("client",) if k in request.GET}},
        clinicians=clinicians,
        clients=clients,
        practice=membership.practice,
    )
    slots: list[tuple[services.Slot, str]] = []
    clinician = None
    if data is not None and form.is_valid():
        clinician = form.cleaned_data["clinician"]
        czone = ZoneInfo(clinician_time_zone(clinician))
        after = dt.datetime.combine(form.cleaned_data["from_date"], dt.time(), tzinfo=czone)
        minutes = form.length()
        client = form.cleaned_data.get("client")
        room = form.cleaned_data.get("room")
        found = services.find_times(
            clinician, minutes=minutes, after=after, client=client, room=room
        )
        slots = [(s, booking_url(s, clinician, minutes, client, room)) for s in found]
    context = {
        "form": form,
        "slots": slots,
        "searched": data is not None and form.is_valid(),
        "clinician": clinician,
        "time_zone": clinician_time_zone(clinician) if clinician else "",
    }
    return render(
        request,
        "scheduling/availability/find.html",
        context,
        status=400 if data is not None and not form.is_valid() else 200,
    )


# Today -------------------------------------------------------------------------------------

# The status buttons on Today, in the order they are offered.
TODAY_ACTIONS = (
    (AppointmentStatus.ARRIVED, "Arrived"),
    (AppointmentStatus.COMPLETED, "Completed"),
    (AppointmentStatus.NO_SHOW, "No-show"),
)


def _sessions(queryset: Any) -> list[Appointment]:
    attendees = AppointmentAttendee.objects.select_related("client")
    return list(
        queryset.select_related(
            "appointment_type", "room", "location", "clinician__user"
        ).prefetch_related(Prefetch("attendees", queryset=attendees))
    )


def _decorate(sessions: Iterable[Appointment], membership: Membership, policy: Any) -> None:
    """What each row shows: the video link, the buttons this member may press."""
    from tend.scheduling.choices import APPOINTMENT_TRANSITIONS

    for s in sessions:
        # The video link is for the clinician running the session.
        s.video_url = (  # type: ignore[attr-defined]
            s.telehealth_url(policy) if s.clinician_id == membership.pk else ""
        )
        may = membership.role != Role.BILLER and can_schedule_for(membership, s.clinician)
        allowed = APPOINTMENT_TRANSITIONS.get(s.status, set())
        s.actions = [  # type: ignore[attr-defined]
            (v, label) for v, label in TODAY_ACTIONS if may and v in allowed
        ]


def today_sessions(membership: Membership) -> dict[str, Any]:
    """Today's sessions for the Today page: a clinician's own, in their zone; for the front
    desk and managers the practice's, grouped by clinician. A fixed number of queries."""
    zone_name = clinician_time_zone(membership)
    zone = ZoneInfo(zone_name)
    day = timezone.now().astimezone(zone).date()
    start = dt.datetime.combine(day, dt.time(), tzinfo=zone)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=zone)
    base = Appointment.objects.for_practice(membership.practice_id).overlapping(start, end)
    base = base.exclude(status=AppointmentStatus.RESCHEDULED)
    policy = SchedulingPolicy.for_practice(membership.practice_id)
    context: dict[str, Any] = {"sessions_zone": zone_name, "sessions_day": day}
    if membership.role in BOOK_FOR_ANYONE:
        sessions = _sessions(base.order_by("clinician__user__full_name", "starts_at", "id"))
        _decorate(sessions, membership, policy)
        groups: dict[int, dict[str, Any]] = {}
        for s in sessions:
            groups.setdefault(s.clinician_id, {"clinician": s.clinician, "sessions": []})
            groups[s.clinician_id]["sessions"].append(s)
        context["session_groups"] = list(groups.values())
        context["practice_view"] = True
        context["show_sessions"] = True
    elif membership.is_clinical:
        sessions = _sessions(base.filter(clinician=membership).order_by("starts_at", "id"))
        _decorate(sessions, membership, policy)
        context["sessions"] = sessions
        context["show_sessions"] = True
    return context


def _version(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


@member_required(roles=SCHEDULERS)
def today_status(request: HttpRequest, appointment_id: Any) -> HttpResponse:
    """A status button on Today (POST): the row again, with the new status or the refusal."""
    membership = _membership(request)
    visible = Appointment.objects.visible_to(membership)
    appointment = get_scoped_or_404(visible, membership, uuid=appointment_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    error = None
    status = request.POST.get("status", "")
    if status not in dict(TODAY_ACTIONS):
        error = "Choose arrived, completed or no-show."
    else:
        try:
            set_status(
                appointment,
                status,
                membership=membership,
                version=_version(request.POST.get("version")),
                request=request,
            )
        except SchedulingError as exc:
            error = str(exc)
        except PermissionDenied as exc:
            error = str(exc)
    if not request.headers.get("HX-Request"):
        if error:
            messages.error(request, error)
        return redirect(reverse("practices:today"))
    session = _sessions(visible.filter(pk=appointment.pk))[0]
    _decorate([session], membership, SchedulingPolicy.for_practice(membership.practice_id))
    context = {
        "s": session,
        "row_error": error,
        "practice_view": membership.role in BOOK_FOR_ANYONE,
        "sessions_zone": clinician_time_zone(membership),
    }
    return render(request, "scheduling/availability/_today_row.html", context)
