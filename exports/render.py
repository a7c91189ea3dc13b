"""Matplotlib renderers for exported files: still figures, filmstrips and animation frames.

They keep the interactive chart's look (`viz`) without a browser (Kaleido would
need Chrome): one Okabe-Ito colour and dash per optimizer (`viz.style.run_colors`,
`optimizer_dash`), the filled contour of `viz.style.contour_grid` with the app's blending,
the same markers, the same divergence / left-the-view marks and labels (the app's
``app.fig.*`` strings through `i18n.t`) and the same font list.

Fonts: NanumGothic, shipped inside the koreanize-matplotlib wheel, is registered with
Matplotlib and placed *after* the Latin font in ``font.family``, so Latin text keeps the
normal font and Matplotlib falls back to NanumGothic glyph by glyph for Hangul.  PDF
embeds the fonts as TrueType (``pdf.fonttype`` 42) and SVG writes glyphs as paths, so a
viewer without the font shows the same letters.

Animations draw everything static (contours, axes, legend, stamp) once, then per frame
restore that background and draw only each run's line and marker (blitting on Agg).

Matplotlib's global state (rcParams, font caches) is not thread-safe and the app renders
in worker threads: every renderer runs inside `style_context()`, which holds one lock.

>>> from experiments import presets
>>> experiment = presets.get("dlfs_ch6").experiment
>>> scene = build_scene(experiment, experiment.run())
>>> [run.label for run in scene.runs], scene.steps
(['SGD', 'Momentum', 'AdaGrad', 'Adam'], 29)
>>> frame_steps(29, 10).tolist()
[0, 3, 6, 10, 13, 16, 19, 23, 26, 29]
>>> filmstrip_steps(29)
[0, 5, 10, 15, 20, 25, 29]
"""

from __future__ import annotations

import importlib.util
import io
import logging
import math
import textwrap
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import matplotlib
import numpy as np
from matplotlib import font_manager
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.layout_engine import ConstrainedLayoutEngine
from matplotlib.lines import Line2D
from matplotlib.text import Text

from experiments import Experiment
from exports.data import run_label
from exports.options import LAYOUTS
from foundation.params import ParameterError
from i18n import t
from optim_core import Trajectory, spec
from viz import contour, layout, style

FIGSIZE = (9.6, 5.4)  # inches, 16:9 like a slide
BASE_DPI = 100  # scale 1 -> 960 x 540 px, scale 2 -> 1920 x 1080
HANGUL_FONT = "NanumGothic"
HANGUL_FAMILIES = {"NanumGothic", "Noto Sans KR", "Noto Sans CJK KR"}
# Regular (400), bold (600) and extra bold (700, what "bold" text asks for).
HANGUL_FONT_FILES = ("NanumGothic.ttf", "NanumGothicBold.ttf", "NanumGothicExtraBold.ttf")
FALLBACK_LATIN_FONT = "DejaVu Sans"  # ships with Matplotlib
STILL_FORMATS = ("png", "svg", "pdf")
MARKERS_UP_TO_STEPS = 100  # draw a dot at every iterate for runs this short
MAX_FILMSTRIP_PANELS = 16
FILMSTRIP_TARGET_PANELS = 8
# Rough sizes in inches, to choose a grid of panels before Matplotlib lays it out.
LEGEND_WIDTH = 1.6  # a legend right of the panels
TITLE_HEIGHT = 0.45
PANEL_MARGIN = (0.5, 0.55)  # tick labels and title of a small panel
STAMP_WRAP = 160  # characters per stamp line
# Run colours too light for text on white (titles of the grid layout use black instead).
LOW_CONTRAST_COLORS = {style.OKABE_ITO["yellow"]}
# The app's contour background (`viz.background.contour_background`) blends the colour map
# with the page and lays faint black lines over it: the same here.
CONTOUR_FILL_ALPHA = style.CONTOUR_FILL_ALPHA[False]  # the app's light theme: same contrast
CONTOUR_LINE_ALPHA = 0.22
# Matplotlib marker for each Plotly symbol name in viz.style.
MATPLOTLIB_MARKER = {"star": "*", "diamond": "D", "circle": "o", "x-thin": "x"}

_LOCK = threading.RLock()


