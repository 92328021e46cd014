"""Model fields whose values are encrypted in the database."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import FieldError
from django.db import models

from tend.core import crypto


class EncryptedToken(str):
    """A value that is already a Fernet token: saved as it is, not encrypted again.

    Only key rotation writes these (`tend rotate-keys`), through `queryset.update()`.
    """


class EncryptedTextField(models.TextField):
    """Text stored as a Fernet token; readable only with a key from TEND_ENCRYPTION_KEYS.

    Encrypted values cannot be searched or sorted in SQL (each encryption differs), so the only
    lookup allowed is `isnull`; keep these fields to free text.
    """

    description = "Text encrypted at rest"

    def get_prep_value(self, value: Any) -> Any:
        if isinstance(value, EncryptedToken):
            return str(value)
        value = super().get_prep_value(value)
        if value is None:
            return None
        return crypto.encrypt(str(value))

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if value is None:
            return None
        return crypto.decrypt(value)

    def to_python(self, value: Any) -> Any:
        return value

    def get_lookup(self, lookup_name: str) -> Any:
        if lookup_name != "isnull":
            raise FieldError(
                f"{self.model.__name__}.{self.name} is encrypted: it cannot be filtered with "
                f"'{lookup_name}' (only 'isnull')."
            )
        return super().get_lookup(lookup_name)


def encrypted_fields() -> list[tuple[type[models.Model], list[str]]]:
    """Every concrete model with encrypted fields, and those fields' column attribute names."""
    from django.apps import apps

    found = []
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed:
            continue
        names = [
            f.attname for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)
        ]
        if names:
            found.append((model, names))
    return found
