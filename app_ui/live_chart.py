"""The live chart: a Streamlit custom component (`st.components.v2`, no iframe) that holds
the contour, the paths, the hot controls, the player and the state inspector, and runs
the browser engine (`optim_core.jscodegen`, `surfaces.jscode`) on every input event.

The server stays the source of truth.  The component gets everything the engine needs
from the server (the schedule's config, the seeded noise draws, L-BFGS's path), redraws
while a control moves and sends nothing; when a control is released it sends the new
values as a trigger (`commit`), `apply_commit` writes them into the widgets' session
state, and the rerun that follows updates the URL, the exports and the settings files
with the numbers that were on screen (the parity test pins that they are the same).

Drawn on a canvas over the contour image of `viz.background`, in the colours of
`viz.style`: measured in `benchmarks/live_benchmark.py`.  While a surface parameter moves
the browser redraws that image itself from the rule `viz.background.browser_rule` sends
(checked pixel-wise against the server's in `tests/browser/test_live.py`).
"""

from __future__ import annotations

import base64
import re
import unicodedata
from collections.abc import Sequence
from functools import cache, partial
from pathlib import Path
from typing import Any

import numpy as np
import streamlit as st

import optim_core
from app_ui import controls, runs
from app_ui.page import Page
from experiments import Experiment
from foundation.params import Param, ParameterError
from i18n import t
from optim_core import engine, jscodegen, schedules
from surfaces import jscode
from viz import background, layout, style

ASSETS = Path(__file__).with_name("live")
COMPONENT_NAME = "optimizer_playground.live_chart"
# The steps control reaches this far without a rerun; the noise draws are sent for as
# many steps.
MIN_LIVE_STEPS = 300
LIVE_STEP_KEY = "k"  # Explore's inspected step (URL-bound, as before)
STRING_KEYS = (
    "play", "pause", "first", "previous", "next", "last", "step", "steps", "run", "start",
    "minimum", "saddle", "diverged", "loss", "inspector", "quantity", "meaning", "exact_grad",
    "rate", "server_only", "speed", "settings", "arrow_gradient",
    "arrow_momentum", "arrow_update",
)  # fmt: skip
# Unicode names the Greek lambda "LAMDA"; the others are not letters.
_SYMBOLS = {"lambda": "λ", "Lambda": "Λ", "nabla": "∇", "varepsilon": "ε", "mathrm": ""}
_ACCENTS = {r"\hat": "\u0302", r"\bar": "\u0304", r"\tilde": "\u0303"}


def _letter(command: str) -> str:
    """The character of a LaTeX command such as `beta` or `Delta`."""
    case = "CAPITAL" if command[0].isupper() else "SMALL"
    try:
        return unicodedata.lookup(f"GREEK {case} LETTER {command.upper()}")
    except KeyError:
        return _SYMBOLS.get(command, command)


def plain_symbol(latex: str) -> str:
    """A slot's LaTeX symbol as text the component can show without KaTeX.

    >>> plain_symbol(r"\\hat m_t"), plain_symbol(r"\\eta_{\\mathrm{eff}}"), plain_symbol("H^{-1}g")
    ('m̂_t', 'η_eff', 'H⁻¹g')
    """
    text = latex
    for accent, mark in _ACCENTS.items():
        text = re.sub(re.escape(accent) + r"\s*(\w)", lambda m, mark=mark: m.group(1) + mark, text)
    text = re.sub(r"\\mathrm\{(\w+)\}", r"\1", text)
    text = re.sub(r"\\([A-Za-z]+)", lambda m: _letter(m.group(1)), text)
    text = text.replace("^{-1}", "⁻¹")
    return text.replace("{", "").replace("}", "").replace(" ", "")


@cache
def _component():
    engine_js = jscodegen.engine_source()
    chart_js = (ASSETS / "chart.js").read_text(encoding="utf-8")
    return st.components.v2.component(
        COMPONENT_NAME,
        html='<div class="live-root"></div>',
        css=(ASSETS / "chart.css").read_text(encoding="utf-8"),
        js=engine_js + "\n" + chart_js,
    )


def _control(key: str, param: Param, value: Any, label: str) -> dict[str, Any]:
    low = param.ui_low if param.ui_low is not None else param.low
    high = param.ui_high if param.ui_high is not None else param.high
    return {
        "key": key, "name": param.name, "label": label, "low": float(low), "high": float(high),
        "log": bool(param.log), "int": param.kind == "int", "value": float(value),
    }  # fmt: skip


