"""The training lab: backpropagation against central differences, the optimizer step
against the 2-D engine, determinism, divergence, validation and the data loaders."""

import math

import numpy as np
import pytest

import netlab
import optim_core
import surfaces
from foundation.params import ParameterError
from netlab import experiments, layers
from netlab.network import Network, init_params
from netlab.optim import Stepper
from netlab.training import NetSpec, RunSpec, smooth_curve, train_runs

FIRST_ORDER = [
    (name, convention.name)
    for name in optim_core.names()
    if optim_core.spec(name).family == "first_order"
    for convention in optim_core.spec(name).conventions
]


def numerical_gradient(f, params, h=1e-5):
    """The book's `numerical_gradient` (central differences), entry by entry."""
    grads = {}
    for name, value in params.items():
        grad = np.zeros_like(value)
        for index in np.ndindex(value.shape):
            saved = value[index]
            value[index] = saved + h
            up = f()
            value[index] = saved - h
            down = f()
            value[index] = saved
            grad[index] = (up - down) / (2 * h)
        grads[name] = grad
    return grads


@pytest.mark.parametrize(
    ("activation", "batch_norm", "dropout"),
    [("relu", False, 0.0), ("sigmoid", False, 0.0), ("tanh", False, 0.0),
     ("relu", True, 0.0), ("tanh", True, 0.3), ("sigmoid", False, 0.4)],
)  # fmt: skip
def test_backpropagation_equals_central_differences(activation, batch_norm, dropout):
    """Every layer type (Affine, ReLU, Sigmoid, Tanh, BatchNorm, Dropout, SoftmaxWithLoss)
    in float64, two runs at once; dropout masks fixed by rebuilding the network."""
    rng = np.random.default_rng(7)
    x, labels = rng.normal(size=(1, 6, 5)), rng.integers(0, 3, 6)

    def network():
        return Network(5, (4, 3), 3, runs=2, activation=activation, batch_norm=batch_norm,
                       dropout=dropout, dropout_seeds=[1, 2])  # fmt: skip

    params = init_params((5, 4, 3, 3), ["xavier", 0.5], [3, 4], batch_norm)
    if batch_norm:  # away from γ = 1, β = 0 so their gradients are exercised
        for name in params:
            if name.startswith(("gamma", "beta")):
                params[name] += rng.normal(scale=0.3, size=params[name].shape)
    _, grads = network().gradient(params, x, labels)
    numeric = numerical_gradient(lambda: network().loss(params, x, labels, train=True).sum(),
                                 params)  # fmt: skip
    assert set(grads) == set(params)
    for name in params:
        np.testing.assert_allclose(grads[name], numeric[name], rtol=1e-5, atol=1e-8,
                                   err_msg=name)  # fmt: skip


def test_the_loss_is_the_cross_entropy_of_the_softmax():
    scores = np.array([[[2.0, 1.0, 0.1], [0.0, 0.0, 0.0]]])
    loss = layers.SoftmaxWithLoss().forward(scores, np.array([0, 2]))
    p0 = math.exp(2) / (math.exp(2) + math.exp(1) + math.exp(0.1))
    expected = -(math.log(p0) + math.log(1 / 3)) / 2
    assert loss[0] == pytest.approx(expected, rel=1e-12)


def step_in_lab(name, convention, surface, start, steps, schedule, **hyper):
    """A 2-vector stepped by the lab's optimizer step, the gradient from the surface."""
    stepper = Stepper(name, steps=steps, convention=convention, schedule=schedule, **hyper)
    params = {"W": np.array(start, float)}
    state = stepper.init(params)
    path = [params["W"]]
    for t in range(steps):
        points = stepper.gradient_points(params, state)
        params = stepper.step(t, params, {"W": surface.grad(points["W"])}, state, points)
        path.append(params["W"])
    return np.stack(path)


@pytest.mark.parametrize(("name", "convention"), FIRST_ORDER)
def test_the_lab_step_equals_the_2d_engine(name, convention):
    """The same rule and state: the lab's step over a 2-vector follows the compiled 2-D
    engine's path, weight decay (L2 or decoupled) and a warmed-up schedule included."""
    surface = surfaces.get("rosenbrock")
    schedule = {"name": "cosine", "decay_steps": 30, "warmup_steps": 5}
    hyper = {"lr": 1e-4, "weight_decay": 0.05}
    engine = optim_core.run(name, surface, start=(-1.2, 1.0), steps=30, convention=convention,
                            schedule=schedule, record_state=False, **hyper)  # fmt: skip
    lab = step_in_lab(name, convention, surface, (-1.2, 1.0), 30, schedule, **hyper)
    assert engine.diverged_at is None
    np.testing.assert_allclose(lab, engine.path, rtol=1e-12, atol=1e-14)


