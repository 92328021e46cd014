"""Take docs/screenshot.png: the Today page of the demo practice, signed in as its owner.

    .venv/bin/python -m bench.screenshot [--output docs/screenshot.png]

Starts `tend run` on a free port with a throwaway data directory, signs in with Playwright in
Debian's Chromium (/usr/bin/chromium) and saves a 1280x800 screenshot.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_up(url: str, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2).close()
            return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"Tend did not come up at {url}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--output", type=Path, default=ROOT / "docs" / "screenshot.png")
    parser.add_argument("--path", default="/", help="page to capture after signing in")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory(prefix="tend-shot-") as data:
        env = {**os.environ, "TEND_DEBUG": "1", "TEND_DATA_DIR": data, "TEND_WEB_WORKERS": "1"}
        env["PYTHONPATH"] = str(ROOT / "src")
        server = subprocess.Popen(
            [sys.executable, "-m", "tend.cli", "run", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            wait_until_up(f"{base}/healthz")
            credentials = (Path(data) / "demo-credentials.txt").read_text()
            password = credentials.split("Demo password for everyone: ", 1)[1].split()[0]
            with sync_playwright() as p:
                browser = p.chromium.launch(
                    executable_path="/usr/bin/chromium",
                    args=[
                        "--no-sandbox",
                        "--disable-gpu",
                        "--disable-background-networking",
                        "--disable-component-update",
                        "--disable-sync",
                        "--no-first-run",
                    ],
                )
                page = browser.new_page(viewport={"width": 1280, "height": 800})
                page.goto(f"{base}/accounts/login/")
                page.fill("input[name=email]", "owner@willowcreek.example")
                page.fill("input[name=password]", password)
                page.locator("form button[type=submit], form input[type=submit]").first.click()
                page.wait_for_load_state("networkidle")
                page.goto(f"{base}{args.path}")
                page.wait_for_load_state("networkidle")
                args.output.parent.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(args.output))
                browser.close()
        finally:
            os.killpg(server.pid, signal.SIGINT)
            server.wait(timeout=30)
    print(f"Saved {args.output}")


if __name__ == "__main__":
    main()
