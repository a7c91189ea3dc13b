"""What one fuzz case calls (see `benchmarks/fuzz.py`): each entry point, then checks on
what it returned.  A check returns None when all is well, "rejected" for a clean refusal
(the CLI's one line and exit code 2), or a sentence naming the problem."""

from __future__ import annotations

import contextlib
import dataclasses
import io
import math
import re
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

import optim_core
from foundation.params import ParameterError

ROOT = Path(__file__).resolve().parents[1]
# A Markdown link or image whose brackets were not escaped: the browser would fetch or
# link it.
MARKDOWN_LINK = re.compile(r"(?<!\\)\[[^\]]*(?<!\\)\]\((?:https?:)?//")
CODE_SPAN = re.compile(r"`[^`]*`")  # Markdown inside a code span is shown as typed
# Work a settings file may ask of the fuzzer before it is only parsed, not run.
MAX_FUZZ_POINTS = 200_000

__all__ = ["ParameterError", "namespace"]


def _nonfinite(name: str, value: Any) -> str | None:
    arrays = value.values() if isinstance(value, dict) else [value]
    for array in arrays:
        array = np.asarray(array)
        if array.dtype.kind in "fc" and not np.all(np.isfinite(array)):
            return f"nonfinite: {name} holds NaN or infinity"
    return None


def check_trajectory(trajectory) -> str | None:
    for field in ("paths", "losses", "lrs", "states"):
        problem = _nonfinite(field, getattr(trajectory, field))
        if problem:
            return problem
    for kind in ("grad", "func", "hess"):
        problem = _nonfinite(f"{kind}_evals", getattr(trajectory, f"{kind}_evals"))
        if problem:
            return problem
    return None


def engine(*args: Any, **kwargs: Any) -> str | None:
    return check_trajectory(optim_core.run(*args, **kwargs))


def schedule_case(config: Any, lr: Any, total_steps: Any, step: Any) -> str | None:
    """A schedule over its first 300 steps, then at the hostile `step`."""
    from optim_core import schedules

    normalized = schedules.normalize(config)
    schedule = schedules.make(normalized, lr, total_steps)
    for rates in (schedule(np.arange(300)), schedule(step)):
        if np.any(np.asarray(rates) < 0):
            return "escaped: a negative learning rate"
        problem = _nonfinite("rates", rates)
        if problem:
            return problem
    return None


def _figures(experiment, trajectories) -> None:
    """The figures the pages and exports build from these runs."""
    from viz import background, contour, curves

    surface = experiment.surface_object()
    labels = [run.display_label for run in experiment.runs]
    contour.contour_figure(surface, trajectories, labels, max_frames=5).to_dict()
    contour.small_multiples_figure(surface, trajectories, labels, max_frames=5).to_dict()
    curves.comparison_curves_figure(trajectories, labels).to_dict()
    background.contour_background(surface, width=64)


def settings(text: str) -> str | None:
    from experiments import Experiment

    experiment = Experiment.from_json(text)
    again = Experiment.from_json(experiment.to_json())
    if again.to_dict() != experiment.to_dict():
        return "escaped: a settings file does not survive its own round trip"
    if experiment.steps * len(experiment.runs) > MAX_FUZZ_POINTS:
        return None
    trajectories = experiment.run()
    for trajectory in trajectories:
        problem = check_trajectory(trajectory)
        if problem:
            return problem
    _figures(experiment, trajectories)
    return None


_APP_TESTS: dict[str, Any] = {}


def url(page: str | None, query: dict[str, str]) -> str | None:
    """Open `page` with `query` as a visitor's link would."""
    from streamlit.testing.v1 import AppTest

    pages = {"explore": "pages/1_Explore.py", "compare": "pages/2_Compare.py",
             "schedules": "pages/3_Schedules.py"}  # fmt: skip
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    if page is not None:
        at.switch_page(pages[page])
    at.query_params = dict(query)
    at.run()
    if at.exception:
        stack = " | ".join(line.strip() for line in at.exception[0].stack_trace[-4:])
        return f"escaped: page exception: {str(at.exception[0].value)[:300]} at {stack[-400:]}"
    for kind in ("markdown", "warning", "error", "info", "caption", "success"):
        for element in getattr(at, kind):
            body = str(getattr(element, "value", "") or getattr(element, "body", ""))
            if MARKDOWN_LINK.search(CODE_SPAN.sub("", body)):
                return f"escaped: link text rendered as Markdown in {kind}: {body[:200]!r}"
            if len(body) > 20_000:
                return f"escaped: {len(body)} characters echoed in one {kind}"
    return None


def cli(argv: list[str], files: dict[str, str]) -> str | None:
    """`python -m exports` with `argv`, in a scratch folder holding `files`."""
    from exports import cli as exports_cli

    with tempfile.TemporaryDirectory() as folder:
        here = Path(folder)
        for name, text in files.items():
            (here / name).write_text(text, encoding="utf-8")
        argv = [
            str(here / a) if a in files or a in ("out", "missing.json", ".") else a for a in argv
        ]
        out, err = io.StringIO(), io.StringIO()
        code = 0
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = exports_cli.main(argv)
            except SystemExit as exit_:
                code = exit_.code
    message = err.getvalue().strip()
    if code == 2:
        if "Traceback" in message or len(message.splitlines()) != 1:
            return f"escaped: exit 2 but not one line: {message[-300:]!r}"
        return "rejected"
    if code not in (0, None):
        return f"escaped: exit code {code!r}: {message[-300:]!r}"
    return None


def namespace() -> dict[str, Any]:
    """What a case's line may name."""
    return {"np": np, "math": math, "engine": engine, "schedule_case": schedule_case,
            "settings": settings, "url": url, "cli": cli, "dataclasses": dataclasses}  # fmt: skip
