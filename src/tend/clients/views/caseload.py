"""The caseload, registering a client, bulk reassignment and the owner's break-the-glass review.

The caseload page runs the same number of queries whatever its size: every column is an
annotation, a subquery or a prefetch.
"""

from __future__ import annotations

import datetime
import re
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import (
    CharField,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce, Replace
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_POST

from tend.clients.access import _BY_ROLE, EXPORT_ROLES, IMPORT_ROLES
from tend.clients.choices import ConsentKind, PolicyPriority
from tend.clients.forms.clients import (
    ANY_STATUS,
    CaseloadFilterForm,
    ReassignForm,
    RegisterClientForm,
    parse_birth_date,
)
from tend.clients.models import (
    BreakGlassAccess,
    CareTeamMember,
    Client,
    ClientPhone,
    Consent,
    InsurancePolicy,
    PriorAuthorization,
)
from tend.clients.services import clients as services
from tend.core.access import member_required
from tend.practices.choices import ALL_ROLES, MANAGERS, Role

PAGE_SIZE = 50
PHONE_LIKE = re.compile(r"[\d\s().+-]+")
REGISTER_ROLES = frozenset(role for role, access in _BY_ROLE.items() if access.register)
AUTH_VISITS_LOW = 2
AUTH_ENDING_DAYS = 14


def _count(queryset: QuerySet, outer: str) -> Coalesce:
    """COUNT(*) of a correlated subquery, 0 when empty."""
    counted = (
        queryset.filter(**{outer: OuterRef("pk")})
        .order_by()
        .values(outer)
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def annotate_caseload(clients: QuerySet, today: datetime.date) -> QuerySet:
    """Every column of the caseload as annotations and one prefetch (no per-row queries)."""
    primary = InsurancePolicy.objects.in_force_on(today).filter(
        client=OuterRef("pk"), priority=PolicyPriority.PRIMARY
    )
    team = CareTeamMember.objects.filter(ended_on__isnull=True).select_related("membership__user")
    running_low = PriorAuthorization.objects.filter(ends_on__gte=today).filter(
        Q(visits_authorized__lte=F("visits_used") + AUTH_VISITS_LOW)
        | Q(ends_on__lte=today + datetime.timedelta(days=AUTH_ENDING_DAYS))
    )
    return clients.annotate(
        primary_payer=Subquery(primary.values("payer__name")[:1], output_field=CharField()),
        consents_expired=_count(
            Consent.objects.filter(revoked_on__isnull=True, expires_on__lt=today), "client"
        ),
        has_treatment_consent=Exists(
            Consent.objects.in_force_on(today).filter(
                client=OuterRef("pk"), kind=ConsentKind.TREATMENT
            )
        ),
        authorizations_low=_count(running_low, "policy__client"),
        has_clinician=Exists(
            CareTeamMember.objects.filter(client=OuterRef("pk"), ended_on__isnull=True)
        ),
    ).prefetch_related(Prefetch("care_team", queryset=team, to_attr="current_team"))


def _search(clients: QuerySet, text: str) -> QuerySet:
    text = text.strip()
    if not text:
        return clients
    born = parse_birth_date(text)
    if born is not None:
        return clients.filter(date_of_birth=born)
    words = Q()
    for word in text.split():
        words &= (
            Q(legal_first_name__icontains=word)
            | Q(legal_last_name__icontains=word)
            | Q(preferred_name__icontains=word)
            | Q(email__icontains=word)
        )
    digits = services.phone_digits(text)
    if len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]  # +1 country code
    if len(digits) >= 4 and PHONE_LIKE.fullmatch(text):
        bare = Replace(
            Replace(Replace(Replace(F("number"), Value("(")), Value(")")), Value(" ")), Value("-")
        )
        phones = ClientPhone.objects.annotate(bare=bare).filter(bare__contains=digits)
        return clients.filter(Q(pk__in=phones.values("client_id")) | words)
    return clients.filter(words)


SORT_ORDER: dict[str, list[Any]] = {
    "name": ["legal_last_name", "legal_first_name", "id"],
    "age": [F("date_of_birth").desc(nulls_last=True), "id"],
    "status": ["status", "legal_last_name", "id"],
    "newest": ["-created_at", "-id"],
}


def caseload_clients(membership: Any, form: CaseloadFilterForm, data: dict) -> QuerySet:
    """The member's caseload, searched, filtered and sorted."""
    clients: Any = Client.objects.visible_to(membership)
    clinician = data.get("clinician")
    if membership.role == Role.CLINICIAN:
        clinician = membership
    if clinician is not None:
        clients = clients.filter(
            Exists(
                CareTeamMember.objects.filter(
                    client=OuterRef("pk"), membership=clinician, ended_on__isnull=True
                )
            )
        )
    status = data.get("status") or ""
    if status == "":
        clients = clients.open()
    elif status != ANY_STATUS:
        clients = clients.filter(status=status)
    if data.get("payer"):
        clients = clients.filter(
            Exists(InsurancePolicy.objects.filter(client=OuterRef("pk"), payer=data["payer"]))
        )
    if data.get("restricted"):
        clients = clients.filter(is_restricted=True)
    clients = _search(clients, data.get("q") or "")
    return clients.order_by(*SORT_ORDER.get(data.get("sort") or "name", SORT_ORDER["name"]))


def _is_htmx(request: HttpRequest) -> bool:
    return bool(
        request.headers.get("HX-Request") and not request.headers.get("HX-History-Restore-Request")
    )


@member_required(roles=ALL_ROLES)
def caseload(request: HttpRequest) -> HttpResponse:
    """My caseload (clinicians, supervisors) or the practice's (office roles)."""
    membership = request.membership  # type: ignore[attr-defined]
    params = request.GET.copy()
    if membership.role == Role.SUPERVISOR and "clinician" not in params:
        params["clinician"] = str(membership.uuid)  # "My caseload" first
    form = CaseloadFilterForm(params, membership=membership)
    data = form.cleaned_data if form.is_valid() else {}
    today = timezone.localdate()
    clients = annotate_caseload(caseload_clients(membership, form, data), today)
    if form.errors:
        clients = clients.none()
    page = Paginator(clients, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page": page,
        "today": today,
        "may_reassign": membership.role in MANAGERS,
        "may_register": membership.role in REGISTER_ROLES,
        "may_import": membership.role in IMPORT_ROLES,
        "may_export": membership.role in EXPORT_ROLES,
        "practice_wide": membership.role not in (Role.CLINICIAN, Role.SUPERVISOR),
    }
    if context["may_reassign"]:
        context["reassign_form"] = ReassignForm(membership=membership)
    template = "clients/_caseload_results.html" if _is_htmx(request) else "clients/caseload.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@member_required(roles=MANAGERS)
@require_POST
def reassign(request: HttpRequest) -> HttpResponse:
    """Owners and admins move the chosen clients to a new primary clinician."""
    membership = request.membership  # type: ignore[attr-defined]
    form = ReassignForm(request.POST, membership=membership)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(str(e) for e in errors))
        return redirect("clients:caseload")
    moved = services.reassign_clients(
        form.cleaned_data["clients"], form.cleaned_data["to_clinician"], membership=membership
    )
    messages.success(request, f"Reassigned {moved} client{'s' if moved != 1 else ''}.")
    return redirect("clients:caseload")