# --- fonts and rcParams ------------------------------------------------------------------


@cache
def register_fonts() -> tuple[str, ...]:
    """Register NanumGothic from the koreanize-matplotlib wheel; returns the files added.

    The package is located, not imported: its import side effect would change global
    rcParams for every figure in the process.
    """
    found = importlib.util.find_spec("koreanize_matplotlib")
    if found is None or not found.submodule_search_locations:
        return ()
    folder = Path(next(iter(found.submodule_search_locations)))
    added = []
    for name in HANGUL_FONT_FILES:
        for path in sorted(folder.rglob(name)):
            font_manager.fontManager.addfont(str(path))
            added.append(str(path))
    return tuple(added)


@cache
def font_family() -> tuple[str, ...]:
    """Matplotlib's family list: the first installed Latin font of `style.FONT_FAMILY`
    (else DejaVu Sans), then NanumGothic for the glyphs it lacks, then DejaVu Sans."""
    register_fonts()
    installed = {entry.name for entry in font_manager.fontManager.ttflist}
    wanted = [name.strip() for name in style.FONT_FAMILY.split(",")]
    latin = next(
        (name for name in wanted if name in installed and name not in HANGUL_FAMILIES),
        FALLBACK_LATIN_FONT,
    )
    family = (latin, HANGUL_FONT, FALLBACK_LATIN_FONT)
    return tuple(name for name in dict.fromkeys(family) if name in installed)


def style_rc() -> dict[str, object]:
    """The rcParams every exported figure is drawn with."""
    return {
        "font.family": list(font_family()),
        "font.size": 11,
        "axes.titlesize": 11,
        "axes.labelsize": 10,
        "legend.fontsize": 10,
        "axes.edgecolor": "#444444",
        "axes.linewidth": 0.8,
        "xtick.labelsize": 9,
        "ytick.labelsize": 9,
        "pdf.fonttype": 42,  # embed TrueType, so Hangul survives in any viewer
        "svg.fonttype": "path",  # glyphs as paths: no font needed to view
        "svg.hashsalt": "optimizer-playground",  # stable ids, reproducible files
        "text.parse_math": False,  # a "$" in a run label is text, not mathtext
        "axes.unicode_minus": True,
        "savefig.facecolor": "white",
        "figure.facecolor": "white",
    }


def matplotlib_lock() -> threading.RLock:
    """The lock every renderer holds: hold it too when drawing with Matplotlib in a worker
    thread."""
    return _LOCK


@contextmanager
def style_context() -> Iterator[None]:
    """Hold the render lock and apply `style_rc()` for the duration."""
    with _LOCK, matplotlib.rc_context(style_rc()):
        yield


# fontTools logs every TrueType table it cannot subset while writing a PDF: noise.
logging.getLogger("fontTools.subset").setLevel(logging.ERROR)


# --- what to draw ------------------------------------------------------------------------


@dataclass(frozen=True)
class RunArt:
    """One run as drawn: label, colour, dash, its path (T+1, 2) and, as in the app's
    chart, the step and point where it diverged or left the view (`event_*`)."""

    label: str
    color: str
    dash: str  # Plotly dash name (viz.style); `linestyle` is Matplotlib's
    path: np.ndarray
    last: int  # the last real iterate: a diverged run is frozen after it
    event_step: int | None = None
    event_xy: tuple[float, float] | None = None
    event_text: str = ""

    @property
    def linestyle(self) -> str:
        return style.MATPLOTLIB_DASH[self.dash]


def _run_art(label: str, color: str, traj: Trajectory, domain) -> RunArt:
    """Like `viz.contour._Animated`: the view exit, else the divergence, is the event."""
    path = np.asarray(traj.path, dtype=float)
    last = layout.last_valid_index(traj)
    exit_ = layout.view_exit(path[: last + 1], domain)
    event_step, event_xy, text = None, None, ""
    if exit_ is not None:
        event_step, event_xy = exit_
    elif traj.diverged_at is not None:
        event_step, event_xy = int(traj.diverged_at), tuple(path[last])
    if traj.diverged_at is not None:
        text = t("app.fig.diverged_at", "diverged at step {step}", step=int(traj.diverged_at))
    elif event_step is not None:
        text = t("app.fig.left_view_at", "left the view at step {step}", step=event_step)
    dash = style.optimizer_dash(traj.optimizer)
    return RunArt(label, color, dash, path, last, event_step, event_xy, text)


