"""The Plotly figure builders, tested directly (no browser, no Streamlit).

What the browser needs is pinned here: the contour is a static layout image and never
part of a frame, frames touch only the animated traces and are capped, the axes are the
view box, colours are `viz.style`'s, a diverged run is marked where it left, arrows are
the state vectors of the chosen step, and the Compare payload stays under 1 MB.  The
step buttons are checked against a transcription of plotly.js's ``Plotly.animate``
frame-list logic.
"""

from __future__ import annotations

import base64
import io
import itertools
import json

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio
import pytest
from PIL import Image

import experiments.presets
import optim_core
import surfaces
from experiments import Experiment, RunConfig
from viz import arrows, background, contour, curves, layout, preview, schedules, style, surface3d

PAYLOAD_LIMIT = 1_000_000  # bytes per Compare figure (4 optimizers x 300 steps)


def _experiment(surface: str, steps: int, *runs: RunConfig, start=None) -> Experiment:
    return Experiment(surface=surface, runs=runs, steps=steps, start=start)


@pytest.fixture(scope="module")
def compare_4x300():
    """The Compare page's benchmark case: four optimizers, 300 steps, on Rosenbrock."""
    experiment = _experiment(
        "rosenbrock", 300,
        RunConfig("sgd", {"lr": 1e-3}), RunConfig("momentum", {"lr": 1e-3}),
        RunConfig("adam", {"lr": 0.05}), RunConfig("rmsprop", {"lr": 0.01}),
    )  # fmt: skip
    return experiment.surface_object(), experiment.run()


@pytest.fixture(scope="module")
def bowl_dlfs():
    experiment = experiments.presets.get("dlfs_ch6").experiment
    return experiment.surface_object(), experiment.run()


@pytest.fixture(scope="module")
def diverging():
    """SGD at η = 1.5 on the bowl: the y coordinate doubles each step and blows up."""
    experiment = _experiment("bowl", 40, RunConfig("sgd", {"lr": 1.5}), start=(-7.0, 2.0))
    return experiment.surface_object(), experiment.run()


def _animated_indices(fig: go.Figure) -> set[int]:
    return {i for frame in fig.frames for i in frame.traces}


def _payload(fig: go.Figure) -> int:
    # Exactly what st.plotly_chart sends: plotly.io.to_json(figure, validate=False).
    return len(pio.to_json(fig, validate=False).encode())


# --- contour figure -------------------------------------------------------------------------------


def test_contour_figure_traces_and_background(bowl_dlfs):
    surface, runs = bowl_dlfs
    fig = contour.contour_figure(surface, runs, clickable=True)
    assert all(trace.type == "scatter" for trace in fig.data)  # no go.Contour trace at all
    (image,) = fig.layout.images
    (x0, x1), (y0, y1) = surface.domain
    assert image.layer == "below" and image.xref == "x" and image.yref == "y"
    assert (image.x, image.y, image.sizex, image.sizey) == (x0, y1, x1 - x0, y1 - y0)
    assert image.source.startswith("data:image/png;base64,")
    # 1 click grid + minimum + start + 4 static paths + 4 x (trail, head, event)
    assert len(fig.data) == 1 + 2 + 4 + 12
    static_paths = [t for t in fig.data if t.mode == "lines+markers"]
    assert [t.name for t in static_paths] == ["SGD", "Momentum", "AdaGrad", "Adam"]


def test_contour_figure_is_a_valid_plotly_figure(compare_4x300):
    surface, runs = compare_4x300
    fig = contour.contour_figure(surface, runs, clickable=True)
    checked = go.Figure(fig.to_dict())  # full validation, frames included
    assert len(checked.frames) == len(fig.frames)


def test_frames_touch_only_animated_traces(compare_4x300):
    surface, runs = compare_4x300
    fig = contour.contour_figure(surface, runs, clickable=True)
    animated = _animated_indices(fig)
    static = [i for i, trace in enumerate(fig.data) if i not in animated]
    assert all(fig.data[i].mode in ("lines", "markers", "markers+text") for i in animated)
    # Nothing static (click grid, minima, start, full paths) is ever in a frame.
    assert 0 not in animated and all(fig.data[i].mode != "lines+markers" for i in animated)
    assert len(static) == len(fig.data) - len(animated)
    for frame in fig.frames:
        assert list(frame.traces) == sorted(animated)
        assert len(frame.data) == len(frame.traces)
        for data in frame.data:
            assert data.type == "scatter"
            keys = set(data.to_plotly_json()) - {"type"}
            assert keys <= {"x", "y", "text"}


