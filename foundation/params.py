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


# The longest value or name a message echoes: a 250 KB label or a 5,000-digit integer
# comes back as its first characters and "…".
MAX_ECHO_CHARS = 80


def shorten(text: str, limit: int = MAX_ECHO_CHARS) -> str:
    """`text` cut to `limit` characters, "…" marking the cut.

    >>> shorten("x" * 100, 10)
    'xxxxxxxxx…'
    """
    return text if len(text) <= limit else text[: limit - 1] + "…"


def value_repr(value: Any, limit: int = MAX_ECHO_CHARS) -> str:
    """`repr(value)`, shortened; safe for integers past Python's 4,300-digit repr limit.

    >>> value_repr(10**5000)
    'an integer of 5001 digits'
    """
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 14_000:
        return f"an integer of {_digits(value)} digits"
    try:
        text = repr(value)
    except Exception:  # a hostile object's own __repr__: name its type instead
        text = f"<{type(value).__name__}>"
    return shorten(text, limit)


def _digits(value: int) -> int:
    """Decimal digits of a huge integer without converting it to text."""
    digits = int(abs(value).bit_length() * math.log10(2)) + 1
    return digits if abs(value) >= 10 ** (digits - 1) else digits - 1


class ParameterError(ValueError):
    """A value outside its documented range; `name`, `value` and `allowed` say which.

    The message echoes the value shortened (`value_text`), never a whole 250 KB string.
    """

    def __init__(self, name: str, value: Any, allowed: str, owner: str = "") -> None:
        self.name, self.value, self.allowed, self.owner = name, value, allowed, owner
        self.value_text = value_repr(value)
        where = f"{shorten(str(owner))}: " if owner else ""
        super().__init__(f"{where}{shorten(str(name))} must be {allowed} (got {self.value_text})")


def real_array(value: Any) -> np.ndarray | None:
    """`value` as a float64 array when it is a real number or an array of real numbers;
    None for booleans, complex numbers, masked, ragged or non-numeric values.  Values past
    the float range (an integer of 400 digits, a long double of 1e4000) become ±inf,
    which every range check rejects, without an overflow warning.

    >>> real_array(3).tolist(), real_array([1, 2.5]).tolist(), real_array(10**400).tolist()
    (3.0, [1.0, 2.5], inf)
    >>> real_array(1 + 0j) is None, real_array(True) is None, real_array([[1], [2, 3]]) is None
    (True, True, True)
    """
    if isinstance(value, np.ma.MaskedArray):
        return None
    if isinstance(value, (list, tuple)) and not _only_real_items(value):
        return None
    try:
        raw = np.asarray(value)
    except (TypeError, ValueError, OverflowError):
        return None
    kind = raw.dtype.kind
    if kind in "iuf":
        with np.errstate(over="ignore", invalid="ignore"):
            return raw.astype(np.float64, copy=False)
    if kind == "O":
        return _object_reals(raw)
    if kind == "U" and raw.ndim == 0:  # a number spelled as text (command-line arguments)
        try:
            return np.asarray(float(raw.item()), dtype=np.float64)
        except (ValueError, OverflowError, UnicodeDecodeError):
            return None
    return None  # bool, complex, datetime, arrays of text, records


def _only_real_items(items: Any, depth: int = 0) -> bool:
    for item in items:
        if isinstance(item, (list, tuple)):
            if depth > 2 or not _only_real_items(item, depth + 1):
                return False
        elif isinstance(
            item, (bool, np.bool_, complex, np.complexfloating, str, bytes, np.ma.MaskedArray)
        ):
            return False
    return True


def _object_reals(raw: np.ndarray) -> np.ndarray | None:
    """An object array (Python integers past int64, mixed objects) as floats, or None."""
    out = np.empty(raw.shape, dtype=np.float64)
    for index, item in np.ndenumerate(raw):
        if isinstance(item, (bool, np.bool_)) or not isinstance(
            item, (int, float, np.integer, np.floating)
        ):
            return None
        try:
            out[index] = float(item)
        except OverflowError:
            out[index] = math.inf if item > 0 else -math.inf
    return out


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
        arr = real_array(value)
        if arr is None:
            raise fail()
        if self.kind == "int":
            if arr.ndim != 0:
                raise fail()
            as_float = float(arr)
            if not math.isfinite(as_float) or as_float != int(as_float):
                raise fail()
            if not self._in_range(arr):
                raise fail()
            return int(as_float)
        if self.kind == "floats":
            if arr.ndim != 1 or not self._in_range(arr):
                raise fail()
            return tuple(float(v) for v in arr)
        if arr.ndim > 1 or arr.size == 0 or not self._in_range(arr):
            raise fail()
        return float(arr) if arr.ndim == 0 else arr

    def validate_one(self, value: Any, owner: str = "") -> Any:
        """`validate` for a parameter that takes one number, never a batch."""
        checked = self.validate(value, owner)
        if isinstance(checked, np.ndarray):
            raise ParameterError(self.name, value, "a single number " + self.allowed(), owner)
        return checked


def _fmt(x: float) -> str:
    return f"{x:g}"