@dataclass(frozen=True)
class Scene:
    """Everything the renderers need, computed once from an experiment and its runs."""

    title: str
    grid: style.ContourGrid
    domain: tuple[tuple[float, float], tuple[float, float]]
    equal_aspect: bool
    start: tuple[float, float]
    minima: tuple
    saddles: tuple
    runs: tuple[RunArt, ...]
    steps: int
    layout: str = "overlay"
    stamp: str = ""
    markers: bool = True


def stamp_text(experiment: Experiment, trajectories: Sequence[Trajectory]) -> str:
    """Surface, start, steps, noise, then every run with its hyperparameters."""
    surface = experiment.surface_object()
    x, y = experiment.start_point
    params = ", ".join(f"{k}={v:g}" for k, v in experiment.surface_params.items())
    parts = [
        t(
            "export.stamp.surface",
            surface=t(f"surface.{surface.name}.title", default=surface.title)
            + (f" ({params})" if params else ""),
            x=x,
            y=y,
            steps=experiment.steps,
        )
    ]
    if experiment.noise:
        parts.append(
            t(
                "export.stamp.noise",
                noise=experiment.noise,
                mode=t(f"app.ctl.noise_mode.{experiment.noise_mode}"),
            )
        )
    if experiment.gradient == "numerical":
        parts.append(t("export.stamp.numerical", h=experiment.fd_step))
    for run, traj in zip(experiment.runs, trajectories, strict=True):
        hyper = style.hyper_summary(traj.optimizer, dict(traj.hyper), traj.convention)
        default_convention = spec(traj.optimizer).convention().name
        name = run_label(run)
        if traj.convention != default_convention:
            name += f" [{traj.convention}]"
        if traj.schedule:
            schedule_name = traj.schedule.get("name", "")
            hyper += t(
                "export.stamp.schedule",
                name=t(f"schedule.{schedule_name}.title", default=schedule_name),
            )
        parts.append(t("export.stamp.run", label=name, hyper=hyper or "—"))
    return "\n".join(textwrap.wrap("  ·  ".join(parts), STAMP_WRAP))


def build_scene(
    experiment: Experiment,
    trajectories: Sequence[Trajectory],
    *,
    layout: str = "overlay",
    stamp: bool = False,
) -> Scene:
    """Collect colours, labels, paths and the contour grid of an experiment's runs."""
    if layout not in LAYOUTS:
        raise ParameterError("layout", layout, "one of " + ", ".join(map(repr, LAYOUTS)))
    if len(trajectories) != len(experiment.runs):
        raise ValueError(f"{len(experiment.runs)} runs but {len(trajectories)} trajectories")
    surface = experiment.surface_object()
    optimizers = [traj.optimizer for traj in trajectories]
    colors = style.run_colors(optimizers)
    runs = tuple(
        _run_art(run_label(run), color, traj, surface.domain)
        for run, traj, color in zip(experiment.runs, trajectories, colors, strict=True)
    )
    return Scene(
        title=surface.title,
        grid=style.contour_grid(surface),
        domain=surface.domain,
        equal_aspect=surface.equal_aspect,
        start=tuple(experiment.start_point),
        minima=tuple(surface.minima),
        saddles=tuple(surface.saddles),
        runs=runs,
        steps=experiment.steps,
        layout=layout,
        stamp=stamp_text(experiment, trajectories) if stamp else "",
        markers=experiment.steps <= MARKERS_UP_TO_STEPS,
    )


# --- steps shown -------------------------------------------------------------------------


# Iterations an animation shows: all of them, or `max_frames` spread evenly (the app's rule).
frame_steps = contour.frame_steps


def _nice_ceil(value: float) -> int:
    """The smallest of 1, 2, 5, 10, 20, 50, ... at least `value`."""
    if value <= 1:
        return 1
    power = 10 ** math.floor(math.log10(value))
    for mantissa in (1, 2, 5, 10):
        if mantissa * power >= value:
            return int(mantissa * power)
    return int(10 * power)  # pragma: no cover - the loop always returns