def test_frames_are_capped_and_subsample_long_runs():
    experiment = _experiment("rosenbrock", 2000, RunConfig("adam", {"lr": 0.01}))
    (run,) = experiment.run()
    fig = contour.contour_figure(experiment.surface_object(), [run])
    main = [f for f in fig.frames if f.group == contour.MAIN_GROUP]
    assert len(main) == contour.MAX_FRAMES
    assert len(fig.frames) == contour.MAX_FRAMES + len(contour.EDGE_FRAMES)
    assert main[0].name == "0" and main[-1].name == "2000"
    assert len(fig.layout.sliders[0].steps) == contour.MAX_FRAMES
    # The static path keeps every step, rounded.
    (path,) = [t for t in fig.data if t.mode == "lines+markers"]
    assert len(path.x) == 2001


def test_short_runs_get_one_frame_per_step(bowl_dlfs):
    surface, runs = bowl_dlfs
    fig = contour.contour_figure(surface, runs)
    main = [f.name for f in fig.frames if f.group == contour.MAIN_GROUP]
    assert main == [str(s) for s in range(30)]


def test_frame_steps():
    assert contour.frame_steps(0).tolist() == [0]
    assert contour.frame_steps(3).tolist() == [0, 1, 2, 3]
    steps = contour.frame_steps(20_000, 120)
    assert len(steps) == 120 and steps[0] == 0 and steps[-1] == 20_000
    assert np.all(np.diff(steps) > 0)


def test_axes_are_fixed_to_the_view_box(compare_4x300):
    surface, runs = compare_4x300
    fig = contour.contour_figure(surface, runs)
    (x0, x1), (y0, y1) = surface.domain
    assert tuple(fig.layout.xaxis.range) == (x0, x1) and fig.layout.xaxis.autorange is False
    assert tuple(fig.layout.yaxis.range) == (y0, y1) and fig.layout.yaxis.autorange is False


def test_equal_aspect_only_where_the_surface_asks(bowl_dlfs, compare_4x300):
    bowl, runs = bowl_dlfs
    assert bowl.equal_aspect
    fig = contour.contour_figure(bowl, runs)
    assert fig.layout.yaxis.scaleanchor == "x" and fig.layout.yaxis.scaleratio == 1
    rosenbrock, runs = compare_4x300
    assert not rosenbrock.equal_aspect
    assert contour.contour_figure(rosenbrock, runs).layout.yaxis.scaleanchor is None


def test_colours_are_the_style_colours(bowl_dlfs):
    surface, runs = bowl_dlfs
    fig = contour.contour_figure(surface, runs)
    expected = style.run_colors([r.optimizer for r in runs])
    paths = [t for t in fig.data if t.mode == "lines+markers"]
    assert [t.line.color for t in paths] == expected
    heads = [t for t in fig.data if t.mode == "markers" and t.marker.size == 13]
    assert [t.marker.color for t in heads] == expected
    assert paths[0].line.color == style.OPTIMIZER_COLORS["sgd"] == "#000000"
    # On a dark page black is drawn white; the other colours take their dark shades.
    dark = contour.contour_figure(surface, runs, dark=True)
    dark_paths = [t for t in dark.data if t.mode == "lines+markers"]
    assert dark_paths[0].line.color == "#FFFFFF"
    assert [t.line.color for t in dark_paths] == style.run_colors(
        [r.optimizer for r in runs], dark=True
    )
    assert dark.layout.template.layout.paper_bgcolor is not None  # plotly_dark


def test_duplicate_optimizers_get_distinct_colours():
    experiment = _experiment(
        "bowl", 10, RunConfig("sgd", {"lr": 0.1}), RunConfig("sgd", {"lr": 0.5})
    )
    runs = experiment.run()
    assert layout.run_colors(runs) == style.run_colors(["sgd", "sgd"])
    assert len(set(layout.run_colors(runs))) == 2


def test_initial_step_and_slider_position(bowl_dlfs):
    surface, runs = bowl_dlfs
    fig = contour.contour_figure(surface, runs, step=7)
    assert fig.layout.sliders[0].active == 7
    heads = [t for t in fig.data if t.mode == "markers" and t.marker.size == 13]
    rounding = 10.0 ** -layout.coordinate_decimals(surface.domain)  # 4 digits of the view's size
    for head, run in zip(heads, runs, strict=True):
        assert head.x[0] == pytest.approx(run.path[7, 0], abs=rounding)
        assert head.y[0] == pytest.approx(run.path[7, 1], abs=rounding)
    last = contour.contour_figure(surface, runs)  # default: the last step
    assert last.layout.sliders[0].active == 29


def test_static_figure_without_animation(bowl_dlfs):
    surface, runs = bowl_dlfs
    fig = contour.contour_figure(surface, runs, animate=False)
    assert len(fig.frames) == 0 and not fig.layout.sliders and not fig.layout.updatemenus


