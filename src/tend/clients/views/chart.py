"""The chart's overview and history tabs, editing demographics, contacts, phones, status and
the care team, and breaking the glass on a restricted chart."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from tend.clients.access import _BY_ROLE, chart_access
from tend.clients.chart import chart_view, may_open, on_care_team, session_key_hash
from tend.clients.forms.clients import (
    BreakGlassForm,
    CareTeamForm,
    ContactForm,
    EditClientForm,
    PhoneForm,
    StatusForm,
)
from tend.clients.models import CareTeamMember, Client, ClientPhone, RelatedPerson
from tend.clients.services import clients as services
from tend.core.access import get_scoped_or_404, member_required
from tend.core.audit import record
from tend.practices.choices import ALL_ROLES, MANAGERS

# Every role reads the schedule (billers too); only the chart's own access decides the rest.
SEES_SCHEDULE = ALL_ROLES


def part_view(model: type[models.Model], needs: str) -> Callable:
    """Like chart_view, for a page about one row of a chart (a contact, a phone, a care
    assignment) addressed by its own id: `view(request, obj, client, access)`."""
    roles = frozenset(role for role, access in _BY_ROLE.items() if getattr(access, needs))

    def decorator(view: Callable) -> Callable:
        @member_required()
        @wraps(view)
        def wrapped(request: HttpRequest, **kwargs: Any) -> HttpResponse:
            membership = request.membership  # type: ignore[attr-defined]
            visible = model._default_manager.filter(
                client__in=Client.objects.visible_to(membership)
            ).select_related("client")
            obj: Any = get_scoped_or_404(visible, membership, uuid=next(iter(kwargs.values())))
            access = chart_access(membership, obj.client)
            if not getattr(access, needs):
                record("permission.denied", request=request, detail={"view": view.__name__})
                raise PermissionDenied("Your role does not see this part of the chart.")
            if not may_open(request, obj.client):
                return redirect("clients:break_glass", client_id=obj.client.uuid)
            return view(request, obj, obj.client, access)

        wrapped.tend_roles = roles  # type: ignore[attr-defined]
        return wrapped

    return decorator


@dataclass
class Change:
    when: Any
    who: str
    what: str
    action: str
    fields: list[tuple[str, str, str]]


HISTORY_TYPES = {"+": "Added", "~": "Changed", "-": "Removed"}
NOT_SHOWN = {"id", "uuid", "practice", "client", "created_at", "updated_at"}


def _shown(model: type[models.Model], name: str, value: Any) -> str:
    field: Any = model._meta.get_field(name)
    if value in (None, ""):
        return "—"
    if field.is_relation:
        return "another client of the practice"
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return "Yes" if value else "No"
    return str(value)


def _changes_of(records: list[Any], model: type[models.Model], what: str) -> list[Change]:
    """Consecutive versions of each row compared field by field."""
    changes: list[Change] = []
    previous: dict[int, Any] = {}
    for rec in records:
        before = previous.get(rec.id)
        fields = []
        if before is not None:
            for change in rec.diff_against(before, excluded_fields=NOT_SHOWN).changes:
                field: Any = model._meta.get_field(change.field)
                label = str(field.verbose_name)
                fields.append(
                    (
                        label[:1].upper() + label[1:],
                        _shown(model, change.field, change.old),
                        _shown(model, change.field, change.new),
                    )
                )
            if not fields and rec.history_type == "~":
                continue
        user = rec.history_user
        who = (user.full_name or user.email) if user else "Tend"
        action = HISTORY_TYPES.get(rec.history_type, "Changed")
        changes.append(Change(rec.history_date, who, what, action, fields))
        previous[rec.id] = rec
    return changes


def chart_history(client: Client) -> list[Change]:
    """The client's and their phones' and contacts' versions, newest first."""
    sources = [
        (Client.history.filter(id=client.pk), Client, "Client details"),
        (ClientPhone.history.filter(client_id=client.pk), ClientPhone, "Phone"),
        (RelatedPerson.history.filter(client_id=client.pk), RelatedPerson, "Contact"),
    ]
    changes: list[Change] = []
    for history_qs, model, what in sources:
        records = list(
            history_qs.select_related("history_user").order_by("history_date", "history_id")
        )
        changes += _changes_of(records, model, what)
    return sorted(changes, key=lambda c: c.when, reverse=True)


