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
from django.db.models import Model
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


def _roles_with(needs: str) -> frozenset[str]:
    """The roles whose access includes `needs`: what the URL sweep expects of a chart page."""
    return frozenset(role for role, access in _BY_ROLE.items() if getattr(access, needs))


def _enter_chart(
    request: HttpRequest, client: Client, needs: str, tab: str, view_name: str
) -> tuple[ChartAccess, HttpResponse | None]:
    """The checks every chart page makes once it knows the client: the part of the chart the
    role may see (403), broken glass for restricted charts, and the audited read."""
    access = chart_access(request.membership, client)  # type: ignore[attr-defined]
    if not getattr(access, needs):
        record("permission.denied", request=request, detail={"view": view_name})
        raise PermissionDenied("Your role does not see this part of the chart.")
    if not may_open(request, client):
        return access, redirect("clients:break_glass", client_id=client.uuid)
    if tab and request.method == "GET":
        audit_read(request, client, what=tab)
    return access, None


def chart_view(needs: str = "demographics", tab: str = "") -> Callable[[ChartView], ChartView]:
    """Decorate a chart page `view(request, client, access, **kwargs)` taking `client_id`.

    `needs` names the ChartAccess flag the page requires (e.g. "insurance", "clinical"); a GET
    is audited as a read of `tab` (or of the view's name).
    """

    def decorator(view: ChartView) -> ChartView:
        # Any member passes the door; the part of the chart is checked per client, since an
        # office role that also carries a caseload sees more of its own clients' charts.
        @member_required()
        @wraps(view)
        def wrapped(request: HttpRequest, client_id: Any, **kwargs: Any) -> HttpResponse:
            membership = request.membership  # type: ignore[attr-defined]
            client = get_scoped_or_404(Client, membership, uuid=client_id)
            access, detour = _enter_chart(
                request, client, needs, tab or view.__name__, view.__name__
            )
            return detour or view(request, client, access, **kwargs)

        wrapped.tend_roles = _roles_with(needs)  # type: ignore[attr-defined]
        return wrapped

    return decorator


def chart_object_view(
    model: type[Model],
    id_kwarg: str,
    needs: str,
    *,
    tab: str = "",
    client_of: Callable[[Any], int] = lambda obj: obj.client_id,
) -> Callable[[ChartView], ChartView]:
    """Like `chart_view`, for a page addressed by one chart object's id (`episode_id`,
    `document_id`, ...): `view(request, client, access, obj, **kwargs)`. The object must be
    visible (404) and its client decides access exactly as the chart would. Without `tab`
    nothing is audited here (a download audits the document itself)."""

    def decorator(view: ChartView) -> ChartView:
        @member_required()
        @wraps(view)
        def wrapped(request: HttpRequest, **kwargs: Any) -> HttpResponse:
            membership = request.membership  # type: ignore[attr-defined]
            obj = get_scoped_or_404(model, membership, uuid=kwargs.pop(id_kwarg))
            client = get_scoped_or_404(Client, membership, pk=client_of(obj))
            access, detour = _enter_chart(request, client, needs, tab, view.__name__)
            return detour or view(request, client, access, obj, **kwargs)

        wrapped.tend_roles = _roles_with(needs)  # type: ignore[attr-defined]
        return wrapped

    return decorator


__all__ = ["ChartAccess", "chart_object_view", "chart_view", "may_open", "on_care_team"]