def test_diverged_run_is_marked_where_it_left(diverging):
    surface, (run,) = diverging
    assert run.diverged_at == 10
    fig = contour.contour_figure(surface, [run])
    (event,) = [t for t in fig.data if t.mode == "markers+text"]
    assert event.marker.symbol == style.DIVERGED_SYMBOL
    assert event.text == ("diverged at step 10",)
    (_x0, _x1), (y0, y1) = surface.domain
    # The y coordinate doubles in size each step: the path crosses the view's edge.
    step, point = layout.view_exit(run.path[: layout.last_valid_index(run) + 1], surface.domain)
    assert step < 10
    rounding = 10.0 ** -layout.coordinate_decimals(surface.domain)
    assert event.y[0] in (pytest.approx(y0, abs=rounding), pytest.approx(y1, abs=rounding))
    assert event.x[0] == pytest.approx(point[0], abs=rounding)
    # The frames show the marker only from the step it left the view on.
    index = list(fig.data).index(event)
    for frame in fig.frames:
        data = frame.data[list(frame.traces).index(index)]
        shown = len(data.x) > 0
        frame_step = (
            int(frame.name) if frame.name.isdigit() else (0 if frame.name == "edge-start" else 40)
        )
        assert shown == (frame_step >= step)
    # The static path stops at the last finite point instead of repeating the frozen one.
    (path,) = [t for t in fig.data if t.mode == "lines+markers"]
    assert len(path.x) == 10


def test_run_that_leaves_the_view_without_diverging():
    # D2L: gradient descent with η = 0.6 on 0.1x² + 2y² grows by 1.4 each step.
    experiment = experiments.presets.get("d2l_ch12").experiment
    run = experiment.run_one(1)
    assert run.diverged_at is None
    fig = contour.contour_figure(experiment.surface_object(), [run])
    (event,) = [t for t in fig.data if t.mode == "markers+text"]
    assert event.text[0].startswith("left the view at step")


def test_view_exit():
    box = ((-1.0, 1.0), (-1.0, 1.0))
    assert layout.view_exit(np.array([[0.0, 0.0], [0.5, 0.5]]), box) is None
    assert layout.view_exit(np.array([[0.0, 0.0], [0.0, -3.0]]), box) == (1, (0.0, -1.0))
    step, (x, y) = layout.view_exit(np.array([[0.0, 0.0], [0.5, 0.0], [2.5, 2.0]]), box)
    assert step == 2 and (x, y) == pytest.approx((1.0, 0.5))
    assert layout.view_exit(np.array([[5.0, 0.0]]), box) == (0, (1.0, 0.0))


# --- payload ----------------------------------------------------------------------------------------


def test_compare_payload_is_under_one_megabyte(compare_4x300):
    surface, runs = compare_4x300
    overlay = contour.contour_figure(surface, runs, clickable=True)
    grid = contour.small_multiples_figure(surface, runs, clickable=True)
    assert _payload(overlay) < PAYLOAD_LIMIT
    assert _payload(grid) < PAYLOAD_LIMIT


def test_payload_is_bounded_by_frames_not_by_path_length():
    """Frames hold a capped trail, so 4x more steps leave the frames' size unchanged."""
    sizes = []
    for steps in (1200, 4800):
        experiment = _experiment(
            "rosenbrock", steps, *(RunConfig("adam", {"lr": lr}) for lr in (0.01, 0.02, 0.05, 0.1))
        )
        fig = contour.contour_figure(experiment.surface_object(), experiment.run())
        assert (
            max(len(data.x) for frame in fig.frames for data in frame.data)
            <= contour.MAX_TRAIL_POINTS
        )
        sizes.append(len(json.dumps(fig.to_plotly_json()["frames"])))
    assert sizes[1] < 1.1 * sizes[0]


def test_busiest_surface_grid_payload_is_under_one_megabyte():
    experiment = _experiment(
        "rastrigin", 300, *(RunConfig(name) for name in ("sgd", "momentum", "adam", "rmsprop"))
    )
    fig = contour.small_multiples_figure(
        experiment.surface_object(), experiment.run(), clickable=True
    )
    assert _payload(fig) < PAYLOAD_LIMIT


# --- animation controls -------------------------------------------------------------------------------


def _plotly_animate(
    frames: list, names: list[str] | None, group: str | None, options: dict, current
):
    """plotly.js's Plotly.animate frame list (src/plot_api/plot_api.js): the frames a
    call queues and the name the graph shows once the first `hold` frames ran."""
    if names is None:
        queue = [f.name for f in frames if group is None or f.group == group]
    else:
        queue = list(names)
    if options.get("direction") == "reverse":
        queue.reverse()
    if current is not None and options.get("fromcurrent"):
        index = queue.index(current) if current in queue else -1
        if 0 < index < len(queue) - 1:
            queue = queue[index + 1 :]
    durations = options["frame"] if isinstance(options["frame"], list) else [options["frame"]]
    shown = None
    for position, name in enumerate(queue):
        frame_options = durations[position] if position < len(durations) else durations[0]
        shown = name
        if frame_options["duration"] >= contour.HOLD_MS:
            break
    return shown