def packed(values: Any) -> dict[str, str]:
    """Numbers as base64 of little-endian float64 (`unpack` in chart.js reads them back
    bit for bit).  Encoding 4 runs x 600 steps this way instead of as JSON numbers took a
    Compare rerun's work on the chart's data (Streamlit dumps it twice and hashes it) from
    about 19% of the page's time to about 3% (py-spy, benchmarks/load_benchmark.py)."""
    array = np.ascontiguousarray(values, dtype="<f8").ravel()
    return {"f64": base64.b64encode(array.tobytes()).decode("ascii")}


def unpacked(value: dict[str, str]) -> np.ndarray:
    """The numbers `packed` encoded."""
    return np.frombuffer(base64.b64decode(value["f64"]), dtype="<f8")


def _param_label(param: Param) -> str:
    name = t(f"param.{param.name}.label", default=param.name)
    symbol = plain_symbol(param.symbol) if param.symbol else ""
    return f"{name} {symbol}".strip()


SCHEDULE_PREFIX = "sched_"  # a run's schedule controls: widget keys o<slot>_sched_<param>


def _schedule_data(config: dict[str, Any], slot: int) -> dict[str, Any]:
    """The run's schedule controls: its number parameters (the bool and list ones stay in
    the sidebar), named `sched_<param>` in the run's values."""
    params = controls.schedule_params(config["name"])
    return {
        "title": t("live_schedule.heading", name=controls.schedule_title(config["name"])),
        "controls": [
            _control(f"o{slot}_{SCHEDULE_PREFIX}{p.name}", p, config[p.name], _param_label(p))
            | {"name": SCHEDULE_PREFIX + p.name}
            for p in params
            if p.kind in ("float", "int")
        ],
        "plateauKeys": list(jscodegen.PLATEAU_KEYS),
    }


def _run_data(experiment: Experiment, index: int, trajectory, label: str, color: str,
              slot: int, steps_max: int) -> dict[str, Any]:  # fmt: skip
    """One run's part of the chart's data."""
    run = experiment.runs[index]
    spec = optim_core.spec(run.optimizer)
    hyper = run.resolved_hyper()
    browser = None
    if spec.family != "lbfgs":
        browser = jscodegen.browser_run(
            run.optimizer, experiment.surface_object(), experiment.start_point, experiment.steps,
            steps_max=steps_max, convention=run.convention, schedule=run.schedule,
            noise=experiment.noise, noise_mode=experiment.noise_mode, seed=experiment.seed,
            gradient=experiment.gradient, fd_step=experiment.fd_step, **hyper,
        )  # fmt: skip
    return {
        "label": label,
        "color": color,
        "dash": style.optimizer_dash(experiment.runs[index].optimizer),
        "optimizer": run.optimizer,
        "slot": slot,
        "browser": browser,
        # What the server computed: the browser's numbers are checked against it, and a
        # method the browser cannot repeat (L-BFGS's line search) is drawn from it.
        "server": {
            "path": packed(trajectory.path),
            "loss": packed(trajectory.loss),
            "divergedAt": -1 if trajectory.diverged_at is None else int(trajectory.diverged_at),
        },
        "controls": [
            _control(f"o{slot}_{p.name}", p, hyper[p.name], _param_label(p))
            for p in spec.params
            if p.kind in ("float", "int") and spec.family != "lbfgs"
        ],
        "slots": [
            {
                "name": s.name,
                "symbol": plain_symbol(s.symbol),
                "help": t(f"optimizer.{spec.name}.state.{s.name}.help", default=s.help),
            }
            for s in spec.state
        ],
        "schedule": _schedule_data(schedules.normalize(run.schedule), slot)
        if browser is not None
        else {"title": "", "controls": [], "plateauKeys": []},
    }


