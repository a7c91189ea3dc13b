"""Textbook figures as data: each preset names its source and figure and holds the exact
experiment (surface, start, steps, optimizers with hyperparameters and conventions).

>>> from experiments import presets
>>> p = presets.get("dlfs_ch6")
>>> p.experiment.start, p.experiment.steps, [r.optimizer for r in p.experiment.runs]
((-7.0, 2.0), 29, ['sgd', 'momentum', 'adagrad', 'adam'])
"""

from __future__ import annotations

from dataclasses import dataclass

from experiments.experiment import Experiment, RunConfig
from foundation.params import ParameterError


@dataclass(frozen=True)
class Preset:
    key: str
    title: str
    source: str
    figure: str
    description: str
    experiment: Experiment
    layout: str = "overlay"  # "overlay" on one contour, or "grid" of small multiples


def _run(
    optimizer: str, label: str = "", convention: str | None = None, schedule=None, **hyper
) -> RunConfig:
    return RunConfig(optimizer, hyper, convention, schedule, label)


PRESETS: dict[str, Preset] = {
    p.key: p
    for p in (
        Preset(
            key="dlfs_ch6",
            title="SGD, Momentum, AdaGrad and Adam on x²/20 + y²",
            source="Deep Learning from Scratch (Saito), ch. 6, optimizer_compare_naive.py",
            figure="Figure 6-8",
            description="The book's four optimizers from (−7, 2), 30 points each, in the "
            "book's own update forms: SGD zig-zags, Momentum swings, AdaGrad and Adam glide.",
            experiment=Experiment(
                surface="bowl",
                start=(-7.0, 2.0),
                steps=29,  # the book records 30 points: the start and 29 updates
                runs=(
                    _run("sgd", "SGD", lr=0.95),
                    _run("momentum", "Momentum", "velocity", lr=0.1, momentum=0.9),
                    _run("adagrad", "AdaGrad", "dlfs", lr=1.5),
                    _run("adam", "Adam", "folded", lr=0.3, betas=(0.9, 0.999)),
                ),
            ),
            layout="grid",
        ),
        Preset(
            key="d2l_ch12",
            title="Dive into Deep Learning: f = 0.1x₁² + 2x₂²",
            source="Dive into Deep Learning (Zhang et al.), ch. 12 Optimization Algorithms",
            figure="§12.3, 12.6, 12.7, 12.8 (train_2d plots)",
            description="The chapter's running example from (−5, −2), 20 steps: gradient "
            "descent diverging at η = 0.6, momentum with two β's, AdaGrad with η = 0.4 and 2, "
            "RMSProp.",
            experiment=Experiment(
                surface="bowl",
                surface_params={"a": 0.1, "b": 2.0},
                start=(-5.0, -2.0),
                steps=20,
                runs=(
                    _run("sgd", "GD η=0.4", lr=0.4),
                    _run("sgd", "GD η=0.6", lr=0.6),
                    _run("momentum", "Momentum β=0.5", lr=0.6, momentum=0.5),
                    _run("momentum", "Momentum β=0.25", lr=0.6, momentum=0.25),
                    _run("adagrad", "AdaGrad η=0.4", "eps_inside", lr=0.4),
                    _run("adagrad", "AdaGrad η=2", "eps_inside", lr=2.0),
                    _run("rmsprop", "RMSProp η=0.4", "eps_inside", lr=0.4, alpha=0.9),
                ),
            ),
        ),
        Preset(
            key="distill_momentum",
            title="Why Momentum Really Works: the hero's settings",
            source='Goh, "Why Momentum Really Works", Distill (2017)',
            figure="Opening figure (step-size α = 0.02, momentum β = 0.99)",
            description="The article's default step-size and momentum, z ← βz + ∇f, w ← w − αz, "
            "on an ill-conditioned quadratic valley: plain gradient descent crawls, momentum "
            "races and then rings.  (The article's own surface is not published as a formula; "
            "this is our rotated quadratic with κ = 50.)",
            experiment=Experiment(
                surface="rotated_quadratic",
                surface_params={"kappa": 50.0, "angle": 20.0},
                start=(-2.5, 2.0),
                steps=150,
                runs=(
                    _run("sgd", "Gradient descent α=0.02", lr=0.02),
                    _run("momentum", "Momentum α=0.02, β=0.99", lr=0.02, momentum=0.99),
                ),
            ),
        ),
        Preset(
            key="handson_keras_defaults",
            title="Hands-On ML: Keras optimizers with the book's settings",
            source='Géron, Hands-On Machine Learning (3rd ed.), ch. 11 "Faster Optimizers"',
            figure='Code examples of §"Faster Optimizers"',
            description="SGD with momentum 0.9 (plain and Nesterov), AdaGrad, RMSProp (ρ = 0.9), "
            "Adam, AdaMax and Nadam at η = 0.001 with Keras's own formulas and ε = 1e-7, on "
            "Rosenbrock: at this η they differ in speed by orders of magnitude.",
            experiment=Experiment(
                surface="rosenbrock",
                start=(-1.5, 2.0),
                steps=2000,
                runs=(
                    _run("momentum", "SGD momentum=0.9", "velocity", lr=0.001, momentum=0.9),
                    _run("nesterov", "SGD nesterov", "velocity", lr=0.001, momentum=0.9),
                    _run(
                        "adagrad",
                        "Adagrad",
                        "eps_inside",
                        lr=0.001,
                        eps=1e-7,
                        initial_accumulator_value=0.1,
                    ),
                    _run("rmsprop", "RMSprop ρ=0.9", "eps_inside", lr=0.001, alpha=0.9, eps=1e-7),
                    _run("adam", "Adam", "folded", lr=0.001, betas=(0.9, 0.999)),
                    _run("adamax", "Adamax", "keras", lr=0.001, betas=(0.9, 0.999)),
                    _run("nadam", "Nadam", "keras", lr=0.001, betas=(0.9, 0.999), eps=1e-7),
                ),
            ),
        ),
        Preset(
            key="beale_3_4",
            title="Beale from (3, 4)",
            source="Beale (1958) test function; optimizer gallery convention",
            figure="Contour comparison",
            description="Start high on Beale's wall: a huge first gradient. Plain SGD must use a "
            "tiny rate, Momentum at that same rate still blows up within a few steps, and the "
            "adaptive methods normalise the step.",
            experiment=Experiment(
                surface="beale",
                start=(3.0, 4.0),
                steps=300,
                runs=(
                    _run("sgd", "SGD", lr=1e-4),
                    _run("momentum", "Momentum", lr=1e-4, momentum=0.9),
                    _run("adagrad", "AdaGrad", lr=0.5),
                    _run("rmsprop", "RMSProp", lr=0.01),
                    _run("adam", "Adam", lr=0.1),
                ),
            ),
        ),
        Preset(
            key="rosenbrock_gallery",
            title="Rosenbrock gallery",
            source="In the style of the pytorch-optimizer visualisations (start (−2, 2), 500 steps)",
            figure="Rosenbrock panel",
            description="Every method must first find the valley and then follow its curved "
            "floor to (1, 1); second-order methods show how few iterations it can take.",
            experiment=Experiment(
                surface="rosenbrock",
                start=(-2.0, 2.0),
                steps=500,
                runs=(
                    _run("sgd", "SGD", lr=1e-3),
                    _run("nesterov", "Nesterov", lr=5e-4, momentum=0.9),
                    _run("rmsprop", "RMSProp", lr=1e-2),
                    _run("adam", "Adam", lr=5e-2),
                    _run("lbfgs", "L-BFGS", history_size=10),
                    _run("newton", "Newton", lr=1.0),
                ),
            ),
        ),
        Preset(
            key="rastrigin_gallery",
            title="Rastrigin gallery",
            source="In the style of the pytorch-optimizer visualisations (start (−2, 3.5), 500 steps)",
            figure="Rastrigin panel",
            description="A field of local minima: small steps stop in the nearest ripple, large "
            "steps and momentum may hop towards the centre.",
            experiment=Experiment(
                surface="rastrigin",
                start=(-2.0, 3.5),
                steps=500,
                runs=(
                    _run("sgd", "SGD", lr=1e-3),
                    _run("momentum", "Momentum", lr=2e-3, momentum=0.9),
                    _run("adagrad", "AdaGrad", lr=0.5),
                    _run("adam", "Adam", lr=0.1),
                ),
            ),
        ),
        Preset(
            key="saddle_escape",
            title="Escaping a saddle: noise and Newton",
            source="Goodfellow, Bengio & Courville, Deep Learning, §8.2.3 (saddle points)",
            figure="Saddle x² − y²",
            description="Gradient descent started almost on the ridge creeps past the saddle "
            "before it escapes; Newton's method jumps onto the saddle itself. Raise the "
            "gradient noise σ to watch the escape come sooner.",
            experiment=Experiment(
                surface="saddle",
                start=(-1.8, 1e-6),
                steps=60,
                runs=(
                    _run("sgd", "Gradient descent", lr=0.1),
                    _run("newton", "Newton", lr=1.0),
                ),
            ),
        ),
    )
}


def names() -> list[str]:
    """Every preset key."""
    return list(PRESETS)


def get(key: str) -> Preset:
    """The preset `key`; an unknown key raises `ParameterError`."""
    try:
        return PRESETS[key]
    except (KeyError, TypeError):
        raise ParameterError("preset", key, "one of " + ", ".join(PRESETS)) from None