def _press(fig: go.Figure, label: str, current):
    (buttons,) = [
        m.buttons for m in fig.layout.updatemenus if any(b.label == label for b in m.buttons)
    ]
    (button,) = [b for b in buttons if b.label == label]
    target, options = button.args
    names = target if isinstance(target, list | tuple) else None
    group = target if isinstance(target, str) else None
    return _plotly_animate(list(fig.frames), names, group, options, current)


def _visible_step(name: str, last: str) -> str:
    return {"edge-start": "0", "edge-end": last}.get(name, name)


def test_step_buttons_move_one_frame_per_press(bowl_dlfs):
    surface, runs = bowl_dlfs
    fig = contour.contour_figure(surface, runs)
    current, seen = None, []
    for _ in range(5):
        current = _press(fig, "Step ▶", current)
        seen.append(_visible_step(current, "29"))
    assert seen == ["0", "1", "2", "3", "4"]
    for _ in range(3):
        current = _press(fig, "◀ Step", current)
        seen.append(_visible_step(current, "29"))
    assert seen[-3:] == ["3", "2", "1"]
    # At either end the step buttons stay there instead of sticking or wrapping.
    for _ in range(4):
        current = _press(fig, "◀ Step", current)
    assert _visible_step(current, "29") == "0"
    assert _visible_step(_press(fig, "Step ▶", current), "29") in ("0", "1")
    current = "29"
    current = _press(fig, "Step ▶", current)
    assert _visible_step(current, "29") == "29"
    assert _visible_step(_press(fig, "◀ Step", None), "29") == "29"
    assert _press(fig, "◀ Step", "29") == "28"


def test_play_runs_the_main_frames_and_restarts_at_the_end(bowl_dlfs):
    surface, runs = bowl_dlfs
    fig = contour.contour_figure(surface, runs)
    play = next(b for b in fig.layout.updatemenus[0].buttons if b.label == "▶ Play")
    group, options = play.args
    assert (
        group == contour.MAIN_GROUP
        and options["fromcurrent"]
        and options["frame"]["redraw"] is False
    )
    main = [f.name for f in fig.frames if f.group == group]
    assert main[0] == "0" and main[-1] == "29"
    speeds = [b for b in fig.layout.updatemenus[1].buttons]
    durations = [b.args[1]["frame"]["duration"] for b in speeds]
    assert durations == sorted(durations, reverse=True) and len(speeds) == len(contour.SPEEDS)
    pause = next(b for b in fig.layout.updatemenus[0].buttons if b.label == "❚❚ Pause")
    assert list(pause.args[0]) == [None]


# --- arrows --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("optimizer", "convention", "hyper"),
    [
        ("momentum", "velocity", {"lr": 0.1, "momentum": 0.9}),
        ("momentum", "torch", {"lr": 0.1, "momentum": 0.9}),
        ("momentum", "ema", {"lr": 0.1, "momentum": 0.9}),
        ("nesterov", "torch", {"lr": 0.05, "momentum": 0.9}),
        ("adam", "torch", {"lr": 0.3}),
        ("nadam", "torch", {"lr": 0.3}),
        ("sgd", "torch", {"lr": 0.3}),
        ("rmsprop", "torch", {"lr": 0.1}),
    ],
)
def test_arrows_match_the_state_at_step_k(optimizer, convention, hyper):
    run = optim_core.run(
        optimizer, "bowl", start=(-7.0, 2.0), steps=12, convention=convention, **hyper
    )
    k = 6
    vectors = arrows.arrow_vectors(run, k)
    origin = run.path[k - 1]
    eta = run.lr[k - 1]
    for start, _ in vectors.values():
        np.testing.assert_allclose(start, origin)
    np.testing.assert_allclose(vectors["gradient"][1], -eta * run.state["g"][k])
    np.testing.assert_allclose(vectors["update"][1], run.path[k] - run.path[k - 1])
    slot = arrows.momentum_slot(run)
    if slot == "velocity":
        momentum = vectors["momentum"][1]
        np.testing.assert_allclose(momentum + vectors["gradient"][1], vectors["update"][1])
        if convention == "velocity":  # θ_k = θ_{k-1} + μ v_{k-1} - η g_k
            np.testing.assert_allclose(
                momentum, hyper["momentum"] * run.state["velocity"][k - 1], atol=1e-12
            )
        if convention == "torch" and optimizer == "momentum":  # -η μ b_{k-1}
            np.testing.assert_allclose(
                momentum, -eta * hyper["momentum"] * run.state["velocity"][k - 1], atol=1e-12
            )
    elif slot in ("m_hat", "m_bar"):
        np.testing.assert_allclose(vectors["momentum"][1], -eta * run.state[slot][k])
    else:
        assert "momentum" not in vectors
    assert arrows.arrow_vectors(run, 0) == {}


