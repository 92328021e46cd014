"""The `tend` command: run, serve, work, build demo data, check, back up and restore.

Any other first argument is a Django management command (`tend migrate`, `tend audit verify`);
dashes become underscores, so `tend rotate-keys` runs `rotate_keys`.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

USAGE = """\
usage: tend <command> [options]

  run                 migrate, build the demo practice once, then serve with a task worker
  serve               the web server (gunicorn) on 127.0.0.1:$PORT (default 8000)
  worker              the task worker (database queue, or RQ when REDIS_URL is set) and the
                      reminder sweep (`tend remind` sends due reminders once)
  demo --size S       build a demo practice (small, medium or large)
  createpractice      create a practice and its owner (asks, or takes flags)
  check               Django's deploy checks plus Tend's (keys, database, queue, data dir)
  backup [--output P] an encrypted snapshot of the database, safe while Tend runs
  restore PATH        restore a snapshot made by `tend backup`
  <django command>    any Django management command, e.g. `tend migrate`, `tend audit verify`

Settings come from environment variables: see .env.example and docs/configuration.md.
"""

# Subcommands that are our own management commands under another name.
ALIASES = {"check": "tendcheck"}


def data_dir() -> Path:
    return Path(os.environ.get("TEND_DATA_DIR") or Path.cwd() / "var").resolve()


def prepare_environment() -> None:
    """Settings module, a private umask and a private data directory, before Django starts."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tend.settings")
    os.umask(0o077)
    directory = data_dir()
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    make_private(directory)
    os.environ["TEND_DATA_DIR"] = str(directory)


def make_private(directory: Path) -> None:
    """Take group and other access off the data dir and the files directly in it.

    Files made before by a process without our umask (say `manage.py`) would otherwise keep
    a readable mode: the database, its WAL, generated keys. Subdirectories are left alone.
    """
    for path in [directory, *directory.iterdir()]:
        if path != directory and (path.is_symlink() or not path.is_file()):
            continue
        info = path.lstat()
        if info.st_uid == os.getuid() and info.st_mode & 0o077:
            path.chmod(info.st_mode & 0o700)


def child_environment() -> dict[str, str]:
    """The environment for child processes: they must import tend the way we did."""
    env = dict(os.environ)
    package_root = str(Path(__file__).resolve().parent.parent)
    paths = [package_root, *filter(None, env.get("PYTHONPATH", "").split(os.pathsep))]
    env["PYTHONPATH"] = os.pathsep.join(dict.fromkeys(paths))
    return env


def manage(argv: Sequence[str]) -> None:
    from django.core.management import execute_from_command_line

    execute_from_command_line(["tend", *argv])


def port_from(argv: list[str]) -> str:
    if "--port" in argv:
        index = argv.index("--port")
        if index + 1 < len(argv):
            return argv[index + 1]
    return os.environ.get("PORT", "8000")


def serve_command(port: str) -> list[str]:
    workers = os.environ.get("TEND_WEB_WORKERS") or os.environ.get("WEB_CONCURRENCY") or "2"
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "tend.wsgi:application",
        "--bind",
        f"{os.environ.get('TEND_BIND_HOST', '127.0.0.1')}:{port}",
        "--workers",
        workers,
        "--timeout",
        os.environ.get("TEND_WEB_TIMEOUT", "60"),
        "--access-logfile",
        "-",
        "--forwarded-allow-ips",
        os.environ.get("TEND_FORWARDED_ALLOW_IPS", "127.0.0.1"),
        "--no-control-socket",
    ]
    return command


# The periodic sweep (appointment reminders every minute, open series nightly) that runs next
# to every task worker; several at once are safe.
REMINDER_LOOP = ["remind", "--loop"]


def worker_argv() -> list[str]:
    """The management command that runs the configured task worker."""
    if os.environ.get("REDIS_URL"):
        return ["rqworker", "--job-class", "django_tasks_rq.Job", "default"]
    return ["db_worker", "--interval", os.environ.get("TEND_WORKER_INTERVAL", "1")]


def port_in_use(port: str) -> bool:
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((os.environ.get("TEND_BIND_HOST", "127.0.0.1"), int(port)))
        except OSError:
            return True
    return False


def run(argv: list[str]) -> int:
    """What `make run` does: get ready once, then supervise a web server and a worker."""
    port = port_from(argv)
    if port_in_use(port):
        print(
            f"Port {port} is already in use: stop the other server, or choose another port "
            f"(PORT={int(port) + 1} make run).",
            file=sys.stderr,
        )
        return 1
    os.environ.setdefault("TEND_BASE_URL", f"http://127.0.0.1:{port}")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    call_command("demo", size="small", if_missing=True, verbosity=0)
    if not settings.WHITENOISE_USE_FINDERS:
        call_command("collectstatic", interactive=False, verbosity=0)
    from django.db import connections

    connections.close_all()

    env = child_environment()
    children = [
        subprocess.Popen(serve_command(port), env=env),
        subprocess.Popen([sys.executable, "-m", "tend.cli", *worker_argv()], env=env),
        subprocess.Popen([sys.executable, "-m", "tend.cli", *REMINDER_LOOP], env=env),
    ]
    wait_until_listening(port, children)
    credentials = Path(settings.DATA_DIR) / "demo-credentials.txt"
    print(
        f"\nTend is running at http://127.0.0.1:{port}\n"
        f"Sign in with a demo account: the emails and password are in {credentials}\n"
        + (credentials.read_text() if credentials.exists() else "")
        + "Press Ctrl-C to stop.\n",
        flush=True,
    )
    return supervise(children)


def wait_until_listening(port: str, children: list[subprocess.Popen], seconds: float = 60) -> None:
    """Return once the web server accepts connections (so our message comes after its log)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and all(c.poll() is None for c in children):
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", int(port))) == 0:
                return
        time.sleep(0.2)


def supervise(children: list[subprocess.Popen]) -> int:
    """Wait until a child exits or we are interrupted; then stop the others and return."""
    stopping = False

    def stop(signum: int, frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    status = 0
    while not stopping:
        exited = [c for c in children if c.poll() is not None]
        if exited:
            status = exited[0].returncode or 0
            print(f"A Tend process stopped (exit {status}); stopping the others.", flush=True)
            break
        time.sleep(0.5)
    for child in children:
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + 15
    for child in children:
        try:
            child.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
    if stopping:
        print("Tend stopped.", flush=True)
        return 0
    return status


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in {"-h", "--help", "help"}:
        print(USAGE, end="")
        return 0
    prepare_environment()
    command, rest = args[0], args[1:]
    if command == "run":
        return run(rest)
    if command == "serve":
        import django

        django.setup()  # fail fast on bad settings, before gunicorn forks
        os.execve(sys.executable, serve_command(port_from(rest)), child_environment())  # noqa: S606
    if command == "worker":
        env = child_environment()
        return supervise(
            [
                subprocess.Popen(
                    [sys.executable, "-m", "tend.cli", *worker_argv(), *rest], env=env
                ),
                subprocess.Popen([sys.executable, "-m", "tend.cli", *REMINDER_LOOP], env=env),
            ]
        )
    manage([ALIASES.get(command, command.replace("-", "_")), *rest])
    return 0


if __name__ == "__main__":
    sys.exit(main())
