from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest


def practice(request: HttpRequest) -> dict[str, Any]:
    """The current practice and membership, and every practice the person may switch to."""
    membership = getattr(request, "membership", None)
    other = []
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        from tend.practices.models import Membership

        other = list(
            Membership.objects.filter(user=user, is_active=True)
            .select_related("practice")
            .order_by("practice__name")
        )
    practice = getattr(request, "practice", None)
    return {
        "current_membership": membership,
        "current_practice": practice,
        "all_memberships": other,
        "idle_timeout_seconds": 60
        * (practice.idle_timeout_minutes if practice else settings.TEND_IDLE_TIMEOUT_MINUTES),
    }
