"""The training lab page's parts: the controls of each experiment, the training jobs
(worker threads, shared bounded cache), the live view and the result figures.

Training runs in a small module-level thread pool, so a long run never blocks this
session's script or anyone else's; the session keeps its job in `st.session_state` and a
fragment polls it every `POLL_SECONDS`, drawing the curves so far, a progress bar and a
stop button, then reruns the page once.  Finished results are kept by settings in a small
bounded cache shared by all sessions; two identical requests in flight share one job.
"""

from __future__ import annotations

import contextvars
import dataclasses
import threading
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import streamlit as st

import i18n
import optim_core
from app_ui import controls, fields, links, sections
from app_ui.page import Page
from experiments import RunConfig
from exports import lab as lab_exports
from foundation.params import Param, ParameterError
from i18n import error_text, t
from netlab import experiments as ex
from netlab import report
from viz import lab as lab_viz

KINDS = ("compare", "where", "init", "batch_norm", "overfitting", "search")
WORKERS = 2  # one per core; NumPy releases the GIL in its products
POLL_SECONDS = 0.5
CACHE_ENTRIES = 12
MAX_OPTIMIZERS = 6
UI_MAX_STEPS = 3000
INIT_OPTIONS = ("he", "xavier", "0.01", "1")
# The controls' bounds, by URL name (shared by the controls and `lab_params`).
INT_RANGES = {"units": (10, 300), "layers": (1, 8), "batch": (1, 1000), "n_opt": (1, MAX_OPTIMIZERS),
              "steps": (1, UI_MAX_STEPS), "seed": (0, 2**31 - 1), "res": (5, 41), "scales": (1, 16),
              "patience": (0, 50), "rounds": (1, 6), "trials": (2, 16), "keep": (1, 16)}  # fmt: skip
FLOAT_RANGES = {"lr": (1e-4, 1.0), "wd": (0.0, 0.5), "dropout": (0.0, 0.8)}
# Base-10 exponent ranges of the random search's sliders (session state, not the URL).
RANGE_SLIDERS = {"lr_range": (-8.0, 1.0), "decay_range": (-10.0, 0.0)}

_EXECUTOR = ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="lab")
_LOCK = threading.Lock()
_CACHE: OrderedDict[str, Any] = OrderedDict()
_IN_FLIGHT: dict[str, LabJob] = {}
_JOB_STATE = "_lab_job"


@dataclass
class LabJob:
    """One experiment training in a worker: progress, the results so far, the outcome."""

    key: str
    fraction: float = 0.0
    partial: list = field(default_factory=list)
    result: Any = None
    error: str | None = None
    stopped: bool = False
    stop: threading.Event = field(default_factory=threading.Event)
    future: Future = field(default_factory=Future)

    @property
    def finished(self) -> bool:
        return self.future.done()


def settings_key(kind: str, settings: Any) -> str:
    return lab_exports.settings_json(kind, settings)


def cached(key: str) -> Any:
    with _LOCK:
        if key in _CACHE:
            _CACHE.move_to_end(key)
            return _CACHE[key]
    return None


def submit(kind: str, settings: Any) -> LabJob:
    """A job for these settings: finished if cached, shared if already training."""
    key = settings_key(kind, settings)
    with _LOCK:
        running = _IN_FLIGHT.get(key)
        if running is not None:
            return running
        job = LabJob(key)
        _IN_FLIGHT[key] = job

    def callback(fraction: float, partial: list) -> bool:
        job.fraction = min(max(fraction, 0.0), 1.0)
        if partial:
            job.partial = partial
        if job.stop.is_set():
            raise ex.Stopped
        return True

    def work() -> None:
        try:
            job.result = settings.run(callback)
            with _LOCK:
                _CACHE[key] = job.result
                while len(_CACHE) > CACHE_ENTRIES:
                    _CACHE.popitem(last=False)
        except ex.Stopped:
            job.stopped = True
        except ParameterError as error:
            job.error = error_text(error)
        finally:
            with _LOCK:
                _IN_FLIGHT.pop(key, None)

    # The worker keeps this session's language (`i18n` holds it in a ContextVar).
    job.future = _EXECUTOR.submit(contextvars.copy_context().run, work)
    return job


