"""What an optimizer definition is made of, and the LaTeX derived from its update rule.

Each module in `optim_core.optimizers` defines one optimizer: a `State` record in the
paper's symbols, a `Hyper` record of its hyperparameters, `init` and `update` written once
with `optim_core.ops` (so the same function steps NumPy arrays of any shape, runs compiled
in the engine's loop and is traced by SymPy), its `Param`s, its conventions and the
reference each reproduces.  The LaTeX a student reads is derived here by tracing `update`
with symbols, so the page can never disagree with the code that runs.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import cached_property
from types import ModuleType
from typing import Any, Literal

from foundation.params import Param, ParameterError

Family = Literal["first_order", "newton", "lbfgs"]
# Where a convention's form comes from, by key: the libraries and books a lecturer names.
LIBRARIES = {
    "torch": "PyTorch (torch.optim)",
    "keras": "Keras 3",
    "optax": "optax",
    "dlfs": "Deep Learning from Scratch",
    "d2l": "Dive into Deep Learning",
    "homl": "Hands-On Machine Learning",
}


@dataclass(frozen=True)
class Convention:
    """One published form of an update rule.

    `form` selects the branch of the definition's `update` that computes it; `libraries`
    names every library and book whose own code it reproduces (pinned by golden files);
    `defaults` overrides hyperparameter defaults under this form (Deep Learning from
    Scratch hard-codes ε = 1e-7, for instance); `note` says where it parts from the first;
    `decoupled_weight_decay` says weight decay shrinks θ directly (Keras) instead of
    entering the gradient (torch.optim's L2).
    """

    name: str
    title: str
    form: int
    libraries: tuple[str, ...]
    reference: str
    defaults: dict[str, float] = field(default_factory=dict)
    note: str = ""
    # Keras decays θ itself, θ ← θ − θλη before the step, for every optimizer; torch.optim
    # adds λθ to the gradient (L2).  True for the forms whose weight decay is Keras's.
    decoupled_weight_decay: bool = False
    # The displayed rule: derived from the update (first-order methods) or written out
    # where the method is not an elementwise rule (Newton, L-BFGS).
    latex_text: str = ""
    derive_latex: Callable[[Convention], str] | None = field(
        default=None, repr=False, compare=False
    )

    @cached_property
    def latex(self) -> str:
        """The update rule as LaTeX (an `aligned` block), derived from the code."""
        if self.derive_latex is not None:
            return self.derive_latex(self)
        return self.latex_text


@dataclass(frozen=True)
class StateSlot:
    """A per-step vector the engine records, e.g. Adam's first moment `m`."""

    name: str
    symbol: str
    help: str


@dataclass(frozen=True)
class Card:
    """The plain-language summary a student reads next to the controls."""

    idea: str
    fixes: str
    fails: str


@dataclass(frozen=True)
class OptimizerSpec:
    """Everything the engine, the UI, the docs and the tests know about one optimizer.

    For first-order methods `rule` is the definition module (`State`, `Hyper`, `Shown`,
    `init`, `update`, optionally `gradient_point`); the recorded `state` slots are derived
    from it: the gradient, the state fields in the paper's symbols, what `update` shows,
    and the update actually taken.
    """

    name: str
    title: str
    family: Family
    params: tuple[Param, ...]
    conventions: tuple[Convention, ...]
    state: tuple[StateSlot, ...]
    card: Card
    rule: ModuleType | None = field(default=None, repr=False, compare=False)

    def param(self, name: str) -> Param:
        for p in self.params:
            if p.name == name:
                return p
        raise KeyError(name)

    def convention(self, name: str | None = None) -> Convention:
        """The named convention; `None` gives the default (torch.optim) form."""
        if name is None:
            return self.conventions[0]
        for c in self.conventions:
            if c.name == name:
                return c
        allowed = "one of " + ", ".join(repr(c.name) for c in self.conventions)
        raise ParameterError("convention", name, allowed, self.name)

    def convention_for(self, library: str) -> Convention:
        """The convention that reproduces `library`'s own code (a key of `LIBRARIES`)."""
        for c in self.conventions:
            if library in c.libraries:
                return c
        having = sorted({lib for c in self.conventions for lib in c.libraries})
        raise ParameterError("library", library, "one of " + ", ".join(having), self.name)

    def defaults(self, convention: str | None = None) -> dict[str, object]:
        """Hyperparameter defaults under `convention`."""
        values = {p.name: p.default for p in self.params}
        values.update(self.convention(convention).defaults)
        return values

    @property
    def latex(self) -> str:
        return self.conventions[0].latex

    @property
    def reference(self) -> str:
        return self.conventions[0].reference


# --- recorded slots, derived from the definition -----------------------------------------

GRADIENT_SLOT = StateSlot(
    "g", "g_t", "The gradient the optimizer received (after noise and weight decay)."
)
UPDATE_SLOT = StateSlot("update", r"\Delta\theta_t", "The step actually taken: θ_t − θ_{t−1}.")


def recorded_slots(rule: ModuleType) -> tuple[StateSlot, ...]:
    """g, the state fields a student reads (not bookkeeping), what `update` shows, Δθ."""
    slots = [GRADIENT_SLOT]
    for name in (*rule.State._fields, *rule.Shown._fields):
        if name in rule.BOOKKEEPING:
            continue
        symbol, help_text = rule.SYMBOLS[name][-1], rule.HELP[name]
        slots.append(StateSlot(name, symbol, help_text))
    slots.append(UPDATE_SLOT)
    return tuple(slots)


# --- LaTeX by tracing the update with SymPy symbols ---------------------------------------

_trace = threading.local()


def record_line(key: str, value: Any, shown: bool) -> Any:
    """Called by `ops.named` during a trace: keep `key = value` as a line, return its symbol."""
    import sympy

    symbol = sympy.Symbol(_trace.symbols[key][-1])
    _trace.lines.append((symbol, value, shown))
    return symbol


def trace(
    rule: ModuleType, form: int, decoupled_weight_decay: bool = False
) -> list[tuple[Any, Any, bool]]:
    """The update of `rule` under `form` as (symbol, SymPy expression, shown) lines in the
    order the code computes them, θ_t last; bookkeeping lines (β₁ᵗ) are not shown.  With
    decoupled weight decay the engine shrinks θ before the update, θ' = θ − ηλθ, and the
    update starts from θ'."""
    import sympy

    symbols = rule.SYMBOLS
    state = rule.State(*(sympy.Symbol(symbols[name][0]) for name in rule.State._fields))
    hyper = rule.Hyper(*(sympy.Symbol(symbols[name][0]) for name in rule.Hyper._fields))
    g, theta, lr = (sympy.Symbol(s) for s in ("g_t", r"\theta_{t-1}", r"\eta"))
    _trace.lines, _trace.symbols = [], symbols
    if form in getattr(rule, "PROBED_FORMS", ()):  # the gradient is taken elsewhere than θ
        point = sympy.latex(rule.gradient_point(theta, state, hyper, form), order="old")
        _trace.lines.append((g, sympy.Symbol(rf"\nabla f\left({point}\right)"), True))
    if decoupled_weight_decay:
        decayed = sympy.Symbol(r"\theta'_{t}")
        _trace.lines.append((decayed, theta - lr * sympy.Symbol(r"\lambda") * theta, True))
        theta = decayed
    try:
        new_theta, _, _ = rule.update(g, state, theta, lr, hyper, form)
        lines = _trace.lines
    finally:
        del _trace.lines, _trace.symbols
    return [*lines, (sympy.Symbol(r"\theta_t"), new_theta, True)]


def rule_latex(rule: ModuleType, form: int, decoupled_weight_decay: bool = False) -> str:
    """The displayed rule: one aligned line per named quantity, then θ_t."""
    import sympy

    rows = [
        f"{sympy.latex(symbol)} &= {sympy.latex(value, order='old')}"
        for symbol, value, shown in trace(rule, form, decoupled_weight_decay)
        if shown
    ]
    return "\\begin{aligned}\n" + " \\\\\n".join(rows) + "\n\\end{aligned}"


def first_order(
    rule: ModuleType,
    *,
    name: str,
    title: str,
    params: tuple[Param, ...],
    conventions: tuple[Convention, ...],
    card: Card,
) -> OptimizerSpec:
    """An `OptimizerSpec` whose LaTeX and recorded slots are derived from `rule`."""

    def derive(convention: Convention) -> str:
        return rule_latex(rule, convention.form, convention.decoupled_weight_decay)

    derived = tuple(
        replace(c, derive_latex=derive) if c.derive_latex is None else c for c in conventions
    )
    return OptimizerSpec(
        name=name,
        title=title,
        family="first_order",
        params=params,
        conventions=derived,
        state=recorded_slots(rule),
        card=card,
        rule=rule,
    )