def test_arrow_traces_draw_the_vectors_magnified_by_one_factor():
    run = optim_core.run(
        "momentum", "bowl", start=(-7.0, 2.0), steps=30, lr=0.1, momentum=0.9, convention="velocity"
    )
    domain = run.surface.domain
    for k in (1, 5, 25):
        scale = arrows.arrow_scale(run, k, domain)
        assert scale >= 1
        mantissa = scale / 10 ** np.floor(np.log10(scale))
        assert round(mantissa, 6) in (1, 2, 5)
        traces = arrows.arrow_traces(run, k, domain, decimals=6)
        vectors = arrows.arrow_vectors(run, k)
        for trace, name in zip(traces, ("gradient", "momentum", "update"), strict=True):
            origin, vector = vectors[name]
            assert trace.x[0] == pytest.approx(origin[0], abs=1e-6)
            assert trace.x[1] - trace.x[0] == pytest.approx(scale * vector[0], abs=1e-5)
            assert trace.y[1] - trace.y[0] == pytest.approx(scale * vector[1], abs=1e-5)
        longest = max(np.hypot(*v) for _, v in vectors.values())
        diagonal = np.hypot(domain[0][1] - domain[0][0], domain[1][1] - domain[1][0])
        assert scale * longest <= arrows.ARROW_VIEW_FRACTION * diagonal * (1 + 1e-9) or scale == 1


def test_explore_figure_animates_the_arrows():
    run = optim_core.run("adam", "bowl", start=(-7.0, 2.0), steps=40, lr=0.3)
    fig = contour.contour_figure(run.surface, [run], arrows=True, step=4)
    arrow_indices = [i for i, t in enumerate(fig.data) if t.legendgroup == "arrows"]
    assert len(arrow_indices) == 3 and set(arrow_indices) <= _animated_indices(fig)
    frame = next(f for f in fig.frames if f.name == "10")
    scale = arrows.arrow_scale(run, 10, run.surface.domain)
    update = frame.data[list(frame.traces).index(arrow_indices[2])]
    expected = run.path[9] + scale * (run.path[10] - run.path[9])
    rounding = 10.0 ** -layout.coordinate_decimals(run.surface.domain)
    assert update.x[1] == pytest.approx(expected[0], abs=rounding)
    assert update.y[1] == pytest.approx(expected[1], abs=rounding)


# --- small multiples -----------------------------------------------------------------------------------


def test_small_multiples_share_one_slider(bowl_dlfs):
    surface, runs = bowl_dlfs
    fig = contour.small_multiples_figure(surface, runs, columns=2)
    assert len(fig.layout.images) == 4
    assert [img.xref for img in fig.layout.images] == ["x", "x2", "x3", "x4"]
    assert [a.text for a in fig.layout.annotations] == ["SGD", "Momentum", "AdaGrad", "Adam"]
    assert len(fig.layout.sliders) == 1
    animated = _animated_indices(fig)
    assert len(animated) == 4 * 3
    (x0, x1), (y0, y1) = surface.domain
    for axis in ("", "2", "3", "4"):
        assert tuple(fig.layout[f"xaxis{axis}"].range) == (x0, x1)
        assert tuple(fig.layout[f"yaxis{axis}"].range) == (y0, y1)
        assert fig.layout[f"yaxis{axis}"].scaleanchor == f"x{axis}"
    # Each run's traces live in its own panel.
    panels = {t.xaxis for t in fig.data if t.legendgroup == "run2"}
    assert panels == {"x3"}
    assert [t.line.color for t in fig.data if t.mode == "lines+markers"] == style.run_colors(
        [r.optimizer for r in runs]
    )


# --- curves -------------------------------------------------------------------------------------------------


def test_curves_figure_rows_and_step_marker(bowl_dlfs):
    surface, runs = bowl_dlfs
    fig = curves.curves_figure(runs[:2], step=5)
    assert fig.layout.yaxis.type == "log" and fig.layout.yaxis3.type == "log"
    lines = [t for t in fig.data if t.mode == "lines"]
    assert len(lines) == 2 * 3
    markers = [t for t in fig.data if t.mode == "markers"]
    assert all(m.x[0] == 5 for m in markers)
    assert fig.layout.shapes and all(shape.x0 == shape.x1 == 5 for shape in fig.layout.shapes)
    gap = lines[0]
    target = min(m.value for m in surface.minima)
    np.testing.assert_allclose(gap.y, np.maximum(runs[0].loss - target, 1e-16))
    np.testing.assert_allclose(lines[1].y, runs[0].lr)
    np.testing.assert_allclose(lines[2].y, np.maximum(np.hypot(*runs[0].grad.T), 1e-16))


def test_curves_mark_a_divergence(diverging):
    _, runs = diverging
    fig = curves.curves_figure(runs)
    assert any(t.marker.symbol == style.DIVERGED_SYMBOL for t in fig.data if t.mode == "markers")
    (gap,) = [t for t in fig.data if t.mode == "lines" and t.yaxis == "y"]
    assert len(gap.x) == 10  # no frozen copies after the divergence


