"""The Diagnoses tab: a client's ICD-10-CM diagnoses per episode, ranked, and the code picker."""

from __future__ import annotations

from itertools import groupby
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tend.clients import icd
from tend.clients.access import _BY_ROLE
from tend.clients.chart import chart_object_view, chart_view
from tend.clients.forms.diagnoses import DiagnosisForm
from tend.clients.models import Diagnosis, IcdCode
from tend.clients.services import diagnoses as services
from tend.core.access import member_required
from tend.core.refusals import add_refusal

# Who may use the code picker: the roles that see diagnoses at all.
DIAGNOSIS_ROLES = frozenset(role for role, access in _BY_ROLE.items() if access.diagnoses)
SEARCH_LIMIT = 20


def list_context(client: Any, access: Any) -> dict[str, Any]:
    current, past = services.current_and_past(client)
    groups = [(episode, list(rows)) for episode, rows in groupby(current, lambda d: d.episode)]
    return {
        "client": client,
        "access": access,
        "tab": "diagnoses",
        "groups": groups,
        "past": past,
        "code_set_version": icd.code_set_version(),
        "attribution": icd.ATTRIBUTION,
    }


@chart_view(needs="diagnoses", tab="diagnoses")
@require_GET
def diagnoses(request: HttpRequest, client: Any, access: Any) -> HttpResponse:
    """Current diagnoses ranked (primary first) per episode; resolved and ruled out below."""
    return render(request, "clients/diagnoses.html", list_context(client, access))


def _form_page(request: HttpRequest, client: Any, access: Any, form: Any, diagnosis: Any):
    context = {"client": client, "access": access, "tab": "diagnoses", "form": form}
    context |= {"diagnosis": diagnosis, "code_set_version": icd.code_set_version()}
    context["attribution"] = icd.ATTRIBUTION
    return render(request, "clients/diagnosis_form.html", context)


@chart_view(needs="clinical", tab="diagnoses")
@require_http_methods(["GET", "POST"])
def diagnosis_add(request: HttpRequest, client: Any, access: Any) -> HttpResponse:
    """Add a diagnosis with a billable ICD-10-CM code."""
    membership = request.membership  # type: ignore[attr-defined]
    form = DiagnosisForm(request.POST or None, client=client)
    if request.method == "POST" and form.is_valid():
        try:
            diagnosis = services.add_diagnosis(
                client, membership=membership, request=request, **form.cleaned_data
            )
        except services.DiagnosisError as exc:
            add_refusal(form, exc)
        else:
            messages.success(request, f"Added {diagnosis.code.code}.")
            return redirect("clients:diagnoses", client_id=client.uuid)
    return _form_page(request, client, access, form, None)


@chart_object_view(Diagnosis, "diagnosis_id", needs="clinical", tab="diagnoses")
@require_http_methods(["GET", "POST"])
def diagnosis_edit(request: HttpRequest, client: Any, access: Any, diagnosis: Diagnosis):
    """Change a diagnosis's code, status or dates (resolve it, rule it out)."""
    membership = request.membership  # type: ignore[attr-defined]
    form = DiagnosisForm(request.POST or None, client=client, diagnosis=diagnosis)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_diagnosis(
                diagnosis, membership=membership, request=request, **form.cleaned_data
            )
        except services.DiagnosisError as exc:
            add_refusal(form, exc)
        else:
            messages.success(request, "Diagnosis saved.")
            return redirect("clients:diagnoses", client_id=client.uuid)
    return _form_page(request, client, access, form, diagnosis)


@chart_object_view(Diagnosis, "diagnosis_id", needs="clinical", tab="diagnoses")
@require_POST
def diagnosis_move(request: HttpRequest, client: Any, access: Any, diagnosis: Diagnosis):
    """Move a diagnosis up or down the ranking; htmx gets the list back to swap in."""
    membership = request.membership  # type: ignore[attr-defined]
    direction = request.POST.get("direction", "")
    try:
        diagnosis = services.move_diagnosis(
            diagnosis, direction, membership=membership, request=request
        )
    except services.DiagnosisError as exc:
        messages.error(request, str(exc))
    if getattr(request, "htmx", False):
        context = list_context(client, access) | {"moved": diagnosis, "direction": direction}
        return render(request, "clients/diagnosis_list.html", context)
    return redirect("clients:diagnoses", client_id=client.uuid)


@member_required(roles=DIAGNOSIS_ROLES)
@require_GET
def icd_search(request: HttpRequest) -> HttpResponse:
    """Code picker suggestions (an htmx fragment of listbox options) for ?q= code or words."""
    text = (request.GET.get("q") or request.GET.get("code") or "").strip()[:60]
    codes = list(icd.search_codes(IcdCode.objects.all(), text)[: SEARCH_LIMIT + 1])
    context = {"codes": codes[:SEARCH_LIMIT], "more": len(codes) > SEARCH_LIMIT, "q": text}
    context["listbox_id"] = request.GET.get("listbox", "id_code_listbox")[:40]
    return render(request, "clients/icd_options.html", context)
