"""Practice views: sign-up, Today, switching practice, settings, locations, staff, invitations
and clinician profiles."""

from __future__ import annotations

import zoneinfo
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import get_user_model, login
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from tend.core.access import get_scoped_or_404, login_only, member_required, public_view
from tend.core.refusals import add_refusal
from tend.practices import forms, services
from tend.practices.checklist import setup_checklist
from tend.practices.choices import COMMON_TAXONOMY_CODES, MANAGERS, Role
from tend.practices.middleware import SESSION_KEY
from tend.practices.models import ClinicianProfile, Invitation, Location, Membership, Room

MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


def _mfa_setup_url() -> str:
    """Where a new owner goes next: two-step sign-in enrolment (Today until it exists)."""
    try:
        return reverse("accounts:mfa_setup")
    except NoReverseMatch:
        return reverse("practices:today")


# Sign-up, new practices, switching ---------------------------------------------------------


@public_view
@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    """A new person signs up with their practice, becomes its owner and enrols in MFA."""
    if request.user.is_authenticated:
        return redirect("practices:create")
    form = forms.SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            membership = services.sign_up_practice(
                practice_name=data["practice_name"],
                time_zone=data["time_zone"],
                full_name=data["full_name"],
                email=data["email"],
                password=data["password"],
                owner_sees_clients=data["owner_sees_clients"],
                request=request,
            )
        except services.EmailInUse:
            form.add_error("email", forms.already_registered_message())
        else:
            login(request, membership.user, backend=MODEL_BACKEND)
            request.session[SESSION_KEY] = str(membership.practice.uuid)
            messages.success(request, "Your practice is ready. Next, set up two-step sign-in.")
            return redirect(_mfa_setup_url())
    return render(request, "practices/signup.html", {"form": form})


@login_only
@require_http_methods(["GET", "POST"])
def create_practice(request: HttpRequest) -> HttpResponse:
    """A signed-in person creates another practice and becomes its owner."""
    form = forms.NewPracticeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        membership = services.create_practice(
            name=data["practice_name"],
            time_zone=data["time_zone"],
            owner_user=request.user,
            owner_sees_clients=data["owner_sees_clients"],
            request=request,
        )
        services.switch_practice(request=request, to=membership)
        messages.success(request, f"{membership.practice.name} is ready.")
        return redirect("practices:today")
    return render(request, "practices/create.html", {"form": form})


@login_only
@require_http_methods(["GET", "POST"])
def choose_practice(request: HttpRequest) -> HttpResponse:
    """Switch the practice this session works in."""
    memberships = (
        Membership.objects.filter(user=request.user, is_active=True)
        .select_related("practice")
        .order_by("practice__name")
    )
    error = None
    if request.method == "POST":
        chosen = memberships.filter(practice__uuid=_uuid_or_none(request.POST.get("practice")))
        if chosen.exists():
            services.switch_practice(request=request, to=chosen.get())
            return redirect("practices:today")
        error = "Choose one of your practices."
    context = {"memberships": memberships, "error": error}
    return render(request, "practices/choose.html", context, status=400 if error else 200)


def _uuid_or_none(value: str | None) -> str | None:
    import uuid

    try:
        return str(uuid.UUID(value or ""))
    except ValueError:
        return None


# Today -------------------------------------------------------------------------------------


def part_of_day(hour: int) -> str:
    if 5 <= hour < 12:
        return "Good morning"
    if 12 <= hour < 18:
        return "Good afternoon"
    return "Good evening"


@member_required()
def today(request: HttpRequest) -> HttpResponse:
    """The landing page: a greeting in the person's time zone, their practice and role."""
    membership = request.membership  # type: ignore[attr-defined]
    profile = ClinicianProfile.objects.filter(membership=membership).first()
    zone = (profile.time_zone if profile else "") or membership.practice.time_zone
    now = timezone.now().astimezone(zoneinfo.ZoneInfo(zone))
    context = {
        "greeting": part_of_day(now.hour),
        "now": now,
        "time_zone": zone,
        "supervisee_count": membership.supervisees.filter(is_active=True).count(),
        "other_memberships": Membership.objects.filter(user=request.user, is_active=True)
        .exclude(pk=membership.pk)
        .select_related("practice")
        .order_by("practice__name"),
        "checklist": setup_checklist(membership) if membership.role == Role.OWNER else None,
    }
    from tend.scheduling.views.availability import today_sessions

    context.update(today_sessions(membership))
    return render(request, "practices/today.html", context)


# Practice settings -------------------------------------------------------------------------