def live_data(page: Page, experiment: Experiment, trajectories: Sequence, labels: Sequence[str],
              *, mode: str, step: int | None = None) -> dict[str, Any]:  # fmt: skip
    """Everything the component draws and recomputes from (JSON-ready)."""
    surface = experiment.surface_object()
    definition = surface.definition
    steps_max = min(controls.UI_MAX_STEPS, max(2 * experiment.steps, MIN_LIVE_STEPS))
    colors = style.run_colors([r.optimizer for r in experiment.runs], dark=page.dark)
    surface_controls = [
        _control(f"{surface.name}_{p.name}", p, surface.param_values[p.name], _param_label(p))
        for p in definition.params
    ]
    run_data = [
        _run_data(experiment, i, trajectories[i], labels[i], colors[i], i + 1, steps_max)
        for i in range(len(experiment.runs))
    ]
    # Every run sees the same seeded draws: sent once.
    draws = [data["browser"].pop("noise") for data in run_data if data["browser"]]
    return {
        "mode": mode,
        "dark": page.dark,
        "strings": {k: t(f"live.{k}") for k in STRING_KEYS},
        "surface": {
            "name": surface.name,
            "js": jscode.javascript(definition.expression, definition.parameter_names),
            "domain": [list(surface.domain[0]), list(surface.domain[1])],
            "background": runs.background_for(experiment, page.dark),
            "contour": background.browser_rule(surface, page.dark),
            "minima": [list(p.xy) for p in surface.minima],
            "saddles": [list(p.xy) for p in surface.saddles],
            "controls": surface_controls,
        },
        "start": [float(v) for v in experiment.start_point],
        "startLimit": controls.START_LIMIT,
        "steps": _control("steps", engine.STEPS, experiment.steps, t("live.steps"))
        | {"low": 1.0, "high": float(steps_max), "int": True, "log": False},
        "noise": _control("noise", engine.NOISE, experiment.noise, _param_label(engine.NOISE)),
        "runs": run_data,
        "noiseDraws": packed(draws[0] if draws else []),
        "step": experiment.steps if step is None else min(int(step), experiment.steps),
        "commitSeq": int(st.session_state.get("_live_seq", 0)),
        "style": {
            "minimum": style.MINIMUM_SYMBOL,
            "saddle": style.SADDLE_SYMBOL,
            "arrows": {k: layout.ink(v, page.dark) for k, v in _arrow_colors().items()},
        },
    }


def _arrow_colors() -> dict[str, str]:
    from viz.arrows import ARROW_COLORS

    return ARROW_COLORS


def _validated(param: Param, value: Any, owner: str) -> Any:
    value = param.validate(value, owner=owner)
    return int(value) if param.kind == "int" else float(value)


def apply_commit(key: str, experiment_json: str) -> None:
    """`on_commit_change`: the released values become the widgets' values (and so the
    URL's).  A value the engine would refuse is dropped with the others kept."""
    state = st.session_state.get(key) or {}
    commit = state.get("commit") if hasattr(state, "get") else None
    if not isinstance(commit, dict):
        return
    # Acknowledged first, even if refused: the component waits for this number before it
    # takes the server's values again.
    st.session_state["_live_seq"] = int(commit.get("seq", 0))
    experiment = Experiment.from_json(experiment_json)
    surface = experiment.surface_object()
    params = {p.name: p for p in surface.definition.params}
    updates: dict[str, Any] = {}
    try:
        for name, value in (commit.get("surface") or {}).items():
            updates[f"{surface.name}_{name}"] = _validated(params[name], value, surface.name)
        if "start" in commit:
            x, y = (float(v) for v in commit["start"])
            engine.validate_start((x, y))
            if max(abs(x), abs(y)) <= controls.START_LIMIT:
                updates["x0"], updates["y0"] = x, y
        if "steps" in commit:
            high = controls.UI_MAX_STEPS
            updates["steps"] = min(_validated(engine.STEPS, commit["steps"], "steps"), high)
        if "noise" in commit:
            updates["noise"] = _validated(engine.NOISE, commit["noise"], "noise")
        for run in commit.get("runs") or []:
            slot = int(run["slot"])
            config = experiment.runs[slot - 1]
            spec = optim_core.spec(config.optimizer)
            schedule = schedules.normalize(config.schedule)
            schedule_owner = f"{schedule['name']} schedule"
            for name, value in (run.get("values") or {}).items():
                if name.startswith(SCHEDULE_PREFIX):
                    param_name = name.removeprefix(SCHEDULE_PREFIX)
                    param = {p.name: p for p in controls.schedule_params(schedule["name"])}
                    value = _validated(param[param_name], value, schedule_owner)
                    schedule[param_name] = value
                    updates[f"o{slot}_{name}"] = value
                else:
                    updates[f"o{slot}_{name}"] = _validated(spec.param(name), value, spec.name)
            schedules.normalize(schedule)  # the checks that span several parameters
        if "step" in commit:
            updates[LIVE_STEP_KEY] = max(0, int(commit["step"]))
    except (ParameterError, KeyError, TypeError, ValueError, IndexError):
        return  # a value no control accepts: keep what the user had
    st.session_state.update(updates)


def live_chart(page: Page, experiment: Experiment, trajectories: Sequence, labels: Sequence[str],
               *, mode: str, key: str, step: int | None = None) -> None:  # fmt: skip
    """Mount the live chart for `experiment` (its runs already computed by the server)."""
    data = live_data(page, experiment, trajectories, labels, mode=mode, step=step)
    _component()(
        key=key,
        data=data,
        on_commit_change=partial(apply_commit, key, experiment.to_json()),
    )
