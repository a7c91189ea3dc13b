"""Start a Streamlit server and Debian's Chromium (through Playwright) for browser checks.

Shared by the end-to-end tests and `benchmarks/browser_benchmark.py`.  The browser is the
system `chromium` package (`playwright install` cannot download one here), launched with
flags that keep it off the network.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SERVER_START_TIMEOUT = 90.0


def chromium_path() -> str | None:
    return shutil.which("chromium")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


_SERVER_PIDS: dict[str, int] = {}


def server_pid(url: str) -> int:
    """The process id of a server `streamlit_server` started (benchmarks read its memory)."""
    return _SERVER_PIDS[url]


def require_nginx() -> None:
    """Skip without nginx locally; fail in CI (CI=true), where `.ci/run` installs it."""
    import pytest

    if shutil.which("nginx") is None:
        if os.environ.get("CI"):
            pytest.fail("nginx is not installed (apt-get install nginx)")
        pytest.skip("nginx is not installed (apt-get install nginx)")


def wait_for_health(url: str, process: subprocess.Popen) -> None:
    """Wait until Streamlit's health endpoint at `url` answers (through a proxy too)."""
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    while True:
        if process.poll() is not None:
            detail = process.stderr.read().decode()[-2000:] if process.stderr else ""
            raise RuntimeError(f"{process.args[0]} exited: {detail}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as reply:
                if reply.status == 200:
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"{url} did not answer in time")
        time.sleep(0.25)


@contextlib.contextmanager
def streamlit_server(script: str = "app.py", cwd: Path = ROOT) -> Iterator[str]:
    """Run `streamlit run script` on a free loopback port; yields the base URL."""
    port = free_port()
    command = [
        sys.executable, "-m", "streamlit", "run", script,
        "--server.headless", "true", "--server.port", str(port),
        "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false",
        "--server.fileWatcherType", "none",
    ]  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(
        command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    url = f"http://127.0.0.1:{port}"
    _SERVER_PIDS[url] = process.pid
    try:
        wait_for_health(url, process)
        yield url
    finally:
        _SERVER_PIDS.pop(url, None)
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


@contextlib.contextmanager
def new_page(browser, *, timeout_ms: int = 60_000, **context_options) -> Iterator[object]:
    """A page in a browser context of its own (`context_options`: viewport, locale...),
    closed afterwards; its uncaught script errors collect in `page.js_errors`."""
    context = browser.new_context(**context_options)
    page = context.new_page()
    page.set_default_timeout(timeout_ms)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.js_errors = errors
    try:
        yield page
    finally:
        context.close()


@contextlib.contextmanager
def chromium() -> Iterator[object]:
    """A Playwright Browser on the system Chromium."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
