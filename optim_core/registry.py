"""The optimizer registry: one entry per optimizer drives the engine, the UI and the tests.

Each entry lists its hyperparameters (`Param`, with torch.optim names and defaults), its
update conventions (the default one matches torch.optim step for step; the others are the
textbook forms a lecturer may need to reproduce a figure), the LaTeX of every update rule
(the app renders exactly this text), the state it exposes per step, and a plain-language card.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from optim_core.params import Param, ParameterError

Family = Literal["first_order", "newton", "lbfgs"]


@dataclass(frozen=True)
class Convention:
    """One published form of an update rule.

    `defaults` overrides hyperparameter defaults under this form (Deep Learning from
    Scratch hard-codes eps = 1e-7, for instance); `note` says where it parts from the
    default form.
    """

    name: str
    title: str
    reference: str
    latex: str
    defaults: dict[str, float] = field(default_factory=dict)
    note: str = ""


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
    name: str
    title: str
    family: Family
    params: tuple[Param, ...]
    conventions: tuple[Convention, ...]
    state: tuple[StateSlot, ...]
    card: Card

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


# --- shared hyperparameters -------------------------------------------------------------


def _lr(default: float, ui_high: float = 10.0) -> Param:
    return Param(
        "lr",
        default,
        "Learning rate: how far each update moves along its direction. Too small crawls, "
        "too large overshoots or diverges.",
        symbol=r"\eta",
        low=0.0,
        log=True,
        ui_low=1e-4,
        ui_high=ui_high,
    )


def _eps(default: float) -> Param:
    return Param(
        "eps",
        default,
        "Small constant added to the denominator so the step stays finite where the "
        "gradient history is zero; larger values damp the adaptive scaling.",
        symbol=r"\epsilon",
        low=0.0,
        log=True,
        ui_low=1e-12,
        ui_high=1.0,
    )


def _beta(name: str, default: float, symbol: str, help_text: str) -> Param:
    return Param(
        name,
        default,
        help_text,
        symbol=symbol,
        low=0.0,
        high=1.0,
        high_open=True,
        ui_low=0.0,
        ui_high=0.999,
    )


WEIGHT_DECAY = Param(
    "weight_decay",
    0.0,
    "L2 penalty added to the gradient (λθ): pulls the parameters towards the origin.",
    symbol=r"\lambda",
    low=0.0,
    ui_low=0.0,
    ui_high=1.0,
)
MOMENTUM = _beta(
    "momentum",
    0.9,
    r"\mu",
    "Momentum: the fraction of the previous velocity kept each step. Higher values roll "
    "further through flat regions and overshoot more in narrow valleys.",
)
BETA1 = _beta(
    "beta1",
    0.9,
    r"\beta_1",
    "Decay of the running average of gradients (first moment): like momentum.",
)
BETA2 = _beta(
    "beta2",
    0.999,
    r"\beta_2",
    "Decay of the running average of squared gradients (second moment): how long the "
    "per-coordinate scale remembers.",
)
ALPHA = _beta(
    "alpha",
    0.99,
    r"\alpha",
    "Decay of the running average of squared gradients: smaller forgets faster.",
)

G, UPDATE = (
    StateSlot(
        "g",
        "g_t",
        "The gradient the optimizer received (after noise and weight decay).",
    ),
    StateSlot("update", r"\Delta\theta_t", "The step actually taken: θ_t − θ_{t−1}."),
)
STEP_SIZE = StateSlot(
    "step_size",
    r"\eta_{\mathrm{eff}}",
    "Effective per-coordinate step size: the factor that multiplies the gradient (or the "
    "first moment) in this step, e.g. η/(√v̂+ε) for Adam.",
)


def _adam_state(extra: tuple[StateSlot, ...] = ()) -> tuple[StateSlot, ...]:
    return (
        G,
        StateSlot("m", "m_t", "Running average of gradients (first moment)."),
        StateSlot("v", "v_t", "Running average of squared gradients (second moment)."),
        *extra,
        StateSlot("m_hat", r"\hat m_t", "Bias-corrected first moment m/(1−β₁ᵗ)."),
        StateSlot("v_hat", r"\hat v_t", "Bias-corrected second moment v/(1−β₂ᵗ)."),
        STEP_SIZE,
        UPDATE,
    )


ADAM_TORCH = r"""\begin{aligned}
m_t &= \beta_1 m_{t-1} + (1-\beta_1)\, g_t \\
v_t &= \beta_2 v_{t-1} + (1-\beta_2)\, g_t^2 \\
\hat m_t &= \frac{m_t}{1-\beta_1^t},\quad \hat v_t = \frac{v_t}{1-\beta_2^t} \\
\theta_t &= \theta_{t-1} - \eta\, \frac{\hat m_t}{\sqrt{\hat v_t} + \epsilon}
\end{aligned}"""

_CARD_ADAM = Card(
    idea="Momentum on the gradient plus an RMSProp-style per-coordinate scale, with bias "
    "correction so the first steps are not tiny.",
    fixes="Works out of the box on badly scaled problems: the first step is about η in "
    "every coordinate, whatever the gradient's size.",
    fails="Can settle in a worse solution than plain or Nesterov momentum SGD on some "
    "problems and may not converge at all without a decaying rate (AMSGrad's motivation).",
)

OPTIMIZERS: dict[str, OptimizerSpec] = {}


def _register(spec: OptimizerSpec) -> None:
    OPTIMIZERS[spec.name] = spec


_register(
    OptimizerSpec(
        name="sgd",
        title="SGD",
        family="first_order",
        params=(_lr(1e-3), WEIGHT_DECAY),
        conventions=(
            Convention(
                "torch",
                "torch.optim",
                "torch.optim.SGD (momentum=0); Deep Learning from Scratch ch. 6 `SGD`",
                r"\theta_t = \theta_{t-1} - \eta\, g_t",
            ),
        ),
        state=(G, STEP_SIZE, UPDATE),
        card=Card(
            idea="Step straight downhill, a fixed fraction η of the gradient.",
            fixes="The baseline: simple, cheap, and with a small enough rate it converges "
            "well on smooth problems.",
            fails="Slow: zig-zags across narrow valleys (the x²/20 + y² bowl) because the "
            "steep direction limits η, and crawls along the flat one.",
        ),
    )
)

_register(
    OptimizerSpec(
        name="momentum",
        title="Momentum",
        family="first_order",
        params=(_lr(1e-3), MOMENTUM, WEIGHT_DECAY),
        conventions=(
            Convention(
                "torch",
                "torch.optim (buffer)",
                "torch.optim.SGD(momentum=μ, dampening=0); Dive into Deep Learning §12.6",
                r"""\begin{aligned}
