"""Many sessions against one real server, talking Streamlit's own protocol.

    python benchmarks/load_benchmark.py                       # 20, 50 and 100 sessions
    python benchmarks/load_benchmark.py --sessions 100 --duration 120 --interval 5
    python benchmarks/load_benchmark.py --sessions 100 --replicas 2   # behind nginx

Starts ``streamlit run app.py`` on a free loopback port (or uses ``--url``), then opens
N sessions from this one process.  Each is what a browser tab does on the wire: a
websocket to ``/_stcore/stream``, a ``BackMsg.rerun_script`` with the page and its query
string, then every ``--interval`` seconds (jittered) a rerun that changes one setting
(the number of steps on Compare, a bound ``number_input``) with the widget states the
page sent, read from the ``ForwardMsg`` deltas.  Rerun time is from sending the
``BackMsg`` to the main chart's delta (the chart the visitor waits for) and to
``script_finished``.

Reports p50/p95 of both, errors (an exception element, a closed socket, no chart within
``--timeout``), the server's resident memory before, at the peak and after, and its CPU
time.  Loopback only (the URL must be 127.0.0.1 or localhost), bounded by ``--duration``.
The goal (issue 14): 100 sessions each changing a setting every 5 s for 2 minutes, no
error, p95 below 1 s, RSS growth below 100 MB.  Times on a shared machine are noisy; the
clients run on the same cores as the server.

``--replicas N`` starts N servers behind nginx with the repository's own
``deploy/nginx.conf`` (its ports replaced), the set-up README "Serve a class" describes:
each session sends its own affinity cookie, as each browser would, and the memory and CPU
reported are the replicas' together.  One Streamlit server runs every session's script
under one interpreter lock, so it uses one core at most.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from streamlit.proto.BackMsg_pb2 import BackMsg  # noqa: E402
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg  # noqa: E402
from streamlit.proto.WidgetStates_pb2 import WidgetState  # noqa: E402

from tests.browser import harness  # noqa: E402

PAGE_NAME = "Compare"
QUERY = "lang=en"
STEP_KEY = "steps"  # the bound number_input whose value the sessions change
CHART_KEY = "compare_live"  # the main chart's key: Compare's live chart (a component)
STEP_RANGE = (60, 400)
CONNECT_SPREAD = 10.0  # seconds over which the sessions open, as a class arrives


@dataclass
class Stats:
    chart: list[float] = field(default_factory=list)  # seconds to the main chart's delta
    finished: list[float] = field(default_factory=list)  # seconds to script_finished
    first_load: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


class Session:
    """One browser tab on the wire."""

    def __init__(self, url: str, stats: Stats, rng: random.Random, query: str = QUERY) -> None:
        self.url, self.stats, self.rng, self.query = url, stats, rng, query
        self.page_hash = ""
        self.widgets: dict[str, object] = {}  # widget id -> its WidgetState, as last sent
        self.step_widget: str | None = None
        self.chart_steps: str | None = None  # the last step the main chart animates

    async def rerun(self, socket) -> tuple[float | None, float]:
        """Send a rerun; wait for script_finished.  Returns (chart time, finished time)."""
        message = BackMsg()
        state = message.rerun_script
        state.query_string = self.query
        state.page_script_hash = self.page_hash
        state.page_name = "" if self.page_hash else PAGE_NAME
        for widget in self.widgets.values():
            state.widget_states.widgets.append(widget)
        began = time.perf_counter()
        await socket.send(message.SerializeToString())
        chart_at = None
        while True:
            data = await socket.recv()
            forward = ForwardMsg()
            forward.ParseFromString(data)
            kind = forward.WhichOneof("type")
            if kind == "navigation":  # the pages and their hashes, as the browser learns them
                for page in forward.navigation.app_pages:
                    if page.url_pathname == PAGE_NAME or page.page_name == PAGE_NAME:
                        self.page_hash = page.page_script_hash
            elif kind == "delta" and forward.delta.WhichOneof("type") == "new_element":
                element = forward.delta.new_element
                element_kind = element.WhichOneof("type")
                if element_kind == "exception":
                    raise RuntimeError(f"exception element: {element.exception.message[:200]}")
                if element_kind == "bidi_component" and element.bidi_component.id.endswith(
                    f"-{CHART_KEY}"
                ):
                    chart_at = time.perf_counter() - began
                    self.chart_steps = _chart_steps(element.bidi_component)
                if element_kind == "number_input" and element.number_input.id.endswith(
                    f"-{STEP_KEY}"
                ):
                    self.step_widget = element.number_input.id
            elif kind == "script_finished":
                return chart_at, time.perf_counter() - began

    def change_steps(self) -> None:
        """What the browser sends after a visitor types a new number of steps."""
        widget = WidgetState(id=self.step_widget)
        widget.int_value = self.rng.randint(*STEP_RANGE)
        self.widgets[self.step_widget] = widget

    async def run(
        self, deadline: float, interval: float, timeout: float, changes: int | None = None
    ) -> None:
        """Open the page, then change the steps every `interval` seconds until `deadline`
        (or `changes` times), then close the tab."""
        import websockets

        host = urlparse(self.url).netloc
        # deploy/nginx.conf's affinity cookie, as nginx would have set it for this tab
        cookie = {"Cookie": f"app_replica={self.rng.getrandbits(64):016x}"}
        try:
            async with websockets.connect(
                f"ws://{host}/_stcore/stream", subprotocols=["streamlit"], max_size=None,
                open_timeout=timeout, ping_interval=None,  # a browser tab does not ping
                additional_headers=cookie,
            ) as socket:  # fmt: skip
                began = time.perf_counter()
                await asyncio.wait_for(self.rerun(socket), timeout)
                self.stats.first_load.append(time.perf_counter() - began)
                if self.step_widget is None:
                    raise RuntimeError(f"no '{STEP_KEY}' widget on {PAGE_NAME}")
                done = 0
                while time.monotonic() + interval < deadline and (
                    changes is None or done < changes
                ):
                    done += 1
                    await asyncio.sleep(interval * self.rng.uniform(0.8, 1.2))
                    self.change_steps()
                    chart, finished = await asyncio.wait_for(self.rerun(socket), timeout)
                    if chart is None:
                        raise RuntimeError("a rerun sent no chart")
                    asked = self.widgets[self.step_widget].int_value
                    if self.chart_steps != str(asked):
                        raise RuntimeError(
                            f"the chart ends at step {self.chart_steps}, not {asked}"
                        )
                    self.stats.chart.append(chart)
                    self.stats.finished.append(finished)
        except TimeoutError:
            self.stats.errors.append(f"no answer within {timeout:g} s")
        except Exception as error:
            self.stats.errors.append(f"{type(error).__name__}: {str(error)[:200]}")


def _chart_steps(component) -> str | None:
    """The number of steps the live chart draws, from the data the page sent it."""
    import json

    if component.WhichOneof("data") != "json":
        return None
    return str(int(json.loads(component.json)["steps"]["value"]))


def process_figures(pids: list[int]) -> tuple[float, float]:
    """(resident MB, CPU seconds) of processes and their children, from /proc."""
    rss, cpu = 0.0, 0.0
    ticks = os.sysconf("SC_CLK_TCK")
    for candidate in [c for pid in pids for c in (pid, *_children(pid))]:
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{candidate}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    rss += int(line.split()[1]) / 1024
            fields_ = Path(f"/proc/{candidate}/stat").read_text().rsplit(")", 1)[1].split()
            cpu += (int(fields_[11]) + int(fields_[12])) / ticks
    return rss, cpu


def _children(pid: int) -> list[int]:
    with contextlib.suppress(OSError):
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    return []


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    return (
        statistics.quantiles(values, n=100, method="inclusive")[q - 1]
        if len(values) > 1
        else values[0]
    )


async def load(url: str, sessions: int, duration: float, interval: float, timeout: float,
               seed: int, pids: list[int], *, changes: int | None = None,
               spread: float = CONNECT_SPREAD) -> dict:  # fmt: skip
    """`sessions` tabs arriving over `spread` seconds, each changing the steps every
    `interval` seconds until `duration` is over (or `changes` times)."""
    stats = Stats()
    rng = random.Random(seed)
    deadline = time.monotonic() + duration
    peak = [0.0]

    async def watch() -> None:
        while time.monotonic() < deadline + timeout:
            peak[0] = max(peak[0], process_figures(pids)[0])
            await asyncio.sleep(1.0)

    async def start(index: int) -> None:
        await asyncio.sleep(spread * index / max(sessions, 1))
        await Session(url, stats, random.Random(rng.random())).run(deadline, interval, timeout,
                                                                    changes)  # fmt: skip

    # One tab per replica first, so the baseline holds what any server holds after its
    # first visitor (the imports and the compiled engine), not the bare process.
    for index in range(4 * max(len(pids), 1)):  # each its own cookie: every replica warms up
        await Session(url, Stats(), random.Random(f"warm-up {seed} {index}")).run(
            time.monotonic() + 1, 5.0, timeout
        )
    rss0, cpu0 = process_figures(pids) if pids else (float("nan"), 0.0)
    each0 = [process_figures([pid])[1] for pid in pids]
    client0 = sum(os.times()[:2])
    began = time.monotonic()
    watcher = asyncio.create_task(watch()) if pids else None
    await asyncio.gather(*(start(i) for i in range(sessions)))
    if watcher:
        watcher.cancel()
    elapsed = time.monotonic() - began
    rss1, cpu1 = process_figures(pids) if pids else (float("nan"), 0.0)
    return {"stats": stats, "rss_before": rss0, "rss_peak": max(peak[0], rss1), "rss_after": rss1,
            "cpu": cpu1 - cpu0, "client_cpu": sum(os.times()[:2]) - client0,
            "cpu_each": [process_figures([pid])[1] - c for pid, c in zip(pids, each0, strict=True)],
            "elapsed": elapsed}  # fmt: skip


def report(sessions: int, result: dict) -> str:
    stats: Stats = result["stats"]
    cpu_share = result["cpu"] / result["elapsed"] if result["elapsed"] else float("nan")
    runs = len(stats.finished) + len(stats.first_load)
    per_rerun = result["cpu"] / runs if runs else float("nan")
    return (
        f"{sessions:4d} sessions: {len(stats.chart):5d} reruns, {len(stats.errors)} errors; "
        f"chart p50 {percentile(stats.chart, 50):.2f} s, p95 {percentile(stats.chart, 95):.2f} s; "
        f"finished p50 {percentile(stats.finished, 50):.2f} s, p95 {percentile(stats.finished, 95):.2f} s; "
        f"first load p95 {percentile(stats.first_load, 95):.2f} s; "
        f"server RSS {result['rss_before']:.0f} -> peak {result['rss_peak']:.0f} -> "
        f"{result['rss_after']:.0f} MB (+{result['rss_after'] - result['rss_before']:.0f}); "
        f"server CPU {result['cpu']:.0f} s ({cpu_share:.2f} cores, {per_rerun:.3f} s a page run); "
        f"clients' CPU {result['client_cpu'] / result['elapsed']:.2f} cores"
    )


@contextlib.contextmanager
def balancer(urls: list[str]) -> Iterator[str]:
    """nginx with deploy/nginx.conf in front of `urls`, on a free loopback port."""
    port = harness.free_port()
    config = (ROOT / "deploy" / "nginx.conf").read_text(encoding="utf-8")
    servers = "".join(f"        server {urlparse(u).netloc};\n" for u in urls)
    config = re.sub(r"(?:        server 127\.0\.0\.1:\d+;\n)+", servers, config)
    config = config.replace("listen 8080;", f"listen 127.0.0.1:{port};")
    config = config.replace("http {", "http {\n    access_log off;", 1)
    with tempfile.TemporaryDirectory() as prefix:
        path = Path(prefix) / "nginx.conf"
        path.write_text(config, encoding="utf-8")
        directives = f"daemon off; pid {prefix}/nginx.pid; error_log {prefix}/error.log;"
        process = subprocess.Popen(["nginx", "-p", prefix, "-c", str(path), "-g", directives])
        try:
            harness.wait_for_health(f"http://127.0.0.1:{port}", process)
            yield f"http://127.0.0.1:{port}"
        finally:
            process.terminate()
            process.wait(timeout=10)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, nargs="+", default=[20, 50, 100])
    parser.add_argument("--duration", type=float, default=120.0, help="seconds per level")
    parser.add_argument("--interval", type=float, default=5.0, help="seconds between changes")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds one rerun may take")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--url", help="an already running server (loopback only)")
    parser.add_argument("--replicas", type=int, default=1,
                        help="servers behind nginx (deploy/nginx.conf); needs nginx")  # fmt: skip
    args = parser.parse_args(argv)
    if args.url and urlparse(args.url).hostname not in ("127.0.0.1", "localhost"):
        parser.error("--url must be a loopback address (127.0.0.1 or localhost)")
    if args.replicas > 1 and (args.url or not shutil.which("nginx")):
        parser.error("--replicas needs nginx on the PATH and no --url")
    print(f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} before the run "
          f"(clients and server share them); {args.replicas} replica(s)")  # fmt: skip
    failures = 0
    with contextlib.ExitStack() as stack:
        if args.url:
            url, pids = args.url, []
        else:
            urls = [stack.enter_context(harness.streamlit_server()) for _ in range(args.replicas)]
            pids = [harness.server_pid(u) for u in urls]
            url = urls[0] if args.replicas == 1 else stack.enter_context(balancer(urls))
        for sessions in args.sessions:
            result = asyncio.run(load(url, sessions, args.duration, args.interval, args.timeout,
                                      args.seed, pids))  # fmt: skip
            print(report(sessions, result), flush=True)
            for error in sorted(set(result["stats"].errors))[:5]:
                print(f"      error: {error}")
            failures += len(result["stats"].errors)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
