"""Run colours stay visible on the contour in both themes: every colour a run can take
has a WCAG contrast ratio of at least 3:1 against every colour the contour's bands can
take, measured on the pixels of the background image the app draws."""

from __future__ import annotations

import base64
import io

import numpy as np
import pytest
from PIL import Image

import surfaces
from viz import background, style


def luminance(rgb) -> np.ndarray:
    """WCAG 2.2 relative luminance, written out again here (not `style`'s)."""
    c = np.asarray(rgb, dtype=float) / 255.0
    linear = np.where(c <= 0.03928, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    return 0.2126 * linear[..., 0] + 0.7152 * linear[..., 1] + 0.0722 * linear[..., 2]


def ratio(a, b) -> np.ndarray:
    la, lb = luminance(a), luminance(b)
    return (np.maximum(la, lb) + 0.05) / (np.minimum(la, lb) + 0.05)


def hex_rgb(color: str) -> tuple[int, int, int]:
    return tuple(int(color[i : i + 2], 16) for i in (1, 3, 5))


def background_pixels(name: str, dark: bool) -> np.ndarray:
    """(N, 3): every pixel of the background image of surface `name`."""
    uri = background.contour_background(surfaces.get(name), dark=dark, width=200)
    image = Image.open(io.BytesIO(base64.b64decode(uri.split(",", 1)[1]))).convert("RGB")
    return np.asarray(image).reshape(-1, 3)


EVERY_RUN_COLOR = sorted(
    {*style.OPTIMIZER_COLORS.values(), *style.OKABE_ITO.values()}
    - {
        style.OKABE_ITO["yellow"]  # never a run's colour (not in the cycle)
    }
)


@pytest.mark.parametrize("dark", [False, True], ids=["light", "dark"])
def test_every_run_colour_has_3_to_1_against_every_band(dark):
    # Band fills only: the faint contour lines between bands are a pixel wide and were
    # blended with the band colours when the image was reduced.
    fills = style.contour_colors(dark)
    for color in EVERY_RUN_COLOR:
        shade = hex_rgb(style.themed(color, dark))
        worst = ratio(np.array(shade)[None], fills).min()
        assert worst >= 3.0, (color, style.themed(color, dark), worst)


@pytest.mark.parametrize("dark", [False, True], ids=["light", "dark"])
def test_the_band_colours_are_the_pixels_the_app_draws(dark):
    """`style.contour_colors` is what the image shows: seven pixels in ten are a band's fill
    (the rest are the thin lines between bands, anti-aliased)."""
    fills = style.contour_colors(dark)
    for name in ("bowl", "rosenbrock", "himmelblau"):
        pixels = np.unique(background_pixels(name, dark), axis=0, return_counts=True)
        colors, counts = pixels[0].astype(float), pixels[1]
        gap = np.abs(colors[:, None, :] - fills[None]).max(-1).min(1)
        on_a_fill = counts[gap <= 4].sum() / counts.sum()  # 64-colour quantizing rounds
        assert on_a_fill >= 0.7, (name, on_a_fill)


def test_momentum_and_adagrad_show_on_the_dark_surface():
    """The lecturer's case: on the dark theme's green middle, Momentum's and AdaGrad's
    paths had 1.3:1 and 1.6:1; now 3:1 at least on every band."""
    fills = style.contour_colors(True)
    for name in ("momentum", "adagrad"):
        color = hex_rgb(style.run_colors([name], dark=True)[0])
        assert ratio(np.array(color)[None], fills).min() >= 3.0
    old_blend = 0.7 * style.colormap(np.linspace(0, 1, 101)) + 0.3 * np.array((14, 17, 23))
    assert ratio(np.array(hex_rgb(style.OPTIMIZER_COLORS["momentum"]))[None], old_blend).min() < 1.5


def test_hue_is_kept():
    """A shade is its colour mixed with black or white only: the hue angle is the same."""
    import colorsys

    for color in EVERY_RUN_COLOR:
        base = colorsys.rgb_to_hls(*(v / 255 for v in hex_rgb(color)))
        for dark in (False, True):
            shade = colorsys.rgb_to_hls(*(v / 255 for v in hex_rgb(style.themed(color, dark))))
            if base[2] > 0.2 and shade[2] > 0.2:  # grey has no hue to keep
                assert abs(base[0] - shade[0]) < 0.02, (color, dark)