def test_comparison_curves(compare_4x300):
    _surface, runs = compare_4x300
    fig = curves.comparison_curves_figure(runs, tolerance=1e-3)
    assert fig.layout.yaxis.type == "log" and fig.layout.yaxis2.type == "log"
    assert len([t for t in fig.data if t.xaxis == "x"]) == 4
    assert len([t for t in fig.data if t.xaxis == "x2"]) == 4
    distance = next(t for t in fig.data if t.xaxis == "x2")
    np.testing.assert_allclose(distance.y, np.maximum(runs[0].distance_to_nearest_minimum(), 1e-16))
    assert any(s.y0 == 1e-3 for s in fig.layout.shapes)
    assert [t.line.color for t in fig.data if t.xaxis == "x"] == style.run_colors(
        [r.optimizer for r in runs]
    )


def test_surface_3d(bowl_dlfs):
    surface, runs = bowl_dlfs
    fig = surface3d.surface_3d_figure(surface, runs)
    assert fig.data[0].type == "surface"
    assert [t.type for t in fig.data[1:]] == ["scatter3d"] * 4
    assert [t.line.color for t in fig.data[1:]] == style.run_colors([r.optimizer for r in runs])


def test_schedule_figures():
    rates = {
        "cosine": optim_core.schedules.make({"name": "cosine"}, 0.1, 50)(np.arange(50)),
        "constant": np.full(50, 0.1),
    }
    fig = schedules.schedule_figure(rates, highlight="cosine", log_y=True)
    assert [t.name for t in fig.data] == ["cosine", "constant"]
    assert list(fig.data[0].x) == list(range(1, 51))
    assert fig.data[0].line.width > fig.data[1].line.width and fig.layout.yaxis.type == "log"
    gallery = schedules.schedule_gallery_figure(rates, highlight="cosine", columns=2)
    assert len(gallery.data) == 2 and [a.text for a in gallery.layout.annotations] == [
        "cosine",
        "constant",
    ]


def test_schedule_gallery_shows_each_shape_with_a_scale():
    # The Schedules page's default run: 50 steps at η = 0.98.
    rates = schedules.gallery_rates(0.98, 50, plateau_rates=np.full(50, 0.98))
    assert list(rates) == optim_core.schedules.names()
    shaped = {k: v for k, v in rates.items() if not optim_core.schedules.spec(k).performance_based}
    for (a, x), (b, y) in itertools.combinations(shaped.items(), 2):
        assert np.max(np.abs(x - y)) > 0.05 * 0.98, (a, b)  # no two panels look alike
    assert np.ptp(rates["piecewise"]) > 0  # its default drops (steps 100, 200) moved inside
    gallery = schedules.schedule_gallery_figure(rates, notes={"plateau": "flat"})
    axes = [k for k in gallery.layout.to_plotly_json() if k.startswith(("xaxis", "yaxis"))]
    assert len(axes) == 2 * len(rates)
    for key in axes:
        axis = gallery.layout[key]
        assert axis.showticklabels is not False and axis.visible is not False, key
    for trace in gallery.data:  # each panel's own η scale, from 0 to just above its peak
        axis = gallery.layout[layout.axis_key(trace.yaxis)]
        assert axis.range[0] == 0 and max(trace.y) <= axis.range[1] <= 1.2 * max(trace.y)
    assert "flat" in [a.text for a in gallery.layout.annotations]


def test_preview_is_static(bowl_dlfs):
    surface, runs = bowl_dlfs
    fig = preview.preview_figure(surface, runs)
    assert fig.data[0].type == "contour" and len(fig.frames) == 0
    assert len(fig.data) == 1 + len(runs)


@pytest.fixture(scope="module")
def preset_previews():
    """Every gallery preset: (preset, its runs, its preview with the app's run labels)."""
    out = []
    for key in experiments.presets.names():
        preset = experiments.presets.get(key)
        surface, runs = preset.experiment.surface_object(), preset.experiment.run()
        labels = [r.label or optim_core.spec(r.optimizer).title for r in preset.experiment.runs]
        out.append((preset, runs, labels, preview.preview_figure(surface, runs, labels).to_dict()))
    return out


def _preview_paths(fig: dict) -> list[dict]:
    return [
        trace for trace in fig["data"] if trace["type"] == "scatter" and trace["mode"] == "lines"
    ]


