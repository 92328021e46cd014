"""`tend createpractice` and `tend check`."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings

from tend.accounts.models import User
from tend.core.models import AuditEvent
from tend.practices.choices import Role
from tend.practices.models import Membership, Practice
from tests.factories import UserFactory

GOOD_PASSWORD = "a long and quiet river bend"


@pytest.fixture
def typed_passwords(monkeypatch):
    answers: list[str] = []
    monkeypatch.setattr("getpass.getpass", lambda prompt="": answers.pop(0))
    return answers


@pytest.mark.django_db
def test_createpractice_with_flags_makes_a_practice_and_its_owner(typed_passwords):
    typed_passwords += [GOOD_PASSWORD, GOOD_PASSWORD]
    out = io.StringIO()
    call_command(
        "createpractice",
        name="Lakeside Therapy",
        owner_email="Owner@Lakeside.example",
        owner_name="Robin Lakes",
        time_zone="America/Denver",
        sees_clients=True,
        stdout=out,
    )
    practice = Practice.objects.get(name="Lakeside Therapy")
    owner = Membership.objects.get(practice=practice)
    assert owner.role == Role.OWNER and owner.sees_clients
    assert owner.user.email == "owner@lakeside.example"
    assert owner.user.check_password(GOOD_PASSWORD)
    assert practice.require_mfa and not practice.is_demo
    assert practice.time_zone == "America/Denver"
    assert AuditEvent.objects.filter(action="practice.created", practice=practice).exists()
    assert "Created the practice" in out.getvalue()


@pytest.mark.django_db
def test_createpractice_asks_for_what_is_missing_and_retries_a_weak_password(
    typed_passwords, monkeypatch
):
    answers = iter(
        [
            "Pine Street Counseling",
            "sam@pine.example",
            "Sam Pine",
            "Nowhere/City",
            "America/Chicago",
        ]
    )
    monkeypatch.setattr("builtins.input", lambda prompt="": next(answers))
    typed_passwords += ["short", GOOD_PASSWORD, GOOD_PASSWORD]
    err = io.StringIO()
    call_command("createpractice", stdout=io.StringIO(), stderr=err)
    assert Practice.objects.get(name="Pine Street Counseling").time_zone == "America/Chicago"
    assert "time zone" in err.getvalue()
    assert "too short" in err.getvalue()


@pytest.mark.django_db
def test_createpractice_without_input_reads_the_password_from_the_environment(monkeypatch):
    monkeypatch.setenv("TEND_OWNER_PASSWORD", GOOD_PASSWORD)
    call_command(
        "createpractice",
        "--no-input",
        name="Quiet Harbor",
        owner_email="q@harbor.example",
        owner_name="Quinn Harbor",
        time_zone="America/New_York",
        stdout=io.StringIO(),
    )
    assert User.objects.get(email="q@harbor.example").check_password(GOOD_PASSWORD)


@pytest.mark.django_db
def test_createpractice_without_input_refuses_missing_or_bad_values(monkeypatch):
    monkeypatch.setenv("TEND_OWNER_PASSWORD", "password")
    with pytest.raises(CommandError, match="Practice name is required"):
        call_command("createpractice", "--no-input")
    with pytest.raises(CommandError, match="Time zone"):
        call_command(
            "createpractice",
            "--no-input",
            name="X",
            owner_email="x@x.example",
            owner_name="X Y",
            time_zone="Mars/Olympus",
        )
    with pytest.raises(CommandError, match="TEND_OWNER_PASSWORD"):
        call_command(
            "createpractice",
            "--no-input",
            name="X",
            owner_email="x@x.example",
            owner_name="X Y",
            time_zone="UTC",
        )
    assert not Practice.objects.exists()


@pytest.mark.django_db
def test_createpractice_for_an_existing_person_adds_a_practice_without_a_new_password():
    user = UserFactory(email="known@example.org")
    call_command(
        "createpractice",
        "--no-input",
        name="Second Practice",
        owner_email="known@example.org",
        time_zone="UTC",
        stdout=io.StringIO(),
    )
    assert Membership.objects.get(practice__name="Second Practice").user == user


@pytest.mark.django_db
def test_tend_check_passes_with_keys_database_and_queue(tmp_path, settings):
    settings.DATA_DIR = tmp_path
    tmp_path.chmod(0o700)
    out = io.StringIO()
    call_command("tendcheck", "--no-deploy", stdout=out)
    assert "Tend check passed." in out.getvalue()


@pytest.mark.django_db
def test_tend_check_fails_on_a_world_readable_data_dir(tmp_path, settings):
    settings.DATA_DIR = tmp_path
    tmp_path.chmod(0o755)
    out = io.StringIO()
    with pytest.raises(CommandError, match="1 problem"):
        call_command("tendcheck", "--no-deploy", stdout=out)
    assert "chmod 700" in out.getvalue()


@pytest.mark.django_db
def test_tend_check_fails_on_a_bad_encryption_key(tmp_path, settings):
    settings.DATA_DIR = tmp_path
    tmp_path.chmod(0o700)
    settings.TEND_ENCRYPTION_KEYS = ["not-a-key"]
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("tendcheck", "--no-deploy", stdout=out)
    assert "entry 1 is not a Fernet key" in out.getvalue()


@pytest.mark.django_db
def test_tend_check_fails_when_redis_is_unreachable(tmp_path, settings):
    settings.DATA_DIR = tmp_path
    tmp_path.chmod(0o700)
    with override_settings(
        TASKS={"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}},
        RQ_QUEUES={"default": {"URL": "redis://127.0.0.1:1/0"}},
    ):
        out = io.StringIO()
        with pytest.raises(CommandError):
            call_command("tendcheck", "--no-deploy", stdout=out)
    assert "task queue (redis) is unreachable" in out.getvalue()


@pytest.mark.django_db
def test_tend_check_runs_djangos_deploy_checks(tmp_path, settings):
    settings.DATA_DIR = tmp_path
    tmp_path.chmod(0o700)
    # Under test DEBUG-style settings are in force, so the deploy checks must complain.
    with pytest.raises(Exception, match="SystemCheckError|security"):
        call_command("tendcheck", stdout=io.StringIO(), stderr=io.StringIO())
