"""What every figure builder here shares: the figure type, the base layout, colours,
rounding, and facts about a run (its last real iterate, where it left the view).

One figure style for every builder: the JSON-shaped dict plotly.js reads, wrapped in a
`SpecFigure`.  plotly.py's validated objects would cost the Compare chart about 105 ms
per rerun (4 runs x 300 steps: 112 ms to build, validate and serialise against 7 ms for
the dict; the loss curves 7.7 ms against 1.2 ms), for a figure that plotly.js reads as
the same JSON; `tests/test_figures.py` checks that every builder sends exactly what
plotly.py's full validation produces.

Legends sit inside the plot area (`inside_legend`): plotly.js lays them out itself, and
a legend inside never pushes a margin, so no figure is drawn a second time to make room
for it.  Margins hold only our own furniture (tick labels, the animation controls).
"""

from __future__ import annotations

import functools
import html
import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio
from _plotly_utils.utils import to_typed_array_spec
from plotly.subplots import make_subplots

import optim_core
from viz import style

FONT_SIZE = 13

PRESENTER_FONT_SIZE = 20

SIGNIFICANT_DIGITS = 4  # coordinates are rounded to this many digits of the view's size

MAX_PATH_POINTS = 4000  # longer static paths are subsampled for the browser

Trajectory = Any  # optim_core.Trajectory or anything with the same attributes


def ink(color: str, dark: bool) -> str:
    """Black lines vanish on a dark page: draw them white there (same role, inverted)."""
    return "#FFFFFF" if dark and color.upper() == "#000000" else color


def coordinate_decimals(domain) -> int:
    """Decimals that keep `SIGNIFICANT_DIGITS` digits of the view's size."""
    (x0, x1), (y0, y1) = domain
    span = max(x1 - x0, y1 - y0, 1e-12)
    return max(0, SIGNIFICANT_DIGITS - 1 - math.floor(math.log10(span)))


FLOAT32_MAX = float(np.finfo(np.float32).max)


def float32(values: np.ndarray) -> np.ndarray:
    """`values` as float32 (half the bytes in a chart); a value past float32's range (a
    surface parameter of 1e300 makes f that large) becomes NaN, a gap in the chart,
    instead of an overflow warning and an infinity.

    >>> float32(np.array([1.5, 1e300, -np.inf])).tolist()
    [1.5, nan, nan]
    """
    values = np.asarray(values, dtype=float)
    return np.where(np.abs(values) <= FLOAT32_MAX, values, np.nan).astype(np.float32)


def rounded(values: np.ndarray, decimals: int) -> list:
    """Rounded plain floats: short JSON numbers instead of 8-byte binary floats."""
    arr = np.round(np.asarray(values, dtype=float), decimals)
    return arr.tolist()


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
        return json_copy(object.__getattribute__(self, "_spec"))

    def to_plotly_json(self) -> dict:
        return self.to_dict()


_SPEC_FIGURE_OWN = frozenset({"_spec", "to_dict", "to_plotly_json", "__class__"})


def json_copy(value):
    """A fresh copy of a figure dict as `go.Figure.to_dict` gives it: dicts and lists are
    copied, NumPy arrays become plotly.js typed-array specs (base64), other leaves are
    shared (numbers and strings are immutable)."""
    if isinstance(value, dict):
        return {key: json_copy(item) for key, item in value.items()}
    if isinstance(value, list):
        if value and isinstance(value[0], dict | list | np.ndarray):
            return [json_copy(item) for item in value]
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


def base_layout(dark: bool, font_size: int | None, **props) -> dict:
    """The layout every figure here starts from: template, font, transparent background.

    A chart whose points can be selected should set ``clickmode``, ``hovermode`` and
    ``dragmode`` itself: `st.plotly_chart` fills in any that is missing after the first
    draw, and that change redraws the whole figure a second time.
    """
    return dict(
        template=json_copy(_template_spec(dark)),
        font=dict(family=style.FONT_FAMILY, size=font_size or FONT_SIZE),
        paper_bgcolor="rgba(0,0,0,0)",
        plot_bgcolor="rgba(0,0,0,0)",
        **props,
    )


