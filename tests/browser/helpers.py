"""Small helpers shared by the browser journeys."""

from __future__ import annotations

import base64
import re

from django.conf import settings
from django.test import Client
from django_otp.oath import totp
from playwright.sync_api import BrowserContext, Page

from tests.conftest import signed_in


def sign_in_by_session(context: BrowserContext, live_server, membership) -> None:
    """Put a signed-in session cookie in the browser, skipping the sign-in screens.

    For tests about the shell, not about signing in (the journeys sign in for real).
    """
    client: Client = signed_in(membership)
    session_key = client.cookies[settings.SESSION_COOKIE_NAME].value
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": session_key,
                "url": live_server.url,
                "httpOnly": True,
                "sameSite": "Lax",
            }
        ]
    )


def totp_code(secret_base32: str) -> str:
    """The six-digit code an authenticator app would show now for this base32 secret."""
    cleaned = re.sub(r"[^A-Z2-7]", "", secret_base32.upper())
    key = base64.b32decode(cleaned + "=" * (-len(cleaned) % 8))
    return f"{totp(key, step=30, t0=0, digits=6):06d}"


def main_heading(page: Page) -> str:
    return page.locator("main h1").first.inner_text().strip()
