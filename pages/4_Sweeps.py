"""Sweeps: every setting at once.  A hyperparameter map (a click opens a cell's run on
Explore), random search in rounds, fair tuning with one budget,
basins of attraction, noise ensembles, the theory of quadratics and challenges."""

from dataclasses import replace

import numpy as np
import streamlit as st

import i18n
import optim_core
from app_ui import controls, fields, links, sections
from app_ui import sweeps as runs
from app_ui.page import LANG_KEY, setup_page
from experiments import Experiment, RunConfig
from experiments.challenges import GOAL, WITHIN, Challenge
from experiments.experiment import MAX_RUNS
from exports import sweeps as sweep_exports
from i18n import error_text, t
from optim_core import ParameterError, sweeps, theory, tuning
from surfaces import FORMULA
from viz import sweeps as figures

DEFAULT = Experiment(
    surface="bowl",
    start=(-7.0, 2.0),
    steps=100,
    runs=(RunConfig("momentum", {"lr": 0.1, "momentum": 0.9}),),
)
VIEWS = ("map", "search", "tune", "basins", "ensemble", "theory", "challenge")
RESOLUTION = optim_core.Param("res", 40, "Cells per axis.", kind="int", low=2, high=128)
BASIN_RESOLUTION = optim_core.Param("bres", 100, "Starts per axis.", kind="int", low=10, high=200)
ENSEMBLE_RUNS = optim_core.Param("ens_n", 32, "Runs.", kind="int", low=2, high=256)
ENSEMBLE_NOISE = optim_core.Param(
    "ens_noise", 0.5, "Gradient noise σ of every run.", symbol=r"\sigma", low=0.0, low_open=True,
    ui_low=0.05, ui_high=5.0,
)  # fmt: skip
DEFAULT_TUNED = ("sgd", "momentum", "rmsprop", "adam")
BASIN_SURFACES = ("himmelblau", "local_minima", "rastrigin")


def optimizer_list(key: str, label: str, default: tuple[str, ...], help_text: str) -> list[str]:
    """A URL-bound multiselect of optimizers (``key=sgd,adam``)."""
    page.url_keys.add(key)
    names = optim_core.names()
    raw = st.query_params.get(key)
    initial = list(default)
    if raw is not None and key not in st.session_state:
        chosen = [n for n in raw.split(",") if n in names]
        if chosen:
            initial = chosen
        else:
            page.note(key, raw, t("app.field.one_of", options=", ".join(names)))
    chosen = st.multiselect(label, names, default=initial, format_func=controls.optimizer_title,
                            key=key, help=help_text)  # fmt: skip
    fields.sync_url(page, key, ",".join(chosen), ",".join(default))
    return chosen or list(default)


def axis_choices(optimizer: str) -> list[str]:
    return [p.name for p in optim_core.spec(optimizer).params if p.kind == "float"
            and p.ui_low is not None and p.ui_high is not None]  # fmt: skip


def axis_values(optimizer: str, name: str, count: int) -> np.ndarray:
    param = figures.param_of(optimizer, name)
    if param.log:
        return np.geomspace(param.ui_low, param.ui_high, count)
    return np.linspace(param.ui_low, param.ui_high, count)


def use_settings(settings: dict[str, float]) -> None:
    """Callback: these hyperparameters become the sidebar's (and so the links')."""
    for name, value in settings.items():
        st.session_state[f"o1_{name}"] = float(value)


