"""Typed, validated parameters shared by optimizers, schedules and surfaces.

One `Param` describes a knob once: its default, the range the engine accepts, the range
and scale the UI offers, and the help text.  Validation happens where a run is built and
fails with a message that names the parameter, the value and the allowed range, as
``torch.optim.Adam.__init__`` does.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

ParamKind = Literal["float", "int", "bool", "choice", "floats"]


class ParameterError(ValueError):
    """A value outside its documented range; `name`, `value` and `allowed` say which."""

    def __init__(self, name: str, value: Any, allowed: str, owner: str = "") -> None:
        self.name, self.value, self.allowed, self.owner = name, value, allowed, owner
        where = f"{owner}: " if owner else ""
        super().__init__(f"{where}{name} must be {allowed} (got {value!r})")


@dataclass(frozen=True)
class Param:
    """One hyperparameter: engine range, UI range and scale, help text.

    `low`/`high` bound what the engine accepts (`None` = unbounded); `low_open`/`high_open`
    exclude the bound itself.  `ui_low`/`ui_high` bound the slider, `log` puts it on a log
    scale.  `kind="floats"` is a list of numbers (piecewise boundaries, for instance).
    """

    name: str
    default: Any
    help: str
    symbol: str = ""
    kind: ParamKind = "float"
    low: float | None = None
    high: float | None = None
    low_open: bool = False
    high_open: bool = False
    log: bool = False
    ui_low: float | None = None
    ui_high: float | None = None
    choices: tuple[str, ...] = ()

    def allowed(self) -> str:
        """The accepted range in interval notation, for messages and help text."""
        if self.kind == "bool":
            return "true or false"
        if self.kind == "choice":
            return "one of " + ", ".join(repr(c) for c in self.choices)
        lo = "-inf" if self.low is None else _fmt(self.low)
        hi = "inf" if self.high is None else _fmt(self.high)
        left = "(" if (self.low is None or self.low_open) else "["
        right = ")" if (self.high is None or self.high_open) else "]"
        prefix = "an integer in " if self.kind == "int" else "in "
        if self.kind == "floats":
            prefix = "a list of numbers in "
        return f"{prefix}{left}{lo}, {hi}{right}"

    def _in_range(self, x: np.ndarray) -> bool:
        if x.ndim == 0:  # one number (the common case): no array operations
            return self._scalar_in_range(float(x))
        ok = np.isfinite(x) if self.high is None or math.isfinite(self.high) else ~np.isnan(x)
        if self.low is not None:
            ok &= (x > self.low) if self.low_open else (x >= self.low)
        if self.high is not None:
            ok &= (x < self.high) if self.high_open else (x <= self.high)
        return bool(np.all(ok))

    def _scalar_in_range(self, x: float) -> bool:
        if math.isnan(x) or (math.isinf(x) and (self.high is None or math.isfinite(self.high))):
            return False
        if self.low is not None and not (x > self.low if self.low_open else x >= self.low):
            return False
        return self.high is None or (x < self.high if self.high_open else x <= self.high)

    def validate(self, value: Any, owner: str = "") -> Any:
        """Return `value` coerced to this parameter's type, or raise `ParameterError`.

        Floats may be scalars or 1-D arrays (a batch); the result is a float or a float64
        array.

        >>> Param("lr", 0.01, "step size", low=0.0).validate(0.1)
        0.1
        >>> Param("eps", 1e-8, "", low=0.0).validate(-1.0)
        Traceback (most recent call last):
        ...
        foundation.params.ParameterError: eps must be in [0, inf) (got -1.0)
        """

        def fail() -> ParameterError:  # built only when needed: validation is on every run
            return ParameterError(self.name, value, self.allowed(), owner)

        if self.kind == "bool":
            if isinstance(value, (bool, np.bool_)):
                return bool(value)
            raise fail()
        if self.kind == "choice":
            if isinstance(value, str) and value in self.choices:
                return value
            raise fail()
        if self.kind == "int":
            if isinstance(value, bool):
                raise fail()
            try:
                as_float = float(value)
            except (TypeError, ValueError):
                raise fail() from None
            if not math.isfinite(as_float) or as_float != int(as_float):
                raise fail()
            if not self._in_range(np.asarray(as_float)):
                raise fail()
            return int(as_float)
        try:
            arr = np.asarray(value, dtype=np.float64)
        except (TypeError, ValueError):
            raise fail() from None
        if self.kind == "floats":
            if arr.ndim != 1 or not self._in_range(arr):
                raise fail()
            return tuple(float(v) for v in arr)
        if arr.ndim > 1 or arr.size == 0 or not self._in_range(arr):
            raise fail()
        return float(arr) if arr.ndim == 0 else arr


def _fmt(x: float) -> str:
    return f"{x:g}"