def scatter(**props) -> dict:
    """A scatter trace; properties set to None are left out (plotly's default applies)."""
    return {"type": "scatter", **{key: value for key, value in props.items() if value is not None}}


@functools.lru_cache(maxsize=64)
def subplot_layout(rows: int, cols: int, titles: tuple[str, ...], **spacing) -> dict:
    """The axes and title annotations of a `make_subplots` grid (plotly.py computes the
    domains), as a layout dict."""
    return make_subplots(rows=rows, cols=cols, subplot_titles=titles, **spacing).to_dict()["layout"]


def subplot_axes(row: int, col: int, cols: int) -> tuple[str, str]:
    """The axis ids ("x3", "y3") of cell (row, col), both 1-based, in a `make_subplots` grid."""
    index = (row - 1) * cols + col
    suffix = "" if index == 1 else str(index)
    return f"x{suffix}", f"y{suffix}"


def axis_key(axis_id: str) -> str:
    """The layout key of an axis id: "x3" -> "xaxis3"."""
    return f"{axis_id[0]}axis{axis_id[1:]}"


def run_labels(trajectories: Sequence[Trajectory], labels: Sequence[str] | None) -> list[str]:
    """The legend label of each run (the optimizer's title unless given).  Plotly reads
    a few HTML tags in text (``<a href>``, ``<b>``): a label from a link is shown as
    typed, its ``<``, ``>`` and ``&`` as entities.

    >>> run_labels([], ['<a href="http://host">x</a>'])
    ['&lt;a href="http://host"&gt;x&lt;/a&gt;']
    """
    if labels is not None:
        return [html.escape(str(label), quote=False) for label in labels]
    return [optim_core.spec(tr.optimizer).title for tr in trajectories]


def run_colors(trajectories: Sequence[Trajectory], dark: bool = False) -> list[str]:
    """`viz.style.run_colors` for these runs, in this theme's shades."""
    return style.run_colors([tr.optimizer for tr in trajectories], dark)


def last_valid_index(trajectory: Trajectory) -> int:
    """Index of the last real iterate: the run is frozen from `diverged_at` on."""
    diverged = trajectory.diverged_at
    last = len(trajectory.path) - 1
    return last if diverged is None else max(0, min(last, int(diverged) - 1))


def path_indices(last: int) -> np.ndarray:
    if last + 1 <= MAX_PATH_POINTS:
        return np.arange(last + 1)
    return np.unique(np.round(np.linspace(0, last, MAX_PATH_POINTS)).astype(int))


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


def view_axes(surface, anchor: str = "x") -> tuple[dict, dict]:
    """x and y axis properties that pin the view box (equal aspect where the surface asks)."""
    (x0, x1), (y0, y1) = surface.domain
    common = dict(autorange=False, constrain="domain", showgrid=False, zeroline=False)
    xaxis = dict(range=[x0, x1], **common)
    yaxis = dict(range=[y0, y1], **common)
    if surface.equal_aspect:
        yaxis.update(scaleanchor=anchor, scaleratio=1)
    return xaxis, yaxis


LEGEND_BACKGROUND = {False: "rgba(255,255,255,0.75)", True: "rgba(14,17,23,0.75)"}


def inside_legend(dark: bool, *, x: float = 1.0, y: float = 1.0) -> dict:
    """A legend in the plot area's corner at (`x`, `y`) (paper units, anchored inward),
    on a translucent page-coloured box.  plotly.js lays it out; inside the plot it never
    pushes a margin, so the figure is drawn once."""
    return dict(
        x=x, y=y, xanchor="right" if x >= 0.5 else "left", yanchor="top" if y >= 0.5 else "bottom",
        bgcolor=LEGEND_BACKGROUND[dark], orientation="v",
    )  # fmt: skip
