"""Every export format, read back and checked.

Images and animations are opened with Pillow, xml.etree, the PDF's own structure and
ffmpeg; data files are compared number for number with the engine; the Deep Learning
from Scratch ch. 6 preset is checked against the book's update rules, transcribed here
from the book's `common/optimizer.py` independently of the engine.
"""

from __future__ import annotations

import csv
import doctest
import io
import json
import re
import time
import warnings
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageSequence

import exports
import i18n
from experiments import Experiment, RunConfig, presets
from exports import animation, data, render
from exports import html as html_page
from exports import options as opts
from optim_core import ParameterError

SVG_NS = "{http://www.w3.org/2000/svg}"
KOREAN_LABEL = "모멘텀 (Momentum)"
# Slide size per scale: FIGSIZE 9.6 x 5.4 in at 100 dpi per unit of scale.
SIZES = {1: (960, 540), 2: (1920, 1080), 3: (2880, 1620)}


@pytest.fixture(scope="module")
def dlfs():
    experiment = presets.get("dlfs_ch6").experiment
    return experiment, experiment.run()


@pytest.fixture(scope="module")
def korean():
    """A small experiment with a Korean run label."""
    experiment = Experiment(
        surface="bowl",
        start=(-7.0, 2.0),
        steps=20,
        runs=(
            RunConfig("momentum", {"lr": 0.1}, "velocity", label=KOREAN_LABEL),
            RunConfig("adam", {"lr": 0.3}),
        ),
    )
    return experiment, experiment.run()


def export(pair, fmt, **options):
    experiment, trajectories = pair
    return exports.export(
        experiment, fmt, exports.ExportOptions(**options), trajectories=trajectories,
        stem="test",
    )  # fmt: skip


def hex_rgb(color: str) -> tuple[int, int, int]:
    return tuple(int(color[i : i + 2], 16) for i in (1, 3, 5))


# --- still images --------------------------------------------------------------------------


@pytest.mark.parametrize("scale", [1, 2, 3])
def test_png_size_follows_scale(dlfs, scale):
    result = export(dlfs, "png", scale=scale)
    image = Image.open(io.BytesIO(result.data))
    assert image.format == "PNG"
    assert image.size == SIZES[scale]
    assert result.filename == "test.png" and result.mime == "image/png"


def test_png_draws_each_run_in_its_style_colour(dlfs):
    image = np.asarray(Image.open(io.BytesIO(export(dlfs, "png").data)).convert("RGB"))
    packed = set(np.unique(image.astype(np.int64) @ np.array([65536, 256, 1])).tolist())
    for run in render.build_scene(*dlfs).runs:
        r, g, b = hex_rgb(run.color)
        assert r * 65536 + g * 256 + b in packed, run.label


def test_svg_parses_and_outlines_text(dlfs):
    result = export(dlfs, "svg", stamp=True)
    root = ET.fromstring(result.data)
    assert root.tag == f"{SVG_NS}svg"
    assert root.get("width") == "691.2pt" and root.get("height") == "388.8pt"
    assert root.findall(f".//{SVG_NS}path")
    # svg.fonttype "path": glyphs are outlines, so no <text> needs a font to display.
    assert not root.findall(f".//{SVG_NS}text")


