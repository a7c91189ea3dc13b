"""Everything a lecturer sees, as the file a slide needs, with the settings that made it.

Still images (PNG at 1-4x slide resolution, SVG, PDF), a filmstrip of small multiples,
animations (GIF, MP4), a standalone offline HTML page, and the data (trajectories as CSV
and JSON, the settings as JSON that the app and the command line load again).  The app's
export panel and the command line (``python -m exports --help``) share `export`.

No browser is involved: Matplotlib (`exports.render`) draws, Pillow writes GIF, the ffmpeg
inside the imageio-ffmpeg wheel writes MP4.

>>> from experiments import presets
>>> result = export(presets.get("dlfs_ch6").experiment, "csv", stem="dlfs_ch6")
>>> result.filename, result.mime, result.data[:12]
('dlfs_ch6.trajectories.csv', 'text/csv', b'run,label,op')
"""

from exports.core import ExportResult, export, filename, safe_stem
from exports.data import settings_json, trajectories_csv, trajectories_dict, trajectories_json
from exports.options import FORMATS, ExportOptions, Format, get_format


def __getattr__(name: str):
    # `plotly_config` lives with the HTML page, which loads Plotly: only when asked for.
    if name == "plotly_config":
        from exports.html import plotly_config

        return plotly_config
    raise AttributeError(f"module 'exports' has no attribute {name!r}")


__all__ = [
    "FORMATS",
    "ExportOptions",
    "ExportResult",
    "Format",
    "export",
    "filename",
    "get_format",
    "plotly_config",
    "safe_stem",
    "settings_json",
    "trajectories_csv",
    "trajectories_dict",
    "trajectories_json",
]