# --- controls ----------------------------------------------------------------------------


def _int(page: Page, key: str, label: str, default: int, container) -> int:
    low, high = INT_RANGES[key]
    return fields.int_control(page, key, t(label), default, low, high,
                              help=t(label + "_help"), container=container)  # fmt: skip


def _float(
    page: Page, key: str, label: str, default: float, container, *, log: bool = False
) -> float:
    low, high = FLOAT_RANGES[key]
    param = Param(key, default, "", low=low, high=high, log=log, ui_low=low if not log else max(low, 1e-5),
                  ui_high=high)  # fmt: skip
    return fields.float_control(page, key, param, default, label=t(label), help=t(label + "_help"),
                                container=container)  # fmt: skip


def _init_value(text: str) -> str | float:
    return text if text in ("he", "xavier") else float(text)


def init_title(init: Any) -> str:
    if init in ("he", "xavier"):
        return t(f"lab.init.{init}")
    return t("lab.init.std", std=f"{float(init):g}")


def network_controls(page: Page, container, *, layers: int = 4) -> dict[str, Any]:
    """Steps, seed, the network's shape, activation, initialisation, batch size."""
    units = _int(page, "units", "lab.ctl.units", 100, container)
    depth = _int(page, "layers", "lab.ctl.layers", layers, container)
    activation = fields.choice(page, "act", t("lab.ctl.activation"), ex.ACTIVATION_CHOICES[::-1],
                               "relu", titles=lambda a: t(f"lab.act.{a}"), container=container,
                               help=t("lab.ctl.activation_help"))  # fmt: skip
    init = fields.choice(page, "init", t("lab.ctl.init"), INIT_OPTIONS, "he", titles=lambda i: init_title(_init_value(i)),
                         container=container, help=t("lab.ctl.init_help"))  # fmt: skip
    batch = _int(page, "batch", "lab.ctl.batch", 100, container)
    return dict(
        hidden=(units,) * depth, activation=activation, init=_init_value(init), batch_size=batch
    )


def common_controls(page: Page, container, steps: int) -> tuple[int, int]:
    return (_int(page, "steps", "lab.ctl.steps", steps, container),
            _int(page, "seed", "lab.ctl.seed", 0, container))  # fmt: skip


def optimizer_runs(page: Page, container) -> tuple[ex.OptimizerRun, ...]:
    """The optimizers to compare, each with its convention, hyperparameters and schedule
    (the same controls as Compare); the book's four by default."""
    defaults = tuple(RunConfig(o.optimizer, dict(o.hyperparameters), o.convention)
                     for o in ex.BOOK_OPTIMIZERS)  # fmt: skip
    count = _int(page, "n_opt", "lab.ctl.optimizers", len(defaults), container)
    runs = []
    for slot in range(1, count + 1):
        name = controls.slot_optimizer(slot, defaults)
        box = container.expander(f"{slot}. {controls.optimizer_title(name)}", expanded=False)
        config = controls.optimizer_controls(page, slot, defaults, box, show_label=False)
        runs.append(ex.OptimizerRun(config.optimizer, dict(config.hyper), config.convention,
                                    config.schedule))  # fmt: skip
    return tuple(runs)


