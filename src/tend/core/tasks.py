"""Background work through the django-tasks API, and the queue's health."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django_tasks import task


def queue_status() -> dict[str, Any]:
    """Whether the configured task backend can take work, without enqueueing anything."""
    backend = settings.TASKS["default"]["BACKEND"]
    if backend.endswith("RQBackend"):
        try:
            import django_rq

            django_rq.get_connection("default").ping()
        except Exception:  # noqa: BLE001 - any failure means unreachable
            return {"backend": "redis", "status": "unreachable"}
        return {"backend": "redis", "status": "ok"}
    if backend.endswith("DatabaseBackend"):
        return {"backend": "database", "status": "ok"}
    return {"backend": backend.rsplit(".", 1)[-1], "status": "ok"}


@task()
def ping(value: int) -> int:
    """A trivial task used to prove a worker is taking work (tests and `tend check`)."""
    return value + 1
