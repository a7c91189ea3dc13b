"""The shared controls: surface, start point, run settings, one block per optimizer and
its schedule.  Every widget is generated from a registry `Param` (default, range, scale,
help) and bound to the URL (see `app_ui.fields`); the functions return plain settings
that the pages assemble into an `experiments.Experiment`.

URL names: ``surface``, ``<surface>_<param>``, ``x0``, ``y0``, ``steps``, ``noise``,
``noise_mode``, ``seed``, ``gradient``, ``fd_step``; per optimizer slot i (1-based)
``o<i>_opt``, ``o<i>_conv``, ``o<i>_label``, ``o<i>_<hyperparameter>``, ``o<i>_sched``
and ``o<i>_sched_<schedule parameter>``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import streamlit as st

import optim_core
import surfaces
from app_ui import fields
from app_ui import text as user_text
from app_ui.page import Page
from experiments import Experiment, RunConfig, recommended
from foundation.params import Param
from i18n import error_text, t
from optim_core import ParameterError, engine, schedules

START_LIMIT = 1000.0  # |x0|, |y0| accepted from the URL (every view box is far smaller)
UI_MAX_STEPS = 5000  # the steps input; the engine accepts more, the browser need not
DEFAULT_LINEUP = ("sgd", "momentum", "adagrad", "adam", "rmsprop", "nesterov", "adamw", "adadelta")


# --- titles and help, through i18n ----------------------------------------------------------


def optimizer_title(name: str) -> str:
    return t(f"optimizer.{name}.title", default=optim_core.spec(name).title)


def surface_title(name: str) -> str:
    if name == surfaces.FORMULA:
        return t("formula.choice")
    return t(f"surface.{name}.title", default=surfaces.definition(name).title)


def schedule_title(name: str) -> str:
    return t(f"schedule.{name}.title", default=schedules.spec(name).title)


def param_label(param: Param) -> str:
    name = t(f"param.{param.name}.label", default=param.name)
    return f"{name} ${param.symbol}$" if param.symbol else name


# --- surface and start ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SurfaceChoice:
    name: str
    params: dict[str, float]
    formula: str = ""  # a typed function's text and view box (`app_ui.formula_controls`)
    domain: tuple[tuple[float, float], tuple[float, float]] | None = None

    def surface(self) -> surfaces.Surface:
        if self.name == surfaces.FORMULA:
            return surfaces.from_formula(self.formula, domain=self.domain, **self.params)
        return surfaces.get(self.name, **self.params)


def _surface_changed() -> None:
    """A new surface starts from its own default point (its view box differs) with its
    recommended steps and, for every run's optimizer and convention, its recommended
    hyperparameters (`experiments.recommended`): what a person set before is replaced
    by what shows this surface's lesson, and what they set now stays until the next
    switch of surface."""
    name = st.session_state.get("surface")
    if name == surfaces.FORMULA:
        from app_ui import formula_controls

        x, y = formula_controls.default_start()
    elif name in surfaces.names():
        x, y = surfaces.definition(name).default_start
    else:
        return
    st.session_state["x0"], st.session_state["y0"] = float(x), float(y)
    st.session_state.pop("k", None)
    if name == surfaces.FORMULA:
        return  # a typed function has no recommendations: the runs keep their settings
    steps = recommended.steps(name)
    if steps is not None:
        st.session_state["steps"] = steps
    slot = 1
    while (optimizer := st.session_state.get(f"o{slot}_opt")) in optim_core.names():
        prefix = f"o{slot}_"
        spec = optim_core.spec(optimizer)
        convention = st.session_state.get(prefix + "conv")
        if convention not in [c.name for c in spec.conventions]:
            convention = None
        values = recommended.hyper(name, optimizer, convention) or {}
        for param in spec.params:
            if param.name in values and param.kind != "floats":
                st.session_state[prefix + param.name] = values[param.name]
        slot += 1


def surface_controls(page: Page, default: str, container) -> SurfaceChoice:
    """Surface picker, its formula and lesson, and its parameters."""
    name = fields.choice(
        page, "surface", t("app.ctl.surface"), [*surfaces.names(), surfaces.FORMULA], default,
        titles=surface_title, help=t("app.ctl.surface_help"), container=container,
        on_change=_surface_changed,
    )  # fmt: skip
    if name == surfaces.FORMULA:
        from app_ui import formula_controls

        return formula_controls.formula_surface_controls(page, container)
    definition = surfaces.definition(name)
    surface_formula(definition.latex, container)
    params: dict[str, float] = {}
    for param in definition.params:
        params[param.name] = fields.param_control(
            page, f"{name}_{param.name}", param, param.default, label=param_label(param),
            help=t(f"surface.{name}.param.{param.name}.help", default=param.help),
            owner=name, container=container,
        )  # fmt: skip
    return SurfaceChoice(name, params)


FORMULA_KEY = "surface_formula"  # the formula's box: `.st-key-surface_formula` in the page


def surface_formula(latex: str, container) -> None:
    """A surface's formula that fits the narrow sidebar: inline KaTeX may break a line
    after a top-level `=`, `+` or `-`, where display math (`st.latex`) runs off the edge
    for most built-in surfaces."""
    container.container(key=FORMULA_KEY).markdown(f"${latex}$")


def start_controls(page: Page, surface: surfaces.Surface, default: tuple[float, float] | None,
                   container) -> tuple[float, float]:  # fmt: skip
    """Start point by numbers (the contour also takes a click, see `apply_click`)."""
    x_default, y_default = default if default is not None else surface.default_start
    (a, b), (c, d) = surface.domain
    step = float(fields.number_text(max(b - a, d - c) / 100))
    cols = container.columns(2)
    x0 = fields.float_input(page, "x0", t("app.ctl.x0"), x_default, -START_LIMIT, START_LIMIT,
                            help=t("app.ctl.start_help"), container=cols[0], step=step)  # fmt: skip
    y0 = fields.float_input(page, "y0", t("app.ctl.y0"), y_default, -START_LIMIT, START_LIMIT,
                            help=t("app.ctl.start_help"), container=cols[1], step=step)  # fmt: skip
    return x0, y0


def apply_click(chart_key: str) -> None:
    """`on_select` callback of a contour chart: a clicked point becomes the start."""
    state = st.session_state.get(chart_key)
    try:
        points = state["selection"]["points"]
    except (KeyError, TypeError):
        return
    if not points:
        return
    point = points[-1]
    x, y = point.get("x"), point.get("y")
    if isinstance(x, (int, float)) and isinstance(y, (int, float)):
        st.session_state["x0"] = float(fields.number_text(round(float(x), 4)))
        st.session_state["y0"] = float(fields.number_text(round(float(y), 4)))


# --- run settings --------------------------------------------------------------------------


@dataclass(frozen=True)
class RunSettings:
    steps: int
    noise: float
    noise_mode: str
    seed: int
    gradient: str
    fd_step: float


def run_controls(
    page: Page, default_steps: int, container, *, max_steps: int = UI_MAX_STEPS
) -> RunSettings:
    """Steps, gradient noise σ (absolute or relative) and its seed, exact or numerical
    gradient."""
    steps = fields.int_control(
        page, "steps", t("app.ctl.steps"), default_steps, 1, max_steps,
        help=t("param.steps.help", default=engine.STEPS.help), container=container,
    )  # fmt: skip
    noise = fields.float_control(
        page, "noise", engine.NOISE, 0.0, label=param_label(engine.NOISE),
        help=t("param.noise.help", default=engine.NOISE.help), container=container,
    )  # fmt: skip
    noise_mode = "absolute"
    if noise > 0:
        noise_mode = fields.choice(
            page, "noise_mode", t("app.ctl.noise_mode"), engine.NOISE_MODE.choices, "absolute",
            titles=lambda c: t(f"app.ctl.noise_mode.{c}"), help=t("param.noise_mode.help", default=engine.NOISE_MODE.help),
            container=container, horizontal=True,
        )  # fmt: skip
    seed = fields.int_control(
        page, "seed", t("app.ctl.seed"), 0, 0, int(engine.SEED.high), container=container,
        help=t("param.seed.help", default=engine.SEED.help),
    )  # fmt: skip
    gradient = fields.choice(
        page, "gradient", t("app.ctl.gradient"), engine.GRADIENT.choices, "analytic",
        titles=lambda c: t(f"app.ctl.gradient.{c}"), help=t("param.gradient.help", default=engine.GRADIENT.help),
        container=container, horizontal=True,
    )  # fmt: skip
    fd_step = engine.DEFAULT_FD_STEP
    if gradient == "numerical":
        fd_step = fields.float_control(
            page, "fd_step", engine.FD_STEP, engine.DEFAULT_FD_STEP, label=param_label(engine.FD_STEP),
            help=t("param.fd_step.help", default=engine.FD_STEP.help), container=container,
        )  # fmt: skip
    return RunSettings(steps, noise, noise_mode, seed, gradient, fd_step)


def experiment_controls(
    page: Page, default: Experiment, container
) -> tuple[SurfaceChoice, tuple[float, float], RunSettings]:
    """Surface, start point and run settings, starting from a page's default experiment
    (its start applies while its surface is chosen)."""
    surface_choice = surface_controls(page, default.surface, container)
    own_surface = surface_choice.name == default.surface
    # On another surface than the page's own, unset values take that surface's
    # recommendations (a link that names only the surface opens runs that work).
    page.recommend_for = None if own_surface else surface_choice.name
    st.session_state[_DEFAULT_SURFACE] = default.surface
    default_start = default.start if own_surface else None
    start = start_controls(page, surface_choice.surface(), default_start, container)
    default_steps = default.steps if own_surface else recommended.steps(surface_choice.name)
    return surface_choice, start, run_controls(page, default_steps or default.steps, container)


# --- one optimizer ---------------------------------------------------------------------------


def default_run(defaults: tuple[RunConfig, ...], slot: int) -> RunConfig:
    """The page's default run for 1-based `slot`: the page default, else the lineup."""
    if slot <= len(defaults):
        return defaults[slot - 1]
    return RunConfig(DEFAULT_LINEUP[(slot - 1) % len(DEFAULT_LINEUP)])