def filmstrip_steps(total_steps: int, stride: int | None = None) -> list[int]:
    """Iterations 0, stride, 2·stride, ... and the last one; `None` picks a round stride
    giving about `FILMSTRIP_TARGET_PANELS` panels."""
    if stride is None:
        stride = _nice_ceil(total_steps / (FILMSTRIP_TARGET_PANELS - 1))
    low = max(1, math.ceil(total_steps / (MAX_FILMSTRIP_PANELS - 1)))
    high = max(total_steps, 1)
    if not isinstance(stride, int) or not low <= stride <= high:
        raise ParameterError(
            "filmstrip stride",
            stride,
            f"an integer in [{low}, {high}] (at most {MAX_FILMSTRIP_PANELS} panels "
            f"for {total_steps} steps)",
        )
    steps = list(range(0, total_steps + 1, stride))
    if steps[-1] != total_steps:
        steps.append(total_steps)
    return steps


# --- drawing -----------------------------------------------------------------------------


def _grid_shape(panels: int, aspect: float, width: float, height: float) -> tuple[int, int]:
    """(rows, columns) giving the largest panels of width/height `aspect` in a
    `width` x `height` inch area, after each panel's title and tick labels."""
    best = (-1.0, 1, panels)
    for cols in range(panels, 0, -1):  # on a tie, fewer rows read better
        rows = math.ceil(panels / cols)
        cell_w = width / cols - PANEL_MARGIN[0]
        cell_h = height / rows - PANEL_MARGIN[1]
        used = min(cell_w, cell_h * aspect) * min(cell_h, cell_w / aspect)
        if used > best[0] * (1 + 1e-6):
            best = (used, rows, cols)
    return best[1], best[2]


def _axes(fig: Figure, panels: int, aspect: float, *, legend_right: bool) -> list[Axes]:
    """A grid of `panels` axes (one more cell if a caller needs one, see filmstrip)."""
    width = FIGSIZE[0] - (LEGEND_WIDTH if legend_right else 0)
    rows, cols = _grid_shape(panels, aspect, width, FIGSIZE[1] - TITLE_HEIGHT)
    return [fig.add_subplot(rows, cols, i + 1) for i in range(panels)]


def _panel_aspect(scene: Scene) -> float:
    (x0, x1), (y0, y1) = scene.domain
    return (x1 - x0) / (y1 - y0) if scene.equal_aspect else 1.4


def _draw_background(ax: Axes, scene: Scene, *, compact: bool = False) -> None:
    """Contours, stationary points and start of one panel, drawn like the app's chart
    (`viz.background.contour_background` and its markers)."""
    grid = scene.grid
    ax.contourf(
        grid.x, grid.y, grid.z, levels=grid.levels, cmap=style.CONTOUR_CMAP, extend="both",
        alpha=CONTOUR_FILL_ALPHA, zorder=0,
    )  # fmt: skip
    ax.contour(
        grid.x, grid.y, grid.z, levels=grid.levels, colors="black", linewidths=0.5,
        alpha=CONTOUR_LINE_ALPHA, zorder=1,
    )  # fmt: skip
    if scene.minima:
        ax.plot(
            [m.xy[0] for m in scene.minima], [m.xy[1] for m in scene.minima],
            marker=MATPLOTLIB_MARKER[style.MINIMUM_SYMBOL], markersize=12, linestyle="none",
            markerfacecolor="white", markeredgecolor="black", markeredgewidth=1.1, zorder=4,
        )  # fmt: skip
    if scene.saddles:
        ax.plot(
            [p.xy[0] for p in scene.saddles], [p.xy[1] for p in scene.saddles],
            marker=MATPLOTLIB_MARKER[style.SADDLE_SYMBOL], markersize=9, linestyle="none",
            color="black", markeredgewidth=2, zorder=4,
        )  # fmt: skip
    ax.plot(
        *scene.start, marker=MATPLOTLIB_MARKER[style.START_SYMBOL], markersize=8,
        markerfacecolor="white", markeredgecolor="black", markeredgewidth=1.5, linestyle="none",
        zorder=5,
    )  # fmt: skip
    (x0, x1), (y0, y1) = scene.domain
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    if scene.equal_aspect:
        ax.set_aspect("equal", adjustable="box")
    if compact:
        ax.tick_params(labelsize=7, length=2, pad=1)
        ax.locator_params(nbins=4)


