"""Hyperparameters and recorded quantities that several optimizers share."""

from __future__ import annotations

from foundation.params import Param


def learning_rate(default: float, ui_high: float = 10.0) -> Param:
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


def epsilon(default: float) -> Param:
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


def decay_rate(name: str, default: float, symbol: str, help_text: str) -> Param:
    """A decay factor in [0, 1), such as β₁ or momentum."""
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
MOMENTUM = decay_rate(
    "momentum",
    0.9,
    r"\mu",
    "Momentum: the fraction of the previous velocity kept each step. Higher values roll "
    "further through flat regions and overshoot more in narrow valleys.",
)
BETA1 = decay_rate(
    "beta1",
    0.9,
    r"\beta_1",
    "Decay of the running average of gradients (first moment): like momentum.",
)
BETA2 = decay_rate(
    "beta2",
    0.999,
    r"\beta_2",
    "Decay of the running average of squared gradients (second moment): how long the "
    "per-coordinate scale remembers.",
)

STEP_SIZE_HELP = (
    "Effective per-coordinate step size: the factor that multiplies the gradient (or the "
    "first moment) in this step, e.g. η/(√v̂+ε) for Adam."
)
STEP_SIZE_SYMBOL = r"\eta_{\mathrm{eff}}"
# Symbols of the quantities Adam-like rules share: (previous, new) for state fields.
MOMENT_SYMBOLS = {
    "m": ("m_{t-1}", "m_t"),
    "v": ("v_{t-1}", "v_t"),
    "beta1_power": (r"\beta_1^{t-1}", r"\beta_1^{t}"),
    "beta2_power": (r"\beta_2^{t-1}", r"\beta_2^{t}"),
    "m_hat": (r"\hat m_t",),
    "v_hat": (r"\hat v_t",),
    "step_size": (STEP_SIZE_SYMBOL,),
    "beta1": (r"\beta_1",),
    "beta2": (r"\beta_2",),
    "eps": (r"\epsilon",),
}
MOMENT_HELP = {
    "m": "Running average of gradients (first moment).",
    "v": "Running average of squared gradients (second moment).",
    "m_hat": "Bias-corrected first moment m/(1−β₁ᵗ).",
    "v_hat": "Bias-corrected second moment v/(1−β₂ᵗ).",
    "step_size": STEP_SIZE_HELP,
}


def moment_params(lr_default: float) -> tuple[Param, ...]:
    """η, β₁, β₂, ε (1e-8) and L2 weight decay: the parameters of the Adam family."""
    return (learning_rate(lr_default), BETA1, BETA2, epsilon(1e-8), WEIGHT_DECAY)
