"""No double booking under real concurrency.

Four gunicorn worker processes serve Tend on a database this test prepares; 50 threads, each
signed in in its own session, post the same slot to the calendar's booking endpoint at the same
moment. Exactly one booking is made; the other 49 are told the slot is taken. The storm runs
three times (three slots) on SQLite, and on PostgreSQL too when TEND_TEST_DATABASE_URL is set
(the PostgreSQL case is only collected then, so neither run skips anything).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit
from zoneinfo import ZoneInfo

import pytest

ROOT = Path(__file__).resolve().parents[2]
BOOKINGS = 50
WORKERS = 4
STORMS = 3
RACED = "This time was just taken by another booking."
CLASH = "already has an appointment"

DATABASES = ["sqlite"] + (["postgresql"] if os.environ.get("TEND_TEST_DATABASE_URL") else [])


def server_environment(data_dir: Path, database_url: str) -> dict[str, str]:
    """Development settings (not the test settings) on the storm's own database."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"TEND_TEST_DATABASE_URL", "DATABASE_URL", "REDIS_URL"}
        and not k.startswith(("PYTEST_", "DJANGO_"))
    }
    env.update(
        TEND_DEBUG="1",
        TEND_DATA_DIR=str(data_dir),
        DATABASE_URL=database_url,
        PYTHONPATH=os.pathsep.join([str(ROOT / "src"), str(ROOT)]),
        LOG_LEVEL="WARNING",
    )
    return env


@pytest.fixture
def database_url(request, tmp_path):
    """A fresh database: a SQLite file, or a new PostgreSQL database dropped afterwards."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'storm.sqlite3'}"
        return
    import psycopg
    from django.db import connections

    # A copy of the migrated, empty test database, so the servers start on their own database
    # without migrating a new one (minutes on a busy machine).
    template = connections["default"].settings_dict["NAME"]
    connections.close_all()
    parts = urlsplit(os.environ["TEND_TEST_DATABASE_URL"])
    name = f"tend_storm_{uuid.uuid4().hex[:12]}"
    admin = urlunsplit(parts._replace(scheme="postgresql", path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    try:
        yield urlunsplit(parts._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_serving(url: str, process: subprocess.Popen, log: Path, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert process.poll() is None, f"the server exited early: {log.read_text()[-3000:]}"
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.2)  # polling for the server to come up, not timing behaviour
    raise AssertionError(f"the server did not answer in time: {log.read_text()[-3000:]}")


@pytest.fixture
def server(tmp_path, database_url):
    """Migrated, prepared database and four gunicorn worker processes serving it."""
    env = server_environment(tmp_path / "var", database_url)
    prepared = subprocess.run(
        [sys.executable, "-m", "tests.scheduling.storm_setup", str(BOOKINGS)],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert prepared.returncode == 0, prepared.stderr[-3000:]
    setup = json.loads(prepared.stdout.strip().splitlines()[-1])
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "tend.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(WORKERS),
        "--timeout",
        "60",
        "--no-control-socket",
    ]
    log = tmp_path / "server.log"
    with log.open("w") as output:
        process = subprocess.Popen(
            command,
            env=env,
            cwd=ROOT,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        base = f"http://127.0.0.1:{port}"
        wait_until_serving(f"{base}/healthz", process, log)
        yield base, setup, database_url
    finally:
        os.killpg(process.pid, signal.SIGINT)  # gunicorn's quick shutdown
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def book(base: str, setup: dict, session: str, client: str, start: dt.datetime, gate) -> tuple:
    body = json.dumps(
        {
            "clinician": setup["clinician"],
            "appointment_type": setup["appointment_type"],
            "clients": [client],
            "start": start.isoformat(),
            "end": (start + dt.timedelta(minutes=50)).isoformat(),
        }
    ).encode()
    request = urllib.request.Request(
        f"{base}/calendar/api/book/",
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "X-CSRFToken": setup["csrf"],
            "Cookie": f"{setup['session_cookie']}={session}; "
            f"{setup['csrf_cookie']}={setup['csrf']}",
        },
    )
    gate.wait()  # every thread sends at the same moment
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as answer:
        text = answer.read()
        try:
            return answer.code, json.loads(text)
        except ValueError:
            return answer.code, {"body": text[:300].decode(errors="replace")}


def booked_rows(database_url: str, start: dt.datetime) -> tuple[int, int, int]:
    """(active appointments at `start`, their claims, their attendees) read straight from the
    database the servers wrote to."""
    utc = start.astimezone(dt.UTC)
    if database_url.startswith("sqlite"):
        connection = sqlite3.connect(database_url.removeprefix("sqlite:///"))
        stamp = utc.strftime("%Y-%m-%d %H:%M:%S")
        placeholder = "?"
    else:
        import psycopg

        connection = psycopg.connect(database_url.replace("postgres://", "postgresql://", 1))
        stamp = utc
        placeholder = "%s"
    try:
        cursor = connection.cursor()
        counts = []
        for table in ("", "scheduling_timeclaim", "scheduling_appointmentattendee"):
            if not table:
                sql = (
                    "SELECT count(*) FROM scheduling_appointment "
                    f"WHERE starts_at = {placeholder} AND status IN ('scheduled', 'confirmed')"
                )
            else:
                sql = (
                    f"SELECT count(*) FROM {table} t JOIN scheduling_appointment a "
                    f"ON a.id = t.appointment_id WHERE a.starts_at = {placeholder}"
                )
            cursor.execute(sql, [stamp])
            counts.append(cursor.fetchone()[0])
        return tuple(counts)
    finally:
        connection.close()


@pytest.mark.django_db(transaction=True)  # the test database, as the PostgreSQL template
@pytest.mark.parametrize("database_url", DATABASES, indirect=True)
def test_fifty_parallel_bookings_of_one_slot_make_exactly_one_appointment(server):
    base, setup, database_url = server
    zone = ZoneInfo(setup["time_zone"])
    first_day = dt.date.today() + dt.timedelta(days=7)
    for storm in range(STORMS):
        start = dt.datetime.combine(first_day + dt.timedelta(days=storm), dt.time(10), tzinfo=zone)
        gate = threading.Barrier(BOOKINGS)
        with ThreadPoolExecutor(max_workers=BOOKINGS) as pool:
            answers = list(
                pool.map(
                    lambda n, start=start, gate=gate: book(
                        base, setup, setup["sessions"][n], setup["clients"][n], start, gate
                    ),
                    range(BOOKINGS),
                )
            )
        statuses = Counter(status for status, _ in answers)
        assert statuses == {201: 1, 409: BOOKINGS - 1}, (storm, statuses, answers[:3])
        for status, answer in answers:
            if status == 409:
                assert answer["error"] == "slot_taken"
                assert RACED in answer["message"] or CLASH in answer["message"], answer
        # One appointment, holding the clinician and its one client; nothing of the 49 others.
        assert booked_rows(database_url, start) == (1, 2, 1)
