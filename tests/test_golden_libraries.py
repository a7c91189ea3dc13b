"""Every convention we claim for a library is pinned to paths made by that library's code.

`tests/golden/library_trajectories.json` holds float64 trajectories made on our surfaces
by torch.optim, Keras 3 (JAX backend), optax, Deep Learning from Scratch's
`common/optimizer.py` and Dive into Deep Learning's chapter-12 functions (made by
`tools/make_library_golden.py`, which needs those libraries and the books' repositories;
these tests need none of them).  Each case names the convention we claim the library
follows; our engine under that convention must reproduce the library's path, and the
convention must list the library.  Conversely every (library, optimizer, convention)
claim in the registry must have a case.  The textbook presets are pinned the same way to
their source's own runs (a preset run that turns chaotic, where a one-ulp nudge of the
start grows past the tolerance, is compared up to that step).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import optim_core
from experiments import presets

GOLDEN = json.loads((Path(__file__).parent / "golden" / "library_trajectories.json").read_text())
CASES: list[dict[str, Any]] = GOLDEN["cases"]
PRESET_RUNS: list[dict[str, Any]] = GOLDEN["presets"]
LIBRARIES = sorted({case["library"] for case in CASES})

# Float64 rounding differs between the libraries' operation orders and ours; the generator
# checks that a one-ulp nudge of the start moves every path by less than a tenth of this.
PATH_RTOL = 1e-9
PATH_ATOL = 1e-12

CLAIMS_PROVEN = sorted({(c["library"], c["optimizer"], c["convention"]) for c in CASES})


def registry_claims() -> list[tuple[str, str, str]]:
    """(library, optimizer, convention) for every library a convention lists that has
    runnable code in the golden file ("homl" has formulas only: its presets pin it)."""
    return sorted(
        (library, name, conv.name)
        for name in optim_core.names()
        for conv in optim_core.spec(name).conventions
        for library in conv.libraries
        if library in LIBRARIES
    )


@pytest.mark.parametrize("case", CASES, ids=[case["id"] for case in CASES])
def test_engine_reproduces_library_path(case: dict[str, Any]) -> None:
    traj = optim_core.run(
        case["optimizer"],
        case["surface"],
        start=tuple(case["start"]),
        steps=case["steps"],
        convention=case["convention"],
        **case["hyper"],
    )
    assert traj.diverged_at is None
    np.testing.assert_allclose(traj.path, np.array(case["path"]), rtol=PATH_RTOL, atol=PATH_ATOL)


@pytest.mark.parametrize(
    ("library", "optimizer", "convention"), CLAIMS_PROVEN, ids=["-".join(c) for c in CLAIMS_PROVEN]
)
def test_convention_lists_library(library: str, optimizer: str, convention: str) -> None:
    assert library in optim_core.spec(optimizer).convention(convention).libraries


def test_every_library_claim_has_a_golden_case() -> None:
    unproven = sorted(set(registry_claims()) - set(CLAIMS_PROVEN))
    assert not unproven, f"claims without a golden case: {unproven}"


@pytest.mark.parametrize("run", PRESET_RUNS, ids=[run["id"] for run in PRESET_RUNS])
def test_preset_reproduces_its_source(run: dict[str, Any]) -> None:
    experiment = presets.get(run["preset"]).experiment
    settings = (
        experiment.surface,
        dict(experiment.surface_object().param_values),
        list(experiment.start_point),
        experiment.steps,
        experiment.runs[run["index"]].label,
    )
    recorded = (run["surface"], run["surface_params"], run["start"], run["steps"], run["label"])
    assert settings == recorded, "the preset changed since its golden run was made"
    # Stored every `every`-th point, up to where the run turns chaotic (`compared_steps`).
    traj = experiment.run_one(run["index"])
    compared = traj.path[: run["compared_steps"] + 1 : run["every"]]
    np.testing.assert_allclose(compared, np.array(run["path"]), rtol=PATH_RTOL, atol=PATH_ATOL)
