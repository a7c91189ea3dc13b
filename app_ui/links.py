"""Settings as URL query parameters: the links the preset gallery and the pages share.

The names are the controls' URL names (`app_ui.controls`); values are written the way
the controls read them, so a link reopens exactly these settings.  Pure functions: no
Streamlit here.

>>> from experiments import presets
>>> params = experiment_params(presets.get("dlfs_ch6").experiment, layout="grid")
>>> params["o4_opt"], params["o4_conv"], params["o4_lr"], params["n"], params["layout"]
('adam', 'folded', '0.3', '4', 'grid')
"""

from __future__ import annotations

from dataclasses import replace

from experiments import Experiment, RunConfig
from experiments.presets import Preset
from optim_core import schedules, spec
from surfaces import FORMULA

COMPARE_PAGE = "pages/2_Compare.py"
EXPLORE_PAGE = "pages/1_Explore.py"
SCHEDULES_PAGE = "pages/3_Schedules.py"
SWEEPS_PAGE = "pages/4_Sweeps.py"
# A typed function's view box: x from xmin to xmax, y from ymin to ymax.
VIEW_KEYS = ("xmin", "xmax", "ymin", "ymax")
LAB_PAGE = "pages/5_Training_lab.py"


def value_text(value: object) -> str:
    """A setting as the URL spells it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        from app_ui.fields import number_text

        return number_text(value)
    if isinstance(value, (list, tuple)):
        return ", ".join(value_text(v) for v in value)
    return str(value)


def experiment_params(experiment: Experiment, *, layout: str | None = None) -> dict[str, str]:
    """Every setting of `experiment` as query parameters."""
    params = {"surface": experiment.surface}
    if experiment.surface == FORMULA:
        params["formula"] = experiment.formula
        (x_low, x_high), (y_low, y_high) = experiment.surface_object().domain
        for key, value in zip(VIEW_KEYS, (x_low, x_high, y_low, y_high), strict=True):
            params[key] = value_text(float(value))
    for name, value in experiment.surface_params.items():
        params[f"{experiment.surface}_{name}"] = value_text(float(value))
    x0, y0 = experiment.start_point
    params["x0"], params["y0"] = value_text(float(x0)), value_text(float(y0))
    params["steps"] = str(experiment.steps)
    if experiment.noise:
        params["noise"] = value_text(float(experiment.noise))
        params["noise_mode"] = experiment.noise_mode
    params["seed"] = str(experiment.seed)
    params["gradient"] = experiment.gradient
    if experiment.gradient == "numerical":
        params["fd_step"] = value_text(float(experiment.fd_step))
    params["n"] = str(len(experiment.runs))
    for slot, run in enumerate(experiment.runs, start=1):
        params.update(run_params(slot, run))
    if layout:
        params["layout"] = layout
    return params


def run_params(slot: int, run: RunConfig) -> dict[str, str]:
    """The query parameters of optimizer slot `slot` (the `o<slot>_` controls)."""
    prefix = f"o{slot}_"
    params = {prefix + "opt": run.optimizer,
              prefix + "conv": spec(run.optimizer).convention(run.convention).name}  # fmt: skip
    for name, value in run.resolved_hyper().items():
        params[prefix + name] = value_text(value)
    if run.label:
        params[prefix + "label"] = run.label
    if run.schedule:
        config = schedules.normalize(run.schedule)
        params[prefix + "sched"] = config["name"]
        for name, value in config.items():
            if name != "name":
                params[f"{prefix}sched_{name}"] = value_text(value)
    return params


def explore_params(experiment: Experiment) -> dict[str, str]:
    """Query parameters of a one-run experiment for the Explore page (which has no count
    of runs, and no legend to label)."""
    params = experiment_params(experiment)
    params.pop("n", None)
    params.pop("o1_label", None)
    return params


def experiment_page(experiment: Experiment) -> str:
    """Where an experiment opens: Explore for a single run, Compare otherwise."""
    return EXPLORE_PAGE if len(experiment.runs) == 1 else COMPARE_PAGE


def experiment_link_params(experiment: Experiment, *, layout: str | None = None) -> dict[str, str]:
    """The query parameters of `experiment` for the page it opens on."""
    if experiment_page(experiment) == EXPLORE_PAGE:
        return explore_params(experiment)
    return experiment_params(experiment, layout=layout)


def preset_page(preset: Preset) -> str:
    return experiment_page(preset.experiment)


def preset_params(preset: Preset) -> dict[str, str]:
    return experiment_link_params(preset.experiment, layout=preset.layout)


def sweeps_params(experiment: Experiment) -> dict[str, str]:
    """Query parameters that open the Sweeps page on `experiment`'s surface, start, run
    settings and its first optimizer (the page has one run, and no legend to label)."""
    return explore_params(experiment.with_runs((replace(experiment.runs[0], label=""),)))
