"""The export panel: pick a format and options, render, download.

Rendering runs in a small module-level thread pool, so a long GIF or MP4 never blocks
this session's script or anyone else's.  The session keeps the job (a Future plus a frame
counter) in `st.session_state`; a fragment polls it every `POLL_SECONDS` and shows a
progress bar, then reruns the app once so the download button appears.  Finished files
are kept in a small bounded cache keyed by (settings JSON, format, options that format
reads), shared by all sessions: the second lecturer who asks for the same GIF gets it at
once, and two identical requests in flight share one render.

    from app_ui.export_panel import render_export_panel
    render_export_panel(experiment, trajectories, key="compare")
"""

from __future__ import annotations

import contextvars
import threading
from collections import OrderedDict
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

import streamlit as st

import exports
import i18n
from app_ui import text as user_text
from experiments import Experiment
from exports import options as opts
from exports import render
from i18n import t
from optim_core import ParameterError, Trajectory

RENDER_WORKERS = 2  # one per core: Matplotlib renders one figure at a time anyway
POLL_SECONDS = 0.5
CACHE_ENTRIES = 24
CACHE_BYTES = 256 * 2**20
SCALES = (1.0, 1.5, 2.0, 3.0, 4.0)
ANIMATION_SECONDS = (1, 60)
DEFAULT_SECONDS = 10
MAX_HOLD_SECONDS = 5.0

_EXECUTOR = ThreadPoolExecutor(max_workers=RENDER_WORKERS, thread_name_prefix="export")
_LOCK = threading.Lock()

CacheKey = tuple[str, str, opts.ExportOptions, str, str]  # ..., stem, language


class _ResultCache:
    """Least-recently-used finished exports, bounded in entries and in total bytes."""

    def __init__(self, max_entries: int, max_bytes: int) -> None:
        self.max_entries, self.max_bytes = max_entries, max_bytes
        self._items: OrderedDict[CacheKey, exports.ExportResult] = OrderedDict()

    def get(self, key: CacheKey) -> exports.ExportResult | None:
        with _LOCK:
            result = self._items.get(key)
            if result is not None:
                self._items.move_to_end(key)
            return result

    def put(self, key: CacheKey, result: exports.ExportResult) -> None:
        with _LOCK:
            self._items[key] = result
            self._items.move_to_end(key)
            while len(self._items) > self.max_entries or (
                len(self._items) > 1
                and sum(len(r.data) for r in self._items.values()) > self.max_bytes
            ):
                self._items.popitem(last=False)


_CACHE = _ResultCache(CACHE_ENTRIES, CACHE_BYTES)


@dataclass
class ExportJob:
    """A render in progress or done; `done`/`total` count animation frames."""

    key: CacheKey
    future: Future = field(default_factory=Future)
    done: int = 0
    total: int = 1

    def report(self, done: int, total: int) -> None:
        self.done, self.total = done, max(total, 1)

    @property
    def fraction(self) -> float:
        return min(self.done / self.total, 1.0)


_IN_FLIGHT: dict[CacheKey, ExportJob] = {}


def _finished(key: CacheKey, result: exports.ExportResult) -> ExportJob:
    job = ExportJob(key, done=1, total=1)
    job.future.set_result(result)
    return job


def submit(
    experiment: Experiment,
    trajectories: Sequence[Trajectory],
    fmt: str,
    options: opts.ExportOptions,
    stem: str,
) -> ExportJob:
    """A job for this export: finished if cached, shared if already rendering."""
    key = cache_key(experiment, fmt, options, stem)
    cached = _CACHE.get(key)
    if cached is not None:
        return _finished(key, cached)
    with _LOCK:
        running = _IN_FLIGHT.get(key)
        if running is not None:
            return running
        job = ExportJob(key)
        _IN_FLIGHT[key] = job

    def work() -> exports.ExportResult:
        try:
            result = exports.export(
                experiment, fmt, options, trajectories=trajectories, stem=stem,
                progress=job.report,
            )  # fmt: skip
            _CACHE.put(key, result)
            return result
        finally:
            with _LOCK:
                _IN_FLIGHT.pop(key, None)

    # The worker renders in this session's language (`i18n` keeps it in a ContextVar).
    job.future = _EXECUTOR.submit(contextvars.copy_context().run, work)
    return job