def test_the_step_takes_weight_matrices_and_decays_only_weights():
    stepper = Stepper("sgd", steps=1, lr=0.1, weight_decay=0.5, decays=lambda n: n == "W")
    params = {"W": np.ones((3, 2)), "b": np.ones(2)}
    new = stepper.step(0, params, {"W": np.zeros((3, 2)), "b": np.zeros(2)}, stepper.init(params))
    np.testing.assert_array_equal(new["W"], np.full((3, 2), 1 - 0.1 * 0.5))
    np.testing.assert_array_equal(new["b"], np.ones(2))


@pytest.mark.parametrize("name", ["newton", "lbfgs"])
def test_second_order_methods_are_2d_only(name):
    with pytest.raises(ParameterError, match="2-D only"):
        netlab.train(name, steps=5, hidden=(10,))


def test_seeded_runs_reproduce_bit_for_bit_and_seeds_differ():
    kwargs = dict(steps=30, hidden=(30, 30), batch_norm=True, dropout=0.2, lr=0.01)
    first, again = netlab.train("adam", seed=3, **kwargs), netlab.train("adam", seed=3, **kwargs)
    other = netlab.train("adam", seed=4, **kwargs)
    np.testing.assert_array_equal(first.loss, again.loss)
    np.testing.assert_array_equal(first.test_accuracy, again.test_accuracy)
    assert not np.array_equal(first.loss, other.loss)


def test_a_batched_pass_equals_each_run_alone():
    runs = [RunSpec("sgd", {"lr": 0.05}, seed=1), RunSpec("adam", {"lr": 0.002}, seed=2),
            RunSpec("nesterov", {"lr": 0.02}, convention="lookahead", seed=1)]  # fmt: skip
    net = NetSpec((20, 20), "tanh", batch_norm=True, dropout=0.1)
    together = train_runs(net, runs, steps=25, batched=True, dtype=np.float64)
    alone = train_runs(net, runs, steps=25, batched=False, dtype=np.float64)
    for a, b in zip(together, alone, strict=True):
        np.testing.assert_array_equal(a.loss, b.loss)
        np.testing.assert_array_equal(a.train_accuracy, b.train_accuracy)


def test_a_diverged_run_says_so_and_stops_while_the_others_go_on():
    runs = [RunSpec("sgd", {"lr": 1e9}, init=1.0), RunSpec("sgd", {"lr": 0.01})]
    wild, calm = train_runs(NetSpec((50, 50)), runs, steps=40)
    assert wild.diverged_at is not None and wild.diverged_at < 40
    assert len(wild.loss) == wild.diverged_at and np.all(np.isfinite(wild.loss))
    assert wild.eval_steps[-1] <= wild.diverged_at
    assert calm.diverged_at is None and len(calm.loss) == 40


def test_a_callback_streams_progress_and_can_stop():
    seen = []

    def callback(progress):
        seen.append((progress.done, len(progress.results[0].loss)))
        return progress.done < 20

    (result,) = train_runs(NetSpec((20,)), [RunSpec("sgd", {"lr": 0.1})], steps=100,
                           callback=callback, report_every=10)  # fmt: skip
    assert seen == [(10, 10), (20, 20)]
    assert result.stopped_at == 20 and len(result.loss) == 20
    # One network at a time, progress counts over all of them.
    fractions = []

    def record(progress):
        fractions.append((progress.done / progress.steps, len(progress.results)))
        return True

    runs = [RunSpec("sgd", {"lr": 0.1}), RunSpec("adam", {"lr": 0.01})]
    train_runs(NetSpec((20,)), runs, steps=20, batched=False, callback=record, report_every=10)
    assert fractions == [(0.25, 1), (0.5, 1), (0.75, 2), (1.0, 2)]


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [({"optimizer": "nope"}, "optimizer"), ({"steps": 0}, "steps"),
     ({"hidden": (0, 10)}, "hidden"), ({"hidden": "wide"}, "hidden"),
     ({"activation": "swish"}, "activation"), ({"dropout": 1.0}, "dropout"),
     ({"init": "zeros"}, "init"), ({"init": -1.0}, "init"), ({"lr": -1.0}, "lr"),
     ({"beta": 0.9}, "hyperparameter"), ({"weight_decay": -0.1}, "weight_decay"),
     ({"schedule": {"name": "plateau"}}, "schedule"), ({"batch_size": 0}, "batch_size"),
     ({"seed": -1}, "seed"), ({"convention": "book"}, "convention"),
     ({"batch_norm": "yes"}, "batch_norm"), ({"patience": 3}, "patience"),
     ({"train_size": 5}, "train_size"), ({"data": "mnist"}, "data")],
)  # fmt: skip
def test_every_bad_argument_raises_a_parameter_error_naming_it(kwargs, name):
    arguments = {"optimizer": "sgd", "steps": 5, "hidden": (10,)} | kwargs
    with pytest.raises(ParameterError) as error:
        netlab.train(**arguments)
    assert error.value.name == name


def test_the_digits_are_split_once_and_scaled():
    data = netlab.digits()
    assert len(data.x_train) + len(data.x_test) == 1797
    assert data.x_train.min() == 0.0 and data.x_train.max() == 1.0
    assert set(np.unique(data.t_test)) == set(range(10))
    assert data.x_train.flags.writeable is False


