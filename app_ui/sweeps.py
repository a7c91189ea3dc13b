"""The Sweeps page's runs: settings from the sidebar's experiment, a small in-memory
cache shared by sessions, progress shown while a long family of runs computes.

Results are kept as objects (they hold a `Surface`, whose compiled callbacks do not
pickle, so `st.cache_data` cannot keep them); each is computed in the session's own
script thread, and the compiled loops release the GIL, so a long sweep never blocks
another session.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import streamlit as st

from experiments import Experiment
from i18n import t

CACHE_ENTRIES = 24
_cache: OrderedDict[str, Any] = OrderedDict()
_lock = threading.Lock()


def fixed_settings(experiment: Experiment, *, without: tuple[str, ...] = ()) -> dict[str, Any]:
    """The run settings of `experiment`'s first run as `optim_core` keyword arguments,
    leaving out the hyperparameters in `without` (the swept ones)."""
    run = experiment.runs[0]
    settings: dict[str, Any] = {k: v for k, v in run.resolved_hyper().items() if k not in without}
    settings.update(
        convention=run.convention, noise=experiment.noise, noise_mode=experiment.noise_mode,
        seed=experiment.seed, gradient=experiment.gradient, fd_step=experiment.fd_step,
        surface_params=dict(experiment.surface_params),
    )  # fmt: skip
    if run.schedule:
        settings["schedule"] = dict(run.schedule)
    return settings


def cached(kind: str, key: dict[str, Any], compute: Callable[[Callable[[int, int], None]], Any]):
    """`compute(progress)` once per (kind, key); a progress bar shows while it runs."""
    text = kind + json.dumps(key, sort_keys=True, default=str)
    with _lock:
        if text in _cache:
            _cache.move_to_end(text)
            return _cache[text]
    bar = st.progress(0.0, text=t("sweeps.progress"))

    def progress(done: int, total: int) -> None:
        bar.progress(done / max(total, 1), text=t("sweeps.progress"))

    try:
        result = compute(progress)
    finally:
        bar.empty()
    with _lock:
        _cache[text] = result
        while len(_cache) > CACHE_ENTRIES:
            _cache.popitem(last=False)
    return result


def challenge_banner(page, trajectory) -> None:
    """The challenge a link names (``?goal=1e-6&within=100``), checked live against the
    page's run, with the lever to pull when it is not met."""
    from experiments.challenges import URL_KEYS, Challenge
    from i18n import error_text
    from optim_core import ParameterError

    page.manual_keys.update(k for k in URL_KEYS if k in st.query_params)
    try:
        challenge = Challenge.from_params({k: st.query_params[k] for k in URL_KEYS
                                           if k in st.query_params})  # fmt: skip
    except ParameterError as error:
        st.warning(t("sweeps.challenge.bad_link", message=error_text(error)))
        return
    if challenge is None:
        return
    goal = t("sweeps.challenge.goal", goal=f"{challenge.goal:g}", within=challenge.within)
    if trajectory.steps < challenge.within:
        st.info(f"{goal}\n\n{t('sweeps.challenge.more_steps', within=challenge.within)}",
                icon=":material/flag:")  # fmt: skip
        return
    verdict = challenge.check(trajectory)
    if verdict.status == "reached":
        st.success(f"{goal}\n\n{t('sweeps.challenge.reached', step=verdict.step)}",
                   icon=":material/emoji_events:")  # fmt: skip
        return
    status = (t("sweeps.challenge.diverged", step=verdict.step) if verdict.status == "diverged"
              else t("sweeps.challenge.not_reached", gap=f"{verdict.final_gap:.3g}"))  # fmt: skip
    st.warning(f"{goal}\n\n{status} {t(f'sweeps.challenge.hint.{verdict.hint}')}",
               icon=":material/flag:")  # fmt: skip
