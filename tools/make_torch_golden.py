"""Generate the torch.optim golden trajectories that pin optim_core's optimizers.

Writes `tests/golden/torch_trajectories.json`: for each case in `CASES`, the path
(steps + 1 points, the start included) and the loss at each point that
`torch.optim.<Class>(**torch_kwargs)` produces in float64 on a 2-D test surface written
in torch ops, together with the engine name and kwargs that `tests/test_golden_torch.py`
passes to `optim_core.run`.

Rerun:  python tools/make_torch_golden.py
Needs PyTorch (made with torch 2.13.0+cpu: `pip install torch==2.13.0`); tests do not.

Each case is checked before the file is written: every value is finite; the loss is the
NumPy surface at the recorded point and the first step is the optimizer's one-step
formula (both from `tests/test_golden_torch.py`); torch's defaults equal the table the
tests use; and an independent NumPy replay with hand-derived gradients (rounded
differently from autograd), also from a start nudged by one ulp, stays within a tenth of
the test tolerance, so a faithful engine can meet it.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
TEST_MODULE_PATH = ROOT / "tests" / "test_golden_torch.py"

# The replay must sit well inside the test's tolerance, not just inside it.
REPLAY_MARGIN = 0.1

# Surface parameters and the start of every run on that surface.
SURFACES: dict[str, dict[str, Any]] = {
    "bowl": {"params": {"a": 1 / 20, "b": 1.0}, "start": [-7.0, 2.0]},
    "rosenbrock": {"params": {"a": 1.0, "b": 100.0}, "start": [-1.2, 1.0]},
    "beale": {"params": {}, "start": [1.0, 1.5]},
    "himmelblau": {"params": {}, "start": [0.0, 0.0]},
}

# Engine optimizer name -> torch.optim class name.
TORCH_CLASS = {
    "sgd": "SGD",
    "momentum": "SGD",
    "nesterov": "SGD",
    "adagrad": "Adagrad",
    "rmsprop": "RMSprop",
    "adadelta": "Adadelta",
    "adam": "Adam",
    "amsgrad": "Adam",
    "adamw": "AdamW",
    "adamax": "Adamax",
    "nadam": "NAdam",
}

# torch kwargs that select the optimizer rather than tune it: the engine name says them.
SELECTOR_KWARGS = {"nesterov", "amsgrad"}


@dataclass(frozen=True)
class GoldenCase:
    """One golden run: engine optimizer name, torch kwargs, surface, step budget."""

    id: str
    optimizer: str
    surface: str
    torch_kwargs: dict[str, Any] = field(default_factory=dict)
    steps: int = 300

    def hyper(self) -> dict[str, Any]:
        """The engine kwargs: torch's, less the selector flags, betas as a list."""
        hyper = {k: v for k, v in self.torch_kwargs.items() if k not in SELECTOR_KWARGS}
        if "betas" in hyper:
            hyper["betas"] = list(hyper["betas"])
        return hyper


def _case(
    optimizer: str, surface: str, variant: str = "", steps: int = 300, **kw: Any
) -> GoldenCase:
    """A case whose id is optimizer[_variant]_surface."""
    case_id = "_".join(part for part in (optimizer, variant, surface) if part)
    return GoldenCase(case_id, optimizer, surface, kw, steps)


