"""Importing clients from CSV (upload → map columns → preview → import) and CSV exports of the
caseload and of one client's demographic record."""

from __future__ import annotations

import csv
from typing import Any, cast

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import CharField, OuterRef, Prefetch, Subquery
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from tend.clients.access import EXPORT_ROLES, IMPORT_ROLES, chart_access
from tend.clients.chart import may_open, on_care_team
from tend.clients.choices import PolicyPriority
from tend.clients.forms.clients import CaseloadFilterForm
from tend.clients.forms.transfer import ImportConfirmForm, ImportMappingForm, ImportUploadForm
from tend.clients.models import CareTeamMember, Client, ClientPhone, InsurancePolicy
from tend.clients.services import transfer as service
from tend.clients.views.caseload import caseload_clients
from tend.core.access import get_scoped_or_404, member_required
from tend.core.audit import audit_export, record

SESSION_KEY = "tend_import"


# Import -------------------------------------------------------------------------------------


def _pending(request: HttpRequest) -> dict[str, Any] | None:
    """The import in progress in this session, for the current practice."""
    state = request.session.get(SESSION_KEY)
    if not state or state.get("practice") != str(request.membership.practice.uuid):  # type: ignore[attr-defined]
        return None
    return state


def _load(request: HttpRequest, state: dict[str, Any]) -> service.ParsedFile | None:
    try:
        return service.parse_csv(service.read_upload(state["token"]))
    except service.ImportRefused as exc:
        messages.error(request, str(exc))
        request.session.pop(SESSION_KEY, None)
        return None


@member_required(roles=IMPORT_ROLES)
def import_upload(request: HttpRequest) -> HttpResponse:
    """Step 1: upload a CSV file. The file is kept encrypted until the import is done."""
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        previous = _pending(request)
        if previous:
            service.discard_upload(previous["token"])
        request.session[SESSION_KEY] = {
            "practice": str(request.membership.practice.uuid),  # type: ignore[attr-defined]
            "token": service.keep_upload(form.data_bytes),
            "filename": form.cleaned_data["file"].name[:200],
            "mapping": service.guess_mapping(form.parsed.headers),
        }
        return redirect("clients:import_map")
    return render(request, "clients/import_upload.html", {"form": form})


@member_required(roles=IMPORT_ROLES)
def import_map(request: HttpRequest) -> HttpResponse:
    """Step 2: say which Tend field each column holds (guessed from the column names)."""
    state = _pending(request)
    if state is None or (parsed := _load(request, state)) is None:
        return redirect("clients:import")
    initial = {f"column_{i}": m for i, m in enumerate(state["mapping"])}
    form = ImportMappingForm(
        request.POST or None, initial=initial, headers=parsed.headers, rows=parsed.rows
    )
    if request.method == "POST" and form.is_valid():
        state["mapping"] = form.mapping()
        request.session[SESSION_KEY] = state
        return redirect("clients:import_preview")
    context = {"form": form, "filename": state["filename"], "rows": len(parsed.rows)}
    return render(request, "clients/import_map.html", context)


@member_required(roles=IMPORT_ROLES)
def import_preview(request: HttpRequest) -> HttpResponse:
    """Step 3: every row checked; the first rows as they will be imported; every problem."""
    state = _pending(request)
    if state is None or (parsed := _load(request, state)) is None:
        return redirect("clients:import")
    membership = request.membership  # type: ignore[attr-defined]
    try:
        validation = service.validate_rows(
            parsed.rows, parsed.headers, state["mapping"], membership=membership
        )
    except service.ImportRefused as exc:
        messages.error(request, str(exc))
        return redirect("clients:import_map")
    fields = [(m, service.FIELDS[m].split(" (")[0]) for m in state["mapping"] if m != "ignore"]
    bad = {error.row for error in validation.errors}
    context = {
        "filename": state["filename"],
        "validation": validation,
        "fields": fields,
        "preview": [
            (row["_row"], row["_existing"], row["_row"] in bad, [row.get(n, "") for n, _ in fields])
            for row in service.preview(validation)
        ],
        "form": ImportConfirmForm(),
    }
    return render(request, "clients/import_preview.html", context)


