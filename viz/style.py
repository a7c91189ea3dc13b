"""The one look shared by the interactive charts and every exported file.

Colours come from the Okabe-Ito colour-blind-safe palette with one fixed colour per
optimizer, so "Adam" is the same colour in every view, file and slide.  Contour grids and
levels are computed here once, so Plotly and Matplotlib draw identical contours.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
from plotly.colors import hex_to_rgb
from plotly.colors import sequential as plotly_sequential

import optim_core

# Okabe & Ito (2008), "Color Universal Design"; black is kept for markers.
OKABE_ITO = {
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
    "black": "#000000",
}
# Yellow is left out of the cycle: it vanishes on the surface's light (high) regions.
_CYCLE = ("blue", "vermillion", "bluish_green", "orange", "reddish_purple", "sky_blue", "black")
# Fixed colour per optimizer (families share hues so related methods look related).
OPTIMIZER_COLORS = {
    "sgd": OKABE_ITO["black"],
    "momentum": OKABE_ITO["blue"],
    "nesterov": OKABE_ITO["sky_blue"],
    "adagrad": OKABE_ITO["bluish_green"],
    "rmsprop": OKABE_ITO["orange"],
    "adadelta": OKABE_ITO["bluish_green"],  # AdaGrad's heir; dash-dotted to tell them apart
    "adam": OKABE_ITO["vermillion"],
    "amsgrad": OKABE_ITO["reddish_purple"],
    "adamw": OKABE_ITO["reddish_purple"],
    "adamax": OKABE_ITO["orange"],
    "nadam": OKABE_ITO["vermillion"],
    "newton": OKABE_ITO["bluish_green"],
    "lbfgs": OKABE_ITO["blue"],
}
# Line styles separate optimizers that share a hue (Plotly dash names; Matplotlib maps them).
OPTIMIZER_DASH = {
    "nesterov": "dashdot",  # Momentum's hue, told apart by the line (both themes)
    "adadelta": "dashdot",
    "amsgrad": "dash",
    "adamax": "dash",
    "nadam": "dash",
    "newton": "dot",
    "lbfgs": "dot",
}
MATPLOTLIB_DASH = {"solid": "-", "dash": "--", "dot": ":", "dashdot": "-."}

CONTOUR_COLORSCALE = "Viridis"
CONTOUR_CMAP = "viridis"
FONT_FAMILY = "Noto Sans, Noto Sans KR, NanumGothic, Arial, sans-serif"
MINIMUM_SYMBOL = "star"
SADDLE_SYMBOL = "diamond"  # the cross is the diverged run's alone
START_SYMBOL = "circle"
DIVERGED_SYMBOL = "x-thin"
GRID_RESOLUTION = 150
LEVEL_COUNT = 25
LEVEL_QUANTILE = 0.98  # linear levels stop here: one huge corner does not flatten the rest


# --- the contour's colours and the runs' contrast against them ----------------------------

PAGE_COLORS = {False: (255, 255, 255), True: (14, 17, 23)}  # Streamlit's light / dark page
# How much of the colour map shows through the page colour: little enough that the bands
# span a narrow range of lightness, so every run colour keeps `MIN_CONTRAST` against all
# of them with its hue still recognisable (`themed`).  At the old 0.7 the dark theme left
# Momentum's blue at 1.3:1 on the green middle of the map.
CONTOUR_FILL_ALPHA = {False: 0.3, True: 0.3}
MIN_CONTRAST = 3.0  # WCAG 2.2 SC 1.4.11, for graphics a reader needs to see


def colormap(values: np.ndarray) -> np.ndarray:
    """RGB (…, 3) in 0..255 of `values` in [0, 1] on `CONTOUR_COLORSCALE`."""
    stops = np.array([hex_to_rgb(c) for c in getattr(plotly_sequential, CONTOUR_COLORSCALE)], float)
    positions = np.linspace(0.0, 1.0, len(stops))
    return np.stack([np.interp(values, positions, stops[:, k]) for k in range(3)], axis=-1)


def contour_fill(shade: np.ndarray, dark: bool) -> np.ndarray:
    """RGB (…, 3) of the contour's bands at colour-map positions `shade` on the page."""
    alpha = CONTOUR_FILL_ALPHA[dark]
    return alpha * colormap(shade) + (1 - alpha) * np.array(PAGE_COLORS[dark], dtype=float)


def relative_luminance(rgb) -> np.ndarray:
    """WCAG 2.2 relative luminance of sRGB colours (…, 3) in 0..255."""
    c = np.asarray(rgb, dtype=float) / 255.0
    c = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    return c @ np.array([0.2126, 0.7152, 0.0722])


def contrast_ratio(a, b) -> np.ndarray:
    """WCAG contrast ratio (1 to 21) between colours `a` and `b` (RGB in 0..255).

    >>> float(contrast_ratio((0, 0, 0), (255, 255, 255)))
    21.0
    """
    la, lb = relative_luminance(a), relative_luminance(b)
    return (np.maximum(la, lb) + 0.05) / (np.minimum(la, lb) + 0.05)


def contour_colors(dark: bool) -> np.ndarray:
    """(101, 3): every colour a band of the contour can take in this theme."""
    return contour_fill(np.linspace(0.0, 1.0, 101), dark)