# Learning rates are chosen per surface so that each path makes visible progress
# without diverging, and step budgets end before a path turns chaotic (see
# check_record): Adadelta at lr=1 on Rosenbrock amplifies rounding from step ~230, so it
# stops at 200, and RMSprop with alpha=0.9 on Rosenbrock amplifies a one-ulp nudge at
# every lr tried, so that variant runs on Himmelblau.  The order here is the file's.
CASES: list[GoldenCase] = [
    # SGD: p -= lr * (g + wd * p)
    _case("sgd", "bowl", lr=0.95, steps=200),
    _case("sgd", "rosenbrock", lr=1.5e-3, steps=500),
    _case("sgd", "himmelblau", lr=0.01, steps=200),
    _case("sgd", "bowl", "wd", lr=0.9, weight_decay=0.05, steps=200),
    _case("sgd", "rosenbrock", "wd", lr=1.5e-3, weight_decay=0.1, steps=500),
    # SGD with heavy-ball momentum
    _case("momentum", "bowl", lr=0.1, momentum=0.9, steps=200),
    _case("momentum", "rosenbrock", lr=5e-4, momentum=0.9, steps=500),
    _case("momentum", "beale", lr=1e-3, momentum=0.9, steps=300),
    # SGD with Nesterov momentum
    _case("nesterov", "bowl", lr=0.1, momentum=0.9, nesterov=True, steps=200),
    _case("nesterov", "rosenbrock", lr=5e-4, momentum=0.9, nesterov=True, steps=500),
    _case("nesterov", "himmelblau", lr=2e-3, momentum=0.9, nesterov=True, steps=300),
    # Adagrad
    _case("adagrad", "bowl", lr=1.5, steps=200),
    _case("adagrad", "rosenbrock", lr=0.5, steps=500),
    _case("adagrad", "himmelblau", lr=0.5, steps=300),
    _case("adagrad", "rosenbrock", "lr_decay", lr=0.5, lr_decay=0.01, steps=500),
    _case("adagrad", "bowl", "init_acc", lr=1.5, initial_accumulator_value=0.1, steps=200),
    # RMSprop (centered=False, momentum=0)
    _case("rmsprop", "bowl", lr=0.1, steps=200),
    _case("rmsprop", "rosenbrock", lr=5e-3, steps=500),
    _case("rmsprop", "beale", lr=1e-2, steps=300),
    _case("rmsprop", "bowl", "alpha09", lr=0.1, alpha=0.9, steps=200),
    _case("rmsprop", "himmelblau", "alpha09", lr=1e-2, alpha=0.9, steps=300),
    # Adadelta
    _case("adadelta", "bowl", lr=1.0, steps=500),
    _case("adadelta", "rosenbrock", lr=1.0, steps=200),
    _case("adadelta", "himmelblau", "lr05", lr=0.5, steps=500),
    _case("adadelta", "rosenbrock", "lr05", lr=0.5, steps=500),
    # Adam
    _case("adam", "bowl", lr=0.3, steps=200),
    _case("adam", "rosenbrock", lr=0.05, steps=500),
    _case("adam", "beale", lr=0.05, steps=300),
    _case("adam", "himmelblau", lr=0.1, steps=300),
    _case("adam", "bowl", "betas", lr=0.3, betas=(0.8, 0.99), steps=200),
    _case("adam", "rosenbrock", "betas", lr=0.02, betas=(0.8, 0.99), steps=500),
    _case("adam", "rosenbrock", "wd", lr=0.05, weight_decay=0.1, steps=500),
    # Adam with AMSGrad
    _case("amsgrad", "bowl", lr=0.3, amsgrad=True, steps=200),
    _case("amsgrad", "rosenbrock", lr=0.05, amsgrad=True, steps=500),
    # AdamW (decoupled weight decay)
    _case("adamw", "rosenbrock", "wd001", lr=0.05, weight_decay=0.01, steps=500),
    _case("adamw", "bowl", "wd01", lr=0.3, weight_decay=0.1, steps=200),
    _case("adamw", "rosenbrock", "wd01", lr=0.05, weight_decay=0.1, steps=500),
    # Adamax
    _case("adamax", "bowl", lr=0.3, steps=200),
    _case("adamax", "rosenbrock", lr=0.1, steps=500),
    _case("adamax", "beale", lr=0.05, steps=300),
    # NAdam
    _case("nadam", "bowl", lr=0.3, steps=200),
    _case("nadam", "rosenbrock", lr=0.05, steps=500),
    _case("nadam", "himmelblau", lr=0.1, steps=300),
    _case("nadam", "rosenbrock", "md001", lr=0.05, momentum_decay=0.01, steps=500),
]


