"""The calendar: the page (day, week, month, agenda; one clinician, several side by side, or a
room), its events and working-hours feeds for FullCalendar, and moving an appointment by drag.

FullCalendar runs with the viewer's named time zone and no time-zone plugin, so it reads each
event's wall-clock time as written and sends wall-clock times back without an offset: the
server reads naive times in the viewer's zone.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from django.core.exceptions import PermissionDenied
from django.db.models import BooleanField, Exists, OuterRef, Prefetch, Value
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from tend.clients.models import PRACTICE_WIDE_ROLES, Client
from tend.core.access import get_scoped_or_404, member_required
from tend.practices.choices import ALL_ROLES, Role
from tend.practices.models import Membership, Room
from tend.scheduling import services
from tend.scheduling.availability import hours_between
from tend.scheduling.choices import ACTIVE_STATUSES, AppointmentStatus
from tend.scheduling.models import Appointment, AppointmentAttendee, SchedulingPolicy

# Roles that change the schedule; billers only read it.
SCHEDULERS = ALL_ROLES - {Role.BILLER}
# The longest range one events request may ask for (a month view shows six weeks).
MAX_RANGE = dt.timedelta(days=62)
VIEWS = {
    "day": "timeGridDay",
    "week": "timeGridWeek",
    "month": "dayGridMonth",
    "agenda": "listWeek",
}
SHOWN_STATUSES = sorted(ACTIVE_STATUSES | {AppointmentStatus.NO_SHOW})


def viewer_zone(membership: Membership) -> ZoneInfo:
    return ZoneInfo(services.clinician_time_zone(membership))


def parse_moment(value: str | None, zone: ZoneInfo) -> dt.datetime | None:
    """An ISO date or date-time; without an offset it is a wall-clock time in `zone`."""
    if not value:
        return None
    try:
        moment = dt.datetime.fromisoformat(value.strip().replace(" ", "+"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    return moment


def _clinicians(request: HttpRequest, membership: Membership) -> list[Membership]:
    """The clinicians asked for (404 for one not in the practice), else the viewer."""
    wanted = request.GET.getlist("clinician")
    qs = Membership.objects.for_practice(membership.practice_id).select_related(
        "user", "clinician_profile", "practice"
    )
    if wanted:
        try:
            found = list(qs.filter(uuid__in=wanted))
        except Exception as exc:  # noqa: BLE001 - a malformed uuid is a 404 like any unknown one
            raise Http404("Not found") from exc
        if len(found) != len(set(wanted)):
            raise Http404("Not found")
        order = {str(u): i for i, u in enumerate(wanted)}
        return sorted(found, key=lambda m: order.get(str(m.uuid), 0))
    return [membership] if membership.is_clinical else []


def _room(request: HttpRequest, membership: Membership) -> Room | None:
    wanted = request.GET.get("room")
    return get_scoped_or_404(Room, membership, uuid=wanted) if wanted else None


def _range(request: HttpRequest, zone: ZoneInfo) -> tuple[dt.datetime, dt.datetime] | None:
    """[start, end) from the query; this week when neither is given; None when unusable."""
    if not request.GET.get("start") and not request.GET.get("end"):
        today = dt.datetime.now(zone).date()
        monday = dt.datetime.combine(today - dt.timedelta(days=today.weekday()), dt.time(), zone)
        return monday, monday + dt.timedelta(days=7)
    start = parse_moment(request.GET.get("start"), zone)
    end = parse_moment(request.GET.get("end"), zone)
    if start is None or end is None or end <= start or end - start > MAX_RANGE:
        return None
    return start, end


@member_required(roles=ALL_ROLES)
@require_GET
def calendar(request: HttpRequest) -> HttpResponse:
    """The calendar page; the events come from `events` as FullCalendar asks for them."""
    membership = request.membership  # type: ignore[attr-defined]
    zone = viewer_zone(membership)
    policy = SchedulingPolicy.for_practice(membership.practice_id)
    everyone = list(
        Membership.objects.for_practice(membership.practice_id)
        .active()
        .clinicians()
        .select_related("user")
        .distinct()
        .order_by("user__full_name", "id")
    )
    rooms = list(
        Room.objects.for_practice(membership.practice_id)
        .filter(is_archived=False)
        .select_related("location")
    )
    room = _room(request, membership)
    chosen = _clinicians(request, membership)
    if not chosen and room is None and everyone:
        chosen = [everyone[0]]
    view = request.GET.get("view", "week")
    if view not in VIEWS:
        view = "week"
    day = request.GET.get("date", "")
    try:
        day = dt.date.fromisoformat(day).isoformat()
    except ValueError:
        day = dt.datetime.now(zone).date().isoformat()
    side_by_side = len(chosen) > 1 and room is None
    context = {
        "everyone": everyone,
        "rooms": rooms,
        "room": room,
        "chosen": chosen,
        "chosen_ids": {m.pk for m in chosen},
        "view": view,
        "views": [(key, key.capitalize()) for key in VIEWS],
        "fc_view": "timeGridDay" if side_by_side else VIEWS[view],
        "side_by_side": side_by_side,
        "date": day,
        "time_zone": str(zone),
        "policy": policy,
        "slot": f"00:{policy.slot_minutes:02d}:00",
        "may_book": membership.role in SCHEDULERS,
        "events_url": reverse("scheduling:events"),
        "hours_url": reverse("scheduling:hours"),
        "book_url": reverse("scheduling:book"),
    }
    return render(request, "scheduling/calendar.html", context)


# The columns an event is made of: loading only these (no encrypted staff notes or client
# details to decrypt) keeps a full week of a busy calendar cheap to serve.
EVENT_FIELDS = (
    "uuid",
    "practice_id",
    "starts_at",
    "ends_at",
    "status",
    "modality",
    "video_room",
    "version",
    "series_id",
    "clinician__uuid",
    "clinician__role",
    "clinician__supervisor_id",
    "clinician__practice_id",
    "clinician__is_active",
    "clinician__sees_clients",
    "appointment_type__name",
    "appointment_type__colour",
    "room__name",
)
ATTENDEE_FIELDS = (
    "appointment_id",
    "client__legal_first_name",
    "client__legal_last_name",
    "client__preferred_name",
    "client__time_zone",
)


def _visible_appointments(membership: Membership) -> Any:
    if membership.role in PRACTICE_WIDE_ROLES:
        return Value(True, output_field=BooleanField())
    return Exists(Appointment.objects.visible_to(membership).filter(pk=OuterRef("pk")))


def _visible_clients(membership: Membership) -> Any:
    if membership.role in PRACTICE_WIDE_ROLES:
        return Value(True, output_field=BooleanField())
    return Exists(Client.objects.visible_to(membership).filter(pk=OuterRef("client_id")))


def event_json(
    appt: Appointment, *, viewer: Membership, zone: ZoneInfo, policy: SchedulingPolicy
) -> dict[str, Any]:
    """One FullCalendar event; what it says depends on what the viewer may see."""
    editable = (
        appt.visible  # type: ignore[attr-defined]
        and appt.status in (AppointmentStatus.SCHEDULED, AppointmentStatus.CONFIRMED)
        and services.can_schedule_for(viewer, appt.clinician)
    )
    event: dict[str, Any] = {
        "id": str(appt.uuid),
        "start": appt.starts_at.astimezone(zone).isoformat(),
        "end": appt.ends_at.astimezone(zone).isoformat(),
        "resourceId": str(appt.clinician.uuid),
        "editable": editable,
    }
    if not appt.visible:  # type: ignore[attr-defined]
        event.update(
            title="Busy",
            color="#6b6f76",
            classNames=["event-busy"],
            extendedProps={"busy": True, "version": appt.version, "editable": False},
        )
        return event
    attendees = list(appt.attendees.all())
    names = [
        a.client.display_name if a.client_visible else a.client.initials  # type: ignore[attr-defined]
        for a in attendees
    ]
    client_zones = [a.client.time_zone for a in attendees if a.client.time_zone]
    kind = appt.appointment_type
    props: dict[str, Any] = {
        "status": appt.status,
        "status_label": appt.get_status_display(),
        "type": kind.name,
        "modality": appt.modality,
        "room": appt.room.name if appt.room else "",
        "version": appt.version,
        "editable": editable,
        "series": appt.series_id is not None,
        "url": reverse("scheduling:appointment", args=[appt.uuid]),
    }
    if appt.is_telehealth and (viewer.pk == appt.clinician_id or editable):
        props["telehealth_url"] = appt.telehealth_url(policy)
    if client_zones and client_zones[0] != str(zone):
        props["client_time_zone"] = client_zones[0]
    event.update(
        url=props["url"],
        title=", ".join(names) or kind.name,
        color=kind.colour,
        classNames=[f"event-{appt.status}"],
        extendedProps=props,
    )
    return event


@member_required(roles=ALL_ROLES)
@require_GET
def events(request: HttpRequest) -> JsonResponse:
    """The appointments of the chosen clinicians (or room) in [start, end), as JSON, in a
    constant number of queries however many there are."""
    membership = request.membership  # type: ignore[attr-defined]
    zone = viewer_zone(membership)
    span = _range(request, zone)
    if span is None:
        return JsonResponse(
            {"error": "Give a start and an end, at most 62 days apart."}, status=400
        )
    clinicians, room = _clinicians(request, membership), _room(request, membership)
    qs = (
        Appointment.objects.for_practice(membership.practice_id)
        .overlapping(*span)
        .filter(status__in=SHOWN_STATUSES)
        .select_related("appointment_type", "room", "clinician")
        .only(*EVENT_FIELDS)
        .annotate(visible=_visible_appointments(membership))
        .prefetch_related(
            Prefetch(
                "attendees",
                queryset=AppointmentAttendee.objects.select_related("client")
                .only(*ATTENDEE_FIELDS)
                .annotate(client_visible=_visible_clients(membership)),
            )
        )
    )
    if room is not None:
        qs = qs.filter(room=room)
    if clinicians or room is None:
        qs = qs.filter(clinician__in=clinicians)
    policy = SchedulingPolicy.for_practice(membership.practice_id)
    data = [event_json(a, viewer=membership, zone=zone, policy=policy) for a in qs]
    return JsonResponse(data, safe=False)


@member_required(roles=ALL_ROLES)
@require_GET
def hours(request: HttpRequest) -> JsonResponse:
    """The chosen clinicians' working hours in [start, end) as background events."""
    membership = request.membership  # type: ignore[attr-defined]
    zone = viewer_zone(membership)
    span = _range(request, zone)
    if span is None:
        return JsonResponse(
            {"error": "Give a start and an end, at most 62 days apart."}, status=400
        )
    data = []
    clinicians = list(_clinicians(request, membership))
    # Local dates differ by at most a day between zones: one day either side covers them all.
    first = span[0].astimezone(zone).date() - dt.timedelta(days=1)
    last_day = span[1].astimezone(zone).date() + dt.timedelta(days=1)
    spans = hours_between(clinicians, first, last_day)
    for clinician in clinicians:
        own = ZoneInfo(services.clinician_time_zone(clinician))
        day = span[0].astimezone(own).date()
        last = (span[1] - dt.timedelta(microseconds=1)).astimezone(own).date()
        while day <= last:
            for starts, ends in spans[clinician.pk].get(day, []):
                data.append(
                    {
                        "start": dt.datetime.combine(day, starts, own).astimezone(zone).isoformat(),
                        "end": dt.datetime.combine(day, ends, own).astimezone(zone).isoformat(),
                        "display": "background",
                        "classNames": ["working-hours"],
                        "resourceId": str(clinician.uuid),
                    }
                )
            day += dt.timedelta(days=1)
    return JsonResponse(data, safe=False)


