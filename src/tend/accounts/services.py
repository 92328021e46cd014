"""Every write to a person's sign-in: sign-in records, MFA devices, passwords, email, unlocks.

The actor is the person themselves unless a keyword says otherwise (`membership` for an
owner or admin unlocking someone). Each function audits what it did; emails go out on commit
and never carry PHI.
"""

from __future__ import annotations

import secrets
import uuid
from datetime import timedelta
from typing import Any

import django_otp
from axes.models import AccessAttempt
from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib.auth import authenticate, login, password_validation
from django.contrib.auth.tokens import default_token_generator
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode
from django_otp import devices_for_user
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from tend.accounts.models import User
from tend.core.audit import record

BACKUP_CODE_COUNT = 10
EMAIL_CHANGE_SALT = "tend.accounts.email-change"


class AccountRefused(Exception):
    """A refusal shown next to `field` on the form that asked for it."""

    field: str | None = None
    message = "That did not work."

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or self.message)
        self.message = message or self.message


class CredentialsRejected(AccountRefused):
    field = None
    message = "The email address or password is not right. Check both and try again."


class WrongPassword(AccountRefused):
    field = "password"
    message = "That is not your current password."


class WrongCode(AccountRefused):
    field = "code"
    message = "That code is not right. Check the app and type the newest 6-digit code."


class CodeThrottled(AccountRefused):
    field = "code"

    def __init__(self, seconds: int) -> None:
        self.seconds = max(1, seconds)
        super().__init__(
            f"Too many wrong codes in a row. Wait {self.seconds} "
            f"second{'s' if self.seconds != 1 else ''}, then try again "
            "with the newest code."
        )


class MFARequiredByPractice(AccountRefused):
    field = None
    message = (
        "A practice you belong to requires two-step sign-in, so it cannot be turned off. "
        "To move to a new phone, set up the authenticator app again instead."
    )


class EmailTaken(AccountRefused):
    field = "new_email"
    message = "That address already belongs to another Tend account."


class LinkInvalid(AccountRefused):
    field = None
    message = (
        "This link has expired or has already been used. Ask for a new one; links work once "
        "and only for a limited time."
    )


class NoPendingEnrolment(AccountRefused):
    field = None
    message = "Start setting up the authenticator app again: the set-up expired."


# ---------------------------------------------------------------- sign-in, sign-out, lockout


