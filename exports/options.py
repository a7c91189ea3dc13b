"""What can be exported (`FORMATS`) and how (`ExportOptions`), validated at the edge.

>>> sorted(FORMATS)[:4]
['csv', 'filmstrip', 'filmstrip-pdf', 'filmstrip-svg']
>>> ExportOptions(fps=20).validated().scale_for("gif"), ExportOptions().scale_for("png")
(1.0, 2.0)
>>> ExportOptions(fps=500).validated()
Traceback (most recent call last):
...
foundation.params.ParameterError: export: fps must be an integer in [1, 50] (got 500)
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields, replace
from typing import Literal

from foundation.params import Param, ParameterError

# How several runs share a picture: drawn on one surface, or as small multiples.
LAYOUTS = ("overlay", "grid")

FormatKind = Literal["image", "filmstrip", "animation", "page", "data"]


@dataclass(frozen=True)
class Format:
    """One downloadable file type: `name` on the command line, the file name's ending."""

    name: str
    suffix: str
    mime: str
    kind: FormatKind
    binary: bool = True


FORMATS: dict[str, Format] = {
    f.name: f
    for f in (
        Format("png", ".png", "image/png", "image"),
        Format("svg", ".svg", "image/svg+xml", "image"),
        Format("pdf", ".pdf", "application/pdf", "image"),
        Format("filmstrip", ".filmstrip.png", "image/png", "filmstrip"),
        Format("filmstrip-svg", ".filmstrip.svg", "image/svg+xml", "filmstrip"),
        Format("filmstrip-pdf", ".filmstrip.pdf", "application/pdf", "filmstrip"),
        Format("gif", ".gif", "image/gif", "animation"),
        Format("mp4", ".mp4", "video/mp4", "animation"),
        Format("html", ".html", "text/html", "page", binary=False),
        Format("csv", ".trajectories.csv", "text/csv", "data", binary=False),
        Format("json", ".trajectories.json", "application/json", "data", binary=False),
        Format("settings", ".settings.json", "application/json", "data", binary=False),
    )
}

# GIF stores delays in hundredths of a second and browsers slow frames under 20 ms down
# to 100 ms, so 50 frames per second is the ceiling that plays as asked everywhere.
MAX_FPS = 50
MAX_FRAMES = 600  # 60 s at 10 fps; a GIF keeps every frame in memory while it is written
SCALE = Param(
    "scale", 2.0, "Pixel density: 1 = 960 × 540, 2 = 1920 × 1080 (slides), 4 = 3840 × 2160.",
    low=1.0, high=4.0,
)  # fmt: skip
FPS = Param("fps", 10, "Frames per second of GIF and MP4 animations.", kind="int",
            low=1, high=MAX_FPS)  # fmt: skip
FRAMES = Param(
    "max_frames", 100, "Most frames an animation shows; longer runs are subsampled evenly.",
    kind="int", low=2, high=MAX_FRAMES,
)  # fmt: skip
END_PAUSE = Param("end_pause", 1.0, "Seconds the last frame stays before a GIF loops.",
                  low=0.0, high=10.0)  # fmt: skip
DURATION = Param(
    "duration", None, "Length of a GIF or MP4 in seconds, the held last frame included; "
    "a run with fewer iterations than fps × length plays its frames more slowly. "
    "None: each frame lasts 1/fps.", low=0.0, low_open=True, high=600.0,
)  # fmt: skip
STRIDE = Param("filmstrip_stride", 5, "Iterations between filmstrip panels.", kind="int", low=1)
STAMP = Param("stamp", False, "Print surface, optimizers, hyperparameters and steps.",
              kind="bool")  # fmt: skip
LAYOUT = Param("layout", "overlay", "All runs on one contour, or one panel per run.",
               kind="choice", choices=LAYOUTS)  # fmt: skip
# Animations default to a lighter frame: a GIF at slide resolution is tens of megabytes.
DEFAULT_SCALE = {"gif": 1.0}


@dataclass(frozen=True)
class ExportOptions:
    """Rendering options shared by every format (each format reads the ones it needs).

    `scale=None` is the format's default (2 for images and MP4, 1 for GIF);
    `filmstrip_stride=None` picks a round stride giving about eight panels.
    """

    scale: float | None = None
    fps: int = FPS.default
    max_frames: int = FRAMES.default
    end_pause: float = END_PAUSE.default
    duration: float | None = None
    filmstrip_stride: int | None = None
    stamp: bool = False
    layout: str = LAYOUT.default

    def validated(self) -> ExportOptions:
        """These options with every value checked and coerced; raises `ParameterError`."""
        owner = "export"
        end_pause = END_PAUSE.validate(self.end_pause, owner)
        duration = None if self.duration is None else DURATION.validate(self.duration, owner)
        if duration is not None and duration <= end_pause:
            raise ParameterError(
                "duration", duration, f"more than end_pause ({end_pause:g} s)", owner
            )
        return ExportOptions(
            scale=None if self.scale is None else SCALE.validate(self.scale, owner),
            fps=FPS.validate(self.fps, owner),
            max_frames=FRAMES.validate(self.max_frames, owner),
            end_pause=end_pause,
            duration=duration,
            filmstrip_stride=None
            if self.filmstrip_stride is None
            else STRIDE.validate(self.filmstrip_stride, owner),
            stamp=STAMP.validate(self.stamp, owner),
            layout=LAYOUT.validate(self.layout, owner),
        )

    def frame_limit(self) -> int:
        """Most frames an animation shows: `max_frames`, and with a `duration` no more
        than fit into it at `fps` (so no frame is shorter than 1/fps).

        >>> ExportOptions(fps=10, duration=10.0, end_pause=1.0).frame_limit()
        90
        """
        if self.duration is None:
            return self.max_frames
        fitting = math.floor(self.fps * (self.duration - self.end_pause) + 1e-9)
        return max(2, min(self.max_frames, fitting))

    def scale_for(self, fmt: str) -> float:
        return self.scale if self.scale is not None else DEFAULT_SCALE.get(fmt, SCALE.default)

    def relevant_to(self, fmt: str) -> ExportOptions:
        """Only the options `fmt` reads (the rest at defaults): a cache key that does not
        render a CSV again because the GIF frame rate changed."""
        kind = get_format(fmt).kind
        used = {
            "image": {"scale", "stamp", "layout"},
            "filmstrip": {"scale", "stamp", "filmstrip_stride"},
            "animation": {"scale", "stamp", "layout", "fps", "max_frames", "end_pause", "duration"},
            "page": {"max_frames", "layout", "stamp"},
            "data": set(),
        }[kind]
        defaults = ExportOptions()
        return replace(
            self, **{f.name: getattr(defaults, f.name) for f in fields(self) if f.name not in used}
        )


def get_format(name: str) -> Format:
    """The format called `name`; an unknown name raises `ParameterError`."""
    try:
        return FORMATS[name]
    except (KeyError, TypeError):
        raise ParameterError("format", name, "one of " + ", ".join(FORMATS)) from None
