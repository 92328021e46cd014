"""Session safety: automatic logoff after idle time, and two-step sign-in enforcement."""

from __future__ import annotations

import time
from collections.abc import Callable
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import Resolver404, resolve, reverse

LAST_SEEN_KEY = "tend_last_seen"
LIMIT_KEY = "tend_idle_limit"
TIMED_OUT_KEY = "tend_timed_out"

# Views a person may reach before finishing two-step sign-in, by URL name.
CODE_STEP_NAMES = frozenset(
    {
        "accounts:logout",
        "accounts:mfa_verify",
        "accounts:keepalive",
        "accounts:session_status",
        "core:healthz",
    }
)
ENROLMENT_NAMES = CODE_STEP_NAMES | {"accounts:mfa_setup", "accounts:backup_codes"}
SESSION_ENDPOINTS = frozenset({"accounts:keepalive", "accounts:session_status"})


def idle_limit(request: HttpRequest) -> int:
    """Seconds of inactivity allowed in this session (the practice's setting, else the default)."""
    return int(request.session.get(LIMIT_KEY, settings.TEND_IDLE_TIMEOUT_MINUTES * 60))


def seconds_remaining(request: HttpRequest) -> int:
    last_seen = request.session.get(LAST_SEEN_KEY)
    if last_seen is None:
        return idle_limit(request)
    return max(0, int(idle_limit(request) - (time.time() - last_seen)))


def _url_name(request: HttpRequest) -> str:
    try:
        return resolve(request.path_info).view_name
    except Resolver404:
        return ""


def _is_passive(request: HttpRequest) -> bool:
    return request.headers.get("X-Tend-Passive") == "1" or (
        _url_name(request) == "accounts:session_status"
    )


def _return_path(request: HttpRequest) -> str:
    """Where to come back to: this page for a GET, the page the form was on otherwise."""
    if request.method == "GET":
        return request.get_full_path()
    referer = request.headers.get("Referer", "")
    parts = urlsplit(referer)
    if referer and parts.netloc == request.get_host():
        return parts.path + (f"?{parts.query}" if parts.query else "")
    return ""


def _redirect(request: HttpRequest, url: str) -> HttpResponse:
    if request.headers.get("HX-Request"):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect(url)


# How stale the recorded last activity may be. Idle limits are whole minutes (at least two),
# so a sign-out can come at most this much before the limit counted from the last request.
ACTIVITY_RESOLUTION_SECONDS = 15


class IdleTimeoutMiddleware:
    """Signs a person out when their session has been idle longer than the allowed minutes.

    The limit is the current practice's `idle_timeout_minutes`, stored in the session after
    each request (the practice is known only once CurrentPracticeMiddleware has run). The
    browser warns a minute before (static/js/idle.js) and keeps unsaved input; requests
    marked as passive (the warning's own status poll) do not count as activity.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            last_seen = request.session.get(LAST_SEEN_KEY)
            now = time.time()
            if last_seen is not None and now - last_seen > idle_limit(request):
                response = self._sign_out(request)
                if response is not None:
                    return response
            elif not _is_passive(request) and (
                last_seen is None or now - last_seen >= ACTIVITY_RESOLUTION_SECONDS
            ):
                # Recorded at most every few seconds, so a busy page (the calendar fetching
                # its events) does not write the session on every request.
                request.session[LAST_SEEN_KEY] = now
        response = self.get_response(request)
        if request.user.is_authenticated:
            practice = getattr(request, "practice", None)
            limit = practice.idle_timeout_minutes * 60 if practice is not None else None
            if limit is not None and request.session.get(LIMIT_KEY) != limit:
                request.session[LIMIT_KEY] = limit
            if LAST_SEEN_KEY not in request.session:
                request.session[LAST_SEEN_KEY] = time.time()
        return response

    def _sign_out(self, request: HttpRequest) -> HttpResponse | None:
        from tend.accounts.services import record_idle_signout

        minutes = max(1, round(idle_limit(request) / 60))
        record_idle_signout(request, user=request.user, minutes=minutes)  # type: ignore[arg-type]
        logout(request)
        request.session[TIMED_OUT_KEY] = minutes
        if _is_passive(request) or _url_name(request) in SESSION_ENDPOINTS:
            return None  # the endpoint answers "signed out" itself
        return _redirect(request, _login_url(_return_path(request)))


def _login_url(next_path: str) -> str:
    url = reverse("accounts:login")
    return f"{url}?{urlencode({'next': next_path})}" if next_path else url


class MFAGateMiddleware:
    """Holds a signed-in person at the two-step sign-in until it is done.

    Someone with an authenticator who has not entered a code in this session goes to the code
    step; someone without one whose current practice requires it goes to set-up. Sign-out,
    the MFA pages, public pages, static files and the session endpoints stay reachable.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated and not request.path.startswith(settings.STATIC_URL):
            target = self._required_step(request)
            if target is not None:
                return _redirect(request, target)
        return self.get_response(request)

    def _required_step(self, request: HttpRequest) -> str | None:
        from tend.accounts.services import has_mfa

        user = request.user
        if getattr(user, "is_verified", None) and user.is_verified():  # type: ignore[union-attr]
            return None
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return None
        if getattr(match.func, "tend_public", False):
            return None
        query = urlencode({"next": _return_path(request)})
        if has_mfa(user):  # type: ignore[arg-type]
            if match.view_name in CODE_STEP_NAMES:
                return None
            return f"{reverse('accounts:mfa_verify')}?{query}"
        practice = getattr(request, "practice", None)
        if practice is not None and practice.require_mfa and match.view_name not in ENROLMENT_NAMES:
            return f"{reverse('accounts:mfa_setup')}?{query}"
        return None
