"""Tend's benchmarks: run on purpose with `make bench` (or `python -m bench NAME`), never in tests.

A benchmark is a module `bench/bench_<name>.py` with a docstring (what it measures) and a
`run() -> dict` that does the work and returns its measurements (seconds, counts). The runner
gives each benchmark a fresh data directory and SQLite database (or the DATABASE_URL you set),
migrates it, and writes results as JSON lines to bench/results/<name>.jsonl.
"""