def cell_clicked(experiment: Experiment, names: list[str], bound: frozenset[str]) -> None:
    """`on_select` of the map: open the clicked cell's run on Explore.

    The run is `experiment` with the cell's hyperparameters.  Its URL-bound settings go
    into the session, which keeps them by key across pages; the others (the choices:
    surface, optimizer, ...) travel in the switch's query parameters, which Streamlit
    refuses to set for a key bound to a widget."""
    try:
        points = st.session_state["sweep_map"]["selection"]["points"]
    except (KeyError, TypeError):
        return
    clicked = [p for p in points if isinstance(p.get("x"), (int, float))]
    if not clicked:
        return
    point = clicked[-1]
    cell = {names[0]: float(point["x"])}
    if len(names) == 2 and isinstance(point.get("y"), (int, float)):
        cell[names[1]] = float(point["y"])
    use_settings(cell)
    run = experiment.runs[0]
    chosen = experiment.with_runs((replace(run, hyper={**run.resolved_hyper(), **cell}),))
    params = links.explore_params(chosen)
    query = {key: value for key, value in params.items() if key not in bound}
    query[LANG_KEY] = st.query_params.get(LANG_KEY) or i18n.get_language()
    st.switch_page(links.EXPLORE_PAGE, query_params=query)


def surface_name(experiment: Experiment) -> str:
    """The surface as a figure names it: a typed function by its formula."""
    if experiment.surface == FORMULA:
        return experiment.formula
    return controls.surface_title(experiment.surface)


def settings_text(settings: dict[str, float], optimizer: str) -> str:
    return ", ".join(f"{figures.param_title(n, optimizer)} = {v:.4g}" for n, v in settings.items())


def explore_link(experiment: Experiment, label: str) -> None:
    """A link that opens `experiment`'s run (the sidebar's settings) on Explore."""
    params = {**links.explore_params(experiment), LANG_KEY: i18n.get_language()}
    st.page_link(links.EXPLORE_PAGE, label=label, icon=":material/search:", query_params=params)


def use_button(settings: dict[str, float], optimizer: str, key: str) -> None:
    text = settings_text(settings, optimizer)
    st.button(t("sweeps.map.use_best", settings=text), key=key, on_click=use_settings,
              args=(settings,), icon=":material/arrow_back:")  # fmt: skip


def criterion_controls(container) -> tuple[str, float]:
    criterion = fields.choice(
        page, "crit", t("sweeps.ctl.criterion"), sweeps.CRITERIA, "final_loss",
        titles=lambda c: t(f"sweeps.criterion_name.{c}"), help=t("sweeps.ctl.criterion_help"),
        container=container, horizontal=True,
    )  # fmt: skip
    tolerance = sweeps.TOLERANCE.default
    if criterion == "steps_to_tol":
        tolerance = fields.float_control(
            page, "tol", sweeps.TOLERANCE, tolerance, label=t("sweeps.ctl.tolerance"),
            help=t("sweeps.ctl.tolerance_help"), container=container,
        )  # fmt: skip
    return criterion, tolerance


def map_axes(optimizer: str):
    """The map's x and y hyperparameters (y may be none) and a free third column."""
    choices = axis_choices(optimizer)
    left, right, res_col = st.columns(3)
    x_name = fields.choice(page, "sx", t("sweeps.ctl.x_axis"), choices, "lr",
                           titles=lambda n: figures.param_title(n, optimizer), container=left,
                           help=t("sweeps.ctl.axis_help"))  # fmt: skip
    others = [c for c in choices if c != x_name]
    y_default = next((n for n in tuning.TUNED if n in others), "none")
    y_name = fields.choice(page, "sy", t("sweeps.ctl.y_axis"), ["none", *others], y_default,
                           titles=lambda n: t("sweeps.ctl.no_axis") if n == "none"
                           else figures.param_title(n, optimizer), container=right,
                           help=t("sweeps.ctl.axis_help"))  # fmt: skip
    return [x_name] + ([] if y_name == "none" else [y_name]), res_col