@member_required(roles=SCHEDULERS)
def move(request: HttpRequest, appointment_id: Any) -> JsonResponse:
    """A drag or a resize: the new start and end (wall-clock, viewer's zone) and the version
    the calendar showed. A refusal answers 409 (taken, stale) or 400 with the message."""
    membership = request.membership  # type: ignore[attr-defined]
    appointment = get_scoped_or_404(
        Appointment.objects.select_related("clinician"), membership, uuid=appointment_id
    )
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    zone = viewer_zone(membership)
    start = parse_moment(request.POST.get("start"), zone)
    end = parse_moment(request.POST.get("end"), zone)
    if start is None or end is None:
        return JsonResponse({"error": "Give the new start and end."}, status=400)
    clinician = None
    if request.POST.get("clinician"):
        clinician = get_scoped_or_404(Membership, membership, uuid=request.POST["clinician"])
    try:
        version = int(request.POST.get("version", ""))
    except ValueError:
        version = None
    try:
        moved = services.move_appointment(
            appointment,
            membership=membership,
            starts_at=start,
            ends_at=end,
            clinician=clinician,
            version=version,
            request=request,
        )
    except (services.SlotTaken, services.StaleEdit) as exc:
        return JsonResponse({"error": str(exc)}, status=409)
    except services.SchedulingError as exc:
        return JsonResponse({"error": str(exc)}, status=400)
    except PermissionDenied as exc:
        return JsonResponse({"error": str(exc)}, status=403)
    warnings = services.booking_warnings(
        clinician=moved.clinician, starts_at=moved.starts_at, ends_at=moved.ends_at
    )
    return JsonResponse({"version": moved.version, "warnings": warnings})
