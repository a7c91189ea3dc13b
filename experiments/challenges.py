"""Challenges for students: a goal on a surface, checked against a run, with a hint that
names the lever to pull.  A lecturer writes one into a link (`?goal=1e-6&within=100`).

>>> import optim_core
>>> goal = Challenge(goal=1e-6, within=100)
>>> verdict = goal.check(optim_core.run("sgd", "bowl", start=(-7, 2), steps=100, lr=0.5))
>>> verdict.status, verdict.hint
('not_reached', 'raise_lr')
>>> goal.check(optim_core.run("sgd", "bowl", start=(-7, 2), steps=100, lr=0.95)).status
'reached'
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from foundation.params import Param, ParameterError

GOAL = Param(
    "goal", 1e-6, "Loss gap f − f* to reach.", low=0.0, low_open=True, log=True, ui_low=1e-12,
    ui_high=10.0,
)  # fmt: skip
WITHIN = Param("within", 100, "Steps allowed.", kind="int", low=1, high=20_000)
URL_KEYS = ("goal", "within")
# A run whose loss went up this often (as a share of its steps) is oscillating.
OSCILLATION_SHARE = 0.2


@dataclass(frozen=True)
class Verdict:
    status: str  # "reached", "diverged", "not_reached"
    step: int | None  # the step it reached the goal, or diverged at
    hint: str | None  # lever: "lower_lr", "lower_lr_or_momentum", "raise_lr", "escape"
    final_gap: float


@dataclass(frozen=True)
class Challenge:
    """Reach a loss gap below `goal` within `within` steps."""

    goal: float = 1e-6
    within: int = 100

    def __post_init__(self) -> None:
        GOAL.validate(self.goal, owner="challenge")
        WITHIN.validate(self.within, owner="challenge")

    @classmethod
    def from_params(cls, params: dict[str, str]) -> Challenge | None:
        """The challenge a link describes, None when it names none; a bad value raises
        `ParameterError`."""
        if not any(k in params for k in URL_KEYS):
            return None
        try:
            goal = float(params.get("goal", GOAL.default))
        except ValueError:
            raise ParameterError("goal", params.get("goal"), GOAL.allowed(), "challenge") from None
        try:
            within = int(float(params.get("within", WITHIN.default)))
        except ValueError:
            raise ParameterError(
                "within", params.get("within"), WITHIN.allowed(), "challenge"
            ) from None
        return cls(goal, within)

    def params(self) -> dict[str, str]:
        return {"goal": f"{self.goal:g}", "within": str(self.within)}

    def check(self, trajectory: Any) -> Verdict:
        """Whether `trajectory` (one run, whole path) meets the goal, and if not, which
        lever to pull: a diverged or oscillating run needs a smaller step, a run that
        rests at a point that is not the minimum needs to escape (start, momentum), a
        run still descending needs a larger learning rate."""
        minima = getattr(trajectory.surface, "minima", ())
        target = min((m.value for m in minima), default=0.0)
        gap = np.asarray(trajectory.loss, float)[: self.within + 1] - target
        hits = np.flatnonzero(gap <= self.goal)
        diverged = trajectory.diverged_at
        if hits.size and (diverged is None or hits[0] < diverged):
            return Verdict("reached", int(hits[0]), None, float(gap[hits[0]]))
        final = float(gap[-1])
        if diverged is not None and diverged <= self.within:
            return Verdict("diverged", int(diverged), "lower_lr", final)
        rises = float(np.mean(np.diff(gap) > 0)) if gap.size > 1 else 0.0
        if rises > OSCILLATION_SHARE:
            return Verdict("not_reached", None, "lower_lr_or_momentum", final)
        path = np.asarray(trajectory.path, float)[: self.within + 1]
        moved_last = float(np.linalg.norm(path[-1] - path[max(len(path) - 11, 0)]))
        (x0, x1), (y0, y1) = trajectory.surface.domain
        resting = moved_last < 1e-6 * max(x1 - x0, y1 - y0)
        return Verdict("not_reached", None, "escape" if resting else "raise_lr", final)