@member_required(roles=MANAGERS)
@require_http_methods(["GET", "POST"])
def practice_settings(request: HttpRequest) -> HttpResponse:
    """Name, time zone, currency, two-step sign-in and idle sign-out for the practice."""
    membership = request.membership  # type: ignore[attr-defined]
    form = forms.PracticeSettingsForm(request.POST or None, instance=membership.practice)
    if request.method == "POST" and form.is_valid():
        services.update_practice_settings(
            membership=membership, request=request, **form.cleaned_data
        )
        messages.success(request, "Practice settings saved.")
        return redirect("practices:settings")
    return render(request, "practices/settings.html", {"form": form})


# Locations and rooms -----------------------------------------------------------------------


@member_required()
def location_list(request: HttpRequest) -> HttpResponse:
    """Every location and its rooms; managers see archived ones and can change them."""
    membership = request.membership  # type: ignore[attr-defined]
    rooms = Room.objects.order_by("is_archived", "name")
    locations = (
        Location.objects.visible_to(membership)
        .prefetch_related(Prefetch("rooms", queryset=rooms))
        .order_by("is_archived", "name")
    )
    if not membership.is_manager:
        locations = locations.filter(is_archived=False)
    context = {"locations": locations, "can_manage": membership.is_manager}
    return render(request, "practices/location_list.html", context)


@member_required(roles=MANAGERS)
@require_http_methods(["GET", "POST"])
def location_add(request: HttpRequest) -> HttpResponse:
    """Add an office or telehealth location."""
    membership = request.membership  # type: ignore[attr-defined]
    form = forms.LocationForm(request.POST or None, practice=membership.practice)
    if request.method == "POST" and form.is_valid():
        try:
            location = services.add_location(
                membership=membership, request=request, **form.cleaned_data
            )
        except services.PracticeError as exc:
            add_refusal(form, exc)
        else:
            messages.success(request, f"Added {location.name}.")
            return redirect("practices:location", location_id=location.uuid)
    return render(request, "practices/location_form.html", {"form": form, "location": None})


@member_required(roles=MANAGERS)
@require_http_methods(["GET", "POST"])
def location_detail(request: HttpRequest, location_id: str) -> HttpResponse:
    """Edit a location and list its rooms."""
    membership = request.membership  # type: ignore[attr-defined]
    location = get_scoped_or_404(Location, membership, uuid=location_id)
    form = forms.LocationForm(request.POST or None, instance=location, practice=membership.practice)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_location(
                membership=membership, location=location, request=request, **form.cleaned_data
            )
        except services.PracticeError as exc:
            add_refusal(form, exc)
        else:
            messages.success(request, "Location saved.")
            return redirect("practices:location", location_id=location.uuid)
    location.refresh_from_db()
    context = {"form": form, "location": location, "room_form": forms.RoomForm()}
    return render(request, "practices/location_form.html", context)


@member_required(roles=MANAGERS)
def location_archive(request: HttpRequest, location_id: str) -> HttpResponse:
    """Archive a location, or bring it back with `restore=1`; never deletes."""
    membership = request.membership  # type: ignore[attr-defined]
    location = get_scoped_or_404(Location, membership, uuid=location_id)
    # Checked after the lookup (not with require_POST) so another practice's id is a 404
    # whatever the method; the same in the other POST-only views below.
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    archived = request.POST.get("restore") != "1"
    services.archive_location(
        membership=membership, location=location, archived=archived, request=request
    )
    messages.success(request, f"{'Archived' if archived else 'Restored'} {location.name}.")
    return redirect("practices:locations")


@member_required(roles=MANAGERS)
@require_http_methods(["GET", "POST"])
def room_add(request: HttpRequest, location_id: str) -> HttpResponse:
    """Add a room to a location."""
    membership = request.membership  # type: ignore[attr-defined]
    location = get_scoped_or_404(Location, membership, uuid=location_id)
    form = forms.RoomForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.add_room(
                membership=membership, location=location, request=request, **form.cleaned_data
            )
        except services.PracticeError as exc:
            add_refusal(form, exc)
        else:
            messages.success(request, f"Added {form.cleaned_data['name']}.")
            return redirect("practices:location", location_id=location.uuid)
    return render(request, "practices/room_form.html", {"form": form, "location": location})


@member_required(roles=MANAGERS)
@require_http_methods(["GET", "POST"])
def room_detail(request: HttpRequest, room_id: str) -> HttpResponse:
    """Rename a room or change its capacity."""
    membership = request.membership  # type: ignore[attr-defined]
    room = get_scoped_or_404(Room.objects.select_related("location"), membership, uuid=room_id)
    form = forms.RoomForm(request.POST or None, instance=room)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_room(
                membership=membership, room=room, request=request, **form.cleaned_data
            )
        except services.PracticeError as exc:
            add_refusal(form, exc)
        else:
            messages.success(request, "Room saved.")
            return redirect("practices:location", location_id=room.location.uuid)
    room.refresh_from_db()
    context = {"form": form, "location": room.location, "room": room}
    return render(request, "practices/room_form.html", context)


