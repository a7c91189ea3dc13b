"""`Param` and `ParameterError`, defined in `foundation.params` (the bottom layer)."""

from foundation.params import Param, ParameterError

__all__ = ["Param", "ParameterError"]
