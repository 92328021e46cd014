"""The audit log is append-only in the database, and `tend audit verify` finds tampering."""

from __future__ import annotations

import uuid
from contextlib import contextmanager

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction
from django.test import RequestFactory

from tend.core import audit
from tend.core.models import AuditChainHead, AuditEvent, AuditLogIsAppendOnly
from tests.factories import PracticeFactory, UserFactory

TRIGGERS = {"core_auditevent_no_update", "core_auditevent_no_delete"}


def installed_triggers() -> set[str]:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s",
                ["core_auditevent"],
            )
        else:
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE tgrelid = 'core_auditevent'::regclass "
                "AND NOT tgisinternal"
            )
        return {row[0] for row in cursor.fetchall()}


@contextmanager
def guards_lifted():
    """Tamper as an attacker with schema rights would: lift the triggers (rolled back after)."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            for name in TRIGGERS:
                cursor.execute(f"DROP TRIGGER {name}")
        else:
            # Run the pending deferred foreign key checks first: ALTER TABLE refuses otherwise.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("ALTER TABLE core_auditevent DISABLE TRIGGER USER")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    yield


def raw(sql: str, params: list | None = None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])


def make_events(count: int, practice=None) -> list[AuditEvent]:
    return [audit.record("test.event", practice=practice, detail={"n": n}) for n in range(count)]


@pytest.mark.django_db
class TestAppendOnly:
    def test_both_triggers_are_installed_by_the_migrations(self):
        assert installed_triggers() >= TRIGGERS

    def test_the_database_refuses_a_raw_sql_update(self):
        event = make_events(1)[0]
        with pytest.raises(DatabaseError), transaction.atomic():
            raw("UPDATE core_auditevent SET action = %s WHERE id = %s", ["forged", event.pk])
        assert AuditEvent.objects.get(pk=event.pk).action == "test.event"

    def test_the_database_refuses_a_raw_sql_delete(self):
        event = make_events(1)[0]
        with pytest.raises(DatabaseError), transaction.atomic():
            raw("DELETE FROM core_auditevent WHERE id = %s", [event.pk])
        assert AuditEvent.objects.filter(pk=event.pk).exists()

    def test_the_orm_refuses_to_change_or_remove_events(self):
        event = make_events(1)[0]
        with pytest.raises(AuditLogIsAppendOnly):
            event.save()
        with pytest.raises(AuditLogIsAppendOnly):
            event.delete()
        with pytest.raises(AuditLogIsAppendOnly):
            AuditEvent.objects.filter(pk=event.pk).update(action="forged")
        with pytest.raises(AuditLogIsAppendOnly):
            AuditEvent.objects.all().delete()
        with pytest.raises(AuditLogIsAppendOnly):
            AuditChainHead.objects.all().delete()


@pytest.mark.django_db(transaction=True)
def test_flushing_the_whole_database_empties_the_log_and_keeps_the_guard():
    make_events(2)
    call_command("flush", interactive=False, verbosity=0)
    assert AuditEvent.objects.count() == 0
    assert installed_triggers() >= TRIGGERS
    event = make_events(1)[0]
    assert event.sequence == 1
    with pytest.raises(DatabaseError), transaction.atomic():
        raw("DELETE FROM core_auditevent WHERE id = %s", [event.pk])


@pytest.mark.django_db
class TestRecord:
    def test_each_practice_has_its_own_chain_linked_by_hashes(self):
        practice = PracticeFactory()
        first, second = make_events(2, practice=practice)
        system = make_events(1)[0]
        assert (first.chain, first.sequence, first.previous_hash) == (
            f"practice:{practice.pk}",
            1,
            audit.GENESIS_HASH,
        )
        assert (second.sequence, second.previous_hash) == (2, first.hash)
        assert (system.chain, system.sequence) == ("system", 1)

    def test_it_takes_who_where_and_from_which_address_from_the_request(self):
        practice = PracticeFactory()
        user = UserFactory()
        request = RequestFactory().get(
            "/", REMOTE_ADDR="2001:0db8:0000::0001", HTTP_USER_AGENT="Browser\x00/1"
        )
        request.user = user
        request.practice = practice
        event = audit.record("test.event", request=request, detail={"id": uuid.UUID(int=7)})
        stored = AuditEvent.objects.get(pk=event.pk)
        assert (stored.actor_id, stored.practice_id, stored.actor_label) == (
            user.pk,
            practice.pk,
            user.email,
        )
        assert (stored.ip_address, stored.user_agent) == ("2001:db8::1", "Browser/1")
        assert stored.detail == {"id": str(uuid.UUID(int=7))}
        # What the database gives back hashes to what was written.
        assert stored.compute_hash() == stored.hash
        assert audit.verify_all() == []

    def test_an_address_that_is_not_an_ip_is_left_out(self):
        request = RequestFactory().get("/", REMOTE_ADDR="unknown")
        assert audit.record("test.event", request=request).ip_address is None


@pytest.mark.django_db
class TestVerify:
    def test_an_untouched_log_is_intact(self):
        make_events(5, practice=PracticeFactory())
        make_events(2)
        result = audit.verify_everything(chunk_size=2)
        assert (result.intact, result.events, result.chains) == (True, 7, 2)

    def test_a_changed_row_is_reported_as_the_first_broken_link(self):
        practice = PracticeFactory()
        events = make_events(5, practice=practice)
        with guards_lifted():
            raw("UPDATE core_auditevent SET action = %s WHERE id = %s", ["forged", events[2].pk])
            raw("UPDATE core_auditevent SET action = %s WHERE id = %s", ["forged", events[3].pk])
        [broken] = audit.verify_all()
        assert (broken.chain, broken.sequence, broken.event_id) == (
            f"practice:{practice.pk}",
            3,
            events[2].pk,
        )
        assert "changed" in broken.reason

    def test_a_row_rewritten_with_a_fresh_hash_breaks_the_next_link(self):
        events = make_events(4)
        forged = AuditEvent.objects.get(pk=events[1].pk)
        forged.action = "forged"
        forged.hash = forged.compute_hash()
        with guards_lifted():
            raw(
                "UPDATE core_auditevent SET action = %s, hash = %s WHERE id = %s",
                [forged.action, forged.hash, forged.pk],
            )
        [broken] = audit.verify_all()
        assert (broken.sequence, broken.event_id) == (3, events[2].pk)
        assert "previous hash" in broken.reason

    def test_deleting_a_row_in_the_middle_is_caught(self):
        events = make_events(5)
        with guards_lifted():
            raw("DELETE FROM core_auditevent WHERE id = %s", [events[2].pk])
        [broken] = audit.verify_all()
        assert (broken.chain, broken.sequence, broken.event_id) == ("system", 3, events[3].pk)
        assert "missing" in broken.reason

    def test_deleting_the_last_events_is_caught(self):
        events = make_events(4)
        with guards_lifted():
            raw("DELETE FROM core_auditevent WHERE id >= %s", [events[2].pk])
        [broken] = audit.verify_all()
        assert (broken.sequence, broken.event_id) == (3, None)

    def test_only_the_broken_chain_is_reported(self):
        intact, damaged = PracticeFactory(), PracticeFactory()
        make_events(3, practice=intact)
        events = make_events(3, practice=damaged)
        with guards_lifted():
            raw("UPDATE core_auditevent SET object_id = %s WHERE id = %s", ["x", events[0].pk])
        assert [b.chain for b in audit.verify_all()] == [f"practice:{damaged.pk}"]


@pytest.mark.django_db
class TestVerifyCommand:
    def test_it_says_the_log_is_intact_with_counts(self, capsys):
        make_events(3, practice=PracticeFactory())
        make_events(1)
        call_command("audit", "verify")
        assert "Audit log intact: 4 events in 2 chains" in capsys.readouterr().out

    def test_it_prints_the_first_broken_link_and_exits_with_status_1(self, capsys):
        events = make_events(3)
        with guards_lifted():
            raw("UPDATE core_auditevent SET detail = %s WHERE id = %s", ['{"n": 9}', events[1].pk])
        with pytest.raises(CommandError) as failure:
            call_command("audit", "verify", "--chunk-size", "1")
        assert failure.value.returncode == 1
        out = capsys.readouterr().out
        assert f"chain system: broken at sequence 2 (event id {events[1].pk})" in out

    def test_it_needs_a_subcommand(self):
        with pytest.raises(CommandError):
            call_command("audit")