def test_every_preview_has_a_legend_entry_per_run(preset_previews):
    for preset, _, labels, fig in preset_previews:
        entries = [trace["name"] for trace in fig["data"] if trace.get("showlegend")]
        assert entries == labels, preset.key
        assert fig["layout"]["showlegend"] is True, preset.key
        # Below the view, not over it: the legend's corner is the paper's, the view starts
        # above the strip the legend rows need.
        legend, yaxis = fig["layout"]["legend"], fig["layout"]["yaxis"]
        assert (legend["x"], legend["y"], legend["yanchor"]) == (0.0, 0.0, "bottom")
        columns = preview.legend_columns(labels)
        rows = -(-len(labels) // columns)
        strip = rows * preview.LEGEND_ROW_HEIGHT + 2 * preview.LEGEND_PADDING
        assert fig["layout"]["height"] == 200 + strip
        assert yaxis["domain"] == [strip / (200 + strip), 1.0]


def test_preview_labels_default_to_the_optimizer_titles(bowl_dlfs):
    surface, runs = bowl_dlfs
    fig = preview.preview_figure(surface, runs).to_dict()
    names = [trace["name"] for trace in fig["data"] if trace.get("showlegend")]
    assert names == layout.run_labels(runs, None)


def test_every_preview_views_the_surface_domain_and_draws_inside_it(preset_previews):
    for preset, _, _, fig in preset_previews:
        (x0, x1), (y0, y1) = preset.experiment.surface_object().domain
        xaxis, yaxis = fig["layout"]["xaxis"], fig["layout"]["yaxis"]
        assert xaxis["range"] == [x0, x1] and yaxis["range"] == [y0, y1], preset.key
        assert xaxis["autorange"] is False and yaxis["autorange"] is False
        # A path that leaves the view and comes back is drawn (plotly clips it); one that
        # leaves for good stops on the edge: every path ends inside the view.
        for trace in _preview_paths(fig):
            x, y = trace["x"][-1], trace["y"][-1]
            assert x0 <= x <= x1 and y0 <= y <= y1, (preset.key, trace["name"])


def test_diverging_preview_path_ends_with_a_cross_on_the_edge(preset_previews):
    _, _, labels, fig = next(p for p in preset_previews if p[0].key == "d2l_ch12")
    i = labels.index("GD η=0.6")  # y grows ×1.4 a step: leaves the view at step 3 for good
    path = _preview_paths(fig)[i]
    assert len(path["x"]) == 4 and path["y"][-1] == 5.0  # start, steps 1-2, the top edge
    crosses = [t for t in fig["data"] if t.get("mode") == "markers" and t["name"] == labels[i]]
    assert len(crosses) == 1 and crosses[0]["marker"]["symbol"] == style.DIVERGED_SYMBOL
    assert (crosses[0]["x"], crosses[0]["y"]) == (path["x"][-1:], path["y"][-1:])
    assert sum(t.get("mode") == "markers" for t in fig["data"]) == 1  # the other runs stay in view


def test_preview_paths_draw_a_bounded_amount_of_line(preset_previews):
    for preset, _, _, fig in preset_previews:
        (x0, x1), (y0, y1) = preset.experiment.surface_object().domain
        diagonal = np.hypot(x1 - x0, y1 - y0)
        for trace in _preview_paths(fig):
            ink = np.hypot(np.diff(trace["x"]), np.diff(trace["y"])).sum() / diagonal
            assert ink <= preview.PREVIEW_INK_DIAGONALS + 1e-9, (preset.key, trace["name"])
    # The Distill momentum run rings ~25 diagonals in 150 steps; both runs stop at step 18.
    _, _, _, fig = next(p for p in preset_previews if p[0].key == "distill_momentum")
    assert [len(trace["x"]) for trace in _preview_paths(fig)] == [19, 19]
    # Runs that draw little keep every step (the Rosenbrock gallery's 500).
    _, _, _, fig = next(p for p in preset_previews if p[0].key == "rosenbrock_gallery")
    assert all(len(t["x"]) == preview.PREVIEW_POINTS for t in _preview_paths(fig))


def test_contour_background_image():
    surface = surfaces.get("bowl")
    uri = background.contour_background(surface, width=400)
    image = Image.open(io.BytesIO(base64.b64decode(uri.split(",", 1)[1])))
    assert image.size == (400, 200)  # equal aspect: the view box is 20 x 10
    dark = background.contour_background(surface, width=400, dark=True)
    assert dark != uri


def test_builders_import_neither_streamlit_nor_matplotlib():
    import subprocess
    import sys

    code = (
        "import sys, viz.arrows, viz.background, viz.contour, viz.curves, viz.layout, "
        "viz.preview, viz.schedules, viz.surface3d; "
        "print(sorted({'streamlit', 'matplotlib'} & set(sys.modules)))"
    )
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True).stdout  # fmt: skip
    assert loaded.strip() == "[]"


# --- figures built as dicts: what plotly.py would build, drawn once ------------------------


