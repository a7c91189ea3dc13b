"""Plotly figure builders: pure functions of trajectories and settings.

No Streamlit here: every builder takes arrays (`optim_core.Trajectory` objects, a
`surfaces.Surface`) and returns a `plotly.graph_objects.Figure`, so a notebook can call
them directly and the tests check them without a browser.

Animation is client-side (``layout.updatemenus`` + ``layout.sliders`` + ``frames``) and
built to stay small and to keep the surface visible while it plays:

- the filled contour is a static background image in data coordinates (rendered with
  Matplotlib from `viz.style.contour_grid`, like the exports), not a ``go.Contour``
  trace: in the plotly.js that Streamlit 1.67 ships, a contour trace vanishes as soon as
  a ``redraw=False`` frame plays, even when the frames name only other traces in
  ``frame.traces`` and even with ``redraw=True`` (plotly.py #2151; checked in Chromium);
- the full path of every run is a static, faint trace drawn once;
- frames update only a moving head, a short trail, the divergence marker and the arrows,
  and name those traces in ``frame.traces``;
- at most `MAX_FRAMES` frames (long runs are subsampled) and coordinates are rounded, so
  the payload grows with the number of frames, not with the square of the path length.

>>> import optim_core, surfaces
>>> surface = surfaces.get("bowl")
>>> runs = [optim_core.run("sgd", surface, steps=30, lr=0.95)]
>>> fig = contour_figure(surface, runs)
>>> len(fig.frames) <= MAX_FRAMES + 2, fig.layout.images[0].layer
(True, 'below')
"""

from __future__ import annotations

import base64
import functools
import io
import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio
from _plotly_utils.utils import to_typed_array_spec
from plotly.subplots import make_subplots

from i18n import t
from viz import style

MAX_FRAMES = 120
FRAME_MS = 80  # one frame at 1x speed
SPEEDS = (0.5, 1.0, 2.0, 4.0)
# A "step" button shows the next frame, then waits this long (about eleven days) before
# the one after: one frame per press (see _animation_controls).
HOLD_MS = 10**9
EDGE_FRAMES = ("edge-start", "edge-end")  # copies of the first and last frame, see _add_frames
MAIN_GROUP = "main"  # the frame group Play runs through
TRAIL_STEPS = 12  # the trail shows at least this many recent steps
MAX_TRAIL_POINTS = 30
MAX_PATH_POINTS = 4000  # longer static paths are subsampled for the browser
CONTROLS_TOP = 30  # pixels between the x axis and the play buttons (below the tick labels)
MAX_SLIDER_LABELS = 40  # more frames than this: the slider's tick labels are hidden
ANIMATION_MARGIN = 155  # bottom margin that holds the buttons and the slider (at FONT_SIZE)
LEGEND_PACKING_WIDTH = 520  # px: legend rows are counted as if the plot were this wide
MAX_PATH_MARKERS = 150  # a longer path shows every k-th iterate's dot (zoom in to see all)
SIGNIFICANT_DIGITS = 4  # coordinates are rounded to this many digits of the view's size
SURFACE_3D_RESOLUTION = 60
CLICK_GRID_POINTS = 21  # invisible, clickable points per axis (to pick a start): each
# costs SVG work on every redraw (41 per axis added ~100 ms); the numbers fields are exact
FONT_SIZE = 13
PRESENTER_FONT_SIZE = 20

ARROW_COLORS = {"gradient": "#CC79A7", "momentum": "#56B4E9", "update": "#000000"}
# State slots that carry a momentum-like direction, in order of preference.
_MOMENTUM_SLOTS = ("velocity", "m_bar", "m_hat")

Trajectory = Any  # optim_core.Trajectory or anything with the same attributes


# --- small helpers -----------------------------------------------------------------------


def _ink(color: str, dark: bool) -> str:
    """Black lines vanish on a dark page: draw them white there (same role, inverted)."""
    return "#FFFFFF" if dark and color.upper() == "#000000" else color


def coordinate_decimals(domain) -> int:
    """Decimals that keep `SIGNIFICANT_DIGITS` digits of the view's size."""
    (x0, x1), (y0, y1) = domain
    span = max(x1 - x0, y1 - y0, 1e-12)
    return max(0, SIGNIFICANT_DIGITS - 1 - math.floor(math.log10(span)))


def _round(values: np.ndarray, decimals: int) -> list:
    """Rounded plain floats: short JSON numbers instead of 8-byte binary floats."""
    arr = np.round(np.asarray(values, dtype=float), decimals)
    return arr.tolist()


# --- figures built as plain dicts ----------------------------------------------------------
#
# The figures a page redraws on every change (contour, small multiples, curves) are built
# as the JSON-shaped dict plotly.js reads and wrapped in a `SpecFigure`.  Building
# plotly.py's validated objects for them (a slider of 120 steps, a few hundred frame
# traces, the template) took about 60 ms of every Compare rerun; the dict takes a few.


class SpecFigure(go.Figure):
    """A `go.Figure` that keeps the dict it was built from until plotly.py objects are needed.

    `to_dict()` (all that `st.plotly_chart`, `plotly.io.to_json` and `write_html` call)
    returns a copy of the dict.  Anything else (`.data`, `update_layout`, `show`, `repr`…)
    first validates the dict, once, and the object becomes an ordinary `go.Figure`, so a
    notebook or a test gets the whole plotly.py API and any invalid property still raises.
    """

    def __init__(self, spec: dict) -> None:  # go.Figure.__init__ runs on first use
        object.__setattr__(self, "_spec", spec)

    def __getattribute__(self, name: str):
        if name in _SPEC_FIGURE_OWN:
            return object.__getattribute__(self, name)
        spec = object.__getattribute__(self, "_spec")
        object.__setattr__(self, "__class__", go.Figure)
        object.__delattr__(self, "_spec")
        go.Figure.__init__(self, spec)
        return object.__getattribute__(self, name)

    def to_dict(self) -> dict:
        return _json_copy(object.__getattribute__(self, "_spec"))

    def to_plotly_json(self) -> dict:
        return self.to_dict()


_SPEC_FIGURE_OWN = frozenset({"_spec", "to_dict", "to_plotly_json", "__class__"})


def _json_copy(value):
    """A fresh copy of a figure dict as `go.Figure.to_dict` gives it: dicts and lists are
    copied, NumPy arrays become plotly.js typed-array specs (base64), other leaves are
    shared (numbers and strings are immutable)."""
    if isinstance(value, dict):
        return {key: _json_copy(item) for key, item in value.items()}
    if isinstance(value, list):
        if value and isinstance(value[0], dict | list | np.ndarray):
            return [_json_copy(item) for item in value]
        return list(value)
    if isinstance(value, np.ndarray):
        return to_typed_array_spec(value)
    return value


@functools.lru_cache(maxsize=2)
def _template_spec(dark: bool) -> dict:
    """plotly.py's plotly_white / plotly_dark template as a dict: its layout, and the trace
    defaults of scatter traces (the other trace types here set their colours themselves)."""
    full = pio.templates["plotly_dark" if dark else "plotly_white"].to_plotly_json()
    return dict(data={"scatter": full["data"]["scatter"]}, layout=full["layout"])


def _layout(dark: bool, font_size: int | None, **props) -> dict:
    """The layout every figure here starts from: template, font, transparent background.

    A chart whose points can be selected should set ``clickmode``, ``hovermode`` and
    ``dragmode`` itself: `st.plotly_chart` fills in any that is missing after the first
    draw, and that change redraws the whole figure a second time.
    """
    return dict(
        template=_json_copy(_template_spec(dark)),
        font=dict(family=style.FONT_FAMILY, size=font_size or FONT_SIZE),
        paper_bgcolor="rgba(0,0,0,0)",
        plot_bgcolor="rgba(0,0,0,0)",
        **props,
    )


