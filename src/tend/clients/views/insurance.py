"""Payers (practice-wide), and a chart's insurance: policies, card images, prior authorisations."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from tend.clients.access import ChartAccess
from tend.clients.chart import chart_object_view, chart_view
from tend.clients.forms.insurance import AuthorizationForm, EndPolicyForm, PayerForm, PolicyForm
from tend.clients.models import Client, InsurancePolicy, Payer, PriorAuthorization
from tend.clients.services import insurance as service
from tend.clients.views.documents import serve_document
from tend.core.access import get_scoped_or_404, member_required
from tend.core.refusals import add_refusal
from tend.practices.choices import Role

PAYER_MANAGERS = frozenset({Role.OWNER, Role.ADMIN, Role.BILLER})
PAYER_READERS = PAYER_MANAGERS | {Role.FRONT_DESK}


def _refused(form: Any, exc: service.InsuranceError) -> None:
    field = exc.field
    if field == "name" and "new_payer_name" in form.fields:
        field = "new_payer_name"  # a payer typed in while entering a policy
    add_refusal(form, exc, field)


# Payers -------------------------------------------------------------------------------------


@member_required(roles=PAYER_READERS)
def payer_list(request: HttpRequest) -> HttpResponse:
    """The practice's payers; owners, administrators and billers change them."""
    membership = request.membership  # type: ignore[attr-defined]
    payers = Payer.objects.for_practice(membership.practice).order_by("is_archived", "name")
    context = {"payers": payers, "can_manage": membership.role in PAYER_MANAGERS}
    return render(request, "clients/payer_list.html", context)


@member_required(roles=PAYER_MANAGERS)
@require_http_methods(["GET", "POST"])
def payer_add(request: HttpRequest) -> HttpResponse:
    """Add a payer."""
    membership = request.membership  # type: ignore[attr-defined]
    form = PayerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            payer = service.add_payer(membership=membership, request=request, **form.cleaned_data)
        except service.InsuranceError as exc:
            _refused(form, exc)
        else:
            messages.success(request, f"Added {payer.name}.")
            return redirect("clients:payers")
    return render(request, "clients/payer_form.html", {"form": form, "payer": None})


@member_required(roles=PAYER_MANAGERS)
@require_http_methods(["GET", "POST"])
def payer_edit(request: HttpRequest, payer_id: str) -> HttpResponse:
    """Change a payer, or archive (restore) it."""
    membership = request.membership  # type: ignore[attr-defined]
    payer = get_scoped_or_404(Payer, membership, uuid=payer_id)
    if request.method == "POST" and "archive" in request.POST:
        archived = request.POST["archive"] == "1"
        service.archive_payer(
            membership=membership, payer=payer, archived=archived, request=request
        )
        messages.success(request, f"{'Archived' if archived else 'Restored'} {payer.name}.")
        return redirect("clients:payers")
    form = PayerForm(request.POST or None, instance=Payer.objects.get(pk=payer.pk))
    if request.method == "POST" and form.is_valid():
        try:
            service.update_payer(
                membership=membership, payer=payer, request=request, **form.cleaned_data
            )
        except service.InsuranceError as exc:
            _refused(form, exc)
        else:
            messages.success(request, "Payer saved.")
            return redirect("clients:payers")
    return render(request, "clients/payer_form.html", {"form": form, "payer": payer})


# The insurance tab --------------------------------------------------------------------------


@chart_view(needs="insurance", tab="insurance")
def insurance(request: HttpRequest, client: Client, access: ChartAccess) -> HttpResponse:
    """The client's policies by priority, with card images and authorisation warnings."""
    today = timezone.localdate()
    policies = (
        InsurancePolicy.objects.filter(client=client)
        .select_related("payer", "card_front", "card_back")
        .prefetch_related(Prefetch("authorizations", queryset=PriorAuthorization.objects.all()))
        .order_by("priority", "-effective_on", "id")
    )
    rows = []
    for policy in policies:
        in_force = (policy.effective_on is None or policy.effective_on <= today) and (
            policy.ends_on is None or policy.ends_on >= today
        )
        auths = [(a, service.authorization_warning(a, today)) for a in policy.authorizations.all()]
        rows.append({"policy": policy, "in_force": in_force, "authorizations": auths})
    context = {"client": client, "access": access, "tab": "insurance", "rows": rows}
    context["end_form"] = EndPolicyForm(initial={"ends_on": today})
    return render(request, "clients/insurance.html", context)


def _save_policy(request: HttpRequest, form: PolicyForm, **target: Any) -> InsurancePolicy:
    membership = request.membership  # type: ignore[attr-defined]
    data = form.cleaned_data
    values = form.policy_values()
    if not values.get("payer"):
        values["payer"] = service.add_payer(
            membership=membership,
            request=request,
            name=data["new_payer_name"].strip(),
            payer_type=data.get("new_payer_type") or "commercial",
        )
    if "policy" in target:
        return service.update_policy(
            membership=membership, cards=data["cards"], request=request, **target, **values
        )
    return service.add_policy(
        membership=membership, cards=data["cards"], request=request, **target, **values
    )


def _policy_page(
    request: HttpRequest, client: Client, access: ChartAccess, **extra: Any
) -> HttpResponse:
    context = {"client": client, "access": access, "tab": "insurance", **extra}
    return render(request, "clients/insurance_policy_form.html", context)


