"""Template variables about the signed-in person's sign-in security."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest


def mfa(request: HttpRequest) -> dict[str, Any]:
    """`mfa_banner`: the practice does not require two-step sign-in and this person has none."""
    practice = getattr(request, "practice", None)
    user = getattr(request, "user", None)
    if practice is None or practice.require_mfa or user is None or not user.is_authenticated:
        return {"mfa_banner": False}
    from tend.accounts.services import has_mfa

    return {"mfa_banner": not has_mfa(user)}