def _scatter(**props) -> dict:
    """A scatter trace; properties set to None are left out (plotly's default applies)."""
    return {"type": "scatter", **{key: value for key, value in props.items() if value is not None}}


@functools.lru_cache(maxsize=64)
def _subplot_layout(rows: int, cols: int, titles: tuple[str, ...], **spacing) -> dict:
    """The axes and title annotations of a `make_subplots` grid (plotly.py computes the
    domains), as a layout dict."""
    return make_subplots(rows=rows, cols=cols, subplot_titles=titles, **spacing).to_dict()["layout"]


def _subplot_axes(row: int, col: int, cols: int) -> tuple[str, str]:
    """The axis ids ("x3", "y3") of cell (row, col), both 1-based, in a `make_subplots` grid."""
    index = (row - 1) * cols + col
    suffix = "" if index == 1 else str(index)
    return f"x{suffix}", f"y{suffix}"


def _axis_key(axis_id: str) -> str:
    """The layout key of an axis id: "x3" -> "xaxis3"."""
    return f"{axis_id[0]}axis{axis_id[1:]}"


# Margins are fixed (``autoexpand=False``): when the legend, the tick labels or the
# slider push the margins, plotly.js draws the whole figure a second time, and
# Streamlit draws every changed chart from scratch, so that doubled every redraw.  The
# sizes below hold what plotly.js measured for these figures at 13 and 20 px fonts.


def _legend_row_height(font_size: int) -> float:
    return 1.6 * font_size + 2


def _legend_rows(entries: Sequence[tuple[str, str]], font_size: int) -> int:
    """Rows a horizontal legend of (group, label) `entries` takes in a chart
    `LEGEND_PACKING_WIDTH` wide: plotly.js stacks the entries of one legend group and
    lines the groups up side by side, wrapping them onto new lines."""
    groups: dict[str, list[str]] = {}
    for group, label in entries:
        groups.setdefault(group, []).append(label)
    rows, line_rows, used = 0, 0, 0.0
    for labels in groups.values():
        width = 50 + 0.6 * font_size * max(len(label) for label in labels)  # sample, text, gap
        if used and used + width > LEGEND_PACKING_WIDTH:
            rows, line_rows, used = rows + line_rows, 0, 0.0
        line_rows, used = max(line_rows, len(labels)), used + width
    return rows + line_rows


def _legend_entries(data: Sequence[dict]) -> list[tuple[str, str]]:
    """The (legend group, name) of every trace shown in the legend."""
    return [
        (trace.get("legendgroup") or f"_trace{i}", trace["name"])
        for i, trace in enumerate(data)
        if trace.get("showlegend", True)
    ]


def _legend(entries: Sequence[tuple[str, str]], font_size: int, y: float) -> tuple[dict, float]:
    """A horizontal legend above the plot, and the height it needs; taller than that
    (a narrow screen) it scrolls instead of running off the top."""
    height = _legend_rows(entries, font_size) * _legend_row_height(font_size)
    # The scroll limit allows for the legend's own padding.
    legend = dict(orientation="h", yanchor="bottom", y=y, xanchor="left", x=0,
                  maxheight=height + font_size + 4)  # fmt: skip
    return legend, height


def _view_margin(font_size: int, top: float, animate: bool) -> dict:
    """Margins of a contour view: tick labels left and below, the animation controls."""
    bottom = ANIMATION_MARGIN + 2 * (font_size - FONT_SIZE) if animate else 10 + 1.8 * font_size
    return dict(l=round(3 * font_size), r=round(1.2 * font_size + 6), t=round(top),
                b=round(bottom), autoexpand=False)  # fmt: skip


def run_labels(trajectories: Sequence[Trajectory], labels: Sequence[str] | None) -> list[str]:
    """The legend label of each run (the optimizer's title unless given)."""
    if labels is not None:
        return [str(label) for label in labels]
    from optim_core import registry

    return [registry.spec(tr.optimizer).title for tr in trajectories]


def run_colors(trajectories: Sequence[Trajectory], dark: bool = False) -> list[str]:
    """`viz.style.run_colors` for these runs (black drawn white on a dark page)."""
    return [_ink(c, dark) for c in style.run_colors([tr.optimizer for tr in trajectories])]


def last_valid_index(trajectory: Trajectory) -> int:
    """Index of the last real iterate: the run is frozen from `diverged_at` on."""
    diverged = trajectory.diverged_at
    last = len(trajectory.path) - 1
    return last if diverged is None else max(0, min(last, int(diverged) - 1))


def view_exit(path: np.ndarray, domain) -> tuple[int, tuple[float, float]] | None:
    """First step outside the view box and the point where the path crosses its edge.

    >>> view_exit(np.array([[0.0, 0.0], [0.5, 0.0], [3.0, 0.0]]), ((-1, 1), (-1, 1)))
    (2, (1.0, 0.0))
    """
    (x0, x1), (y0, y1) = domain
    pts = np.asarray(path, dtype=float)
    with np.errstate(invalid="ignore"):
        inside = (pts[:, 0] >= x0) & (pts[:, 0] <= x1) & (pts[:, 1] >= y0) & (pts[:, 1] <= y1)
    outside = np.flatnonzero(~inside)
    if outside.size == 0:
        return None
    step = int(outside[0])
    if step == 0:
        return 0, (float(np.clip(pts[0, 0], x0, x1)), float(np.clip(pts[0, 1], y0, y1)))
    a, b = pts[step - 1], pts[step]
    d = b - a
    # Largest fraction s of the segment a -> b that stays inside the box.
    s = 1.0
    for axis, (lo, hi) in enumerate(((x0, x1), (y0, y1))):
        if d[axis] > 0 and b[axis] > hi:
            s = min(s, (hi - a[axis]) / d[axis])
        elif d[axis] < 0 and b[axis] < lo:
            s = min(s, (lo - a[axis]) / d[axis])
    if not np.isfinite(s):
        s = 0.0
    point = a + max(0.0, min(1.0, s)) * d
    return step, (float(point[0]), float(point[1]))


def frame_steps(steps: int, max_frames: int = MAX_FRAMES) -> np.ndarray:
    """The steps that get an animation frame: all of them, or `max_frames` spread evenly.

    >>> frame_steps(5).tolist()
    [0, 1, 2, 3, 4, 5]
    >>> len(frame_steps(2000)), int(frame_steps(2000)[-1])
    (120, 2000)
    """
    count = min(steps + 1, max(2, max_frames))
    return np.unique(np.round(np.linspace(0, steps, count)).astype(int))


def _trail_indices(step: int, window: int) -> list[int]:
    """At most `MAX_TRAIL_POINTS` steps spread evenly over the last `window` up to `step`
    (the values of ``np.unique(np.round(np.linspace(first, step, count)))``, without
    NumPy's per-call overhead: this runs once per run and frame)."""
    first = max(0, step - window)
    count = min(step - first + 1, MAX_TRAIL_POINTS)
    if count == 1:
        return [step]
    spacing = (step - first) / (count - 1)
    points = [round(k * spacing + first) for k in range(count - 1)] + [step]
    return sorted(set(points))


def _path_indices(last: int) -> np.ndarray:
    if last + 1 <= MAX_PATH_POINTS:
        return np.arange(last + 1)
    return np.unique(np.round(np.linspace(0, last, MAX_PATH_POINTS)).astype(int))


