"""Browser speed goals for the app, measured in headless Chromium on this machine.

    python benchmarks/browser_benchmark.py

1. Compare (4 optimizers x 300 steps): median time from a committed change (a key press
   on the sidebar's noise slider, a server rerun) to the live chart's canvas painted with
   the new data, against a floor page that draws one 150x150 Plotly contour
   (`benchmarks/floor_app.py`) measured in the same run.  Goal: within 1.5x of the floor.
2. Bytes the server sends per rerun on that page.  Goal: under 1 MB.
3. Time from navigation to the first chart painted on every page (the live chart's canvas
   on Explore and Compare, the first Plotly chart elsewhere), and its ratio to the floor
   page's first chart.  Goal: within 3 s.

The app is started as the README starts it (`python -m optim_core.warmup` first).
Drags inside the live chart (no server round trip) are timed by `live_benchmark.py`.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.browser import harness  # noqa: E402

CHANGES = 15
COMPARE = "Compare?steps=300"
PAGES = ["", "Explore", "Compare", "Schedules"]
# The live chart's object, inside the component's shadow root (`.lc`), or undefined.
LIVE_JS = """(() => {
  for (const e of document.querySelectorAll('[data-testid="stMain"] *')) {
    const root = e.shadowRoot && e.shadowRoot.querySelector('.lc');
    if (root) return root.liveChart;
  }
})()"""
# The live chart's drawn data (an object that a rerun replaces), else the first Plotly
# chart's data as text (the floor page's small contour): what changes when a rerun's new
# figure is on screen.
SHOWN_JS = f"""(() => {{
  const live = {LIVE_JS};
  if (live) return live.drawnData;
  const plot = document.querySelector('[data-testid="stMain"] .js-plotly-plot');
  return plot && plot.data && JSON.stringify(plot.data.map(t => [t.x, t.y, t.z]));
}})()"""

# Armed before each key press: the page records when the key went down and when the
# chart shows new data, painted (a task queued from the frame that drew it runs once that
# frame is on screen), both on the page's own clock.  The check runs once per animation
# frame and compares object identity only, so it adds no work of its own.
ARM_JS = f"""() => {{
  const shown = () => {SHOWN_JS};
  const old = shown();
  window.__pressed = null; window.__redrawn = null;
  window.addEventListener('keydown', () => {{ window.__pressed = performance.now(); }},
                          {{capture: true, once: true}});
  const check = () => {{
    const now = shown();
    if (now && now !== old) {{
      const channel = new MessageChannel();
      channel.port1.onmessage = () => {{ window.__redrawn = performance.now(); }};
      channel.port2.postMessage(null);
      return;
    }}
    requestAnimationFrame(check);
  }};
  requestAnimationFrame(check);
}}"""


class Traffic:
    """Bytes received over the app's websocket."""

    def __init__(self, page) -> None:
        self.bytes = 0
        page.on("websocket", lambda ws: ws.on("framereceived", self._count))

    def _count(self, payload) -> None:
        self.bytes += len(payload)


# Notes, on the page's own clock, when the first chart is painted (Playwright's selector
# polling slows to every 500 ms after a few checks, which would round the figure up).
FIRST_CHART_JS = f"""(() => {{
  const check = () => {{
    if ({SHOWN_JS}) {{
      const channel = new MessageChannel();
      channel.port1.onmessage = () => {{ window.__firstChart = performance.now(); }};
      channel.port2.postMessage(null);
      return;
    }}
    requestAnimationFrame(check);
  }};
  requestAnimationFrame(check);
}})();"""


def first_chart_seconds(page, url: str) -> float:
    """Seconds from the start of navigation (the page's time origin) to its first chart."""
    page.add_init_script(FIRST_CHART_JS)
    page.goto(url)
    page.wait_for_function("() => window.__firstChart !== undefined", timeout=60_000)
    return page.evaluate("window.__firstChart / 1000")


def slider_redraws(page, url: str, slider_label: str) -> tuple[list[float], list[int]]:
    """Seconds from each slider key press to the redrawn chart, and bytes per rerun."""
    traffic = Traffic(page)
    first_chart_seconds(page, url)
    page.wait_for_load_state("networkidle")
    slider = page.locator(f'input[type="range"][aria-label^="{slider_label}"]').first
    times, sizes = [], []
    for _ in range(CHANGES):
        page.wait_for_timeout(300)
        received = traffic.bytes
        slider.focus()
        page.evaluate(ARM_JS)
        page.keyboard.press("ArrowRight")  # always a new value: nothing is served from cache
        page.wait_for_function("() => window.__redrawn !== null", timeout=60_000)
        times.append(page.evaluate("(window.__redrawn - window.__pressed) / 1000"))
        page.wait_for_load_state("networkidle")
        sizes.append(traffic.bytes - received)
    return times, sizes


def main() -> None:
    # As the README's start command does: the compiled engine and the surfaces' generated
    # code are on disk before the server starts (a no-op when they already are).
    subprocess.run([sys.executable, "-m", "optim_core.warmup"], cwd=ROOT, check=True)
    with harness.chromium() as browser:
        with harness.streamlit_server(str(ROOT / "benchmarks" / "floor_app.py")) as floor_url:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            floor_times, floor_bytes = slider_redraws(page, floor_url, "scale")
            page.close()
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            floor_first = first_chart_seconds(page, floor_url)  # a warm server, as `warm`
            page.close()
        with harness.streamlit_server() as app_url:
            cold = {}
            for name in PAGES:  # the first request of each page after the server started
                page = browser.new_page(viewport={"width": 1400, "height": 1000})
                cold[name or "Home"] = first_chart_seconds(page, f"{app_url}/{name}")
                page.close()
            warm = {}
            for name in PAGES:
                page = browser.new_page(viewport={"width": 1400, "height": 1000})
                warm[name or "Home"] = first_chart_seconds(page, f"{app_url}/{name}")
                page.close()
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            app_times, app_bytes = slider_redraws(page, f"{app_url}/{COMPARE}", "gradient noise")
            page.close()

    floor_median, app_median = statistics.median(floor_times), statistics.median(app_times)
    print(f"committed slider change -> live chart painted, median of {CHANGES}: Compare 4x300 "
          f"{app_median * 1e3:.0f} ms, floor (one 150x150 contour) {floor_median * 1e3:.0f} ms, "
          f"ratio {app_median / floor_median:.2f} (goal <= 1.5); spread Compare "
          f"{min(app_times) * 1e3:.0f}-{max(app_times) * 1e3:.0f} ms, floor "
          f"{min(floor_times) * 1e3:.0f}-{max(floor_times) * 1e3:.0f} ms")  # fmt: skip
    print(f"bytes per rerun on Compare: median {statistics.median(app_bytes) / 1e3:.0f} kB, "
          f"max {max(app_bytes) / 1e3:.0f} kB (goal < 1000 kB); floor "
          f"{statistics.median(floor_bytes) / 1e3:.0f} kB")  # fmt: skip
    for name in cold:
        print(f"first chart painted on {name}: {cold[name]:.2f} s as the first request after the "
              f"server started, {warm[name]:.2f} s afterwards, ratio {warm[name] / floor_first:.2f} "
              f"to the floor page's {floor_first:.2f} s (goal <= 3 s)")  # fmt: skip


if __name__ == "__main__":
    main()
