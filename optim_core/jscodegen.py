"""JavaScript of every first-order update rule, traced from its one definition.

The browser engine (`optim_core/engine.js`) steps the same rules as the compiled loops
(`optim_core.codegen`) so a page can recompute its paths on every input event.  Nothing
here restates a rule: `update`, `init` and `gradient_point` of each definition run once
per form on `Traced` values, which record every arithmetic operation in the order Python
(and therefore Numba, which neither reorders nor fuses IEEE operations) performs it.  The
record is printed as one JavaScript `const` per operation, so the browser rounds exactly
as the compiled loop does; only libm's `pow` may differ from V8's `Math.pow` in the last
bit (NAdam's momentum schedule), which the parity test bounds.

Generated when first asked for and cached: tracing takes milliseconds and needs neither
SymPy nor Numba, and a text that is never written to disk can never be stale.

>>> for line in rule_source("sgd").splitlines()[4:8]:
...     print(line)
  function update0(g, s, theta, lr, h) {
    const t0 = lr * g;
    const t1 = theta - t0;
    return [t1, lr];"""

from __future__ import annotations

import json
import math
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from optim_core.registry import names, spec

ENGINE_JS = Path(__file__).with_name("engine.js")
# Reduce-on-plateau options in the order of `_loop_parts` (after P_ENABLED).
PLATEAU_KEYS = ("factor", "patience", "threshold", "cooldown", "min_lr")
# NumPy ufuncs the rules use through `optim_core.ops`, and their JavaScript spelling.
_UFUNCS = {np.sqrt: "Math.sqrt", np.maximum: "Math.max", np.absolute: "Math.abs"}