def _audit(
    action: str,
    *,
    user: Any,
    request: HttpRequest | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    """Record an event about someone's own sign-in.

    Inside a practice session it goes to that practice. Outside one (signing in, a link from an
    email) it goes to every practice the person works in, so each one's owners see it; events
    about no known person go to the system chain.
    """
    practice = getattr(request, "practice", None)
    if practice is not None or user is None:
        record(action, request=request, actor=user, practice=practice, detail=detail)
        return
    practice_ids = list(
        user.memberships.filter(is_active=True).values_list("practice_id", flat=True)
    )
    for practice_id in practice_ids or [None]:
        record(action, request=request, actor=user, practice=practice_id, detail=detail)


def _known_user(email: str) -> User | None:
    return User.objects.filter(email__iexact=email.strip()).first() if email else None


def sign_in(request: HttpRequest, *, email: str, password: str) -> User:
    """Check the password (django-axes counts failures) and start the session."""
    email = email.strip().lower()
    # axes reads the account from `email` (AXES_USERNAME_FORM_FIELD); ModelBackend from username.
    user = authenticate(request=request, username=email, email=email, password=password)
    if user is None:
        locked = bool(getattr(request, "axes_locked_out", False))
        _audit(
            "auth.signin_failed",
            request=request,
            user=_known_user(email),
            detail={"reason": "locked_out" if locked else "credentials"},
        )
        raise CredentialsRejected()
    login(request, user)
    needs_code = has_mfa(user)
    _audit("auth.signin", request=request, user=user, detail={"second_step": needs_code})
    return user


def record_signout(request: HttpRequest) -> None:
    _audit("auth.signout", request=request, user=request.user)


def record_idle_signout(request: HttpRequest, *, user: User, minutes: int) -> None:
    _audit("auth.idle_signout", request=request, user=user, detail={"idle_minutes": minutes})


def record_locked_out(request: HttpRequest, *, email: str) -> None:
    _audit("auth.locked_out", request=request, user=_known_user(email), detail={})


def cooloff() -> timedelta:
    value: Any = settings.AXES_COOLOFF_TIME
    if isinstance(value, timedelta):
        return value
    return timedelta(hours=float(value or 0))


def is_locked_out(user: User) -> bool:
    """Whether django-axes currently refuses this account's sign-ins."""
    attempts = AccessAttempt.objects.filter(
        username__iexact=user.email, failures_since_start__gte=settings.AXES_FAILURE_LIMIT
    )
    if cooloff():
        attempts = attempts.filter(attempt_time__gte=timezone.now() - cooloff())
    return attempts.exists()


def unlock_account(user: User, *, membership: Any) -> int:
    """An owner or admin lifts a lockout now; returns how many failure records were cleared."""
    with transaction.atomic():
        cleared = axes_reset(username=user.email)
        target = user.memberships.filter(practice_id=membership.practice_id).first()
        record(
            "auth.unlocked",
            actor=membership.user,
            practice=membership.practice,
            obj=target,
            detail={"cleared_attempts": cleared},
        )
    return cleared


# ---------------------------------------------------------------- MFA


def has_mfa(user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def backup_codes_left(user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def mfa_required_for(user: User) -> bool:
    """Whether any practice this person works in requires two-step sign-in."""
    return user.memberships.filter(is_active=True, practice__require_mfa=True).exists()


def start_totp_enrolment(user: User) -> TOTPDevice:
    """The person's unconfirmed authenticator (made once, so the QR code stays the same)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("id").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)
    return device


def _throttle_check(device: Any) -> None:
    allowed, info = device.verify_is_allowed()
    if not allowed:
        locked_until = (info or {}).get("locked_until")
        seconds = 1
        if locked_until is not None:
            seconds = int((locked_until - timezone.now()).total_seconds() + 0.999)
        raise CodeThrottled(seconds)


def _make_backup_codes(user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name="Backup codes", confirmed=True)
    codes = [f"{secrets.randbelow(10**10):010d}" for _ in range(BACKUP_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=c) for c in codes])
    return [f"{c[:5]} {c[5:]}" for c in codes]


def normalise_code(code: str) -> str:
    return "".join(ch for ch in code if ch.isalnum()).lower()


def confirm_totp_device(user: User, *, code: str, request: HttpRequest | None = None) -> list[str]:
    """Confirm the pending authenticator with a code from it; returns new backup codes.

    A confirmed earlier authenticator (an old phone) is removed.
    """
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("id").first()
    if device is None:
        raise NoPendingEnrolment()
    _throttle_check(device)
    # verify_token saves the throttle count itself, so a wrong code is counted even on refusal.
    if not device.verify_token(normalise_code(code)):
        raise WrongCode()
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = _make_backup_codes(user)
        _audit("auth.mfa_enrolled", request=request, user=user, detail={"backup_codes": len(codes)})
    if request is not None:
        django_otp.login(request, device)
    return codes


def verify_second_step(user: User, *, code: str, request: HttpRequest | None = None) -> Any:
    """Check a TOTP code or a backup code (used once); returns the device that accepted it."""
    token = normalise_code(code)
    if len(token) == 6:
        model: Any = TOTPDevice
    else:
        model = StaticDevice
    for device in model.objects.filter(user=user, confirmed=True):
        _throttle_check(device)
        if _verify_locked(device, token):
            if model is StaticDevice:
                left = StaticToken.objects.filter(device=device).count()
                _audit(
                    "auth.backup_code_used",
                    request=request,
                    user=user,
                    detail={"backup_codes_left": left},
                )
            return device
    _audit("auth.mfa_failed", request=request, user=user, detail={"kind": model.__name__})
    raise WrongCode(
        WrongCode.message
        if model is TOTPDevice
        else "That backup code is not right or was already used. Each code works once."
    )


def _verify_locked(device: Any, token: str) -> bool:
    """Verify under a row lock so two requests cannot both spend one code."""
    with transaction.atomic():
        locked = type(device).objects.select_for_update().get(pk=device.pk)
        return bool(locked.verify_token(token))


def regenerate_backup_codes(
    user: User, *, code: str, request: HttpRequest | None = None
) -> list[str]:
    """Replace all backup codes; needs a current code from the authenticator app."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        raise NoPendingEnrolment("Set up an authenticator app first.")
    _throttle_check(device)
    if not device.verify_token(normalise_code(code)):
        raise WrongCode()
    with transaction.atomic():
        codes = _make_backup_codes(user)
        _audit(
            "auth.backup_codes_generated",
            request=request,
            user=user,
            detail={"backup_codes": len(codes)},
        )
    return codes


def disable_mfa(user: User, *, password: str, request: HttpRequest | None = None) -> None:
    """Turn two-step sign-in off; needs the password and no practice that requires it."""
    if not user.check_password(password):
        raise WrongPassword()
    if mfa_required_for(user):
        raise MFARequiredByPractice()
    with transaction.atomic():
        removed = 0
        for device in list(devices_for_user(user, confirmed=None)):
            device.delete()
            removed += 1
        _audit("auth.mfa_removed", request=request, user=user, detail={"devices": removed})


# ---------------------------------------------------------------- passwords


def _send(to: str, template: str, context: dict[str, Any]) -> None:
    subject = render_to_string(f"accounts/email/{template}_subject.txt", context).strip()
    body = render_to_string(f"accounts/email/{template}.txt", context)
    transaction.on_commit(
        lambda: send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [to], fail_silently=False)
    )


def _absolute(path: str) -> str:
    return str(settings.TEND_BASE_URL or "").rstrip("/") + path


def user_link_id(user: User) -> str:
    return urlsafe_base64_encode(user.uuid.bytes)


def user_from_link_id(link_id: str) -> User | None:
    try:
        public_id = uuid.UUID(bytes=urlsafe_base64_decode(link_id))
    except (ValueError, TypeError):
        return None
    return User.objects.filter(uuid=public_id, is_active=True).first()


def request_password_reset(email: str, *, request: HttpRequest | None = None) -> None:
    """Email a single-use reset link if the address belongs to an active account.

    The caller shows the same page either way, so the page reveals nothing.
    """
    user = User.objects.filter(email__iexact=email.strip(), is_active=True).first()
    if user is None:
        return
    with transaction.atomic():
        token = default_token_generator.make_token(user)
        path = reverse(
            "accounts:password_reset_confirm",
            kwargs={"link_id": user_link_id(user), "token": token},
        )
        _send(
            user.email,
            "password_reset",
            {"link": _absolute(path), "minutes": settings.PASSWORD_RESET_TIMEOUT // 60},
        )
        _audit("auth.password_reset_requested", request=request, user=user)


def reset_link_is_valid(user: User | None, token: str) -> bool:
    return user is not None and default_token_generator.check_token(user, token)


def _validated(password: str, user: User, field: str) -> None:
    try:
        password_validation.validate_password(password, user)
    except ValidationError as exc:
        raise PasswordTooWeak(field, exc.messages) from exc


class PasswordTooWeak(AccountRefused):
    def __init__(self, field: str, messages: list[str]) -> None:
        self.field = field
        self.messages = messages
        super().__init__(" ".join(messages))


def reset_password(
    user: User, *, token: str, new_password: str, request: HttpRequest | None = None
) -> None:
    """Set a new password from an emailed link; the link dies because the hash changes."""
    if not reset_link_is_valid(user, token):
        raise LinkInvalid()
    _validated(new_password, user, "new_password1")
    with transaction.atomic():
        user.set_password(new_password)
        user.save(update_fields=["password"])
        axes_reset(username=user.email)
        _audit("auth.password_reset", request=request, user=user)


def change_password(
    user: User, *, old_password: str, new_password: str, request: HttpRequest | None = None
) -> None:
    """A signed-in person changes their password (the view keeps their session)."""
    if not user.check_password(old_password):
        raise WrongPassword()
    _validated(new_password, user, "new_password1")
    with transaction.atomic():
        user.set_password(new_password)
        user.save(update_fields=["password"])
        _audit("auth.password_changed", request=request, user=user)


# ---------------------------------------------------------------- email change


def email_change_token(user: User, new_email: str) -> str:
    """Signed and timestamped; holds the current email so it stops working once used."""
    payload = {"user": str(user.uuid), "from": user.email, "to": new_email}
    return signing.dumps(payload, salt=EMAIL_CHANGE_SALT, compress=True)


def request_email_change(
    user: User, *, new_email: str, password: str, request: HttpRequest | None = None
) -> None:
    """Email a confirmation link to the new address and a notice to the old one."""
    new_email = User.objects.normalize_email(new_email.strip()).lower()
    if not user.check_password(password):
        raise WrongPassword()
    if User.objects.filter(email__iexact=new_email).exclude(pk=user.pk).exists():
        raise EmailTaken()
    if new_email == user.email:
        raise EmailTaken("That is already your sign-in address.")
    with transaction.atomic():
        path = reverse(
            "accounts:email_change_confirm", kwargs={"token": email_change_token(user, new_email)}
        )
        minutes = settings.PASSWORD_RESET_TIMEOUT // 60
        _send(new_email, "email_change_confirm", {"link": _absolute(path), "minutes": minutes})
        _send(user.email, "email_change_notice", {"support": "your practice owner"})
        _audit("auth.email_change_requested", request=request, user=user)


def read_email_change_token(token: str) -> tuple[User, str]:
    """The person and the new address a link is for; LinkInvalid when expired or used."""
    try:
        payload = signing.loads(
            token, salt=EMAIL_CHANGE_SALT, max_age=settings.PASSWORD_RESET_TIMEOUT
        )
        user = User.objects.get(uuid=payload["user"], is_active=True)
    except (signing.BadSignature, User.DoesNotExist, KeyError, ValueError, ValidationError) as exc:
        raise LinkInvalid() from exc
    if user.email != payload["from"]:
        raise LinkInvalid()
    return user, payload["to"]


def confirm_email_change(token: str, *, request: HttpRequest | None = None) -> User:
    """Switch the sign-in address to the one the link was sent to."""
    user, new_email = read_email_change_token(token)
    if User.objects.filter(email__iexact=new_email).exclude(pk=user.pk).exists():
        raise EmailTaken()
    with transaction.atomic():
        old_email = user.email
        user.email = new_email
        user.save(update_fields=["email"])
        axes_reset(username=old_email)
        _audit("auth.email_changed", request=request, user=user)
    return user


# ---------------------------------------------------------------- profile


def update_profile(
    user: User,
    *,
    full_name: str,
    preferred_name: str,
    time_zone: str,
    request: HttpRequest | None = None,
) -> list[str]:
    """Save name, preferred name and time zone; returns the names of the fields that changed."""
    values = {"full_name": full_name, "preferred_name": preferred_name, "time_zone": time_zone}
    changed = [name for name, value in values.items() if getattr(user, name) != value]
    if not changed:
        return []
    with transaction.atomic():
        for name in changed:
            setattr(user, name, values[name])
        user.save(update_fields=changed)
        _audit("account.updated", request=request, user=user, detail={"fields": changed})
    return changed