def show_map(experiment: Experiment, criterion: str, tolerance: float) -> None:
    run = experiment.runs[0]
    names, column = map_axes(run.optimizer)
    resolution = fields.int_control(page, "res", t("sweeps.ctl.resolution"), RESOLUTION.default,
                                    2, int(RESOLUTION.high), help=t("sweeps.ctl.resolution_help"),
                                    container=column)  # fmt: skip
    grid = {n: axis_values(run.optimizer, n, resolution) for n in names}
    fixed = runs.fixed_settings(experiment, without=tuple(names))
    # The swept hyperparameters' sidebar values do not change the map: not in its key.
    key = dict(o=run.optimizer, s=experiment.surface, x=experiment.start_point, n=experiment.steps,
               f=fixed, g=names, r=resolution, c=criterion, tol=tolerance)  # fmt: skip
    result = runs.cached("map", key, lambda progress: optim_core.sweep(
        run.optimizer, experiment.surface_object(), grid, start=experiment.start_point,
        steps=experiment.steps, criterion=criterion, tolerance=tolerance, progress=progress, **fixed,
    ))  # fmt: skip
    quad = theory.quadratic(experiment.surface_object())
    figure = figures.map_figure(result, theory=quad, convention=run.convention, dark=page.dark,
                                font_size=page.font_size)  # fmt: skip
    st.caption(t("sweeps.map.hint"))
    bound = frozenset(page.url_keys - page.manual_keys)  # the sidebar's URL-bound controls
    st.plotly_chart(figure, key="sweep_map", on_select=lambda: cell_clicked(experiment, names, bound),
                    selection_mode="points", theme=None, config=sections.PLOTLY_CONFIG)  # fmt: skip
    diverged = int((result.diverged_at >= 0).sum())
    st.caption(t("sweeps.map.summary", cells=result.values.size, diverged=diverged,
                 steps=result.steps))  # fmt: skip
    best = result.best()
    if best is not None:
        use_button(result.settings_at(best[0]), run.optimizer, "_use_map_best")
    if quad is not None:
        theory_table(quad, run.optimizer, run.convention)
    export_map(result, figure_title=t("sweeps.view.map"))


def theory_table(quad, optimizer: str, convention: str | None) -> None:
    rows = [t("sweeps.theory.spectrum", low=f"{quad.eigenvalues[0]:.4g}",
              high=f"{quad.eigenvalues[1]:.4g}", kappa=f"{quad.condition_number:.4g}")]  # fmt: skip
    if quad.positive_definite:
        rows.append(t("sweeps.theory.gd_line", limit=f"{quad.gd_stability_limit:.4g}",
                      optimal=f"{quad.gd_optimal_lr:.4g}",
                      rate=f"{quad.gd_rate(quad.gd_optimal_lr):.4g}"))  # fmt: skip
        alpha, beta = quad.momentum_optimal()
        if optimizer == "momentum":
            hyper = theory.momentum_hyper(
                alpha, beta, optim_core.spec("momentum").convention(convention).name
            )
            rows.append(t("sweeps.theory.momentum_line", lr=f"{hyper['lr']:.4g}",
                          momentum=f"{hyper['momentum']:.4g}", rate=f"{quad.momentum_rate(alpha, beta):.4g}"))  # fmt: skip
    else:
        rows.append(t("sweeps.theory.not_convex"))
    st.info("\n\n".join(rows), icon=":material/functions:")


def export_map(result, figure_title: str) -> None:
    box = sections.lazy_expander(t("export.panel.title"), key="_export_sweep",
                                 icon=":material/download:")  # fmt: skip
    if not box.open:
        return
    with box:
        cols = st.columns(4)
        stem = f"sweep_{result.optimizer}_{result.surface.name}"
        cols[0].download_button("CSV", sweep_exports.sweep_csv(result), file_name=f"{stem}.csv",
                                mime="text/csv", key="_sweep_csv")  # fmt: skip
        for col, fmt in zip(cols[1:], ("png", "svg", "pdf"), strict=True):
            col.download_button(fmt.upper(), sweep_exports.sweep_image(result, fmt, title=figure_title),
                                file_name=f"{stem}.{fmt}", mime=sweep_exports.MIME[fmt],
                                key=f"_sweep_{fmt}", on_click="ignore")  # fmt: skip