def loss_target(trajectories: Sequence[Trajectory], surface=None) -> float:
    """f*: the lowest known minimum of the surface, else the lowest loss seen."""
    surface = surface if surface is not None else getattr(trajectories[0], "surface", None)
    minima = getattr(surface, "minima", ()) if surface is not None else ()
    if minima:
        return float(min(m.value for m in minima))
    finite = [np.nanmin(np.where(np.isfinite(tr.loss), tr.loss, np.nan)) for tr in trajectories]
    return float(np.nanmin(finite)) if finite else 0.0


def loss_gap(trajectory: Trajectory, target: float) -> np.ndarray:
    """f(θ_t) − f*, floored so a log axis can show it (exact minima give 1e-16)."""
    with np.errstate(invalid="ignore"):
        return np.maximum(np.asarray(trajectory.loss, dtype=float) - target, 1e-16)


# --- arrows --------------------------------------------------------------------------------


def momentum_slot(trajectory: Trajectory) -> str | None:
    """The state slot that carries the run's momentum-like direction, if any."""
    for name in _MOMENTUM_SLOTS:
        if name in trajectory.state:
            return name
    return None


def arrow_vectors(trajectory: Trajectory, step: int) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """The arrows drawn at update `step` (k ≥ 1), each as (origin, vector) in θ units.

    All start at θ_{k−1}, where the gradient was taken:

    - ``gradient``: −η_k g_k, the step plain gradient descent would take from there;
    - ``momentum``: for heavy-ball and Nesterov momentum, what the momentum adds to that
      step, Δθ_k + η_k g_k (μ v_{k−1} in the velocity form: the two arrows add up to the
      update); for Adam-like methods the step along the first moment before the
      per-coordinate scaling, −η_k m̂_k (m̄_k for NAdam);
    - ``update``: θ_k − θ_{k−1}, the step actually taken.

    Step 0 (no update yet) and steps after a divergence have no arrows.
    """
    path = np.asarray(trajectory.path, dtype=float)
    if step < 1 or step > last_valid_index(trajectory):
        return {}
    origin = path[step - 1]
    rate = float(np.asarray(trajectory.lr)[step - 1])
    update = path[step] - path[step - 1]
    out: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    if "g" in trajectory.state:
        out["gradient"] = (origin, -rate * np.asarray(trajectory.state["g"][step], dtype=float))
    slot = momentum_slot(trajectory)
    if slot == "velocity" and "gradient" in out:
        out["momentum"] = (origin, update - out["gradient"][1])
    elif slot in ("m_hat", "m_bar"):
        out["momentum"] = (origin, -rate * np.asarray(trajectory.state[slot][step], dtype=float))
    out["update"] = (origin, update)
    return out


def arrow_label(trajectory: Trajectory, name: str) -> str:
    """The legend text of an arrow (the momentum arrow means different things)."""
    if name == "momentum" and momentum_slot(trajectory) in ("m_hat", "m_bar"):
        return t("app.fig.arrow.first_moment")
    return t(f"app.fig.arrow.{name}")


ARROW_VIEW_FRACTION = 0.15  # the longest arrow of a step spans this share of the view


def arrow_scale(trajectory: Trajectory, step: int, domain) -> float:
    """The magnification of the arrows at `step`: one factor for all three (so their
    relative sizes stay true) that makes the longest span `ARROW_VIEW_FRACTION` of the
    view's diagonal; never below 1 (long arrows are drawn to scale) and rounded down to
    1, 2 or 5 times a power of ten.  The figure prints the factor at the update's tip.

    >>> import optim_core
    >>> run = optim_core.run("sgd", "bowl", start=(-7.0, 2.0), steps=20, lr=0.1)
    >>> arrow_scale(run, 1, ((-10, 10), (-5, 5)))
    5.0
    """
    (x0, x1), (y0, y1) = domain
    vectors = arrow_vectors(trajectory, step)
    longest = max((float(np.hypot(*v)) for _, v in vectors.values()), default=0.0)
    if not np.isfinite(longest) or longest <= 0:
        return 1.0
    raw = ARROW_VIEW_FRACTION * math.hypot(x1 - x0, y1 - y0) / longest
    if raw <= 1:
        return 1.0
    exponent = math.floor(math.log10(raw))
    mantissa = max(m for m in (1, 2, 5) if m * 10**exponent <= raw * (1 + 1e-12))
    return float(mantissa * 10**exponent)


def _arrow_text(name: str, scale: float) -> list[str]:
    return (
        ["", t("app.fig.arrow.scaled", scale=f"{scale:g}")]
        if name == "update" and scale != 1
        else []
    )


def _arrow_xy(
    origin: np.ndarray, vector: np.ndarray, decimals: int, scale: float = 1.0
) -> tuple[list, list]:
    tip = origin + scale * vector
    if not np.all(np.isfinite(tip)):
        return [], []
    return _round([origin[0], tip[0]], decimals), _round([origin[1], tip[1]], decimals)


def arrow_traces(
    trajectory: Trajectory, step: int, domain, *, dark: bool = False, decimals: int = 4
) -> list[go.Scatter]:
    """Three arrow traces (gradient, momentum, update) at update `step`, magnified by
    `arrow_scale` (printed at the update's tip); empty where the optimizer has no such
    vector or there is no update yet."""
    return [go.Scatter(spec) for spec in _arrow_specs(trajectory, step, domain, dark, decimals)]


def _arrow_specs(
    trajectory: Trajectory, step: int, domain, dark: bool, decimals: int
) -> list[dict]:
    vectors = arrow_vectors(trajectory, step)
    scale = arrow_scale(trajectory, step, domain)
    traces = []
    for name in ARROW_COLORS:
        x, y = _arrow_xy(*vectors[name], decimals, scale) if name in vectors else ([], [])
        color = _ink(ARROW_COLORS[name], dark)
        traces.append(
            _scatter(
                x=x,
                y=y,
                mode="lines+markers+text",
                text=_arrow_text(name, scale) if x else [],
                textposition="top right",
                textfont=dict(color=color, size=13),
                name=arrow_label(trajectory, name),
                line=dict(color=color, width=4 if name == "update" else 3),
                marker=dict(symbol="arrow", size=[0, 15], angleref="previous", color=color),
                hoverinfo="skip",
                legendgroup="arrows",
                showlegend=True,
            )
        )
    return traces


# --- contour pieces ------------------------------------------------------------------------


BACKGROUND_WIDTH = 900  # pixels of the contour image for one panel
PANEL_BACKGROUND_WIDTH = 480  # ... for a panel of the small-multiples grid
_PAGE_COLORS = {False: "#FFFFFF", True: "#0E1117"}  # Streamlit's light / dark page