def settings_controls(page: Page, kind: str, container) -> Any:
    """The settings record of experiment `kind` from its sidebar controls."""
    if kind in ("compare", "where"):
        optimizers = optimizer_runs(page, container)
        steps, seed = common_controls(page, container, 300)
        comparison = ex.OptimizerComparison(
            optimizers, steps, seed, **network_controls(page, container)
        )
        if kind == "compare":
            return comparison
        directions = fields.choice(page, "dirs", t("lab.ctl.directions"), ("pca", "random"), "pca",
                                   titles=lambda d: t(f"lab.dirs.{d}"), container=container,
                                   help=t("lab.ctl.directions_help"), horizontal=True)  # fmt: skip
        resolution = _int(page, "res", "lab.ctl.resolution", 19, container)
        return ex.WhereTheyWent(comparison, directions, resolution)
    if kind == "init":
        steps, seed = common_controls(page, container, 400)
        activation = fields.choice(page, "act", t("lab.ctl.activation"), ex.ACTIVATION_CHOICES[::-1],
                                   "relu", titles=lambda a: t(f"lab.act.{a}"), container=container,
                                   help=t("lab.ctl.activation_help"))  # fmt: skip
        lr = _float(page, "lr", "lab.ctl.lr", 0.01, container, log=True)
        return ex.Initialisation(ex.ActivationHistograms(seed=seed),
                                 ex.InitComparison(activation=activation, steps=steps, lr=lr, seed=seed))  # fmt: skip
    if kind == "batch_norm":
        steps, seed = common_controls(page, container, 120)
        scales = _int(page, "scales", "lab.ctl.scales", 16, container)
        lr = _float(page, "lr", "lab.ctl.lr", 0.01, container, log=True)
        return ex.BatchNormComparison(scales, steps, lr, seed)
    if kind == "overfitting":
        steps, seed = common_controls(page, container, 900)
        decay = _float(page, "wd", "lab.ctl.weight_decay", 0.1, container)
        dropout = _float(page, "dropout", "lab.ctl.dropout", 0.2, container)
        patience = _int(page, "patience", "lab.ctl.patience", 5, container)
        return ex.Overfitting(decay, dropout, patience, steps=steps, seed=seed)
    steps, seed = common_controls(page, container, 200)
    names = [n for n in optim_core.names() if optim_core.spec(n).family == "first_order"]
    optimizer = fields.choice(page, "opt", t("app.ctl.optimizer"), names, "sgd",
                              titles=controls.optimizer_title, container=container)  # fmt: skip
    rounds = _int(page, "rounds", "lab.ctl.rounds", 3, container)
    trials = _int(page, "trials", "lab.ctl.trials", 8, container)
    keep = _int(page, "keep", "lab.ctl.keep", 3, container)
    # Session state holds the ranges (a settings file opened on Home sets them there).
    st.session_state.setdefault("lr_range", (-4.0, 0.0))
    st.session_state.setdefault("decay_range", (-8.0, -4.0))
    lr_range = container.slider(t("lab.ctl.lr_range"), *RANGE_SLIDERS["lr_range"], step=0.5,
                                key="lr_range", help=t("lab.ctl.lr_range_help"))  # fmt: skip
    decay_range = container.slider(t("lab.ctl.decay_range"), *RANGE_SLIDERS["decay_range"], step=0.5,
                                   key="decay_range", help=t("lab.ctl.decay_range_help"))  # fmt: skip
    return ex.RandomSearch(optimizer, rounds, trials, keep, tuple(lr_range), tuple(decay_range),
                           steps=steps, seed=seed)  # fmt: skip


# --- settings files and links --------------------------------------------------------------


def _checked(key: str, value: Any) -> Any:
    if key in INT_RANGES:
        low, high = INT_RANGES[key]
        return Param(key, low, "", kind="int", low=low, high=high).validate(value, owner="lab")
    low, high = FLOAT_RANGES[key]
    return Param(key, low, "", low=low, high=high).validate_one(value, owner="lab")


def _network_params(record: Any) -> dict[str, str]:
    hidden = record.hidden
    if not isinstance(hidden, tuple) or not hidden or any(h != hidden[0] for h in hidden):
        raise ParameterError("hidden", hidden, "a list of equal layer widths (the page's controls)")
    init = record.init if record.init in ("he", "xavier") else links.value_text(record.init)
    if isinstance(record.init, bool) or init not in INIT_OPTIONS:
        raise ParameterError("init", record.init, "one of " + ", ".join(INIT_OPTIONS))
    if record.activation not in ex.ACTIVATION_CHOICES:
        raise ParameterError(
            "activation", record.activation, "one of " + ", ".join(ex.ACTIVATION_CHOICES)
        )
    return {"units": hidden[0], "layers": len(hidden), "act": record.activation, "init": init,
            "batch": record.batch_size, "steps": record.steps, "seed": record.seed}  # fmt: skip


def _optimizer_params(runs: Any) -> dict[str, str]:
    if not isinstance(runs, tuple):
        raise ParameterError("optimizers", runs, "a list of optimizers")
    params: dict[str, Any] = {"n_opt": len(runs)}
    for slot, run in enumerate(runs, start=1):
        config = RunConfig.from_dict({"optimizer": run.optimizer, "hyper": run.hyperparameters,
                                      "convention": run.convention, "schedule": run.schedule})  # fmt: skip
        params.update(links.run_params(slot, config))
    return params


