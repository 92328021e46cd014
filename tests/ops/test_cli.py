"""The `tend` command: subcommands, passthrough to Django, and a real run in a fresh data dir."""

from __future__ import annotations

import json
import os
import signal
import socket
import stat
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tend import cli

SRC = str(Path(cli.__file__).resolve().parent.parent)


@pytest.fixture(autouse=True)
def keep_umask():
    """`tend` sets umask 077 for its process; give the test process its own back."""
    old = os.umask(0o022)
    os.umask(old)
    yield
    os.umask(old)


def test_help_lists_every_subcommand(capsys):
    assert cli.main(["--help"]) == 0
    out = capsys.readouterr().out
    for name in ["run", "serve", "worker", "demo", "createpractice", "check", "backup", "restore"]:
        assert f"  {name}" in out


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["rotate-keys", "--batch-size", "10"], ["rotate_keys", "--batch-size", "10"]),
        (["audit", "verify"], ["audit", "verify"]),
        (["migrate"], ["migrate"]),
        (["check"], ["tendcheck"]),
        (["backup", "--output", "x"], ["backup", "--output", "x"]),
    ],
)
def test_other_words_pass_through_to_django_commands(argv, expected, monkeypatch, tmp_path):
    monkeypatch.setenv("TEND_DATA_DIR", str(tmp_path / "data"))
    seen = []
    monkeypatch.setattr(cli, "manage", seen.append)
    cli.main(argv)
    assert seen == [expected]


def test_the_data_dir_is_created_private(monkeypatch, tmp_path):
    monkeypatch.setenv("TEND_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setattr(cli, "manage", lambda argv: None)
    old = os.umask(0o022)
    try:
        cli.main(["migrate"])
        assert os.umask(0o022) == 0o077
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "data").stat().st_mode) == 0o700


def test_the_worker_uses_the_database_queue_without_redis(monkeypatch):
    monkeypatch.delenv("REDIS_URL", raising=False)
    assert cli.worker_argv()[0] == "db_worker"


def test_the_worker_uses_rq_when_redis_is_set(monkeypatch):
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/0")
    assert cli.worker_argv() == ["rqworker", "--job-class", "django_tasks_rq.Job", "default"]


def test_serve_binds_loopback_on_the_port_with_workers_from_the_environment(monkeypatch):
    monkeypatch.setenv("TEND_WEB_WORKERS", "5")
    command = cli.serve_command("8123")
    assert command[1:4] == ["-m", "gunicorn", "tend.wsgi:application"]
    assert command[command.index("--bind") + 1] == "127.0.0.1:8123"
    assert command[command.index("--workers") + 1] == "5"


def test_the_port_comes_from_the_flag_then_the_environment(monkeypatch):
    monkeypatch.setenv("PORT", "9001")
    assert cli.port_from(["--port", "9002"]) == "9002"
    assert cli.port_from([]) == "9001"


def dev_environment(data_dir: Path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"TEND_TEST_DATABASE_URL", "DATABASE_URL", "REDIS_URL"}
        and not k.startswith(("PYTEST_", "DJANGO_"))
    }
    env.update(TEND_DEBUG="1", TEND_DATA_DIR=str(data_dir), PYTHONPATH=SRC)
    return env


