"""The contour view: every run's path over the surface, animated client-side, on one
contour (`contour_figure`) or one panel per run (`small_multiples_figure`).

Animation (``layout.updatemenus`` + ``layout.sliders`` + ``frames``) is built to stay
small and to keep the surface visible while it plays:

- the filled contour is a static background image in data coordinates
  (`viz.background.contour_background`), not a ``go.Contour`` trace: in the plotly.js
  that Streamlit 1.67 ships, a contour trace vanishes as soon as a ``redraw=False`` frame
  plays, even when the frames name only other traces in ``frame.traces`` and even with
  ``redraw=True`` (plotly.py #2151; checked in Chromium);
- the full path of every run is a static, faint trace drawn once;
- frames update only a moving head, a short trail, the divergence marker and the arrows,
  and name those traces in ``frame.traces``;
- at most `MAX_FRAMES` frames (long runs are subsampled) and coordinates are rounded, so
  the payload grows with the number of frames, not with the square of the path length.

Margins are fixed (``autoexpand=False``) and hold the tick labels and the animation
controls: a pushed margin makes plotly.js draw the whole figure a second time.

>>> import optim_core, surfaces
>>> surface = surfaces.get("bowl")
>>> runs = [optim_core.run("sgd", surface, steps=30, lr=0.95)]
>>> fig = contour_figure(surface, runs)
>>> len(fig.frames) <= MAX_FRAMES + 2, fig.layout.images[0].layer
(True, 'below')
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from unicodedata import east_asian_width

import numpy as np
import plotly.graph_objects as go

from i18n import t
from viz import style
from viz.arrows import ARROW_COLORS, arrow_scale, arrow_specs, arrow_text, arrow_vectors, arrow_xy
from viz.background import PANEL_BACKGROUND_WIDTH, contour_background
from viz.layout import (
    FONT_SIZE,
    SpecFigure,
    Trajectory,
    axis_key,
    base_layout,
    coordinate_decimals,
    float32,
    inside_legend,
    json_copy,
    last_valid_index,
    path_indices,
    rounded,
    run_colors,
    run_labels,
    scatter,
    subplot_axes,
    subplot_layout,
    view_axes,
    view_exit,
)

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

CONTROLS_TOP = 30  # pixels between the x axis and the play buttons (below the tick labels)

MAX_SLIDER_LABELS = 40  # more frames than this: the slider's tick labels are hidden

BUTTON_INK = {False: "#262730", True: "#0E1117"}  # text of the animation buttons

ANIMATION_MARGIN = 155  # bottom margin that holds the buttons and the slider (at FONT_SIZE)
# A phone's layout (`compact=True`): a narrow screen cannot hold the speed buttons next
# to the play buttons, a legend over the contour or an equal-aspect view of a wide box.
COMPACT_ROW = 40  # px of the second row of buttons (speeds under play / pause / step)
COMPACT_PLOT_HEIGHT = 330  # px of the contour itself, filling the screen's width
COMPACT_PANEL_HEIGHT = 270  # px per panel of the one-column small multiples
COMPACT_LEGEND_ROW = 30  # px per row of the legend under the controls
COMPACT_LEGEND_COLUMNS = 2  # legend entries per row at a phone's width

MODEBAR_HEIGHT = 28  # px of Plotly's toolbar row (25 px buttons and their padding)
VIEW_TOP_MARGIN = 12  # px above a single view (its legend sits inside the plot)

MAX_PATH_MARKERS = 150  # a longer path shows every k-th iterate's dot (zoom in to see all)

CLICK_GRID_POINTS = 21  # invisible, clickable points per axis (to pick a start): each
# costs SVG work on every redraw (41 per axis added ~100 ms); the numbers fields are exact


def _view_margin(font_size: int, top: float, animate: bool, below: float = 0) -> dict:
    """Margins of a contour view: tick labels left and below, the animation controls,
    and `below` more pixels under them (a phone's second row of buttons, its legend)."""
    bottom = ANIMATION_MARGIN + 2 * (font_size - FONT_SIZE) if animate else 10 + 1.8 * font_size
    bottom += below
    return dict(l=round(3 * font_size), r=round(1.2 * font_size + 6), t=round(top),
                b=round(bottom), autoexpand=False)  # fmt: skip


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
    # Outside a typed function's domain (log of a negative) there is no f to show and no
    # start to pick.
    xy, f = xy[np.isfinite(f)], f[np.isfinite(f)]
    return scatter(
        x=rounded(xy[:, 0], decimals),
        y=rounded(xy[:, 1], decimals),
        customdata=float32(np.round(f, 4)),
        mode="markers",
        # Only hover and selection need the points (plotly.js finds them in its data, not
        # in the SVG), so no marker is drawn: hundreds of SVG markers cost every redraw.
        marker=dict(size=26, color="rgba(0,0,0,0)", opacity=0, maxdisplayed=1),
        hovertemplate="x=%{x}<br>y=%{y}<br>f=%{customdata:.4g}<extra></extra>",
        name=t("app.fig.pick_start"),
        showlegend=False,
    )


def _critical_traces(surface, start, dark: bool) -> list[dict]:
    """Minima, saddles and the start: drawn after the runs, so a run that ends on the
    minimum does not hide its star (the star's half-clear fill lets the run show)."""
    ink = "#FFFFFF" if dark else "#000000"
    paper = "#000000" if dark else "#FFFFFF"
    veil = "rgba(0,0,0,0.45)" if dark else "rgba(255,255,255,0.45)"
    traces = []
    minima = list(surface.minima)
    if minima:
        traces.append(
            scatter(
                x=[float(m.xy[0]) for m in minima],
                y=[float(m.xy[1]) for m in minima],
                mode="markers",
                marker=dict(
                    symbol=style.MINIMUM_SYMBOL,
                    size=15,
                    color=veil,
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
            scatter(
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
            scatter(
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
    idx = path_indices(last)
    path = np.asarray(tr.path, dtype=float)[idx]
    subsampled = len(idx) < last + 1
    return scatter(
        x=rounded(path[:, 0], decimals),
        y=rounded(path[:, 1], decimals),
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
        self.xs = rounded(self.path[: self.last + 1, 0], decimals)
        self.ys = rounded(self.path[: self.last + 1, 1], decimals)
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
        return rounded([self.event_xy[0]], self.decimals), rounded(
            [self.event_xy[1]], self.decimals
        )


def _animated_traces(anim: _Animated, step: int, label: str, color: str, group: str, xref=None):
    """Trail, head and event traces of one run, showing `step`."""
    tx, ty = anim.trail(step)
    hx, hy = anim.head(step)
    ex, ey = anim.event(step)
    extra = {} if xref is None else dict(xaxis=xref[0], yaxis=xref[1])
    return [
        scatter(
            x=tx, y=ty, mode="lines", line=dict(color=color, width=3.5),
            hoverinfo="skip", showlegend=False, legendgroup=group, name=label, **extra,
        ),
        scatter(
            x=hx, y=hy, mode="markers",
            marker=dict(size=13, color=color, line=dict(color="#FFFFFF", width=1.5)),
            hovertemplate=f"{label}<br>(%{{x:.4g}}, %{{y:.4g}})<extra></extra>",
            showlegend=False, legendgroup=group, name=label, **extra,
        ),
        scatter(
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
            x, y = arrow_xy(*vectors[name], decimals, scale) if name in vectors else ([], [])
            data.append(dict(x=x, y=y, text=arrow_text(name, scale) if x else []))
    return data


def _step_lists(names: list[str]) -> tuple[list[str], list[str]]:
    """Frame lists for the "Step ▶" and "◀ Step" buttons (see `_animation_controls`)."""
    start, end = EDGE_FRAMES
    doubled = [name for name in names for _ in range(2)]
    reverse_doubled = [name for name in reversed(names) for _ in range(2)]
    return [start, *doubled, end, end], [end, *reverse_doubled, start, start]


def _animation_controls(
    frame_names: list[str], active: int, font_size: int, dark: bool = False,
    compact: bool = False,
) -> dict:  # fmt: skip
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
    # plotly.js paints the selected and the hovered button a fixed near-white (#F4FAFF,
    # `activeColor` in its updatemenus constants; no attribute sets it), so the dark
    # theme's buttons carry dark text on a light grey: light text went blank on the
    # selected speed.  Contrast of the text: 6.9:1 on the grey, 18:1 when selected.
    colors = (
        dict(bgcolor="#9EA3B0", bordercolor="#C9CCD3")
        if dark
        else dict(bgcolor="#D9DDE4", bordercolor="#B8BCC6")
    )
    button_ink = BUTTON_INK[dark]
    menus = [
        dict(
            type="buttons", direction="right", buttons=buttons, showactive=False,
            x=0.0, y=0.0, xanchor="left", yanchor="top", pad=dict(t=CONTROLS_TOP, r=4),
            font=dict(size=max(11, font_size - 1), color=button_ink), **colors,
        ),
        dict(
            type="buttons", direction="right", buttons=speeds, showactive=True, active=1,
            # On a phone: a row of its own under play / pause / step, which it covered.
            x=0.0 if compact else 1.0, y=0.0, xanchor="left" if compact else "right",
            yanchor="top", pad=dict(t=CONTROLS_TOP + (COMPACT_ROW if compact else 0)),
            font=dict(size=max(10, font_size - 2), color=button_ink), **colors,
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
        pad=dict(t=CONTROLS_TOP + 44 + (COMPACT_ROW if compact else 0), b=0),
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
    compact: bool = False,
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
      compact: a phone's layout: the contour fills the width (no equal aspect) at
        `COMPACT_PLOT_HEIGHT`, speeds in a second row, the legend under the controls.
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
        for trace in arrow_specs(arrow_run, shown, surface.domain, dark, decimals):
            animated.append(len(data))
            data.append(trace)
    data += _critical_traces(surface, start, dark)
    xaxis, yaxis = view_axes(surface)
    legend, below = inside_legend(dark), 0
    if compact:
        yaxis.pop("scaleanchor", None)
        yaxis.pop("scaleratio", None)
        names = [d["name"] for d in data if d.get("showlegend", True) and d.get("name")]
        legend, below = _legend_below(names, animate)
    margin = _view_margin(font_size, VIEW_TOP_MARGIN, animate, below)
    if compact:
        height = margin["t"] + COMPACT_PLOT_HEIGHT + margin["b"]
    layout = base_layout(
        dark,
        font_size,
        images=[_background_image(surface, background)],
        height=height,
        margin=margin,
        legend=legend,
        hovermode="closest",
        clickmode="event+select",
        dragmode="pan" if clickable else "zoom",  # what st.plotly_chart would set (see base_layout)
        uirevision="contour",
        xaxis=xaxis,
        yaxis=yaxis,
    )
    spec = dict(data=data, layout=layout)
    if animate and steps > 0:
        _add_frames(spec, anims, arrow_run, steps, max_frames, animated, shown, dark, decimals,
                    font_size, surface.domain, compact)  # fmt: skip
    return SpecFigure(spec)


def _legend_below(names: list[str], animate: bool) -> tuple[dict, int]:
    """A horizontal legend at the figure's bottom edge, under the controls, and the
    pixels it needs: over a phone's narrow contour it covered the paths and was cut.
    Two entries a row when the names are short, else one."""
    widest = max(
        (sum(2 if east_asian_width(c) in "WF" else 1 for c in n) for n in names), default=0
    )
    columns = COMPACT_LEGEND_COLUMNS if widest <= 16 else 1  # Hangul is twice as wide
    rows = math.ceil(len(names) / columns)
    legend = dict(
        orientation="h", x=0.0, xanchor="left", yref="container", y=0.0, yanchor="bottom",
        bgcolor="rgba(0,0,0,0)", entrywidthmode="fraction", entrywidth=0.95 / columns,
    )  # fmt: skip
    return legend, rows * COMPACT_LEGEND_ROW + (COMPACT_ROW if animate else 0) + 6


def _add_frames(spec, anims, arrow_run, steps, max_frames, animated, shown, dark, decimals,
                font_size, domain=None, compact=False):  # fmt: skip
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
    spec["layout"].update(_animation_controls(names, active, font_size, dark, compact))


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
    compact: bool = False,
) -> go.Figure:
    """One panel per run (the 2 × 2 grid of Deep Learning from Scratch, Figure 6-8), all
    sharing one step slider and one set of play buttons.  `compact`: a phone's layout,
    one column of panels that fill the width, speeds in a second row of buttons."""
    labels = run_labels(trajectories, labels)
    colors = run_colors(trajectories, dark)
    font_size = font_size or FONT_SIZE
    if compact:
        columns, panel_height = 1, COMPACT_PANEL_HEIGHT
    n = max(len(trajectories), 1)
    columns = max(1, min(columns, n))
    rows = math.ceil(n / columns)
    steps = len(trajectories[0].path) - 1 if trajectories else 0
    shown = _initial_step(step, steps)
    decimals = coordinate_decimals(surface.domain)
    layout = json_copy(
        subplot_layout(rows, columns, tuple(labels), horizontal_spacing=0.06,
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
        x_id, y_id = subplot_axes(row + 1, col + 1, columns)
        cell = dict(xaxis=x_id, yaxis=y_id)
        images.append(_background_image(surface, background, x_id, y_id))
        traces = [click] if click is not None else []
        dash = style.optimizer_dash(tr.optimizer)
        traces.append(_static_path(tr, labels[i], colors[i], dash, decimals, f"run{i}"))
        data += [{**trace, **cell, "showlegend": False} for trace in traces]
        for trace in _animated_traces(anims[i], shown, labels[i], colors[i], f"run{i}"):
            animated.append(len(data))
            data.append({**trace, **cell, "showlegend": False})
        data += [
            {**trace, **cell, "showlegend": False}
            for trace in _critical_traces(surface, start, dark)
        ]
        xaxis, yaxis = view_axes(surface, anchor=x_id)
        if compact:
            yaxis.pop("scaleanchor", None)
            yaxis.pop("scaleratio", None)
        layout[axis_key(x_id)].update(xaxis)
        layout[axis_key(y_id)].update(yaxis)
    layout.update(
        base_layout(
            dark,
            font_size,
            images=images,
            height=panel_height * rows
            + (ANIMATION_MARGIN if animate else 20)
            + (COMPACT_ROW if compact and animate else 0),
            # Panel titles, below the room of Plotly's toolbar (the modebar sits in the
            # figure's top right corner, over whatever is there).
            margin=_view_margin(
                font_size,
                2 * font_size + 14 + MODEBAR_HEIGHT,
                animate,
                COMPACT_ROW if compact and animate else 0,
            ),
            hovermode="closest",
            clickmode="event+select",
            dragmode="pan" if clickable else "zoom",
            uirevision="grid",
        )
    )
    spec = dict(data=data, layout=layout)
    if animate and steps > 0:
        _add_frames(spec, anims, None, steps, max_frames, animated, shown, dark, decimals,
                    font_size, compact=compact)  # fmt: skip
    return SpecFigure(spec)