@functools.lru_cache(maxsize=64)
def themed(color: str, dark: bool) -> str:
    """`color` darkened (light theme) or lightened (dark theme) by the least amount that
    gives it `MIN_CONTRAST` against every band of the contour: the hue stays, so a run
    keeps its colour's name in both themes."""
    if dark and color.upper() == OKABE_ITO["black"]:
        color = "#FFFFFF"  # the colour without a hue: drawn white on a dark page
    base = np.array(hex_to_rgb(color), dtype=float)
    toward = np.array((255.0, 255.0, 255.0) if dark else (0.0, 0.0, 0.0))
    bands = contour_colors(dark)
    for mix in np.linspace(0.0, 1.0, 101):
        rgb = np.round((1 - mix) * base + mix * toward)
        if contrast_ratio(rgb, bands).min() >= MIN_CONTRAST:
            break
    return "#{:02X}{:02X}{:02X}".format(*(int(v) for v in rgb))


def optimizer_color(name: str, index: int = 0) -> str:
    """The fixed colour of optimizer `name` (a cycle colour for unknown names)."""
    if name in OPTIMIZER_COLORS:
        return OPTIMIZER_COLORS[name]
    return OKABE_ITO[_CYCLE[index % len(_CYCLE)]]


def run_colors(optimizers: list[str], dark: bool = False) -> list[str]:
    """Colours for a list of runs over the contour of this theme (`themed`): an optimizer
    that appears once keeps its own colour; the runs of an optimizer that appears several
    times (a sweep) take palette colours that no other run uses, so no two runs share a
    colour while the palette lasts."""
    single = {name for name in optimizers if optimizers.count(name) == 1}
    used = {optimizer_color(name) for name in single}
    spare = [OKABE_ITO[c] for c in _CYCLE if OKABE_ITO[c] not in used]
    colors = []
    for index, name in enumerate(optimizers):
        if name in single:
            colors.append(optimizer_color(name))
        else:
            colors.append(spare.pop(0) if spare else OKABE_ITO[_CYCLE[index % len(_CYCLE)]])
    return [themed(color, dark) for color in colors]


def optimizer_dash(name: str) -> str:
    return OPTIMIZER_DASH.get(name, "solid")


@dataclass(frozen=True)
class ContourGrid:
    """Surface values on a regular grid plus the levels to draw (in `z` units)."""

    x: np.ndarray  # (nx,)
    y: np.ndarray  # (ny,)
    z: np.ndarray  # (ny, nx), transformed for display when log-scaled
    levels: np.ndarray
    log_scale: bool
    offset: float  # z = log10(f - offset) when log-scaled, else z = f

    def transform(self, values: np.ndarray) -> np.ndarray:
        """Map surface values into the grid's display units."""
        values = np.asarray(values, dtype=float)
        if not self.log_scale:
            return values
        with np.errstate(all="ignore"):
            return np.log10(np.maximum(values - self.offset, 1e-300))


def contour_grid(surface, domain=None, resolution: int = GRID_RESOLUTION,
                 level_count: int = LEVEL_COUNT) -> ContourGrid:  # fmt: skip
    """Evaluate `surface` on a grid over `domain` (default: its view box).

    Valley-shaped surfaces (`level_scale == "log"`) are shown as log10(f − f_min + δ), so
    the flat floor gets as many contour lines as the steep walls.
    """
    (x0, x1), (y0, y1) = domain or surface.domain
    x = np.linspace(x0, x1, resolution)
    y = np.linspace(y0, y1, resolution)
    xx, yy = np.meshgrid(x, y)
    with np.errstate(all="ignore"):
        f = surface.value(np.stack([xx, yy], axis=-1))
    finite = f[np.isfinite(f)]
    if finite.size == 0:
        finite = np.zeros(1)
    lo, hi = float(finite.min()), float(finite.max())
    if surface.level_scale == "log":
        minima = [m.value for m in surface.minima]
        floor = min([lo, *minima])
        span = max(hi - floor, 1e-12)
        offset = floor - 1e-3 * span * 1e-3  # δ: a millionth of the range keeps log finite
        grid = ContourGrid(x, y, np.zeros_like(f), np.zeros(0), True, offset)
        z = grid.transform(np.where(np.isfinite(f), f, hi))
        levels = np.linspace(float(z.min()), float(z.max()), level_count)
        return ContourGrid(x, y, z, levels, True, offset)
    # Linear levels, clipped to the central 98% so one huge corner does not flatten the rest.
    z = np.where(np.isfinite(f), f, hi)
    top = float(np.quantile(z, LEVEL_QUANTILE)) if z.size > 10 else hi
    levels = np.linspace(lo, max(top, lo + 1e-12), level_count)
    return ContourGrid(x, y, z, levels, False, 0.0)


def hyper_summary(optimizer: str, hyper: dict, convention: str | None = None) -> str:
    """A compact "lr=0.1, β1=0.9" string for legends and stamps (non-default values first)."""
    opt = optim_core.spec(optimizer)
    defaults = opt.defaults(convention)
    parts = []
    for p in opt.params:
        if p.name not in hyper:
            continue
        value = hyper[p.name]
        if p.name != "lr" and value == defaults.get(p.name):
            continue
        parts.append(f"{p.name}={value:g}" if isinstance(value, float) else f"{p.name}={value}")
    return ", ".join(parts)