def _rebuilt(kind: str, values: dict[str, Any], record: Any) -> Any:
    """The record the page's controls build from `values` (as `settings_controls` does)."""
    network = dict(hidden=(values.get("units"),) * (values.get("layers") or 0),
                   batch_size=values.get("batch"), steps=values["steps"], seed=values["seed"])  # fmt: skip
    if kind in ("compare", "where"):
        comparison = record if kind == "compare" else record.comparison
        page = dataclasses.replace(
            comparison, **network, activation=values["act"], init=_init_value(values["init"])
        )
        if kind == "compare":
            return page
        return ex.WhereTheyWent(page, values["dirs"], values["res"])
    if kind == "init":
        seed = values["seed"]
        return ex.Initialisation(ex.ActivationHistograms(seed=seed),
                                 ex.InitComparison(activation=values["act"], steps=values["steps"],
                                                   lr=values["lr"], seed=seed))  # fmt: skip
    if kind == "batch_norm":
        return ex.BatchNormComparison(
            values["scales"], values["steps"], values["lr"], values["seed"]
        )
    if kind == "overfitting":
        return ex.Overfitting(values["wd"], values["dropout"], values["patience"], steps=values["steps"],
                              seed=values["seed"])  # fmt: skip
    return ex.RandomSearch(values["opt"], values["rounds"], values["trials"], values["keep"],
                           values["lr_range"], values["decay_range"], steps=values["steps"],
                           seed=values["seed"])  # fmt: skip


def lab_params(kind: str, record: Any) -> tuple[dict[str, str], dict[str, Any]]:
    """The lab page's query parameters (and the search's two range sliders, which live in
    session state) that set every control to `record`; a record the controls cannot show
    exactly (a value out of their range, unequal layer widths, ...) raises `ParameterError`."""
    values: dict[str, Any] = {}
    state: dict[str, Any] = {}
    if kind in ("compare", "where"):
        comparison = record if kind == "compare" else record.comparison
        values.update(_network_params(comparison))
        values.update(_optimizer_params(comparison.optimizers))
        if kind == "where":
            if record.directions not in ("pca", "random"):
                raise ParameterError("directions", record.directions, "pca or random")
            values.update(dirs=record.directions, res=record.resolution)
    elif kind == "init":
        training = record.training
        values.update(
            steps=training.steps, seed=training.seed, act=training.activation, lr=training.lr
        )
    elif kind == "batch_norm":
        values.update(steps=record.steps, seed=record.seed, scales=record.scales, lr=record.lr)
    elif kind == "overfitting":
        values.update(steps=record.steps, seed=record.seed, wd=record.weight_decay,
                      dropout=record.dropout, patience=record.patience)  # fmt: skip
    else:
        first_order = [n for n in optim_core.names() if optim_core.spec(n).family == "first_order"]
        if record.optimizer not in first_order:
            raise ParameterError("optimizer", record.optimizer, "one of " + ", ".join(first_order))
        values.update(steps=record.steps, seed=record.seed, opt=record.optimizer, rounds=record.rounds,
                      trials=record.trials, keep=record.keep)  # fmt: skip
        for key, (low, high) in RANGE_SLIDERS.items():
            bounds = getattr(record, key)
            pair = ex.log_range(key, bounds)
            if not (low <= pair[0] <= pair[1] <= high) or any(2 * b != round(2 * b) for b in pair):
                raise ParameterError(
                    key, bounds, f"exponents in [{low:g}, {high:g}] in steps of 0.5"
                )
            state[key] = values[key] = pair
    if kind == "init" and values["act"] not in ex.ACTIVATION_CHOICES:
        raise ParameterError(
            "activation", values["act"], "one of " + ", ".join(ex.ACTIVATION_CHOICES)
        )
    for key in [k for k in values if k in INT_RANGES or k in FLOAT_RANGES]:
        values[key] = _checked(key, values[key])
    rebuilt = _rebuilt(kind, values, record)
    for name in (f.name for f in dataclasses.fields(record)):
        if getattr(rebuilt, name) != getattr(record, name):
            raise ParameterError(
                name, getattr(record, name), f"{getattr(rebuilt, name)} (the page's controls)"
            )
    params = {"exp": kind} | {k: links.value_text(v) for k, v in values.items() if k not in state}
    return params, state