@dataclass
class _RunArtists:
    run: RunArt
    line: Line2D
    head: Line2D
    event: Line2D
    note: Text

    def show(self, step: int) -> None:
        """Draw the run up to iterate `step`, with its event once it has happened."""
        run = self.run
        path = run.path[: min(step, run.last) + 1]
        self.line.set_data(path[:, 0], path[:, 1])
        self.head.set_data(path[-1:, 0], path[-1:, 1])
        happened = run.event_step is not None and step >= run.event_step
        self.event.set_visible(happened)
        self.note.set_visible(happened)

    def artists(self) -> tuple[Artist, ...]:
        return self.line, self.head, self.event, self.note


def _add_run(ax: Axes, run: RunArt, scene: Scene, *, animated: bool) -> _RunArtists:
    (line,) = ax.plot(
        [], [], color=run.color, linestyle=run.linestyle, linewidth=1.8,
        marker="o" if scene.markers else None, markersize=3, zorder=3, animated=animated,
    )  # fmt: skip
    (head,) = ax.plot(
        [], [], marker="o", markersize=8, markerfacecolor=run.color, markeredgecolor="white",
        markeredgewidth=1.2, linestyle="none", zorder=6, animated=animated,
    )  # fmt: skip
    x, y = run.event_xy if run.event_xy is not None else (np.nan, np.nan)
    (event,) = ax.plot(
        [x], [y], marker=MATPLOTLIB_MARKER[style.DIVERGED_SYMBOL], markersize=13,
        markeredgewidth=3, color=run.color, linestyle="none", zorder=7, animated=animated,
        visible=False, clip_on=False,
    )  # fmt: skip
    # The note sits on the view's side of the marker, so it stays inside the axes.
    (x0, x1), (y0, y1) = scene.domain
    below = np.isfinite(y) and y > (y0 + y1) / 2
    note = ax.annotate(
        run.event_text, (x, y), xytext=(0, -12 if below else 12), textcoords="offset points",
        ha="left" if np.isfinite(x) and x < (x0 + x1) / 2 else "right",
        va="top" if below else "bottom", color=run.color, fontsize=9, zorder=8,
        bbox={"boxstyle": "round,pad=0.2", "facecolor": "white", "edgecolor": "none",
              "alpha": 0.8},
        animated=animated, visible=False, annotation_clip=False,
    )  # fmt: skip
    return _RunArtists(run, line, head, event, note)


def _legend_handles(scene: Scene) -> list[Line2D]:
    return [
        Line2D([], [], color=run.color, linestyle=run.linestyle, linewidth=2.2, label=run.label)
        for run in scene.runs
    ]


def _new_figure(scene: Scene, scale: float, *, compress: bool) -> Figure:
    stamp_height = 0.0
    if scene.stamp:
        lines = scene.stamp.count("\n") + 1
        stamp_height = (lines * 9.5 + 8) / 72 / FIGSIZE[1]  # 7.5 pt text, ~1.27 spacing
    engine = ConstrainedLayoutEngine(compress=compress, rect=(0, stamp_height, 1, 1 - stamp_height))
    fig = Figure(figsize=FIGSIZE, dpi=BASE_DPI * scale, layout=engine)
    FigureCanvasAgg(fig)
    if scene.stamp:
        fig.text(0.01, 0.01, scene.stamp, fontsize=7.5, color="#333333", va="bottom")
    fig.suptitle(scene.title, fontweight="bold")
    return fig


def _scene_figure(scene: Scene, scale: float, *, animated: bool) -> tuple[Figure, list]:
    """The main figure (overlay or grid of runs) with run artists not yet positioned."""
    fig = _new_figure(scene, scale, compress=scene.equal_aspect)
    run_artists = []
    if scene.layout == "grid":
        for ax, run in zip(
            _axes(fig, len(scene.runs), _panel_aspect(scene), legend_right=False),
            scene.runs,
            strict=True,
        ):
            _draw_background(ax, scene, compact=len(scene.runs) > 2)
            title_color = "black" if run.color in LOW_CONTRAST_COLORS else run.color
            ax.set_title(run.label, color=title_color)
            run_artists.append(_add_run(ax, run, scene, animated=animated))
    else:
        (ax,) = _axes(fig, 1, _panel_aspect(scene), legend_right=True)
        _draw_background(ax, scene)
        run_artists = [_add_run(ax, run, scene, animated=animated) for run in scene.runs]
        fig.legend(handles=_legend_handles(scene), loc="outside right upper", frameon=False)
    return fig, run_artists


