"""Health check, the practice's audit log and error pages.

Error pages never show request data or tracebacks.
"""

from __future__ import annotations

import csv
import json
import zoneinfo
from collections.abc import Iterable, Iterator
from typing import Any

from django.core.paginator import Paginator
from django.db import connection
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.template import loader
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from tend.core.access import member_required, public_view
from tend.core.audit import action_label, audit_export
from tend.core.forms import AuditFilterForm
from tend.core.models import AuditEvent
from tend.core.tasks import queue_status
from tend.practices.choices import MANAGERS

AUDIT_PAGE_SIZE = 50


@public_view
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """200 with the state of the database and task queue; 503 when either is unreachable."""
    database = "ok"
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:  # noqa: BLE001 - any failure means unreachable
        database = "unreachable"
    queue = queue_status()
    healthy = database == "ok" and queue["status"] == "ok"
    body = {"status": "ok" if healthy else "degraded", "database": database, "tasks": queue}
    return JsonResponse(body, status=200 if healthy else 503)


def _practice_events(request: HttpRequest) -> tuple[AuditFilterForm, QuerySet[AuditEvent]]:
    """The filter form bound to the query string, and this practice's events it selects."""
    practice = request.practice  # type: ignore[attr-defined]
    form = AuditFilterForm(request.GET or None, practice=practice)
    events = AuditEvent.objects.filter(practice=practice).select_related("actor")
    if form.is_bound:
        events = form.filter(events) if form.is_valid() else events.none()
    return form, events.order_by("-created_at", "-id")


@member_required(roles=MANAGERS)
@require_GET
def audit_log(request: HttpRequest) -> HttpResponse:
    """Owners and admins read and filter the practice's audit log, newest first."""
    form, events = _practice_events(request)
    page = Paginator(events, AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page": page,
        "practice_tz": zoneinfo.ZoneInfo(request.practice.time_zone),  # type: ignore[attr-defined]
    }
    return render(request, "core/audit_log.html", context)


class _Echo:
    def write(self, value: str) -> str:
        return value


CSV_HEADER = [
    "time",
    "time zone",
    "person",
    "email",
    "action",
    "action code",
    "record type",
    "record id",
    "ip address",
    "user agent",
    "detail",
    "chain",
    "sequence",
]


def _csv_safe(value: Any) -> str:
    """Text a spreadsheet will not run as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _csv_rows(events: Iterable[AuditEvent], tz: zoneinfo.ZoneInfo) -> Iterator[list[str]]:
    yield CSV_HEADER
    for e in events:
        yield [
            _csv_safe(value)
            for value in (
                timezone.localtime(e.created_at, tz).isoformat(timespec="seconds"),
                str(tz),
                e.actor.full_name if e.actor else "",
                e.actor_label,
                action_label(e.action),
                e.action,
                e.object_type,
                e.object_id,
                e.ip_address,
                e.user_agent,
                json.dumps(e.detail, sort_keys=True),
                e.chain,
                e.sequence,
            )
        ]


@member_required(roles=MANAGERS)
@require_GET
def audit_export_csv(request: HttpRequest) -> HttpResponse:
    """The filtered audit log as CSV, streamed; the export is itself audited."""
    form, events = _practice_events(request)
    if form.is_bound and not form.is_valid():
        return redirect(f"{reverse('core:audit_log')}?{request.GET.urlencode()}")
    exported = audit_export(request, what="audit_log", count=events.count())
    events = events.filter(pk__lt=exported.pk)  # exactly the rows that were counted
    tz = zoneinfo.ZoneInfo(request.practice.time_zone)  # type: ignore[attr-defined]
    writer = csv.writer(_Echo())
    rows = (writer.writerow(row) for row in _csv_rows(events.iterator(chunk_size=1000), tz))
    response = StreamingHttpResponse(rows, content_type="text/csv; charset=utf-8")
    stamp = timezone.localtime(exported.created_at, tz).strftime("%Y-%m-%d")
    response["Content-Disposition"] = f'attachment; filename="audit-log-{stamp}.csv"'
    return response


def _error(request: HttpRequest, status: int, title: str, message: str) -> HttpResponse:
    context: dict[str, Any] = {"status": status, "title": title, "message": message}
    return render(request, "core/error.html", context, status=status)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(request, 400, "Bad request", "The request could not be understood.")


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(
        request,
        403,
        "Not available to your role",
        "Your role in this practice does not give access to this page. "
        "Ask the practice owner if you need it.",
    )


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(
        request,
        404,
        "Not found",
        "There is nothing here, or it belongs to a practice you are not signed in to.",
    )


def server_error(request: HttpRequest) -> HttpResponse:
    """Rendered without the request, so no context processor (or database) can fail it again."""
    context = {
        "status": 500,
        "title": "Something went wrong",
        "message": "Tend hit an error and nothing was changed. Please try again; if it keeps "
        "happening, tell your practice administrator the time it happened.",
    }
    return HttpResponse(loader.render_to_string("core/error.html", context), status=500)
