"""JavaScript of every learning-rate schedule, traced from its one rule.

Each `ScheduleSpec.rule(t, p, ops)` in `optim_core.schedules` is the formula the NumPy
step functions evaluate.  Here it runs once on `Traced` values with an `ops` namespace
that records each operation as a line of JavaScript, in the order Python performs it, so
the browser computes the same factors as `schedules.make(config, 1.0, total)` without
a restated formula.  Only libm's `cos`, `log1p` and `pow` may differ from V8's `Math.*`
in the last bit; the parity test (`tests/browser/test_live_schedules.py`) bounds it.

>>> print(rule_source("power").splitlines()[1])
    const t0 = t / p.decay_steps;
"""

from __future__ import annotations

import json
import math
from functools import cache
from typing import Any

from optim_core import jscodegen, schedules

_MATH = {"floor": "Math.floor", "cos": "Math.cos", "log": "Math.log", "log1p": "Math.log1p"}
# The JavaScript twin of `NumpyOps.piece`: the index NumPy's searchsorted(side="right")
# finds, by the same comparison, then the value there.
_PIECE_JS = """  function piece(t, boundaries, values) {
    let k = 0;
    while (k < boundaries.length && boundaries[k] <= t) k++;
    return values[k];
  }
"""


class _Recorder(jscodegen._Recorder):
    def emit(self, expression: str) -> _Traced:
        name = f"t{len(self.lines)}"
        self.lines.append(f"const {name} = {expression};")
        return _Traced(name, self)


class _Traced(jscodegen.Traced):
    """A traced number that may also be compared (the result is a traced boolean)."""

    __slots__ = ()
    __hash__ = None  # compares into code, so it cannot be a dictionary key

    def __lt__(self, other):
        return self._binary(self, "<", other)

    def __le__(self, other):
        return self._binary(self, "<=", other)

    def __gt__(self, other):
        return self._binary(self, ">", other)

    def __ge__(self, other):
        return self._binary(self, ">=", other)

    def __eq__(self, other):
        return self._binary(self, "===", other)

    def __pow__(self, other):
        raise TypeError("a schedule rule writes powers as ops.power")

    __rpow__ = __pow__


class _JsOps:
    """`schedules.NumpyOps`, printed as JavaScript."""

    pi = math.pi

    def __init__(self, recorder: _Recorder) -> None:
        self.recorder = recorder

    def _call(self, function: str, *arguments: Any) -> _Traced:
        return self.recorder.emit(f"{function}({', '.join(map(jscodegen._literal, arguments))})")

    def __getattr__(self, name: str):
        if name not in _MATH:
            raise AttributeError(f"no JavaScript for ops.{name}")
        return lambda x: self._call(_MATH[name], x)

    def where(self, condition: Any, when_true: Any, when_false: Any) -> _Traced:
        parts = [jscodegen._literal(v) for v in (condition, when_true, when_false)]
        return self.recorder.emit("{} ? {} : {}".format(*parts))

    def minimum(self, a: Any, b: Any) -> _Traced:
        return self._call("Math.min", a, b)

    def maximum(self, a: Any, b: Any) -> _Traced:
        return self._call("Math.max", a, b)

    def power(self, base: Any, exponent: Any) -> _Traced:
        return self._call("Math.pow", base, exponent)

    def clip(self, x: Any, low: Any, high: Any) -> _Traced:
        # np.clip is minimum(maximum(x, low), high), NaN included.
        return self.minimum(self.maximum(x, low), high)

    def constant(self, t: Any, value: Any) -> Any:
        return value

    def piece(self, t: Any, boundaries: Any, values: Any) -> _Traced:
        return self._call("piece", t, boundaries, values)


def _parameter_names(spec: schedules.ScheduleSpec) -> list[str]:
    return ["lr", "total_steps", *(p.name for p in spec.all_params)]


def _traced(name: str, arguments: str, rule, p: dict[str, Any]) -> str:
    recorder = _Recorder()
    t = _Traced("t", recorder)
    traced = {
        key: _Traced(code, recorder) if isinstance(code, str) else code for key, code in p.items()
    }
    result = rule(t, traced, _JsOps(recorder))
    body = "".join(f"    {line}\n" for line in recorder.lines)
    return (
        f"  function {name}({arguments}) {{\n{body}    return {jscodegen._literal(result)};\n  }}\n"
    )


@cache
def rule_source(name: str) -> str:
    """`function <name>(t, p)`: schedule `name`'s factor at step ``t`` (no warm-up), with
    ``p`` its config plus ``lr`` and ``total_steps``."""
    spec = schedules.spec(name)
    p = {key: f"p.{key}" for key in _parameter_names(spec)}
    return _traced(name, "t, p", spec.rule, p)


def _warmup_source() -> str:
    """`function warmup(t, p, schedule)`: `with_warmup` around the step rule `schedule`."""
    recorder_holder: list[_Recorder] = []

    def call(step: Any) -> _Traced:
        return recorder_holder[0].emit(f"schedule({jscodegen._literal(step)}, p)")

    def rule(t, p, ops):
        recorder_holder.append(ops.recorder)
        first_rate = call(0)
        return schedules.warmup_rule(t, p | {"schedule": call, "first_rate": first_rate}, ops)

    return _traced("warmup", "t, p, schedule", rule, {"warmup_steps": "p.warmup_steps"})


@cache
def schedules_source() -> str:
    """`OPTIM_SCHEDULES`: `factors(config, total, n)` gives the `n` factors
    `schedules.make(config, 1.0, total)(np.arange(n))` gives, for a normalized config."""
    rules = "".join(rule_source(name) for name in schedules.names())
    table = ", ".join(f"{json.dumps(name)}: {name}" for name in schedules.names())
    return (
        "const OPTIM_SCHEDULES = (function () {\n"
        '  "use strict";\n'
        + _PIECE_JS
        + rules
        + _warmup_source()
        + f"  const rules = {{{table}}};\n"
        + "  function factors(config, total, n) {\n"
        + "    const p = Object.assign({}, config, { lr: 1.0, total_steps: Math.max(total, 1) });\n"
        + "    const rule = rules[config.name];\n"
        + "    const out = new Float64Array(n);\n"
        + "    for (let t = 0; t < n; t++) out[t] = warmup(t, p, rule);\n"
        + "    return out;\n"
        + "  }\n"
        + "  return { rules, warmup, factors };\n"
        + "})();\n"
    )
