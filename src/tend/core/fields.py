"""Model fields whose values are encrypted in the database."""

from __future__ import annotations

from typing import Any

from django.db import models

from tend.core import crypto


class EncryptedTextField(models.TextField):
    """Text stored as a Fernet token; readable only with a key from TEND_ENCRYPTION_KEYS.

    Encrypted values cannot be searched or sorted in SQL; keep them to free text.
    """

    description = "Text encrypted at rest"

    def get_prep_value(self, value: Any) -> Any:
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


def encrypted_fields() -> list[tuple[type[models.Model], list[str]]]:
    """Every concrete model with encrypted fields, and those fields' names."""
    from django.apps import apps

    found = []
    for model in apps.get_models():
        names = [
            f.attname
            for f in model._meta.concrete_fields
            if isinstance(f, EncryptedTextField)
        ]
        if names and not model._meta.proxy:
            found.append((model, names))
    return found
