"""Generate golden trajectories made by each claimed library's own code.

Writes `tests/golden/library_trajectories.json`, which `tests/test_golden_libraries.py`
reads (the tests need none of the libraries).  Every case is one library's optimizer run
in float64 on one of our surfaces, with the exact gradient (autodiff in torch and JAX,
the analytic NumPy gradient for the two books), recorded as the whole path together with
OUR optimizer name, hyperparameters and the convention we claim it follows.  Under
"presets" the textbook presets of `optim_core/presets.py` are re-run with their source's
own code: Deep Learning from Scratch's optimizers, Dive into Deep Learning's `*_2d`
functions with its `train_2d`, and Keras for Hands-On ML.

Run it in a virtualenv with the libraries (not the project's):

    python -m venv /work/golden-venv
    /work/golden-venv/bin/pip install torch==2.13.0 "keras>=3" jax jaxlib optax
    /work/golden-venv/bin/python tools/make_library_golden.py \\
        --dlfs PATH/deep-learning-from-scratch --d2l PATH/d2l-en

Each PATH is a checkout or a bare git directory of oreilly-japan/deep-learning-from-scratch
and d2l-ai/d2l-en; the books' code is read from there at run time, never copied here.
Before the file is written every case is re-run from a start nudged by one ulp: the path
must stay within a tenth of the test tolerance, so a faithful engine can meet it.
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import io
import json
import os
import re
import subprocess
import types
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

os.environ.setdefault("KERAS_BACKEND", "jax")  # before keras is imported

import jax
import jax.numpy as jnp
import numpy as np
import torch

jax.config.update("jax_enable_x64", True)

import keras  # noqa: E402
import optax  # noqa: E402

keras.config.set_floatx("float64")
torch.set_default_dtype(torch.float64)  # d2l's `d2l.zeros` states are made with the default

ROOT = Path(__file__).resolve().parents[1]
OUT_PATH = ROOT / "tests" / "golden" / "library_trajectories.json"

# Must match tests/test_golden_libraries.py; the nudged re-run must stay within a tenth.
PATH_RTOL, PATH_ATOL = 1e-9, 1e-12
NUDGE_MARGIN = 0.1
# Long preset runs are stored every k-th point so the file stays small.
PRESET_MAX_POINTS = 200

START = {"bowl": (-7.0, 2.0), "rosenbrock": (-1.5, 2.0)}

Path2 = list[list[float]]


# --- the surfaces, written once per array library --------------------------------------


def surface_value(surface: str, x: Any, y: Any) -> Any:
    """f(x, y) in whatever array library x and y belong to (torch, jax.numpy)."""
    if surface == "bowl":
        return 0.05 * x**2 + y**2
    if surface == "rosenbrock":
        return (1 - x) ** 2 + 100 * (y - x**2) ** 2
    raise ValueError(surface)


def surface_gradient(surface: str, x: float, y: float) -> tuple[float, float]:
    """The analytic gradient in plain floats (what the two books' code receives)."""
    if surface == "bowl":
        return 0.1 * x, 2.0 * y
    if surface == "rosenbrock":
        return -2 * (1 - x) - 400 * x * (y - x * x), 200 * (y - x * x)
    raise ValueError(surface)


# --- the case table ---------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """One run: OUR optimizer, surface, budget and hyperparameters (torch.optim names).

    `extra` holds library-only arguments (optax's eps_in_sqrt); `convention` overrides
    the library's expected convention from EXPECTED.
    """

    optimizer: str
    surface: str
    steps: int
    hyper: dict[str, float]
    extra: dict[str, Any] = field(default_factory=dict)
    convention: str | None = None


def c(optimizer: str, surface: str, steps: int, **hyper: float) -> Case:
    return Case(optimizer, surface, steps, hyper)


# The convention we claim each library's optimizer follows (the plan under test).
EXPECTED: dict[str, dict[str, str]] = {
    "torch": {
        "sgd": "torch", "momentum": "torch", "nesterov": "torch", "adagrad": "torch",
        "rmsprop": "torch", "adadelta": "torch", "adam": "torch", "amsgrad": "torch",
        "adamw": "torch", "adamax": "torch", "nadam": "torch",
    },
    "keras": {
        "sgd": "torch", "momentum": "velocity", "nesterov": "velocity",
        "adagrad": "eps_inside", "rmsprop": "eps_inside", "adadelta": "keras",
        "adam": "folded", "amsgrad": "folded", "adamw": "folded", "adamax": "keras",
        "nadam": "keras",
    },
    "optax": {
        "sgd": "torch", "momentum": "torch", "nesterov": "torch", "adagrad": "eps_inside",
        "rmsprop": "eps_inside", "adadelta": "torch", "adam": "torch", "amsgrad": "optax",
        "adamw": "torch", "adamax": "torch", "nadam": "dozat",
    },
    "dlfs": {
        "sgd": "torch", "momentum": "velocity", "nesterov": "velocity", "adagrad": "dlfs",
        "rmsprop": "dlfs", "adam": "folded",
    },
    "d2l": {
        "sgd": "torch", "momentum": "torch", "adagrad": "eps_inside",
        "rmsprop": "eps_inside", "adadelta": "torch", "adam": "torch",
    },
}  # fmt: skip

ADAM_BOWL = {"lr": 0.3, "beta1": 0.9, "beta2": 0.999}
ADAM_ROSEN = {"lr": 0.02, "beta1": 0.8, "beta2": 0.99}

# torch.optim and Keras have every optimizer; ε, weight decay and the optimizer's own
# extras are varied where the library takes them.  ε = 0.1 makes its place visible.
TORCH_CASES = [
    c("sgd", "bowl", 60, lr=0.95),
    c("sgd", "rosenbrock", 100, lr=2e-4),
    c("sgd", "bowl", 60, lr=0.5, weight_decay=0.1),
    c("momentum", "bowl", 60, lr=0.1, momentum=0.9),
    c("momentum", "rosenbrock", 100, lr=1e-4, momentum=0.9, weight_decay=0.1),
    c("nesterov", "bowl", 60, lr=0.1, momentum=0.9),
    c("nesterov", "rosenbrock", 100, lr=1e-4, momentum=0.9, weight_decay=0.1),
    c("adagrad", "bowl", 60, lr=1.5, eps=1e-10),
    c("adagrad", "rosenbrock", 100, lr=0.5, eps=0.1, initial_accumulator_value=0.5),
    c("adagrad", "bowl", 60, lr=1.0, lr_decay=0.01, weight_decay=0.05, eps=1e-10),
    c("rmsprop", "bowl", 60, lr=0.1, alpha=0.99, eps=1e-8),
    c("rmsprop", "rosenbrock", 100, lr=2e-3, alpha=0.99, eps=0.1, weight_decay=0.1),
    c("adadelta", "bowl", 60, lr=1.0, rho=0.9, eps=1e-6),
    c("adadelta", "rosenbrock", 100, lr=2.0, rho=0.95, eps=1e-3, weight_decay=0.1),
    c("adam", "bowl", 60, **ADAM_BOWL, eps=1e-8),
    c("adam", "rosenbrock", 100, **ADAM_ROSEN, eps=0.1, weight_decay=0.1),
    c("amsgrad", "bowl", 60, **ADAM_BOWL, eps=1e-8),
    c("amsgrad", "rosenbrock", 100, **ADAM_ROSEN, eps=0.1, weight_decay=0.1),
    c("adamw", "bowl", 60, **ADAM_BOWL, eps=1e-8, weight_decay=0.1),
    c("adamw", "rosenbrock", 100, **ADAM_ROSEN, eps=0.1, weight_decay=0.01),
    c("adamax", "bowl", 60, lr=0.5, beta1=0.9, beta2=0.999, eps=1e-8),
    c("adamax", "rosenbrock", 100, **ADAM_ROSEN, eps=0.1, weight_decay=0.1),
    c("nadam", "bowl", 60, **ADAM_BOWL, eps=1e-8, momentum_decay=4e-3),
    c("nadam", "rosenbrock", 100, **ADAM_ROSEN, eps=0.1, momentum_decay=0.1, weight_decay=0.1),
]

# Keras's weight decay is decoupled for every optimizer (θ ← θ − ηλθ before the step).
KERAS_CASES = [
    c("sgd", "bowl", 60, lr=0.95),
    c("sgd", "rosenbrock", 100, lr=2e-4, weight_decay=0.1),
    c("momentum", "bowl", 60, lr=0.1, momentum=0.9),
    c("momentum", "rosenbrock", 100, lr=1e-4, momentum=0.9),
    c("momentum", "bowl", 60, lr=0.05, momentum=0.8, weight_decay=0.1),
    c("nesterov", "bowl", 60, lr=0.1, momentum=0.9),
    c("nesterov", "rosenbrock", 100, lr=1e-4, momentum=0.9),
    c("adagrad", "bowl", 60, lr=1.5, eps=1e-7, initial_accumulator_value=0.1),
    c("adagrad", "rosenbrock", 100, lr=0.5, eps=0.1, initial_accumulator_value=0.0),
    c("rmsprop", "bowl", 60, lr=0.1, alpha=0.9, eps=1e-7),
    c("rmsprop", "rosenbrock", 100, lr=2e-3, alpha=0.99, eps=0.1),
    c("adadelta", "bowl", 60, lr=1.0, rho=0.9, eps=1e-6),
    c("adadelta", "rosenbrock", 100, lr=2.0, rho=0.95, eps=1e-3),
    c("adam", "bowl", 60, **ADAM_BOWL, eps=1e-7),
    c("adam", "rosenbrock", 100, **ADAM_ROSEN, eps=0.1),
    c("amsgrad", "bowl", 60, **ADAM_BOWL, eps=1e-7),
    c("amsgrad", "rosenbrock", 100, **ADAM_ROSEN, eps=0.1),
    c("adamw", "bowl", 60, **ADAM_BOWL, eps=1e-7, weight_decay=0.1),
    c("adamw", "rosenbrock", 100, **ADAM_ROSEN, eps=0.1, weight_decay=0.004),
    c("adamax", "bowl", 60, lr=0.5, beta1=0.9, beta2=0.999, eps=1e-7),
    c("adamax", "rosenbrock", 100, **ADAM_ROSEN, eps=0.1),
    c("nadam", "bowl", 60, **ADAM_BOWL, eps=1e-7),
    c("nadam", "rosenbrock", 100, **ADAM_ROSEN, eps=0.1),
]

OPTAX_CASES = [
    c("sgd", "bowl", 60, lr=0.95),
    c("sgd", "rosenbrock", 100, lr=2e-4),
    c("momentum", "bowl", 60, lr=0.1, momentum=0.9),
    c("momentum", "rosenbrock", 100, lr=1e-4, momentum=0.9),
    c("nesterov", "bowl", 60, lr=0.1, momentum=0.9),
    c("nesterov", "rosenbrock", 100, lr=1e-4, momentum=0.9),
    c("adagrad", "bowl", 60, lr=1.5, eps=1e-7, initial_accumulator_value=0.1),
    c("adagrad", "rosenbrock", 100, lr=0.5, eps=0.1, initial_accumulator_value=0.5),
    c("rmsprop", "bowl", 60, lr=0.1, alpha=0.9, eps=1e-8),
    c("rmsprop", "rosenbrock", 100, lr=2e-3, alpha=0.99, eps=0.1),
    c("adadelta", "bowl", 60, lr=1.0, rho=0.9, eps=1e-6),
    c("adadelta", "rosenbrock", 100, lr=2.0, rho=0.95, eps=1e-3, weight_decay=0.1),
    c("adam", "bowl", 60, **ADAM_BOWL, eps=1e-8),
    c("adam", "rosenbrock", 100, **ADAM_ROSEN, eps=0.1),
    c("amsgrad", "bowl", 60, **ADAM_BOWL, eps=1e-8),
    c("amsgrad", "rosenbrock", 100, **ADAM_ROSEN, eps=0.1),
    c("adamw", "bowl", 60, **ADAM_BOWL, eps=1e-8, weight_decay=0.1),
    c("adamw", "rosenbrock", 100, **ADAM_ROSEN, eps=0.1, weight_decay=1e-4),
    c("adamax", "bowl", 60, lr=0.5, beta1=0.9, beta2=0.999, eps=1e-8),
    c("adamax", "rosenbrock", 100, **ADAM_ROSEN, eps=0.1),
    c("nadam", "bowl", 60, **ADAM_BOWL, eps=1e-8),
    c("nadam", "rosenbrock", 100, **ADAM_ROSEN, eps=0.1),
]

# The books hard-code ε (DLfS 1e-7; d2l 1e-6, Adadelta 1e-5) and d2l's Adam its betas:
# the hyperparameters say so, and the translation checks it.
DLFS_CASES = [
    c("sgd", "bowl", 60, lr=0.95),
    c("sgd", "rosenbrock", 100, lr=2e-4),
    c("momentum", "bowl", 60, lr=0.1, momentum=0.9),
    c("momentum", "rosenbrock", 100, lr=1e-4, momentum=0.8),
    c("nesterov", "bowl", 60, lr=0.1, momentum=0.9),
    c("nesterov", "rosenbrock", 100, lr=1e-4, momentum=0.8),
    c("adagrad", "bowl", 60, lr=1.5, eps=1e-7),
    c("adagrad", "rosenbrock", 100, lr=0.5, eps=1e-7),
    c("rmsprop", "bowl", 60, lr=0.1, alpha=0.99, eps=1e-7),
    c("rmsprop", "rosenbrock", 100, lr=2e-3, alpha=0.9, eps=1e-7),
    c("adam", "bowl", 60, **ADAM_BOWL, eps=1e-7),
    c("adam", "rosenbrock", 100, **ADAM_ROSEN, eps=1e-7),
]

D2L_CASES = [
    c("sgd", "bowl", 60, lr=0.95),
    c("sgd", "rosenbrock", 100, lr=2e-4),
    c("momentum", "bowl", 60, lr=0.1, momentum=0.9),
    c("momentum", "rosenbrock", 100, lr=1e-4, momentum=0.8),
    c("adagrad", "bowl", 60, lr=1.5, eps=1e-6),
    c("adagrad", "rosenbrock", 100, lr=0.5, eps=1e-6),
    c("rmsprop", "bowl", 60, lr=0.1, alpha=0.9, eps=1e-6),
    c("rmsprop", "rosenbrock", 100, lr=2e-3, alpha=0.99, eps=1e-6),
    c("adadelta", "bowl", 60, lr=1.0, rho=0.9, eps=1e-5),
    c("adadelta", "rosenbrock", 100, lr=1.0, rho=0.95, eps=1e-5),
    c("adam", "bowl", 60, lr=0.3, beta1=0.9, beta2=0.999, eps=1e-6),
    c("adam", "rosenbrock", 100, lr=0.02, beta1=0.9, beta2=0.999, eps=1e-6),
]


def translate(
    library: str,
    optimizer: str,
    hyper: dict[str, float],
    names: dict[str, str],
    fixed: dict[str, float] | None = None,
) -> dict[str, Any]:
    """Our hyperparameters as the library's arguments; a value the library hard-codes
    (in `fixed`) must equal ours and is not passed."""
    args = {}
    for key, value in hyper.items():
        if fixed and key in fixed:
            if value != fixed[key]:
                raise ValueError(f"{library} {optimizer}: {key} is fixed at {fixed[key]}")
        elif key in names:
            args[names[key]] = value
        else:
            raise ValueError(f"{library} {optimizer} takes no {key!r}")
    return args


# --- torch.optim ------------------------------------------------------------------------

TORCH_CLASS = {
    "sgd": ("SGD", {}), "momentum": ("SGD", {}), "nesterov": ("SGD", {"nesterov": True}),
    "adagrad": ("Adagrad", {}), "rmsprop": ("RMSprop", {}), "adadelta": ("Adadelta", {}),
    "adam": ("Adam", {}), "amsgrad": ("Adam", {"amsgrad": True}), "adamw": ("AdamW", {}),
    "adamax": ("Adamax", {}), "nadam": ("NAdam", {}),
}  # fmt: skip


def torch_setup(case: Case) -> tuple[str, dict[str, Any]]:
    name, selector = TORCH_CLASS[case.optimizer]
    args = {k: v for k, v in case.hyper.items() if k not in ("beta1", "beta2")}
    if "beta1" in case.hyper:
        args["betas"] = (case.hyper["beta1"], case.hyper["beta2"])
    return f"torch.optim.{name}", {**selector, **args}


def run_torch(case: Case, start: tuple[float, float]) -> Path2:
    name, args = torch_setup(case)
    param = torch.tensor(start, dtype=torch.float64, requires_grad=True)
    opt = getattr(torch.optim, name.rsplit(".", 1)[1])([param], **args)
    path = [param.tolist()]
    for _ in range(case.steps):
        opt.zero_grad()
        surface_value(case.surface, param[0], param[1]).backward()
        opt.step()
        path.append(param.tolist())
    return path


# --- Keras 3 (JAX backend) ----------------------------------------------------------------

KERAS_CLASS = {
    "sgd": ("SGD", {}), "momentum": ("SGD", {}), "nesterov": ("SGD", {"nesterov": True}),
    "adagrad": ("Adagrad", {}), "rmsprop": ("RMSprop", {}), "adadelta": ("Adadelta", {}),
    "adam": ("Adam", {}), "amsgrad": ("Adam", {"amsgrad": True}), "adamw": ("AdamW", {}),
    "adamax": ("Adamax", {}), "nadam": ("Nadam", {}),
}  # fmt: skip
KERAS_NAMES = {
    "lr": "learning_rate", "momentum": "momentum", "beta1": "beta_1", "beta2": "beta_2",
    "eps": "epsilon", "alpha": "rho", "rho": "rho", "weight_decay": "weight_decay",
    "initial_accumulator_value": "initial_accumulator_value",
}  # fmt: skip


def keras_setup(case: Case) -> tuple[str, dict[str, Any]]:
    name, selector = KERAS_CLASS[case.optimizer]
    return f"keras.optimizers.{name}", {
        **selector,
        **translate("keras", case.optimizer, case.hyper, KERAS_NAMES),
    }


def run_keras(case: Case, start: tuple[float, float]) -> Path2:
    name, args = keras_setup(case)
    opt = getattr(keras.optimizers, name.rsplit(".", 1)[1])(**args)
    var = keras.Variable(np.array(start), dtype="float64")
    grad = jax.grad(lambda p: surface_value(case.surface, p[0], p[1]))
    path = [np.asarray(var.value).tolist()]
    for _ in range(case.steps):
        opt.apply_gradients([(grad(var.value), var)])
        path.append(np.asarray(var.value).tolist())
    return path


# --- optax (x64) ------------------------------------------------------------------------

OPTAX_FN = {
    "sgd": ("sgd", {}), "momentum": ("sgd", {}), "nesterov": ("sgd", {"nesterov": True}),
    "adagrad": ("adagrad", {}), "rmsprop": ("rmsprop", {}), "adadelta": ("adadelta", {}),
    "adam": ("adam", {}), "amsgrad": ("amsgrad", {}), "adamw": ("adamw", {}),
    "adamax": ("adamax", {}), "nadam": ("nadam", {}),
}  # fmt: skip
OPTAX_NAMES = {
    "lr": "learning_rate", "momentum": "momentum", "beta1": "b1", "beta2": "b2",
    "eps": "eps", "alpha": "decay", "rho": "rho", "weight_decay": "weight_decay",
    "initial_accumulator_value": "initial_accumulator_value",
}  # fmt: skip


def optax_setup(case: Case) -> tuple[str, dict[str, Any]]:
    name, selector = OPTAX_FN[case.optimizer]
    args = translate("optax", case.optimizer, case.hyper, OPTAX_NAMES)
    return f"optax.{name}", {**selector, **args, **case.extra}


def run_optax(case: Case, start: tuple[float, float]) -> Path2:
    name, args = optax_setup(case)
    opt = getattr(optax, name.split(".", 1)[1])(**args)
    params = jnp.array(start, dtype=jnp.float64)
    state = opt.init(params)
    grad = jax.grad(lambda p: surface_value(case.surface, p[0], p[1]))
    path = [np.asarray(params).tolist()]
    for _ in range(case.steps):
        updates, state = opt.update(grad(params), state, params)
        params = optax.apply_updates(params, updates)
        path.append(np.asarray(params).tolist())
    return path


# --- the books' code, read from the fetched repositories ----------------------------------


def repo_file(repo: Path, relpath: str) -> str:
    """A file of a checkout, or of a bare git directory at HEAD."""
    if (repo / relpath).is_file():
        return (repo / relpath).read_text(encoding="utf-8")
    return git(repo, "show", f"HEAD:{relpath}")


def git(repo: Path, *args: str) -> str:
    git_dir = repo / ".git" if (repo / ".git").exists() else repo
    return subprocess.run(
        ["git", f"--git-dir={git_dir}", *args], check=True, capture_output=True, text=True
    ).stdout


def repo_info(repo: Path, url: str, files: list[str]) -> dict[str, Any]:
    return {"url": url, "commit": git(repo, "rev-parse", "HEAD").strip(), "files": files}


# Deep Learning from Scratch: common/optimizer.py, imported as published.

DLFS_FILE = "common/optimizer.py"
DLFS_CLASS = {
    "sgd": "SGD", "momentum": "Momentum", "nesterov": "Nesterov", "adagrad": "AdaGrad",
    "rmsprop": "RMSprop", "adam": "Adam",
}  # fmt: skip
DLFS_NAMES = {"lr": "lr", "momentum": "momentum", "alpha": "decay_rate", "beta1": "beta1",
              "beta2": "beta2"}  # fmt: skip
DLFS_EPS = {"eps": 1e-7}  # hard-coded in AdaGrad, RMSprop and Adam


def load_dlfs(repo: Path) -> types.ModuleType:
    module = types.ModuleType("common.optimizer")
    exec(compile(repo_file(repo, DLFS_FILE), f"dlfs/{DLFS_FILE}", "exec"), module.__dict__)
    return module


def dlfs_setup(case: Case) -> tuple[str, dict[str, Any]]:
    args = translate("dlfs", case.optimizer, case.hyper, DLFS_NAMES, DLFS_EPS)
    return f"common.optimizer.{DLFS_CLASS[case.optimizer]}", args


def run_dlfs_optimizer(
    dlfs: types.ModuleType, name: str, args: dict[str, Any], surface: str,
    start: tuple[float, float], steps: int,
) -> Path2:  # fmt: skip
    """The loop of ch06/optimizer_compare_naive.py: params and grads are dicts of floats."""
    optimizer = getattr(dlfs, name.rsplit(".", 1)[1])(**args)
    params = {"x": start[0], "y": start[1]}
    path = [list(start)]
    for _ in range(steps):
        gx, gy = surface_gradient(surface, float(params["x"]), float(params["y"]))
        optimizer.update(params, {"x": gx, "y": gy})
        path.append([float(params["x"]), float(params["y"])])
    return path


def run_dlfs(dlfs: types.ModuleType) -> Callable[[Case, tuple[float, float]], Path2]:
    def run(case: Case, start: tuple[float, float]) -> Path2:
        name, args = dlfs_setup(case)
        return run_dlfs_optimizer(dlfs, name, args, case.surface, start, case.steps)

    return run


# Dive into Deep Learning ch. 12: the pytorch tab's functions, extracted from the markdown.

D2L_FILES = {
    "sgd": "chapter_optimization/minibatch-sgd.md",
    "momentum": "chapter_optimization/momentum.md",
    "adagrad": "chapter_optimization/adagrad.md",
    "rmsprop": "chapter_optimization/rmsprop.md",
    "adadelta": "chapter_optimization/adadelta.md",
    "adam": "chapter_optimization/adam.md",
    "train_2d": "chapter_optimization/gd.md",
}
D2L_FUNCTIONS = {  # optimizer -> (update function, state initializer)
    "sgd": ("sgd", None),
    "momentum": ("sgd_momentum", "init_momentum_states"),
    "adagrad": ("adagrad", "init_adagrad_states"),
    "rmsprop": ("rmsprop", "init_rmsprop_states"),
    "adadelta": ("adadelta", "init_adadelta_states"),
    "adam": ("adam", "init_adam_states"),
}
D2L_NAMES = {"lr": "lr", "momentum": "momentum", "alpha": "gamma", "rho": "rho"}
D2L_FIXED = {
    "adagrad": {"eps": 1e-6},
    "rmsprop": {"eps": 1e-6},
    "adadelta": {"eps": 1e-5, "lr": 1.0},
    "adam": {"eps": 1e-6, "beta1": 0.9, "beta2": 0.999},
}
D2L_TABS = {"all", "pytorch", "mxnet,pytorch"}
CODE_BLOCK = re.compile(r"```\{\.python \.input\}\n#@tab ([^\n]+)\n(.*?)```", re.S)


def d2l_functions(markdown: str) -> dict[str, ast.FunctionDef]:
    """Every top-level function of the pytorch (or shared) code blocks, last one wins."""
    functions = {}
    for tab, body in CODE_BLOCK.findall(markdown):
        if tab.strip() not in D2L_TABS:
            continue
        source = "\n".join(line for line in body.splitlines() if not line.startswith("%"))
        for node in ast.parse(source).body:
            if isinstance(node, ast.FunctionDef):
                functions[node.name] = node
    return functions


def load_d2l(repo: Path, page: str, names: list[str]) -> dict[str, Any]:
    """The named functions of one chapter page, defined in a namespace with `torch`,
    `math` and a `d2l` stand-in providing `zeros` (the only d2l helper they call)."""
    functions = d2l_functions(repo_file(repo, D2L_FILES[page]))
    d2l = types.SimpleNamespace(zeros=torch.zeros)
    namespace: dict[str, Any] = {"torch": torch, "math": __import__("math"), "d2l": d2l}
    module = ast.Module(body=[functions[name] for name in names], type_ignores=[])
    exec(compile(module, f"d2l/{D2L_FILES[page]}", "exec"), namespace)
    return namespace


def d2l_setup(case: Case) -> tuple[str, dict[str, Any]]:
    fixed = D2L_FIXED.get(case.optimizer)
    args = translate("d2l", case.optimizer, case.hyper, D2L_NAMES, fixed)
    if case.optimizer == "adam":
        args["t"] = 1  # the chapter's own start value of the step counter
    return D2L_FUNCTIONS[case.optimizer][0], args


def run_d2l(repo: Path) -> Callable[[Case, tuple[float, float]], Path2]:
    def run(case: Case, start: tuple[float, float]) -> Path2:
        name, hyperparams = d2l_setup(case)
        init = D2L_FUNCTIONS[case.optimizer][1]
        ns = load_d2l(repo, case.optimizer, [name] + ([init] if init else []))
        # feature_dim = 1: w (1, 1) holds x and b (1,) holds y, the shapes the states take.
        w = torch.tensor([[start[0]]], requires_grad=True)
        b = torch.tensor([start[1]], requires_grad=True)
        states = ns[init](1) if init else None
        path = [list(start)]
        for _ in range(case.steps):
            gx, gy = surface_gradient(case.surface, w.item(), b.item())
            w.grad, b.grad = torch.tensor([[gx]]), torch.tensor([gy])
            ns[name]([w, b], states, hyperparams)
            path.append([w.item(), b.item()])
        return path

    return run


# --- presets: the textbook figures re-run with their source's code ------------------------


@dataclass(frozen=True)
class PresetRun:
    """One run of a preset: its index in the preset and how the source makes it."""

    index: int
    label: str
    library: str
    library_optimizer: str
    library_args: dict[str, Any]


# Deep Learning from Scratch, ch06/optimizer_compare_naive.py: the optimizers dict.
DLFS_PRESET = {
    "key": "dlfs_ch6", "surface": "bowl", "surface_params": {"a": 0.05, "b": 1.0},
    "start": (-7.0, 2.0), "steps": 29,
    "runs": [
        PresetRun(0, "SGD", "dlfs", "common.optimizer.SGD", {"lr": 0.95}),
        PresetRun(1, "Momentum", "dlfs", "common.optimizer.Momentum", {"lr": 0.1}),
        PresetRun(2, "AdaGrad", "dlfs", "common.optimizer.AdaGrad", {"lr": 1.5}),
        PresetRun(3, "Adam", "dlfs", "common.optimizer.Adam", {"lr": 0.3}),
    ],
}  # fmt: skip

# Dive into Deep Learning §12.6-12.8: the `*_2d` functions under `train_2d` (which starts
# at (-5, -2) and takes 20 steps), with the globals the chapter sets before each figure.
D2L_PRESET = {
    "key": "d2l_ch12", "surface": "bowl", "surface_params": {"a": 0.1, "b": 2.0},
    "start": (-5.0, -2.0), "steps": 20,
    "runs": [
        PresetRun(0, "GD η=0.4", "d2l", "momentum.md:gd_2d", {"eta": 0.4}),
        PresetRun(1, "GD η=0.6", "d2l", "momentum.md:gd_2d", {"eta": 0.6}),
        PresetRun(2, "Momentum β=0.5", "d2l", "momentum.md:momentum_2d",
                  {"eta": 0.6, "beta": 0.5}),
        PresetRun(3, "Momentum β=0.25", "d2l", "momentum.md:momentum_2d",
                  {"eta": 0.6, "beta": 0.25}),
        PresetRun(4, "AdaGrad η=0.4", "d2l", "adagrad.md:adagrad_2d", {"eta": 0.4}),
        PresetRun(5, "AdaGrad η=2", "d2l", "adagrad.md:adagrad_2d", {"eta": 2}),
        PresetRun(6, "RMSProp η=0.4", "d2l", "rmsprop.md:rmsprop_2d",
                  {"eta": 0.4, "gamma": 0.9}),
    ],
}  # fmt: skip

# Hands-On ML ch. 11 "Faster Optimizers": the Keras optimizers with the book's arguments.
HOML_PRESET = {
    "key": "handson_keras_defaults", "surface": "rosenbrock",
    "surface_params": {"a": 1.0, "b": 100.0}, "start": (-1.5, 2.0), "steps": 2000,
    "runs": [
        PresetRun(0, "SGD momentum=0.9", "keras", "keras.optimizers.SGD",
                  {"learning_rate": 0.001, "momentum": 0.9}),
        PresetRun(1, "SGD nesterov", "keras", "keras.optimizers.SGD",
                  {"learning_rate": 0.001, "momentum": 0.9, "nesterov": True}),
        PresetRun(2, "Adagrad", "keras", "keras.optimizers.Adagrad", {"learning_rate": 0.001}),
        PresetRun(3, "RMSprop ρ=0.9", "keras", "keras.optimizers.RMSprop",
                  {"learning_rate": 0.001, "rho": 0.9}),
        PresetRun(4, "Adam", "keras", "keras.optimizers.Adam",
                  {"learning_rate": 0.001, "beta_1": 0.9, "beta_2": 0.999}),
        PresetRun(5, "Adamax", "keras", "keras.optimizers.Adamax",
                  {"learning_rate": 0.001, "beta_1": 0.9, "beta_2": 0.999}),
        PresetRun(6, "Nadam", "keras", "keras.optimizers.Nadam",
                  {"learning_rate": 0.001, "beta_1": 0.9, "beta_2": 0.999}),
    ],
}  # fmt: skip


def preset_surface(preset: dict[str, Any]) -> Callable[..., Any]:
    a, b = preset["surface_params"]["a"], preset["surface_params"]["b"]
    if preset["surface"] == "bowl":
        return lambda x, y: a * x**2 + b * y**2
    return lambda x, y: (a - x) ** 2 + b * (y - x**2) ** 2


def run_dlfs_preset(dlfs: types.ModuleType, run: PresetRun, start: Any, steps: int) -> Path2:
    # The book's df for x**2/20 + y**2 is (x/10, 2y): our bowl's analytic gradient.
    return run_dlfs_optimizer(dlfs, run.library_optimizer, run.library_args, "bowl", start, steps)


def run_d2l_preset(repo: Path, run: PresetRun, start: Any, steps: int) -> Path2:
    page, name = run.library_optimizer.split(":")
    ns = load_d2l(repo, page.removesuffix(".md"), [name])
    ns.update(load_d2l(repo, "train_2d", ["train_2d"]))
    ns.update(run.library_args)  # the chapter's globals: eta, beta, gamma
    if tuple(start) != (-5.0, -2.0):
        raise ValueError("d2l's train_2d always starts at (-5, -2)")
    with contextlib.redirect_stdout(io.StringIO()):  # train_2d prints its last point
        results = ns["train_2d"](ns[name], steps=steps)
    return [[float(x1), float(x2)] for x1, x2 in results]


def run_keras_preset(preset: dict[str, Any], run: PresetRun, start: Any, steps: int) -> Path2:
    opt = getattr(keras.optimizers, run.library_optimizer.rsplit(".", 1)[1])(**run.library_args)
    var = keras.Variable(np.array(start), dtype="float64")
    f = preset_surface(preset)
    grad = jax.grad(lambda p: f(p[0], p[1]))
    path = [np.asarray(var.value).tolist()]
    for _ in range(steps):
        opt.apply_gradients([(grad(var.value), var)])
        path.append(np.asarray(var.value).tolist())
    return path


# --- checks and output --------------------------------------------------------------------


def nudged(start: tuple[float, float]) -> tuple[float, float]:
    return (float(np.nextafter(start[0], np.inf)), float(np.nextafter(start[1], np.inf)))


PROBLEMS: list[str] = []


def stable_steps(label: str, path: Path2, again: Path2, steps: int) -> int:
    """How many steps the path stays stable: a one-ulp nudge of the start moves it by
    less than a tenth of the test tolerance.  A path that is not finite is a problem."""
    a, b = np.array(path), np.array(again)
    if a.shape != (steps + 1, 2) or not np.all(np.isfinite(a)):
        PROBLEMS.append(f"{label}: path of shape {a.shape} or not finite")
        return 0
    unstable = (np.abs(a - b) / (PATH_ATOL + PATH_RTOL * np.abs(a))).max(axis=1) > NUDGE_MARGIN
    return int(np.argmax(unstable)) - 1 if unstable.any() else steps


def check_path(label: str, path: Path2, again: Path2, steps: int) -> None:
    """A library case must be stable over all its steps (problems are reported together)."""
    stable = stable_steps(label, path, again, steps)
    if stable < steps:
        PROBLEMS.append(f"{label}: a one-ulp nudge of the start shows after step {stable}")


def library_cases(dlfs_repo: Path, d2l_repo: Path) -> list[dict[str, Any]]:
    dlfs = load_dlfs(dlfs_repo)
    libraries = {
        "torch": (TORCH_CASES, run_torch, torch_setup),
        "keras": (KERAS_CASES, run_keras, keras_setup),
        "optax": (OPTAX_CASES, run_optax, optax_setup),
        "dlfs": (DLFS_CASES, run_dlfs(dlfs), dlfs_setup),
        "d2l": (D2L_CASES, run_d2l(d2l_repo), d2l_setup),
    }
    out = []
    for library, (cases, run, setup) in libraries.items():
        seen: Counter[tuple[str, str]] = Counter()
        for case in cases:
            case_id = (
                f"{library}-{case.optimizer}-{case.surface}-{seen[case.optimizer, case.surface]}"
            )
            seen[case.optimizer, case.surface] += 1
            start = START[case.surface]
            path = run(case, start)
            check_path(case_id, path, run(case, nudged(start)), case.steps)
            name, args = setup(case)
            out.append({
                "id": case_id, "library": library, "library_optimizer": name,
                "library_args": args, "optimizer": case.optimizer,
                "convention": case.convention or EXPECTED[library][case.optimizer],
                "hyper": case.hyper, "surface": case.surface, "start": list(start),
                "steps": case.steps, "path": path,
            })  # fmt: skip
            print(f"{case_id:32} {name}({args})")
    return out


def preset_cases(dlfs_repo: Path, d2l_repo: Path) -> list[dict[str, Any]]:
    dlfs = load_dlfs(dlfs_repo)
    runners = {
        "dlfs_ch6": (DLFS_PRESET, lambda run, s, n: run_dlfs_preset(dlfs, run, s, n)),
        "d2l_ch12": (D2L_PRESET, lambda run, s, n: run_d2l_preset(d2l_repo, run, s, n)),
        "handson_keras_defaults": (
            HOML_PRESET,
            lambda run, s, n: run_keras_preset(HOML_PRESET, run, s, n),
        ),
    }
    out = []
    for key, (preset, runner) in runners.items():
        steps, start = preset["steps"], preset["start"]
        every = max(1, -(-steps // PRESET_MAX_POINTS))
        for run in preset["runs"]:
            path = runner(run, start, steps)
            label = f"{key}-{run.index}"
            # A preset's settings are given: a chaotic run is compared over its stable
            # steps only.  d2l's train_2d cannot start anywhere but (-5, -2).
            compared = steps
            if run.library != "d2l":
                compared = stable_steps(label, path, runner(run, nudged(start), steps), steps)
            out.append({
                "id": label, "preset": key, "index": run.index, "label": run.label,
                "library": run.library, "library_optimizer": run.library_optimizer,
                "library_args": run.library_args, "surface": preset["surface"],
                "surface_params": preset["surface_params"], "start": list(start),
                "steps": steps, "compared_steps": compared, "every": every,
                "path": path[: compared + 1 : every],
            })  # fmt: skip
            print(f"{label:32} {run.library_optimizer}({run.library_args}) {compared} steps")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dlfs", type=Path, required=True, help="deep-learning-from-scratch")
    parser.add_argument("--d2l", type=Path, required=True, help="d2l-en")
    parser.add_argument("--out", type=Path, default=OUT_PATH)
    args = parser.parse_args()
    golden = {
        "meta": {
            "generator": "tools/make_library_golden.py",
            "dtype": "float64",
            "versions": {
                "torch": torch.__version__, "keras": keras.__version__,
                "keras_backend": keras.backend.backend(), "jax": jax.__version__,
                "optax": optax.__version__, "numpy": np.__version__,
            },
            "repos": {
                "dlfs": repo_info(args.dlfs, "https://github.com/oreilly-japan/deep-learning-from-scratch", [DLFS_FILE]),
                "d2l": repo_info(args.d2l, "https://github.com/d2l-ai/d2l-en", sorted(set(D2L_FILES.values()))),
            },
            "surfaces": {"bowl": "0.05 x^2 + y^2", "rosenbrock": "(1 - x)^2 + 100 (y - x^2)^2"},
        },
        "cases": library_cases(args.dlfs, args.d2l),
        "presets": preset_cases(args.dlfs, args.d2l),
    }  # fmt: skip
    if PROBLEMS:
        raise SystemExit("not written:\n" + "\n".join(PROBLEMS))
    text = json.dumps(golden, separators=(",", ":"), ensure_ascii=False)
    # One case per line keeps the file diffable without the size of an indented dump.
    text = text.replace(',{"id":', ',\n{"id":')
    args.out.write_text(text + "\n", encoding="utf-8")
    print(f"wrote {args.out} ({len(text) // 1024} KB)")


if __name__ == "__main__":
    main()
