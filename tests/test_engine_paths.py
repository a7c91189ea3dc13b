"""A batch split across threads must equal single runs exactly (torch's test_foreach_matches_forloop).

Large batches are split into chunks that run on several threads (`engine._in_chunks`);
single runs and small batches run in one piece.
"""

import numpy as np
import pytest

import optim_core
from optim_core import engine

FIRST_ORDER = [
    (name, convention.name)
    for name in optim_core.names()
    if optim_core.spec(name).family == "first_order"
    for convention in optim_core.spec(name).conventions
]
BIG = engine.PARALLEL_MIN_BATCH + 44  # split across threads, unlike a single run
CHECKED_ROWS = (0, 101, BIG - 1)


@pytest.mark.parametrize(("name", "convention"), FIRST_ORDER)
def test_whole_batch_path_equals_single_runs_state_included(name, convention):
    rng = np.random.default_rng(7)
    starts = rng.uniform(-2.0, 2.0, (BIG, 2))
    lr = rng.uniform(1e-4, 3e-3, BIG)
    seeds = np.arange(BIG)
    batch = optim_core.run(name, "rosenbrock", start=starts, steps=30, convention=convention,
                           lr=lr, noise=0.5, seed=seeds, weight_decay=0.01)  # fmt: skip
    for row in CHECKED_ROWS:
        single = optim_core.run(name, "rosenbrock", start=starts[row], steps=30,
                                convention=convention, lr=lr[row], noise=0.5, seed=int(seeds[row]),
                                weight_decay=0.01)  # fmt: skip
        np.testing.assert_array_equal(batch.path[:, row], single.path)
        np.testing.assert_array_equal(batch.loss[:, row], single.loss)
        for key, values in single.state.items():
            np.testing.assert_array_equal(batch.state[key][:, row], values, err_msg=key)
        assert batch.diverged_at[row] == (-1 if single.diverged_at is None else single.diverged_at)


def test_whole_batch_path_freezes_diverging_rows_like_single_runs():
    starts = np.tile([[-1.5, 2.0]], (BIG, 1))
    lr = np.linspace(1e-4, 0.05, BIG)  # the larger rates blow up on Rosenbrock's walls
    batch = optim_core.run("sgd", "rosenbrock", start=starts, steps=50, lr=lr)
    diverged = np.flatnonzero(batch.diverged_at >= 0)
    assert 0 < diverged.size < BIG, "the sweep must contain both outcomes"
    for row in (diverged[0], diverged[-1], 0):
        single = optim_core.run("sgd", "rosenbrock", start=starts[row], steps=50, lr=lr[row])
        np.testing.assert_array_equal(batch.path[:, row], single.path)
        assert batch.diverged_at[row] == (-1 if single.diverged_at is None else single.diverged_at)
    assert np.all(np.isfinite(batch.path)) and np.all(np.isfinite(batch.loss))


def test_whole_batch_path_applies_reduce_on_plateau_per_row():
    starts = np.random.default_rng(3).uniform(-1.0, 1.0, (BIG, 2))
    schedule = {"name": "plateau", "factor": 0.5, "patience": 2}
    # lr = 1 on x² + y² flips the sign of θ every step without progress: a plateau.
    flat = {"a": 1.0, "b": 1.0}
    batch = optim_core.run("sgd", "bowl", start=starts, steps=25, lr=1.0, schedule=schedule,
                           surface_params=flat)  # fmt: skip
    single = optim_core.run("sgd", "bowl", start=starts[5], steps=25, lr=1.0, schedule=schedule,
                            surface_params=flat)  # fmt: skip
    assert single.lr.min() < 1.0, "vacuous: the plateau rule never fired"
    np.testing.assert_array_equal(batch.lr[:, 5], single.lr)
    np.testing.assert_array_equal(batch.path[:, 5], single.path)


@pytest.mark.parametrize("record_state", [True, False])
@pytest.mark.parametrize("name", ["adagrad", "rmsprop", "adam", "nadam"])
def test_gradients_too_large_to_square_are_divergence_on_both_paths(name, record_state):
    # σ = 1e200 noise: g² overflows inside the optimizer's state while m/√v = 0 would keep
    # the point finite; both paths must stop the row and say so.
    starts = np.ones((BIG, 2))
    batch = optim_core.run(name, "bowl", start=starts, steps=5, noise=1e200,
                           record_state=record_state)  # fmt: skip
    single = optim_core.run(name, "bowl", start=(1.0, 1.0), steps=5, noise=1e200)
    assert single.diverged_at == 1
    assert np.all(batch.diverged_at == 1)
    for array in (batch.path, batch.loss, *batch.state.values()):
        assert np.all(np.isfinite(array))


def test_zero_steps_on_a_batch_without_recording_writes_nothing_out_of_bounds():
    """The old loop decided whether to record from the placeholder's shape, so steps=0
    with record_state=False wrote rows b >= 1 past the end ("free(): invalid pointer").
    Run in a subprocess: a memory error would kill a test worker, not fail a test."""
    import subprocess
    import sys
    from pathlib import Path

    probe = (
        "import optim_core\n"
        "for name in optim_core.names()[:11]:\n"
        "    for _ in range(20):\n"
        "        t = optim_core.run(name, 'bowl', start=[[-7, 2], [-6, 1]], steps=0,\n"
        "                           record_state=False)\n"
        "        assert t.path.shape == (1, 2, 2)\n"
        "print('ok')\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], cwd=Path(__file__).parents[1],
                         capture_output=True, text=True, timeout=300)  # fmt: skip
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr[-2000:]