def slot_optimizer(slot: int, defaults: tuple[RunConfig, ...]) -> str:
    """The optimizer slot `slot` holds before its picker renders (for a heading above it):
    the picker's state, else a valid id from the URL, else the page default."""
    key = f"o{slot}_opt"
    for candidate in (st.session_state.get(key), st.query_params.get(key)):
        if candidate in optim_core.names():
            return candidate
    return default_run(defaults, slot).optimizer


def slot_defaults(
    base: RunConfig, optimizer: str, convention: str, surface: str | None = None
) -> dict[str, Any]:
    """Hyperparameter defaults of a slot: the page's default run while the page shows its
    own surface (`surface` None) and the slot still holds that run's optimizer and
    convention, else the recommendation of the surface shown, else the registry's."""
    spec = optim_core.spec(optimizer)
    if (
        surface is None
        and base.hyper
        and optimizer == base.optimizer
        and convention == spec.convention(base.convention).name
    ):
        return base.resolved_hyper()
    shown = surface or st.session_state.get(_DEFAULT_SURFACE)
    advised = recommended.hyper(shown, optimizer, convention) if shown else None
    return advised if advised is not None else spec.defaults(convention)


_DEFAULT_SURFACE = "_default_surface"  # the page's own surface, for the callbacks


def _recommend_for() -> str | None:
    """The surface shown when it is not the page's own (None otherwise), for callbacks."""
    name = st.session_state.get("surface")
    if name not in surfaces.names() or name == st.session_state.get(_DEFAULT_SURFACE):
        return None
    return name