class _Recorder:
    """The lines of one traced function, in evaluation order."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def emit(self, expression: str) -> Traced:
        name = f"t{len(self.lines)}"
        self.lines.append(f"const {name} = {expression};")
        return Traced(name, self)


def _literal(value: Any) -> str:
    if isinstance(value, Traced):
        return value.code
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"cannot trace a {type(value).__name__} operand into JavaScript")
    if isinstance(value, int):
        return str(value)
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    return repr(value)


class Traced:
    """A float whose every operation is recorded as a line of JavaScript."""

    __slots__ = ("code", "recorder")

    def __init__(self, code: str, recorder: _Recorder) -> None:
        self.code, self.recorder = code, recorder

    def _binary(self, left: Any, operator: str, right: Any) -> Traced:
        return self.recorder.emit(f"{_literal(left)} {operator} {_literal(right)}")

    def __add__(self, other):
        return self._binary(self, "+", other)

    def __radd__(self, other):
        return self._binary(other, "+", self)

    def __sub__(self, other):
        return self._binary(self, "-", other)

    def __rsub__(self, other):
        return self._binary(other, "-", self)

    def __mul__(self, other):
        return self._binary(self, "*", other)

    def __rmul__(self, other):
        return self._binary(other, "*", self)

    def __truediv__(self, other):
        return self._binary(self, "/", other)

    def __rtruediv__(self, other):
        return self._binary(other, "/", self)

    def __neg__(self):
        return self.recorder.emit(f"-{self.code}")

    def __abs__(self):
        return self.recorder.emit(f"Math.abs({self.code})")

    def __pow__(self, other):
        return _power(self, other)

    def __rpow__(self, other):
        return _power(other, self)

    def __bool__(self):
        raise TypeError("an update rule may not branch on a traced value")

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        if method != "__call__" or ufunc not in _UFUNCS or kwargs:
            raise TypeError(f"no JavaScript for numpy.{ufunc.__name__}")
        arguments = ", ".join(_literal(v) for v in inputs)
        return self.recorder.emit(f"{_UFUNCS[ufunc]}({arguments})")


def _power(base: Any, exponent: Any) -> Traced:
    recorder = base.recorder if isinstance(base, Traced) else exponent.recorder
    if exponent == 2 and not isinstance(exponent, Traced):  # Numba multiplies: x * x
        return recorder.emit(f"{_literal(base)} * {_literal(base)}")
    return recorder.emit(f"Math.pow({_literal(base)}, {_literal(exponent)})")


def _function(name: str, arguments: str, recorder: _Recorder, results: list[Any]) -> str:
    body = "".join(f"    {line}\n" for line in recorder.lines)
    returned = ", ".join(_literal(float(v) if isinstance(v, int) else v) for v in results)
    return f"  function {name}({arguments}) {{\n{body}    return [{returned}];\n  }}\n"


def _inputs(recorder: _Recorder, rule, prefix: str, fields: tuple[str, ...]):
    return [Traced(f"{prefix}[{k}]", recorder) for k in range(len(fields))]


def _traced_init(rule) -> str:
    recorder = _Recorder()
    hyper = rule.Hyper(*_inputs(recorder, rule, "h", rule.Hyper._fields))
    state = rule.init(Traced("theta", recorder), hyper)
    return _function("init", "theta, h", recorder, list(state))


def _traced_update(rule, form: int) -> str:
    recorder = _Recorder()
    hyper = rule.Hyper(*_inputs(recorder, rule, "h", rule.Hyper._fields))
    state = rule.State(*_inputs(recorder, rule, "s", rule.State._fields))
    new_theta, new_state, shown = rule.update(
        Traced("g", recorder), state, Traced("theta", recorder), Traced("lr", recorder), hyper, form
    )
    results = [new_theta, *new_state, *shown]
    return _function(f"update{form}", "g, s, theta, lr, h", recorder, results)


def _traced_point(rule, form: int) -> str:
    recorder = _Recorder()
    hyper = rule.Hyper(*_inputs(recorder, rule, "h", rule.Hyper._fields))
    state = rule.State(*_inputs(recorder, rule, "s", rule.State._fields))
    point = rule.gradient_point(Traced("theta", recorder), state, hyper, form)
    return _function(f"point{form}", "theta, s, h", recorder, [point])


@cache
def rule_source(name: str) -> str:
    """A JavaScript object literal with the rule of first-order optimizer `name`:
    `init(theta, h)`, `update[form](g, s, theta, lr, h)` returning
    [θ_t, ...state, ...shown], `point[form](theta, s, h)` for probed forms, and the
    layout (`hyper` names, state and shown sizes, which of them the engine records)."""
    opt = spec(name)
    rule = opt.rule
    forms = sorted({c.form for c in opt.conventions})
    probed = sorted(getattr(rule, "PROBED_FORMS", ()))
    layout = {
        "hyper": list(rule.Hyper._fields),
        "nState": len(rule.State._fields),
        "nShown": len(rule.Shown._fields),
        "recordedState": [k for k, f in enumerate(rule.State._fields) if f not in rule.BOOKKEEPING],
        "recordedShown": [k for k, f in enumerate(rule.Shown._fields) if f not in rule.BOOKKEEPING],
        "slots": [slot.name for slot in opt.state],
        "probed": probed,
    }
    parts = [_traced_init(rule)]
    parts += [_traced_update(rule, form) for form in forms]
    parts += [_traced_point(rule, form) for form in probed]
    updates = ", ".join(f"{form}: update{form}" for form in forms)
    points = ", ".join(f"{form}: point{form}" for form in probed)
    return (
        "(function () {\n"
        + "".join(parts)
        + f"  return Object.assign({json.dumps(layout)}, "
        + f"{{init, update: {{{updates}}}, point: {{{points}}}}});\n}})()"
    )


def first_order_names() -> list[str]:
    return [n for n in names() if spec(n).family == "first_order"]


@cache
def rules_source() -> str:
    """`OPTIM_RULES = {name: rule, ...}` for every first-order optimizer."""
    entries = ",\n".join(f"  {json.dumps(n)}: {rule_source(n)}" for n in first_order_names())
    return "const OPTIM_RULES = {\n" + entries + "\n};\n"


def engine_source() -> str:
    """The browser engine: the traced rules and schedules and the step loop they run in."""
    from optim_core.schedulejs import schedules_source

    return rules_source() + schedules_source() + ENGINE_JS.read_text(encoding="utf-8")


def browser_run(
    optimizer: str,
    surface: Any,
    start: Any,
    steps: int,
    *,
    steps_max: int | None = None,
    convention: str | None = None,
    schedule: Any = None,
    noise: float = 0.0,
    noise_mode: str = "absolute",
    seed: int = 0,
    gradient: str = "analytic",
    fd_step: float = 1e-4,
    **hyperparameters: Any,
) -> dict[str, Any]:
    """What `OptimEngine.run` needs to repeat `engine.run(...)` with the same arguments
    (JSON-ready), plus what the browser needs to change it on the spot: the normalized
    schedule config (the browser computes its factors for any length, `schedulejs`) and
    the seeded noise draws for up to `steps_max` steps (the server's draws: the browser
    never makes up random numbers).

    L-BFGS has no browser form (its line search is SciPy's): `optimizer` must be
    first-order or Newton.
    """
    from optim_core import engine, schedules

    opt = spec(optimizer)
    if opt.family == "lbfgs":
        raise ValueError("L-BFGS runs on the server only")
    conv = opt.convention(convention)
    surf = engine._resolve_surface(surface, None)
    steps = engine.STEPS.validate(steps, owner="run")
    steps_max = max(steps, steps_max or steps)
    hyper = engine.validate_hyperparameters(opt, conv.name, dict(hyperparameters))
    config = schedules.normalize(schedule)
    plateau = schedules.plateau_options(config)
    draws = engine._noise(steps_max, 1, engine.SEED.validate(seed, owner="run"), True)[0]
    rule_hyper = opt.rule.Hyper._fields if opt.rule is not None else ("damping",)
    return {
        "optimizer": opt.name,
        "form": conv.form,
        "hyper": [float(hyper[name]) for name in rule_hyper],
        "lr": float(hyper.get("lr", 1.0)),
        "weightDecay": float(hyper.get("weight_decay", 0.0)),
        "decoupled": conv.decoupled_weight_decay,
        "params": list(surf.parameters),
        "start": [float(v) for v in np.broadcast_to(np.asarray(start, float), (2,))],
        "steps": steps,
        "schedule": config,
        "plateau": None if not plateau else [1.0, *(plateau[k] for k in PLATEAU_KEYS)],
        "noise": draws.ravel().tolist(),
        "noiseSigma": float(engine.NOISE.validate(noise, owner="run")),
        "noiseRelative": noise_mode == "relative",
        "fdStep": float(fd_step) if gradient == "numerical" else 0.0,
        "escapeRadius": surf.escape_radius,
    }
