"""Signing in and out, two-step sign-in, passwords, email, the account page, idle sessions."""

from __future__ import annotations

import re
from base64 import b32encode
from typing import Any, cast
from urllib.parse import urlencode

import django_otp
import qrcode
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout, update_session_auth_hash
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, JsonResponse
from django.shortcuts import redirect, render, resolve_url
from django.urls import NoReverseMatch, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST
from qrcode.image.svg import SvgPathFillImage

from tend.accounts import forms, services
from tend.accounts.middleware import TIMED_OUT_KEY, idle_limit, seconds_remaining
from tend.accounts.models import User
from tend.core.access import get_scoped_or_404, login_only, member_required, public_view
from tend.practices.choices import MANAGERS
from tend.practices.models import Membership

NEW_CODES_KEY = "tend_new_backup_codes"


def _next_url(request: HttpRequest, default: str | None = None) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return resolve_url(default or settings.LOGIN_REDIRECT_URL)


def _me(request: HttpRequest) -> User:
    """The signed-in person (views marked login_only or member_required only)."""
    return cast(User, request.user)


def _with_next(name: str, next_url: str) -> str:
    return f"{reverse(name)}?{urlencode({'next': next_url})}"


# ---------------------------------------------------------------- sign-in and sign-out


@public_view
@sensitive_post_parameters("password")
@never_cache
@require_http_methods(["GET", "POST"])
def sign_in(request: HttpRequest) -> HttpResponse:
    """Email and password; then the code step for people with an authenticator app."""
    next_url = _next_url(request)
    if request.user.is_authenticated and request.method == "GET":
        return redirect(next_url)
    form = forms.SignInForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.sign_in(
                request, email=form.cleaned_data["email"], password=form.cleaned_data["password"]
            )
        except services.AccountRefused as refusal:
            form.add_refusal(refusal)
        else:
            if services.has_mfa(user):
                return redirect(_with_next("accounts:mfa_verify", next_url))
            return redirect(next_url)
    context = {
        "form": form,
        "next": next_url,
        "timed_out_minutes": request.session.pop(TIMED_OUT_KEY, None),
    }
    return render(request, "accounts/sign_in.html", context)


@login_only
@require_http_methods(["GET", "POST"])
def sign_out(request: HttpRequest) -> HttpResponse:
    """Sign out on POST; a GET shows a button (links must not sign people out)."""
    if request.method == "POST":
        services.record_signout(request)
        logout(request)
        messages.success(request, "You are signed out.")
        return redirect("accounts:login")
    return render(request, "accounts/sign_out.html")


@public_view
def locked_out(
    request: HttpRequest, response: HttpResponse | None = None, credentials: Any = None
) -> HttpResponse:
    """django-axes calls this (AXES_LOCKOUT_CALLABLE) instead of the page that was asked for."""
    email = (credentials or {}).get("email") or request.POST.get("email", "")
    services.record_locked_out(request, email=email)
    minutes = max(1, round(services.cooloff().total_seconds() / 60))
    context = {"minutes": minutes, "failure_limit": settings.AXES_FAILURE_LIMIT}
    return render(request, "accounts/locked_out.html", context, status=429)