def pdf_pages(payload: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page(?![s\w])", payload))


@pytest.mark.parametrize("fmt", ["pdf", "filmstrip-pdf"])
def test_pdf_has_one_page_and_embedded_fonts(dlfs, fmt):
    payload = export(dlfs, fmt).data
    assert payload.startswith(b"%PDF-")
    assert payload.rstrip().endswith(b"%%EOF")
    assert pdf_pages(payload) == 1
    assert b"/FontFile2" in payload  # TrueType embedded (pdf.fonttype 42)


def test_filmstrip_png_and_steps(dlfs):
    image = Image.open(io.BytesIO(export(dlfs, "filmstrip", scale=1).data))
    assert image.size == SIZES[1]
    assert render.filmstrip_steps(29, 5) == [0, 5, 10, 15, 20, 25, 29]
    assert render.filmstrip_steps(30, 10) == [0, 10, 20, 30]
    with pytest.raises(ParameterError, match=r"filmstrip stride must be an integer in \[2, 29\]"):
        render.filmstrip_steps(29, 1)


def test_filmstrip_svg_parses(dlfs):
    root = ET.fromstring(export(dlfs, "filmstrip-svg", filmstrip_stride=10).data)
    assert root.tag == f"{SVG_NS}svg"


def test_grid_layout_and_stamp_render(dlfs):
    image = Image.open(io.BytesIO(export(dlfs, "png", layout="grid", stamp=True, scale=1).data))
    assert image.size == SIZES[1]


def test_stamp_names_surface_optimizers_hyperparameters_and_steps(dlfs):
    text = render.stamp_text(*dlfs)
    for expected in ("Anisotropic bowl", "29 steps", "SGD: lr=0.95", "Momentum [velocity]",
                     "AdaGrad [dlfs]: lr=1.5", "Adam [folded]: lr=0.3"):  # fmt: skip
        assert expected in text


# --- animations ----------------------------------------------------------------------------


def gif_frames(payload: bytes) -> tuple[Image.Image, list[int]]:
    image = Image.open(io.BytesIO(payload))
    durations = [frame.info["duration"] for frame in ImageSequence.Iterator(image)]
    return image, durations


def test_gif_frames_and_durations_match_fps(dlfs):
    image, durations = gif_frames(export(dlfs, "gif", fps=20, end_pause=0.5).data)
    assert image.format == "GIF" and image.size == SIZES[1]
    assert image.n_frames == 30  # every iterate of the 29-step run
    assert image.info["loop"] == 0
    assert durations[:-1] == [50] * 29  # 1000 / 20 fps
    assert durations[-1] == 50 + 500  # the last frame holds for end_pause


def test_gif_subsamples_long_runs_and_keeps_total_length(dlfs):
    fps, frames = 30, 12
    image, durations = gif_frames(export(dlfs, "gif", fps=fps, max_frames=frames, end_pause=0).data)
    assert image.n_frames == frames
    # GIF delays are whole hundredths: each within 10 ms of 1000/fps, the total exact.
    assert all(abs(d - 1000 / fps) < 10 for d in durations)
    assert sum(durations) == pytest.approx(frames * 1000 / fps, abs=10)


@pytest.mark.parametrize(("seconds", "hold"), [(10.0, 1.0), (3.0, 1.0), (2.5, 0.0)])
def test_gif_is_as_long_as_asked(dlfs, seconds, hold):
    """The panel's "Length 10 s" on a 29-step run: 30 frames share 9 s, then the hold
    (a long run at 10 fps gives 3 s of frames; fewer seconds subsample it)."""
    fps = 10
    options = dict(fps=fps, duration=seconds, end_pause=hold, max_frames=600)
    image, durations = gif_frames(export(dlfs, "gif", **options).data)
    assert image.n_frames == min(30, int(fps * (seconds - hold)))
    frame = (seconds - hold) / image.n_frames * 1000
    assert sum(durations) == pytest.approx(seconds * 1000, abs=frame)
    assert durations[-1] - round(hold * 1000) == pytest.approx(frame, abs=10)
    assert min(durations) >= 1000 / fps - 10  # never faster than the frame rate


def test_mp4_is_as_long_as_asked(dlfs, tmp_path):
    import imageio_ffmpeg

    fps, seconds, hold = 10, 5.0, 1.0
    options = dict(fps=fps, duration=seconds, end_pause=hold, max_frames=600, scale=1)
    path = tmp_path / "animation.mp4"
    path.write_bytes(export(dlfs, "mp4", **options).data)
    reader = imageio_ffmpeg.read_frames(str(path))
    assert reader.__next__()["fps"] == pytest.approx(fps)
    assert sum(1 for _ in reader) / fps == pytest.approx(seconds, abs=1 / fps)


def test_a_hold_longer_than_the_animation_is_refused():
    with pytest.raises(ParameterError, match="duration"):
        exports.ExportOptions(duration=1.0, end_pause=2.0).validated()


def test_gif_delays_spread_rounding():
    assert animation.gif_delays_ms(3, 30) == [30, 40, 30]
    assert sum(animation.gif_delays_ms(90, 30)) == 3000


def test_gif_shows_progress_per_frame(dlfs):
    seen = []
    export_pair = dlfs
    exports.export(
        export_pair[0], "gif", exports.ExportOptions(max_frames=8),
        trajectories=export_pair[1], progress=lambda done, total: seen.append((done, total)),
    )  # fmt: skip
    assert seen == [(i, 8) for i in range(1, 9)]


def test_mp4_plays_with_the_right_frame_count_and_rate(dlfs, tmp_path):
    import imageio_ffmpeg

    fps, frames, hold = 10, 15, 0.5
    payload = export(dlfs, "mp4", fps=fps, max_frames=frames, end_pause=hold, scale=1).data
    assert payload[4:8] == b"ftyp"
    path = tmp_path / "animation.mp4"
    path.write_bytes(payload)
    reader = imageio_ffmpeg.read_frames(str(path))
    meta = reader.__next__()
    assert meta["size"] == SIZES[1]
    assert meta["fps"] == pytest.approx(fps)
    assert sum(1 for _ in reader) == frames + round(hold * fps)


def test_animation_frames_are_blitted_from_one_background(dlfs):
    """Frames differ only where runs move: the contour is drawn once, not per frame."""
    scene = render.build_scene(*dlfs)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        first, second = list(render.animation_frames(scene, [0, 29], scale=1))
    assert first.shape == (540, 960, 3)
    changed = np.any(first != second, axis=-1).mean()
    assert 0 < changed < 0.1


# --- interactive HTML ----------------------------------------------------------------------


class TagCollector(HTMLParser):
    """Every start tag with its attributes (script bodies are not parsed as HTML)."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


@pytest.fixture(scope="module")
def html_export(dlfs):
    return export(dlfs, "html", fps=12, max_frames=20).data.decode("utf-8")


def test_html_inlines_plotly_and_fetches_nothing(html_export):
    from plotly.offline import get_plotlyjs

    bundle = get_plotlyjs()
    # plotly.js is inlined verbatim.  Its own code holds URLs (SVG namespaces, license
    # comments, map-tile defaults used only by map traces); everything else we wrote
    # must hold none.  (Plain "http" or "cdn" could occur by chance in the base64
    # arrays, "://" and "cdn." cannot: ':' and '.' are not base64 characters.)
    assert html_export.count(bundle) == 1
    ours = html_export.replace(bundle, "")
    assert not re.search(r"(?i)[a-z]+://", ours)
    assert not re.search(r"(?i)cdn\.|url\(|@import", ours)
    parser = TagCollector()
    parser.feed(html_export)
    for tag, attrs in parser.tags:
        assert "src" not in attrs and "href" not in attrs, (tag, attrs)
        assert tag not in ("link", "iframe", "img")
    assert any(tag == "meta" and attrs.get("charset") == "utf-8" for tag, attrs in parser.tags)
    assert "MathJax.Hub" not in ours


def test_html_carries_the_trajectories(html_export, dlfs):
    experiment, trajectories = dlfs
    match = re.search(
        r'<script type="application/json" id="trajectory-data">(.*?)</script>', html_export, re.S
    )
    payload = json.loads(match.group(1))
    assert payload["settings"] == json.loads(experiment.to_json())
    for run, traj in zip(payload["runs"], trajectories, strict=True):
        columns = run["columns"]
        assert np.array_equal(np.c_[columns["x"], columns["y"]], traj.path)
    assert "Plotly.newPlot" in html_export
    assert html_export.count('"name":"29"') >= 1  # the last iterate is a frame


def test_plotly_config_for_the_camera_button():
    config = exports.plotly_config("svg", 3)
    assert config["toImageButtonOptions"] == {
        "format": "svg", "scale": 3, "filename": "optimizer-playground",
    }  # fmt: skip
    assert exports.plotly_config("png", 2.5)["toImageButtonOptions"]["scale"] == 2.5
    with pytest.raises(ParameterError, match="format must be 'svg' or 'png'"):
        exports.plotly_config("jpeg")
    with pytest.raises(ParameterError, match=r"scale must be in \[1, 4\]"):
        exports.plotly_config("png", 10)


# --- data ----------------------------------------------------------------------------------


def csv_runs(text: str) -> dict[int, list[dict]]:
    runs: dict[int, list[dict]] = {}
    for row in csv.DictReader(io.StringIO(text)):
        runs.setdefault(int(row["run"]), []).append(row)
    return runs


def column(rows, name):
    return np.array([float(row[name]) if row[name] != "" else np.nan for row in rows])


def test_csv_numbers_equal_the_engine(dlfs):
    _, trajectories = dlfs
    runs = csv_runs(export(dlfs, "csv").data.decode("utf-8"))
    assert len(runs) == len(trajectories)
    for index, traj in enumerate(trajectories):
        rows = runs[index]
        assert [int(r["step"]) for r in rows] == list(range(traj.steps + 1))
        assert {r["optimizer"] for r in rows} == {traj.optimizer}
        path = np.c_[column(rows, "x"), column(rows, "y")]
        # Written with repr: the text reads back to the very same float64.
        assert np.array_equal(path, traj.path)
        assert np.allclose(path, traj.path, rtol=0, atol=0)
        assert np.array_equal(column(rows, "loss"), traj.loss)
        assert np.isnan(column(rows, "lr")[0])
        assert np.array_equal(column(rows, "lr")[1:], traj.lr)
        assert np.array_equal(np.c_[column(rows, "grad_x"), column(rows, "grad_y")], traj.grad)
        for name, values in traj.state.items():
            got = np.c_[column(rows, f"state_{name}_x"), column(rows, f"state_{name}_y")]
            assert np.array_equal(got, values, equal_nan=True), name


def test_json_numbers_equal_the_engine(dlfs):
    experiment, trajectories = dlfs
    payload = json.loads(export(dlfs, "json").data)
    assert payload["format"] == data.TRAJECTORIES_FORMAT
    assert Experiment.from_dict(payload["settings"]).to_json() == experiment.to_json()
    for run, traj in zip(payload["runs"], trajectories, strict=True):
        columns = run["columns"]
        assert run["optimizer"] == traj.optimizer and run["convention"] == traj.convention
        assert run["diverged_at"] is None
        assert np.array_equal(np.c_[columns["x"], columns["y"]], traj.path)
        assert np.array_equal(columns["loss"], traj.loss)
        assert columns["lr"][0] is None and np.array_equal(columns["lr"][1:], traj.lr)
        for name, values in traj.state.items():
            assert np.array_equal(
                np.c_[columns[f"state_{name}_x"], columns[f"state_{name}_y"]], values
            )


def test_diverged_rows_are_marked():
    experiment = Experiment(surface="bowl", steps=40, runs=(RunConfig("sgd", {"lr": 5.0}),))
    (traj,) = trajectories = experiment.run()
    assert traj.diverged_at is not None
    rows = csv_runs(data.trajectories_csv(experiment, trajectories))[0]
    marks = [int(r["diverged"]) for r in rows]
    assert marks == [0] * traj.diverged_at + [1] * (len(rows) - traj.diverged_at)


def test_settings_file_round_trips_to_identical_trajectories(dlfs):
    experiment, trajectories = dlfs
    text = export(dlfs, "settings").data.decode("utf-8")
    loaded = Experiment.from_json(text)
    assert loaded.to_dict() == json.loads(experiment.to_json())
    assert Experiment.from_json(loaded.to_json()) == loaded  # a fixed point
    again = loaded.run()
    for mine, theirs in zip(again, trajectories, strict=True):
        assert np.array_equal(mine.path, theirs.path)
        assert np.array_equal(mine.loss, theirs.loss)
        assert mine.state.keys() == theirs.state.keys()
        for name in mine.state:
            assert np.array_equal(mine.state[name], theirs.state[name])
    # ... and therefore the same files.
    assert export((loaded, again), "csv").data == export(dlfs, "csv").data


# --- Deep Learning from Scratch, ch. 6, from the book's own update rules --------------------


def book_trajectories() -> dict[str, np.ndarray]:
    """optimizer_compare_naive.py: f = x²/20 + y², start (-7, 2), 30 points per optimizer."""

    def df(x, y):
        return x / 10.0, 2.0 * y

    def sgd(p, g, s):
        return p - 0.95 * g

    def momentum(p, g, s):
        s["v"] = 0.9 * s.get("v", 0.0) - 0.1 * g
        return p + s["v"]

    def adagrad(p, g, s):
        s["h"] = s.get("h", 0.0) + g * g
        return p - 1.5 * g / (np.sqrt(s["h"]) + 1e-7)

    def adam(p, g, s):
        s["iter"] = s.get("iter", 0) + 1
        lr_t = 0.3 * np.sqrt(1.0 - 0.999 ** s["iter"]) / (1.0 - 0.9 ** s["iter"])
        s["m"] = s.get("m", 0.0) + 0.1 * (g - s.get("m", 0.0))
        s["v"] = s.get("v", 0.0) + 0.001 * (g * g - s.get("v", 0.0))
        return p - lr_t * s["m"] / (np.sqrt(s["v"]) + 1e-7)

    paths = {}
    for name, update in (("SGD", sgd), ("Momentum", momentum), ("AdaGrad", adagrad),
                         ("Adam", adam)):  # fmt: skip
        p, state, history = np.array([-7.0, 2.0]), {}, []
        for _ in range(30):
            history.append(p.copy())
            p = update(p, np.array(df(*p)), state)
        paths[name] = np.array(history)
    return paths


def test_dlfs_preset_csv_matches_the_book():
    experiment = presets.get("dlfs_ch6").experiment
    text = exports.export(experiment, "csv").data.decode("utf-8")
    runs = csv_runs(text)
    book = book_trajectories()
    assert [rows[0]["label"] for rows in runs.values()] == list(book)
    for rows, (name, expected) in zip(runs.values(), book.items(), strict=True):
        got = np.c_[column(rows, "x"), column(rows, "y")]
        assert got.shape == (30, 2), name
        np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12, err_msg=name)


# --- Korean labels -------------------------------------------------------------------------


def test_nanum_gothic_is_registered_as_a_fallback_after_the_latin_font():
    files = render.register_fonts()
    assert any(Path(f).name == "NanumGothic.ttf" and "koreanize_matplotlib" in f for f in files)
    family = render.font_family()
    assert render.HANGUL_FONT in family
    assert family[0] != render.HANGUL_FONT  # Latin text keeps the normal font


def text_image(text: str, family: list[str] | None = None) -> np.ndarray:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    with render.style_context():
        fig = Figure(figsize=(1, 1), dpi=50)
        FigureCanvasAgg(fig)
        fig.text(0.5, 0.5, text, ha="center", va="center", fontsize=30,
                 **({"family": family} if family else {}))  # fmt: skip
        fig.canvas.draw()
        return np.asarray(fig.canvas.buffer_rgba()).copy()


def test_hangul_glyphs_are_drawn_not_boxes():
    # With the export style, two different syllables give two different pictures ...
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a missing glyph would warn
        assert not np.array_equal(text_image("모"), text_image("멘"))
    # ... while a font without Hangul draws the same empty box for both.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert np.array_equal(text_image("모", ["DejaVu Sans"]), text_image("멘", ["DejaVu Sans"]))


def test_korean_label_uses_nanum_gothic_in_every_format(korean):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        png = export(korean, "png", scale=1).data
        svg = export(korean, "svg").data
        pdf = export(korean, "pdf").data
    assert Image.open(io.BytesIO(png)).size == SIZES[1]
    # SVG glyph outlines are named after their font; PDF embeds the font itself.
    assert re.search(rb'id="NanumGothic-[0-9a-f]+"', svg)
    assert re.search(rb"/BaseFont /[A-Z]{6}\+NanumGothic|/BaseFont /NanumGothic", pdf)
    assert b"/FontFile2" in pdf
    html = export(korean, "html", max_frames=5).data.decode("utf-8")
    assert KOREAN_LABEL in html
    assert KOREAN_LABEL in export(korean, "csv").data.decode("utf-8")


# The same syllables in another order: drawn as glyphs the two labels give different
# pictures; drawn as missing-glyph boxes (a font without Hangul) they would be identical.
SWAPPED_LABEL = "텀멘모 (Momentum)"


def korean_pair(label: str):
    experiment = Experiment(
        surface="bowl", start=(-7.0, 2.0), steps=12,
        runs=(RunConfig("momentum", {"lr": 0.1}, "velocity", label=label), RunConfig("adam", {"lr": 0.3})),
    )  # fmt: skip
    return experiment, experiment.run()


def raster(fmt: str, payload: bytes, tmp_path: Path) -> np.ndarray:
    """The picture of a raster export: the image, or the last frame of an animation."""
    if fmt == "mp4":
        import imageio_ffmpeg

        path = tmp_path / "korean.mp4"
        path.write_bytes(payload)
        reader = imageio_ffmpeg.read_frames(str(path))
        width, height = next(reader)["size"]
        frame = list(reader)[-1]
        return np.frombuffer(frame, np.uint8).reshape(height, width, 3)
    image = Image.open(io.BytesIO(payload))
    if fmt == "gif":
        image.seek(image.n_frames - 1)
    return np.asarray(image.convert("RGB"))


@pytest.mark.parametrize("fmt", ["png", "filmstrip", "gif", "mp4"])
def test_korean_interface_draws_hangul_glyphs_in_raster_formats(fmt, tmp_path):
    options = {"scale": 1, "max_frames": 4, "end_pause": 0} if fmt in ("gif", "mp4") else {}
    with i18n.use_language("ko"), warnings.catch_warnings():
        warnings.simplefilter("error")  # a glyph missing from every font would warn
        one = export(korean_pair(KOREAN_LABEL), fmt, stamp=True, **options).data
        other = export(korean_pair(SWAPPED_LABEL), fmt, stamp=True, **options).data
    assert not np.array_equal(raster(fmt, one, tmp_path), raster(fmt, other, tmp_path))


@pytest.mark.parametrize("fmt", ["svg", "filmstrip-svg"])
def test_korean_interface_outlines_hangul_glyphs_in_svg(fmt):
    def hangul_glyphs() -> set[bytes]:
        svg = export(korean_pair(KOREAN_LABEL), fmt, stamp=True).data
        return set(re.findall(rb'id="(NanumGothic-[0-9a-f]+)"', svg))

    english = hangul_glyphs()  # the label's three syllables, one outline each
    with i18n.use_language("ko"):
        korean = hangul_glyphs()  # ... and the interface's words (스텝, 시작점, ...)
    assert len(english) >= 3
    assert english < korean


@pytest.mark.parametrize("fmt", ["pdf", "filmstrip-pdf"])
def test_korean_interface_embeds_the_hangul_font_in_pdf(fmt):
    latin = korean_pair("Momentum")  # only the interface's own words are in Hangul
    assert b"NanumGothic" not in export(latin, fmt, stamp=True).data
    with i18n.use_language("ko"), warnings.catch_warnings():
        warnings.simplefilter("error")
        pdf = export(latin, fmt, stamp=True).data
    assert re.search(rb"/BaseFont /[A-Z]{6}\+NanumGothic|/BaseFont /NanumGothic", pdf)
    assert b"/FontFile2" in pdf


def test_korean_interface_in_the_html_page():
    with i18n.use_language("ko"):
        page = export(korean_pair(KOREAN_LABEL), "html", max_frames=5).data.decode("utf-8")
    assert '<html lang="ko">' in page
    assert "비등방성 그릇" in page  # the surface's Korean title
    assert "재생을 누르거나" in page  # the Korean introduction
    assert "▶ 재생" in page  # the chart's play button
    assert KOREAN_LABEL in page and "Noto Sans KR" in page


def test_latin_only_figures_do_not_embed_the_hangul_font(dlfs):
    assert b"NanumGothic" not in export(dlfs, "svg").data


# --- options, names, module doctests -------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"scale": 5}, r"scale must be in \[1, 4\]"),
        ({"fps": 0}, r"fps must be an integer in \[1, 50\]"),
        ({"max_frames": 1}, r"max_frames must be an integer in \[2, 600\]"),
        ({"end_pause": -1}, r"end_pause must be in \[0, 10\]"),
        ({"layout": "mosaic"}, r"layout must be one of 'overlay', 'grid'"),
    ],
)
def test_bad_options_name_the_value_and_range(dlfs, options, message):
    with pytest.raises(ParameterError, match=message):
        export(dlfs, "png", **options)


def test_unknown_format_lists_the_allowed_ones(dlfs):
    with pytest.raises(ParameterError, match="format must be one of png, svg, pdf"):
        export(dlfs, "bmp")


def test_options_relevant_to_a_format_make_the_cache_key():
    a = exports.ExportOptions(fps=30, scale=3).relevant_to("csv")
    assert a == exports.ExportOptions()
    assert exports.ExportOptions(fps=30).relevant_to("gif").fps == 30
    assert exports.ExportOptions(fps=30).relevant_to("png").fps == opts.FPS.default


def test_file_names():
    assert exports.filename("filmstrip", "dlfs_ch6") == "dlfs_ch6.filmstrip.png"
    assert exports.filename("settings", "my run/1") == "my-run-1.settings.json"


@pytest.mark.parametrize(
    "module", ["exports", "exports.options", "exports.data", "exports.animation", "exports.core",
               "exports.html"],
)  # fmt: skip
def test_module_doctests(module):
    import importlib

    result = doctest.testmod(importlib.import_module(module), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0


# --- the Streamlit panel -------------------------------------------------------------------

PANEL_SCRIPT = """
from experiments import presets
from app_ui.export_panel import render_export_panel

experiment = presets.get("dlfs_ch6").experiment
render_export_panel(experiment, experiment.run(), key="demo", stem="dlfs_ch6")
"""


def test_panel_renders_in_a_worker_and_offers_the_download():
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_string(PANEL_SCRIPT, default_timeout=60).run()
    assert not at.exception
    at.selectbox(key="demo-format").set_value("gif").run()
    at.slider(key="demo-fps").set_value(20).run()
    at.button(key="demo-render").click().run()
    assert not at.exception
    deadline = time.monotonic() + 30
    while not at.get("download_button") and time.monotonic() < deadline:
        time.sleep(0.2)
        at.run()
    (button,) = at.get("download_button")
    assert "dlfs_ch6.gif" in button.label
    # The same request from another session is served from the shared cache at once.
    other = AppTest.from_string(PANEL_SCRIPT, default_timeout=60).run()
    other.selectbox(key="demo-format").set_value("gif").run()
    other.slider(key="demo-fps").set_value(20).run()
    assert other.get("download_button")


def test_identical_requests_share_one_render(dlfs):
    from app_ui import export_panel

    experiment, trajectories = dlfs
    options = exports.ExportOptions(max_frames=5, stamp=True)
    first = export_panel.submit(experiment, trajectories, "gif", options, "shared")
    second = export_panel.submit(experiment, trajectories, "gif", options, "shared")
    assert first is second or second.future.done()
    assert first.future.result(timeout=30).data == second.future.result(timeout=30).data


def test_html_helpers_escape_script_endings():
    assert "</script>" not in html_page._json_for_script(json.dumps({"a": "</script>"}))