def test_mnist_loads_a_local_keras_file_and_says_when_it_is_missing(tmp_path):
    with pytest.raises(ParameterError, match=r"mnist\.npz"):
        netlab.mnist(tmp_path / "mnist.npz")
    rng = np.random.default_rng(0)
    np.savez(tmp_path / "mnist.npz", x_train=rng.integers(0, 256, (20, 28, 28), dtype=np.uint8),
             y_train=rng.integers(0, 10, 20), x_test=rng.integers(0, 256, (8, 28, 28), dtype=np.uint8),
             y_test=rng.integers(0, 10, 8))  # fmt: skip
    data = netlab.mnist(tmp_path / "mnist.npz")
    assert data.x_train.shape == (20, 784) and data.x_test.shape == (8, 784)
    assert data.x_train.min() >= 0.0 and data.x_train.max() <= 1.0
    result = netlab.train("sgd", steps=3, hidden=(16,), data=data, batch_size=5, lr=0.1)
    assert len(result.loss) == 3
    np.savez(tmp_path / "other.npz", pixels=np.zeros(3))
    with pytest.raises(ParameterError, match="x_train"):
        netlab.mnist(tmp_path / "other.npz")


def test_smooth_curve_keeps_length_constants_and_damps_noise():
    noise = np.random.default_rng(0).normal(size=200)
    smoothed = smooth_curve(noise)
    assert smoothed.shape == noise.shape
    np.testing.assert_allclose(smooth_curve(np.full(50, 3.0)), 3.0)
    assert smoothed.std() < 0.6 * noise.std()


def test_the_pca_plane_passes_through_the_start_and_holds_the_paths():
    plane = experiments.WhereTheyWent(
        experiments.OptimizerComparison(steps=30, hidden=(20, 20)), resolution=7
    ).run()
    for path in plane.paths.values():
        np.testing.assert_allclose(path[0], 0.0, atol=1e-6)
    assert 0.5 < sum(plane.explained) <= 1.0 + 1e-9
    # The plane's loss at the start is the network's loss there, computed independently.
    data = netlab.digits()
    first = plane.results[0]
    start = plane.start
    net = Network(64, (20, 20), 10)
    params, offset = {}, 0
    for name, value in init_params(net.sizes, ["he"], [0], False).items():
        size = value[0].size
        params[name] = start[offset : offset + size].reshape(value.shape).astype(np.float32)
        offset += size
    expected = net.loss(params, data.x_train[None, :250].astype(np.float32), data.t_train[:250])
    assert plane.path_loss[first.label][0] == pytest.approx(float(expected[0]), rel=1e-5)


def test_activation_histograms_show_the_books_pictures():
    histograms = experiments.ActivationHistograms().run()
    relu = histograms.std
    # std 0.01 with ReLU: each layer's activations shrink toward zero; He keeps them.
    assert np.all(np.diff(relu[0.01]["relu"]) < 0) and relu[0.01]["relu"][-1] < 1e-3
    he = relu["he"]["relu"]
    assert 0.5 < he[-1] / he[0] < 2.0
    # std 1 with sigmoid: activations pile up at 0 and 1 (fig. 6-10).
    counts = histograms.counts[1.0]["sigmoid"]
    assert np.all(counts[:, [0, -1]].sum(1) > 0.5 * counts.sum(1))
    # Xavier with sigmoid spreads them (fig. 6-13): the end bins hold little.
    spread = histograms.counts["xavier"]["sigmoid"]
    assert np.all(spread[:, [0, -1]].sum(1) < 0.1 * spread.sum(1))


def test_random_search_narrows_its_ranges_round_by_round():
    rounds = experiments.RandomSearch(rounds=2, trials=4, keep=2, steps=20, hidden=(20,)).run()
    first, second = rounds
    assert second.lr_range[1] - second.lr_range[0] <= first.lr_range[1] - first.lr_range[0]
    finals = [r.validation_accuracy[-1] for r in first.results]
    assert finals == sorted(finals, reverse=True)
    kept = [math.log10(r.hyperparameters["lr"]) for r in first.results[:2]]
    assert second.lr_range == (min(kept), max(kept))


def test_the_pca_directions_are_numpys_svd_directions():
    """The plane's directions come from the Gram matrix; NumPy's SVD gives the same two."""
    rng = np.random.default_rng(0)
    start = rng.normal(size=400)
    scale = np.r_[np.full(200, 3.0), np.ones(200)]
    paths = [start + np.cumsum(rng.normal(size=(15, 400)) * scale, axis=0) for _ in range(3)]
    d1, d2, explained = experiments._pca_directions(paths, start)
    _, singular, vt = np.linalg.svd(np.concatenate([p - start for p in paths]), full_matrices=False)
    assert abs(d1 @ vt[0]) == pytest.approx(1.0, abs=1e-9)
    assert abs(d2 @ vt[1]) == pytest.approx(1.0, abs=1e-9)
    np.testing.assert_allclose(explained, singular[:2] ** 2 / np.sum(singular**2), rtol=1e-9)
