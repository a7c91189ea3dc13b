"""Two-dimensional test surfaces with exact value, gradient and Hessian.

>>> import surfaces
>>> s = surfaces.get("bowl")
>>> s.grad([[-7.0, 2.0]]).tolist()
[[-0.7000000000000001, 4.0]]
>>> [p.xy for p in surfaces.get("himmelblau").minima][:1]
[(3.0, 2.0)]
>>> surfaces.from_formula("x^2/20 + y^2").grad([[-7.0, 2.0]]).tolist()  # typed: the same
[[-0.7000000000000001, 4.0]]
"""

from __future__ import annotations

from functools import lru_cache

from foundation.params import ParameterError, real_array
from surfaces.catalog import SURFACES
from surfaces.core import FORMULA, CriticalPoint, Surface, SurfaceDef, bind

__all__ = [
    "FORMULA",
    "CriticalPoint",
    "Surface",
    "SurfaceDef",
    "definition",
    "from_formula",
    "get",
    "names",
]


def names() -> list[str]:
    """Every built-in surface name."""
    return list(SURFACES)


def definition(name: str) -> SurfaceDef:
    """The unbound definition of a built-in surface (its parameters, domain, lesson)."""
    try:
        return SURFACES[name]
    except (KeyError, TypeError):
        raise ParameterError("surface", name, "one of " + ", ".join(SURFACES)) from None


def get(name: str | Surface, **params: float) -> Surface:
    """A surface by name with optional parameters (`get("rosenbrock", b=10)`).

    A `Surface` object passes through unchanged, so custom surfaces plug in anywhere a
    name does.
    """
    if isinstance(name, Surface):
        if params:
            return bind(name.definition, {**name.param_values, **params})
        return name
    numbers = {}
    for key, value in params.items():
        number = real_array(value)
        if number is None or number.ndim != 0:
            raise ParameterError(key, value, "a single number", str(name))
        numbers[key] = float(number)  # ±inf past the float range: `bind` rejects it
    return _get_cached(name, tuple(sorted(numbers.items())))


@lru_cache(maxsize=64)
def _get_cached(name: str, params: tuple[tuple[str, float], ...]) -> Surface:
    return bind(definition(name), dict(params))


def from_formula(
    text: str, *, domain=None, start=None, name: str | None = None, **params: float
) -> Surface:
    """A surface typed as f(x, y): exact gradient and Hessian, a parameter for every free
    name other than x and y; accepted wherever a surface is (`surfaces.formula`)."""
    from surfaces.formula import from_formula as build  # the parser loads on first use

    return build(text, domain=domain, start=start, name=name, **params)
