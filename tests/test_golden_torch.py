"""Golden trajectories from torch.optim pin optim_core's first-order optimizers.

`tests/golden/torch_trajectories.json` holds whole trajectories that torch.optim made
on four 2-D surfaces (made by `python tools/make_torch_golden.py`, which needs PyTorch;
these tests do not).  Every case is one optimizer, one surface, one start and a step
budget; `optim_core.run` must reproduce its path and loss to `PATH_RTOL`/`PATH_ATOL`.

The golden file is also checked on its own, without the engine: each loss is the surface
evaluated in plain NumPy at the recorded point, and each first step is the optimizer's
published one-step formula, written out below from the torch.optim docs.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

GOLDEN_PATH = Path(__file__).parent / "golden" / "torch_trajectories.json"

# A faithful float64 engine differs from torch only by rounding (other gradient
# formulas, other operation order); over a few hundred steps that stays far below these:
# the generator replays every case in NumPy to check it.
PATH_RTOL = 1e-9
PATH_ATOL = 1e-12

# Consistency of the golden file with itself: NumPy and torch evaluate the same
# formula, so values agree to a few ulps.  The absolute floor covers the cancellation
# inside the residuals (say 2.625 - x + x*y**3 near Beale's minimum): one ulp of a term
# of size ~3 is ~1e-15 absolute, a large relative error of a loss near zero.
CONSISTENCY_RTOL = 1e-12
CONSISTENCY_ATOL = 1e-15

# torch.optim 2.13 defaults for the hyperparameters that the hand formulas read; the
# generator checks this table against torch's own `param_groups`.
TORCH_DEFAULTS: dict[str, dict[str, Any]] = {
    "sgd": {"lr": 1e-3, "momentum": 0.0, "weight_decay": 0.0},
    "momentum": {"lr": 1e-3, "momentum": 0.0, "weight_decay": 0.0},
    "nesterov": {"lr": 1e-3, "momentum": 0.0, "weight_decay": 0.0},
    "adagrad": {
        "lr": 1e-2,
        "lr_decay": 0.0,
        "weight_decay": 0.0,
        "initial_accumulator_value": 0.0,
        "eps": 1e-10,
    },
    "rmsprop": {"lr": 1e-2, "alpha": 0.99, "eps": 1e-8, "weight_decay": 0.0},
    "adadelta": {"lr": 1.0, "rho": 0.9, "eps": 1e-6, "weight_decay": 0.0},
    "adam": {"lr": 1e-3, "betas": (0.9, 0.999), "eps": 1e-8, "weight_decay": 0.0},
    "amsgrad": {"lr": 1e-3, "betas": (0.9, 0.999), "eps": 1e-8, "weight_decay": 0.0},
    "adamw": {"lr": 1e-3, "betas": (0.9, 0.999), "eps": 1e-8, "weight_decay": 1e-2},
    "adamax": {"lr": 2e-3, "betas": (0.9, 0.999), "eps": 1e-8, "weight_decay": 0.0},
    "nadam": {
        "lr": 2e-3,
        "betas": (0.9, 0.999),
        "eps": 1e-8,
        "weight_decay": 0.0,
        "momentum_decay": 4e-3,
    },
}


def surface_value(surface: str, params: dict[str, float], xy: np.ndarray) -> np.ndarray:
    """Value of a test surface at points `xy` of shape (..., 2); returns shape (...)."""
    x, y = xy[..., 0], xy[..., 1]
    if surface == "bowl":
        return params["a"] * x**2 + params["b"] * y**2
    if surface == "rosenbrock":
        return (params["a"] - x) ** 2 + params["b"] * (y - x**2) ** 2
    if surface == "beale":
        return (1.5 - x + x * y) ** 2 + (2.25 - x + x * y**2) ** 2 + (2.625 - x + x * y**3) ** 2
    if surface == "himmelblau":
        return (x**2 + y - 11) ** 2 + (x + y**2 - 7) ** 2
    raise ValueError(f"unknown surface {surface!r}")


def surface_gradient(surface: str, params: dict[str, float], xy: np.ndarray) -> np.ndarray:
    """Gradient of a test surface at points `xy` of shape (..., 2); returns (..., 2)."""
    x, y = xy[..., 0], xy[..., 1]
    if surface == "bowl":
        gx, gy = 2 * params["a"] * x, 2 * params["b"] * y
    elif surface == "rosenbrock":
        a, b = params["a"], params["b"]
        gx = -2 * (a - x) - 4 * b * x * (y - x**2)
        gy = 2 * b * (y - x**2)
    elif surface == "beale":
        r1, r2, r3 = 1.5 - x + x * y, 2.25 - x + x * y**2, 2.625 - x + x * y**3
        gx = 2 * r1 * (y - 1) + 2 * r2 * (y**2 - 1) + 2 * r3 * (y**3 - 1)
        gy = 2 * r1 * x + 4 * r2 * x * y + 6 * r3 * x * y**2
    elif surface == "himmelblau":
        u, w = x**2 + y - 11, x + y**2 - 7
        gx, gy = 4 * x * u + 2 * w, 2 * u + 4 * y * w
    else:
        raise ValueError(f"unknown surface {surface!r}")
    return np.stack([gx, gy], axis=-1)


def first_step(case: dict[str, Any]) -> np.ndarray:
    """The first update p1 - p0 from the optimizer's one-step formula, shape (2,).

    With zero-initialised state (and one step counted), every torch.optim update
    collapses to a closed form in the gradient g at the start; weight decay enters as
    g + wd*p except in AdamW, which scales p by (1 - lr*wd) first.
    """
    name = case["optimizer"]
    h = {**TORCH_DEFAULTS[name], **case["hyper"]}
    p = np.array(case["start"], dtype=float)
    g = surface_gradient(case["surface"], case["surface_params"], p)
    lr, wd = h["lr"], h["weight_decay"]
    if name != "adamw":
        g = g + wd * p
    if name in ("sgd", "momentum"):  # torch seeds the momentum buffer with g itself
        return -lr * g
    if name == "nesterov":  # g + mu*buf with buf = g
        return -lr * (1 + h["momentum"]) * g
    if name == "adagrad":  # clr = lr / (1 + 0*lr_decay) on step 1
        return -lr * g / (np.sqrt(h["initial_accumulator_value"] + g**2) + h["eps"])
    if name == "rmsprop":
        return -lr * g / (np.sqrt((1 - h["alpha"]) * g**2) + h["eps"])
    if name == "adadelta":
        # eps inside both square roots; the accumulated delta starts at 0
        rho, eps = h["rho"], h["eps"]
        return -lr * np.sqrt(eps) / np.sqrt((1 - rho) * g**2 + eps) * g
    beta1 = h["betas"][0]
    m = (1 - beta1) * g
    if name in ("adam", "amsgrad", "adamw"):
        # m_hat / (sqrt(v_hat) + eps) with v_hat = g**2; AMSGrad's max is v itself
        decayed = -lr * wd * p if name == "adamw" else 0.0
        return decayed - lr * (m / (1 - beta1)) / (np.abs(g) + h["eps"])
    if name == "adamax":  # u = max(0, |g| + eps): eps sits inside the max
        return -lr / (1 - beta1) * m / (np.abs(g) + h["eps"])
    if name == "nadam":
        psi = h["momentum_decay"]
        mu1 = beta1 * (1 - 0.5 * 0.96 ** (1 * psi))
        mu2 = beta1 * (1 - 0.5 * 0.96 ** (2 * psi))
        denom = np.abs(g) + h["eps"]  # sqrt(v / (1 - beta2)) = |g|
        # (1 - mu_1) / (1 - mu_product) = 1 on step 1, since mu_product = mu_1
        return -lr * g / denom - lr * mu2 / (1 - mu1 * mu2) * m / denom
    raise ValueError(f"no first-step formula for {name!r}")


def check_case_consistency(case: dict[str, Any]) -> None:
    """Raise AssertionError unless `case` is well formed and consistent with itself."""
    path, loss = np.array(case["path"]), np.array(case["loss"])
    steps = case["steps"]
    assert path.shape == (steps + 1, 2), f"path shape {path.shape}, steps {steps}"
    assert loss.shape == (steps + 1,), f"loss shape {loss.shape}, steps {steps}"
    assert np.all(np.isfinite(path)) and np.all(np.isfinite(loss)), "non-finite value"
    assert path[0].tolist() == list(case["start"]), "path does not begin at start"
    np.testing.assert_allclose(
        loss,
        surface_value(case["surface"], case["surface_params"], path),
        rtol=CONSISTENCY_RTOL,
        atol=CONSISTENCY_ATOL,
        err_msg="loss is not the surface value at the recorded point",
    )
    np.testing.assert_allclose(
        path[1] - path[0],
        first_step(case),
        rtol=CONSISTENCY_RTOL,
        atol=CONSISTENCY_ATOL,
        err_msg="first step differs from the one-step formula",
    )


def load_golden() -> dict[str, Any]:
    """The golden file as a dict with `meta` and `cases`."""
    return json.loads(GOLDEN_PATH.read_text())


# Missing file: no engine cases, and test_golden_file_is_consistent fails saying why.
# (The generator imports this module for its NumPy reference before the file exists.)
CASES = load_golden()["cases"] if GOLDEN_PATH.exists() else []


def test_golden_file_is_consistent() -> None:
    golden = load_golden()
    assert golden["meta"]["dtype"] == "float64"
    assert golden["cases"], "golden file has no cases"
    ids = [case["id"] for case in golden["cases"]]
    assert len(set(ids)) == len(ids), "case ids are not unique"
    failures = []
    for case in golden["cases"]:
        try:
            check_case_consistency(case)
        except AssertionError as error:
            failures.append(f"{case['id']}: {error}")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_optim_core_matches_torch(case: dict[str, Any]) -> None:
    import optim_core  # imported here so the consistency test runs without the engine

    hyper = dict(case["hyper"])
    if "betas" in hyper:
        hyper["betas"] = tuple(hyper["betas"])
    traj = optim_core.run(
        case["optimizer"],
        case["surface"],
        start=tuple(case["start"]),
        steps=case["steps"],
        surface_params=case["surface_params"],
        **hyper,
    )
    np.testing.assert_allclose(traj.path, np.array(case["path"]), rtol=PATH_RTOL, atol=PATH_ATOL)
    np.testing.assert_allclose(traj.loss, np.array(case["loss"]), rtol=PATH_RTOL, atol=PATH_ATOL)
    assert traj.diverged_at is None
