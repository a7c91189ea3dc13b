"""`export`: one experiment, one format, one options record -> the file's bytes.

The app's export panel and the command line both call this one function.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from experiments import Experiment
from exports import data
from exports.options import ExportOptions, get_format
from optim_core import Trajectory

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class ExportResult:
    """A finished file: its bytes, a suggested file name and its MIME type."""

    format: str
    filename: str
    mime: str
    data: bytes


def safe_stem(text: str) -> str:
    """A file-name stem from free text: letters, digits, '-', '_' and '.' only.

    >>> safe_stem("Rosenbrock / Adam η=0.1")
    'Rosenbrock-Adam-η-0.1'
    """
    stem = re.sub(r"[^\w.-]+", "-", text, flags=re.UNICODE).strip("-.")
    return stem[:80] or "optimizer-playground"


def filename(fmt: str, stem: str) -> str:
    """``<stem><suffix>``, e.g. ``dlfs_ch6.filmstrip.png``."""
    return safe_stem(stem) + get_format(fmt).suffix


def export(
    experiment: Experiment,
    fmt: str,
    options: ExportOptions | None = None,
    *,
    trajectories: Sequence[Trajectory] | None = None,
    stem: str | None = None,
    progress: Progress | None = None,
) -> ExportResult:
    """Render `experiment` as `fmt` (see `exports.FORMATS`).

    `trajectories` are the experiment's runs if the caller has them already (the app
    does); otherwise they are computed.  `progress(done, total)` is called after every
    animation frame and once at the end of any other format.  Bad options raise
    `optim_core.ParameterError` naming the value and its allowed range.
    """
    spec = get_format(fmt)
    if fmt in ("csv", "json", "settings"):  # the data formats load no plotting library
        return _data_export(experiment, fmt, trajectories, stem, progress)
    from exports import animation, render
    from exports import html as html_page

    options = (options or ExportOptions()).validated()
    if trajectories is None:
        trajectories = experiment.run()
    stem = stem or f"optimizer-playground-{experiment.surface}"
    scale = options.scale_for(fmt)

    def scene() -> render.Scene:
        return render.build_scene(
            experiment, trajectories, layout=options.layout, stamp=options.stamp
        )

    if spec.kind == "image":
        payload = render.render_still(scene(), fmt, scale)
    elif spec.kind == "filmstrip":
        still = "png" if fmt == "filmstrip" else fmt.split("-", 1)[1]
        payload = render.render_filmstrip(scene(), still, scale, options.filmstrip_stride)
    elif spec.kind == "animation":
        steps = render.frame_steps(experiment.steps, options.frame_limit())
        encode = animation.encode_gif if fmt == "gif" else animation.encode_mp4
        payload = encode(
            scene(), steps, fps=options.fps, scale=scale, end_pause=options.end_pause,
            duration=options.duration, progress=progress,
        )  # fmt: skip
    elif fmt == "html":
        page = html_page.page(
            experiment,
            trajectories,
            layout=options.layout,
            max_frames=options.max_frames,
            stamp=render.stamp_text(experiment, trajectories) if options.stamp else "",
            data_json=data.trajectories_json(experiment, trajectories, indent=None),
        )
        payload = page.encode("utf-8")
    if progress is not None and spec.kind != "animation":
        progress(1, 1)
    return ExportResult(fmt, filename(fmt, stem), spec.mime, payload)


def _data_export(experiment, fmt, trajectories, stem, progress) -> ExportResult:
    """CSV or JSON of the trajectories, or the settings file."""
    if fmt == "settings":
        payload = data.settings_json(experiment)
    else:
        trajectories = experiment.run() if trajectories is None else trajectories
        write = data.trajectories_csv if fmt == "csv" else data.trajectories_json
        payload = write(experiment, trajectories)
    if progress is not None:
        progress(1, 1)
    stem = stem or f"optimizer-playground-{experiment.surface}"
    return ExportResult(fmt, filename(fmt, stem), get_format(fmt).mime, payload.encode("utf-8"))
