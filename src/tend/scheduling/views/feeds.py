"""Calendar feeds: the public .ics address, and each clinician's page to create, revoke,
regenerate and name their own feed. Nobody sees another member's feed, the owner included."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from tend.core.access import member_required, public_view
from tend.scheduling import feeds as service
from tend.scheduling.models import CalendarFeed


@public_view
@require_GET
def feed(request: HttpRequest, token: str) -> HttpResponse:
    """The iCalendar feed. A revoked or unknown token is a 404."""
    found = service.live_feed_for_token(token)
    if found is None:
        raise Http404("No such feed")
    body = service.build_feed(found)
    CalendarFeed.objects.filter(pk=found.pk).update(last_fetched_at=timezone.now())
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, max-age=300"
    response["Content-Disposition"] = 'inline; filename="tend.ics"'
    response["X-Robots-Tag"] = "noindex"
    return response


def _page(request: HttpRequest, token: str = "") -> HttpResponse:
    membership = request.membership  # type: ignore[attr-defined]
    current = CalendarFeed.objects.live().filter(clinician=membership).first()
    url = request.build_absolute_uri(f"/feeds/{token}.ics") if token else ""
    context = {"feed": current, "feed_url": url, "has_calendar": membership.is_clinical}
    return render(request, "scheduling/settings/feed.html", context)


@member_required()
@require_http_methods(["GET", "POST"])
def calendar_feed(request: HttpRequest) -> HttpResponse:
    """The member's own feed; POST makes one and shows its address this once."""
    membership = request.membership  # type: ignore[attr-defined]
    if request.method == "POST":
        try:
            _feed, token = service.create_feed(
                membership=membership,
                show_full_names=request.POST.get("show_full_names") == "1",
                request=request,
            )
        except service.FeedRefused as exc:
            messages.error(request, str(exc))
            return redirect("scheduling:calendar_feed")
        return _page(request, token)
    return _page(request)


def _own_feed(request: HttpRequest, feed_id: str) -> CalendarFeed | None:
    """The feed, 404 for another practice's; None when it is not the member's own."""
    membership = request.membership  # type: ignore[attr-defined]
    try:
        found = CalendarFeed.objects.get(practice_id=membership.practice_id, uuid=feed_id)
    except (CalendarFeed.DoesNotExist, ValueError):
        raise Http404("Not found") from None
    return found if found.clinician_id == membership.pk else None


def feed_action(request: HttpRequest, feed_id: str, action: str) -> HttpResponse:
    membership = request.membership  # type: ignore[attr-defined]
    found = _own_feed(request, feed_id)
    if request.method == "GET":
        return redirect("scheduling:calendar_feed")
    if found is None:
        raise Http404("Not found")
    if action == "revoke":
        service.revoke_feed(found, membership=membership, request=request)
        messages.success(request, "Feed turned off. Calendars using its address stop updating.")
    elif action == "regenerate":
        _new, token = service.regenerate_feed(found, membership=membership, request=request)
        return _page(request, token)
    else:
        full = request.POST.get("show_full_names") == "1"
        service.set_feed_names(found, membership=membership, show_full_names=full, request=request)
        messages.success(
            request, "The feed shows full names." if full else "The feed shows initials only."
        )
    return redirect("scheduling:calendar_feed")


@member_required()
def feed_revoke(request: HttpRequest, feed_id: str) -> HttpResponse:
    """Turn the feed off."""
    return feed_action(request, feed_id, "revoke")


@member_required()
def feed_regenerate(request: HttpRequest, feed_id: str) -> HttpResponse:
    """A new address; the old one stops working."""
    return feed_action(request, feed_id, "regenerate")


@member_required()
def feed_names(request: HttpRequest, feed_id: str) -> HttpResponse:
    """Initials (default) or full names."""
    return feed_action(request, feed_id, "names")
