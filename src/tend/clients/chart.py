"""Opening a client's chart: the one path every chart page takes.

`chart_view(needs=...)` resolves the client the member may see (404 otherwise), sends anyone
outside a restricted chart's care team to "break the glass", refuses parts of the chart the role
may not see (403), and audits the read.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone

from tend.clients.access import _BY_ROLE, ChartAccess, chart_access
from tend.clients.models import BreakGlassAccess, Client
from tend.core.access import get_scoped_or_404, member_required
from tend.core.audit import audit_read, record


def session_key_hash(request: HttpRequest) -> str:
    key = request.session.session_key or ""
    return hashlib.sha256(key.encode()).hexdigest()


def on_care_team(client: Client, membership: Any) -> bool:
    return client.care_team.filter(membership=membership, ended_on__isnull=True).exists()


def has_open_glass(request: HttpRequest, client: Client) -> bool:
    return BreakGlassAccess.objects.filter(
        client=client,
        membership=request.membership,  # type: ignore[attr-defined]
        session_key_hash=session_key_hash(request),
        expires_at__gt=timezone.now(),
    ).exists()


def may_open(request: HttpRequest, client: Client) -> bool:
    """A restricted chart opens only for its care team, or with broken glass this session."""
    if not client.is_restricted:
        return True
    membership = request.membership  # type: ignore[attr-defined]
    return on_care_team(client, membership) or has_open_glass(request, client)


ChartView = Callable[..., HttpResponse]


def chart_view(needs: str = "demographics", tab: str = "") -> Callable[[ChartView], ChartView]:
    """Decorate a chart page `view(request, client, access, **kwargs)` taking `client_id`.

    `needs` names the ChartAccess flag the page requires (e.g. "insurance", "clinical").
    """
    roles = frozenset(role for role, access in _BY_ROLE.items() if getattr(access, needs))

    def decorator(view: ChartView) -> ChartView:
        # Any member passes the door; the part of the chart is checked per client below, since
        # an office role that also carries a caseload sees more of its own clients' charts.
        @member_required()
        @wraps(view)
        def wrapped(request: HttpRequest, client_id: Any, **kwargs: Any) -> HttpResponse:
            membership = request.membership  # type: ignore[attr-defined]
            client = get_scoped_or_404(Client, membership, uuid=client_id)
            access = chart_access(membership, client)
            if not getattr(access, needs):
                record("permission.denied", request=request, detail={"view": view.__name__})
                raise PermissionDenied("Your role does not see this part of the chart.")
            if not may_open(request, client):
                return redirect("clients:break_glass", client_id=client.uuid)
            if request.method == "GET":
                audit_read(request, client, what=tab or view.__name__)
            return view(request, client, access, **kwargs)

        wrapped.tend_roles = roles  # type: ignore[attr-defined]  # what the URL sweep expects
        return wrapped

    return decorator


__all__ = ["ChartAccess", "chart_view", "may_open", "on_care_team"]
