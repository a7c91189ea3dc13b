"""The training lab's files: every curve as CSV and JSON, the settings as JSON, and the
figure as PNG, SVG or PDF (Matplotlib, from the same table of curves the page draws).

>>> import numpy as np
>>> from netlab.report import Curve
>>> curves = [Curve("loss", "SGD", "loss", np.arange(2), np.array([2.3, 2.1]))]
>>> print(curves_csv(curves).strip())
panel,label,series,x,y
loss,SGD,loss,0,2.3
loss,SGD,loss,1,2.1
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

IMAGE_FORMATS = {"png": "image/png", "svg": "image/svg+xml", "pdf": "application/pdf"}
DATA_FORMATS = {"csv": "text/csv", "json": "application/json", "settings": "application/json"}
DASHES = {"solid": "-", "dash": "--", "dot": ":"}
PANEL_INCHES = (4.2, 2.8)
DPI = 150


def _number(value: Any) -> Any:
    value = float(value)
    return value if math.isfinite(value) else None


def curves_csv(curves: Sequence) -> str:
    """One row per point: panel, run label, series, x, y (empty where not finite)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["panel", "label", "series", "x", "y"])
    for c in curves:
        for x, y in zip(c.x, c.y, strict=True):
            y = _number(y)
            writer.writerow([c.panel, c.label, c.series, f"{float(x):.10g}",
                             "" if y is None else f"{y:.10g}"])  # fmt: skip
    return buffer.getvalue()


def settings_dict(settings: Any) -> dict:
    """A settings record as plain JSON data (nested records, tuples and mappings)."""
    return json.loads(json.dumps(dataclasses.asdict(settings), default=_plain))


def _plain(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, Mapping):
        return dict(value)
    raise TypeError(type(value).__name__)


def settings_json(kind: str, settings: Any) -> str:
    return json.dumps({"lab_experiment": kind, "settings": settings_dict(settings)}, indent=2,
                      ensure_ascii=False)  # fmt: skip


def curves_json(kind: str, settings: Any, curves: Sequence) -> str:
    """The settings and every curve (x, y lists; null where not finite)."""
    data = {
        "lab_experiment": kind,
        "settings": settings_dict(settings),
        "curves": [
            {"panel": c.panel, "label": c.label, "series": c.series,
             "x": [_number(x) for x in c.x], "y": [_number(y) for y in c.y]}
            for c in curves
        ],
    }  # fmt: skip
    return json.dumps(data, ensure_ascii=False)


def image(
    curves: Sequence,
    fmt: str,
    *,
    titles: Mapping[str, str],
    labels: Mapping[str, str],
    colors: Sequence[str],
    series_styles: Mapping[str, Mapping[str, Any]],
    columns: int = 2,
    x_title: str = "",
    title: str = "",
    landscape: Any = None,
) -> bytes:
    """The grid of small plots (or the landscape contour with its paths) as `fmt`."""
    from matplotlib.figure import Figure

    from exports import render

    if fmt not in IMAGE_FORMATS:
        raise ValueError(fmt)
    panels = list(dict.fromkeys(c.panel for c in curves if landscape is None or c.panel == "plane"))
    columns = max(1, min(columns, len(panels)))
    rows = math.ceil(len(panels) / columns)
    with render.style_context():
        figure = Figure(figsize=(PANEL_INCHES[0] * columns, PANEL_INCHES[1] * rows + 0.8),
                        layout="constrained")  # fmt: skip
        axes = figure.subplots(rows, columns, squeeze=False)
        for index, panel in enumerate(panels):
            ax = axes[index // columns][index % columns]
            ax.set_title(titles.get(panel, panel), fontsize=9)
            if landscape is not None:
                field = ax.contourf(landscape.a, landscape.b,
                                    np.log10(np.maximum(landscape.loss, 1e-12)), levels=25)  # fmt: skip
                figure.colorbar(field, ax=ax, label="log₁₀ loss")
            for c in (c for c in curves if c.panel == panel):
                color = colors[c.run % len(colors)]
                name = labels.get(c.label, c.label)
                if c.series == "histogram":
                    width = float(c.x[1] - c.x[0]) if len(c.x) > 1 else 1.0
                    ax.bar(c.x, c.y, width=width, color=color)
                    continue
                look = series_styles[c.series]
                shown = c.series in ("smoothed_loss", "test_accuracy", "path")
                ax.plot(c.x, c.y, color=color, linestyle=DASHES[look["dash"]],
                        linewidth=look["width"] * 0.7, alpha=look["opacity"],
                        label=name if shown else None)  # fmt: skip
            ax.set_xlabel("" if landscape is not None else x_title, fontsize=8)
            ax.tick_params(labelsize=7)
        for index in range(len(panels), rows * columns):
            axes[index // columns][index % columns].set_visible(False)
        handles, names = axes[0][0].get_legend_handles_labels()
        if handles:
            figure.legend(handles, names, loc="outside upper center", ncols=min(6, len(names)),
                          fontsize=8, frameon=False)  # fmt: skip
        if title:
            figure.suptitle(title, fontsize=11)
        buffer = io.BytesIO()
        figure.savefig(buffer, format=fmt, dpi=DPI)
    return buffer.getvalue()