b_t &= \mu\, b_{t-1} + g_t \\
\theta_t &= \theta_{t-1} - \eta\, b_t
\end{aligned}""",
            ),
            Convention(
                "velocity",
                "Textbook velocity form",
                "Hands-On ML eq. 11-4; Deep Learning from Scratch ch. 6 `Momentum`; Keras SGD",
                r"""\begin{aligned}
v_t &= \mu\, v_{t-1} - \eta\, g_t \\
\theta_t &= \theta_{t-1} + v_t
\end{aligned}""",
                note="Same path as the torch form at a constant learning rate (v = −ηb); "
                "under a schedule they part: torch rescales the whole buffer by today's η, "
                "the velocity form only the newest gradient.",
            ),
            Convention(
                "ema",
                "Exponential moving average",
                "EMA form (Ng, Deep Learning Specialization); optax.sgd with an EMA trace",
                r"""\begin{aligned}
m_t &= \mu\, m_{t-1} + (1-\mu)\, g_t \\
\theta_t &= \theta_{t-1} - \eta\, m_t
\end{aligned}""",
                note="Equals the torch form with η scaled by (1 − μ).",
            ),
        ),
        state=(
            G,
            StateSlot("velocity", "v_t", "The momentum buffer, in this convention's meaning."),
            STEP_SIZE,
            UPDATE,
        ),
        card=Card(
            idea="A heavy ball: keep a running velocity and let gradients accelerate it.",
            fixes="Builds speed along consistent directions and cancels the zig-zag across "
            "narrow valleys.",
            fails="Overshoots: with μ near 1 it sails past the minimum and spirals in.",
        ),
    )
)

_register(
    OptimizerSpec(
        name="nesterov",
        title="Nesterov (NAG)",
        family="first_order",
        params=(_lr(1e-3), MOMENTUM, WEIGHT_DECAY),
        conventions=(
            Convention(
                "torch",
                "torch.optim (Sutskever form)",
                "torch.optim.SGD(momentum=μ, nesterov=True)",
                r"""\begin{aligned}
