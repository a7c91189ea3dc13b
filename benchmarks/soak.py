"""Does the server's memory reach a plateau?  Sessions come and go with varied links.

    python benchmarks/soak.py                                # 8 sessions, 6 minutes, 2 idle
    python benchmarks/soak.py --sessions 8 --duration 600 --idle 180

Starts ``streamlit run app.py`` on a free loopback port and keeps ``--sessions`` tabs
open at once (`load_benchmark.Session`: Streamlit's own protocol).  Each opens Compare
through a link with new values, surface parameters included (``bowl_a=0.0731...``:
anyone can send them, and each new value once cost 0.9 MB for good), changes the number
of steps three times, closes, and a new one takes its place.  The server's resident
memory is sampled every few seconds; the report gives it per minute, the growth rate
over the second half (a plateau is about 0 MB/min), and after ``--idle`` seconds with no
session (Streamlit drops a closed session after ``server.disconnectedSessionTTL``, 120 s;
cached runs age out after `app_ui.runs.CACHE_TTL`).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.load_benchmark import Session, Stats, percentile, process_figures  # noqa: E402
from tests.browser import harness  # noqa: E402

SAMPLE_EVERY = 5.0  # seconds
# Surfaces with parameters and a range for each: new values in every link.
VARIED = {"bowl": {"a": (0.01, 1.0), "b": (0.5, 2.0)}, "rosenbrock": {"b": (1.0, 200.0)},
          "rotated_quadratic": {"kappa": (1.0, 50.0), "angle": (-90.0, 90.0)},
          "rastrigin": {"A": (1.0, 20.0)}}  # fmt: skip


def random_link(rng: random.Random) -> str:
    surface = rng.choice(list(VARIED))
    query = {"lang": rng.choice(["en", "ko"]), "surface": surface}
    for name, (low, high) in VARIED[surface].items():
        query[f"{surface}_{name}"] = repr(round(rng.uniform(low, high), 6))
    query["steps"] = str(rng.randint(50, 300))
    return urlencode(query)


async def soak(url: str, pid: int, sessions: int, duration: float, idle: float,
               seed: int) -> dict:  # fmt: skip
    rng = random.Random(seed)
    stats = Stats()
    samples: list[tuple[float, float]] = []
    began = time.monotonic()
    deadline = began + duration

    async def sample_until(end: float) -> None:
        while time.monotonic() < end:
            samples.append((time.monotonic() - began, process_figures([pid])[0]))
            await asyncio.sleep(SAMPLE_EVERY)

    async def tab_after_tab(index: int) -> int:
        await asyncio.sleep(index * 1.5)
        opened = 0
        while time.monotonic() < deadline - 10:
            session = Session(url, stats, random.Random(rng.random()), query=random_link(rng))
            await session.run(deadline, interval=2.0, timeout=60.0, changes=3)
            opened += 1
        return opened

    sampler = asyncio.create_task(sample_until(deadline + idle))
    opened = sum(await asyncio.gather(*(tab_after_tab(i) for i in range(sessions))))
    await sampler
    return {"samples": samples, "stats": stats, "opened": opened}


def slope(samples: list[tuple[float, float]]) -> float:
    """Least-squares MB per minute."""
    n = len(samples)
    if n < 2:
        return float("nan")
    mean_t = sum(t for t, _ in samples) / n
    mean_m = sum(m for _, m in samples) / n
    cov = sum((t - mean_t) * (m - mean_m) for t, m in samples)
    var = sum((t - mean_t) ** 2 for t, _ in samples)
    return 60.0 * cov / var if var else float("nan")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, default=8, help="tabs open at once")
    parser.add_argument("--duration", type=float, default=360.0, help="seconds of traffic")
    parser.add_argument("--idle", type=float, default=120.0, help="seconds with no session")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    with harness.streamlit_server() as url:
        pid = harness.server_pid(url)
        result = asyncio.run(soak(url, pid, args.sessions, args.duration, args.idle, args.seed))
    samples, stats = result["samples"], result["stats"]
    busy = [s for s in samples if s[0] <= args.duration]
    second_half = [s for s in busy if s[0] >= args.duration / 2]
    print(f"{result['opened']} tabs opened ({args.sessions} at a time), {len(stats.chart)} reruns, "
          f"{len(stats.errors)} errors; rerun to chart p50 {percentile(stats.chart, 50):.2f} s, "
          f"p95 {percentile(stats.chart, 95):.2f} s")  # fmt: skip
    for minute in range(int(args.duration + args.idle) // 60 + 1):
        at = [m for t, m in samples if minute * 60 <= t < (minute + 1) * 60]
        if at:
            phase = "idle" if minute * 60 >= args.duration else "busy"
            print(f"  minute {minute:2d} ({phase}): RSS {max(at):6.0f} MB")
    print(f"growth over the second half of the traffic: {slope(second_half):+.1f} MB/min")
    idle_samples = [m for t, m in samples if t > args.duration]
    if idle_samples and busy:
        print(f"peak {max(m for _, m in busy):.0f} MB, after {args.idle:.0f} s idle "
              f"{idle_samples[-1]:.0f} MB")  # fmt: skip
    for error in sorted(set(stats.errors))[:5]:
        print(f"  error: {error}")
    return 1 if stats.errors else 0


if __name__ == "__main__":
    sys.exit(main())
