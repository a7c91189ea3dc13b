"""The browser's learning-rate schedules repeat `schedules.make`: every schedule, run in
Chromium on the JavaScript `optim_core.schedulejs` traces from its one rule, over a grid
of parameters with their edge values, against ``make(config, 1.0, total)(np.arange(n))``.

Agreement is exact for a rule without transcendental functions; where V8's `Math.cos`,
`Math.pow`, `Math.log` or `Math.log1p` rounds the last bit differently from libm's, the
factors differ by at most 1e-15 relative.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from optim_core import jscodegen, schedulejs, schedules

RELATIVE = 1e-15
LENGTHS = (1, 7, 100, 301)  # the run's length T: one-cycle spans it
STEPS_PAST = 40  # factors asked for beyond the run (a longer steps control reuses them)


def _grid(name: str) -> list[dict]:
    """Configs over each parameter's edges and a few inner values, one at a time around
    the defaults, then a few joint corners."""
    spec = schedules.spec(name)
    values: dict[str, list] = {
        "decay_rate": [1e-6, 0.01, 0.37, 0.9, 1.0],
        "decay_steps": [1, 2, 13, 100, 10**9],
        "staircase": [False, True],
        "power": [0.0, 0.5, 1.0, 3.7, 1e3],
        "alpha": [0.0, 0.1, 0.5, 1.0],
        "first_decay_steps": [1, 3, 20, 10**9],
        "t_mul": [1.0, 1.0 + 1e-9, 1.5, 2.0, 3.0, 7.3, 1e3, 10**9],
        "m_mul": [1e-3, 0.5, 1.0],
        "start_factor": [0.0, 0.01, 0.1, 1.0],
        "last_factor": [0.0, 1e-6, 1e-4, 1.0],
        "last_fraction": [0.0, 0.1, 0.29, 0.5, 0.999],
        "factor": [0.05, 0.5],
        "patience": [0, 10],
        "threshold": [0.0, 1e-4],
        "cooldown": [0, 5],
        "min_lr": [0.0, 0.01],
        "warmup_steps": [0, 1, 3, 50, 300, 10**9],
        "boundaries": [[1], [1, 2], [3, 50, 99], [100, 200], [5, 10**9]],
    }
    configs = [{"name": name}]
    for param in spec.all_params:
        for value in values.get(param.name, ()):  # piecewise values go with boundaries
            if param.name == "boundaries":
                multipliers = [*[1.0, 0.3, 0.07, 0.01][: len(value)], 1e-3]
                configs.append({"name": name, "boundaries": value, "values": multipliers})
            else:
                configs.append({"name": name, param.name: value})
    corners = {
        "cosine_restarts": [
            {"t_mul": t, "first_decay_steps": s, "m_mul": 0.7, "alpha": 0.05, "warmup_steps": w}
            for t, s, w in itertools.product((1.0, 1.5, 3.0, 1e3), (1, 3, 17), (0, 5))
        ],
        "one_cycle": [
            {"start_factor": a, "last_factor": b, "last_fraction": p, "warmup_steps": w}
            for a, b, p, w in itertools.product((0.0, 0.1), (0.0, 0.5), (0.0, 0.3), (0, 6, 400))
        ],
        "exponential": [
            {"decay_rate": 0.5, "decay_steps": 3, "staircase": True, "warmup_steps": 4}
        ],
        "piecewise": [
            {"boundaries": [1, 2, 3], "values": [2.0, 0.0, 1e300, 4.0], "warmup_steps": 2}
        ],
    }
    configs += [{"name": name, **corner} for corner in corners.get(name, [])]
    return [schedules.normalize(c) for c in configs]


@pytest.fixture(scope="module")
def engine_page(browser):
    context = browser.new_context()
    page = context.new_page()
    page.set_content("<html><body></body></html>")
    page.add_script_tag(
        content=jscodegen.engine_source() + "\nwindow.OPTIM_SCHEDULES = OPTIM_SCHEDULES;\n"
    )
    yield page
    context.close()


@pytest.mark.parametrize("name", schedules.names())
def test_browser_schedule_factors_equal_python(engine_page, name):
    cases = [(config, total) for config in _grid(name) for total in LENGTHS]
    got = engine_page.evaluate(
        """(cases) => cases.map(([config, total, n]) =>
            Array.from(OPTIM_SCHEDULES.factors(config, total, n)))""",
        [[config, total, total + STEPS_PAST] for config, total in cases],
    )
    failures, exact = [], 0
    for (config, total), factors in zip(cases, got, strict=True):
        expected = schedules.make(config, 1.0, total)(np.arange(total + STEPS_PAST))
        factors = np.asarray(factors, dtype=np.float64)
        same = factors == expected
        exact += int(np.all(same))
        close = np.abs(factors - expected) <= RELATIVE * np.abs(expected)
        if not np.all(same | close):
            t = int(np.argmin(same | close))
            failures.append(
                f"{config}, T={total}: step {t} gives {factors[t]!r}, not {expected[t]!r}"
            )
    assert not failures, "\n".join(failures[:20])
    assert len(cases) > 20
    # Only libm's last bit may differ: arithmetic alone is IEEE-exact in both.
    if not any(f"Math.{f}(" in schedulejs.rule_source(name) for f in ("pow", "cos", "log")):
        assert exact == len(cases)