def show_search(experiment: Experiment, criterion: str, tolerance: float) -> None:
    run = experiment.runs[0]
    names, _ = map_axes(run.optimizer)
    left, mid, right = st.columns(3)
    trials = fields.int_control(page, "rs_n", t("sweeps.ctl.trials"), 30, 1, 1024,
                                help=t("sweeps.ctl.trials_help"), container=left)  # fmt: skip
    rounds = fields.int_control(page, "rs_rounds", t("sweeps.ctl.rounds"), 2, 1, 6,
                                help=t("sweeps.ctl.rounds_help"), container=mid)  # fmt: skip
    shrink = fields.float_control(page, "rs_shrink", tuning.SHRINK, 0.25,
                                  label=t("sweeps.ctl.shrink"), help=t("sweeps.ctl.shrink_help"),
                                  container=right)  # fmt: skip
    fixed = runs.fixed_settings(experiment, without=tuple(names))
    seed = fixed.pop("seed")
    key = dict(
        e=experiment.to_dict(), g=names, n=trials, r=rounds, s=shrink, c=criterion, tol=tolerance
    )
    search = runs.cached("search", key, lambda progress: optim_core.random_search(
        run.optimizer, experiment.surface_object(), dict.fromkeys(names), trials=trials,
        rounds=rounds, shrink=shrink, seed=seed, start=experiment.start_point,
        steps=experiment.steps, criterion=criterion, tolerance=tolerance, **fixed,
    ))  # fmt: skip
    st.caption(t("sweeps.search.hint", seed=seed))
    st.plotly_chart(figures.search_figure(search, dark=page.dark, font_size=page.font_size),
                    key="search_chart", theme=None, config=sections.PLOTLY_CONFIG)  # fmt: skip
    best = search.best()
    if best is None:
        st.warning(t("sweeps.search.all_diverged"))
        return
    settings, value, _ = best
    text = settings_text(settings, run.optimizer)
    st.success(t("sweeps.search.best_line", settings=text, value=figures.number(value)))
    use_button(settings, run.optimizer, "_use_search_best")


def show_tune(experiment: Experiment, criterion: str, tolerance: float) -> None:
    chosen = optimizer_list("tune_opts", t("sweeps.ctl.tune_optimizers"), DEFAULT_TUNED,
                            t("sweeps.ctl.tune_optimizers_help"))  # fmt: skip
    budget = fields.int_control(page, "budget", t("sweeps.ctl.budget"), 32, 1, 1024,
                                help=t("sweeps.ctl.budget_help"))  # fmt: skip
    first_order = [n for n in chosen if optim_core.spec(n).family == "first_order"]
    if len(first_order) < len(chosen):
        st.caption(t("sweeps.tune.first_order_only"))
    settings = dict(noise=experiment.noise, noise_mode=experiment.noise_mode,
                    gradient=experiment.gradient, surface_params=dict(experiment.surface_params))  # fmt: skip
    key = dict(e=experiment.to_dict(), o=first_order, b=budget, c=criterion, tol=tolerance)
    result = runs.cached("tune", key, lambda progress: optim_core.tune(
        first_order, experiment.surface_object(), budget=budget, criterion=criterion,
        tolerance=tolerance, seed=experiment.seed, start=experiment.start_point,
        steps=experiment.steps, progress=progress, **settings,
    ))  # fmt: skip
    criterion_title = figures.criterion_title(criterion, tolerance)
    caption = figures.tuning_caption(result, experiment.start_point, surface_name(experiment))
    st.plotly_chart(figures.tuning_figure(result, caption, dark=page.dark, font_size=page.font_size),
                    key="tune_chart", theme=None, config=sections.PLOTLY_CONFIG)  # fmt: skip
    rows = []
    for search in result.results:
        best = search.best()
        rounds = search.rounds[0]
        rows.append({
            t("sweeps.tune.col.optimizer"): controls.optimizer_title(search.optimizer),
            t("sweeps.tune.col.best"): "—" if best is None else settings_text(best[0], search.optimizer),
            criterion_title: "—" if best is None else figures.number(best[1]),
            t("sweeps.tune.col.diverged"): f"{int((rounds.diverged_at >= 0).sum())} / {len(rounds.values)}",
        })  # fmt: skip
    st.dataframe(rows, hide_index=True, width="stretch")
    at_best = tuple(RunConfig(search.optimizer, hyper=dict(best[0])) for search in result.results
                    if (best := search.best()) is not None)  # fmt: skip
    if at_best:
        params = links.experiment_params(experiment.with_runs(at_best[:MAX_RUNS]))
        st.page_link(links.COMPARE_PAGE, label=t("sweeps.tune.compare_best"),
                     icon=":material/compare_arrows:",
                     query_params={**params, LANG_KEY: i18n.get_language()})  # fmt: skip


