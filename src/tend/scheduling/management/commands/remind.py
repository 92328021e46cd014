"""`tend remind`: send the appointment reminders that are due.

Once by default; with --loop, every minute until stopped, and open-ended series are extended
once a night. `tend run` and `tend worker` start the loop next to the task worker. Running
several loops at once is safe: each reminder is claimed by exactly one of them.
"""

from __future__ import annotations

import signal
import time
from typing import Any

from django.core.management.base import BaseCommand
from django.db import close_old_connections
from django.utils import timezone

from tend.scheduling.reminders import send_due_reminders
from tend.scheduling.tasks import run_extend_open_series


class Command(BaseCommand):
    help = "Send the appointment reminders that are due (once, or every minute with --loop)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--loop", action="store_true", help="Keep sweeping until stopped.")
        parser.add_argument(
            "--every", type=float, default=60.0, help="Seconds between sweeps (default 60)."
        )

    def handle(self, *args: Any, loop: bool = False, every: float = 60.0, **options: Any) -> None:
        if not loop:
            sent = send_due_reminders()
            self.stdout.write(f"Reminders sent: {sent}")
            return
        self.stopping = False
        signal.signal(signal.SIGTERM, self._stop)
        signal.signal(signal.SIGINT, self._stop)
        extended_on = None
        while not self.stopping:
            close_old_connections()
            try:
                sent = send_due_reminders()
                if sent:
                    self.stdout.write(f"Reminders sent: {sent}")
                today = timezone.localdate()
                if extended_on != today:
                    run_extend_open_series()
                    extended_on = today
            except Exception as exc:  # noqa: BLE001 - keep the loop alive; the next sweep retries
                self.stderr.write(f"Reminder sweep failed: {type(exc).__name__}")
            self._sleep(every)

    def _stop(self, signum: int, frame: object) -> None:
        self.stopping = True

    def _sleep(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while not self.stopping and time.monotonic() < deadline:
            time.sleep(min(0.5, deadline - time.monotonic()))