@member_required(roles=MANAGERS)
def room_archive(request: HttpRequest, room_id: str) -> HttpResponse:
    """Archive a room, or bring it back with `restore=1`; never deletes."""
    membership = request.membership  # type: ignore[attr-defined]
    room = get_scoped_or_404(Room.objects.select_related("location"), membership, uuid=room_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    archived = request.POST.get("restore") != "1"
    services.archive_room(membership=membership, room=room, archived=archived, request=request)
    messages.success(request, f"{'Archived' if archived else 'Restored'} {room.name}.")
    return redirect("practices:location", location_id=room.location.uuid)


# Staff and invitations ---------------------------------------------------------------------


def _lock_checker() -> Any:
    """`tend.accounts.services.is_locked_out` once the accounts app provides it."""
    try:
        from tend.accounts.services import is_locked_out  # type: ignore[attr-defined]
    except ImportError:
        return None
    return is_locked_out


def _unlock_url(member: Membership) -> str | None:
    """The accounts app's unlock URL for this member, if that URL exists."""
    attempts: list[dict[str, Any]] = [
        {"kwargs": {"membership_id": member.uuid}},
        {"args": [member.uuid]},
        {},
    ]
    for attempt in attempts:
        try:
            return reverse("accounts:unlock", **attempt)
        except NoReverseMatch:
            continue
    return None


def member_status(member: Membership, is_locked_out: Any) -> str:
    if not member.is_active:
        return "deactivated"
    if is_locked_out is not None and is_locked_out(member.user):
        return "locked"
    return "active"


@member_required(roles=MANAGERS)
def staff_list(request: HttpRequest) -> HttpResponse:
    """Members with role, status and supervisor; pending invitations; the invite form."""
    membership = request.membership  # type: ignore[attr-defined]
    members = list(
        Membership.objects.visible_to(membership)
        .select_related("user", "supervisor__user")
        .order_by("-is_active", "user__full_name")
    )
    checker = _lock_checker()
    for member in members:
        member.status = member_status(member, checker)  # type: ignore[attr-defined]
        member.unlock_url = (  # type: ignore[attr-defined]
            _unlock_url(member) if member.status == "locked" else None  # type: ignore[attr-defined]
        )
    invitations = Invitation.objects.visible_to(membership).pending().order_by("email")
    form = forms.InviteForm(membership=membership)
    context = {"members": members, "invitations": invitations, "form": form}
    return render(request, "practices/staff_list.html", context)


@member_required(roles=MANAGERS)
@require_http_methods(["GET", "POST"])
def invite(request: HttpRequest) -> HttpResponse:
    """Invite a person by email with a role."""
    membership = request.membership  # type: ignore[attr-defined]
    form = forms.InviteForm(request.POST or None, membership=membership)
    if request.method == "POST" and form.is_valid():
        try:
            invitation = services.invite_member(
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                membership=membership,
                request=request,
            )
        except services.PracticeError as exc:
            add_refusal(form, exc)
        else:
            messages.success(request, f"Invitation sent to {invitation.email}.")
            return redirect("practices:staff")
    return render(request, "practices/invite.html", {"form": form})


@member_required(roles=MANAGERS)
def invitation_revoke(request: HttpRequest, invitation_id: str) -> HttpResponse:
    """Withdraw a pending invitation."""
    membership = request.membership  # type: ignore[attr-defined]
    invitation = get_scoped_or_404(Invitation, membership, uuid=invitation_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        services.revoke_invitation(invitation=invitation, membership=membership, request=request)
    except services.PracticeError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Invitation to {invitation.email} withdrawn.")
    return redirect("practices:staff")


@member_required(roles=MANAGERS)
@require_http_methods(["GET", "POST"])
def member_detail(request: HttpRequest, membership_id: str) -> HttpResponse:
    """One member: role, supervisor, caseload flag, deactivate or reactivate, unlock."""
    membership = request.membership  # type: ignore[attr-defined]
    member = get_scoped_or_404(
        Membership.objects.select_related("user", "supervisor"), membership, uuid=membership_id
    )
    form = forms.MemberForm(request.POST or None, member=member)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_member(
                member=member, membership=membership, request=request, **form.cleaned_data
            )
        except services.PracticeError as exc:
            add_refusal(form, exc)
        else:
            messages.success(request, f"Saved {member.user.full_name}.")
            return redirect("practices:member", membership_id=member.uuid)
    member.refresh_from_db()
    status = member_status(member, _lock_checker())
    unlock_url = _unlock_url(member) if status == "locked" else None
    context = {"member": member, "form": form, "status": status, "unlock_url": unlock_url}
    return render(request, "practices/member_detail.html", context)


@member_required(roles=MANAGERS)
def member_set_active(request: HttpRequest, membership_id: str) -> HttpResponse:
    """Deactivate a member (`active=0`) or reactivate them (`active=1`)."""
    membership = request.membership  # type: ignore[attr-defined]
    member = get_scoped_or_404(
        Membership.objects.select_related("user"), membership, uuid=membership_id
    )
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    service = (
        services.reactivate_member
        if request.POST.get("active") == "1"
        else services.deactivate_member
    )
    try:
        service(member=member, membership=membership, request=request)
    except services.PracticeError as exc:
        messages.error(request, str(exc))
    else:
        state = "reactivated" if member.is_active else "deactivated"
        messages.success(request, f"{member.user.full_name} is {state}.")
    return redirect("practices:member", membership_id=member.uuid)


# Accepting an invitation -------------------------------------------------------------------


@public_view
@require_http_methods(["GET", "POST"])
def accept_invitation(request: HttpRequest, token: str) -> HttpResponse:
    """Join a practice from an emailed link: sign in first if the address has an account."""
    invitation = services.find_invitation(token)
    if invitation is None or invitation.status != "pending":
        status = invitation.status if invitation else "unknown"
        return render(
            request,
            "practices/invitation_unusable.html",
            {"status": status},
            status=404 if invitation is None else 410,
        )
    existing = get_user_model().objects.filter(email__iexact=invitation.email).first()
    context: dict[str, Any] = {"invitation": invitation, "existing": existing}
    if request.user.is_authenticated and request.user != existing:
        return render(request, "practices/invitation_other_account.html", context, status=403)
    if existing is not None and not request.user.is_authenticated:
        query = urlencode({"next": request.path})
        context["sign_in_url"] = f"{reverse('accounts:login')}?{query}"
        return render(request, "practices/invitation_sign_in.html", context)
    form = None
    if existing is None:
        form = forms.AcceptInvitationForm(request.POST or None, email=invitation.email)
    if request.method == "POST" and (form is None or form.is_valid()):
        response = _accept(request, invitation, existing, form)
        if response is not None:
            return response
    context["form"] = form
    return render(request, "practices/invitation_accept.html", context)


def _accept(
    request: HttpRequest, invitation: Invitation, user: Any, form: Any
) -> HttpResponse | None:
    fields = {}
    if form is not None:
        fields = {
            "full_name": form.cleaned_data["full_name"],
            "password": form.cleaned_data["password"],
        }
    try:
        membership = services.accept_invitation(
            invitation=invitation, user=user, request=request, **fields
        )
    except services.PracticeError as exc:
        messages.error(request, str(exc))
        return None
    if user is None:
        login(request, membership.user, backend=MODEL_BACKEND)
    request.session[SESSION_KEY] = str(membership.practice.uuid)
    messages.success(request, f"Welcome to {membership.practice.name}.")
    if user is None and membership.practice.require_mfa:
        return redirect(_mfa_setup_url())
    return redirect("practices:today")


# Clinician profiles ------------------------------------------------------------------------


def _profile_page(request: HttpRequest, member: Membership, back_url: str) -> HttpResponse:
    membership = request.membership  # type: ignore[attr-defined]
    profile = ClinicianProfile.objects.filter(membership=member).first() or ClinicianProfile(
        practice_id=member.practice_id, membership=member
    )
    form = forms.ClinicianProfileForm(request.POST or None, instance=profile)
    if request.method == "POST" and form.is_valid():
        services.update_clinician_profile(
            profile_for=member, membership=membership, request=request, **form.cleaned_data
        )
        messages.success(request, "Clinician profile saved.")
        return redirect(back_url)
    context = {
        "form": form,
        "member": member,
        "own": member == membership,
        "taxonomy_codes": COMMON_TAXONOMY_CODES,
    }
    return render(request, "practices/clinician_profile.html", context)


@member_required()
@require_http_methods(["GET", "POST"])
def clinician_profile(request: HttpRequest) -> HttpResponse:
    """A clinician's own credentials, licence, NPI, taxonomy and time zone."""
    membership = request.membership  # type: ignore[attr-defined]
    if not membership.is_clinical:
        messages.info(request, "Clinician profiles are for members who see clients.")
        return redirect("practices:today")
    return _profile_page(request, membership, reverse("practices:clinician_profile"))


@member_required(roles=MANAGERS)
@require_http_methods(["GET", "POST"])
def member_clinician_profile(request: HttpRequest, membership_id: str) -> HttpResponse:
    """An owner or administrator edits any clinician's profile."""
    member = get_scoped_or_404(
        Membership.objects.select_related("user"),
        request.membership,  # type: ignore[attr-defined]
        uuid=membership_id,
    )
    if not member.is_clinical:
        messages.info(request, "This member does not see clients, so has no clinician profile.")
        return redirect("practices:member", membership_id=member.uuid)
    return _profile_page(request, member, reverse("practices:member", args=[member.uuid]))
