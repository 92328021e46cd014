"""The encrypted text field and `tend rotate-keys`.

The rotation tests use a model defined here in an isolated app registry, with its table made
for the test, so the product carries no test-only model.
"""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import FieldError, ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, models
from django.test.utils import isolate_apps

from tend.core import crypto
from tend.core import fields as encrypted
from tend.core.models import AuditEvent

KEY_A = Fernet.generate_key().decode()
KEY_B = Fernet.generate_key().decode()
KEY_C = Fernet.generate_key().decode()


def make_model() -> type[models.Model]:
    with isolate_apps("tend.core"):

        class SecretNote(models.Model):
            body = encrypted.EncryptedTextField()
            summary = encrypted.EncryptedTextField(null=True, blank=True)
            updated_at = models.DateTimeField(auto_now=True)

            class Meta:
                app_label = "core"
                db_table = "core_test_secretnote"

            def __str__(self) -> str:
                return f"SecretNote {self.pk}"

    return SecretNote


@pytest.fixture
def secret_note(transactional_db, monkeypatch, settings):
    settings.TEND_ENCRYPTION_KEYS = [KEY_A]
    model = make_model()
    with connection.schema_editor() as editor:
        editor.create_model(model)
    monkeypatch.setattr(encrypted, "encrypted_fields", lambda: [(model, ["body", "summary"])])
    yield model
    with connection.schema_editor() as editor:
        editor.delete_model(model)


def raw_values(model) -> dict[int, tuple[str | None, str | None]]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, body, summary FROM {model._meta.db_table} ORDER BY id")
        return {pk: (body, summary) for pk, body, summary in cursor.fetchall()}


def rotate(*args: str) -> str:
    from io import StringIO

    out = StringIO()
    call_command("rotate_keys", *args, stdout=out)
    return out.getvalue()


class TestEncryptedTextField:
    def test_a_saved_value_reads_back_and_is_not_plaintext_in_the_database(self, secret_note):
        note = secret_note.objects.create(body="Client reports sleeping better.", summary=None)
        stored_body, stored_summary = raw_values(secret_note)[note.pk]
        assert "sleeping" not in stored_body
        assert stored_body.startswith("gAAAAA")
        assert stored_summary is None
        again = secret_note.objects.get(pk=note.pk)
        assert (again.body, again.summary) == ("Client reports sleeping better.", None)

    def test_each_save_encrypts_afresh(self, secret_note):
        first = secret_note.objects.create(body="same words")
        second = secret_note.objects.create(body="same words")
        values = raw_values(secret_note)
        assert values[first.pk][0] != values[second.pk][0]

    def test_a_value_under_a_key_no_longer_listed_raises_a_clear_error(self, secret_note, settings):
        note = secret_note.objects.create(body="private")
        settings.TEND_ENCRYPTION_KEYS = [KEY_B]
        with pytest.raises(crypto.UndecryptableValue, match="TEND_ENCRYPTION_KEYS"):
            secret_note.objects.get(pk=note.pk)

    def test_it_cannot_be_searched_except_for_missing_values(self, secret_note):
        secret_note.objects.create(body="x", summary=None)
        with pytest.raises(FieldError, match="encrypted"):
            secret_note.objects.filter(body="x").exists()
        assert secret_note.objects.filter(summary__isnull=True).count() == 1

    def test_new_values_use_the_newest_key(self, secret_note, settings):
        settings.TEND_ENCRYPTION_KEYS = [KEY_B, KEY_A]
        note = secret_note.objects.create(body="new")
        assert crypto.is_current(raw_values(secret_note)[note.pk][0])


def test_a_malformed_key_is_a_configuration_error(settings):
    settings.TEND_ENCRYPTION_KEYS = ["not-a-key"]
    with pytest.raises(ImproperlyConfigured, match="Key 1 in TEND_ENCRYPTION_KEYS"):
        crypto.encrypt("x")


class TestRotateKeys:
    def test_it_re_encrypts_everything_so_the_old_key_can_be_removed(self, secret_note, settings):
        notes = [
            secret_note.objects.create(body=f"note {n}", summary=None if n % 2 else f"sum {n}")
            for n in range(5)
        ]
        before = raw_values(secret_note)
        stamps = dict(secret_note.objects.values_list("pk", "updated_at"))
        settings.TEND_ENCRYPTION_KEYS = [KEY_B, KEY_A]

        assert "8 values still need rotation" in rotate("--check")
        assert raw_values(secret_note) == before  # --check writes nothing

        out = rotate("--batch-size", "2")
        assert "Re-encrypted 8 values" in out
        assert "batch 3" in out
        settings.TEND_ENCRYPTION_KEYS = [KEY_B]
        for note in notes:
            again = secret_note.objects.get(pk=note.pk)
            assert (again.body, again.summary) == (note.body, note.summary)
        assert dict(secret_note.objects.values_list("pk", "updated_at")) == stamps
        logged = AuditEvent.objects.get(action="crypto.keys_rotated")
        assert logged.detail["values"] == 8

    def test_a_second_run_touches_nothing(self, secret_note, settings):
        secret_note.objects.create(body="one")
        settings.TEND_ENCRYPTION_KEYS = [KEY_B, KEY_A]
        rotate()
        after_first = raw_values(secret_note)
        assert "Re-encrypted 0 values" in rotate()
        assert raw_values(secret_note) == after_first

    def test_an_interrupted_run_resumes_where_it_stopped(self, secret_note, settings):
        for n in range(5):
            secret_note.objects.create(body=f"note {n}")
        settings.TEND_ENCRYPTION_KEYS = [KEY_B, KEY_A]

        out = rotate("--batch-size", "2", "--max-batches", "1")
        assert "Re-encrypted 2 values" in out
        assert "run again" in out
        partly = raw_values(secret_note)
        assert [crypto.is_current(body) for body, _ in partly.values()] == [
            True,
            True,
            False,
            False,
            False,
        ]
        assert "3 values still need rotation" in rotate("--check")

        assert "Re-encrypted 3 values" in rotate("--batch-size", "2")
        done = raw_values(secret_note)
        first_two = list(partly)[:2]
        assert all(done[pk] == partly[pk] for pk in first_two)  # not rewritten again
        settings.TEND_ENCRYPTION_KEYS = [KEY_B]
        assert [n.body for n in secret_note.objects.order_by("pk")] == [
            f"note {n}" for n in range(5)
        ]

    def test_a_value_no_key_can_read_is_reported_and_the_rest_still_rotate(
        self, secret_note, settings
    ):
        settings.TEND_ENCRYPTION_KEYS = [KEY_C]
        lost = secret_note.objects.create(body="under a key that was thrown away")
        settings.TEND_ENCRYPTION_KEYS = [KEY_A]
        kept = secret_note.objects.create(body="fine")
        settings.TEND_ENCRYPTION_KEYS = [KEY_B, KEY_A]
        with pytest.raises(CommandError) as failure:
            rotate()
        assert failure.value.returncode == 1
        assert "1 values cannot be decrypted" in str(failure.value)
        settings.TEND_ENCRYPTION_KEYS = [KEY_B]
        assert secret_note.objects.get(pk=kept.pk).body == "fine"
        assert lost.pk in raw_values(secret_note)

    def test_a_batch_size_below_one_is_refused(self, secret_note):
        with pytest.raises(CommandError, match="at least 1"):
            rotate("--batch-size", "0")


@pytest.mark.django_db
def test_the_registry_lists_only_models_with_encrypted_fields():
    for model, names in encrypted.encrypted_fields():
        assert names
        for name in names:
            assert isinstance(model._meta.get_field(name), encrypted.EncryptedTextField)
