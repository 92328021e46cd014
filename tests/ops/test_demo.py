"""The demo practice: realistic, fictional, valid, and the same on every run."""

from __future__ import annotations

import os
import stat

import pytest
from django.contrib.auth import authenticate
from django.contrib.auth.hashers import get_hasher, identify_hasher
from django.core.management import call_command
from django.db import transaction
from django.test import RequestFactory

from tend.core.models import AuditEvent
from tend.lib.npi import is_valid_npi
from tend.practices.choices import CLINICAL, Role
from tend.practices.demo import DEMO_PASSWORD, SIZES, build_demo_practice
from tend.practices.models import ClinicianProfile, Location, Membership, Practice, Room

TAXONOMIES_FROM_DOMAIN = {
    "101YP2500X",
    "101YM0800X",
    "101YA0400X",
    "101Y00000X",
    "1041C0700X",
    "104100000X",
    "106H00000X",
    "103T00000X",
    "103TC0700X",
    "103TC2200X",
    "2084P0800X",
    "363LP0808X",
}


class Rollback(Exception):
    pass


def dump(practice: Practice) -> list[tuple]:
    rows = []
    members = Membership.objects.filter(practice=practice).select_related(
        "user", "supervisor__user", "clinician_profile"
    )
    for m in members.order_by("id"):
        profile = getattr(m, "clinician_profile", None)
        rows.append(
            (
                m.user.full_name,
                m.user.email,
                m.role,
                m.sees_clients,
                m.supervisor.user.email if m.supervisor else None,
                profile.npi if profile else None,
                profile.taxonomy if profile else None,
                profile.license_number if profile else None,
            )
        )
    for room in Room.objects.filter(practice=practice).select_related("location").order_by("id"):
        rows.append((room.location.name, room.location.address_line1, room.name, room.capacity))
    return rows


def build_and_dump(size: str, seed: int = 2026) -> list[tuple]:
    try:
        with transaction.atomic():
            result = build_demo_practice(size, seed=seed)
            rows = dump(result.practice)
            raise Rollback
    except Rollback:
        return rows


@pytest.mark.django_db
def test_two_runs_build_identical_demo_data():
    first = build_and_dump("medium")
    assert Practice.objects.count() == 0
    second = build_and_dump("medium")
    assert first == second
    assert len(first) > 20


@pytest.mark.django_db
def test_a_different_seed_gives_different_people():
    assert build_and_dump("small", seed=1) != build_and_dump("small", seed=2)


@pytest.mark.django_db
def test_small_demo_has_every_role_and_one_supervisee():
    result = build_demo_practice("small")
    practice = result.practice
    roles = list(Membership.objects.filter(practice=practice).values_list("role", flat=True))
    assert roles.count(Role.OWNER) == 1
    assert roles.count(Role.CLINICIAN) == 3
    assert roles.count(Role.SUPERVISOR) == 1
    assert roles.count(Role.BILLER) == 1
    assert roles.count(Role.FRONT_DESK) == 1
    assert result.owner.role == Role.OWNER and result.owner.sees_clients
    supervisor = Membership.objects.get(practice=practice, role=Role.SUPERVISOR)
    assert supervisor.supervisees.count() == 1
    assert practice.is_demo and not practice.require_mfa


@pytest.mark.django_db
def test_every_clinical_member_has_a_valid_profile():
    practice = build_demo_practice("medium").practice
    clinical = Membership.objects.filter(practice=practice, role__in=CLINICAL).count() + 1
    profiles = ClinicianProfile.objects.filter(practice=practice)
    assert profiles.count() == clinical
    npis = [p.npi for p in profiles]
    assert len(set(npis)) == len(npis)
    for profile in profiles:
        assert is_valid_npi(profile.npi), profile.npi
        assert profile.taxonomy in TAXONOMIES_FROM_DOMAIN
        profile.full_clean()
    assert not ClinicianProfile.objects.filter(
        practice=practice, membership__role__in=[Role.BILLER, Role.FRONT_DESK]
    ).exists()


@pytest.mark.django_db
def test_demo_has_locations_with_rooms():
    practice = build_demo_practice("small").practice
    offices = Location.objects.filter(practice=practice, is_telehealth=False)
    assert offices.count() >= 2
    for location in offices:
        assert location.rooms.count() >= 2
        location.full_clean()
    telehealth = Location.objects.get(practice=practice, is_telehealth=True)
    assert telehealth.rooms.count() == 0


@pytest.mark.django_db
def test_large_demo_has_at_least_two_hundred_clinicians(monkeypatch):
    # The 20,000 demo clients are the clients app's (tests/clients/test_demo.py, make bench).
    monkeypatch.setattr("tend.clients.demo.build_demo_clients", lambda *args, **kwargs: None)
    practice = build_demo_practice("large").practice
    clinicians = Membership.objects.filter(practice=practice, role=Role.CLINICIAN)
    assert clinicians.count() >= 200
    assert clinicians.filter(supervisor__isnull=False).exists()


@pytest.mark.django_db
def test_demo_people_can_sign_in_with_the_demo_password():
    result = build_demo_practice("small")
    request = RequestFactory().post("/accounts/login/")
    user = authenticate(request, email=result.owner.user.email, password=DEMO_PASSWORD)
    assert user == result.owner.user
    # Hashed with the configured hasher (Argon2 in production, a fast one under test).
    assert identify_hasher(result.owner.user.password).algorithm == get_hasher().algorithm


@pytest.mark.django_db
def test_demo_emails_use_a_reserved_domain():
    practice = build_demo_practice("small").practice
    emails = Membership.objects.filter(practice=practice).values_list("user__email", flat=True)
    assert all(e.endswith(".example") for e in emails)


@pytest.mark.django_db
def test_building_the_demo_is_audited_without_names():
    practice = build_demo_practice("small").practice
    event = AuditEvent.objects.get(action="practice.demo_created")
    assert event.practice == practice
    assert event.detail == {"size": "small", "members": 7, "locations": 3}


@pytest.mark.django_db
def test_demo_command_writes_private_credentials_and_is_idempotent(tmp_path, settings, capsys):
    settings.DATA_DIR = tmp_path
    call_command("demo", size="small")
    call_command("demo", size="small")
    assert Practice.objects.filter(is_demo=True).count() == 1
    credentials = tmp_path / "demo-credentials.txt"
    assert stat.S_IMODE(os.stat(credentials).st_mode) == 0o600
    text = credentials.read_text()
    assert DEMO_PASSWORD in text and "owner@willowcreek.example" in text
    assert "already exists" in capsys.readouterr().out


@pytest.mark.django_db
def test_demo_if_missing_does_nothing_when_a_demo_exists(tmp_path, settings):
    settings.DATA_DIR = tmp_path
    call_command("demo", size="medium", verbosity=0)
    call_command("demo", size="small", if_missing=True, verbosity=0)
    assert list(Practice.objects.filter(is_demo=True).values_list("name", flat=True)) == [
        SIZES["medium"].practice_name
    ]