def contour_background(surface, *, dark: bool = False, width: int = BACKGROUND_WIDTH) -> str:
    """The filled contour of `surface` over its view box as a PNG data URI.

    Levels and colour map come from `viz.style` (as in the Matplotlib exports); the
    colours are blended with the page colour so paths of every optimizer stay readable.
    """
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure
    from PIL import Image

    grid = style.contour_grid(surface)
    (x0, x1), (y0, y1) = surface.domain
    height = round(width * (y1 - y0) / (x1 - x0)) if surface.equal_aspect else round(width * 2 / 3)
    fig = Figure(figsize=(width / 100, height / 100), dpi=100)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_axis_off()
    alpha = 0.7 if dark else 0.55
    ax.contourf(
        grid.x,
        grid.y,
        grid.z,
        levels=grid.levels,
        cmap=style.CONTOUR_CMAP,
        extend="both",
        alpha=alpha,
    )
    ax.contour(grid.x, grid.y, grid.z, levels=grid.levels, colors="white" if dark else "black",
               linewidths=0.5, alpha=0.3 if dark else 0.22)  # fmt: skip
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    raw = io.BytesIO()
    fig.savefig(raw, format="png", facecolor=_PAGE_COLORS[dark])
    # 64 colours are plenty for flat bands and shrink the image about five times.
    image = Image.open(io.BytesIO(raw.getvalue())).convert("RGB").quantize(64)
    packed = io.BytesIO()
    image.save(packed, format="PNG", optimize=True)
    return "data:image/png;base64," + base64.b64encode(packed.getvalue()).decode("ascii")


def _background_image(surface, source: str, xref: str = "x", yref: str = "y") -> dict:
    (x0, x1), (y0, y1) = surface.domain
    return dict(
        source=source, xref=xref, yref=yref, x=x0, y=y1, sizex=x1 - x0, sizey=y1 - y0,
        xanchor="left", yanchor="top", sizing="stretch", layer="below",
    )  # fmt: skip


def _click_grid_trace(surface, points: int, decimals: int) -> dict:
    """A transparent grid of points: clicking one selects a start there (and hovering
    shows f)."""
    (x0, x1), (y0, y1) = surface.domain
    xx, yy = np.meshgrid(np.linspace(x0, x1, points), np.linspace(y0, y1, points))
    xy = np.stack([xx.ravel(), yy.ravel()], -1)
    with np.errstate(all="ignore"):
        f = surface.value(xy)
    f = np.where(np.isfinite(f), f, np.nan)
    return _scatter(
        x=_round(xy[:, 0], decimals),
        y=_round(xy[:, 1], decimals),
        customdata=np.round(f, 4).astype(np.float32),
        mode="markers",
        # Only hover and selection need the points (plotly.js finds them in its data, not
        # in the SVG), so no marker is drawn: hundreds of SVG markers cost every redraw.
        marker=dict(size=26, color="rgba(0,0,0,0)", opacity=0, maxdisplayed=1),
        hovertemplate="x=%{x}<br>y=%{y}<br>f=%{customdata:.4g}<extra></extra>",
        name=t("app.fig.pick_start"),
        showlegend=False,
    )


def _critical_traces(surface, start, dark: bool) -> list[dict]:
    ink = "#FFFFFF" if dark else "#000000"
    paper = "#000000" if dark else "#FFFFFF"
    traces = []
    minima = list(surface.minima)
    if minima:
        traces.append(
            _scatter(
                x=[float(m.xy[0]) for m in minima],
                y=[float(m.xy[1]) for m in minima],
                mode="markers",
                marker=dict(
                    symbol=style.MINIMUM_SYMBOL,
                    size=15,
                    color=paper,
                    line=dict(color=ink, width=1.5),
                ),
                text=[t(f"app.fig.kind.{m.kind.replace(' ', '_')}") for m in minima],
                hovertemplate="%{text}<br>(%{x:.4g}, %{y:.4g})<extra></extra>",
                name=t("app.fig.minimum"),
                showlegend=False,
            )
        )
    saddles = list(surface.saddles)
    if saddles:
        traces.append(
            _scatter(
                x=[float(s.xy[0]) for s in saddles],
                y=[float(s.xy[1]) for s in saddles],
                mode="markers",
                marker=dict(
                    symbol=style.SADDLE_SYMBOL, size=12, color=ink, line=dict(color=paper, width=1)
                ),
                hovertemplate=t("app.fig.saddle") + "<br>(%{x:.4g}, %{y:.4g})<extra></extra>",
                name=t("app.fig.saddle"),
                showlegend=False,
            )
        )
    if start is not None:
        traces.append(
            _scatter(
                x=[float(start[0])],
                y=[float(start[1])],
                mode="markers",
                marker=dict(
                    symbol=style.START_SYMBOL, size=11, color=paper, line=dict(color=ink, width=2)
                ),
                hovertemplate=t("app.fig.start") + "<br>(%{x:.4g}, %{y:.4g})<extra></extra>",
                name=t("app.fig.start"),
                showlegend=False,
            )
        )
    return traces


def _static_path(tr, label: str, color: str, dash: str, decimals: int, group: str) -> dict:
    last = last_valid_index(tr)
    idx = _path_indices(last)
    path = np.asarray(tr.path, dtype=float)[idx]
    subsampled = len(idx) < last + 1
    return _scatter(
        x=_round(path[:, 0], decimals),
        y=_round(path[:, 1], decimals),
        customdata=idx.tolist() if subsampled else None,
        mode="lines+markers",
        line=dict(color=color, width=1.5, dash=dash),
        # Every dot is an SVG element plotly.js styles on each redraw.
        marker=dict(size=3, color=color, maxdisplayed=MAX_PATH_MARKERS),
        opacity=0.5,
        name=label,
        legendgroup=group,
        hovertemplate=(
            f"{label}<br>"
            + t("app.fig.step")
            + (" %{customdata}" if subsampled else " %{pointNumber}")
            + "<br>(%{x:.4g}, %{y:.4g})<extra></extra>"
        ),
    )


class _Animated:
    """The per-run animated pieces: trail, head and the divergence / exit marker."""

    def __init__(self, tr, domain, decimals: int, window: int) -> None:
        self.tr = tr
        self.path = np.asarray(tr.path, dtype=float)
        self.last = last_valid_index(tr)
        self.decimals = decimals
        self.window = window
        # Rounded once: every frame picks its trail from these lists.
        self.xs = _round(self.path[: self.last + 1, 0], decimals)
        self.ys = _round(self.path[: self.last + 1, 1], decimals)
        exit_ = view_exit(self.path[: self.last + 1], domain)
        self.diverged = tr.diverged_at
        if exit_ is not None:
            self.event_step, self.event_xy = exit_
        elif self.diverged is not None:
            self.event_step, self.event_xy = int(self.diverged), tuple(self.path[self.last])
        else:
            self.event_step, self.event_xy = None, None

    def event_text(self) -> str:
        if self.diverged is not None:
            return t("app.fig.diverged_at", step=int(self.diverged))
        return t("app.fig.left_view_at", step=self.event_step)

    def trail(self, step: int) -> tuple[list, list]:
        idx = _trail_indices(min(step, self.last), self.window)
        return [self.xs[i] for i in idx], [self.ys[i] for i in idx]

    def head(self, step: int) -> tuple[list, list]:
        s = min(step, self.last)
        return [self.xs[s]], [self.ys[s]]

    def event(self, step: int) -> tuple[list, list]:
        if self.event_step is None or step < self.event_step:
            return [], []
        return _round([self.event_xy[0]], self.decimals), _round([self.event_xy[1]], self.decimals)