b_t &= \mu\, b_{t-1} + g_t \\
\theta_t &= \theta_{t-1} - \eta\,(g_t + \mu\, b_t)
\end{aligned}""",
            ),
            Convention(
                "lookahead",
                "Look-ahead gradient",
                "Hands-On ML eq. 11-5; CS231n; Nesterov (1983)",
                r"""\begin{aligned}
v_t &= \mu\, v_{t-1} - \eta\, \nabla f(\theta_{t-1} + \mu\, v_{t-1}) \\
\theta_t &= \theta_{t-1} + v_t
\end{aligned}""",
                note="Evaluates the gradient at the look-ahead point; the torch form is "
                "the same method rewritten for the look-ahead variable, so the two paths "
                "differ by that shift.",
            ),
        ),
        state=(
            G,
            StateSlot("velocity", "v_t", "The momentum buffer, in this convention's meaning."),
            STEP_SIZE,
            UPDATE,
        ),
        card=Card(
            idea="Momentum that looks before it leaps: the gradient is taken where the "
            "velocity is about to carry the parameters.",
            fixes="Brakes earlier than plain momentum, so it overshoots less and often "
            "converges faster.",
            fails="Still a single global learning rate: badly scaled coordinates stay slow.",
        ),
    )
)

_register(
    OptimizerSpec(
        name="adagrad",
        title="AdaGrad",
        family="first_order",
        params=(
            _lr(1e-2),
            Param(
                "lr_decay",
                0.0,
                "torch's learning-rate decay: η/(1 + (t−1)·decay).",
                symbol=r"\delta",
                low=0.0,
                ui_low=0.0,
                ui_high=1.0,
            ),
            WEIGHT_DECAY,
            Param(
                "initial_accumulator_value",
                0.0,
                "Starting value of the sum of squared gradients (Keras uses 0.1).",
                symbol=r"s_0",
                low=0.0,
                ui_low=0.0,
                ui_high=1.0,
            ),
            _eps(1e-10),
        ),
        conventions=(
            Convention(
                "torch",
                "torch.optim",
                "torch.optim.Adagrad",
                r"""\begin{aligned}
s_t &= s_{t-1} + g_t^2 \\
\theta_t &= \theta_{t-1} - \frac{\eta}{1+(t-1)\delta}\, \frac{g_t}{\sqrt{s_t} + \epsilon}
\end{aligned}""",
            ),
            Convention(
                "dlfs",
                "Deep Learning from Scratch",
                "Deep Learning from Scratch ch. 6 `AdaGrad` (h += g², ε = 1e-7)",
                r"""\begin{aligned}
h_t &= h_{t-1} + g_t^2 \\
\theta_t &= \theta_{t-1} - \eta\, \frac{g_t}{\sqrt{h_t} + 10^{-7}}
\end{aligned}""",
                defaults={"eps": 1e-7},
                note="The torch formula with ε = 1e-7 (and no learning-rate decay).",
            ),
            Convention(
                "eps_inside",
                "ε inside the root",
                "Dive into Deep Learning §12.7 (ε = 1e-6); Hands-On ML eq. 11-6",
                r"""\begin{aligned}
s_t &= s_{t-1} + g_t^2 \\
\theta_t &= \theta_{t-1} - \eta\, \frac{g_t}{\sqrt{s_t + \epsilon}}
\end{aligned}""",
                defaults={"eps": 1e-6},
            ),
        ),
        state=(
            G,
            StateSlot("sum_sq", "s_t", "Sum of all squared gradients so far (never shrinks)."),
            STEP_SIZE,
            UPDATE,
        ),
        card=Card(
            idea="Give every coordinate its own learning rate: divide by the root of the sum "
            "of all its past squared gradients.",
            fixes="Steep coordinates get small steps and flat ones large steps, so the "
            "anisotropic bowl is no longer a zig-zag.",
            fails="The sum only grows, so the steps shrink towards zero and it can stop "
            "before reaching the minimum.",
        ),
    )
)

_register(
    OptimizerSpec(
        name="rmsprop",
        title="RMSProp",
        family="first_order",
        params=(_lr(1e-2), ALPHA, _eps(1e-8), WEIGHT_DECAY),
        conventions=(
            Convention(
                "torch",
                "torch.optim",
                "torch.optim.RMSprop (centered=False, momentum=0)",
                r"""\begin{aligned}
