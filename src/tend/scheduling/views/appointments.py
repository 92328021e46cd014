"""Booking (a full page, or the calendar's dialog over htmx) and one appointment's pages:
details with status, cancel, attendance and reschedule, and the edit page."""

from __future__ import annotations

import json
import uuid
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from tend.clients.models import Client
from tend.core.access import get_scoped_or_404, member_required
from tend.core.refusals import add_refusal
from tend.practices.choices import ALL_ROLES
from tend.practices.models import Membership, Room
from tend.scheduling import series, services
from tend.scheduling.choices import (
    APPOINTMENT_TRANSITIONS,
    MULTI_CLIENT_KINDS,
    AppointmentStatus,
    Occurrences,
)
from tend.scheduling.forms.appointments import (
    WAIVERS,
    AttendanceForm,
    BookSeriesForm,
    CancelForm,
    EditForm,
    RescheduleForm,
    StatusForm,
    schedulable_clinicians,
)
from tend.scheduling.models import Appointment, SchedulingPolicy
from tend.scheduling.views.calendar import SCHEDULERS, parse_moment, viewer_zone

# Buttons for the statuses reached in one click; cancelling and rescheduling have their forms.
BUTTON_LABELS = {
    AppointmentStatus.SCHEDULED: "Back to scheduled",
    AppointmentStatus.CONFIRMED: "Mark confirmed",
    AppointmentStatus.ARRIVED: "Mark arrived",
    AppointmentStatus.COMPLETED: "Mark completed",
    AppointmentStatus.NO_SHOW: "Mark no-show",
}


