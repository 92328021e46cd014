"""Background work through the django-tasks API, and the queue's health.

The backend is chosen in settings: django-tasks-db by default (the worker is
`manage.py db_worker`), RQ on Redis when REDIS_URL is set (the worker is `manage.py rqworker`).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django_tasks import task

HEALTH_TIMEOUT_SECONDS = 2


def queue_status() -> dict[str, Any]:
    """Whether the configured task backend can take work, without enqueueing anything.

    Answers within a couple of seconds even when Redis is gone (for /healthz).
    """
    config = settings.TASKS["default"]
    backend = config["BACKEND"]
    if backend.endswith("RQBackend"):
        return {"backend": "redis", "status": _redis_status(config)}
    if backend.endswith("DatabaseBackend"):
        return {"backend": "database", "status": _database_status()}
    return {"backend": backend.rsplit(".", 1)[-1], "status": "ok"}


def _redis_status(config: dict[str, Any]) -> str:
    import django_rq
    import redis

    queue = (config.get("QUEUES") or ["default"])[0]
    try:
        queue_config = settings.RQ_QUEUES[queue]
        if "URL" in queue_config:
            client = redis.Redis.from_url(
                queue_config["URL"],
                db=queue_config.get("DB"),
                socket_connect_timeout=HEALTH_TIMEOUT_SECONDS,
                socket_timeout=HEALTH_TIMEOUT_SECONDS,
            )
        else:
            client = django_rq.get_connection(queue)
        with client:
            client.ping()
    except Exception:  # noqa: BLE001 - any failure means unreachable
        return "unreachable"
    return "ok"


def _database_status() -> str:
    from django_tasks_db.models import DBTaskResult

    try:
        DBTaskResult.objects.exists()
    except Exception:  # noqa: BLE001 - a missing table or a lost connection
        return "unreachable"
    return "ok"


@task()
def ping(value: int) -> int:
    """A trivial task used to prove a worker is taking work (tests and `tend check`)."""
    return value + 1
