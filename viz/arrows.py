"""The arrows of Explore's step inspector: gradient, momentum and update at one step,
taken from the run's recorded state."""

from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go

from i18n import t
from viz.layout import Trajectory, ink, last_valid_index, rounded, scatter

ARROW_COLORS = {"gradient": "#CC79A7", "momentum": "#56B4E9", "update": "#000000"}

# State slots that carry a momentum-like direction, in order of preference.
_MOMENTUM_SLOTS = ("velocity", "m_bar", "m_hat")

ARROW_VIEW_FRACTION = 0.15  # the longest arrow of a step spans this share of the view


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
    if raw <= 1 or not math.isfinite(raw):  # an arrow of 1e-320 has no scale that shows it
        return 1.0
    exponent = math.floor(math.log10(raw))
    mantissa = max(m for m in (1, 2, 5) if m * 10**exponent <= raw * (1 + 1e-12))
    return float(mantissa * 10**exponent)


def arrow_text(name: str, scale: float) -> list[str]:
    return (
        ["", t("app.fig.arrow.scaled", scale=f"{scale:g}")]
        if name == "update" and scale != 1
        else []
    )


def arrow_xy(
    origin: np.ndarray, vector: np.ndarray, decimals: int, scale: float = 1.0
) -> tuple[list, list]:
    tip = origin + scale * vector
    if not np.all(np.isfinite(tip)):
        return [], []
    return rounded([origin[0], tip[0]], decimals), rounded([origin[1], tip[1]], decimals)


def arrow_traces(
    trajectory: Trajectory, step: int, domain, *, dark: bool = False, decimals: int = 4
) -> list[go.Scatter]:
    """Three arrow traces (gradient, momentum, update) at update `step`, magnified by
    `arrow_scale` (printed at the update's tip); empty where the optimizer has no such
    vector or there is no update yet."""
    return [go.Scatter(spec) for spec in arrow_specs(trajectory, step, domain, dark, decimals)]


def arrow_specs(trajectory: Trajectory, step: int, domain, dark: bool, decimals: int) -> list[dict]:
    vectors = arrow_vectors(trajectory, step)
    scale = arrow_scale(trajectory, step, domain)
    traces = []
    for name in ARROW_COLORS:
        x, y = arrow_xy(*vectors[name], decimals, scale) if name in vectors else ([], [])
        color = ink(ARROW_COLORS[name], dark)
        traces.append(
            scatter(
                x=x,
                y=y,
                mode="lines+markers+text",
                text=arrow_text(name, scale) if x else [],
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
