"""Session safety: automatic logoff after idle time, and two-step sign-in enforcement."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse

LAST_SEEN_KEY = "tend_last_seen"


class IdleTimeoutMiddleware:
    """Signs a person out when their session has been idle longer than the allowed minutes.

    The browser warns a minute before (static/js/idle.js) and keeps unsaved input; requests
    marked as passive (the warning's own status poll) do not count as activity.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = time.time()
            last_seen = request.session.get(LAST_SEEN_KEY)
            limit = request.session.get("tend_idle_limit", settings.TEND_IDLE_TIMEOUT_MINUTES * 60)
            if last_seen is not None and now - last_seen > limit:
                logout(request)
                request.session["tend_timed_out"] = True
            elif request.headers.get("X-Tend-Passive") != "1":
                request.session[LAST_SEEN_KEY] = now
        return self.get_response(request)