def torch_surface(surface: str, params: dict[str, float], p):
    """Surface value at the (2,) tensor `p`, written in torch ops for autograd."""
    x, y = p[0], p[1]
    if surface == "bowl":
        return params["a"] * x**2 + params["b"] * y**2
    if surface == "rosenbrock":
        return (params["a"] - x) ** 2 + params["b"] * (y - x**2) ** 2
    if surface == "beale":
        return (1.5 - x + x * y) ** 2 + (2.25 - x + x * y**2) ** 2 + (2.625 - x + x * y**3) ** 2
    if surface == "himmelblau":
        return (x**2 + y - 11) ** 2 + (x + y**2 - 7) ** 2
    raise ValueError(f"unknown surface {surface!r}")


def run_torch(case: GoldenCase) -> dict[str, Any]:
    """Run `case` with torch.optim and return its golden record."""
    import torch

    surface = SURFACES[case.surface]
    p = torch.tensor(surface["start"], dtype=torch.float64, requires_grad=True)
    opt = getattr(torch.optim, TORCH_CLASS[case.optimizer])([p], **case.torch_kwargs)
    path, loss = [p.detach().tolist()], []
    for _ in range(case.steps):
        opt.zero_grad()
        value = torch_surface(case.surface, surface["params"], p)
        value.backward()
        opt.step()
        loss.append(value.item())
        path.append(p.detach().tolist())
    with torch.no_grad():
        loss.append(torch_surface(case.surface, surface["params"], p).item())
    _check_torch_defaults(case, opt.param_groups[0])
    return {
        "id": case.id,
        "optimizer": case.optimizer,
        "torch_class": TORCH_CLASS[case.optimizer],
        "torch_kwargs": {k: list(v) if k == "betas" else v for k, v in case.torch_kwargs.items()},
        "hyper": case.hyper(),
        "surface": case.surface,
        "surface_params": surface["params"],
        "start": surface["start"],
        "steps": case.steps,
        "path": path,
        "loss": loss,
    }


def _check_torch_defaults(case: GoldenCase, group: dict[str, Any]) -> None:
    """The tests' TORCH_DEFAULTS, overridden by the case, must be what torch used."""
    expected = {**REFERENCE.TORCH_DEFAULTS[case.optimizer], **case.hyper()}
    for name, value in expected.items():
        used = group[name]
        if name == "betas":
            used, value = tuple(used), tuple(value)
        if used != value:
            raise AssertionError(f"{case.id}: torch used {name}={used!r}, table says {value!r}")
    if group.get("foreach") or group.get("fused"):
        raise AssertionError(f"{case.id}: expected torch's single-tensor (for-loop) path")


