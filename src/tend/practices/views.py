"""Practice views: Today, choosing the current practice."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from tend.core.access import login_only, member_required
from tend.practices.middleware import SESSION_KEY
from tend.practices.models import Membership


@member_required()
def today(request: HttpRequest) -> HttpResponse:
    """The landing page: a greeting, the practice and the person's role in it."""
    return render(request, "practices/today.html", {})


@login_only
@require_http_methods(["GET", "POST"])
def choose_practice(request: HttpRequest) -> HttpResponse:
    """Switch the practice this session works in."""
    memberships = Membership.objects.filter(user=request.user, is_active=True).select_related(
        "practice"
    )
    if request.method == "POST":
        chosen = memberships.filter(practice__uuid=request.POST.get("practice")).first()
        if chosen is not None:
            request.session[SESSION_KEY] = str(chosen.practice.uuid)
            return redirect("practices:today")
    return render(request, "practices/choose.html", {"memberships": memberships})
