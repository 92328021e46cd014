"""Background work on both real backends (database and RQ on Redis), and the queue's health.

Redis runs at 127.0.0.1:6379 here and in CI. These tests use database 15 and a queue of their
own with a random name, and delete only that queue's keys afterwards: flushing a Redis database
would break a suite running at the same time on the same machine (SQLite and PostgreSQL runs,
several checkouts).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import uuid
from pathlib import Path

import django_rq
import pytest
import redis
from django.core.management import call_command
from django.urls import reverse
from django_tasks import TaskResultStatus
from django_tasks_rq.backend import Job
from rq import SimpleWorker

from tend.core.tasks import ping, queue_status

REDIS_TEST_URL = "redis://127.0.0.1:6379/15"
DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
RQ_TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def keep_signal_handlers():
    """Workers install their own SIGINT/SIGTERM handlers; put pytest's back afterwards."""
    signals = [signal.SIGINT, signal.SIGTERM, signal.SIGQUIT]
    saved = {sig: signal.getsignal(sig) for sig in signals}
    yield
    for sig, handler in saved.items():
        signal.signal(sig, handler)


@pytest.fixture
def rq_queue(settings):
    """A private RQ queue on Redis database 15, configured as the task backend's only queue."""
    name = f"tend-test-{uuid.uuid4().hex}"
    # django-tasks-rq fetches results through the "default" connection: the same database.
    settings.RQ_QUEUES = {
        "default": {"URL": REDIS_TEST_URL},
        name: {"URL": REDIS_TEST_URL, "DEFAULT_TIMEOUT": 60},
    }
    settings.TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": [name]}}
    connection = redis.Redis.from_url(REDIS_TEST_URL)
    job_ids: list[str] = []
    yield name, connection, job_ids
    connection.srem("rq:queues", f"rq:queue:{name}")
    patterns = [f"*{name}*", *(f"*{job_id}*" for job_id in job_ids)]
    for pattern in patterns:
        for key in connection.scan_iter(match=pattern):
            connection.delete(key)
    connection.close()


def test_tests_run_tasks_immediately_unless_asked_otherwise():
    backend = type(ping.get_backend()).__name__
    if os.environ.get("TEND_TEST_TASKS_BACKEND"):
        assert backend != "ImmediateBackend"
    else:
        assert backend == "ImmediateBackend"
        assert ping.enqueue(1).return_value == 2


@pytest.mark.django_db(transaction=True)
def test_the_database_backend_runs_a_task_in_the_db_worker(settings, keep_signal_handlers):
    settings.TASKS = DB_TASKS
    assert type(ping.get_backend()).__name__ == "DatabaseBackend"
    result = ping.enqueue(1)
    assert result.status == TaskResultStatus.READY
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    result.refresh()
    assert result.status == TaskResultStatus.SUCCESSFUL
    assert result.return_value == 2


def test_the_rq_backend_runs_a_task_in_an_rq_worker(rq_queue, keep_signal_handlers):
    name, connection, job_ids = rq_queue
    assert type(ping.get_backend()).__name__ == "RQBackend"
    result = ping.using(queue_name=name).enqueue(1)
    job_ids.append(result.id)
    assert result.status == TaskResultStatus.READY
    assert connection.llen(f"rq:queue:{name}") == 1
    queue = django_rq.get_queue(name, job_class=Job)
    worker = SimpleWorker(
        [queue], connection=queue.connection, job_class=Job, name=f"{name}-worker"
    )
    assert worker.work(burst=True)
    result.refresh()
    assert result.status == TaskResultStatus.SUCCESSFUL
    assert result.return_value == 2
    assert ping.get_result(result.id).return_value == 2


@pytest.mark.django_db
class TestQueueStatus:
    def test_the_database_queue_is_reachable(self, settings):
        settings.TASKS = DB_TASKS
        assert queue_status() == {"backend": "database", "status": "ok"}

    def test_redis_is_reachable(self, rq_queue):
        assert queue_status() == {"backend": "redis", "status": "ok"}

    def test_redis_on_a_closed_port_is_unreachable_and_health_says_so(self, settings, client):
        settings.TASKS = RQ_TASKS
        settings.RQ_QUEUES = {"default": {"URL": "redis://127.0.0.1:1/15"}}
        assert queue_status() == {"backend": "redis", "status": "unreachable"}
        response = client.get(reverse("core:healthz"))
        assert response.status_code == 503
        assert response.json()["tasks"]["status"] == "unreachable"

    def test_health_is_ok_with_the_database_queue(self, settings, client):
        settings.TASKS = DB_TASKS
        response = client.get(reverse("core:healthz"))
        assert response.status_code == 200
        assert response.json() == {
            "status": "ok",
            "database": "ok",
            "tasks": {"backend": "database", "status": "ok"},
        }


def settings_in_a_fresh_process(tmp_path, **env: str) -> dict:
    """TASKS and RQ_QUEUES as a development process with this environment would see them."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "REDIS_URL"))}
    clean.update({"TEND_DEBUG": "1", "TEND_DATA_DIR": str(tmp_path), **env})
    code = (
        "import json; from django.conf import settings as s; "
        "print(json.dumps({'tasks': s.TASKS, 'rq': s.RQ_QUEUES}))"
    )
    output = subprocess.run(
        [sys.executable, "-c", code],
        env={**clean, "DJANGO_SETTINGS_MODULE": "tend.settings", "PYTHONPATH": str(ROOT / "src")},
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    ).stdout
    return json.loads(output)


def test_the_database_backend_is_the_default(tmp_path):
    chosen = settings_in_a_fresh_process(tmp_path)
    assert chosen["tasks"]["default"]["BACKEND"] == "django_tasks_db.DatabaseBackend"


def test_redis_url_switches_to_rq(tmp_path):
    chosen = settings_in_a_fresh_process(tmp_path, REDIS_URL="redis://redis.internal:6380/2")
    assert chosen["tasks"]["default"]["BACKEND"] == "django_tasks_rq.RQBackend"
    assert chosen["rq"]["default"]["URL"] == "redis://redis.internal:6380/2"