def _animated_traces(anim: _Animated, step: int, label: str, color: str, group: str, xref=None):
    """Trail, head and event traces of one run, showing `step`."""
    tx, ty = anim.trail(step)
    hx, hy = anim.head(step)
    ex, ey = anim.event(step)
    extra = {} if xref is None else dict(xaxis=xref[0], yaxis=xref[1])
    return [
        _scatter(
            x=tx, y=ty, mode="lines", line=dict(color=color, width=3.5),
            hoverinfo="skip", showlegend=False, legendgroup=group, name=label, **extra,
        ),
        _scatter(
            x=hx, y=hy, mode="markers",
            marker=dict(size=13, color=color, line=dict(color="#FFFFFF", width=1.5)),
            hovertemplate=f"{label}<br>(%{{x:.4g}}, %{{y:.4g}})<extra></extra>",
            showlegend=False, legendgroup=group, name=label, **extra,
        ),
        _scatter(
            x=ex, y=ey, mode="markers+text",
            marker=dict(symbol=style.DIVERGED_SYMBOL, size=22, color=color, line=dict(color=color, width=4)),
            text=[anim.event_text()] if anim.event_step is not None else [],
            textposition="top center",
            textfont=dict(color=color, size=14),
            hovertemplate=f"{label}: {anim.event_text() if anim.event_step is not None else ''}<extra></extra>",
            showlegend=False, legendgroup=group, name=label, **extra,
        ),
    ]  # fmt: skip


def _frame_data(anims, arrow_run, steps_to_draw, dark, decimals, domain=None):
    """Frame payload for one step: x/y only, in the order of the animated traces (the
    traces exist already, so their type need not be repeated in every frame)."""
    data = []
    for anim in anims:
        for x, y in (
            anim.trail(steps_to_draw),
            anim.head(steps_to_draw),
            anim.event(steps_to_draw),
        ):
            data.append(dict(x=x, y=y))
    if arrow_run is not None:
        vectors = arrow_vectors(arrow_run, steps_to_draw)
        scale = arrow_scale(arrow_run, steps_to_draw, domain)
        for name in ARROW_COLORS:
            x, y = _arrow_xy(*vectors[name], decimals, scale) if name in vectors else ([], [])
            data.append(dict(x=x, y=y, text=_arrow_text(name, scale) if x else []))
    return data


def _step_lists(names: list[str]) -> tuple[list[str], list[str]]:
    """Frame lists for the "Step ▶" and "◀ Step" buttons (see `_animation_controls`)."""
    start, end = EDGE_FRAMES
    doubled = [name for name in names for _ in range(2)]
    reverse_doubled = [name for name in reversed(names) for _ in range(2)]
    return [start, *doubled, end, end], [end, *reverse_doubled, start, start]


def _animation_controls(
    frame_names: list[str], active: int, font_size: int, dark: bool = False
) -> dict:
    """Play / pause / step / speed buttons and the scrub slider (all client-side).

    plotly.js has no "next frame" command.  A step button therefore plays an explicit
    frame list from the current frame with per-position durations [0, `HOLD_MS`]: with
    ``fromcurrent`` plotly.js drops everything up to the *first* occurrence of the
    current frame, so listing every frame twice makes position 0 the current frame again
    (shown for 0 ms) and position 1 the next one, which then stays.  plotly.js ignores
    ``fromcurrent`` when the current frame is first or last in the list; the edge
    copies of the first and last frame (`EDGE_FRAMES`) keep the real frames away from
    both ends.  Play runs the group `MAIN_GROUP` and starts again from the first frame
    when the current one is the last.
    """

    def play(ms: float) -> list:
        options = dict(
            frame=dict(duration=ms, redraw=False),
            transition=dict(duration=0),
            fromcurrent=True,
            mode="immediate",
        )
        return [MAIN_GROUP, options]

    def step(frames: list[str]) -> list:
        hold = [dict(duration=0, redraw=False), dict(duration=HOLD_MS, redraw=False)]
        options = dict(frame=hold, transition=dict(duration=0), fromcurrent=True, mode="immediate")
        return [frames, options]

    forward, backward = _step_lists(frame_names)
    pause = [
        [None],
        dict(frame=dict(duration=0, redraw=False), transition=dict(duration=0), mode="immediate"),
    ]
    buttons = [
        dict(label=t("app.fig.play"), method="animate", args=play(FRAME_MS)),
        dict(label=t("app.fig.pause"), method="animate", args=pause),
        dict(label=t("app.fig.step_back"), method="animate", args=step(backward)),
        dict(label=t("app.fig.step_forward"), method="animate", args=step(forward)),
    ]
    speeds = [
        dict(label=t("app.fig.speed", factor=f"{s:g}"), method="animate", args=play(FRAME_MS / s))
        for s in SPEEDS
    ]
    colors = (
        dict(bgcolor="#262730", bordercolor="#555867")
        if dark
        else dict(bgcolor="#F0F2F6", bordercolor="#C9CCD3")
    )
    menus = [
        dict(
            type="buttons", direction="right", buttons=buttons, showactive=False,
            x=0.0, y=0.0, xanchor="left", yanchor="top", pad=dict(t=CONTROLS_TOP, r=4),
            font=dict(size=max(11, font_size - 1), color="#FAFAFA" if dark else "#262730"), **colors,
        ),
        dict(
            type="buttons", direction="right", buttons=speeds, showactive=True, active=1,
            x=1.0, y=0.0, xanchor="right", yanchor="top", pad=dict(t=CONTROLS_TOP),
            font=dict(size=max(10, font_size - 2), color="#FAFAFA" if dark else "#262730"), **colors,
        ),
    ]  # fmt: skip
    # One tick label per frame is unreadable beyond a few dozen; the current step is
    # always printed above the slider.
    ink = "#FAFAFA" if dark else "#262730"
    tick_font = dict(size=max(9, font_size - 4), color=ink)
    if len(frame_names) > MAX_SLIDER_LABELS:
        tick_font["color"] = "rgba(0,0,0,0)"
    slider = dict(
        active=active,
        x=0.0,
        y=0.0,
        len=1.0,
        xanchor="left",
        yanchor="top",
        pad=dict(t=CONTROLS_TOP + 44, b=0),
        currentvalue=dict(prefix=t("app.fig.step") + " ", font=dict(size=font_size, color=ink)),
        font=tick_font,
        transition=dict(duration=0),
        steps=[
            dict(
                label=name,
                method="animate",
                args=[[name], dict(mode="immediate", frame=dict(duration=0, redraw=False), transition=dict(duration=0))],
            )
            for name in frame_names
        ],
    )  # fmt: skip
    return dict(updatemenus=menus, sliders=[slider])


def _view_axes(surface, anchor: str = "x") -> tuple[dict, dict]:
    """x and y axis properties that pin the view box (equal aspect where the surface asks)."""
    (x0, x1), (y0, y1) = surface.domain
    common = dict(autorange=False, constrain="domain", showgrid=False, zeroline=False)
    xaxis = dict(range=[x0, x1], **common)
    yaxis = dict(range=[y0, y1], **common)
    if surface.equal_aspect:
        yaxis.update(scaleanchor=anchor, scaleratio=1)
    return xaxis, yaxis


def _fix_axes(fig: go.Figure, surface) -> None:
    xaxis, yaxis = _view_axes(surface)
    fig.update_layout(xaxis=xaxis, yaxis=yaxis)


def _initial_step(step: int | None, steps: int) -> int:
    return steps if step is None else int(min(max(step, 0), steps))