def _prefill(request: HttpRequest, membership: Membership) -> dict[str, Any]:
    """Start, end and clinician from the calendar (wall-clock in the viewer's zone), shown in
    the clinician's zone."""
    initial: dict[str, Any] = {"confirm": False}
    clinician = None
    if request.GET.get("clinician"):
        clinician = schedulable_clinicians(membership).filter(uuid=request.GET["clinician"]).first()
    if clinician is None and membership.is_clinical:
        clinician = membership
    zone = viewer_zone(membership)
    try:
        start = parse_moment(request.GET.get("start"), zone)
        end = parse_moment(request.GET.get("end"), zone)
    except ValueError:
        start = end = None
    if clinician is not None:
        initial["clinician"] = clinician.uuid
    if start is not None and len(request.GET["start"].strip()) == 10:
        initial["date"] = start.date()  # a day from the month view: no time yet
    elif start is not None:
        own = ZoneInfo(services.clinician_time_zone(clinician)) if clinician else zone
        local = start.astimezone(own)
        initial["date"], initial["start_time"] = local.date(), local.time().replace(second=0)
        if end is not None and end > start:
            initial["minutes"] = int((end - start).total_seconds() // 60)
    # From "Find a time": the length, the client and the room it searched for.
    minutes = request.GET.get("minutes", "")
    if minutes.isdigit() and 5 <= int(minutes) <= 12 * 60:
        initial["minutes"] = int(minutes)
    if request.GET.get("client"):
        client = Client.objects.visible_to(membership).filter(
            uuid__in=_uuids(request.GET.getlist("client"))
        )
        initial["clients"] = [c.uuid for c in client]
    if request.GET.get("room"):
        room = Room.objects.for_practice(membership.practice_id).filter(
            uuid__in=_uuids([request.GET["room"]]), is_archived=False
        )
        initial["room"] = next((r.uuid for r in room), None)
    return initial


def _uuids(values: list[str]) -> list[uuid.UUID]:
    found = []
    for value in values:
        try:
            found.append(uuid.UUID(value))
        except ValueError:
            continue
    return found


def _book_page(request: HttpRequest, form: BookSeriesForm, **extra: Any) -> HttpResponse:
    membership = request.membership  # type: ignore[attr-defined]
    context = {
        "form": form,
        "time_zone_note": _zone_note(form, membership),
        **extra,
    }
    template = "scheduling/_book_form.html" if request.htmx else "scheduling/appointment_book.html"  # type: ignore[attr-defined]
    return render(request, template, context)


def _zone_note(form: Any, membership: Membership) -> str:
    """The zone the form's times are typed in: the chosen clinician's."""
    clinician = getattr(form, "cleaned_data", {}).get("clinician")
    if clinician is None and form.initial.get("clinician"):
        clinician = Membership.objects.filter(
            practice_id=membership.practice_id, uuid=form.initial["clinician"]
        ).first()
    return services.clinician_time_zone(clinician or membership)


def _check_version(appt: Appointment, version: int) -> None:
    """Series edits take no version; refuse a stale form here the way the services do."""
    if version != appt.version:
        raise services.StaleEdit(
            "Someone else changed this appointment after you opened it. "
            "Reload to see their change, then make yours again."
        )


@member_required(roles=SCHEDULERS)
@require_http_methods(["GET", "POST"])
def book(request: HttpRequest) -> HttpResponse:
    """Book one appointment or a series. Warnings (past time, outside working hours) are
    shown first and the booking goes ahead only with "Book anyway"."""
    membership = request.membership  # type: ignore[attr-defined]
    if request.method != "POST":
        return _book_page(
            request, BookSeriesForm(membership=membership, initial=_prefill(request, membership))
        )
    form = BookSeriesForm(request.POST, membership=membership)
    if not form.is_valid():
        return _book_page(request, form)
    data = form.cleaned_data
    values = form.service_values()
    rule = form.rule()
    if form.errors:
        return _book_page(request, form)
    warnings = services.booking_warnings(
        clinician=values["clinician"], starts_at=values["starts_at"], ends_at=values["ends_at"]
    )
    if warnings and not data.get("confirm"):
        form.data = form.data.copy()
        form.data["confirm"] = "True"
        return _book_page(request, form, warnings=warnings)
    try:
        if rule:
            booked = series.book_series(
                membership=membership,
                clinician=values["clinician"],
                appointment_type=values["appointment_type"],
                local_start=values["starts_at"].replace(tzinfo=None),
                minutes=int((values["ends_at"] - values["starts_at"]).total_seconds() // 60),
                rule=rule,
                time_zone=data["time_zone"],
                clients=list(data["clients"]),
                location=values["location"],
                room=values["room"],
                modality=values["modality"],
                client_location=values["client_location"],
                episode=values["episode"],
                staff_notes=values["staff_notes"],
                skip_dates=form.skipped(),
                request=request,
            )
            first = booked.appointments.order_by("starts_at").first()
            message = f"Series booked: {booked.appointments.active().count()} sessions."
        else:
            first = services.book_appointment(
                membership=membership, clients=list(data["clients"]), request=request, **values
            )
            message = "Appointment booked."
    except series.SeriesClashes as exc:
        form.data = form.data.copy()
        form.data["skip_dates"] = ",".join(d.isoformat() for d, _ in exc.dates)
        add_refusal(form, exc, "start_time")
        return _book_page(request, form, clashes=exc.dates)
    except services.SchedulingError as exc:
        add_refusal(form, exc, _field_for(exc))
        return _book_page(request, form)
    if request.htmx:  # type: ignore[attr-defined]
        response = HttpResponse(status=204)
        response["HX-Trigger"] = json.dumps({"tend:booked": {"message": message}})
        return response
    messages.success(request, message)
    return redirect("scheduling:appointment", appointment_id=first.uuid)


def _field_for(exc: Exception) -> str | None:
    """Service fields that the form spells differently."""
    field = getattr(exc, "field", None)
    return {"starts_at": "start_time", "ends_at": "end_time"}.get(field or "", field)


def _appointment(request: HttpRequest, appointment_id: Any) -> Appointment:
    membership = request.membership  # type: ignore[attr-defined]
    return get_scoped_or_404(
        Appointment.objects.select_related(
            "clinician__user", "appointment_type", "room", "location", "series", "episode"
        ),
        membership,
        uuid=appointment_id,
    )


def _detail_page(request: HttpRequest, appt: Appointment, **forms: Any) -> HttpResponse:
    membership = request.membership  # type: ignore[attr-defined]
    may_change = membership.role in SCHEDULERS and services.can_schedule_for(
        membership, appt.clinician
    )
    policy = SchedulingPolicy.for_practice(appt.practice_id)
    zone = viewer_zone(membership)
    in_series = appt.series_id is not None
    next_statuses = [
        (status, BUTTON_LABELS[status])
        for status in AppointmentStatus.values
        if status in APPOINTMENT_TRANSITIONS.get(appt.status, set()) and status in BUTTON_LABELS
    ]
    attendees = list(appt.attendees.select_related("client"))
    context = {
        "appt": appt,
        "attendees": attendees,
        "may_change": may_change,
        "show_names": True,
        "local_start": appt.starts_at.astimezone(zone),
        "local_end": appt.ends_at.astimezone(zone),
        "viewer_zone": str(zone),
        "client_zones": sorted(
            {a.client.time_zone for a in attendees if a.client.time_zone} - {str(zone)}
        ),
        "telehealth_url": appt.telehealth_url(policy)
        if (may_change or membership.pk == appt.clinician_id)
        else "",
        "next_statuses": next_statuses,
        "may_cancel": AppointmentStatus.CANCELLED
        in APPOINTMENT_TRANSITIONS.get(appt.status, set()),
        "may_reschedule": appt.status in (AppointmentStatus.SCHEDULED, AppointmentStatus.CONFIRMED),
        "late_now": services.is_late(appt, timezone.now(), policy),
        "policy": policy,
        "group": appt.appointment_type.kind in MULTI_CLIENT_KINDS or len(attendees) > 1,
        "changes": appt.changes.select_related("changed_by__user"),
        "cancel_form": forms.get("cancel_form")
        or CancelForm(
            initial={"version": appt.version, "scope": Occurrences.THIS},
            may_waive=membership.role in WAIVERS,
            series=in_series,
        ),
        "reschedule_form": forms.get("reschedule_form")
        or RescheduleForm(
            initial={"date": appt.local_start.date(), "start_time": appt.local_start.time()}
        ),
        "attendance_form": AttendanceForm(),
        "error": forms.get("error"),
    }
    return render(request, "scheduling/appointment_detail.html", context)


@member_required(roles=ALL_ROLES)
def detail(request: HttpRequest, appointment_id: Any) -> HttpResponse:
    """Who, when and where; what can happen next; the change history."""
    appt = _appointment(request, appointment_id)
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    return _detail_page(request, appt)


@member_required(roles=SCHEDULERS)
def edit(request: HttpRequest, appointment_id: Any) -> HttpResponse:
    """Change an appointment; a series session asks whether the change is for this session,
    the following ones or all."""
    membership = request.membership  # type: ignore[attr-defined]
    appt = _appointment(request, appointment_id)
    in_series = appt.series_id is not None
    if request.method != "POST":
        form = EditForm(
            initial=EditForm.initial_from(appt), membership=membership, series=in_series
        )
        return _edit_page(request, appt, form)
    form = EditForm(request.POST, membership=membership, series=in_series)
    if form.is_valid():
        values = form.service_values()
        scope = form.cleaned_data.get("scope") or Occurrences.THIS
        try:
            if in_series and scope != Occurrences.THIS:
                _check_version(appt, form.cleaned_data["version"])
                local = values["starts_at"].astimezone(appt.series.zone)
                series.edit_series(
                    appt,
                    scope,
                    membership=membership,
                    request=request,
                    local_time=local.time(),
                    weekday=local.weekday(),
                    minutes=int((values["ends_at"] - values["starts_at"]).total_seconds() // 60),
                    appointment_type=values["appointment_type"],
                    room=values["room"],
                    location=values["location"],
                    modality=values["modality"],
                    clients=list(form.cleaned_data["clients"]),
                )
            else:
                services.update_appointment(
                    appt,
                    membership=membership,
                    version=form.cleaned_data["version"],
                    clients=list(form.cleaned_data["clients"]),
                    request=request,
                    **values,
                )
        except services.SchedulingError as exc:
            add_refusal(form, exc, _field_for(exc))
        else:
            messages.success(request, "Appointment saved.")
            return redirect("scheduling:appointment", appointment_id=appt.uuid)
    return _edit_page(request, appt, form)


def _edit_page(request: HttpRequest, appt: Appointment, form: EditForm) -> HttpResponse:
    context = {"appt": appt, "form": form, "time_zone_note": appt.time_zone}
    return render(request, "scheduling/appointment_edit.html", context)


@member_required(roles=SCHEDULERS)
def change_status(request: HttpRequest, appointment_id: Any) -> HttpResponse:
    """One click along the status workflow (confirmed, arrived, completed, no-show...)."""
    membership = request.membership  # type: ignore[attr-defined]
    appt = _appointment(request, appointment_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form = StatusForm(request.POST)
    if not form.is_valid():
        return _detail_page(request, appt, error="Choose a status.")
    try:
        services.set_status(
            appt,
            form.cleaned_data["to_status"],
            membership=membership,
            version=form.cleaned_data["version"],
            request=request,
        )
    except services.SchedulingError as exc:
        return _detail_page(request, appt, error=str(exc))
    messages.success(request, "Status changed.")
    return redirect("scheduling:appointment", appointment_id=appt.uuid)


@member_required(roles=SCHEDULERS)
def cancel(request: HttpRequest, appointment_id: Any) -> HttpResponse:
    """Cancel the session (or, in a series, this and following, or all)."""
    membership = request.membership  # type: ignore[attr-defined]
    appt = _appointment(request, appointment_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form = CancelForm(
        request.POST, may_waive=membership.role in WAIVERS, series=appt.series_id is not None
    )
    if form.is_valid():
        data = form.cleaned_data
        scope = data.get("scope") or Occurrences.THIS
        try:
            if appt.series_id and scope != Occurrences.THIS:
                _check_version(appt, data["version"])
                count = series.cancel_in_series(
                    appt,
                    scope,
                    membership=membership,
                    cancelled_by=data["cancelled_by"],
                    reason=data["reason"],
                    request=request,
                )
                message = f"{count} sessions cancelled."
            else:
                services.set_status(
                    appt,
                    AppointmentStatus.CANCELLED,
                    membership=membership,
                    cancelled_by=data["cancelled_by"],
                    reason=data["reason"],
                    waive_fee=data.get("waive_fee", False),
                    version=data["version"],
                    request=request,
                )
                message = "Appointment cancelled."
        except services.SchedulingError as exc:
            add_refusal(form, exc)
        else:
            messages.success(request, message)
            return redirect("scheduling:appointment", appointment_id=appt.uuid)
    return _detail_page(request, appt, cancel_form=form)


@member_required(roles=SCHEDULERS)
def attendance(request: HttpRequest, appointment_id: Any) -> HttpResponse:
    """Record how one client of a group session attended."""
    membership = request.membership  # type: ignore[attr-defined]
    appt = _appointment(request, appointment_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form = AttendanceForm(request.POST)
    attendee = None
    if form.is_valid():
        attendee = (
            appt.attendees.select_related("client")
            .filter(client__uuid=form.cleaned_data["client"])
            .first()
        )
    if attendee is None:
        return _detail_page(
            request, appt, error="Choose a client of this session and how they attended."
        )
    try:
        services.record_attendance(
            appt,
            attendee.client,
            form.cleaned_data["attendance"],
            membership=membership,
            request=request,
        )
    except services.SchedulingError as exc:
        return _detail_page(request, appt, error=str(exc))
    messages.success(request, "Attendance saved.")
    return redirect("scheduling:appointment", appointment_id=appt.uuid)


@member_required(roles=SCHEDULERS)
def reschedule(request: HttpRequest, appointment_id: Any) -> HttpResponse:
    """Another time for the same session; the old one stays, marked rescheduled."""
    membership = request.membership  # type: ignore[attr-defined]
    appt = _appointment(request, appointment_id)
    if request.method != "POST":
        return redirect(reverse("scheduling:appointment", args=[appt.uuid]) + "#reschedule")
    form = RescheduleForm(request.POST)
    if form.is_valid():
        try:
            new = services.reschedule_appointment(
                appt,
                membership=membership,
                starts_at=form.starts_at(appt.time_zone),
                reason=form.cleaned_data["reason"],
                request=request,
            )
        except services.SchedulingError as exc:
            add_refusal(form, exc, _field_for(exc))
        else:
            messages.success(request, "Rescheduled. This is the new appointment.")
            return redirect("scheduling:appointment", appointment_id=new.uuid)
    return _detail_page(request, appt, reschedule_form=form)