def _optimizer_changed(slot: int, defaults: tuple[RunConfig, ...]) -> None:
    """A new optimizer in a slot starts from its own defaults, convention and label."""
    prefix = f"o{slot}_"
    name = st.session_state.get(prefix + "opt")
    if name not in optim_core.names():
        return
    spec = optim_core.spec(name)
    base = default_run(defaults, slot)
    convention = (
        spec.convention(base.convention).name
        if name == base.optimizer
        else spec.conventions[0].name
    )
    st.session_state[prefix + "conv"] = convention
    values = slot_defaults(base, name, convention, _recommend_for())
    known = {prefix + p.name for p in spec.params}
    for key in list(st.session_state.keys()):
        if not key.startswith(prefix) or key.startswith(prefix + "sched"):
            continue
        if key in known:
            st.session_state[key] = values[key[len(prefix) :]]
        elif key not in (prefix + "opt", prefix + "conv", prefix + "label"):
            del st.session_state[key]
    if prefix + "label" in st.session_state:
        st.session_state[prefix + "label"] = base.label if name == base.optimizer else ""


def _convention_changed(
    slot: int, optimizer: str, old: str, defaults: tuple[RunConfig, ...]
) -> None:
    """Values still at the old convention's default move to the new convention's."""
    prefix = f"o{slot}_"
    new = st.session_state.get(prefix + "conv")
    spec = optim_core.spec(optimizer)
    if new not in [c.name for c in spec.conventions]:
        return
    base = default_run(defaults, slot)
    surface = _recommend_for()
    before = slot_defaults(base, optimizer, old, surface)
    after = slot_defaults(base, optimizer, new, surface)
    for param in spec.params:
        key = prefix + param.name
        if key in st.session_state and st.session_state[key] == before[param.name]:
            st.session_state[key] = after[param.name]