def show_basins(experiment: Experiment) -> None:
    chosen = optimizer_list("basin_opts", t("sweeps.ctl.basin_optimizers"),
                            (experiment.runs[0].optimizer,), t("sweeps.ctl.basin_optimizers_help"))  # fmt: skip
    chosen = [n for n in chosen if optim_core.spec(n).family == "first_order"][:4]
    resolution = fields.int_control(page, "bres", t("sweeps.ctl.basin_resolution"),
                                    BASIN_RESOLUTION.default, 10, int(BASIN_RESOLUTION.high),
                                    help=t("sweeps.ctl.basin_resolution_help"))  # fmt: skip
    if experiment.surface not in BASIN_SURFACES:
        st.caption(t("sweeps.basins.suggest"))
    run = experiment.runs[0]
    maps = []
    for name in chosen:
        hyper = (dict(run.resolved_hyper(), convention=run.convention) if name == run.optimizer
                 else {"lr": run.resolved_hyper().get("lr", 0.01)})  # fmt: skip
        key = dict(e=experiment.to_dict(), o=name, r=resolution, h=hyper)
        maps.append(runs.cached("basins", key, lambda progress, name=name, hyper=hyper: optim_core.basins(
            name, experiment.surface_object(), resolution=resolution, steps=experiment.steps,
            surface_params=dict(experiment.surface_params), **hyper,
        )))  # fmt: skip
    st.caption(t("sweeps.basins.hint", steps=experiment.steps))
    if maps:
        st.plotly_chart(figures.basins_figure(maps, [controls.optimizer_title(n) for n in chosen],
                                              dark=page.dark, font_size=page.font_size),
                        key="basins_chart", theme=None, config=sections.PLOTLY_CONFIG)  # fmt: skip


def show_ensemble(experiment: Experiment) -> None:
    left, right = st.columns(2)
    count = fields.int_control(page, "ens_n", t("sweeps.ctl.ensemble_runs"), ENSEMBLE_RUNS.default,
                               2, int(ENSEMBLE_RUNS.high), help=t("sweeps.ctl.ensemble_runs_help"),
                               container=left)  # fmt: skip
    noise = fields.float_control(page, "ens_noise", ENSEMBLE_NOISE, experiment.noise or 0.5,
                                 label=t("sweeps.ctl.ensemble_noise"),
                                 help=t("sweeps.ctl.ensemble_noise_help"), container=right)  # fmt: skip
    fixed = runs.fixed_settings(experiment)
    for name in ("noise", "seed"):
        fixed.pop(name)
    key = dict(e=experiment.to_dict(), n=count, s=noise)
    run = experiment.runs[0]
    ens = runs.cached("ensemble", key, lambda progress: optim_core.ensemble(
        run.optimizer, experiment.surface_object(), runs=count, noise=noise, seed=experiment.seed,
        start=experiment.start_point, steps=experiment.steps, **fixed,
    ))  # fmt: skip
    st.caption(t("sweeps.ensemble.hint", runs=count, first=experiment.seed,
                 last=experiment.seed + count - 1, diverged=int((ens.diverged_at >= 0).sum())))  # fmt: skip
    st.plotly_chart(figures.ensemble_figure(ens, dark=page.dark, font_size=page.font_size),
                    key="ensemble_chart", theme=None, config=sections.PLOTLY_CONFIG)  # fmt: skip


