"""`.env.example` documents every variable Tend reads, and holds no usable secret."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SOURCES = [ROOT / "src/tend"]
READ = re.compile(r'(?:env_(?:str|int|bool|list)\(\s*|environ(?:\.get)?\(\s*|environ\[)"([A-Z_]+)"')


def variables_read() -> set[str]:
    names: set[str] = set()
    for source in SOURCES:
        files = source.rglob("*.py") if source.is_dir() else [source]
        for path in files:
            names |= set(READ.findall(path.read_text()))
    return names - {"DJANGO_SETTINGS_MODULE", "PYTEST_VERSION", "TEND_SETTINGS_UNDER_TEST"}


def documented() -> dict[str, str]:
    lines = (ROOT / ".env.example").read_text().splitlines()
    pairs = [line.split("=", 1) for line in lines if re.match(r"^[A-Z_]+=", line)]
    return {name: value for name, value in pairs}


def test_the_scan_finds_the_variables_it_should():
    assert {"SECRET_KEY", "DATABASE_URL", "EMAIL_HOST", "PORT"} <= variables_read()


@pytest.mark.parametrize("name", sorted(variables_read()))
def test_every_variable_is_in_env_example(name):
    assert name in documented(), f"{name} is read but not documented in .env.example"


def test_env_example_holds_no_secret_a_server_could_start_with():
    values = documented()
    for name in ["SECRET_KEY", "TEND_ENCRYPTION_KEYS", "EMAIL_HOST_PASSWORD", "TEND_DEBUG"]:
        assert values[name] == "", name