v_t &= \alpha\, v_{t-1} + (1-\alpha)\, g_t^2 \\
\theta_t &= \theta_{t-1} - \eta\, \frac{g_t}{\sqrt{v_t} + \epsilon}
\end{aligned}""",
            ),
            Convention(
                "eps_inside",
                "ε inside the root",
                "Dive into Deep Learning §12.8 (γ = 0.9, ε = 1e-6); Hands-On ML eq. 11-7",
                r"""\begin{aligned}
s_t &= \gamma\, s_{t-1} + (1-\gamma)\, g_t^2 \\
\theta_t &= \theta_{t-1} - \eta\, \frac{g_t}{\sqrt{s_t + \epsilon}}
\end{aligned}""",
                defaults={"alpha": 0.9, "eps": 1e-6},
            ),
        ),
        state=(
            G,
            StateSlot("v", "v_t", "Running average of squared gradients."),
            STEP_SIZE,
            UPDATE,
        ),
        card=Card(
            idea="AdaGrad with a memory that fades: a running average of squared gradients "
            "instead of their sum.",
            fixes="Keeps AdaGrad's per-coordinate scaling without the steps dying out.",
            fails="No momentum and no bias correction: the first steps are large (v starts "
            "at 0) and it can hover around the minimum.",
        ),
    )
)

_register(
    OptimizerSpec(
        name="adadelta",
        title="AdaDelta",
        family="first_order",
        params=(
            _lr(1.0),
            _beta("rho", 0.9, r"\rho", "Decay of both running averages."),
            _eps(1e-6),
            WEIGHT_DECAY,
        ),
        conventions=(
            Convention(
                "torch",
                "torch.optim",
                "torch.optim.Adadelta; Zeiler (2012) with η = 1",
                r"""\begin{aligned}
v_t &= \rho\, v_{t-1} + (1-\rho)\, g_t^2 \\
\Delta_t &= \frac{\sqrt{u_{t-1} + \epsilon}}{\sqrt{v_t + \epsilon}}\, g_t \\
u_t &= \rho\, u_{t-1} + (1-\rho)\, \Delta_t^2 \\
\theta_t &= \theta_{t-1} - \eta\, \Delta_t
\end{aligned}""",
            ),
        ),
        state=(
            G,
            StateSlot("v", "v_t", "Running average of squared gradients."),
            StateSlot("u", "u_t", "Running average of squared updates."),
            STEP_SIZE,
            UPDATE,
        ),
        card=Card(
            idea="RMSProp whose step size is itself a running average of past updates, so "
            "the units match and no learning rate is needed.",
            fixes="Removes AdaGrad's shrinking steps and the need to tune η.",
            fails="Starts very slowly: the update average begins at ε, so the first steps "
            "are about √ε.",
        ),
    )
)

_register(
    OptimizerSpec(
        name="adam",
        title="Adam",
        family="first_order",
        params=(_lr(1e-3), BETA1, BETA2, _eps(1e-8), WEIGHT_DECAY),
        conventions=(
            Convention(
                "torch",
                "torch.optim",
                "torch.optim.Adam; Kingma & Ba (2015) Alg. 1",
                ADAM_TORCH,
            ),
            Convention(
                "folded",
                "Bias correction in the step",
                "Deep Learning from Scratch ch. 6 `Adam`; Keras Adam; Kingma & Ba §2 (last "
                "paragraph)",
                r"""\begin{aligned}
