"""The app model: experiments (the settings of a figure), textbook presets.

Shared by the app, links, settings files, the exports and the command line; it sits
above the maths packages (`optim_core`, `surfaces`) and below the figures and pages.

>>> from experiments import presets
>>> presets.get("dlfs_ch6").experiment.surface
'bowl'
"""

from experiments.experiment import Experiment, RunConfig, settings_data

__all__ = ["Experiment", "RunConfig", "settings_data"]
