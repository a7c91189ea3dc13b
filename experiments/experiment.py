"""An experiment: one surface, one start, several optimizer runs: the unit the app shows,
a link shares, a settings file stores and the command line exports.

`Experiment.from_dict` is the one gate for settings from outside (URL, JSON file, CLI):
every value is validated and a bad one raises `ParameterError` naming it and its range.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

import surfaces
from foundation.params import ParameterError
from optim_core import engine, schedules
from optim_core.registry import spec

SETTINGS_FORMAT = "optimizer-playground/experiment"
SETTINGS_VERSION = 1
MAX_RUNS = 8
# A settings file is about 2 KB; a megabyte is far past any real one.
MAX_SETTINGS_CHARS = 1_000_000
# Digits of a JSON integer read as an integer (seeds go up to 2**32 - 1: 10 digits).
MAX_INT_DIGITS = 30


@dataclass(frozen=True)
class RunConfig:
    """One optimizer with its hyperparameters, convention and schedule."""

    optimizer: str
    hyper: Mapping[str, Any] = field(default_factory=dict)
    convention: str | None = None
    schedule: Mapping[str, Any] | None = None
    label: str = ""

    @property
    def display_label(self) -> str:
        return self.label or spec(self.optimizer).title

    def resolved_hyper(self) -> dict[str, Any]:
        """Every hyperparameter, defaults of this convention filled in, validated."""
        opt = spec(self.optimizer)
        conv = opt.convention(self.convention).name
        return engine.validate_hyperparameters(opt, conv, dict(self.hyper))

    def to_dict(self) -> dict[str, Any]:
        hyper = {k: list(v) if isinstance(v, tuple) else v for k, v in self.hyper.items()}
        out: dict[str, Any] = {"optimizer": self.optimizer, "hyper": hyper}  # JSON-shaped
        if self.convention:
            out["convention"] = self.convention
        if self.schedule:
            out["schedule"] = dict(self.schedule)
        if self.label:
            out["label"] = self.label
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RunConfig:
        if not isinstance(data, Mapping):
            raise ParameterError("run", data, "an object with an 'optimizer' key")
        unknown = set(data) - {"optimizer", "hyper", "convention", "schedule", "label"}
        if unknown:
            raise ParameterError(
                "run key", sorted(unknown)[0], "optimizer, hyper, convention, schedule, label"
            )
        opt = spec(data.get("optimizer"))
        convention = data.get("convention") or None
        conv = opt.convention(convention)
        hyper = data.get("hyper") or {}
        if not isinstance(hyper, Mapping):
            raise ParameterError("hyper", hyper, "an object of hyperparameter values")
        # Validate now so a bad file fails at load time, not at the first run; JSON lists
        # (betas) come back as the tuples the presets use, so a loaded file equals its source.
        for name, value in engine.validate_hyperparameters(opt, conv.name, dict(hyper)).items():
            if isinstance(value, np.ndarray):  # a batch is for the engine, not a figure
                raise ParameterError(name, hyper.get(name), "a single number", opt.name)
        hyper = {k: tuple(v) if isinstance(v, list) else v for k, v in hyper.items()}
        schedule = data.get("schedule") or None
        if schedule is not None:
            schedule = schedules.normalize(schedule)
        label = data.get("label") or ""
        if not isinstance(label, str) or len(label) > 60:
            raise ParameterError("label", label, "text of at most 60 characters")
        return cls(opt.name, dict(hyper), convention and conv.name, schedule, label)


@dataclass(frozen=True)
class Experiment:
    """Shared settings for a set of runs that start from the same point."""

    surface: str
    runs: tuple[RunConfig, ...]
    surface_params: Mapping[str, float] = field(default_factory=dict)
    start: tuple[float, float] | None = None
    steps: int = 100
    noise: float = 0.0
    noise_mode: str = "absolute"
    seed: int = 0
    gradient: str = "analytic"
    fd_step: float = engine.DEFAULT_FD_STEP
    # The typed f(x, y) and its view box when `surface` is "formula" (`surfaces.from_formula`).
    formula: str = ""
    domain: tuple[tuple[float, float], tuple[float, float]] | None = None

    def surface_object(self) -> surfaces.Surface:
        if self.surface == surfaces.FORMULA:
            return surfaces.from_formula(
                self.formula, domain=self.domain, **dict(self.surface_params)
            )
        return surfaces.get(self.surface, **dict(self.surface_params))

    @property
    def start_point(self) -> tuple[float, float]:
        return tuple(self.start) if self.start is not None else self.surface_object().default_start

    def run_one(self, index: int) -> engine.Trajectory:
        """Run `runs[index]` with the shared settings (same start, noise and seed)."""
        run = self.runs[index]
        return engine.run(
            run.optimizer,
            self.surface_object(),
            start=self.start_point,
            steps=self.steps,
            convention=run.convention,
            schedule=run.schedule,
            noise=self.noise,
            noise_mode=self.noise_mode,
            seed=self.seed,
            gradient=self.gradient,
            fd_step=self.fd_step,
            **dict(run.hyper),
        )

    def run(self) -> list[engine.Trajectory]:
        """Every run, in order."""
        return [self.run_one(i) for i in range(len(self.runs))]

    def with_runs(self, runs: tuple[RunConfig, ...]) -> Experiment:
        return replace(self, runs=tuple(runs))

    # --- serialisation ---------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        typed = {}
        if self.surface == surfaces.FORMULA:
            typed = {
                "formula": self.formula,
                "domain": [list(r) for r in self.surface_object().domain],
            }
        return {
            "format": SETTINGS_FORMAT,
            "version": SETTINGS_VERSION,
            "surface": self.surface,
            **typed,
            "surface_params": dict(self.surface_params),
            "start": list(self.start_point),
            "steps": self.steps,
            "noise": self.noise,
            "noise_mode": self.noise_mode,
            "seed": self.seed,
            "gradient": self.gradient,
            "fd_step": self.fd_step,
            "runs": [r.to_dict() for r in self.runs],
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Experiment:
        """Validate settings from outside; raises `ParameterError` naming the bad value."""
        if not isinstance(data, Mapping):
            raise ParameterError("settings", type(data).__name__, "a JSON object")
        if data.get("format", SETTINGS_FORMAT) != SETTINGS_FORMAT:
            raise ParameterError("format", data.get("format"), repr(SETTINGS_FORMAT))
        version = data.get("version", SETTINGS_VERSION)
        if version != SETTINGS_VERSION:
            raise ParameterError("version", version, str(SETTINGS_VERSION))
        params = data.get("surface_params") or {}
        if not isinstance(params, Mapping):
            raise ParameterError("surface_params", params, "an object of numbers")
        typed: dict[str, Any] = {}
        if data.get("surface") == surfaces.FORMULA:
            surface = surfaces.FORMULA
            surf = surfaces.from_formula(data.get("formula"), domain=data.get("domain"), **params)
            typed = {"formula": surf.definition.formula, "domain": surf.domain}
        else:
            surface = surfaces.definition(data.get("surface", "bowl")).name
            for key in ("formula", "domain"):
                if data.get(key) is not None:
                    raise ParameterError(key, data[key], f"absent for surface {surface!r}")
            surf = surfaces.get(surface, **dict(params))
        start = data.get("start")
        if start is not None:
            start = tuple(float(v) for v in engine.validate_start(start).reshape(-1))
            if len(start) != 2:
                raise ParameterError("start", data.get("start"), "a point [x, y]")
        runs_data = data.get("runs") or []
        if not isinstance(runs_data, (list, tuple)) or not 1 <= len(runs_data) <= MAX_RUNS:
            raise ParameterError("runs", runs_data, f"a list of 1 to {MAX_RUNS} runs")
        return cls(
            surface=surface,
            surface_params=dict(surf.param_values) if params else {},
            start=start,
            steps=engine.STEPS.validate(data.get("steps", 100), owner="settings"),
            noise=engine.NOISE.validate_one(data.get("noise", 0.0), owner="settings"),
            noise_mode=engine.NOISE_MODE.validate(
                data.get("noise_mode", "absolute"), owner="settings"
            ),
            seed=engine.SEED.validate(data.get("seed", 0), owner="settings"),
            gradient=engine.GRADIENT.validate(data.get("gradient", "analytic"), owner="settings"),
            fd_step=engine.FD_STEP.validate_one(
                data.get("fd_step", engine.DEFAULT_FD_STEP), owner="settings"
            ),
            runs=tuple(RunConfig.from_dict(r) for r in runs_data),
            **typed,
        )

    @classmethod
    def from_json(cls, text: str) -> Experiment:
        """Settings from JSON text; anything wrong with it raises `ParameterError`."""
        return cls.from_dict(settings_data(text))


def settings_data(text: str) -> Any:
    """The JSON data of a settings file (any kind: the surfaces' or the training lab's);
    text too long, not JSON or nested too deeply raises `ParameterError`."""
    if not isinstance(text, str) or len(text) > MAX_SETTINGS_CHARS:
        size = len(text) if isinstance(text, str) else type(text).__name__
        raise ParameterError(
            "settings file", size, f"JSON text of at most {MAX_SETTINGS_CHARS} characters"
        )
    try:
        return json.loads(text, parse_int=_json_int)
    except json.JSONDecodeError as error:
        raise ParameterError("settings file", str(error), "valid JSON") from None
    except RecursionError:
        raise ParameterError(
            "settings file", "nested too deeply", "valid JSON of a few levels"
        ) from None


def _json_int(digits: str) -> int | float:
    """A JSON integer; one too long for Python's int conversion (4,300 digits) or for any
    setting becomes a float (inf past the float range), which validation then rejects
    with the parameter's name and range."""
    return int(digits) if len(digits) <= MAX_INT_DIGITS else float(digits)
