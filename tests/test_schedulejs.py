"""The registry's step rules (`ScheduleSpec.rule`, which `optim_core.schedulejs` prints as
JavaScript) are the formulas `schedules.make` evaluates: checked here with NumPy, in
Chromium by `tests/browser/test_live_schedules.py`."""

from __future__ import annotations

import numpy as np
import pytest

from optim_core import schedulejs, schedules


@pytest.mark.parametrize("name", schedules.names())
@pytest.mark.parametrize("total", [1, 9, 100])
def test_registry_rule_is_what_make_evaluates(name, total):
    config = schedules.normalize({"name": name})
    steps = np.arange(total + 30)
    p = config | {"lr": 1.0, "total_steps": total}
    with np.errstate(all="ignore"):
        by_rule = np.broadcast_to(
            schedules.spec(name).rule(steps, p, schedules.NumpyOps), steps.shape
        )
    np.testing.assert_array_equal(by_rule, schedules.make(config, 1.0, total)(steps))


def test_a_rule_may_not_branch_in_python():
    def branching(t, p, ops):
        return p["lr"] if t < p["total_steps"] else 0.0

    with pytest.raises(TypeError, match="branch"):
        schedulejs._traced(
            "branching", "t, p", branching, {"lr": "p.lr", "total_steps": "p.total_steps"}
        )


def test_every_schedule_is_printed():
    source = schedulejs.schedules_source()
    for name in schedules.names():
        assert f"function {name}(t, p)" in source