def cache_key(experiment: Experiment, fmt: str, options: opts.ExportOptions, stem: str) -> CacheKey:
    return (
        experiment.to_json(),
        fmt,
        options.validated().relevant_to(fmt),
        stem,
        i18n.get_language(),
    )


def cached_result(
    experiment: Experiment, fmt: str, options: opts.ExportOptions, stem: str
) -> exports.ExportResult | None:
    return _CACHE.get(cache_key(experiment, fmt, options, stem))


# --- widgets -----------------------------------------------------------------------------


def _scale_label(scale: float) -> str:
    width, height = (round(side * render.BASE_DPI * scale) for side in render.FIGSIZE)
    return t("export.panel.scale_option", scale=f"{scale:g}", width=width, height=height)


def _options(experiment: Experiment, fmt: str, key: str, default_layout: str) -> opts.ExportOptions:
    """The option widgets `fmt` needs; returns the chosen options."""
    kind = opts.get_format(fmt).kind
    values: dict = {}
    if kind in ("image", "filmstrip", "animation") and not fmt.endswith(("svg", "pdf")):
        default = opts.ExportOptions().scale_for(fmt)
        values["scale"] = st.select_slider(
            t("export.panel.scale"), SCALES, value=default, format_func=_scale_label,
            key=f"{key}-scale-{fmt}",
        )  # fmt: skip
    if kind in ("image", "animation", "page"):
        values["layout"] = st.radio(
            t("export.panel.layout"), opts.LAYOUT.choices, horizontal=True,
            index=opts.LAYOUT.choices.index(default_layout),
            format_func=lambda name: t(f"export.panel.layout_{name}"), key=f"{key}-layout",
        )  # fmt: skip
    iterations = experiment.steps + 1
    if kind == "animation":
        left, right = st.columns(2)
        values["fps"] = left.slider(
            t("export.panel.fps"), 1, opts.MAX_FPS, opts.FPS.default, key=f"{key}-fps"
        )
        # Fixed bounds: a slider whose range moved with the frame rate could collapse.
        seconds = right.slider(
            t("export.panel.seconds"), *ANIMATION_SECONDS, DEFAULT_SECONDS, key=f"{key}-seconds",
            help=t("export.panel.seconds_help"),
        )  # fmt: skip
        # The hold is part of the length; at most half of it, so the run itself still plays.
        longest_hold = min(MAX_HOLD_SECONDS, seconds / 2)
        values["end_pause"] = st.slider(
            t("export.panel.end_pause"), 0.0, longest_hold, min(opts.END_PAUSE.default, longest_hold),
            0.5, key=f"{key}-end-pause-{longest_hold:g}",  # a new range, a new widget
        )  # fmt: skip
        values["duration"] = float(seconds)
        values["max_frames"] = opts.MAX_FRAMES
        chosen = opts.ExportOptions(**values)
        frames = len(render.frame_steps(experiment.steps, chosen.frame_limit()))
        st.caption(
            t("export.panel.frames", frames=frames, iterations=iterations,
              frame_seconds=f"{(seconds - values['end_pause']) / frames:.2g}", seconds=seconds)
        )  # fmt: skip
    if kind == "page":
        values["max_frames"] = st.slider(
            t("export.panel.max_frames"), 2, opts.MAX_FRAMES, opts.FRAMES.default,
            key=f"{key}-max-frames",
        )  # fmt: skip
        frames = len(render.frame_steps(experiment.steps, values["max_frames"]))
        st.caption(t("export.panel.page_frames", frames=frames, iterations=iterations))
    if kind == "filmstrip":
        automatic = render.filmstrip_steps(experiment.steps)
        stride = automatic[1] - automatic[0] if len(automatic) > 1 else 1
        lowest = max(1, -(-experiment.steps // (render.MAX_FILMSTRIP_PANELS - 1)))
        values["filmstrip_stride"] = int(
            st.number_input(
                t("export.panel.stride"), min_value=lowest, max_value=max(experiment.steps, 1),
                # The range depends on the run length: a new length, a new widget.
                value=max(stride, lowest), step=1, key=f"{key}-stride-{experiment.steps}",
            )
        )  # fmt: skip
    if kind != "data":
        values["stamp"] = st.checkbox(t("export.panel.stamp"), key=f"{key}-stamp")
    return opts.ExportOptions(**values)


@st.fragment(run_every=POLL_SECONDS)
def _poll(job_key: str) -> None:
    """Progress of the session's running export; one app rerun when it has finished."""
    job: ExportJob | None = st.session_state.get(job_key)
    if job is None:
        return
    if job.future.done():
        st.rerun()
    st.progress(job.fraction, text=t("export.panel.rendering", done=job.done, total=job.total))


def _download(result: exports.ExportResult, key: str) -> None:
    size = len(result.data)
    megabytes = f"{size / 2**20:.1f} MB" if size >= 2**20 else f"{size / 2**10:.0f} kB"
    st.download_button(
        t("export.panel.download", filename=result.filename, size=megabytes),
        data=result.data, file_name=result.filename, mime=result.mime, on_click="ignore",
        type="primary", icon=":material/download:", key=f"{key}-download",
    )  # fmt: skip


@st.fragment
def _panel(
    experiment: Experiment,
    trajectories: Sequence[Trajectory],
    key: str,
    stem: str,
    default_layout: str,
) -> None:
    fmt = st.selectbox(
        t("export.panel.format"), list(opts.FORMATS), format_func=lambda n: t(f"export.format.{n}"),
        key=f"{key}-format",
    )  # fmt: skip
    try:
        options = _options(experiment, fmt, key, default_layout).validated()
    except ParameterError as error:
        st.error(user_text.message(i18n.error_text(error)))
        return
    job_key = f"{key}-export-job"
    wanted = cache_key(experiment, fmt, options, stem)
    job: ExportJob | None = st.session_state.get(job_key)
    if job is not None and job.key != wanted:
        job = None  # the options changed since: that file is not what is asked for now
    cached = _CACHE.get(wanted)
    if job is None and cached is not None:
        job = _finished(wanted, cached)
    if st.button(
        t("export.panel.render"), key=f"{key}-render", icon=":material/movie:",
        disabled=job is not None and not job.future.done(),
    ):  # fmt: skip
        job = submit(experiment, trajectories, fmt, options, stem)
        st.session_state[job_key] = job
    if job is None:
        return
    if not job.future.done():
        st.session_state[job_key] = job
        _poll(job_key)
        return
    error = job.future.exception()
    if error is not None:
        st.error(t("export.panel.failed", error=user_text.message(error)))
        return
    _download(job.future.result(), key)
    if fmt == "settings":
        st.caption(t("export.panel.settings_hint"))


def render_export_panel(
    experiment: Experiment,
    trajectories: Sequence[Trajectory],
    *,
    key: str,
    stem: str | None = None,
    default_layout: str = "overlay",
) -> None:
    """Format choice, options, a render button and the download (Streamlit).

    `trajectories` are `experiment.run()` (the page has them already); `key` keeps two
    panels on one page apart; `stem` names the files (default: the surface name);
    `default_layout` is "overlay" or "grid" (a preset's own layout).
    """
    _panel(
        experiment,
        trajectories,
        key,
        stem or f"optimizer-playground-{experiment.surface}",
        default_layout,
    )
