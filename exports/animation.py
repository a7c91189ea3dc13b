"""GIF (Pillow) and MP4 (ffmpeg from the imageio-ffmpeg wheel) from `viz.render` frames.

GIF: every frame is mapped onto one fixed 256-colour palette (the style's exact colours
first, then a median cut of the finished figure), so colours do not flicker between
frames and Pillow can store each frame as the small rectangle that changed.  GIF delays
are whole hundredths of a second: they are spread so that the total length is exact
(at 30 fps: 30, 40, 30, 30, 40, ... ms).
"""

from __future__ import annotations

import io
import tempfile
from collections.abc import Callable, Sequence
from contextlib import closing
from pathlib import Path

import numpy as np
from PIL import Image

from exports import render

Progress = Callable[[int, int], None]
PALETTE_SIZE = 256
MP4_CRF = 20  # x264 constant quality: visually lossless for flat-colour figures


def gif_delays_ms(frames: int, fps: int) -> list[int]:
    """Per-frame delays in ms, multiples of 10, summing to frames/fps seconds.

    >>> gif_delays_ms(4, 30), sum(gif_delays_ms(30, 30))
    ([30, 40, 30, 30], 1000)
    """
    ticks = np.round(np.arange(frames + 1) * 100 / fps).astype(int)  # hundredths
    return (np.diff(ticks) * 10).tolist()


def frame_ticks(frames: int, ticks: int) -> list[int]:
    """`ticks` clock ticks shared out over `frames` frames as evenly as whole ticks allow
    (each frame gets at least one when ``ticks >= frames``).

    >>> frame_ticks(4, 10), frame_ticks(3, 3)
    ([2, 3, 3, 2], [1, 1, 1])
    """
    bounds = np.round(np.arange(frames + 1) * ticks / max(frames, 1)).astype(int)
    return np.diff(bounds).tolist()


def _moving_seconds(frames: int, fps: int, end_pause: float, duration: float | None) -> float:
    """How long the frames before the hold play: `duration` minus the hold, else 1/fps each."""
    return frames / fps if duration is None else duration - end_pause


def _hex_rgb(color: str) -> tuple[int, int, int]:
    color = color.lstrip("#")
    return tuple(int(color[i : i + 2], 16) for i in (0, 2, 4))


def _palette(reference: np.ndarray, exact: Sequence[str]) -> Image.Image:
    """A "P" image holding the palette: `exact` colours, then a median cut of
    `reference` (H, W, 3) for everything anti-aliasing and the colour map produce."""
    fixed = list(dict.fromkeys(_hex_rgb(c) for c in (*exact, "#FFFFFF", "#000000")))
    free = PALETTE_SIZE - len(fixed)
    cut = Image.fromarray(reference).quantize(colors=free, method=Image.Quantize.MEDIANCUT)
    learned = np.asarray(cut.getpalette()[: 3 * free], dtype=int).reshape(-1, 3)
    entries = [c for rgb in fixed for c in rgb] + learned.ravel().tolist()
    entries += [0] * (3 * PALETTE_SIZE - len(entries))
    palette = Image.new("P", (1, 1))
    palette.putpalette(entries)
    return palette


def _frames(scene: render.Scene, steps: Sequence[int], scale: float, progress: Progress | None):
    """Yield rendered frames, reporting progress after each."""
    with closing(render.animation_frames(scene, steps, scale)) as frames:
        for done, frame in enumerate(frames, start=1):
            if progress is not None:
                progress(done, len(steps))
            yield frame


def encode_gif(
    scene: render.Scene,
    steps: Sequence[int],
    *,
    fps: int,
    scale: float = 1.0,
    end_pause: float = 1.0,
    duration: float | None = None,
    progress: Progress | None = None,
) -> bytes:
    """An endlessly looping GIF showing the runs at each iterate in `steps`: each frame
    1/fps long, or all of them sharing `duration` minus the hold when it is given."""
    # The last frame comes first: it shows every path, so its colours make the palette.
    frames = _frames(scene, [steps[-1], *steps], scale, None)
    palette = _palette(next(frames), [run.color for run in scene.runs])
    images = []
    for done, frame in enumerate(frames, start=1):
        images.append(Image.fromarray(frame).quantize(palette=palette, dither=Image.Dither.NONE))
        if progress is not None:
            progress(done, len(steps))
    if duration is None:
        delays = gif_delays_ms(len(images), fps)
    else:  # GIF delays are whole hundredths: the total is exact to 10 ms
        moving = _moving_seconds(len(images), fps, end_pause, duration)
        delays = [10 * tick for tick in frame_ticks(len(images), round(moving * 100))]
    delays[-1] += round(end_pause * 100) * 10
    buffer = io.BytesIO()
    images[0].save(
        buffer, format="GIF", save_all=True, append_images=images[1:], duration=delays,
        loop=0, optimize=False,
    )  # fmt: skip
    return buffer.getvalue()


def encode_mp4(
    scene: render.Scene,
    steps: Sequence[int],
    *,
    fps: int,
    scale: float = 2.0,
    end_pause: float = 1.0,
    duration: float | None = None,
    progress: Progress | None = None,
) -> bytes:
    """An H.264 MP4 (yuv420p, fast start) that plays in PowerPoint, Keynote and browsers,
    at `fps`: with `duration`, a frame is repeated as often as that length needs (the
    file is then `duration` long to within one frame)."""
    import imageio_ffmpeg

    hold = round(end_pause * fps)
    moving = _moving_seconds(len(steps), fps, end_pause, duration)
    repeats = frame_ticks(len(steps), max(round(moving * fps), len(steps)))
    with tempfile.TemporaryDirectory(prefix="optimizer-playground-") as folder:
        path = Path(folder) / "animation.mp4"
        writer = None
        try:
            for frame, repeat in zip(_frames(scene, steps, scale, progress), repeats, strict=True):
                # yuv420p needs even sides; drop a last odd row or column.
                frame = frame[: frame.shape[0] // 2 * 2, : frame.shape[1] // 2 * 2]
                if writer is None:
                    writer = imageio_ffmpeg.write_frames(
                        str(path), (frame.shape[1], frame.shape[0]), fps=fps,
                        codec="libx264", pix_fmt_in="rgb24", pix_fmt_out="yuv420p",
                        quality=None, macro_block_size=1, ffmpeg_log_level="error",
                        output_params=["-crf", str(MP4_CRF), "-preset", "veryfast",
                                       "-movflags", "+faststart"],
                    )  # fmt: skip
                    writer.send(None)  # start ffmpeg
                data = np.ascontiguousarray(frame).tobytes()
                for _ in range(repeat):
                    writer.send(data)
            for _ in range(hold):
                writer.send(data)
        finally:
            if writer is not None:
                writer.close()
        return path.read_bytes()