m_t &= m_{t-1} + (1-\beta_1)(g_t - m_{t-1}) \\
v_t &= v_{t-1} + (1-\beta_2)(g_t^2 - v_{t-1}) \\
\eta_t &= \eta\, \frac{\sqrt{1-\beta_2^t}}{1-\beta_1^t} \\
\theta_t &= \theta_{t-1} - \eta_t\, \frac{m_t}{\sqrt{v_t} + \hat\epsilon}
\end{aligned}""",
                defaults={"eps": 1e-7},
                note="ε is added to the uncorrected root, so it acts as ε√(1−β₂ᵗ) in the "
                "torch form: the paths part visibly only when ε matters.",
            ),
            Convention(
                "eps_inside",
                "ε inside the root",
                "Hands-On ML eq. 11-8",
                r"""\begin{aligned}
m_t &= \beta_1 m_{t-1} + (1-\beta_1)\, g_t \\
s_t &= \beta_2 s_{t-1} + (1-\beta_2)\, g_t^2 \\
\hat m_t &= \frac{m_t}{1-\beta_1^t},\quad \hat s_t = \frac{s_t}{1-\beta_2^t} \\
\theta_t &= \theta_{t-1} - \eta\, \frac{\hat m_t}{\sqrt{\hat s_t + \epsilon}}
\end{aligned}""",
                defaults={"eps": 1e-7},
            ),
        ),
        state=_adam_state(),
        card=_CARD_ADAM,
    )
)

_register(
    OptimizerSpec(
        name="amsgrad",
        title="AMSGrad",
        family="first_order",
        params=(_lr(1e-3), BETA1, BETA2, _eps(1e-8), WEIGHT_DECAY),
        conventions=(
            Convention(
                "torch",
                "torch.optim",
                "torch.optim.Adam(amsgrad=True); Reddi, Kale & Kumar (2018)",
                r"""\begin{aligned}
m_t &= \beta_1 m_{t-1} + (1-\beta_1)\, g_t \\
v_t &= \beta_2 v_{t-1} + (1-\beta_2)\, g_t^2 \\
\tilde v_t &= \max(\tilde v_{t-1}, v_t) \\
\theta_t &= \theta_{t-1} - \frac{\eta}{1-\beta_1^t}\, \frac{m_t}{\sqrt{\tilde v_t/(1-\beta_2^t)} + \epsilon}
\end{aligned}""",
            ),
        ),
        state=_adam_state(
            (StateSlot("v_max", r"\tilde v_t", "Largest second moment seen so far."),)
        ),
        card=Card(
            idea="Adam that never lets its per-coordinate scale shrink: it divides by the "
            "largest second moment seen so far.",
            fixes="Repairs Adam's convergence proof: step sizes can only decrease.",
            fails="Often no better than Adam in practice, and slower when the gradient scale "
            "drops.",
        ),
    )
)

_register(
    OptimizerSpec(
        name="adamw",
        title="AdamW",
        family="first_order",
        params=(
            _lr(1e-3),
            BETA1,
            BETA2,
            _eps(1e-8),
            Param(
                "weight_decay",
                1e-2,
                "Decoupled weight decay: shrinks θ by ηλ each step, outside the adaptive scaling.",
                symbol=r"\lambda",
                low=0.0,
                ui_low=0.0,
                ui_high=1.0,
            ),
        ),
        conventions=(
            Convention(
                "torch",
                "torch.optim",
                "torch.optim.AdamW; Loshchilov & Hutter (2019)",
                r"""\begin{aligned}
\theta' &= \theta_{t-1}(1 - \eta\lambda) \\
m_t &= \beta_1 m_{t-1} + (1-\beta_1)\, g_t,\quad v_t = \beta_2 v_{t-1} + (1-\beta_2)\, g_t^2 \\
\theta_t &= \theta' - \eta\, \frac{m_t/(1-\beta_1^t)}{\sqrt{v_t/(1-\beta_2^t)} + \epsilon}
\end{aligned}""",
            ),
        ),
        state=_adam_state(),
        card=Card(
            idea="Adam with weight decay applied directly to the parameters instead of "
            "through the gradient.",
            fixes="Regularisation that is not undone by the adaptive scaling.",
            fails="On a 2-D surface the decay pulls every path towards the origin: the "
            "minimum it finds is of f + decay, not of f.",
        ),
    )
)

_register(
    OptimizerSpec(
        name="adamax",
        title="AdaMax",
        family="first_order",
        params=(_lr(2e-3), BETA1, BETA2, _eps(1e-8), WEIGHT_DECAY),
        conventions=(
            Convention(
                "torch",
                "torch.optim",
                "torch.optim.Adamax; Kingma & Ba (2015) Alg. 2",
                r"""\begin{aligned}
