"""The load script's short version (issue 14): real servers, Streamlit's own protocol.

Sessions open Compare, change the number of steps a few times and must each get the
chart they asked for, with no error; behind nginx (deploy/nginx.conf, as README "Serve a
class" runs it) the affinity cookies must spread them over every replica.  Times are not
asserted (`python benchmarks/load_benchmark.py` prints them).
"""

from __future__ import annotations

import asyncio
import contextlib
from concurrent.futures import ThreadPoolExecutor

from benchmarks import load_benchmark
from tests.browser import harness

SESSIONS = 6
CHANGES = 3  # per session, about a second apart
# Behind nginx: all of them on one of two replicas has odds of 2 in 2**16.
SESSIONS_BEHIND_NGINX = 16
FIRST_LOAD_CPU = 0.05  # seconds: a first page run costs several times this


def _load(url: str, pids: list[int], sessions: int) -> dict:
    run = load_benchmark.load(url, sessions, duration=120.0, interval=1.0, timeout=60.0,
                              seed=3, pids=pids, changes=CHANGES, spread=1.0)  # fmt: skip
    # In a thread of its own: Playwright's sync API (the browser tests in this worker)
    # keeps an event loop running in this one.
    with ThreadPoolExecutor(max_workers=1) as thread:
        return thread.submit(asyncio.run, run).result()


def _assert_served(result: dict, sessions: int) -> None:
    stats = result["stats"]
    assert stats.errors == []
    assert len(stats.first_load) == sessions
    # Every change was answered by a chart of the steps asked for (load_benchmark checks
    # each one and records an error otherwise).
    assert len(stats.chart) == sessions * CHANGES


def test_sessions_on_one_server_get_their_charts():
    with harness.streamlit_server() as url:
        _assert_served(_load(url, [harness.server_pid(url)], SESSIONS), SESSIONS)


def test_replicas_behind_nginx_share_the_sessions():
    harness.require_nginx()
    with contextlib.ExitStack() as stack:
        urls = [stack.enter_context(harness.streamlit_server()) for _ in range(2)]
        front = stack.enter_context(load_benchmark.balancer(urls))
        result = _load(front, [harness.server_pid(u) for u in urls], SESSIONS_BEHIND_NGINX)
    _assert_served(result, SESSIONS_BEHIND_NGINX)
    assert all(cpu > FIRST_LOAD_CPU for cpu in result["cpu_each"]), result["cpu_each"]
