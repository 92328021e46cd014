"""Plain words for audit events on the audit log page."""

from __future__ import annotations

from functools import lru_cache

from django import template
from django.apps import apps

from tend.core.audit import action_label as _action_label

register = template.Library()


@register.filter
def action_label(action: str) -> str:
    return _action_label(action)


@register.filter
@lru_cache(maxsize=256)
def record_type(object_type: str) -> str:
    """ "practices.location" -> "Location"; unknown types are shown as stored."""
    if not object_type:
        return ""
    try:
        model = apps.get_model(object_type)
    except (LookupError, ValueError):
        return object_type
    return str(model._meta.verbose_name).capitalize()
