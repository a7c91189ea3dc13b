"""The browser engine repeats the Python engine: every optimizer, convention, schedule and
surface, run in Chromium on the generated JavaScript and compared with `optim_core.run`.

A run agrees to 1e-12 (relative to the larger of the point's size and the view) when it is
well conditioned: its own path moves by less than 1e-10 of the view when its gradients are
perturbed by 1e-13 (absolute gradient noise of that size, the engine's own mechanism).
Every run agrees to 1e-6 of the view, the smallest difference a chart could show.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

import optim_core
import surfaces
from optim_core import jscodegen, schedules
from surfaces import jscode

STEPS = 60
WELL_CONDITIONED = 1e-10  # path change, in views, under a 1e-13 gradient perturbation
AGREE_WELL = 1e-12
AGREE_ALWAYS = 1e-6
PERTURBATION = 1e-13


def _cases() -> list[dict]:
    """(optimizer, convention) on every surface at the defaults; every schedule, noise,
    weight decay (both kinds) and numerical gradients on a few."""
    cases = []
    for name in optim_core.names():
        opt = optim_core.spec(name)
        if opt.family == "lbfgs":
            continue
        for conv in opt.conventions:
            for surface in surfaces.names():
                cases.append(dict(optimizer=name, convention=conv.name, surface=surface))
    for schedule in schedules.names():
        for name in ("adam", "sgd", "newton"):
            if name == "newton" and schedules.spec(schedule).performance_based:
                continue
            config = schedules.normalize({"name": schedule, "warmup_steps": 3})
            cases.append(dict(optimizer=name, surface="rosenbrock", schedule=config))
    for name in ("sgd", "momentum", "adam", "adamw", "nadam", "adagrad", "newton"):
        cases.append(dict(optimizer=name, surface="bowl", noise=0.3, seed=7))
        cases.append(dict(optimizer=name, surface="himmelblau", noise=0.2,
                          noise_mode="relative", seed=3))  # fmt: skip
    for name, conv in (("sgd", None), ("adam", "folded"), ("adamw", None), ("rmsprop", None)):
        cases.append(dict(optimizer=name, convention=conv, surface="bowl", weight_decay=0.1))
    for name in ("sgd", "nesterov", "adam"):
        cases.append(dict(optimizer=name, surface="rosenbrock", gradient="numerical"))
    return cases


def _settings(case: dict) -> tuple[dict, dict]:
    case = dict(case)
    surface = surfaces.get(case.pop("surface"))
    run_args = dict(surface=surface, start=surface.default_start, steps=STEPS, **case)
    return surface, run_args


@pytest.fixture(scope="module")
def chromium_page(browser):
    context = browser.new_context()
    page = context.new_page()
    page.set_content("<html><body></body></html>")
    sources = {
        name: jscode.javascript(surfaces.definition(name).expression,
                                surfaces.definition(name).parameter_names)
        for name in surfaces.names()
    }  # fmt: skip
    script = jscodegen.engine_source() + "\nwindow.OptimEngine = OptimEngine;\n"
    script += (
        "window.SURFACES = {" + ",".join(f"{json.dumps(k)}: {v}" for k, v in sources.items()) + "};"
    )
    page.add_script_tag(content=script)
    yield page
    context.close()


def _browser_runs(page, options: list[tuple[str, dict]]) -> list[dict]:
    return page.evaluate(
        """(cases) => cases.map(([surface, o]) => {
            const r = OptimEngine.run(SURFACES[surface], o);
            return {path: Array.from(r.path), loss: Array.from(r.loss),
                    records: Array.from(r.records), lr: Array.from(r.lr), diverged: r.divergedAt};
        })""",
        options,
    )


def _view(surface) -> float:
    (x0, x1), (y0, y1) = surface.domain
    return max(x1 - x0, y1 - y0)


def test_the_browser_engine_repeats_the_python_engine(chromium_page):
    cases = _cases()
    expected, options = [], []
    for case in cases:
        surface, args = _settings(case)
        trajectory = optim_core.run(**args)
        args.pop("surface")
        browser = jscodegen.browser_run(surface=surface, steps_max=STEPS + 20, **args)
        browser["steps"] = STEPS
        expected.append((surface, args, trajectory))
        options.append((surface.name, browser))
    got = _browser_runs(chromium_page, options)
    failures, well = [], 0
    for (surface, args, trajectory), result in zip(expected, got, strict=True):
        view = _view(surface)
        path = np.asarray(result["path"]).reshape(-1, 2)
        error = np.max(np.abs(path - trajectory.path))
        scale = np.maximum(np.abs(trajectory.path), view)
        relative = np.max(np.abs(path - trajectory.path) / scale)
        nudged_args = dict(args)
        if not args.get("noise"):
            nudged_args.update(noise=PERTURBATION, noise_mode="absolute")
            nudged = optim_core.run(surface=surface, **nudged_args).path
            conditioned = np.max(np.abs(nudged - trajectory.path)) < WELL_CONDITIONED * view
        else:
            conditioned = False
        label = f"{args} on {surface.name}"
        if error > AGREE_ALWAYS * view:
            failures.append(f"{label}: differs by {error:.3g} ({error / view:.3g} of the view)")
        if conditioned:
            well += 1
            if relative > AGREE_WELL:
                failures.append(f"{label}: well conditioned, differs by {relative:.3g} relative")
            expected_diverged = -1 if trajectory.diverged_at is None else trajectory.diverged_at
            if result["diverged"] != expected_diverged:
                failures.append(
                    f"{label}: diverged at {result['diverged']}, not {expected_diverged}"
                )
            np.testing.assert_allclose(result["loss"], trajectory.loss, rtol=1e-9, atol=1e-300,
                                       err_msg=label)  # fmt: skip
            np.testing.assert_allclose(result["lr"], trajectory.lr, rtol=1e-15, err_msg=label)
            slots = optim_core.spec(trajectory.optimizer).state
            records = np.asarray(result["records"]).reshape(len(path), len(slots), 2)
            for k, slot in enumerate(slots):
                np.testing.assert_allclose(
                    records[:, k],
                    trajectory.state[slot.name],
                    rtol=1e-9,
                    atol=1e-12 * view,
                    err_msg=f"{label}: {slot.name}",
                )
    assert not failures, "\n".join(failures)
    assert well > len(cases) // 2  # most runs are well conditioned: the strict check ran


def test_a_shown_step_size_past_the_float_range_ends_the_browser_run_at_the_same_step(
    chromium_page,
):
    """AdaMax with ε = 0 from a subnormal gradient: η/u₁ overflows, both engines stop at 1."""
    surface = surfaces.get("rastrigin")
    args = dict(optimizer="adamax", start=(-5, 1e-320), steps=200, beta2=3.4e-12, eps=0.0)
    trajectory = optim_core.run(surface=surface, **args)
    [result] = _browser_runs(
        chromium_page, [(surface.name, jscodegen.browser_run(surface=surface, **args))]
    )
    assert trajectory.diverged_at == 1 and result["diverged"] == 1
    path = np.asarray(result["path"]).reshape(-1, 2)
    assert np.all(np.isfinite(path)) and np.all(np.isfinite(result["records"]))
    np.testing.assert_array_equal(path[:1], trajectory.path[:1])
