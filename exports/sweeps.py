"""A hyperparameter map as files: its numbers as CSV, the map as PNG, SVG or PDF.

The CSV has one row per cell: the swept hyperparameters, the criterion's value (empty
where the run diverged or never reached the tolerance), the final loss gap and the step
the run diverged at (empty where it did not).  Numbers use `repr`, so they read back
exactly.  The image draws diverged cells in the app's diverged colour with a legend
entry, never on the loss scale.
"""

from __future__ import annotations

import csv
import io
import math

import numpy as np

from i18n import t
from viz import sweeps as figures

MIME = {"png": "image/png", "svg": "image/svg+xml", "pdf": "application/pdf"}


def _cell(value: float) -> str:
    return "" if value is None or not math.isfinite(value) else repr(float(value))


def sweep_csv(result) -> str:
    """One row per cell of an `optim_core.sweep` result."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([*result.names, result.criterion, "final_loss_gap", "diverged_at"])
    for index in np.ndindex(result.values.shape):
        settings = result.settings_at(index)
        k = int(result.diverged_at[index])
        writer.writerow([
            *(repr(settings[n]) for n in result.names), _cell(result.values[index]),
            _cell(result.final_loss[index]), "" if k < 0 else str(k),
        ])  # fmt: skip
    return out.getvalue()


def sweep_image(result, fmt: str, *, title: str = "") -> bytes:
    """The map drawn with Matplotlib (two axes: a heat-map; one axis: a curve)."""
    from matplotlib.colors import ListedColormap
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch

    from exports.render import style_context

    if fmt not in MIME:
        raise ValueError(f"format must be one of {', '.join(MIME)}")
    with style_context():
        fig = Figure(figsize=(7.0, 5.2), dpi=150)
        ax = fig.add_subplot()
        names = result.names
        values = np.asarray(result.values, float)
        log = result.criterion == "final_loss"
        with np.errstate(all="ignore"):
            shown = np.log10(np.maximum(values, 1e-300)) if log else values
        criterion = figures.criterion_title(result.criterion, result.tolerance)
        diverged = result.diverged_at >= 0
        handles = []
        if len(names) == 2:
            xs, ys = result.grid[names[0]], result.grid[names[1]]
            mesh = ax.pcolormesh(xs, ys, shown.T, cmap="viridis", shading="nearest")
            bar = fig.colorbar(mesh, ax=ax)
            bar.set_label(("log10 " if log else "") + criterion)
            for mask, color, key in ((diverged, figures.DIVERGED_COLOR, "sweeps.fig.diverged"),
                                     (~diverged & ~np.isfinite(values), figures.NOT_REACHED_COLOR,
                                      "sweeps.fig.not_reached")):  # fmt: skip
                if mask.any():
                    ax.pcolormesh(xs, ys, np.where(mask, 1.0, np.nan).T, shading="nearest",
                                  cmap=ListedColormap([color]), hatch="//")  # fmt: skip
                    handles.append(Patch(facecolor=color, hatch="//", label=t(key)))
            ax.set_ylabel(figures.param_title(names[1], result.optimizer))
            if figures.param_of(result.optimizer, names[1]).log:
                ax.set_yscale("log")
        else:
            xs = result.grid[names[0]]
            ax.plot(xs, values, marker=".", color=figures.style.OKABE_ITO["blue"])
            if diverged.any():
                for x in xs[diverged]:
                    ax.axvline(x, color=figures.DIVERGED_COLOR, alpha=0.25, lw=3)
                handles.append(
                    Patch(facecolor=figures.DIVERGED_COLOR, label=t("sweeps.fig.diverged"))
                )
            ax.set_ylabel(criterion)
            if log:
                ax.set_yscale("log")
        ax.set_xlabel(figures.param_title(names[0], result.optimizer))
        if figures.param_of(result.optimizer, names[0]).log:
            ax.set_xscale("log")
        if handles:
            ax.legend(
                handles=handles, loc="upper left", bbox_to_anchor=(0, 1.12), ncol=2, frameon=False
            )
        if title:
            fig.suptitle(title)
        buffer = io.BytesIO()
        fig.savefig(buffer, format=fmt, bbox_inches="tight")
    return buffer.getvalue()