def figure(scene: Scene, scale: float = 2.0, step: int | None = None) -> Figure:
    """The scene at iterate `step` (default: the end of every run)."""
    fig, run_artists = _scene_figure(scene, scale, animated=False)
    for artists in run_artists:
        artists.show(scene.steps if step is None else step)
    return fig


def filmstrip_figure(scene: Scene, steps: Sequence[int], scale: float = 2.0) -> Figure:
    """Small multiples: every run overlaid, one panel per iterate in `steps`."""
    fig = _new_figure(scene, scale, compress=True)
    # The legend takes the cell after the last panel.
    *panels, legend_cell = _axes(fig, len(steps) + 1, _panel_aspect(scene), legend_right=False)
    for ax, step in zip(panels, steps, strict=True):
        _draw_background(ax, scene, compact=True)
        ax.set_title(f"{t('app.fig.step', 'step')} {step}", fontsize=9)
        for run in scene.runs:
            _add_run(ax, run, scene, animated=False).show(step)
    legend_cell.axis("off")
    legend_cell.legend(handles=_legend_handles(scene), loc="center", frameon=False)
    return fig


def save(fig: Figure, fmt: str, *, title: str = "") -> bytes:
    """`fig` as PNG, SVG or PDF bytes (fonts embedded or outlined, see module doc)."""
    if fmt not in STILL_FORMATS:
        raise ParameterError("format", fmt, "one of " + ", ".join(STILL_FORMATS))
    metadata = {
        "png": {"Software": "Optimizer Playground", "Title": title},
        "svg": {"Title": title, "Date": None},  # no date: the same input, the same file
        "pdf": {"Title": title, "Creator": "Optimizer Playground", "CreationDate": None},
    }[fmt]
    buffer = io.BytesIO()
    fig.savefig(buffer, format=fmt, dpi=fig.dpi, metadata=metadata)
    return buffer.getvalue()


def render_still(scene: Scene, fmt: str, scale: float = 2.0) -> bytes:
    """The scene's final state as PNG, SVG or PDF bytes."""
    with style_context():
        return save(figure(scene, scale), fmt, title=scene.title)


def render_filmstrip(
    scene: Scene, fmt: str, scale: float = 2.0, stride: int | None = None
) -> bytes:
    """A filmstrip of the scene as PNG, SVG or PDF bytes."""
    steps = filmstrip_steps(scene.steps, stride)
    with style_context():
        return save(filmstrip_figure(scene, steps, scale), fmt, title=scene.title)


def animation_frames(
    scene: Scene, steps: Sequence[int], scale: float = 1.0
) -> Iterator[np.ndarray]:
    """One RGB frame (H, W, 3) uint8 per iterate in `steps`.

    The static part is drawn once; each frame restores it and draws only the run artists
    and the iteration counter.  The render lock is held while the generator is open:
    consume it promptly, or close it.
    """
    with style_context():
        fig, run_artists = _scene_figure(scene, scale, animated=True)
        counter = fig.text(
            0.005, 0.995, "", ha="left", va="top", fontsize=10, color="#333333", animated=True
        )
        canvas = fig.canvas
        canvas.draw()
        fig.set_layout_engine("none")  # freeze the layout: the background must not move
        background = canvas.copy_from_bbox(fig.bbox)
        for step in steps:
            canvas.restore_region(background)
            for artists in run_artists:
                artists.show(int(step))
                for artist in artists.artists():
                    artist.axes.draw_artist(artist)
            counter.set_text(
                t("export.figure.counter", step_label=t("app.fig.step", "step"), step=int(step),
                  total=scene.steps)
            )  # fmt: skip
            fig.draw_artist(counter)
            yield np.asarray(canvas.buffer_rgba())[..., :3].copy()