@member_required(roles=IMPORT_ROLES)
@require_POST
def import_run(request: HttpRequest) -> HttpResponse:
    """Step 4: import every row in one transaction, or nothing."""
    state = _pending(request)
    if state is None or (parsed := _load(request, state)) is None:
        return redirect("clients:import")
    form = ImportConfirmForm(request.POST)
    form.is_valid()
    try:
        result = service.import_clients(
            parsed.rows,
            parsed.headers,
            state["mapping"],
            membership=request.membership,  # type: ignore[attr-defined]
            skip_existing=form.cleaned_data.get("skip_existing", False),
        )
    except (service.ImportInvalid, service.ImportRefused):
        messages.error(request, "Nothing was imported: the file has problems, listed below.")
        return redirect("clients:import_preview")
    service.discard_upload(state["token"])
    request.session.pop(SESSION_KEY, None)
    skipped = f" Skipped {result.skipped} already in Tend." if result.skipped else ""
    messages.success(request, f"Imported {result.created} clients.{skipped}")
    return redirect("clients:caseload")


@member_required(roles=IMPORT_ROLES)
@require_POST
def import_cancel(request: HttpRequest) -> HttpResponse:
    """Forget the uploaded file."""
    state = _pending(request)
    if state:
        service.discard_upload(state["token"])
        request.session.pop(SESSION_KEY, None)
    messages.info(request, "The import was cancelled and the uploaded file deleted.")
    return redirect("clients:import")


# Export -------------------------------------------------------------------------------------


class _Echo:
    def write(self, value: str) -> str:
        return value


def _stream(rows: Any, filename: str) -> HttpResponse:
    writer = csv.writer(_Echo())
    response = StreamingHttpResponse(
        (writer.writerow(row) for row in rows), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return cast(HttpResponse, response)  # the access decorators are typed for HttpResponse


@member_required(roles=EXPORT_ROLES)
def export_caseload(request: HttpRequest) -> HttpResponse:
    """The caseload (with the caseload page's filters) as CSV: demographics only."""
    membership = request.membership  # type: ignore[attr-defined]
    form = CaseloadFilterForm(request.GET, membership=membership)
    if not form.is_valid():
        messages.error(request, "Those caseload filters are not valid.")
        return redirect("clients:caseload")
    today = timezone.localdate()
    primary = InsurancePolicy.objects.in_force_on(today).filter(
        client=OuterRef("pk"), priority=PolicyPriority.PRIMARY
    )
    clients = (
        caseload_clients(membership, form, form.cleaned_data)
        .annotate(
            primary_payer=Subquery(primary.values("payer__name")[:1], output_field=CharField())
        )
        .prefetch_related(
            Prefetch(
                "care_team",
                queryset=CareTeamMember.objects.filter(ended_on__isnull=True).select_related(
                    "membership__user"
                ),
                to_attr="current_team",
            ),
            Prefetch("phones", queryset=ClientPhone.objects.all(), to_attr="phone_list"),
        )
    )
    audit_export(request, what="caseload", count=clients.count())
    stamp = today.strftime("%Y-%m-%d")
    return _stream(
        service.caseload_rows(clients.iterator(chunk_size=1000)), f"caseload-{stamp}.csv"
    )


@member_required(roles=EXPORT_ROLES)
def client_export(request: HttpRequest, client_id: Any) -> HttpResponse:
    """One client's demographic record as CSV, for export roles and the client's clinicians."""
    membership = request.membership  # type: ignore[attr-defined]
    client = get_scoped_or_404(Client, membership, uuid=client_id)
    access = chart_access(membership, client)
    if not (access.export or on_care_team(client, membership)):
        record("permission.denied", request=request, detail={"view": "client_export"})
        raise PermissionDenied("Your role does not export this client's record.")
    if not may_open(request, client):
        return redirect("clients:break_glass", client_id=client.uuid)
    rows = list(service.client_record_rows(client, insurance=access.insurance))
    audit_export(request, what="client_record", count=1)
    return _stream(rows, f"client-{client.uuid}.csv")
