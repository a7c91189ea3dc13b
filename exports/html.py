"""A standalone HTML page that plays the trajectory animation offline.

plotly.js is inlined (``include_plotlyjs=True``), MathJax is left out and no font or
script is fetched, so the file works from a USB stick in a lecture hall without network.
The page also carries the trajectories and settings as JSON (``<script
type="application/json" id="trajectory-data">``), so the numbers travel with the chart.

The chart is the app's own (`viz.contour.contour_figure`, or `small_multiples_figure`
for the grid layout), so the page looks and plays exactly like the app.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

import plotly.graph_objects as go

from experiments import Experiment
from exports import render
from i18n import get_language, t
from optim_core import Trajectory
from viz import contour, style

CHART_HEIGHT = 640  # pixels: a little taller than in the app, the page has nothing else
DEFAULT_IMAGE_FILENAME = "optimizer-playground"
DATA_ELEMENT_ID = "trajectory-data"
CHART_ELEMENT_ID = "optimizer-animation"


def plotly_config(
    format: str = "svg",  # Plotly's own name for it
    scale: float = 3,
    filename: str = DEFAULT_IMAGE_FILENAME,
) -> dict:
    """Plotly `config` whose camera button saves SVG or PNG at slide scale.

    Pass it to ``st.plotly_chart(fig, config=exports.plotly_config())``.

    >>> plotly_config("png", 2)["toImageButtonOptions"]
    {'format': 'png', 'scale': 2, 'filename': 'optimizer-playground'}
    """
    from exports.options import SCALE
    from foundation.params import ParameterError

    if format not in ("svg", "png"):
        raise ParameterError("format", format, "'svg' or 'png'")
    scale = SCALE.validate(scale, "plotly_config")
    return {
        "displaylogo": False,
        "toImageButtonOptions": {
            "format": format,
            "scale": int(scale) if float(scale).is_integer() else scale,
            "filename": filename,
        },
    }


def chart(
    experiment: Experiment,
    trajectories: Sequence[Trajectory],
    *,
    layout: str = "overlay",
    max_frames: int = contour.MAX_FRAMES,
) -> go.Figure:
    """The app's own animated chart (`viz.contour`) of these runs."""
    surface = experiment.surface_object()
    labels = [render.run_label(run) for run in experiment.runs]
    if layout == "grid":
        return contour.small_multiples_figure(
            surface, trajectories, labels, columns=2 if len(labels) > 1 else 1,
            max_frames=max_frames,
        )  # fmt: skip
    return contour.contour_figure(
        surface, trajectories, labels, max_frames=max_frames, height=CHART_HEIGHT
    )


def _json_for_script(text: str) -> str:
    """JSON safe inside <script>: no "</script>" or "<!--" can end it early."""
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def page(
    experiment: Experiment,
    trajectories: Sequence[Trajectory],
    *,
    layout: str = "overlay",
    max_frames: int = contour.MAX_FRAMES,
    stamp: str = "",
    data_json: str,
) -> str:
    """The full HTML document: title, the chart, the settings and the data."""
    chart_html = chart(experiment, trajectories, layout=layout, max_frames=max_frames).to_html(
        full_html=False,
        include_plotlyjs=True,
        include_mathjax=False,
        config=plotly_config("svg", 3),
        auto_play=False,
        div_id=CHART_ELEMENT_ID,
        default_width="100%",
    )
    surface = experiment.surface_object()
    title = html.escape(t(f"surface.{surface.name}.title", default=surface.title))
    stamp_html = html.escape(stamp).replace("\n", "<br>") if stamp else ""
    return f"""<!DOCTYPE html>
<html lang="{get_language()}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="Optimizer Playground">
<title>{title}</title>
<style>
body {{ font-family: {html.escape(style.FONT_FAMILY)}; margin: 1rem 2rem; color: #222; }}
pre {{ background: #f6f6f6; padding: 0.8rem; overflow: auto; }}
</style>
</head>
<body>
<h1>{title}</h1>
<p>{html.escape(t("export.html.intro"))}</p>
{f"<p><small>{stamp_html}</small></p>" if stamp_html else ""}
{chart_html}
<details>
<summary>{html.escape(t("export.html.settings"))}</summary>
<pre>{html.escape(experiment.to_json())}</pre>
</details>
<script type="application/json" id="{DATA_ELEMENT_ID}">{_json_for_script(data_json)}</script>
</body>
</html>
"""
