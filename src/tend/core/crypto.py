"""Encryption at rest for sensitive text, with keys separate from SECRET_KEY.

`TEND_ENCRYPTION_KEYS` lists Fernet keys, newest first. New values are encrypted with the
newest key; any listed key decrypts, so keys can be rotated without downtime.
"""

from __future__ import annotations

from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


@lru_cache(maxsize=4)
def _fernets(keys: tuple[str, ...]) -> tuple[MultiFernet, Fernet]:
    fernets = [Fernet(key.encode()) for key in keys]
    return MultiFernet(fernets), fernets[0]


def multifernet() -> MultiFernet:
    return _fernets(tuple(settings.TEND_ENCRYPTION_KEYS))[0]


def primary_fernet() -> Fernet:
    return _fernets(tuple(settings.TEND_ENCRYPTION_KEYS))[1]


def encrypt(value: str) -> str:
    return multifernet().encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    return multifernet().decrypt(token.encode()).decode()


def encrypt_bytes(data: bytes) -> bytes:
    return multifernet().encrypt(data)


def decrypt_bytes(token: bytes) -> bytes:
    return multifernet().decrypt(token)


def is_current(token: str) -> bool:
    """True when the newest key alone decrypts the token (nothing to rotate)."""
    try:
        primary_fernet().decrypt(token.encode())
    except InvalidToken:
        return False
    return True


def rotate(token: str) -> str:
    return multifernet().rotate(token.encode()).decode()
