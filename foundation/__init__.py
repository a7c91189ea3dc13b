"""The bottom layer: typed parameters and the one error type every entry point raises.

It imports nothing of ours, so every other package may import it.
"""

from foundation.params import Param, ParameterError

__all__ = ["Param", "ParameterError"]