def is_lab_settings(data: Any) -> bool:
    """Whether settings file data is the training lab's (its export names the experiment)."""
    return isinstance(data, dict) and "lab_experiment" in data


def file_params(data: Any) -> tuple[dict[str, str], dict[str, Any]]:
    """`lab_params` of a lab settings file's data; anything wrong raises `ParameterError`."""
    try:
        record = ex.from_settings(data)
        return lab_params(data["lab_experiment"], record)
    except (TypeError, ValueError, OverflowError) as error:  # a field of the wrong shape
        raise ParameterError(
            "settings file", type(error).__name__, "the fields the lab exports"
        ) from None


def open_lab_file(data: Any) -> None:
    """Open the training lab with a lab settings file's settings (`ParameterError` if bad)."""
    params, state = file_params(data)
    st.session_state.update(state)
    st.switch_page(links.LAB_PAGE, query_params=params)


# --- figures -----------------------------------------------------------------------------


@dataclass
class View:
    """What the page draws for a result, and what the exports write."""

    curves: list
    figure_args: dict
    landscape: Any = None
    notes: list[str] = field(default_factory=list)


SERIES = ("loss", "smoothed_loss", "train_accuracy", "test_accuracy", "validation_accuracy", "path")


def _run_notes(results) -> list[str]:
    notes = []
    for r in results:
        if r.diverged_at is not None:
            notes.append(t("lab.note.diverged", label=r.label, step=r.diverged_at))
    return notes


def view(kind: str, settings: Any, result: Any) -> View:
    """The curves, titles and colours of a (partial or whole) result."""
    common = dict(x_title=t("lab.fig.step"), y_titles={})
    titles = {"loss": t("lab.panel.loss"), "accuracy": t("lab.panel.accuracy"),
              "path_loss": t("lab.panel.path_loss"), "plane": t("lab.panel.plane")}  # fmt: skip
    if kind in ("compare", "where"):
        results = result.results if kind == "where" and hasattr(result, "results") else result
        names = [r.optimizer for r in results]
        args = dict(common, titles=titles, colors=lab_viz.palette(len(names), names), columns=2)
        if kind == "where" and hasattr(result, "results"):
            return View(report.landscape_curves(result), args, result, _run_notes(results))
        return View(report.training_curves(results), args, notes=_run_notes(results))
    if kind == "init":
        results = result[1] if isinstance(result, tuple) else result
        labels = {ex.init_label(i): init_title(i) for i in settings.training.inits}
        return View(report.training_curves(results), dict(common, titles=titles, columns=2, labels=labels,
                    colors=lab_viz.palette(len(results))), notes=_run_notes(results))  # fmt: skip
    if kind == "batch_norm":
        labels = {"batch_norm": t("lab.bn.with"), "no_batch_norm": t("lab.bn.without")}
        panel_titles = {f"{s:.3g}": t("lab.bn.panel", std=f"{s:.2g}") for s in result.scales}
        return View(report.batch_norm_curves(result), dict(common, titles=panel_titles, labels=labels,
                    columns=4, colors=lab_viz.palette(2), y_range=(0, 1.02), panel_height=190))  # fmt: skip
    if kind == "overfitting":
        labels = {r.label: t(f"lab.overfit.{r.label}") for r in result}
        notes = [t("lab.note.early_stop", step=r.stopped_at, best=r.eval_steps[r.best],
                   accuracy=f"{r.test_accuracy[r.best]:.3f}")
                 for r in result if r.label == "early_stopping" and r.stopped_at is not None]  # fmt: skip
        return View(report.overfitting_curves(result), dict(common, titles=labels, labels=labels, columns=2,
                    colors=lab_viz.palette(len(result)), y_range=(0, 1.02)), notes=notes)  # fmt: skip
    rounds = result
    panel_titles = {f"{i + 1}": t("lab.search.round", number=i + 1) for i in range(len(rounds))}
    best = [dataclasses.replace(one, results=one.results[: settings.keep]) for one in rounds]
    return View(report.search_curves(best), dict(common, titles=panel_titles, columns=3,
                colors=lab_viz.palette(settings.keep), y_range=(0, 1.02)))  # fmt: skip


