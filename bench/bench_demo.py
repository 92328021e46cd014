"""Build the large demo practice (the data set other benchmarks use) and back it up."""

from __future__ import annotations

import time
from pathlib import Path


def run() -> dict:
    from django.conf import settings

    from tend.core.backups import create_backup
    from tend.practices.demo import build_demo_practice

    started = time.perf_counter()
    result = build_demo_practice("large")
    built = time.perf_counter() - started
    started = time.perf_counter()
    path = create_backup(Path(settings.DATA_DIR) / "backups" / "bench.tendbak")
    backed_up = time.perf_counter() - started
    return {
        "members": len(result.members),
        "build_large_demo_seconds": round(built, 3),
        "backup_seconds": round(backed_up, 3),
        "backup_bytes": path.stat().st_size,
    }