m_t &= \beta_1 m_{t-1} + (1-\beta_1)\, g_t \\
u_t &= \max(\beta_2 u_{t-1},\ |g_t| + \epsilon) \\
\theta_t &= \theta_{t-1} - \frac{\eta}{1-\beta_1^t}\, \frac{m_t}{u_t}
\end{aligned}""",
            ),
            Convention(
                "keras",
                "Keras",
                "Keras Adamax (ε added to u in the step)",
                r"""\begin{aligned}
m_t &= \beta_1 m_{t-1} + (1-\beta_1)\, g_t \\
u_t &= \max(\beta_2 u_{t-1},\ |g_t|) \\
\theta_t &= \theta_{t-1} - \frac{\eta}{1-\beta_1^t}\, \frac{m_t}{u_t + \epsilon}
\end{aligned}""",
                defaults={"eps": 1e-7},
            ),
        ),
        state=(
            G,
            StateSlot("m", "m_t", "Running average of gradients."),
            StateSlot("u", "u_t", "Exponentially weighted infinity norm of the gradients."),
            StateSlot("m_hat", r"\hat m_t", "Bias-corrected first moment."),
            STEP_SIZE,
            UPDATE,
        ),
        card=Card(
            idea="Adam with the root-mean-square replaced by a decaying maximum of |g|.",
            fixes="The scale cannot be dragged down by many tiny gradients: robust to "
            "sparse or noisy gradients.",
            fails="A single huge gradient keeps the steps small for a long time.",
        ),
    )
)

_register(
    OptimizerSpec(
        name="nadam",
        title="NAdam",
        family="first_order",
        params=(
            _lr(2e-3),
            BETA1,
            BETA2,
            _eps(1e-8),
            Param(
                "momentum_decay",
                4e-3,
                "ψ in torch's momentum schedule μ_t = β₁(1 − ½·0.96^{tψ}).",
                symbol=r"\psi",
                low=0.0,
                ui_low=0.0,
                ui_high=0.1,
            ),
            WEIGHT_DECAY,
        ),
        conventions=(
            Convention(
                "torch",
                "torch.optim / Keras",
                "torch.optim.NAdam; Keras Nadam; Dozat (2016) with μ-schedule",
                r"""\begin{aligned}
\mu_t &= \beta_1\big(1 - \tfrac12\, 0.96^{t\psi}\big) \\
m_t &= \beta_1 m_{t-1} + (1-\beta_1) g_t,\quad \hat v_t = \frac{\beta_2 v_{t-1} + (1-\beta_2) g_t^2}{1-\beta_2^t} \\
\theta_t &= \theta_{t-1} - \eta\, \frac{\frac{(1-\mu_t)\, g_t}{1-\prod_{i\le t}\mu_i} + \frac{\mu_{t+1}\, m_t}{1-\prod_{i\le t+1}\mu_i}}{\sqrt{\hat v_t} + \epsilon}
\end{aligned}""",
            ),
            Convention(
                "dozat",
                "Constant β₁ (Dozat, optax)",
                "Dozat (2016) simplified form; optax.nadam",
                r"""\begin{aligned}
