"""Puts the signed-in person's current practice and membership on the request."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from tend.practices.models import Membership

SESSION_KEY = "tend_practice"


class CurrentPracticeMiddleware:
    """Sets `request.membership` and `request.practice` (or None) for every request.

    The practice is the one chosen in this session; a person with one practice needs no choice.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.membership = None  # type: ignore[attr-defined]
        request.practice = None  # type: ignore[attr-defined]
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            memberships = Membership.objects.filter(user=user, is_active=True).select_related(
                "practice"
            )
            chosen = request.session.get(SESSION_KEY)
            membership = None
            if chosen:
                membership = memberships.filter(practice__uuid=chosen).first()
            if membership is None:
                options = list(memberships[:2])
                if len(options) == 1:
                    membership = options[0]
                    request.session[SESSION_KEY] = str(membership.practice.uuid)
            if membership is not None:
                request.membership = membership  # type: ignore[attr-defined]
                request.practice = membership.practice  # type: ignore[attr-defined]
        return self.get_response(request)
