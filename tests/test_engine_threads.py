"""The app calls the engine from one thread per browser session at the same time."""

import threading

import numpy as np

import optim_core


def test_concurrent_runs_from_many_threads_match_serial_runs():
    starts = np.random.default_rng(0).uniform(-2, 2, (300, 2))  # big enough to go parallel
    expected_batch = optim_core.run("adam", "rosenbrock", start=starts, steps=40, lr=1e-3)
    expected_single = optim_core.run("momentum", "bowl", steps=40, lr=0.1)
    failures: list[BaseException] = []

    def session() -> None:
        try:
            for _ in range(10):
                batch = optim_core.run("adam", "rosenbrock", start=starts, steps=40, lr=1e-3)
                single = optim_core.run("momentum", "bowl", steps=40, lr=0.1)
                np.testing.assert_array_equal(batch.path, expected_batch.path)
                np.testing.assert_array_equal(single.path, expected_single.path)
        except BaseException as error:  # collected and re-raised in the main thread
            failures.append(error)

    threads = [threading.Thread(target=session) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures, failures[0]
