"""Production settings fail closed: without a secret, hosts or encryption keys Tend won't start."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

import tend

SRC = str(Path(tend.__file__).resolve().parent.parent)
REQUIRED = {
    "SECRET_KEY": "x" * 20 + "production-like-secret-key-for-the-settings-test-0123456789",
    "ALLOWED_HOSTS": "tend.example.org",
    "TEND_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
}
REPORT = (
    "import django, json; django.setup(); from django.conf import settings as s; "
    "print(json.dumps({'DEBUG': s.DEBUG, 'SESSION_COOKIE_SECURE': s.SESSION_COOKIE_SECURE, "
    "'CSRF_COOKIE_SECURE': s.CSRF_COOKIE_SECURE, 'HSTS': s.SECURE_HSTS_SECONDS, "
    "'XFO': s.X_FRAME_OPTIONS, 'SSL_REDIRECT': s.SECURE_SSL_REDIRECT, "
    "'REFERRER': s.SECURE_REFERRER_POLICY, 'NOSNIFF': s.SECURE_CONTENT_TYPE_NOSNIFF, "
    "'EMAIL': s.EMAIL_BACKEND, 'HOSTS': s.ALLOWED_HOSTS}))"
)


def production_env(tmp_path: Path, **values: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k
        not in {
            "PYTEST_VERSION",
            "TEND_DEBUG",
            "TEND_TEST_DATABASE_URL",
            "DATABASE_URL",
            "REDIS_URL",
            "TEND_TEST_TASKS_BACKEND",
            "DJANGO_ALLOW_ASYNC_UNSAFE",  # set by the browser tests; deploy checks refuse it
            *REQUIRED,
            *(f"{name}_FILE" for name in REQUIRED),
        }
    }
    env.update(DJANGO_SETTINGS_MODULE="tend.settings", PYTHONPATH=SRC, TEND_DATA_DIR=str(tmp_path))
    env.update(values)
    return env


def run(env: dict[str, str], code: str = "import django; django.setup()"):
    return subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60
    )


@pytest.mark.parametrize("missing", sorted(REQUIRED))
def test_production_refuses_to_start_without(missing, tmp_path):
    values = {k: v for k, v in REQUIRED.items() if k != missing}
    result = run(production_env(tmp_path, **values))
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert f"{missing} is not set" in result.stderr
    assert "TEND_DEBUG=1" in result.stderr


def test_production_refuses_an_empty_value(tmp_path):
    result = run(production_env(tmp_path, **{**REQUIRED, "ALLOWED_HOSTS": " , "}))
    assert "ALLOWED_HOSTS is not set" in result.stderr


def test_production_starts_with_all_three_and_turns_security_on(tmp_path):
    result = run(production_env(tmp_path, **REQUIRED), REPORT)
    assert result.returncode == 0, result.stderr
    settings = json.loads(result.stdout)
    assert settings["DEBUG"] is False
    assert settings["SESSION_COOKIE_SECURE"] is True
    assert settings["CSRF_COOKIE_SECURE"] is True
    assert settings["HSTS"] > 0
    assert settings["XFO"] == "DENY"
    assert settings["SSL_REDIRECT"] is True
    assert settings["REFERRER"] == "same-origin"
    assert settings["NOSNIFF"] is True
    assert settings["EMAIL"].endswith("smtp.EmailBackend")
    assert settings["HOSTS"] == ["tend.example.org"]


def test_secrets_may_come_from_files(tmp_path):
    values = {}
    for name, value in REQUIRED.items():
        path = tmp_path / name.lower()
        path.write_text(value + "\n")
        values[f"{name}_FILE"] = str(path)
    result = run(production_env(tmp_path, **values), REPORT)
    assert result.returncode == 0, result.stderr


def test_development_generates_private_keys_in_the_data_dir(tmp_path):
    result = run(production_env(tmp_path, TEND_DEBUG="1"))
    assert result.returncode == 0, result.stderr
    for name in ["secret_key", "encryption_key"]:
        assert (tmp_path / name).stat().st_mode & 0o777 == 0o600


def test_django_deploy_checks_pass_with_production_like_settings(tmp_path):
    env = production_env(tmp_path, **REQUIRED)
    result = subprocess.run(
        [sys.executable, "-m", "django", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_tend_check_passes_with_production_like_settings(tmp_path):
    tmp_path.chmod(0o700)
    env = production_env(tmp_path, **REQUIRED)
    tend = [sys.executable, "-m", "tend.cli"]
    migrate = subprocess.run([*tend, "migrate", "-v0"], env=env, capture_output=True, text=True)
    assert migrate.returncode == 0, migrate.stderr
    result = subprocess.run([*tend, "check"], env=env, capture_output=True, text=True)
    assert result.returncode == 1
    assert "run `tend collectstatic`" in result.stdout
    static = [*tend, "collectstatic", "--noinput", "-v0"]
    collect = subprocess.run(static, env=env, capture_output=True, text=True)
    assert collect.returncode == 0, collect.stderr
    result = subprocess.run([*tend, "check"], env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Tend check passed." in result.stdout