def _overview_context(client: Client) -> dict[str, Any]:
    team = client.care_team.select_related("membership__user").order_by("ended_on", "role")
    return {
        "phones": client.phones.all(),
        "contacts": client.related_people.select_related("linked_client"),
        "team": team,
        "status_changes": client.status_changes.select_related("changed_by__user"),
    }


@chart_view(needs="demographics", tab="overview")
def chart(request: HttpRequest, client: Client, access: Any) -> HttpResponse:
    """The chart's overview: demographics, contacts, permissions, care team, status history."""
    context = {"client": client, "access": access, "tab": "overview", **_overview_context(client)}
    membership = request.membership  # type: ignore[attr-defined]
    on_team = on_care_team(client, membership)
    context["glass_open"] = client.is_restricted and not on_team
    context["may_export"] = access.export or on_team
    context.update(_appointments_context(client, membership))
    return render(request, "clients/chart_overview.html", context)


def _appointments_context(client: Client, membership: Any) -> dict[str, Any]:
    """The client's next and latest sessions, for roles that see the schedule."""
    from django.utils import timezone

    from tend.scheduling.models import Appointment

    if membership.role not in SEES_SCHEDULE:
        return {}
    now = timezone.now()
    mine = (
        Appointment.objects.visible_to(membership)
        .filter(attendees__client=client)
        .select_related("appointment_type", "clinician__user")
    )
    return {
        "show_appointments": True,
        "upcoming": list(mine.filter(starts_at__gte=now).order_by("starts_at")[:5]),
        "recent": list(mine.filter(starts_at__lt=now).order_by("-starts_at")[:5]),
    }


@chart_view(needs="history", tab="history")
def history(request: HttpRequest, client: Client, access: Any) -> HttpResponse:
    """Who changed which field of the client and their contacts, from what to what, when."""
    context = {"client": client, "access": access, "tab": "history"}
    context["changes"] = chart_history(client)
    return render(request, "clients/chart_history.html", context)


def _may_restrict(request: HttpRequest, client: Client) -> bool:
    membership = request.membership  # type: ignore[attr-defined]
    return membership.role in MANAGERS or on_care_team(client, membership)


@chart_view(needs="edit_demographics")
def edit(request: HttpRequest, client: Client, access: Any) -> HttpResponse:
    """Edit the client's demographics (versioned)."""
    membership = request.membership  # type: ignore[attr-defined]
    may_restrict = _may_restrict(request, client)
    form = EditClientForm(request.POST or None, instance=client, may_restrict=may_restrict)
    if request.method == "POST" and form.is_valid():
        fresh = Client.objects.get(pk=client.pk)  # the form wrote its values onto `client`
        services.update_client(fresh, membership=membership, data=form.changes())
        messages.success(request, "Saved the client's details.")
        return redirect("clients:chart", client_id=client.uuid)
    context = {"client": client, "access": access, "tab": "overview", "form": form}
    return render(request, "clients/edit.html", context)


@chart_view(needs="edit_demographics")
def status(request: HttpRequest, client: Client, access: Any) -> HttpResponse:
    """Move the client to another status, with a date and a reason."""
    form = StatusForm(request.POST or None, client=client)
    if request.method == "POST" and form.is_valid():
        try:
            services.set_client_status(
                client,
                form.cleaned_data["to_status"],
                membership=request.membership,  # type: ignore[attr-defined]
                reason=form.cleaned_data["reason"],
                on_date=form.cleaned_data["on_date"],
            )
        except services.ClientRefused as exc:
            form.add_error(exc.field, str(exc))
        else:
            messages.success(request, f"Status is now {client.get_status_display().lower()}.")
            return redirect("clients:chart", client_id=client.uuid)
    context = {"client": client, "access": access, "tab": "overview", "form": form}
    return render(request, "clients/status.html", context)


def _contact_form(request: HttpRequest, client: Client, access: Any, person=None) -> Any:
    membership = request.membership  # type: ignore[attr-defined]
    form = ContactForm(request.POST or None, instance=person, membership=membership, client=client)
    if request.method == "POST" and form.is_valid():
        values = form.values()
        try:
            if person is None:
                services.add_contact(client, membership=membership, data=values)
            else:
                person.refresh_from_db()
                services.update_contact(person, membership=membership, data=values)
        except services.ClientRefused as exc:
            form.add_error(exc.field, str(exc))
        else:
            messages.success(request, "Saved the contact.")
            return redirect("clients:chart", client_id=client.uuid)
    context = {"client": client, "access": access, "tab": "overview", "form": form}
    context["person"] = person
    return render(request, "clients/contact_form.html", context)


