"""The shared pieces of the write path: applying form values in a service, and showing a
service's refusal next to the field it concerns."""

from __future__ import annotations

from typing import Any

from django import forms


def apply_changes(obj: Any, values: dict[str, Any], allowed: tuple[str, ...]) -> list[str]:
    """Set the allowed values that differ on `obj`; return the names of the fields that changed.

    Relations are compared by primary key, so an unchanged related object is not a change.
    """
    changed = []
    for name in allowed:
        if name not in values:
            continue
        field = obj._meta.get_field(name)
        new = values[name]
        comparable = new.pk if field.is_relation and new is not None else new
        if getattr(obj, field.attname) != comparable:
            setattr(obj, name, new)
            changed.append(name)
    return changed


def add_refusal(form: forms.BaseForm, refusal: Exception, field: str | None = None) -> None:
    """Show a domain refusal next to its field (`refusal.field`, or `field`), or at the top of
    the form when the form has no such field. What the person typed stays in the form."""
    name = field or getattr(refusal, "field", None)
    form.add_error(name if name in form.fields else None, str(refusal))
