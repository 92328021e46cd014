"""Helpers for the accounts tests: a stopped clock, TOTP codes computed from a device's key."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from tend.accounts import services
from tests.factories import PASSWORD, MembershipFactory, UserFactory

START = dt.datetime(2026, 3, 2, 15, 0, 0, tzinfo=dt.UTC)


@pytest.fixture
def clock():
    """Time stands still unless the test moves it (`clock.shift(seconds)`)."""
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def code_for(device: TOTPDevice) -> str:
    """The code an authenticator app would show now for this device."""
    value = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
    return f"{value:0{device.digits}d}"


def enrol(user) -> tuple[TOTPDevice, list[str]]:
    """Give `user` a confirmed authenticator and backup codes, as the set-up page would."""
    device = services.start_totp_enrolment(user)
    codes = services.confirm_totp_device(user, code=code_for(device))
    device.refresh_from_db()
    return device, codes


def sign_in_post(client, email: str, password: str = PASSWORD, next_url: str = ""):
    data = {"email": email, "password": password}
    if next_url:
        data["next"] = next_url
    return client.post("/accounts/login/", data)


@pytest.fixture
def member(db):
    """A clinician in a practice that does not require two-step sign-in."""
    return MembershipFactory(user=UserFactory(email="sam@example.org"))


__all__ = ["PASSWORD", "code_for", "enrol", "sign_in_post"]
