"""Concurrent writers append to one audit chain without forking it.

On PostgreSQL the chain head's row lock orders the writers: threads race to append to one
chain. SQLite allows one writing transaction at a time, and Tend opens every transaction
IMMEDIATE (taking the write lock at BEGIN), so writers there are serialised by the database;
the test database is in memory and cannot be shared by threads, so on SQLite the test checks
that setting instead.
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from tend.core import audit
from tend.core.models import AuditChainHead, AuditEvent
from tests.factories import PracticeFactory

THREADS = 4
EVENTS_EACH = 10


def append_concurrently(practice_id: int | None) -> list[BaseException]:
    start = threading.Barrier(THREADS)
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            start.wait(timeout=30)
            for i in range(EVENTS_EACH):
                audit.record("test.concurrent", practice=practice_id, detail={"w": n, "i": i})
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return errors


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("chain_exists", [False, True], ids=["new chain", "existing chain"])
def test_concurrent_writers_keep_one_unbroken_chain(chain_exists):
    if connection.vendor == "sqlite":
        assert connection.settings_dict["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
        return
    practice = PracticeFactory()
    if chain_exists:
        audit.record("test.first", practice=practice)
    errors = append_concurrently(practice.pk)
    assert errors == []
    chain = audit.chain_for(practice.pk)
    expected = THREADS * EVENTS_EACH + (1 if chain_exists else 0)
    events = AuditEvent.objects.filter(chain=chain).order_by("sequence")
    sequences = list(events.values_list("sequence", flat=True))
    assert sequences == list(range(1, expected + 1))
    assert AuditChainHead.objects.get(chain=chain).sequence == expected
    assert audit.verify_chain(chain) is None