def draw(page: Page, kind: str, settings: Any, result: Any, key: str) -> View:
    """The figures of a result; returns the view the exports use."""
    v = view(kind, settings, result)
    for note in v.notes:
        st.warning(note, icon="⚠️")
    plot = dict(dark=page.dark, font_size=page.font_size)
    if kind == "where" and v.landscape is not None:
        if v.landscape.explained is not None:
            st.caption(t("lab.where.explained", first=f"{100 * v.landscape.explained[0]:.0f}",
                         second=f"{100 * v.landscape.explained[1]:.0f}"))  # fmt: skip
        st.plotly_chart(lab_viz.landscape_figure(v.landscape, colors=v.figure_args["colors"], **plot),
                        key=f"{key}_plane", theme=None, config=sections.PLOTLY_CONFIG)  # fmt: skip
        line_view = View(report.training_curves(v.landscape.results), v.figure_args)
        st.plotly_chart(lab_viz.curves_figure(line_view.curves, **v.figure_args, **plot),
                        key=f"{key}_curves", theme=None, config=sections.PLOTLY_CONFIG)  # fmt: skip
        return v
    if kind == "init" and isinstance(result, tuple):
        histograms = result[0]
        chosen = st.segmented_control(t("lab.ctl.hist_init"), list(histograms.inits), default=histograms.inits[0],
                                      format_func=init_title, key="hist_init", required=True)  # fmt: skip
        curves = report.histogram_curves(histograms, chosen)
        titles = {c.panel: t("lab.hist.panel", activation=t(f"lab.act.{c.panel.split('/')[0]}"),
                             layer=c.panel.split("/")[1]) for c in curves}  # fmt: skip
        st.plotly_chart(lab_viz.curves_figure(curves, titles=titles, columns=5,
                                              panel_height=170, **plot),
                        key=f"{key}_hist", theme=None, config=sections.PLOTLY_CONFIG)  # fmt: skip
        spread = {
            a: ", ".join(f"{s:.3g}" for s in histograms.std[chosen][a])
            for a in histograms.activations
        }
        st.caption(
            t(
                "lab.hist.std",
                values="; ".join(f"{t(f'lab.act.{a}')}: {s}" for a, s in spread.items()),
            )
        )
        st.subheader(t("lab.init.curves"))
    if kind == "search":
        st.plotly_chart(lab_viz.search_figure(result, **plot), key=f"{key}_search", theme=None,
                        config=sections.PLOTLY_CONFIG)  # fmt: skip
        best = result[-1].results[0]
        st.success(
            t("lab.search.best", label=best.label, accuracy=f"{best.validation_accuracy[-1]:.3f}")
        )
    st.plotly_chart(lab_viz.curves_figure(v.curves, **v.figure_args, **plot), key=f"{key}_curves",
                    theme=None, config=sections.PLOTLY_CONFIG)  # fmt: skip
    return v


def partial_view(kind: str, partial: list) -> list:
    """The curves to stream while training (the pass under way)."""
    if kind in ("compare", "where", "init"):
        return report.training_curves(partial)
    return [c for k, r in enumerate(partial) for c in report.accuracy_curves(r, "accuracy", k)]


def live(page: Page, kind: str, job: LabJob) -> None:
    """The job while it trains: progress, stop button, curves so far; one rerun at the end."""

    language = i18n.get_language()

    # A fragment's own reruns skip the page's setup, where the language is set.
    @st.fragment(run_every=POLL_SECONDS)
    def poll() -> None:
        with i18n.use_language(language):
            poll_in_language()

    def poll_in_language() -> None:
        if job.finished:
            st.rerun(scope="app")
        st.progress(job.fraction, text=t("lab.run.progress", percent=f"{100 * job.fraction:.0f}"))
        if st.button(t("lab.run.stop"), key="lab_stop", icon=":material/stop:"):
            job.stop.set()
        if job.partial:
            curves = partial_view(kind, job.partial)
            names = [r.optimizer for r in job.partial]
            figure = lab_viz.curves_figure(
                curves, titles={"loss": t("lab.panel.loss"), "accuracy": t("lab.panel.accuracy")},
                colors=lab_viz.palette(len(names), names if kind in ("compare", "where") else None),
                x_title=t("lab.fig.step"), dark=page.dark, font_size=page.font_size,
            )  # fmt: skip
            st.plotly_chart(figure, key="lab_live", theme=None, config=sections.PLOTLY_CONFIG)

    poll()


