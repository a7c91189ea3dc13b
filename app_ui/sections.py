"""Page sections shared by Explore, Compare and Schedules."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import streamlit as st

import exports
import optim_core
from app_ui import controls, runs
from app_ui import text as user_text
from app_ui.controls import RunSettings, SurfaceChoice
from app_ui.page import Page
from experiments import Experiment, RunConfig
from i18n import error_text, label_text, t
from optim_core import ParameterError, Trajectory
from viz import style

# A symbol written as plain text in a help text: one letter with a subscript (θ_t,
# θ_{t−1}), and sums or differences of such symbols (θ_t − θ_{t−1}).
_SUBSCRIPTED = r"[^\W\d_]_(?:\{[^{}$]*\}|[^\W_])"
_PLAIN_MATH = re.compile(rf"{_SUBSCRIPTED}(?:\s*[−+]\s*{_SUBSCRIPTED})*")

# Plotly's mode bar: keep zoom, pan, reset and the PNG snapshot; no logo.
# The chart's camera button saves a vector SVG for slides (exports.plotly_config).
PLOTLY_CONFIG = {
    **exports.plotly_config("svg", 3),
    "modeBarButtonsToRemove": ["lasso2d", "select2d", "autoScale2d"],
}


def build_experiment(
    surface: SurfaceChoice,
    start: tuple[float, float],
    settings: RunSettings,
    run_configs: Sequence[RunConfig],
) -> Experiment:
    """The validated settings (`Experiment.from_dict` is the one gate); raises
    `ParameterError` naming the bad value."""
    experiment = Experiment(
        surface=surface.name,
        formula=surface.formula,
        domain=surface.domain,
        runs=tuple(run_configs),
        surface_params=dict(surface.params),
        start=(float(start[0]), float(start[1])),
        steps=settings.steps,
        noise=settings.noise,
        noise_mode=settings.noise_mode,
        seed=settings.seed,
        gradient=settings.gradient,
        fd_step=settings.fd_step,
    )
    return Experiment.from_dict(experiment.to_dict())


EXPERIMENT_STATE = "_experiment_json"  # the settings this page last ran (for tests and tools)


def run_or_stop(page: Page, build) -> tuple[Experiment, list[Trajectory]]:
    """Build and run; a `ParameterError` is shown (the other settings stay) and the page
    stops there instead of crashing."""
    try:
        experiment = build()
        st.session_state[EXPERIMENT_STATE] = experiment.to_json()
        with st.spinner(t("app.run.running")):
            results = runs.run_each(experiment)
        failed = [r for r in results if isinstance(r, ParameterError)]
        if len(failed) == len(results):
            raise failed[0]
    except ParameterError as error:
        st.error(t("app.run.error", message=user_text.message(error_text(error))))
        page.finish(complete=False)  # the controls below the run never rendered
        st.stop()
    # A run that alone cannot run says so; the others are drawn without it.
    labels = run_labels(experiment.runs)
    for label, result in zip(labels, results, strict=True):
        if isinstance(result, ParameterError):
            message = user_text.message(error_text(result))
            st.error(t("robust.run.one_failed", label=user_text.plain(label), message=message))
    kept = [i for i, result in enumerate(results) if not isinstance(result, ParameterError)]
    return experiment.with_runs(tuple(experiment.runs[i] for i in kept)), [results[i] for i in kept]


def with_math(text: str) -> str:
    """`text` for Markdown, its plain-text symbols set as math (KaTeX) instead of showing
    their TeX source.

    >>> with_math("The step actually taken: θ_t − θ_{t−1}.")
    'The step actually taken: $θ_t - θ_{t-1}$.'
    >>> with_math("m/(1−β₁ᵗ) stays as it is")
    'm/(1−β₁ᵗ) stays as it is'
    """
    return _PLAIN_MATH.sub(lambda match: "$" + match.group(0).replace("−", "-") + "$", text)


def run_labels(run_configs: Sequence[RunConfig]) -> list[str]:
    """Legend labels: the run's label, else the optimizer's title, with its
    hyperparameters when two runs would otherwise look the same."""
    titles = [label_text(r.label) or controls.optimizer_title(r.optimizer) for r in run_configs]
    labels = []
    for run, title in zip(run_configs, titles, strict=True):
        if titles.count(title) > 1 and not run.label:
            summary = style.hyper_summary(run.optimizer, run.resolved_hyper(), run.convention)
            title = f"{title} ({summary})" if summary else title
        labels.append(title)
    return labels


def show_events(trajectories: Sequence[Trajectory], labels: Sequence[str]) -> None:
    """A visible message for every run that diverged or left the view."""
    for message in runs.event_messages(trajectories, [user_text.plain(label) for label in labels]):
        st.warning(message, icon="⚠️")


def show_chart(figure, key: str, *, clickable: bool = False) -> None:
    """A Plotly chart; a clickable one sets the start point through `apply_click`."""
    if clickable:
        st.plotly_chart(
            figure, key=key, on_select=lambda: controls.apply_click(key), selection_mode="points",
            theme=None, config=PLOTLY_CONFIG,
        )  # fmt: skip
    else:
        st.plotly_chart(figure, key=key, theme=None, config=PLOTLY_CONFIG)


def optimizer_card(run: RunConfig, container=None) -> None:
    """The plain-language card of an optimizer and the update rule it runs."""
    where = container or st
    spec = optim_core.spec(run.optimizer)
    convention = spec.convention(run.convention)
    name = spec.name
    where.markdown(
        f"**{t('app.card.idea')}** {t(f'optimizer.{name}.card.idea', default=spec.card.idea)}\n\n"
        f"**{t('app.card.fixes')}** {t(f'optimizer.{name}.card.fixes', default=spec.card.fixes)}\n\n"
        f"**{t('app.card.fails')}** {t(f'optimizer.{name}.card.fails', default=spec.card.fails)}"
    )
    where.latex(convention.latex)
    key = f"optimizer.{name}.convention.{convention.name}"
    notes = [t("app.card.reference", reference=t(f"{key}.reference", default=convention.reference))]
    if convention.note:
        notes.append(t(f"{key}.note", default=convention.note))
    if convention.decoupled_weight_decay:
        notes.append(t("app.card.decoupled_decay"))
    where.caption("\n\n".join(notes))


def export_panel(
    experiment: Experiment, trajectories: list[Any], key: str, layout: str = "overlay"
) -> None:
    """The export panel (every format, the page's current layout as the default) in an
    expander whose contents run only while it is open: closed, it costs a rerun nothing."""
    box = lazy_expander(t("export.panel.title"), key=f"_export_{key}", icon=":material/download:")
    if box.open:
        from app_ui.export_panel import render_export_panel

        with box:
            render_export_panel(experiment, trajectories, key=key, default_layout=layout)


def lazy_expander(
    label: str, *, key: str, expanded: bool = False, icon: str | None = None, container=None
):
    """An expander that reruns the page when opened or closed, so its contents need to
    be built (and sent to the browser) only while it is open: check ``.open``."""
    return (container or st).expander(
        label, expanded=expanded, key=key, icon=icon, on_change="rerun"
    )


def surface_header(surface_choice: SurfaceChoice) -> None:
    if surface_choice.name == controls.surfaces.FORMULA:
        st.caption(t("formula.lesson"))
        return
    definition = controls.surfaces.definition(surface_choice.name)
    st.caption(
        t(f"surface.{definition.name}.lesson", default=definition.lesson)
        or t(f"surface.{definition.name}.description", default=definition.description)
    )