def replay_numpy(record: dict[str, Any], start: np.ndarray | None = None) -> np.ndarray:
    """The case's path from a plain NumPy reimplementation of torch.optim's updates.

    Written in textbook operation order with hand-derived gradients, so it rounds
    differently from torch: how far it drifts is how far any faithful engine may drift.
    `start` overrides the case's start (to probe how the path amplifies a 1-ulp nudge).
    """
    name = record["optimizer"]
    h = {**REFERENCE.TORCH_DEFAULTS[name], **record["hyper"]}
    lr, wd = h["lr"], h["weight_decay"]
    beta1, beta2 = h.get("betas", (0.0, 0.0))
    p = np.array(record["start"] if start is None else start, dtype=float)
    zeros = np.zeros(2)
    buf, m, v, v_max, u, acc = None, zeros, zeros, zeros, zeros, zeros
    acc = acc + h.get("initial_accumulator_value", 0.0)
    mu_product = 1.0
    path = [p]
    for t in range(1, record["steps"] + 1):
        g = REFERENCE.surface_gradient(record["surface"], record["surface_params"], p)
        if name == "adamw":
            p = p - lr * wd * p
        else:
            g = g + wd * p
        if name in ("sgd", "momentum", "nesterov"):
            mu = h["momentum"]
            if mu:
                buf = g.copy() if buf is None else mu * buf + g
            d = g + mu * buf if name == "nesterov" else (buf if mu else g)
            p = p - lr * d
        elif name == "adagrad":
            acc = acc + g * g
            p = p - lr / (1 + (t - 1) * h["lr_decay"]) * g / (np.sqrt(acc) + h["eps"])
        elif name == "rmsprop":
            v = h["alpha"] * v + (1 - h["alpha"]) * g * g
            p = p - lr * g / (np.sqrt(v) + h["eps"])
        elif name == "adadelta":
            rho, eps = h["rho"], h["eps"]
            v = rho * v + (1 - rho) * g * g
            d = np.sqrt(u + eps) / np.sqrt(v + eps) * g
            u = rho * u + (1 - rho) * d * d
            p = p - lr * d
        elif name in ("adam", "amsgrad", "adamw"):
            m = beta1 * m + (1 - beta1) * g
            v = beta2 * v + (1 - beta2) * g * g
            v_max = np.maximum(v_max, v) if name == "amsgrad" else v
            m_hat, v_hat = m / (1 - beta1**t), v_max / (1 - beta2**t)
            p = p - lr * m_hat / (np.sqrt(v_hat) + h["eps"])
        elif name == "adamax":
            m = beta1 * m + (1 - beta1) * g
            u = np.maximum(beta2 * u, np.abs(g) + h["eps"])
            p = p - lr / (1 - beta1**t) * m / u
        elif name == "nadam":
            psi = h["momentum_decay"]
            mu_t = beta1 * (1 - 0.5 * 0.96 ** (t * psi))
            mu_next = beta1 * (1 - 0.5 * 0.96 ** ((t + 1) * psi))
            mu_product = mu_product * mu_t
            m = beta1 * m + (1 - beta1) * g
            v = beta2 * v + (1 - beta2) * g * g
            denom = np.sqrt(v / (1 - beta2**t)) + h["eps"]
            p = (
                p
                - lr * (1 - mu_t) / (1 - mu_product) * g / denom
                - lr * mu_next / (1 - mu_product * mu_next) * m / denom
            )
        else:
            raise ValueError(f"no replay for {name!r}")
        path.append(p)
    return np.array(path)


def check_record(record: dict[str, Any]) -> float:
    """Raise unless `record` is sound; return the replay's worst drift / tolerance."""
    REFERENCE.check_case_consistency(record)
    golden = np.array(record["path"])
    allowed = REFERENCE.PATH_ATOL + REFERENCE.PATH_RTOL * np.abs(golden)
    nudged_start = np.nextafter(golden[0], np.inf)  # rounding alone can happen to agree
    ratio = max(
        float(np.max(np.abs(replay_numpy(record, start) - golden) / allowed))
        for start in (None, nudged_start)
    )
    if not ratio <= REPLAY_MARGIN:
        raise AssertionError(
            f"{record['id']}: NumPy replay drifts to {ratio:.3g} x the test tolerance; "
            "the path is too sensitive to rounding, pick another lr or fewer steps"
        )
    return ratio


def _load_reference() -> ModuleType:
    """The NumPy reference (surfaces, one-step formulas) kept in the test module."""
    spec = importlib.util.spec_from_file_location("golden_reference", TEST_MODULE_PATH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main() -> None:
    import torch

    torch.set_default_dtype(torch.float64)
    records = []
    for case in CASES:
        record = run_torch(case)
        ratio = check_record(record)
        print(
            f"{case.id:32s} loss {record['loss'][0]:.4g} -> {record['loss'][-1]:.4g}"
            f"  end {record['path'][-1]}  replay drift {ratio:.2g} x tol"
        )
        records.append(record)
    doc = {
        "meta": {
            "generator": "tools/make_torch_golden.py",
            "torch_version": torch.__version__,
            "numpy_version": np.__version__,
            "python_version": sys.version.split()[0],
            "dtype": "float64",
            "implementation": "torch.optim single-tensor (for-loop) path on CPU",
            "date_generated": dt.datetime.now(dt.UTC).date().isoformat(),
            "loop": "zero_grad; loss = surface(p); loss.backward(); opt.step()",
        },
        "cases": records,
    }
    out = ROOT / "tests" / "golden" / "torch_trajectories.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(doc, sort_keys=True, indent=1, allow_nan=False)
    out.write_text(text + "\n")
    size = out.stat().st_size
    print(f"wrote {out.relative_to(ROOT)}: {len(records)} cases, {size} bytes")


REFERENCE = _load_reference()

if __name__ == "__main__":
    main()
