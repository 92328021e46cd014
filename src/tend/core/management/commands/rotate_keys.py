"""`tend rotate-keys`: re-encrypt every encrypted value under the newest key.

Put the new key first in TEND_ENCRYPTION_KEYS (keep the old ones after it), restart Tend, run
this, then remove the old keys. It works while Tend runs: rows are read in primary-key order,
batch by batch, each batch locked and rewritten in its own short transaction with
`queryset.update()` (no `updated_at` change, no history row). Values already under the newest
key are left alone, so an interrupted run is resumed by running it again.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import models, transaction
from django.db.models import ExpressionWrapper, F, TextField

from tend.core import audit, crypto
from tend.core import fields as encrypted


class Command(BaseCommand):
    help = "Re-encrypt every encrypted value under the newest key in TEND_ENCRYPTION_KEYS."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--batch-size", type=int, default=500, help="Rows per transaction (default 500)."
        )
        parser.add_argument(
            "--check",
            action="store_true",
            help="Only count the values still under an older key; change nothing.",
        )
        parser.add_argument(
            "--max-batches",
            type=int,
            default=None,
            help="Stop after rewriting this many batches (run again to carry on).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be at least 1.")
        self.batch_size = options["batch_size"]
        self.check_only = options["check"]
        self.batches_left = options["max_batches"]
        self.counts: Counter[str] = Counter()
        self.undecryptable: list[str] = []
        targets = sorted(encrypted.encrypted_fields(), key=lambda item: item[0]._meta.label)
        for model, names in targets:
            if self.batches_left == 0:
                break
            self.rotate_model(model, names)
        if self.batches_left != 0:
            self.rotate_documents()
        self.summarise(len(targets))

    def rotate_documents(self) -> None:
        """Chart documents are encrypted files on disk, not fields: rotate them too."""
        from tend.clients.storage import rotate_document_keys

        report = rotate_document_keys(check_only=self.check_only)
        if report.rotated:
            self.counts["clients.Document.file"] += report.rotated
        if report.current:
            self.counts["clients.Document.file:current"] += report.current
        self.undecryptable += [f"document file {n}" for n in range(1, report.undecryptable + 1)]
        if report.missing:
            self.stderr.write(f"  {report.missing} document files are missing from the data dir")

    def rotate_model(self, model: type[models.Model], names: list[str]) -> None:
        label = model._meta.label
        raw = {
            f"raw_{name}": ExpressionWrapper(F(name), output_field=TextField()) for name in names
        }
        rows = model._base_manager.order_by("pk").annotate(**raw)
        last_pk: Any = None
        batch_number = 0
        while self.batches_left != 0:
            page = rows if last_pk is None else rows.filter(pk__gt=last_pk)
            with transaction.atomic():
                batch = list(page.select_for_update().values_list("pk", *raw)[: self.batch_size])
                if not batch:
                    return
                batch_number += 1
                last_pk = batch[-1][0]
                changed = self.rotate_batch(model, names, batch)
            if changed:
                verb = "need rotation" if self.check_only else "re-encrypted"
                self.stdout.write(
                    f"{label}: batch {batch_number} (up to id {last_pk}): {changed} values {verb}"
                )
                if self.batches_left is not None and not self.check_only:
                    self.batches_left -= 1

    def rotate_batch(self, model: type[models.Model], names: list[str], batch: list[tuple]) -> int:
        changed = 0
        for pk, *tokens in batch:
            updates = {}
            for name, token in zip(names, tokens, strict=True):
                key = f"{model._meta.label}.{name}"
                if token is None:
                    continue
                if crypto.is_current(token):
                    self.counts[f"{key}:current"] += 1
                    continue
                try:
                    updates[name] = encrypted.EncryptedToken(crypto.rotate(token))
                except crypto.UndecryptableValue:
                    self.undecryptable.append(f"{key} id {pk}")
                    continue
                self.counts[key] += 1
            if updates and not self.check_only:
                model._base_manager.filter(pk=pk).update(**updates)
            changed += len(updates)
        return changed

    def summarise(self, model_count: int) -> None:
        pending = {k: n for k, n in self.counts.items() if not k.endswith(":current")}
        current = sum(n for k, n in self.counts.items() if k.endswith(":current"))
        total = sum(pending.values())
        if self.check_only:
            self.stdout.write(
                f"{total} values still need rotation to the newest key; {current} are current "
                f"({model_count} models with encrypted fields)."
            )
            for key, count in sorted(pending.items()):
                self.stdout.write(f"  {key}: {count}")
        else:
            stopped = (
                " Stopped at --max-batches: run again to finish." if self.batches_left == 0 else ""
            )
            self.stdout.write(
                self.style.SUCCESS(
                    f"Re-encrypted {total} values under the newest key; {current} were already "
                    f"current ({model_count} models with encrypted fields).{stopped}"
                )
            )
            if total:
                audit.record(
                    "crypto.keys_rotated",
                    detail={"values": total, "fields": sorted(pending), "complete": not stopped},
                )
        if self.undecryptable:
            for where in self.undecryptable[:20]:
                self.stderr.write(f"  cannot decrypt {where}")
            raise CommandError(
                f"{len(self.undecryptable)} values cannot be decrypted with any configured key. "
                "Add the key they were written with to the end of TEND_ENCRYPTION_KEYS and run "
                "again.",
                returncode=1,
            )
