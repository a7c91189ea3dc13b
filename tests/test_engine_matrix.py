"""Registry-driven convergence matrix and registry completeness.

`MATRIX` is data: for every optimizer and every surface in `SURFACES`, the settings
(hyperparameters, optionally a schedule), the step budget and the tolerance under which
the run ends within that distance of a known minimum (`distance_to_nearest_minimum`),
from the surface's default start.  The optimizer list comes from `optim_core.names()`, so a
new optimizer without a row fails `test_every_optimizer_has_a_matrix_entry`.  Budgets are
about twice what the run needs; tolerances sit about ten times above what it reaches.

The second half checks what the UI and the docs read from the registry: every convention
has LaTeX, a reference and a card, every parameter has help text and a valid default.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

import optim_core
import surfaces

SURFACES = ("bowl", "rotated_quadratic", "booth", "rosenbrock", "himmelblau", "beale",
            "local_minima")  # fmt: skip
COSINE_3000 = {"name": "cosine", "decay_steps": 3000}
TENFOLD_PER_5000 = {"name": "exponential", "decay_rate": 0.1, "decay_steps": 5000}

# RMSProp hovers at a distance set by η unless η decays: its rows use a schedule.
# AdaDelta does not settle on Rosenbrock's valley floor within MAX_STEPS: 1e-2 is honest.
MATRIX: dict[str, dict[str, tuple[dict, int, float]]] = {
    "sgd": {
        "bowl": ({"lr": 0.16}, 2000, 1e-4),
        "rotated_quadratic": ({"lr": 0.025}, 1200, 1e-4),
        "booth": ({"lr": 0.006}, 600, 1e-4),
        "rosenbrock": ({"lr": 0.0018}, 20000, 1e-4),
        "himmelblau": ({"lr": 0.001}, 1000, 1e-4),
        "beale": ({"lr": 0.016}, 3000, 1e-4),
        "local_minima": ({"lr": 0.063}, 800, 1e-4),
    },
    "momentum": {
        "bowl": ({"lr": 0.1}, 800, 1e-4),
        "rotated_quadratic": ({"lr": 0.01}, 600, 1e-4),
        "booth": ({"lr": 0.004}, 600, 1e-4),
        "rosenbrock": ({"lr": 0.001}, 3000, 1e-4),
        "himmelblau": ({"lr": 0.0016}, 600, 1e-4),
        "beale": ({"lr": 0.0025}, 3000, 1e-4),
        "local_minima": ({"lr": 0.025}, 800, 1e-4),
    },
    "nesterov": {
        "bowl": ({"lr": 0.063}, 600, 1e-4),
        "rotated_quadratic": ({"lr": 0.0063}, 600, 1e-4),
        "booth": ({"lr": 0.0025}, 600, 1e-4),
        "rosenbrock": ({"lr": 0.001}, 3000, 1e-4),
        "himmelblau": ({"lr": 0.0016}, 400, 1e-4),
        "beale": ({"lr": 0.0025}, 3000, 1e-4),
        "local_minima": ({"lr": 0.016}, 800, 1e-4),
    },
    "adagrad": {
        "bowl": ({"lr": 1.6}, 400, 1e-4),
        "rotated_quadratic": ({"lr": 1.6}, 400, 1e-4),
        "booth": ({"lr": 2.5}, 400, 1e-4),
        "rosenbrock": ({"lr": 0.75}, 20000, 1e-3),
        "himmelblau": ({"lr": 1.0}, 200, 1e-4),
        "beale": ({"lr": 1.0}, 4000, 1e-4),
        "local_minima": ({"lr": 0.63}, 200, 1e-4),
    },
    "rmsprop": {
        "bowl": ({"lr": 0.1, "schedule": COSINE_3000}, 6000, 1e-4),
        "rotated_quadratic": ({"lr": 0.1, "schedule": COSINE_3000}, 6000, 1e-4),
        "booth": ({"lr": 0.16}, 600, 1e-4),
        "rosenbrock": ({"lr": 0.0075, "schedule": TENFOLD_PER_5000}, 20000, 1e-4),
        "himmelblau": ({"lr": 0.1, "schedule": COSINE_3000}, 6000, 1e-4),
        "beale": ({"lr": 0.016, "schedule": COSINE_3000}, 6000, 1e-4),
        "local_minima": ({"lr": 0.025, "schedule": COSINE_3000}, 6000, 1e-4),
    },
    "adadelta": {
        "bowl": ({"lr": 0.63}, 6000, 1e-4),
        "rotated_quadratic": ({"lr": 0.16}, 10000, 1e-4),
        "booth": ({"lr": 2.5}, 4000, 1e-4),
        "rosenbrock": ({"lr": 0.013}, 20000, 1e-2),
        "himmelblau": ({"lr": 0.016}, 8000, 1e-4),
        "beale": ({"lr": 0.025}, 20000, 1e-4),
        "local_minima": ({"lr": 0.25}, 4000, 1e-4),
    },
    "adam": {
        "bowl": ({"lr": 0.25}, 800, 1e-4),
        "rotated_quadratic": ({"lr": 0.25}, 800, 1e-4),
        "booth": ({"lr": 0.4}, 600, 1e-4),
        # Adam at a constant rate reaches the minimum (1e-15 by step 4,000) and later drifts
        # off again as v decays; 10,000 steps pinned an endpoint of that drift.
        "rosenbrock": ({"lr": 0.063}, 5000, 1e-3),
        "himmelblau": ({"lr": 0.1}, 800, 1e-4),
        "beale": ({"lr": 0.25}, 1200, 1e-4),
        "local_minima": ({"lr": 0.025}, 800, 1e-4),
    },
    "amsgrad": {
        "bowl": ({"lr": 0.4}, 600, 1e-4),
        "rotated_quadratic": ({"lr": 0.4}, 600, 1e-4),
        "booth": ({"lr": 0.4}, 600, 1e-4),
        "rosenbrock": ({"lr": 0.4}, 6000, 1e-4),
        "himmelblau": ({"lr": 0.16}, 600, 1e-4),
        "beale": ({"lr": 0.25}, 1200, 1e-4),
        "local_minima": ({"lr": 0.063}, 600, 1e-4),
    },
    "adamax": {
        "bowl": ({"lr": 0.25}, 600, 1e-4),
        "rotated_quadratic": ({"lr": 0.25}, 1200, 1e-4),
        "booth": ({"lr": 0.25}, 600, 1e-4),
        "rosenbrock": ({"lr": 0.1}, 3000, 1e-3),
        "himmelblau": ({"lr": 0.16}, 600, 1e-4),
        "beale": ({"lr": 0.4}, 4000, 1e-4),
        "local_minima": ({"lr": 0.063}, 600, 1e-4),
    },
    "nadam": {
        "bowl": ({"lr": 0.063}, 1600, 1e-4),
        "rotated_quadratic": ({"lr": 0.063}, 1600, 1e-4),
        "booth": ({"lr": 0.16}, 800, 1e-4),
        "rosenbrock": ({"lr": 0.0005}, 20000, 1e-4),
        "himmelblau": ({"lr": 0.016}, 1200, 1e-4),
        "beale": ({"lr": 0.063}, 4000, 1e-4),
        "local_minima": ({"lr": 0.01}, 1200, 1e-4),
    },
    "newton": {
        "bowl": ({"lr": 1.0}, 1, 1e-12),
        "rotated_quadratic": ({"lr": 1.0}, 1, 1e-12),
        "booth": ({"lr": 1.0}, 1, 1e-12),
        "rosenbrock": ({"lr": 1.0}, 20, 1e-10),
        "himmelblau": ({"lr": 1.0, "damping": 100.0}, 60, 1e-10),
        "beale": ({"lr": 4.0, "damping": 100.0}, 2000, 1e-8),
        "local_minima": ({"lr": 0.04}, 1000, 1e-10),
    },
    "lbfgs": {surface: ({"history_size": 10}, 100, 1e-8) for surface in SURFACES},
}
# AdamW's decay moves the minimum (of f + decay): without it, it is Adam.
MATRIX["adamw"] = {
    s: ({**h, "weight_decay": 0.0}, n, tol) for s, (h, n, tol) in MATRIX["adam"].items()
}


def matrix_cases():
    for name in optim_core.names():
        for surface in SURFACES:
            yield pytest.param(name, surface, id=f"{name}-{surface}")


def test_every_optimizer_has_a_matrix_entry():
    assert set(MATRIX) == set(optim_core.names()), "add a MATRIX row for each new optimizer"
    for name, row in MATRIX.items():
        assert set(row) == set(SURFACES), name


@pytest.mark.parametrize(("name", "surface"), list(matrix_cases()))
def test_optimizer_reaches_a_known_minimum(name, surface):
    if name not in MATRIX or surface not in MATRIX[name]:
        pytest.fail(f"no MATRIX entry for {name} on {surface}")
    hyper, steps, tolerance = MATRIX[name][surface]
    hyper = dict(hyper)
    schedule = hyper.pop("schedule", None)
    assert steps <= optim_core.MAX_STEPS
    traj = optim_core.run(name, surface, steps=steps, schedule=schedule, record_state=False,
                          **hyper)  # fmt: skip
    distance = traj.distance_to_nearest_minimum()
    assert distance[0] > 10 * tolerance, "the start is already at the minimum"
    assert traj.diverged_at is None
    assert distance[-1] < tolerance, f"ends {distance[-1]:.2e} from a minimum"


# --- the registry is complete -------------------------------------------------------------


def all_conventions():
    for name in optim_core.names():
        for convention in optim_core.spec(name).conventions:
            yield pytest.param(name, convention, id=f"{name}-{convention.name}")


def all_params():
    for name in optim_core.names():
        for param in optim_core.spec(name).params:
            yield pytest.param(name, param, id=f"{name}-{param.name}")


def balanced(latex: str) -> bool:
    depth = 0
    for char in re.sub(r"\\[{}]", "", latex):
        depth += {"{": 1, "}": -1}.get(char, 0)
        if depth < 0:
            return False
    begins = re.findall(r"\\begin\{(\w+)\}", latex)
    ends = re.findall(r"\\end\{(\w+)\}", latex)
    return depth == 0 and begins == ends


@pytest.mark.parametrize(("name", "convention"), list(all_conventions()))
def test_every_convention_has_latex_reference_and_card(name, convention):
    spec = optim_core.spec(name)
    assert spec.title.strip() and spec.family in ("first_order", "newton", "lbfgs")
    assert convention.title.strip() and convention.reference.strip()
    assert convention.latex.strip() and balanced(convention.latex), convention.latex
    assert r"\theta" in convention.latex, "the rule must say how θ moves"
    for field in ("idea", "fixes", "fails"):
        assert getattr(spec.card, field).strip(), field
    assert spec.convention(convention.name) is convention
    for key, value in convention.defaults.items():
        assert spec.param(key).validate(value) == value, key


@pytest.mark.parametrize("name", optim_core.names())
def test_conventions_and_state_slots_are_well_formed(name):
    spec = optim_core.spec(name)
    assert spec.convention() is spec.conventions[0]  # the default is the first (torch) form
    assert len({c.name for c in spec.conventions}) == len(spec.conventions)
    slots = [slot.name for slot in spec.state]
    assert len(set(slots)) == len(slots) and slots[0] == "g" and slots[-1] == "update"
    assert all(slot.help.strip() and slot.symbol.strip() for slot in spec.state)
    traj = optim_core.run(name, "booth", steps=2)
    assert list(traj.state) == slots


@pytest.mark.parametrize(("name", "param"), list(all_params()))
def test_every_param_has_help_and_a_valid_default(name, param):
    assert param.help.strip(), "help text"
    value = param.validate(param.default, owner=name)
    assert value == param.default
    assert param.kind in ("float", "int", "bool", "choice", "floats")
    if param.low is not None:
        assert param.default > param.low if param.low_open else param.default >= param.low
    if param.high is not None:
        assert param.default < param.high if param.high_open else param.default <= param.high
    for bound in (param.ui_low, param.ui_high):
        if bound is not None:
            assert param.validate(bound) == bound, f"UI bound {bound} outside the range"
    if param.ui_low is not None and param.ui_high is not None:
        assert param.ui_low < param.ui_high
    assert param.allowed() and param.name in str(_error(param))


def _error(param):
    bad = {"int": 0.5, "bool": "yes", "choice": "??"}.get(param.kind, float("nan"))
    try:
        param.validate(bad)
    except optim_core.ParameterError as error:
        return error
    raise AssertionError(f"{param.name} accepted {bad!r}")


def test_matrix_surfaces_have_known_minima():
    for surface in SURFACES:
        assert surfaces.get(surface).minima, surface
    assert np.all([m.kind.endswith("minimum") for m in surfaces.get("local_minima").minima])
