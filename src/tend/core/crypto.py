"""Encryption at rest for sensitive text, with keys separate from SECRET_KEY.

`TEND_ENCRYPTION_KEYS` lists Fernet keys, newest first. New values are encrypted with the
newest key; any listed key decrypts, so keys can be rotated without downtime: put the new key
first, restart, run `tend rotate-keys`, then remove the old key.
"""

from __future__ import annotations

from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


class UndecryptableValue(InvalidToken):
    """A stored value that none of the configured keys can decrypt."""

    def __init__(self) -> None:
        super().__init__(
            "An encrypted value could not be decrypted with any key in TEND_ENCRYPTION_KEYS. "
            "It was written under a key that is no longer listed (or the value is damaged): "
            "put the old key back at the end of the list, then run `tend rotate-keys`."
        )


@lru_cache(maxsize=4)
def _fernets(keys: tuple[str, ...]) -> tuple[MultiFernet, Fernet]:
    if not keys:
        raise ImproperlyConfigured("TEND_ENCRYPTION_KEYS is empty: set at least one Fernet key.")
    fernets = []
    for position, key in enumerate(keys, start=1):
        try:
            fernets.append(Fernet(key.strip().encode()))
        except ValueError as exc:
            raise ImproperlyConfigured(
                f"Key {position} in TEND_ENCRYPTION_KEYS is not a Fernet key (32 url-safe "
                "base64-encoded bytes). Make one with `python -c 'from cryptography.fernet "
                "import Fernet; print(Fernet.generate_key().decode())'`."
            ) from exc
    return MultiFernet(fernets), fernets[0]


def multifernet() -> MultiFernet:
    return _fernets(tuple(settings.TEND_ENCRYPTION_KEYS))[0]


def primary_fernet() -> Fernet:
    return _fernets(tuple(settings.TEND_ENCRYPTION_KEYS))[1]


def encrypt(value: str) -> str:
    return multifernet().encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return multifernet().decrypt(token.encode()).decode()
    except InvalidToken:
        raise UndecryptableValue() from None


def encrypt_bytes(data: bytes) -> bytes:
    return multifernet().encrypt(data)


def decrypt_bytes(token: bytes) -> bytes:
    try:
        return multifernet().decrypt(token)
    except InvalidToken:
        raise UndecryptableValue() from None


def is_current(token: str) -> bool:
    """True when the newest key alone decrypts the token (nothing to rotate)."""
    try:
        primary_fernet().decrypt(token.encode())
    except InvalidToken:
        return False
    return True


def rotate(token: str) -> str:
    """The same plaintext encrypted under the newest key (raises UndecryptableValue)."""
    try:
        return multifernet().rotate(token.encode()).decode()
    except InvalidToken:
        raise UndecryptableValue() from None
