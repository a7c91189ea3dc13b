"""Mini-batch training of several networks in one pass, each with its own optimizer.

`train_runs` steps K networks of one shape together: one batched forward and backward pass
(leading run axis), then each run's own optimizer step (`netlab.optim.Stepper`, the
registry's definitions).  Runs share the mini-batch sequence (`batch_seed`), so an
optimizer comparison sees the same batches; each run's initial weights and dropout masks
come from its own `seed`, so a run in a batch equals the same run alone, bit for bit.
A run whose loss stops being finite is marked `diverged_at` and stops; the others go on.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from foundation.params import Param, ParameterError
from netlab import data as datasets
from netlab.network import Network, decayed, init_params, validate_init
from netlab.optim import Stepper

MAX_STEPS = 20_000
MAX_RUNS = 64
MAX_UNITS = 1_000
MAX_LAYERS = 12
SMOOTHING_WINDOW = 11  # the book's `smooth_curve`: an 11-point Kaiser window, β = 2
SMOOTHING_BETA = 2

STEPS = Param("steps", 300, "Number of mini-batch updates.", kind="int", low=1, high=MAX_STEPS)
SEED = Param("seed", 0, "Seed of the initial weights and dropout masks.", kind="int",
             low=0, high=2**32 - 1)  # fmt: skip
BATCH_SIZE = Param("batch_size", 100, "Mini-batch size.", kind="int", low=1, high=10_000)
ACTIVATION = Param("activation", "relu", "Hidden-layer activation.", kind="choice",
                   choices=("relu", "sigmoid", "tanh"))  # fmt: skip
DROPOUT = Param("dropout", 0.0, "Dropout ratio of each hidden layer.", low=0.0, high=1.0,
                high_open=True)  # fmt: skip
BATCH_NORM = Param("batch_norm", False, "Batch normalization after each hidden Affine.",
                   kind="bool")  # fmt: skip
VALIDATION = Param("validation", 0.0, "Fraction of the training data held out.", low=0.0,
                   high=0.9)  # fmt: skip
PATIENCE = Param("patience", 0, "Evaluations without a better validation accuracy before a "
                 "run stops (0: never).", kind="int", low=0, high=MAX_STEPS)  # fmt: skip


_BLAS_LOCK = threading.Lock()
_blas_users = 0


@contextlib.contextmanager
def single_threaded_blas() -> Iterator[None]:
    """One BLAS thread while any training runs.  These matrices are small: on this
    2-core machine, shared, a (4, 1297, 100) x (4, 100, 100) product took 42 ms with two
    OpenBLAS threads fighting over the cores and 5 ms with one; and two sessions that
    train at once then get a core each.  The limit is process-wide, so the first run in
    sets it and the last one out restores it."""
    global _blas_users
    from threadpoolctl import threadpool_limits

    with _BLAS_LOCK:
        if _blas_users == 0:
            single_threaded_blas.limiter = threadpool_limits(limits=1, user_api="blas")
        _blas_users += 1
    try:
        yield
    finally:
        with _BLAS_LOCK:
            _blas_users -= 1
            if _blas_users == 0:
                single_threaded_blas.limiter.restore_original_limits()


@dataclass(frozen=True)
class RunSpec:
    """One network to train: its optimizer (with convention, schedule and
    hyperparameters, weight decay among them), initial weight scale and seed."""

    optimizer: str = "sgd"
    hyperparameters: Mapping[str, Any] = field(default_factory=dict)
    convention: str | None = None
    schedule: Mapping[str, Any] | None = None
    init: str | float = "he"
    seed: int = 0
    label: str = ""


@dataclass(frozen=True)
class NetSpec:
    """The shape shared by the networks of one pass."""

    hidden: tuple[int, ...] = (100,) * 4
    activation: str = "relu"
    batch_norm: bool = False
    dropout: float = 0.0

    def validated(self) -> NetSpec:
        hidden = self.hidden
        try:
            units = tuple(int(u) for u in hidden)
            ok = all(u == v for u, v in zip(units, hidden, strict=True))
        except (TypeError, ValueError):
            ok = False
        if (
            not ok
            or not 1 <= len(units) <= MAX_LAYERS
            or not all(1 <= u <= MAX_UNITS for u in units)
        ):
            raise ParameterError(
                "hidden", hidden, f"1 to {MAX_LAYERS} layer sizes, each 1 to {MAX_UNITS} units"
            )
        return NetSpec(units, ACTIVATION.validate(self.activation, owner="netlab"),
                       BATCH_NORM.validate(self.batch_norm, owner="netlab"),
                       DROPOUT.validate(self.dropout, owner="netlab"))  # fmt: skip


@dataclass
class Result:
    """One trained network: the loss of every step, accuracies every `eval_every` steps.

    `loss[t]` is the mini-batch cross-entropy at update t (before it); `eval_steps[i]` is
    the number of updates done when `train_accuracy[i]`, `test_accuracy[i]` (and
    `validation_accuracy[i]` with a validation split) were measured in test mode.
    `diverged_at` is the update whose loss was not finite; `stopped_at` the update where
    early stopping or the caller stopped the run.  `path` holds the flattened parameters at
    `path_steps` when asked for (the landscape experiment)."""

    label: str
    optimizer: str
    convention: str
    hyperparameters: dict[str, float]
    init: str | float
    seed: int
    loss: np.ndarray
    eval_steps: np.ndarray
    train_accuracy: np.ndarray
    test_accuracy: np.ndarray
    validation_accuracy: np.ndarray | None = None
    diverged_at: int | None = None
    stopped_at: int | None = None
    path: np.ndarray | None = None
    path_steps: np.ndarray | None = None

    @property
    def smoothed_loss(self) -> np.ndarray:
        return smooth_curve(self.loss)

    @property
    def best(self) -> int:
        """Index into `eval_steps` of the best validation (else test) accuracy."""
        curve = (
            self.validation_accuracy if self.validation_accuracy is not None else self.test_accuracy
        )
        return int(np.argmax(curve)) if len(curve) else 0


def smooth_curve(x: np.ndarray) -> np.ndarray:
    """The book's `smooth_curve` (common/util.py): a Kaiser-window moving average with the
    ends mirrored, same length as `x`."""
    x = np.asarray(x, float)
    if len(x) < SMOOTHING_WINDOW:
        return x.copy()
    w = SMOOTHING_WINDOW
    s = np.r_[x[w - 1 : 0 : -1], x, x[-1:-w:-1]]
    kernel = np.kaiser(w, SMOOTHING_BETA)
    y = np.convolve(kernel / kernel.sum(), s, mode="valid")
    return y[5 : len(y) - 5]


@dataclass
class Progress:
    """What a caller sees while training: updates done of `steps`, and partial results."""

    done: int
    steps: int
    results: list[Result]


def train_runs(
    net: NetSpec,
    runs: Sequence[RunSpec],
    *,
    steps: int = 300,
    data: datasets.Dataset | None = None,
    batch_size: int = 100,
    batch_seed: int = 0,
    eval_every: int | None = None,
    validation: float = 0.0,
    patience: int = 0,
    record_every: int | None = None,
    train_size: int | None = None,
    batched: bool = True,
    dtype: type = np.float32,
    callback: Callable[[Progress], bool] | None = None,
    report_every: int = 10,
) -> list[Result]:
    """Train every run in `runs` on `data` (default: the digits), in one batched pass or
    (`batched=False`) one after another; see the module docstring."""
    net = net.validated()
    if not runs or len(runs) > MAX_RUNS:
        raise ParameterError("runs", len(runs), f"1 to {MAX_RUNS} networks")
    steps = STEPS.validate(steps, owner="netlab")
    data = datasets.digits() if data is None else data
    if not isinstance(data, datasets.Dataset):
        raise ParameterError("data", data, "None (the digits) or a netlab.data.Dataset")
    if train_size is not None:
        train_size = Param("train_size", 0, "", kind="int", low=10,
                           high=len(data.x_train)).validate(train_size, owner="netlab")  # fmt: skip
        data = data.head(train_size)
    validation = VALIDATION.validate(validation, owner="netlab")
    patience = PATIENCE.validate(patience, owner="netlab")
    x_val = t_val = None
    if validation > 0:
        data, x_val, t_val = data.split_validation(validation)
    if patience and x_val is None:
        raise ParameterError("patience", patience, "0 without a validation split")
    batch_size = Param("batch_size", 100, "", kind="int", low=1,
                       high=len(data.x_train)).validate(batch_size, owner="netlab")  # fmt: skip
    batch_seed = SEED.validate(batch_seed, owner="netlab")
    eval_every = max(1, steps // 20) if eval_every is None else eval_every
    eval_every = Param("eval_every", 1, "", kind="int", low=1, high=MAX_STEPS).validate(
        eval_every, owner="netlab"
    )
    runs = [_validated_run(r) for r in runs]
    steppers = [
        Stepper(r.optimizer, steps=steps, convention=r.convention, schedule=r.schedule,
                decays=decayed, **r.hyperparameters)
        for r in runs
    ]  # fmt: skip
    if dtype not in (np.float32, np.float64):
        raise ParameterError("dtype", dtype, "numpy.float32 or numpy.float64")
    if not batched:
        out: list[Result] = []
        for k, (run, stepper) in enumerate(zip(runs, steppers, strict=True)):
            # Progress over the whole set: the runs done, then this one's steps.
            def report(p: Progress, k: int = k, finished: list[Result] = out) -> bool:
                return callback(
                    Progress(k * steps + p.done, len(runs) * steps, finished + p.results)
                )

            out += _train(net, [run], [stepper], data, x_val, t_val, steps, batch_size,
                          batch_seed, eval_every, patience, record_every, dtype,
                          report if callback else None, report_every)  # fmt: skip
        return out
    return _train(net, runs, steppers, data, x_val, t_val, steps, batch_size, batch_seed,
                  eval_every, patience, record_every, dtype, callback, report_every)  # fmt: skip


def _validated_run(run: RunSpec) -> RunSpec:
    init = validate_init(run.init)
    seed = SEED.validate(run.seed, owner="netlab")
    return RunSpec(run.optimizer, dict(run.hyperparameters), run.convention, run.schedule, init,
                   seed, run.label or run.optimizer)  # fmt: skip


def _train(
    net, runs, steppers, data, x_val, t_val, steps, batch_size, batch_seed, eval_every,
    patience, record_every, dtype, callback, report_every,
) -> list[Result]:  # fmt: skip
    k_runs = len(runs)
    network = Network(data.features, net.hidden, data.classes, runs=k_runs,
                      activation=net.activation, batch_norm=net.batch_norm,
                      dropout=net.dropout, dropout_seeds=[r.seed for r in runs])  # fmt: skip
    params = init_params(network.sizes, [r.init for r in runs], [r.seed for r in runs],
                         net.batch_norm, dtype)  # fmt: skip
    names = list(params)
    states = [s.init({n: params[n][k] for n in names}) for k, s in enumerate(steppers)]
    probed = [s.form in getattr(s.rule, "PROBED_FORMS", ()) for s in steppers]
    batch_rng = np.random.default_rng([batch_seed, 2])
    n_train = len(data.x_train)

    loss = np.full((steps, k_runs), np.nan)
    evals = sorted({*range(0, steps + 1, eval_every), steps})
    curves = np.full((3, len(evals), k_runs), np.nan)  # train, test, validation
    alive = np.ones(k_runs, dtype=bool)
    diverged = [None] * k_runs
    stopped = [None] * k_runs
    best = np.full(k_runs, -1.0)
    waiting = np.zeros(k_runs, dtype=int)
    path_steps = sorted({*range(0, steps + 1, record_every), steps}) if record_every else []
    paths = [[] for _ in range(k_runs)]
    x_train, x_test = data.x_train.astype(dtype), data.x_test.astype(dtype)
    x_train3, x_test3 = x_train[None], x_test[None]
    x_val3 = x_val.astype(dtype)[None] if x_val is not None else None

    def results(done: int) -> list[Result]:
        out = []
        for k, (r, stepper) in enumerate(zip(runs, steppers, strict=True)):
            last = min(x for x in (done, diverged[k], stopped[k]) if x is not None)
            n_eval = sum(1 for s in evals if s <= last)
            out.append(Result(
                label=r.label, optimizer=r.optimizer, convention=stepper.convention.name,
                hyperparameters={key: float(v) for key, v in stepper.hyper.items()},
                init=r.init, seed=r.seed, loss=loss[:last, k].copy(),
                eval_steps=np.array(evals[:n_eval]),
                train_accuracy=curves[0, :n_eval, k].copy(),
                test_accuracy=curves[1, :n_eval, k].copy(),
                validation_accuracy=curves[2, :n_eval, k].copy() if x_val is not None else None,
                diverged_at=diverged[k], stopped_at=stopped[k],
                path=np.array(paths[k]) if record_every else None,
                path_steps=np.array(path_steps[: len(paths[k])]) if record_every else None,
            ))  # fmt: skip
        return out

    def evaluate(done: int) -> None:
        i = evals.index(done)
        curves[0, i] = network.accuracy(params, x_train3, data.t_train)
        curves[1, i] = network.accuracy(params, x_test3, data.t_test)
        if x_val is None:
            return
        curves[2, i] = network.accuracy(params, x_val3, t_val)
        for k in np.flatnonzero(alive):
            if curves[2, i, k] > best[k]:
                best[k], waiting[k] = curves[2, i, k], 0
            else:
                waiting[k] += 1
                if patience and waiting[k] >= patience:
                    alive[k], stopped[k] = False, done

    def record(done: int) -> None:
        for k in range(k_runs):
            if diverged[k] is None and stopped[k] is None:
                paths[k].append(np.concatenate([params[n][k].ravel() for n in names]))

    # A diverging run may overflow: it is caught below.
    with single_threaded_blas(), np.errstate(all="ignore"):
        evaluate(0)
        if record_every:
            record(0)
        for t in range(steps):
            batch = batch_rng.choice(n_train, batch_size)  # the book's draw, with replacement
            points = params
            if any(probed):
                points = {n: params[n].copy() for n in names}
                for k in np.flatnonzero(probed):
                    moved = steppers[k].gradient_points({n: params[n][k] for n in names}, states[k])
                    for n in names:
                        points[n][k] = moved[n]
            batch_loss, grads = network.gradient(points, x_train[batch][None],
                                                 data.t_train[batch])  # fmt: skip
            loss[t] = batch_loss
            for k in np.flatnonzero(alive):
                if not np.isfinite(batch_loss[k]):
                    alive[k], diverged[k] = False, t
                    continue
                new = steppers[k].step(
                    t, {n: params[n][k] for n in names}, {n: grads[n][k] for n in names},
                    states[k], {n: points[n][k] for n in names},
                )  # fmt: skip
                for n in names:
                    params[n][k] = new[n]
            done = t + 1
            if done in evals:
                evaluate(done)
            if record_every and done in path_steps:
                record(done)
            if not alive.any():
                break
            report = callback is not None and (done % report_every == 0 or done == steps)
            if report and not callback(Progress(done, steps, results(done))):
                for k in np.flatnonzero(alive):
                    stopped[k] = done
                alive[:] = False
                break
    return results(done)