@member_required(roles=REGISTER_ROLES)
def register(request: HttpRequest) -> HttpResponse:
    """The front desk registers a new client on one page."""
    membership = request.membership  # type: ignore[attr-defined]
    form = RegisterClientForm(request.POST or None, membership=membership)
    if request.method == "POST" and form.is_valid():
        try:
            client = services.register_client(
                membership=membership,
                data=form.client_data(),
                phones=form.phones(),
                emergency_contact=form.person("emergency"),
                guardian=form.person("guardian"),
                clinician=form.cleaned_data["clinician"],
            )
        except services.ClientRefused as exc:
            form.add_error(exc.field, str(exc))
        else:
            messages.success(request, f"Registered {client.display_name}.")
            if Client.objects.visible_to(membership).filter(pk=client.pk).exists():
                return redirect("clients:chart", client_id=client.uuid)
            return redirect("clients:caseload")
    return render(request, "clients/register.html", {"form": form})


@member_required(roles={Role.OWNER})
def break_glass_review(request: HttpRequest) -> HttpResponse:
    """The owner reads every break-the-glass access and marks it reviewed."""
    membership = request.membership  # type: ignore[attr-defined]
    accesses = BreakGlassAccess.objects.for_practice(membership.practice_id).select_related(
        "client", "membership__user", "reviewed_by__user"
    )
    if request.method == "POST":
        access = accesses.filter(uuid=_uuid(request.POST.get("access"))).first()
        if access is None:
            messages.error(request, "That access was not found.")
        else:
            try:
                services.review_break_glass(access, membership=membership)
                messages.success(request, "Marked as reviewed.")
            except services.AlreadyReviewed as exc:
                messages.error(request, str(exc))
        return redirect("clients:break_glass_review")
    page = Paginator(accesses, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "clients/break_glass_review.html", {"page": page})


def _uuid(value: str | None) -> Any:
    import uuid

    try:
        return uuid.UUID(value or "")
    except ValueError:
        return None
