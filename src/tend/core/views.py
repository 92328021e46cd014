"""Health check and error pages. Error pages never show request data or tracebacks."""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from tend.core.access import public_view
from tend.core.tasks import queue_status


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


def _error(request: HttpRequest, status: int, title: str, message: str) -> HttpResponse:
    context: dict[str, Any] = {"status": status, "title": title, "message": message}
    return render(request, "core/error.html", context, status=status)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(request, 400, "Bad request", "The request could not be understood.")


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(
        request, 403, "Not available to your role",
        "Your role in this practice does not give access to this page. "
        "Ask the practice owner if you need it.",
    )


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(
        request, 404, "Not found",
        "There is nothing here, or it belongs to a practice you are not signed in to.",
    )


def server_error(request: HttpRequest) -> HttpResponse:
    return _error(
        request, 500, "Something went wrong",
        "Tend hit an error and nothing was changed. Please try again; if it keeps happening, "
        "tell your practice administrator the time it happened.",
    )
