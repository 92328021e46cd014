"""Consent templates (practice settings) and a chart's consents: record, revoke, missing and
expiring states."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from tend.clients.access import ChartAccess
from tend.clients.chart import chart_object_view, chart_view
from tend.clients.choices import ConsentKind
from tend.clients.forms.consents import (
    ConsentExpiryForm,
    ConsentForm,
    ConsentTemplateForm,
    RevokeConsentForm,
)
from tend.clients.models import Client, Consent, ConsentTemplate
from tend.clients.services import consents as service
from tend.core.access import get_scoped_or_404, member_required
from tend.core.refusals import add_refusal
from tend.practices.choices import MANAGERS

# Templates ----------------------------------------------------------------------------------


@member_required(roles=MANAGERS)
def consent_templates(request: HttpRequest) -> HttpResponse:
    """The practice's consent forms, every version, with how often each was signed."""
    from django.db.models import Count

    membership = request.membership  # type: ignore[attr-defined]
    templates = (
        ConsentTemplate.objects.for_practice(membership.practice)
        .annotate(signed=Count("consents"))
        .order_by("-is_active", "kind", "title", "-created_at")
    )
    return render(request, "clients/consent_templates.html", {"templates": templates})


@member_required(roles=MANAGERS)
@require_http_methods(["GET", "POST"])
def consent_template_add(request: HttpRequest) -> HttpResponse:
    """Add a consent form."""
    form = ConsentTemplateForm(request.POST or None, initial={"version": "1"})
    if request.method == "POST" and form.is_valid():
        try:
            service.add_consent_template(
                membership=request.membership,  # type: ignore[attr-defined]
                request=request,
                **form.cleaned_data,
            )
        except service.ConsentError as exc:
            add_refusal(form, exc)
        else:
            messages.success(request, "Consent form added.")
            return redirect("clients:consent_templates")
    return render(request, "clients/consent_template_form.html", {"form": form, "template": None})


@member_required(roles=MANAGERS)
@require_http_methods(["GET", "POST"])
def consent_template_edit(request: HttpRequest, template_id: str) -> HttpResponse:
    """Change a consent form; signed text is kept by making a new version."""
    membership = request.membership  # type: ignore[attr-defined]
    template = get_scoped_or_404(ConsentTemplate, membership, uuid=template_id)
    form = ConsentTemplateForm(request.POST or None, instance=template)
    if request.method == "POST" and form.is_valid():
        try:
            saved = service.update_consent_template(
                membership=membership, template=template, request=request, **form.cleaned_data
            )
        except service.ConsentError as exc:
            add_refusal(form, exc)
        else:
            if saved.pk != template.pk:
                messages.success(
                    request,
                    f"Saved as version {saved.version}; version {template.version}, which "
                    "clients signed, is kept.",
                )
            else:
                messages.success(request, "Consent form saved.")
            return redirect("clients:consent_templates")
    context = {"form": form, "template": template, "signed": template.consents.count()}
    return render(request, "clients/consent_template_form.html", context)


# The consents tab ---------------------------------------------------------------------------


@chart_view(needs="consents", tab="consents")
def consents(request: HttpRequest, client: Client, access: ChartAccess) -> HttpResponse:
    """The client's consents, revoked ones included, with missing and expiring warnings."""
    today = timezone.localdate()
    records = Consent.objects.filter(client=client).select_related("template", "document")
    rows = [(c, service.consent_state(c, today)) for c in records]
    missing_treatment = not any(
        c.kind == ConsentKind.TREATMENT and state in ("in_force", "expiring") for c, state in rows
    )
    expiring = sum(1 for _, state in rows if state == "expiring")
    context = {"client": client, "access": access, "tab": "consents", "rows": rows}
    context.update(missing_treatment=missing_treatment, expiring=expiring)
    return render(request, "clients/consents.html", context)


@chart_view(needs="consents", tab="consents")
@require_http_methods(["GET", "POST"])
def consent_add(request: HttpRequest, client: Client, access: ChartAccess) -> HttpResponse:
    """Record a consent, optionally with a scan of the signed form."""
    membership = request.membership  # type: ignore[attr-defined]
    initial = {"signed_on": timezone.localdate(), "signed_by": client.legal_name}
    form = ConsentForm(
        request.POST or None, request.FILES or None, practice=membership.practice, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            service.record_consent(
                membership=membership,
                client=client,
                template=data["template"],
                kind=data["kind"],
                signed_on=data["signed_on"],
                signed_by=data["signed_by"],
                expires_on=data["expires_on"],
                scan=data["checked_scan"],
                request=request,
            )
        except service.ConsentError as exc:
            add_refusal(form, exc)
        else:
            messages.success(request, "Consent recorded.")
            return redirect("clients:consents", client_id=client.uuid)
    context = {"client": client, "access": access, "tab": "consents", "form": form}
    return render(request, "clients/consent_form.html", context)


@chart_object_view(Consent, "consent_id", needs="consents", tab="consents")
@require_http_methods(["GET", "POST"])
def consent_revoke(
    request: HttpRequest, client: Client, access: ChartAccess, consent: Consent
) -> HttpResponse:
    """Revoke a consent from a date, with the reason; it stays listed."""
    form = RevokeConsentForm(request.POST or None, initial={"revoked_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            service.revoke_consent(
                membership=request.membership,  # type: ignore[attr-defined]
                consent=consent,
                request=request,
                **form.cleaned_data,
            )
        except service.ConsentError as exc:
            add_refusal(form, exc)
        else:
            messages.success(request, "Consent revoked.")
            return redirect("clients:consents", client_id=client.uuid)
    context = {"client": client, "access": access, "tab": "consents", "form": form}
    return render(request, "clients/consent_revoke.html", {**context, "consent": consent})


@chart_object_view(Consent, "consent_id", needs="consents", tab="consents")
@require_http_methods(["GET", "POST"])
def consent_edit(
    request: HttpRequest, client: Client, access: ChartAccess, consent: Consent
) -> HttpResponse:
    """Change when a consent expires."""
    form = ConsentExpiryForm(request.POST or None, initial={"expires_on": consent.expires_on})
    if request.method == "POST" and form.is_valid():
        try:
            service.change_consent_expiry(
                membership=request.membership,  # type: ignore[attr-defined]
                consent=consent,
                expires_on=form.cleaned_data["expires_on"],
                request=request,
            )
        except service.ConsentError as exc:
            add_refusal(form, exc)
        else:
            messages.success(request, "Expiry saved.")
            return redirect("clients:consents", client_id=client.uuid)
    context = {"client": client, "access": access, "tab": "consents", "form": form}
    return render(request, "clients/consent_edit.html", {**context, "consent": consent})