def optimizer_controls(page: Page, slot: int, defaults: tuple[RunConfig, ...], container,
                       *, show_label: bool = True) -> RunConfig:  # fmt: skip
    """One optimizer: its picker, card, convention, every hyperparameter, label and
    learning-rate schedule.  Returns its `RunConfig` (validated by the caller)."""
    prefix = f"o{slot}_"
    base = default_run(defaults, slot)
    name = fields.choice(
        page, prefix + "opt", t("app.ctl.optimizer"), optim_core.names(), base.optimizer,
        titles=optimizer_title, help=t("app.ctl.optimizer_help"), container=container,
        on_change=_optimizer_changed, args=(slot, defaults),
    )  # fmt: skip
    spec = optim_core.spec(name)
    default_convention = spec.convention(base.convention if name == base.optimizer else None).name
    conventions = [c.name for c in spec.conventions]
    convention = default_convention
    if len(conventions) == 1:  # no picker, but links name the convention all the same
        page.url_keys.add(prefix + "conv")
        raw = st.query_params.get(prefix + "conv")
        if raw is not None and raw != convention:
            page.note(prefix + "conv", raw, t("app.field.one_of", options=convention))
            del st.query_params[prefix + "conv"]
    elif len(conventions) > 1:
        current = st.session_state.get(prefix + "conv", default_convention)
        convention = fields.choice(
            page, prefix + "conv", t("app.ctl.convention"), conventions, default_convention,
            titles=lambda c: t(f"optimizer.{name}.convention.{c}.title", default=spec.convention(c).title),
            help=t("app.ctl.convention_help"), container=container,
            on_change=_convention_changed, args=(slot, name, current if current in conventions else default_convention, defaults),
        )  # fmt: skip
    chosen = spec.convention(convention)
    if chosen.note:
        container.caption(t(f"optimizer.{name}.convention.{convention}.note", default=chosen.note))
    values = slot_defaults(base, name, convention, page.recommend_for)
    hyper: dict[str, Any] = {}
    for param in spec.params:
        hyper[param.name] = fields.param_control(
            page, prefix + param.name, param, values[param.name], label=param_label(param),
            help=t(f"optimizer.{name}.param.{param.name}.help", default=param.help),
            owner=name, container=container,
        )  # fmt: skip
    schedule = None
    if spec.family != "lbfgs":
        schedule = schedule_controls(page, prefix + "sched", container,
                                     default=base.schedule if name == base.optimizer else None,
                                     performance_based=spec.family == "first_order")  # fmt: skip
    label = ""
    if show_label:
        label = fields.text_control(
            page, prefix + "label", t("app.ctl.label"), base.label if name == base.optimizer else "",
            help=t("app.ctl.label_help"), container=container,
        )  # fmt: skip
    return RunConfig(name, hyper, convention, schedule, label)


# --- schedules -------------------------------------------------------------------------------


def schedule_controls(page: Page, key: str, container, *, default: Mapping[str, Any] | None = None,
                      performance_based: bool = True) -> dict[str, Any] | None:  # fmt: skip
    """A learning-rate schedule and its parameters; None means a constant rate."""
    normalized = schedules.normalize(default)
    names = [
        n for n in schedules.names() if performance_based or not schedules.spec(n).performance_based
    ]
    default_name = normalized["name"] if normalized["name"] in names else "constant"
    name = fields.choice(
        page, key, t("app.ctl.schedule"), names, default_name, titles=schedule_title,
        help=t("app.ctl.schedule_help"), container=container,
    )  # fmt: skip
    base = normalized if name == default_name else schedules.normalize({"name": name})
    config: dict[str, Any] = {"name": name}
    for param in schedule_params(name):
        config[param.name] = fields.param_control(
            page, f"{key}_{param.name}", param, base[param.name], label=param_label(param),
            help=t(f"schedule.{name}.param.{param.name}.help", default=param.help),
            owner=f"{name} schedule", container=container,
        )  # fmt: skip
    try:
        config = schedules.normalize(config)
    except ParameterError as error:
        container.error(t("app.ctl.schedule_invalid", message=user_text.message(error_text(error))))
        config = schedules.normalize({"name": name})
    if name == "constant":
        return None
    return config


def schedule_params(name: str) -> tuple[Param, ...]:
    """The parameters a schedule's controls show: its own and the warm-up, which the
    constant rate does not get (a rate that "never changes" has nothing to warm up)."""
    spec = schedules.spec(name)
    return spec.params if name == "constant" else spec.all_params