def show_theory(experiment: Experiment) -> None:
    surface = experiment.surface_object()
    order = int(fields.choice(page, "order", t("sweeps.ctl.taylor_order"), ["1", "2"], "2",
                              titles=lambda o: t(f"sweeps.theory.taylor{o}"), horizontal=True,
                              help=t("sweeps.ctl.taylor_help")))  # fmt: skip
    quad = theory.quadratic(surface)
    try:
        model = theory.taylor(surface, experiment.start_point)
    except ParameterError as error:
        st.error(t("app.run.error", message=error_text(error)))
        return
    st.caption(t("sweeps.theory.hint"))
    st.plotly_chart(figures.theory_figure(surface, model, quad=quad, order=order, dark=page.dark,
                                          font_size=page.font_size),
                    key="theory_chart", theme=None, config=sections.PLOTLY_CONFIG)  # fmt: skip
    if quad is None:
        st.caption(t("sweeps.theory.not_quadratic"))
    else:
        run = experiment.runs[0]
        theory_table(quad, run.optimizer, run.convention)


def show_challenge(experiment: Experiment) -> None:
    left, right = st.columns(2)
    goal = fields.float_control(page, "goal", GOAL, GOAL.default, label=t("sweeps.ctl.goal"),
                                help=t("sweeps.ctl.goal_help"), container=left)  # fmt: skip
    within = fields.int_control(page, "within", t("sweeps.ctl.within"), WITHIN.default, 1,
                                int(WITHIN.high), help=t("sweeps.ctl.within_help"), container=right)  # fmt: skip
    challenge = Challenge(goal, within)
    st.markdown(t("sweeps.challenge.intro", goal=f"{goal:g}", within=within))
    params = {**links.explore_params(experiment), **challenge.params()}
    st.page_link(links.EXPLORE_PAGE, label=t("sweeps.challenge.open"), icon=":material/flag:",
                 query_params=params)  # fmt: skip
    st.caption(t("sweeps.challenge.link_help"))


page = setup_page("sweeps")
side = st.sidebar
surface_choice, start, settings = controls.experiment_controls(page, DEFAULT, side)
side.subheader(t("app.explore.optimizer"))
run_config = controls.optimizer_controls(page, 1, DEFAULT.runs, side, show_label=False)

st.title(t("app.page.sweeps.title"))
st.caption(t("sweeps.intro"))
view = fields.choice(page, "view", t("sweeps.ctl.view"), VIEWS, "map",
                     titles=lambda v: t(f"sweeps.view.{v}"), horizontal=True,
                     help=t("sweeps.ctl.view_help"))  # fmt: skip
try:
    experiment_ = sections.build_experiment(surface_choice, start, settings, [run_config])
    st.session_state[sections.EXPERIMENT_STATE] = experiment_.to_json()
    if view in ("map", "search", "tune"):
        criterion_, tolerance_ = criterion_controls(st.container())
    if view == "map":
        show_map(experiment_, criterion_, tolerance_)
    elif view == "search":
        show_search(experiment_, criterion_, tolerance_)
    elif view == "tune":
        show_tune(experiment_, criterion_, tolerance_)
    elif view == "basins":
        show_basins(experiment_)
    elif view == "ensemble":
        show_ensemble(experiment_)
    elif view == "theory":
        show_theory(experiment_)
    else:
        show_challenge(experiment_)
except ParameterError as error:
    st.error(t("app.run.error", message=error_text(error)))
    page.finish(complete=False)
    st.stop()
explore_link(experiment_, t("sweeps.to_explore"))
page.finish()