def tend(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [sys.executable, "-m", "tend.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result


NAMES = (
    "from tend.practices.models import Practice; print(list(Practice.objects.values_list('name')))"
)
RENAME = "from tend.practices.models import Practice; Practice.objects.update(name='Changed')"


def shell(env: dict[str, str], code: str) -> str:
    return tend(env, "shell", "--no-imports", "-c", code).stdout.strip().splitlines()[-1]


def test_backup_and_restore_of_a_live_sqlite_file_through_the_tend_command(tmp_path):
    data = tmp_path / "var"
    env = dev_environment(data)
    tend(env, "migrate", "--verbosity", "0")
    tend(env, "demo", "--size", "small")
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
    for name in ["tend.sqlite3", "secret_key", "encryption_key", "demo-credentials.txt"]:
        assert stat.S_IMODE((data / name).stat().st_mode) == 0o600, name
    names = shell(env, NAMES)
    assert "Willow Creek" in names

    out = tend(env, "backup").stdout
    backups = list((data / "backups").glob("*.tendbak"))
    assert len(backups) == 1 and "Backup written to" in out
    assert stat.S_IMODE(backups[0].stat().st_mode) == 0o600
    shell(env, RENAME + "; print('ok')")
    assert "Willow Creek" not in shell(env, NAMES)

    tend(env, "restore", str(backups[0]), "--yes")
    assert shell(env, NAMES) == names
    assert shell(env, "from tend.core.audit import verify_all; print(verify_all())") == "[]"


ENQUEUE_AND_WAIT = """
import time
from tend.core.tasks import ping
result = ping.enqueue(41)
deadline = time.monotonic() + 90
while result.status in ("READY", "RUNNING") and time.monotonic() < deadline:
    time.sleep(0.2)
    result.refresh()
print(result.status, result.return_value if result.status == "SUCCESSFUL" else "")
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_health(url: str, process: subprocess.Popen, seconds: float = 90) -> dict:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert process.poll() is None, "tend run exited early"
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                return json.loads(response.read())
        except OSError:
            time.sleep(0.25)  # polling for the server to come up, not timing behaviour
    raise AssertionError("tend run did not answer in time")


@pytest.mark.parametrize(
    ("queue", "backend"),
    [(None, "database"), ("redis://127.0.0.1:6379/13", "redis")],
    ids=["database-queue", "redis-queue"],
)
def test_tend_run_serves_with_a_worker_and_stops_cleanly_on_ctrl_c(tmp_path, queue, backend):
    data = tmp_path / "var"
    env = dev_environment(data)
    env["TEND_WEB_WORKERS"] = "1"
    if queue:
        env["REDIS_URL"] = queue
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "tend.cli", "run", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        health = wait_for_health(f"http://127.0.0.1:{port}/healthz", process)
        assert health["database"] == "ok"
        assert health["tasks"] == {"backend": backend, "status": "ok"}
        # The worker started alongside takes work: enqueue a task and wait for its result.
        assert shell(env, ENQUEUE_AND_WAIT) == "SUCCESSFUL 42"
        # A backup while the server and worker run.
        assert (
            "Backup written to"
            in tend(env, "backup", "--output", str(tmp_path / "b.tendbak")).stdout
        )
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    assert process.returncode == 0, output[-3000:]
    assert f"Tend is running at http://127.0.0.1:{port}" in output
    assert "tend-demo-garden-path" in output
    assert "Tend stopped." in output
    assert "Starting worker" in output or "Listening on default" in output
    with socket.socket() as s:
        assert s.connect_ex(("127.0.0.1", port)) != 0  # the web server is gone
    assert stat.S_IMODE((data / "demo-credentials.txt").stat().st_mode) == 0o600


def test_tend_makes_files_left_readable_by_others_private(monkeypatch, tmp_path):
    data = tmp_path / "data"
    data.mkdir(mode=0o755)
    data.chmod(0o755)
    database = data / "tend.sqlite3"
    database.write_bytes(b"")
    database.chmod(0o644)
    (data / "static").mkdir(mode=0o755)
    (data / "static").chmod(0o755)
    monkeypatch.setenv("TEND_DATA_DIR", str(data))
    monkeypatch.setattr(cli, "manage", lambda argv: None)
    old = os.umask(0o022)
    try:
        cli.main(["migrate"])
    finally:
        os.umask(old)
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
    assert stat.S_IMODE(database.stat().st_mode) == 0o600
    assert stat.S_IMODE((data / "static").stat().st_mode) == 0o755  # subdirectories untouched


def test_run_says_when_the_port_is_taken(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("TEND_DATA_DIR", str(tmp_path / "data"))
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert cli.main(["run", "--port", str(port)]) == 1
    assert f"Port {port} is already in use" in capsys.readouterr().err