def _built_figures(surface, runs):
    """Every builder, each with the options a page uses."""
    rates = {"cosine": np.linspace(0.1, 0.0, 30), "constant": np.full(30, 0.1)}
    return {
        "contour": contour.contour_figure(surface, runs, clickable=True),
        "contour_static": contour.contour_figure(surface, runs, animate=False, font_size=20),
        "arrows": contour.contour_figure(surface, runs[:1], arrows=True, step=3, dark=True),
        "grid": contour.small_multiples_figure(surface, runs, clickable=True),
        "curves": curves.curves_figure(runs, step=5),
        "comparison": curves.comparison_curves_figure(runs, tolerance=1e-3),
        "surface3d": surface3d.surface_3d_figure(surface, runs, resolution=20),
        "schedule": schedules.schedule_figure(rates, highlight="cosine", log_y=True, title="η"),
        "gallery": schedules.schedule_gallery_figure(rates, highlight="cosine", columns=2),
        "preview": preview.preview_figure(surface, runs),
    }


BUILT = ["contour", "contour_static", "arrows", "grid", "curves", "comparison", "surface3d",
         "schedule", "gallery", "preview"]  # fmt: skip


@pytest.mark.parametrize("name", BUILT)
def test_every_figure_sends_what_plotly_validates(bowl_dlfs, diverging, name):
    for surface, runs in (bowl_dlfs, diverging):
        fig = _built_figures(surface, runs)[name]
        assert isinstance(fig, layout.SpecFigure)  # one figure style for every builder
        sent = fig.to_dict()  # what st.plotly_chart serialises
        validated = go.Figure(sent).to_dict()  # plotly.py's full validation of every property
        for frame in validated.get("frames", []):  # validation names the default trace type;
            for data in frame["data"]:  # plotly.js keeps the animated trace's own
                assert data.pop("type") == "scatter"
        assert json.dumps(validated, sort_keys=True) == json.dumps(sent, sort_keys=True)


def test_a_spec_figure_becomes_an_ordinary_figure_when_touched(bowl_dlfs):
    surface, runs = bowl_dlfs
    fig = contour.contour_figure(surface, runs)
    sent = fig.to_dict()
    sent["layout"]["height"] = 1  # the caller's copy: the figure keeps its own
    assert fig.to_dict()["layout"]["height"] != 1
    assert type(fig) is layout.SpecFigure
    assert fig.layout.height == 560  # first use validates and converts
    assert type(fig) is go.Figure
    fig.update_layout(height=400)
    assert fig.to_dict()["layout"]["height"] == 400
    assert len(fig.frames) == len(sent["frames"])


def test_trail_indices_equal_numpys_formula():
    # _trail_indices is NumPy's `unique(round(linspace(first, step, count)))`, rewritten
    # without per-call overhead: the same integers for every step and window.
    for window in (12, 13, 29, 30, 31, 45, 100, 333):
        for step in range(0, 700, 7):
            first = max(0, step - window)
            count = min(step - first + 1, contour.MAX_TRAIL_POINTS)
            expected = np.unique(np.round(np.linspace(first, step, count)).astype(int)).tolist()
            assert contour._trail_indices(step, window) == expected, (step, window)


# --- legends inside, margins fixed: plotly.js draws each figure once -----------------------


@pytest.mark.parametrize("name", BUILT)
def test_legends_sit_inside_the_plot_where_they_push_no_margin(compare_4x300, name):
    surface, runs = compare_4x300
    layout_ = _built_figures(surface, runs)[name].to_dict()["layout"]
    legend = layout_.get("legend")
    if legend is not None:
        assert 0 <= legend["x"] <= 1 and 0 <= legend["y"] <= 1
        assert legend["xanchor"] == ("right" if legend["x"] >= 0.5 else "left")
        assert legend["yanchor"] == ("top" if legend["y"] >= 0.5 else "bottom")
    if name in ("contour", "contour_static", "arrows", "grid", "curves", "comparison"):
        assert layout_["margin"]["autoexpand"] is False  # tick labels and controls fit


def test_clickable_figures_set_the_modes_streamlit_would_change(compare_4x300):
    # st.plotly_chart fills in clickmode / hovermode / dragmode of a selectable chart
    # after its first draw when they are missing, and that redraws it: set all three.
    surface, runs = compare_4x300
    for fig in (
        contour.contour_figure(surface, runs, clickable=True),
        contour.small_multiples_figure(surface, runs, clickable=True),
    ):
        layout = fig.to_dict()["layout"]
        assert (layout["clickmode"], layout["hovermode"], layout["dragmode"]) == (
            "event+select",
            "closest",
            "pan",
        )


def test_invisible_click_grid_and_long_paths_draw_few_svg_markers(compare_4x300):
    surface, runs = compare_4x300
    data = contour.contour_figure(surface, runs, clickable=True).to_dict()["data"]
    grid = next(t for t in data if "customdata" in t and t["mode"] == "markers")
    assert grid["marker"]["maxdisplayed"] == 1  # hover and selection use the data only
    paths = [t for t in data if t.get("mode") == "lines+markers"]
    assert len(paths) == 4
    assert all(t["marker"]["maxdisplayed"] == contour.MAX_PATH_MARKERS for t in paths)
    assert all(len(t["x"]) == 301 for t in paths)  # every iterate stays in the data