def contour_figure(
    surface,
    trajectories: Sequence[Trajectory],
    labels: Sequence[str] | None = None,
    *,
    step: int | None = None,
    animate: bool = True,
    arrows: bool = False,
    clickable: bool = False,
    max_frames: int = MAX_FRAMES,
    dark: bool = False,
    font_size: int | None = None,
    height: int = 560,
    background: str | None = None,
) -> go.Figure:
    """All runs over one contour, animated client-side.

    Args:
      surface: the `surfaces.Surface` the runs used.
      trajectories: unbatched runs with the same number of steps (one start).
      labels: legend labels (default: optimizer titles).
      step: the step shown before playing (default: the last).
      animate: add frames, play/pause/step/speed buttons and a scrub slider.
      arrows: draw gradient / momentum / update arrows of the first run (Explore).
      clickable: add an invisible grid of points whose selection picks a start (and
        whose hover shows f).
      dark: dark template (black lines drawn white).
      background: a `contour_background` data URI (computed here when omitted).
    """
    labels = run_labels(trajectories, labels)
    colors = run_colors(trajectories, dark)
    font_size = font_size or FONT_SIZE
    steps = len(trajectories[0].path) - 1 if trajectories else 0
    shown = _initial_step(step, steps)
    decimals = coordinate_decimals(surface.domain)
    background = background or contour_background(surface, dark=dark)
    data: list[dict] = []
    if clickable:
        data.append(_click_grid_trace(surface, CLICK_GRID_POINTS, decimals))
    start = trajectories[0].path[0] if trajectories else None
    data += _critical_traces(surface, start, dark)
    for i, tr in enumerate(trajectories):
        dash = style.optimizer_dash(tr.optimizer)
        data.append(_static_path(tr, labels[i], colors[i], dash, decimals, f"run{i}"))
    stride = steps / max(len(frame_steps(steps, max_frames)) - 1, 1)
    window = max(TRAIL_STEPS, math.ceil(3 * stride))
    anims = [_Animated(tr, surface.domain, decimals, window) for tr in trajectories]
    animated: list[int] = []
    for i, anim in enumerate(anims):
        for trace in _animated_traces(anim, shown, labels[i], colors[i], f"run{i}"):
            animated.append(len(data))
            data.append(trace)
    arrow_run = trajectories[0] if arrows and trajectories else None
    if arrow_run is not None:
        for trace in _arrow_specs(arrow_run, shown, surface.domain, dark, decimals):
            animated.append(len(data))
            data.append(trace)
    xaxis, yaxis = _view_axes(surface)
    legend, legend_height = _legend(_legend_entries(data), font_size, y=1.0)
    layout = _layout(
        dark,
        font_size,
        images=[_background_image(surface, background)],
        height=height,
        margin=_view_margin(font_size, 24 + legend_height, animate),
        legend=legend,
        hovermode="closest",
        clickmode="event+select",
        dragmode="pan" if clickable else "zoom",  # what st.plotly_chart would set (see _layout)
        uirevision="contour",
        xaxis=xaxis,
        yaxis=yaxis,
    )
    spec = dict(data=data, layout=layout)
    if animate and steps > 0:
        _add_frames(spec, anims, arrow_run, steps, max_frames, animated, shown, dark, decimals,
                    font_size, surface.domain)  # fmt: skip
    return SpecFigure(spec)


def _add_frames(spec, anims, arrow_run, steps, max_frames, animated, shown, dark, decimals,
                font_size, domain=None):  # fmt: skip
    """Frames for the subsampled steps (group `MAIN_GROUP`), plus a copy of the first
    and of the last one (`EDGE_FRAMES`, group "edge") that the step buttons need."""
    drawn = frame_steps(steps, max_frames)
    names = [str(int(s)) for s in drawn]

    def frame(name: str, at: int, group: str) -> dict:
        data = _frame_data(anims, arrow_run, at, dark, decimals, domain)
        return dict(name=name, group=group, data=data, traces=animated)

    spec["frames"] = [
        frame(EDGE_FRAMES[0], int(drawn[0]), "edge"),
        *(frame(name, int(s), MAIN_GROUP) for name, s in zip(names, drawn, strict=True)),
        frame(EDGE_FRAMES[1], int(drawn[-1]), "edge"),
    ]
    active = int(np.argmin(np.abs(drawn - shown)))
    spec["layout"].update(_animation_controls(names, active, font_size, dark))