@chart_view(needs="insurance", tab="insurance")
@require_http_methods(["GET", "POST"])
def policy_add(request: HttpRequest, client: Client, access: ChartAccess) -> HttpResponse:
    """Add a policy (a new payer may be typed in), with its card images."""
    practice = request.membership.practice  # type: ignore[attr-defined]
    form = PolicyForm(request.POST or None, request.FILES or None, practice=practice)
    if request.method == "POST" and form.is_valid():
        try:
            _save_policy(request, form, client=client)
        except service.InsuranceError as exc:
            _refused(form, exc)
        else:
            messages.success(request, "Policy added.")
            return redirect("clients:insurance", client_id=client.uuid)
    return _policy_page(request, client, access, form=form, policy=None)


@chart_object_view(InsurancePolicy, "policy_id", needs="insurance", tab="insurance")
@require_http_methods(["GET", "POST"])
def policy_edit(
    request: HttpRequest, client: Client, access: ChartAccess, policy: InsurancePolicy
) -> HttpResponse:
    """Change a policy, or end it on a date (`end=1`); policies are never deleted."""
    practice = request.membership.practice  # type: ignore[attr-defined]
    if request.method == "POST" and request.POST.get("end") == "1":
        return _end_policy(request, client, access, policy)
    form = PolicyForm(
        request.POST or None, request.FILES or None, instance=policy, practice=practice
    )
    if request.method == "POST" and form.is_valid():
        try:
            _save_policy(request, form, policy=policy)
        except service.InsuranceError as exc:
            _refused(form, exc)
        else:
            messages.success(request, "Policy saved.")
            return redirect("clients:insurance", client_id=client.uuid)
    end_form = EndPolicyForm(initial={"ends_on": timezone.localdate()})
    return _policy_page(request, client, access, form=form, policy=policy, end_form=end_form)


def _end_policy(
    request: HttpRequest, client: Client, access: ChartAccess, policy: InsurancePolicy
) -> HttpResponse:
    end_form = EndPolicyForm(request.POST)
    if end_form.is_valid():
        try:
            service.end_policy(
                membership=request.membership,  # type: ignore[attr-defined]
                policy=policy,
                ends_on=end_form.cleaned_data["ends_on"],
                request=request,
            )
        except service.InsuranceError as exc:
            _refused(end_form, exc)
        else:
            messages.success(request, "Policy ended.")
            return redirect("clients:insurance", client_id=client.uuid)
    practice = request.membership.practice  # type: ignore[attr-defined]
    form = PolicyForm(instance=policy, practice=practice)
    return _policy_page(request, client, access, form=form, policy=policy, end_form=end_form)


@chart_object_view(InsurancePolicy, "policy_id", needs="insurance")
def policy_card(
    request: HttpRequest, client: Client, access: ChartAccess, policy: InsurancePolicy
) -> HttpResponse:
    """A policy's card image (`?side=back` for the back), served like a document download."""
    document = policy.card_back if request.GET.get("side") == "back" else policy.card_front
    back = reverse("clients:insurance", kwargs={"client_id": client.uuid})
    if document is None:
        messages.info(request, "No card image has been uploaded for this side of the card.")
        return redirect(back)
    return serve_document(request, document, back=back)


# Prior authorisations -------------------------------------------------------------------------


def _auth_page(
    request: HttpRequest, client: Client, access: ChartAccess, **extra: Any
) -> HttpResponse:
    context = {"client": client, "access": access, "tab": "insurance", **extra}
    return render(request, "clients/authorization_form.html", context)


@chart_object_view(InsurancePolicy, "policy_id", needs="insurance", tab="insurance")
@require_http_methods(["GET", "POST"])
def authorization_add(
    request: HttpRequest, client: Client, access: ChartAccess, policy: InsurancePolicy
) -> HttpResponse:
    """Record a prior authorisation for a policy."""
    form = AuthorizationForm(request.POST or None, initial={"visits_used": 0})
    if request.method == "POST" and form.is_valid():
        try:
            service.add_authorization(
                membership=request.membership,  # type: ignore[attr-defined]
                policy=policy,
                request=request,
                **form.cleaned_data,
            )
        except service.InsuranceError as exc:
            _refused(form, exc)
        else:
            messages.success(request, "Authorisation added.")
            return redirect("clients:insurance", client_id=client.uuid)
    return _auth_page(request, client, access, form=form, policy=policy, authorization=None)


@chart_object_view(
    PriorAuthorization,
    "authorization_id",
    needs="insurance",
    client_of=lambda a: a.policy.client_id,
)
@require_http_methods(["GET", "POST"])
def authorization_edit(
    request: HttpRequest, client: Client, access: ChartAccess, authorization: PriorAuthorization
) -> HttpResponse:
    """Change an authorisation: visits used, dates, codes."""
    form = AuthorizationForm(request.POST or None, instance=authorization)
    if request.method == "POST" and form.is_valid():
        try:
            service.update_authorization(
                membership=request.membership,  # type: ignore[attr-defined]
                authorization=authorization,
                request=request,
                **form.cleaned_data,
            )
        except service.InsuranceError as exc:
            _refused(form, exc)
        else:
            messages.success(request, "Authorisation saved.")
            return redirect("clients:insurance", client_id=client.uuid)
    policy = authorization.policy
    return _auth_page(
        request, client, access, form=form, policy=policy, authorization=authorization
    )