@chart_view(needs="edit_demographics")
def contact_add(request: HttpRequest, client: Client, access: Any) -> HttpResponse:
    """Add an emergency contact, guardian, partner or family member."""
    return _contact_form(request, client, access)


@part_view(RelatedPerson, needs="edit_demographics")
def contact_edit(request: HttpRequest, person: RelatedPerson, client: Client, access: Any):
    """Edit or remove a contact."""
    if request.method == "POST" and "remove" in request.POST:
        services.remove_contact(person, membership=request.membership)  # type: ignore[attr-defined]
        messages.success(request, "Removed the contact.")
        return redirect("clients:chart", client_id=client.uuid)
    return _contact_form(request, client, access, person)


def _phone_form(request: HttpRequest, client: Client, access: Any, phone=None) -> Any:
    membership = request.membership  # type: ignore[attr-defined]
    initial = (
        {"number": phone.number, "kind": phone.kind, "is_primary": phone.is_primary}
        if phone
        else {}
    )
    form = PhoneForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        if phone is None:
            services.add_phone(client, membership=membership, number=d["number"], kind=d["kind"])
        else:
            services.update_phone(phone, membership=membership, **d)
        messages.success(request, "Saved the phone number.")
        return redirect("clients:chart", client_id=client.uuid)
    context = {"client": client, "access": access, "tab": "overview", "form": form}
    context["phone"] = phone
    return render(request, "clients/phone_form.html", context)


@chart_view(needs="edit_demographics")
def phone_add(request: HttpRequest, client: Client, access: Any) -> HttpResponse:
    """Add a phone number."""
    return _phone_form(request, client, access)


@part_view(ClientPhone, needs="edit_demographics")
def phone_edit(request: HttpRequest, phone: ClientPhone, client: Client, access: Any):
    """Edit or remove a phone number."""
    if request.method == "POST" and "remove" in request.POST:
        services.remove_phone(phone, membership=request.membership)  # type: ignore[attr-defined]
        messages.success(request, "Removed the phone number.")
        return redirect("clients:chart", client_id=client.uuid)
    return _phone_form(request, client, access, phone)


@chart_view(needs="manage_care_team")
def care_team(request: HttpRequest, client: Client, access: Any) -> HttpResponse:
    """Owners and admins assign clinicians: primary, co-therapist, consulting."""
    membership = request.membership  # type: ignore[attr-defined]
    form = CareTeamForm(request.POST or None, practice=membership.practice_id)
    if request.method == "POST" and form.is_valid():
        try:
            services.assign_clinician(
                client,
                form.cleaned_data["clinician"],
                membership=membership,
                role=form.cleaned_data["role"],
            )
        except services.ClientRefused as exc:
            form.add_error(exc.field, str(exc))
        else:
            messages.success(request, "Updated the care team.")
            return redirect("clients:care_team", client_id=client.uuid)
    context = {"client": client, "access": access, "tab": "overview", "form": form}
    context["team"] = client.care_team.select_related("membership__user").order_by("ended_on")
    return render(request, "clients/care_team.html", context)


@part_view(CareTeamMember, needs="manage_care_team")
def care_end(request: HttpRequest, care: CareTeamMember, client: Client, access: Any):
    """End one care assignment (kept as history). POST only; a GET goes back to the team."""
    if request.method == "POST":
        services.end_assignment(care, membership=request.membership)  # type: ignore[attr-defined]
        messages.success(request, "Ended the assignment.")
    return redirect("clients:care_team", client_id=client.uuid)


@member_required(roles=ALL_ROLES)
def break_glass(request: HttpRequest, client_id: Any) -> HttpResponse:
    """Someone outside a restricted chart's care team states why they need it now."""
    membership = request.membership  # type: ignore[attr-defined]
    client = get_scoped_or_404(Client, membership, uuid=client_id)
    if may_open(request, client):
        return redirect("clients:chart", client_id=client.uuid)
    form = BreakGlassForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.break_glass(
                client,
                membership=membership,
                reason=form.cleaned_data["reason"],
                session_key_hash=session_key_hash(request),
                session_expires_at=request.session.get_expiry_date(),
            )
        except services.ClientRefused as exc:
            form.add_error("reason", str(exc))
        else:
            return redirect("clients:chart", client_id=client.uuid)
    return render(request, "clients/break_glass.html", {"client": client, "form": form})