def _in_language(language: str, make: Callable[[], bytes | str]) -> Callable[[], bytes | str]:
    """Deferred download data runs outside the script's context: keep the language."""

    def run() -> bytes | str:
        with i18n.use_language(language):
            return make()

    return run


def export_section(kind: str, settings: Any, v: View) -> None:
    """Downloads: PNG/SVG/PDF of the figure, CSV/JSON of every curve, the settings file."""
    box = sections.lazy_expander(
        t("lab.export.title"), key=f"_lab_export_{kind}", icon=":material/download:"
    )
    if not box.open:
        return
    language = i18n.get_language()
    stem = f"training-lab-{kind}"
    images = v.landscape is not None
    curves = [c for c in v.curves if c.panel == "plane"] if images else v.curves
    args = {k: v.figure_args.get(k) for k in ("titles", "labels", "columns", "x_title")}
    styles = {**lab_viz.SERIES_STYLE}

    def picture(fmt: str) -> bytes:
        return lab_exports.image(
            curves, fmt, titles=args["titles"] or {}, labels=args["labels"] or {},
            colors=v.figure_args.get("colors") or lab_viz.palette(8), series_styles=styles,
            columns=args["columns"] or 2, x_title=args["x_title"] or "",
            title=t(f"lab.exp.{kind}.title"), landscape=v.landscape,
        )  # fmt: skip

    with box:
        columns = st.columns(3)
        for index, fmt in enumerate(lab_exports.IMAGE_FORMATS):
            columns[index].download_button(
                fmt.upper(), _in_language(language, lambda fmt=fmt: picture(fmt)),
                file_name=f"{stem}.{fmt}", mime=lab_exports.IMAGE_FORMATS[fmt], key=f"lab_dl_{fmt}",
                on_click="ignore", icon=":material/image:",
            )  # fmt: skip
        columns = st.columns(3)
        data = {
            "csv": (lambda: lab_exports.curves_csv(v.curves), f"{stem}.curves.csv"),
            "json": (
                lambda: lab_exports.curves_json(kind, settings, v.curves),
                f"{stem}.curves.json",
            ),
            "settings": (
                lambda: lab_exports.settings_json(kind, settings),
                f"{stem}.settings.json",
            ),
        }
        for index, (fmt, (make, name)) in enumerate(data.items()):
            columns[index].download_button(
                t(f"lab.export.{fmt}"), _in_language(language, make), file_name=name,
                mime=lab_exports.DATA_FORMATS[fmt], key=f"lab_dl_{fmt}", on_click="ignore",
                icon=":material/table:",
            )  # fmt: skip


def show(page: Page, kind: str, settings: Any) -> None:
    """Train on request (or show the cached result for these settings), live while it runs."""
    key = settings_key(kind, settings)
    result = cached(key)
    job: LabJob | None = st.session_state.get(_JOB_STATE)
    running = job is not None and not job.finished
    left, right = st.columns([1, 3])
    if left.button(t("lab.run.train"), type="primary", icon=":material/play_arrow:", key="lab_train",
                   disabled=running, help=t("lab.run.train_help")):  # fmt: skip
        job = submit(kind, settings)
        st.session_state[_JOB_STATE] = job
        running = not job.finished
    if running and job is not None:
        right.caption(t("lab.run.running"))
        live(page, kind, job)
        return
    if result is None and job is not None and job.key == key:
        if job.error:
            st.error(t("app.run.error", message=job.error))
            return
        if job.stopped:
            st.info(t("lab.run.stopped"))
            if job.partial and kind in ("compare", "init"):
                draw(page, kind, settings, job.partial, "lab_partial")
            return
        result = job.result
    if result is None:
        right.caption(t("lab.run.idle"))
        return
    v = draw(page, kind, settings, result, "lab")
    export_section(kind, settings, v)