m_t &= \beta_1 m_{t-1} + (1-\beta_1) g_t,\quad \hat v_t = \frac{\beta_2 v_{t-1} + (1-\beta_2) g_t^2}{1-\beta_2^t} \\
\bar m_t &= \frac{\beta_1 m_t}{1-\beta_1^{t+1}} + \frac{(1-\beta_1)\, g_t}{1-\beta_1^t} \\
\theta_t &= \theta_{t-1} - \eta\, \frac{\bar m_t}{\sqrt{\hat v_t} + \epsilon}
\end{aligned}""",
                note="momentum_decay is ignored: β₁ is used at every step.",
            ),
        ),
        state=(
            G,
            StateSlot("m", "m_t", "Running average of gradients."),
            StateSlot("v", "v_t", "Running average of squared gradients."),
            StateSlot(
                "m_bar",
                r"\bar m_t",
                "Nesterov-corrected first moment used in the step.",
            ),
            StateSlot("v_hat", r"\hat v_t", "Bias-corrected second moment."),
            STEP_SIZE,
            UPDATE,
        ),
        card=Card(
            idea="Adam with Nesterov's look-ahead folded into the momentum term.",
            fixes="Reacts a step earlier than Adam when the gradient turns.",
            fails="Shares Adam's failure modes; the momentum schedule makes it differ "
            "between libraries.",
        ),
    )
)

_register(
    OptimizerSpec(
        name="newton",
        title="Newton's method",
        family="newton",
        params=(
            Param(
                "lr",
                1.0,
                "Step factor: 1 is the full Newton step; smaller values damp it.",
                symbol=r"\eta",
                low=0.0,
                ui_low=0.01,
                ui_high=2.0,
            ),
            Param(
                "damping",
                0.0,
                "Levenberg damping λ added to the Hessian's diagonal: large λ turns Newton "
                "into gradient descent with step η/λ.",
                symbol=r"\lambda",
                low=0.0,
                ui_low=0.0,
                ui_high=10.0,
            ),
        ),
        conventions=(
            Convention(
                "newton",
                "Damped Newton",
                "Newton's method with Levenberg damping (Nocedal & Wright, Numerical "
                "Optimization, §3.3)",
                r"\theta_t = \theta_{t-1} - \eta\, \big(\nabla^2 f(\theta_{t-1}) + \lambda I\big)^{-1} \nabla f(\theta_{t-1})",
                note="Pure Newton (η = 1, λ = 0) jumps to the nearest stationary point, "
                "saddle points included.",
            ),
        ),
        state=(
            G,
            StateSlot("newton_step", r"H^{-1}g", "The Newton direction (H + λI)⁻¹g."),
            UPDATE,
        ),
        card=Card(
            idea="Fit a quadratic to the surface at the current point and jump to its "
            "stationary point.",
            fixes="Exact in one step on a quadratic bowl, however badly scaled.",
            fails="Needs the Hessian, and is attracted to saddle points and maxima: on x² − "
            "y² it jumps straight onto the saddle.",
        ),
    )
)

_register(
    OptimizerSpec(
        name="lbfgs",
        title="L-BFGS",
        family="lbfgs",
        params=(
            Param(
                "history_size",
                10,
                "How many past (step, gradient-change) pairs build the curvature estimate.",
                symbol="m",
                kind="int",
                low=1,
                high=100,
                ui_low=1,
                ui_high=30,
            ),
        ),
        conventions=(
            Convention(
                "scipy",
                "SciPy L-BFGS-B",
                "scipy.optimize.minimize(method='L-BFGS-B') (Byrd, Lu, Nocedal & Zhu 1995), "
                "with its Moré–Thuente line search",
                r"""\begin{aligned}
d_t &= -H_t\, g_t \quad (H_t \text{ from the last } m \text{ pairs } s_i = \Delta\theta_i,\ y_i = \Delta g_i) \\
\theta_t &= \theta_{t-1} + \alpha_t\, d_t \quad (\alpha_t \text{ from a line search})
\end{aligned}""",
                note="One iteration may evaluate f and ∇f several times (line search): "
                "compare it per evaluation as well as per iteration.",
            ),
        ),
        state=(G, UPDATE),
        card=Card(
            idea="Build a cheap curvature model from the last few steps and gradients, then "
            "search along its direction.",
            fixes="Newton-like speed without a Hessian.",
            fails="Needs exact, noise-free gradients; stochastic gradients break its "
            "curvature pairs.",
        ),
    )
)


def names() -> list[str]:
    """Every optimizer name, in teaching order."""
    return list(OPTIMIZERS)


def spec(name: str) -> OptimizerSpec:
    """The registry entry for `name`; an unknown name raises `ParameterError`."""
    try:
        return OPTIMIZERS[name]
    except (KeyError, TypeError):
        raise ParameterError("optimizer", name, "one of " + ", ".join(OPTIMIZERS)) from None
