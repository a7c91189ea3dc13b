"""Textbook presets reproduce the books' own code, and every preset is honest and portable.

The Deep Learning from Scratch classes (`common/optimizer.py`, ch. 6) and the Dive into
Deep Learning scalar trainers (ch. 12) are transcribed below as the books print them, with
the books' own gradients; the presets must reproduce them.  Every preset also runs without
NaN, reports divergence where it happens, and survives a settings round trip.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

import experiments
from experiments import Experiment, presets
from optim_core import ParameterError

BOOK_RTOL = 1e-12

# --- Deep Learning from Scratch, ch. 6 (common/optimizer.py, optimizer_compare_naive.py) ----


class SGD:
    def __init__(self, lr=0.01):
        self.lr = lr

    def update(self, params, grads):
        for key in params:
            params[key] -= self.lr * grads[key]


class Momentum:
    def __init__(self, lr=0.01, momentum=0.9):
        self.lr = lr
        self.momentum = momentum
        self.v = None

    def update(self, params, grads):
        if self.v is None:
            self.v = {key: np.zeros_like(val) for key, val in params.items()}
        for key in params:
            self.v[key] = self.momentum * self.v[key] - self.lr * grads[key]
            params[key] += self.v[key]


class AdaGrad:
    def __init__(self, lr=0.01):
        self.lr = lr
        self.h = None

    def update(self, params, grads):
        if self.h is None:
            self.h = {key: np.zeros_like(val) for key, val in params.items()}
        for key in params:
            self.h[key] += grads[key] * grads[key]
            params[key] -= self.lr * grads[key] / (np.sqrt(self.h[key]) + 1e-7)


class Adam:
    def __init__(self, lr=0.001, beta1=0.9, beta2=0.999):
        self.lr = lr
        self.beta1 = beta1
        self.beta2 = beta2
        self.iter = 0
        self.m = None
        self.v = None

    def update(self, params, grads):
        if self.m is None:
            self.m = {key: np.zeros_like(val) for key, val in params.items()}
            self.v = {key: np.zeros_like(val) for key, val in params.items()}
        self.iter += 1
        lr_t = self.lr * np.sqrt(1.0 - self.beta2**self.iter) / (1.0 - self.beta1**self.iter)
        for key in params:
            self.m[key] += (1 - self.beta1) * (grads[key] - self.m[key])
            self.v[key] += (1 - self.beta2) * (grads[key] ** 2 - self.v[key])
            params[key] -= lr_t * self.m[key] / (np.sqrt(self.v[key]) + 1e-7)


def dlfs_df(x, y):
    return x / 10.0, 2.0 * y


def dlfs_trajectory(optimizer) -> np.ndarray:
    """optimizer_compare_naive.py: record params before each of 30 updates."""
    params = {"x": np.array(-7.0), "y": np.array(2.0)}
    grads = {"x": np.array(0.0), "y": np.array(0.0)}
    x_history, y_history = [], []
    for _ in range(30):
        x_history.append(float(params["x"]))
        y_history.append(float(params["y"]))
        grads["x"], grads["y"] = dlfs_df(params["x"], params["y"])
        optimizer.update(params, grads)
    return np.stack([x_history, y_history], axis=1)


DLFS_BOOK = {  # label -> the book's optimizer, as optimizer_compare_naive.py builds it
    "SGD": lambda: SGD(lr=0.95),
    "Momentum": lambda: Momentum(lr=0.1),
    "AdaGrad": lambda: AdaGrad(lr=1.5),
    "Adam": lambda: Adam(lr=0.3),
}


def test_dlfs_ch6_reproduces_the_books_code():
    experiment = presets.get("dlfs_ch6").experiment
    trajectories = experiment.run()
    labels = [run.display_label for run in experiment.runs]
    assert sorted(labels) == sorted(DLFS_BOOK)
    for label, traj in zip(labels, trajectories, strict=True):
        expected = dlfs_trajectory(DLFS_BOOK[label]())
        assert traj.path.shape == (30, 2)
        np.testing.assert_allclose(traj.path, expected, rtol=BOOK_RTOL, err_msg=label)


# --- Dive into Deep Learning, ch. 12 (gd_2d, momentum_2d, adagrad_2d, rmsprop_2d) ---------


def train_2d(trainer, steps=20):
    """d2l.train_2d: the start and every iterate, from (−5, −2) with zero state."""
    x1, x2, s1, s2 = -5, -2, 0, 0
    results = [(x1, x2)]
    for _ in range(steps):
        x1, x2, s1, s2 = trainer(x1, x2, s1, s2)
        results.append((x1, x2))
    return np.array(results, dtype=float)


def gd_2d(eta):
    def trainer(x1, x2, s1, s2):
        return (x1 - eta * 0.2 * x1, x2 - eta * 4 * x2, 0, 0)

    return trainer


def momentum_2d(eta, beta):
    def trainer(x1, x2, v1, v2):
        v1 = beta * v1 + 0.2 * x1
        v2 = beta * v2 + 4 * x2
        return x1 - eta * v1, x2 - eta * v2, v1, v2

    return trainer


def adagrad_2d(eta):
    def trainer(x1, x2, s1, s2):
        eps = 1e-6
        g1, g2 = 0.2 * x1, 4 * x2
        s1 += g1**2
        s2 += g2**2
        x1 -= eta / math.sqrt(s1 + eps) * g1
        x2 -= eta / math.sqrt(s2 + eps) * g2
        return x1, x2, s1, s2

    return trainer


def rmsprop_2d(eta, gamma):
    def trainer(x1, x2, s1, s2):
        g1, g2, eps = 0.2 * x1, 4 * x2, 1e-6
        s1 = gamma * s1 + (1 - gamma) * g1**2
        s2 = gamma * s2 + (1 - gamma) * g2**2
        x1 -= eta / math.sqrt(s1 + eps) * g1
        x2 -= eta / math.sqrt(s2 + eps) * g2
        return x1, x2, s1, s2

    return trainer


D2L_BOOK = {
    "GD η=0.4": gd_2d(0.4),
    "GD η=0.6": gd_2d(0.6),
    "Momentum β=0.5": momentum_2d(0.6, 0.5),
    "Momentum β=0.25": momentum_2d(0.6, 0.25),
    "AdaGrad η=0.4": adagrad_2d(0.4),
    "AdaGrad η=2": adagrad_2d(2.0),
    "RMSProp η=0.4": rmsprop_2d(0.4, 0.9),
}


def test_d2l_ch12_reproduces_the_books_trainers():
    experiment = presets.get("d2l_ch12").experiment
    labels = [run.display_label for run in experiment.runs]
    assert sorted(labels) == sorted(D2L_BOOK)
    for label, traj in zip(labels, experiment.run(), strict=True):
        np.testing.assert_allclose(traj.path, train_2d(D2L_BOOK[label]), rtol=BOOK_RTOL,
                                   atol=1e-300, err_msg=label)  # fmt: skip


def test_d2l_gd_at_0_6_grows_but_stays_finite_and_is_not_called_diverged():
    experiment = presets.get("d2l_ch12").experiment
    index = [run.display_label for run in experiment.runs].index("GD η=0.6")
    traj = experiment.run_one(index)
    assert traj.diverged_at is None
    assert np.all(np.diff(np.abs(traj.path[:, 1])) > 0), "x2 oscillates with growing |x2|"
    assert abs(traj.path[-1, 1]) == pytest.approx(2 * 1.4**20, rel=1e-12)


# --- every preset ----------------------------------------------------------------------------

# Runs that may diverge, and why (the preset's own lesson).
MAY_DIVERGE = {
    ("beale_3_4", "Momentum"): "a tiny rate still meets Beale's huge wall gradient",
}


def trajectory_arrays(traj) -> dict[str, np.ndarray]:
    arrays = {"path": traj.path, "loss": traj.loss, "grad": traj.grad, "lr": traj.lr,
              "grad_evals": traj.grad_evals, "func_evals": traj.func_evals,
              "hess_evals": traj.hess_evals}  # fmt: skip
    return arrays | {f"state[{k}]": v for k, v in traj.state.items()}


@pytest.mark.parametrize("key", presets.names())
def test_preset_runs_without_nan_and_reports_divergence(key):
    preset = presets.get(key)
    assert preset.title and preset.source and preset.figure and preset.description
    experiment = preset.experiment
    for run, traj in zip(experiment.runs, experiment.run(), strict=True):
        label = run.display_label
        for name, array in trajectory_arrays(traj).items():
            assert np.all(np.isfinite(array)), f"{label}: {name} is not finite"
        assert traj.path.shape == (experiment.steps + 1, 2)
        np.testing.assert_array_equal(traj.path[0], experiment.start_point)
        if traj.diverged_at is not None:
            assert (key, label) in MAY_DIVERGE, f"{label} diverged at {traj.diverged_at}"
            # frozen at the last finite point from the diverging update on
            frozen = traj.path[traj.diverged_at - 1 :]
            assert np.all(frozen == frozen[0])


@pytest.mark.parametrize("key", presets.names())
def test_preset_settings_round_trip(key):
    experiment = presets.get(key).experiment
    data = experiment.to_dict()
    again = Experiment.from_dict(data)
    assert again.to_dict() == data
    text = experiment.to_json()
    from_text = Experiment.from_json(text)
    assert json.loads(from_text.to_json()) == json.loads(text)
    # The reloaded experiment makes the very same runs (first run checked: they share code).
    original, reloaded = experiment.run_one(0), from_text.run_one(0)
    np.testing.assert_array_equal(original.path, reloaded.path)


def valid_settings() -> dict:
    return presets.get("dlfs_ch6").experiment.to_dict()


def with_run_hyper(**hyper) -> dict:
    data = valid_settings()
    data["runs"][0]["hyper"] = hyper
    return data


BAD_SETTINGS = {
    "unknown optimizer": (
        lambda d: d["runs"][0].update(optimizer="adamzz"),
        "optimizer",
    ),
    "negative lr": (lambda d: d["runs"][0].update(hyper={"lr": -1}), "lr"),
    "too many steps": (lambda d: d.update(steps=10**9), "steps"),
    "nan start": (lambda d: d.update(start=[math.nan, 0.0]), "start"),
    "unknown surface": (lambda d: d.update(surface="nope"), "surface"),
    "no runs": (lambda d: d.update(runs=[]), "runs"),
    "20 runs": (lambda d: d.update(runs=d["runs"] * 5), "runs"),
    "bad convention": (lambda d: d["runs"][0].update(convention="keras"), "convention"),
    "bad surface param": (lambda d: d.update(surface_params={"a": -1.0}), "a"),
    "bad schedule": (lambda d: d["runs"][0].update(schedule={"name": "zigzag"}), "schedule"),
    "unknown hyperparameter": (lambda d: d["runs"][0].update(hyper={"lrr": 0.1}), "lrr"),
    "negative seed": (lambda d: d.update(seed=-3), "seed"),
}


@pytest.mark.parametrize("case", sorted(BAD_SETTINGS))
def test_from_dict_rejects_bad_values_naming_them(case):
    mutate, name = BAD_SETTINGS[case]
    data = valid_settings()
    mutate(data)
    with pytest.raises(ParameterError) as error:
        Experiment.from_dict(data)
    assert name in str(error.value)


@pytest.mark.parametrize("text", ["{not json", "[1, 2]", '"a string"', "null"])
def test_from_json_rejects_non_objects(text):
    with pytest.raises(ParameterError):
        Experiment.from_json(text)


def test_unknown_preset_raises_parameter_error():
    with pytest.raises(ParameterError, match="preset"):
        presets.get("dlfs_ch7")
    assert experiments.presets.names() == list(presets.PRESETS)
