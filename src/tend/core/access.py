"""The access helpers every view uses: scoped object lookup and role checks.

Another practice's object is always a 404, never a 403, so ids from other practices reveal
nothing. Role refusals inside the practice are 403s.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect

M = TypeVar("M", bound=models.Model)


def get_scoped_or_404(
    model_or_queryset: type[M] | models.QuerySet[M], membership: Any, **lookup: Any
) -> M:
    """Fetch one object visible to `membership`, or raise Http404."""
    if isinstance(model_or_queryset, models.QuerySet):
        queryset = model_or_queryset
    else:
        queryset = model_or_queryset._default_manager.all()
    try:
        return queryset.visible_to(membership).get(**lookup)  # type: ignore[attr-defined]
    except (queryset.model.DoesNotExist, ValidationError, ValueError, TypeError) as exc:
        raise Http404("Not found") from exc


def assert_same_practice(practice: Any, *objects: models.Model | None) -> None:
    """Services call this before linking objects; a mismatch is a programming error."""
    practice_id = getattr(practice, "pk", practice)
    for obj in objects:
        if obj is not None and obj.practice_id != practice_id:  # type: ignore[attr-defined]
            raise CrossPracticeReference(f"{obj._meta.label} belongs to another practice")


class CrossPracticeReference(Exception):
    """A service was asked to link objects from two practices."""


View = Callable[..., HttpResponse]


def member_required(roles: Iterable[str] | None = None) -> Callable[[View], View]:
    """The view needs a signed-in, verified member of the current practice holding a role.

    The allowed roles are kept on the view (`tend_roles`) so the URL sweep can check each one.
    """
    allowed = frozenset(roles) if roles is not None else None

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                from django.contrib.auth.views import redirect_to_login

                return redirect_to_login(request.get_full_path())
            membership = getattr(request, "membership", None)
            if membership is None:
                return redirect("practices:choose")
            if allowed is not None and membership.role not in allowed:
                from tend.core.audit import record

                record("permission.denied", request=request, detail={"view": view.__name__})
                raise PermissionDenied("Your role does not give access to this page.")
            return view(request, *args, **kwargs)

        wrapped.tend_roles = allowed  # type: ignore[attr-defined]
        wrapped.tend_member_view = True  # type: ignore[attr-defined]
        return wrapped

    return decorator


def public_view(view: View) -> View:
    """Marks a view that anyone may open (sign-in, health check); the sweep skips it."""
    view.tend_public = True  # type: ignore[attr-defined]
    return view


def login_only(view: View) -> View:
    """A view for a signed-in person that is not tied to one practice (account settings)."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            from django.contrib.auth.views import redirect_to_login

            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    wrapped.tend_login_only = True  # type: ignore[attr-defined]
    return wrapped


def not_found() -> Http404:
    return Http404("Not found")
