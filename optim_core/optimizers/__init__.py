"""One module per optimizer, in teaching order: each holds the whole definition.

Adding an optimizer is one module here (its `State`, `Hyper`, `Shown`, `init`, `update`,
parameters, conventions and `SPEC`), its name in `TEACHING_ORDER`, and its golden data;
`python -m optim_core.codegen` then regenerates the compiled loops.
"""

from __future__ import annotations

TEACHING_ORDER = (
    "sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adadelta", "adam", "amsgrad",
    "adamw", "adamax", "nadam", "newton", "lbfgs",
)  # fmt: skip