def small_multiples_figure(
    surface,
    trajectories: Sequence[Trajectory],
    labels: Sequence[str] | None = None,
    *,
    columns: int = 2,
    step: int | None = None,
    animate: bool = True,
    clickable: bool = False,
    max_frames: int = MAX_FRAMES,
    dark: bool = False,
    font_size: int | None = None,
    panel_height: int = 340,
    background: str | None = None,
) -> go.Figure:
    """One panel per run (the 2 × 2 grid of Deep Learning from Scratch, Figure 6-8), all
    sharing one step slider and one set of play buttons."""
    labels = run_labels(trajectories, labels)
    colors = run_colors(trajectories, dark)
    font_size = font_size or FONT_SIZE
    n = max(len(trajectories), 1)
    columns = max(1, min(columns, n))
    rows = math.ceil(n / columns)
    steps = len(trajectories[0].path) - 1 if trajectories else 0
    shown = _initial_step(step, steps)
    decimals = coordinate_decimals(surface.domain)
    layout = _json_copy(
        _subplot_layout(rows, columns, tuple(labels), horizontal_spacing=0.06,
                        vertical_spacing=0.09 if rows > 1 else 0.05)
    )  # fmt: skip
    for annotation in layout.get("annotations", []):
        annotation["font"] = dict(size=font_size + 1)
    background = background or contour_background(surface, dark=dark, width=PANEL_BACKGROUND_WIDTH)
    click = _click_grid_trace(surface, CLICK_GRID_POINTS // 2 + 1, decimals) if clickable else None
    stride = steps / max(len(frame_steps(steps, max_frames)) - 1, 1)
    window = max(TRAIL_STEPS, math.ceil(3 * stride))
    anims = [_Animated(tr, surface.domain, decimals, window) for tr in trajectories]
    animated: list[int] = []
    data: list[dict] = []
    images = []
    start = trajectories[0].path[0] if trajectories else None
    for i, tr in enumerate(trajectories):
        row, col = divmod(i, columns)
        x_id, y_id = _subplot_axes(row + 1, col + 1, columns)
        cell = dict(xaxis=x_id, yaxis=y_id)
        images.append(_background_image(surface, background, x_id, y_id))
        traces = [click] if click is not None else []
        traces += _critical_traces(surface, start, dark)
        dash = style.optimizer_dash(tr.optimizer)
        traces.append(_static_path(tr, labels[i], colors[i], dash, decimals, f"run{i}"))
        data += [{**trace, **cell, "showlegend": False} for trace in traces]
        for trace in _animated_traces(anims[i], shown, labels[i], colors[i], f"run{i}"):
            animated.append(len(data))
            data.append({**trace, **cell, "showlegend": False})
        xaxis, yaxis = _view_axes(surface, anchor=x_id)
        layout[_axis_key(x_id)].update(xaxis)
        layout[_axis_key(y_id)].update(yaxis)
    layout.update(
        _layout(
            dark,
            font_size,
            images=images,
            height=panel_height * rows + (ANIMATION_MARGIN if animate else 20),
            margin=_view_margin(font_size, 2 * font_size + 14, animate),
            hovermode="closest",
            clickmode="event+select",
            dragmode="pan" if clickable else "zoom",
            uirevision="grid",
        )
    )
    spec = dict(data=data, layout=layout)
    if animate and steps > 0:
        _add_frames(
            spec, anims, None, steps, max_frames, animated, shown, dark, decimals, font_size
        )
    return SpecFigure(spec)


# --- curves --------------------------------------------------------------------------------


def _step_marker(layout: dict, step: int | None, dark: bool, axes: Sequence[str]) -> None:
    """A dotted vertical line at `step` on each x axis in `axes`."""
    if step is None:
        return
    line = dict(color="#FFFFFF" if dark else "#000000", width=1, dash="dot")
    layout.setdefault("shapes", []).extend(
        dict(type="line", x0=step, x1=step, xref=x_id, y0=0, y1=1, yref=f"y{x_id[1:]} domain",
             line=line, opacity=0.6)
        for x_id in axes
    )  # fmt: skip


def curves_figure(
    trajectories: Sequence[Trajectory],
    labels: Sequence[str] | None = None,
    *,
    step: int | None = None,
    target: float | None = None,
    dark: bool = False,
    font_size: int | None = None,
    height: int = 520,
) -> go.Figure:
    """Loss gap f − f* (log), learning rate and ‖∇f‖ (log) against the step, with a
    marker at `step` on every row."""
    labels = run_labels(trajectories, labels)
    colors = run_colors(trajectories, dark)
    target = loss_target(trajectories) if target is None else target
    titles = (t("app.fig.loss_gap"), t("app.fig.learning_rate"), t("app.fig.grad_norm"))
    layout = _json_copy(_subplot_layout(3, 1, titles, shared_xaxes=True, vertical_spacing=0.06))
    rows = [_subplot_axes(row, 1, 1) for row in (1, 2, 3)]
    data: list[dict] = []
    for i, tr in enumerate(trajectories):
        last = last_valid_index(tr)
        steps = np.arange(last + 1)
        gap = loss_gap(tr, target)[: last + 1]
        rates = np.asarray(tr.lr, dtype=float)[:last]
        with np.errstate(all="ignore"):
            grad = np.asarray(tr.grad, dtype=float)[: last + 1]
            norm = np.maximum(np.sqrt((grad**2).sum(-1)), 1e-16)
        common = dict(
            line=dict(color=colors[i], dash=style.optimizer_dash(tr.optimizer)),
            legendgroup=f"run{i}",
            name=labels[i],
        )
        for (x_id, y_id), x, y, legend in (
            (rows[0], steps, gap, True), (rows[1], steps[1:], rates, False), (rows[2], steps, norm, False)
        ):  # fmt: skip
            data.append(
                _scatter(
                    x=x, y=y, mode="lines", showlegend=legend, xaxis=x_id, yaxis=y_id, **common
                )
            )
        if step is not None:
            k = int(min(max(step, 0), last))
            marks = [(rows[0], k, gap[k]), (rows[2], k, norm[k])]
            if k >= 1:
                marks.append((rows[1], k, rates[k - 1]))
            for (x_id, y_id), x, y in marks:
                data.append(
                    _scatter(
                        x=[x], y=[float(y)], mode="markers", marker=dict(size=10, color=colors[i], line=dict(color="#FFFFFF", width=1)),
                        showlegend=False, legendgroup=f"run{i}", name=labels[i],
                        hovertemplate=t("app.fig.step") + " %{x}: %{y:.4g}<extra></extra>", xaxis=x_id, yaxis=y_id,
                    )
                )  # fmt: skip
        if tr.diverged_at is not None:
            data.append(_diverged_marker(last, gap[last], colors[i], tr.diverged_at))
    log = dict(type="log", exponentformat="power", dtick=1)
    layout["yaxis"].update(log)
    layout["yaxis3"].update(log)
    layout["yaxis2"].update(rangemode="tozero")
    layout["xaxis3"]["title"] = dict(text=t("app.fig.step"))
    _step_marker(layout, step, dark, [x_id for x_id, _ in rows])
    return _finish_curves(data, layout, dark, font_size, height, legend_y=1.04, top=36)


def _finish_curves(
    data: list[dict],
    layout: dict,
    dark: bool,
    font_size,
    height: int,
    legend_y: float,
    top: float,
) -> go.Figure:
    """The layout every curve panel shares: theme, horizontal legend above the subplot
    titles (`top` px of margin besides the legend's rows), unified hover."""
    font_size = font_size or FONT_SIZE
    for annotation in layout.get("annotations", []):
        annotation["font"] = dict(size=font_size)
    legend, legend_height = _legend(_legend_entries(data), font_size, y=legend_y)
    margin = dict(l=round(4 * font_size), r=round(2 * font_size), t=round(top + legend_height),
                  b=round(4 * font_size + 2), autoexpand=False)  # fmt: skip
    layout.update(
        _layout(dark, font_size, height=height, margin=margin, legend=legend, hovermode="x unified")
    )
    return SpecFigure(dict(data=data, layout=layout))


def _diverged_marker(step: int, value: float, color: str, diverged_at: int) -> dict:
    """The cross that marks where a run's curve stops because the run diverged."""
    return _scatter(
        x=[int(step)], y=[float(value)], mode="markers",
        marker=dict(symbol=style.DIVERGED_SYMBOL, size=16, color=color, line=dict(color=color, width=3)),
        showlegend=False, name=t("app.fig.diverged_at", step=int(diverged_at)),
        hovertemplate="%{fullData.name}<extra></extra>", xaxis="x", yaxis="y",
    )  # fmt: skip


def comparison_curves_figure(
    trajectories: Sequence[Trajectory],
    labels: Sequence[str] | None = None,
    *,
    target: float | None = None,
    tolerance: float | None = None,
    dark: bool = False,
    font_size: int | None = None,
    height: int = 380,
) -> go.Figure:
    """Loss gap f − f* on a log axis and the distance to the nearest minimum, per run;
    a diverged run ends in a marker at its last finite step."""
    labels = run_labels(trajectories, labels)
    colors = run_colors(trajectories, dark)
    target = loss_target(trajectories) if target is None else target
    titles = (t("app.fig.loss_gap"), t("app.fig.distance"))
    layout = _json_copy(_subplot_layout(1, 2, titles, horizontal_spacing=0.1))
    data: list[dict] = []
    for i, tr in enumerate(trajectories):
        last = last_valid_index(tr)
        steps = np.arange(last + 1)
        gap = loss_gap(tr, target)[: last + 1]
        common = dict(
            line=dict(color=colors[i], dash=style.optimizer_dash(tr.optimizer), width=2),
            legendgroup=f"run{i}",
            name=labels[i],
        )
        data.append(
            _scatter(x=steps, y=gap, mode="lines", showlegend=True, xaxis="x", yaxis="y", **common)
        )
        distance = (
            tr.distance_to_nearest_minimum() if hasattr(tr, "distance_to_nearest_minimum") else None
        )
        if distance is not None:
            data.append(
                _scatter(x=steps, y=np.maximum(np.asarray(distance)[: last + 1], 1e-16), mode="lines",
                         showlegend=False, xaxis="x2", yaxis="y2", **common)
            )  # fmt: skip
        if tr.diverged_at is not None:
            data.append(_diverged_marker(last, gap[last], colors[i], tr.diverged_at))
    if tolerance is not None:
        layout["shapes"] = [
            dict(type="line", xref="x domain", x0=0, x1=1, yref="y", y0=tolerance, y1=tolerance,
                 line=dict(dash="dash", width=1, color="#888888"))
        ]  # fmt: skip
    for axis in ("yaxis", "yaxis2"):
        layout[axis].update(type="log", exponentformat="power", dtick=1)
    for axis in ("xaxis", "xaxis2"):
        layout[axis]["title"] = dict(text=t("app.fig.step"))
    return _finish_curves(data, layout, dark, font_size, height, legend_y=1.1, top=46)


# --- 3-D -------------------------------------------------------------------------------------


def surface_3d_figure(
    surface,
    trajectories: Sequence[Trajectory] = (),
    labels: Sequence[str] | None = None,
    *,
    dark: bool = False,
    font_size: int | None = None,
    height: int = 560,
    resolution: int = SURFACE_3D_RESOLUTION,
) -> go.Figure:
    """The surface in 3-D (log-scaled like the contour where the surface asks for it) with
    each run's path lying on it."""
    grid = style.contour_grid(surface, resolution=resolution)
    labels = run_labels(trajectories, labels)
    colors = run_colors(trajectories, dark)
    top = float(grid.levels[-1])
    z = np.minimum(np.asarray(grid.z, dtype=float), top)
    fig = go.Figure(
        go.Surface(
            x=_round(grid.x, 6), y=_round(grid.y, 6), z=np.round(z, 5).astype(np.float32),
            colorscale=style.CONTOUR_COLORSCALE, showscale=False, opacity=0.9,
            name=t("app.fig.surface"), hoverinfo="skip",
        )
    )  # fmt: skip
    (x0, x1), (y0, y1) = surface.domain
    for i, tr in enumerate(trajectories):
        last = last_valid_index(tr)
        idx = _path_indices(last)
        path = np.asarray(tr.path, dtype=float)[idx]
        inside = (path[:, 0] >= x0) & (path[:, 0] <= x1) & (path[:, 1] >= y0) & (path[:, 1] <= y1)
        zs = np.minimum(grid.transform(np.asarray(tr.loss, dtype=float)[idx]), top)
        zs = np.where(inside, zs, np.nan)
        fig.add_trace(
            go.Scatter3d(
                x=path[:, 0], y=path[:, 1], z=zs, mode="lines+markers", name=labels[i],
                line=dict(color=colors[i], width=5), marker=dict(size=2, color=colors[i]),
            )
        )  # fmt: skip
    z_title = t("app.fig.log_gap") if grid.log_scale else "f(x, y)"
    fig.update_layout(
        **_layout(dark, font_size),
        height=height,
        margin=dict(l=0, r=0, t=10, b=0),
        scene=dict(
            xaxis=dict(title="x", range=[x0, x1]),
            yaxis=dict(title="y", range=[y0, y1]),
            zaxis=dict(title=z_title),
            aspectmode="cube",
        ),
        legend=dict(orientation="h", yanchor="bottom", y=1.0, xanchor="left", x=0),
    )
    return fig


# --- schedules -------------------------------------------------------------------------------


def schedule_figure(
    curves: Mapping[str, np.ndarray],
    *,
    colors: Mapping[str, str] | None = None,
    dashes: Mapping[str, str] | None = None,
    highlight: str | None = None,
    log_y: bool = False,
    dark: bool = False,
    font_size: int | None = None,
    height: int = 320,
    title: str | None = None,
) -> go.Figure:
    """Learning rate against the step for each named curve (η_t for t = 1 … T)."""
    fig = go.Figure()
    palette = [style.optimizer_color("", i) for i in range(len(curves))]  # the cycle colours
    for i, (name, rates) in enumerate(curves.items()):
        rates = np.asarray(rates, dtype=float)
        color = _ink((colors or {}).get(name, palette[i % len(palette)]), dark)
        emphasis = highlight is None or name == highlight
        fig.add_trace(
            go.Scatter(
                x=np.arange(1, len(rates) + 1), y=rates, mode="lines", name=name,
                line=dict(color=color, width=3 if emphasis else 1.5, dash=(dashes or {}).get(name, "solid")),
                opacity=1.0 if emphasis else 0.45,
            )
        )  # fmt: skip
    fig.update_layout(
        **_layout(dark, font_size),
        height=height,
        margin=dict(l=10, r=10, t=40 if title else 20, b=10),
        title=title,
        xaxis_title=t("app.fig.step"),
        yaxis_title=t("app.fig.learning_rate"),
        legend=dict(orientation="h", yanchor="bottom", y=1.02, xanchor="left", x=0),
        hovermode="x unified",
    )
    if log_y:
        fig.update_yaxes(type="log", exponentformat="power")
    return fig


def schedule_gallery_figure(
    curves: Mapping[str, np.ndarray],
    *,
    highlight: str | None = None,
    columns: int = 4,
    dark: bool = False,
    font_size: int | None = None,
    panel_height: int = 150,
) -> go.Figure:
    """Small multiples: one learning-rate curve per schedule, the selected one emphasised."""
    names = list(curves)
    rows = max(1, math.ceil(len(names) / columns))
    fig = make_subplots(
        rows=rows,
        cols=columns,
        subplot_titles=names,
        vertical_spacing=0.16,
        horizontal_spacing=0.05,
    )
    ink = "#FFFFFF" if dark else "#000000"
    for i, name in enumerate(names):
        rates = np.asarray(curves[name], dtype=float)
        emphasis = name == highlight
        fig.add_trace(
            go.Scatter(
                x=np.arange(1, len(rates) + 1), y=rates, mode="lines", name=name, showlegend=False,
                line=dict(color=style.OKABE_ITO["vermillion"] if emphasis else ink, width=3 if emphasis else 1.5),
                fill="tozeroy", fillcolor="rgba(213,94,0,0.15)" if emphasis else "rgba(128,128,128,0.1)",
            ),
            row=i // columns + 1, col=i % columns + 1,
        )  # fmt: skip
    fig.update_yaxes(rangemode="tozero", showticklabels=False)
    fig.update_xaxes(showticklabels=False)
    fig.update_layout(
        **_layout(dark, font_size),
        height=panel_height * rows + 40,
        margin=dict(l=10, r=10, t=30, b=10),
    )
    fig.update_annotations(font=dict(size=(font_size or FONT_SIZE)))
    return fig


# --- gallery preview ---------------------------------------------------------------------------

PREVIEW_RESOLUTION = 48
PREVIEW_POINTS = 300


def preview_figure(
    surface,
    trajectories: Sequence[Trajectory],
    *,
    dark: bool = False,
    height: int = 200,
) -> go.Figure:
    """A small static thumbnail: a coarse contour and every path (no animation, so a
    plain ``go.Contour`` is safe here)."""
    grid = style.contour_grid(surface, resolution=PREVIEW_RESOLUTION)
    levels = grid.levels
    colors = run_colors(trajectories, dark)
    fig = go.Figure(
        go.Contour(
            x=_round(grid.x, 4), y=_round(grid.y, 4), z=np.asarray(grid.z, dtype=np.float32),
            autocontour=False,
            contours=dict(start=float(levels[0]), end=float(levels[-1]),
                          size=float((levels[-1] - levels[0]) / max(len(levels) - 1, 1)) or 1.0),
            colorscale=style.CONTOUR_COLORSCALE, opacity=0.6, showscale=False, hoverinfo="skip",
            line=dict(width=0.4, color="rgba(0,0,0,0.2)"),
        )
    )  # fmt: skip
    decimals = coordinate_decimals(surface.domain)
    for tr, color in zip(trajectories, colors, strict=True):
        last = last_valid_index(tr)
        idx = np.unique(np.round(np.linspace(0, last, min(last + 1, PREVIEW_POINTS))).astype(int))
        path = np.asarray(tr.path, dtype=float)[idx]
        fig.add_trace(
            go.Scatter(x=_round(path[:, 0], decimals), y=_round(path[:, 1], decimals), mode="lines",
                       line=dict(color=color, width=2, dash=style.optimizer_dash(tr.optimizer)),
                       hoverinfo="skip", showlegend=False)
        )  # fmt: skip
    fig.update_layout(
        **_layout(dark, 10), height=height, margin=dict(l=0, r=0, t=0, b=0), showlegend=False
    )
    _fix_axes(fig, surface)
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return fig