@member_required(roles=MANAGERS)
def unlock(request: HttpRequest, membership_id: Any) -> HttpResponse:
    """An owner or admin lifts a staff member's lockout now."""
    membership = request.membership  # type: ignore[attr-defined]
    target = get_scoped_or_404(Membership, membership, uuid=membership_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    services.unlock_account(target.user, membership=membership)
    messages.success(request, "The account is unlocked. They can sign in again now.")
    try:
        default = reverse("practices:staff")
    except NoReverseMatch:
        default = reverse("practices:today")
    return redirect(_next_url(request, default=default))


# ---------------------------------------------------------------- two-step sign-in


def qr_svg(url: str) -> SafeString:
    """The otpauth URL as an inline SVG (no data: URL or script, so CSP stays strict)."""
    svg = qrcode.make(url, image_factory=SvgPathFillImage, border=4).to_string(encoding="unicode")
    svg = re.sub(r'^<svg width="[^"]*" height="[^"]*"', '<svg width="224" height="224"', svg)
    label = 'role="img" aria-label="QR code to scan with your authenticator app" class="qr-code"'
    return mark_safe(svg.replace("<svg ", f"<svg {label} ", 1))  # noqa: S308 - our own SVG


@login_only
@sensitive_post_parameters("code")
@never_cache
@require_http_methods(["GET", "POST"])
def mfa_verify(request: HttpRequest) -> HttpResponse:
    """The second step: a code from the authenticator app or a backup code."""
    next_url = _next_url(request)
    if request.user.is_verified() or not services.has_mfa(_me(request)):  # type: ignore[union-attr]
        return redirect(next_url)
    form = forms.CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device = services.verify_second_step(
                _me(request),
                code=form.cleaned_data["code"],
                request=request,
            )
        except services.AccountRefused as refusal:
            form.add_refusal(refusal)
        else:
            django_otp.login(request, device)
            return redirect(next_url)
    return render(request, "accounts/mfa_verify.html", {"form": form, "next": next_url})


@login_only
@never_cache
def mfa_settings(request: HttpRequest) -> HttpResponse:
    """Two-step sign-in status and what the person can do about it."""
    user = _me(request)
    context = {
        "enabled": services.has_mfa(user),
        "required": services.mfa_required_for(user),
        "backup_codes_left": services.backup_codes_left(user),
    }
    return render(request, "accounts/mfa.html", context)


@login_only
@sensitive_post_parameters("code")
@never_cache
@require_http_methods(["GET", "POST"])
def mfa_setup(request: HttpRequest) -> HttpResponse:
    """Scan the QR code (or type the key), then confirm with a code from the app."""
    next_url = _next_url(request, default="accounts:mfa")
    device = services.start_totp_enrolment(_me(request))
    form = forms.EnrolForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            codes = services.confirm_totp_device(
                _me(request),
                code=form.cleaned_data["code"],
                request=request,
            )
        except services.AccountRefused as refusal:
            form.add_refusal(refusal)
        else:
            request.session[NEW_CODES_KEY] = codes
            return redirect(_with_next("accounts:backup_codes", next_url))
    secret = b32encode(device.bin_key).decode()
    context = {
        "form": form,
        "next": next_url,
        "qr_svg": qr_svg(device.config_url),
        "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
        "replacing": services.has_mfa(_me(request)),
    }
    return render(request, "accounts/mfa_setup.html", context)


@login_only
@never_cache
@require_http_methods(["GET", "POST"])
def backup_codes(request: HttpRequest) -> HttpResponse:
    """New backup codes, shown once, until the person says they have saved them."""
    codes = request.session.get(NEW_CODES_KEY)
    if not codes:
        return redirect("accounts:mfa")
    next_url = _next_url(request, default="accounts:mfa")
    form = forms.AcknowledgeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        del request.session[NEW_CODES_KEY]
        messages.success(request, "Two-step sign-in is on, and your backup codes are saved.")
        return redirect(next_url)
    return render(
        request, "accounts/backup_codes.html", {"codes": codes, "form": form, "next": next_url}
    )


@login_only
@sensitive_post_parameters("code")
@require_http_methods(["GET", "POST"])
def regenerate_backup_codes(request: HttpRequest) -> HttpResponse:
    """Replace every backup code; needs a current code from the app."""
    if not services.has_mfa(_me(request)):
        return redirect("accounts:mfa_setup")
    form = forms.EnrolForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            codes = services.regenerate_backup_codes(
                _me(request),
                code=form.cleaned_data["code"],
                request=request,
            )
        except services.AccountRefused as refusal:
            form.add_refusal(refusal)
        else:
            request.session[NEW_CODES_KEY] = codes
            return redirect(_with_next("accounts:backup_codes", reverse("accounts:mfa")))
    return render(request, "accounts/regenerate_backup_codes.html", {"form": form})


@login_only
@sensitive_post_parameters("password")
@require_http_methods(["GET", "POST"])
def mfa_disable(request: HttpRequest) -> HttpResponse:
    """Turn two-step sign-in off with the password, unless a practice requires it."""
    if not services.has_mfa(_me(request)):
        return redirect("accounts:mfa")
    form = forms.DisableMFAForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.disable_mfa(
                _me(request),
                password=form.cleaned_data["password"],
                request=request,
            )
        except services.AccountRefused as refusal:
            form.add_refusal(refusal)
        else:
            messages.success(request, "Two-step sign-in is off for your account.")
            return redirect("accounts:mfa")
    required = services.mfa_required_for(_me(request))
    return render(request, "accounts/mfa_disable.html", {"form": form, "required": required})


# ---------------------------------------------------------------- passwords


@public_view
@require_http_methods(["GET", "POST"])
def password_reset(request: HttpRequest) -> HttpResponse:
    """Ask for a reset link. The next page is the same whether or not the address exists."""
    form = forms.PasswordResetRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.request_password_reset(form.cleaned_data["email"], request=request)
        return redirect("accounts:password_reset_sent")
    return render(request, "accounts/password_reset.html", {"form": form})


@public_view
def password_reset_sent(request: HttpRequest) -> HttpResponse:
    minutes = settings.PASSWORD_RESET_TIMEOUT // 60
    return render(request, "accounts/password_reset_sent.html", {"minutes": minutes})


@public_view
@sensitive_post_parameters()
@never_cache
@require_http_methods(["GET", "POST"])
def password_reset_confirm(request: HttpRequest, link_id: str, token: str) -> HttpResponse:
    """Choose a new password from an emailed link (single use, expiring)."""
    user = services.user_from_link_id(link_id)
    if user is None or not services.reset_link_is_valid(user, token):
        return render(request, "accounts/link_invalid.html", {"kind": "reset"}, status=410)
    form = forms.SetPasswordForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.reset_password(
                user, token=token, new_password=form.cleaned_data["new_password1"], request=request
            )
        except services.AccountRefused as refusal:
            form.add_refusal(refusal)
        else:
            messages.success(request, "Your password is changed. Sign in with the new one.")
            return redirect("accounts:login")
    return render(request, "accounts/password_reset_confirm.html", {"form": form})


@login_only
@sensitive_post_parameters()
@require_http_methods(["GET", "POST"])
def password_change(request: HttpRequest) -> HttpResponse:
    """A signed-in person changes their password and stays signed in."""
    form = forms.PasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.change_password(
                _me(request),
                old_password=form.cleaned_data["old_password"],
                new_password=form.cleaned_data["new_password1"],
                request=request,
            )
        except services.AccountRefused as refusal:
            refusal.field = "old_password" if refusal.field == "password" else refusal.field
            form.add_refusal(refusal)
        else:
            update_session_auth_hash(request, _me(request))
            messages.success(request, "Your password is changed.")
            return redirect("accounts:account")
    return render(request, "accounts/password_change.html", {"form": form})


# ---------------------------------------------------------------- email


@login_only
@sensitive_post_parameters("password")
@require_http_methods(["GET", "POST"])
def email_change(request: HttpRequest) -> HttpResponse:
    """Ask to sign in with a new address; a link goes to it and a notice to the old one."""
    form = forms.EmailChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.request_email_change(
                _me(request),
                new_email=form.cleaned_data["new_email"],
                password=form.cleaned_data["password"],
                request=request,
            )
        except services.AccountRefused as refusal:
            form.add_refusal(refusal)
        else:
            messages.info(
                request, "We sent a link to the new address. Open it to finish the change."
            )
            return redirect("accounts:account")
    return render(request, "accounts/email_change.html", {"form": form})


@public_view
@never_cache
@require_http_methods(["GET", "POST"])
def email_change_confirm(request: HttpRequest, token: str) -> HttpResponse:
    """Confirm a new sign-in address (a GET only shows the button: mail scanners open links)."""
    try:
        user, new_email = services.read_email_change_token(token)
    except services.LinkInvalid:
        return render(request, "accounts/link_invalid.html", {"kind": "email"}, status=410)
    error = None
    if request.method == "POST":
        try:
            services.confirm_email_change(token, request=request)
        except services.AccountRefused as refusal:
            error = refusal.message
        else:
            messages.success(request, "Your sign-in address is changed. Use it from now on.")
            signed_in = request.user.is_authenticated and request.user.pk == user.pk
            return redirect("accounts:account" if signed_in else "accounts:login")
    context = {"new_email": new_email, "error": error}
    return render(request, "accounts/email_change_confirm.html", context)


# ---------------------------------------------------------------- account page


@login_only
@require_http_methods(["GET", "POST"])
def account(request: HttpRequest) -> HttpResponse:
    """Name, preferred name and time zone, with links to password, email and MFA pages."""
    user = _me(request)
    initial = {
        "full_name": user.full_name,
        "preferred_name": user.preferred_name,
        "time_zone": user.time_zone,
    }
    form = forms.AccountForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        services.update_profile(user, request=request, **form.cleaned_data)
        messages.success(request, "Your account details are saved.")
        return redirect("accounts:account")
    context = {"form": form, "mfa_enabled": services.has_mfa(user)}
    return render(request, "accounts/account.html", context)


# ---------------------------------------------------------------- idle sessions


@login_only
@require_POST
def keepalive(request: HttpRequest) -> JsonResponse:
    """The idle warning's "Stay signed in": this request itself counts as activity."""
    return JsonResponse({"signed_in": True, "remaining": seconds_remaining(request)})


@public_view
@never_cache
def session_status(request: HttpRequest) -> JsonResponse:
    """How long the session has left; passive, so asking does not extend it."""
    if not request.user.is_authenticated:
        return JsonResponse({"signed_in": False, "remaining": 0})
    body = {
        "signed_in": True,
        "remaining": seconds_remaining(request),
        "limit": idle_limit(request),
    }
    return JsonResponse(body)
