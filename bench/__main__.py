"""List and run benchmarks: `python -m bench` runs all, `python -m bench NAME...` some,
`python -m bench --list` lists them."""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import json
import os
import pkgutil
import platform
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def available() -> dict[str, str]:
    """Benchmark name -> first line of its docstring."""
    found = {}
    for info in pkgutil.iter_modules([str(HERE)]):
        if info.name.startswith("bench_"):
            module = importlib.import_module(f"bench.{info.name}")
            found[info.name.removeprefix("bench_")] = (module.__doc__ or "").strip().splitlines()[0]
    return dict(sorted(found.items()))


def prepare(data_dir: Path) -> None:
    """Development settings on a fresh, migrated database in `data_dir`."""
    sys.path.insert(0, str(ROOT / "src"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tend.settings")
    os.environ.setdefault("TEND_DEBUG", "1")
    os.environ["TEND_DATA_DIR"] = str(data_dir)
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)


def recreate_postgres(url: str) -> None:
    """Drop and create the benchmark's PostgreSQL database so every run starts empty."""
    from urllib.parse import urlsplit, urlunsplit

    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if not name.replace("_", "").isalnum():
        raise SystemExit(f"Unusual database name {name!r}: refusing to drop it.")
    admin = urlunsplit(parts._replace(scheme="postgresql", path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("names", nargs="*", help="benchmarks to run (default: all)")
    parser.add_argument("--list", action="store_true", help="list benchmarks and exit")
    parser.add_argument(
        "--database-url",
        help="run on this database (e.g. postgres://postgres@127.0.0.1:5432/tend_bench); "
        "a PostgreSQL database is dropped and created afresh",
    )
    args = parser.parse_args(argv)
    if args.database_url:
        os.environ["DATABASE_URL"] = args.database_url
        if args.database_url.startswith(("postgres://", "postgresql://")):
            recreate_postgres(args.database_url)
    benchmarks = available()
    if args.list:
        for name, summary in benchmarks.items():
            print(f"  {name:<20} {summary}")
        return 0
    unknown = [n for n in args.names if n not in benchmarks]
    if unknown:
        print(f"Unknown benchmark(s): {', '.join(unknown)}. Known: {', '.join(benchmarks)}")
        return 2
    results_dir = HERE / "results"
    results_dir.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="tend-bench-") as data_dir:
        prepare(Path(data_dir))
        for name in args.names or list(benchmarks):
            module = importlib.import_module(f"bench.bench_{name}")
            print(f"{name}: {benchmarks[name]}", flush=True)
            started = time.perf_counter()
            measurements = module.run()
            total = time.perf_counter() - started
            record = {
                "benchmark": name,
                "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                "python": platform.python_version(),
                "machine": platform.machine(),
                "cpus": os.cpu_count(),
                "total_seconds": round(total, 3),
                **measurements,
            }
            with open(results_dir / f"{name}.jsonl", "a") as handle:
                handle.write(json.dumps(record) + "\n")
            for key, value in measurements.items():
                print(f"  {key}: {value}")
            print(f"  total_seconds: {total:.2f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
