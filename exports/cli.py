"""The command line: the app's export path, for batch work.

    python -m exports preset dlfs_ch6 --format gif --out slides/
    python -m exports settings my.json --format pdf png csv
    python -m exports formula "x^2 + 3y^2" --optimizer adam sgd --lr 0.1 --format gif
    python -m exports list presets
    python -m exports list formats
    python -m exports preset dlfs_ch6 --format png --lang ko   # Korean labels and messages

Bad arguments and bad settings files end with one line naming the problem and the
allowed range, and exit code 2.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import NoReturn

import i18n
from experiments import Experiment, presets, settings_data
from exports import options as opts
from exports.core import export
from foundation.params import Param, ParameterError
from i18n import t
from netlab.experiments import is_lab_settings

USAGE_ERROR = 2


# argparse's own words (usage, section titles, its error messages) and our keys for them:
# argparse looks them up through its module-level gettext alias `argparse._`.
_ARGPARSE_TEXTS = {
    "usage: ": "export.cli.usage",
    "positional arguments": "export.cli.positional",
    "options": "export.cli.options",
    "show this help message and exit": "export.cli.show_help",
    "argument %(argument_name)s: %(message)s": "export.cli.argument",
    "invalid choice: %(value)r (choose from %(choices)s)": "export.cli.invalid_choice",
    "the following arguments are required: %s": "export.cli.required",
    "unrecognized arguments: %s": "export.cli.unrecognized",
    "invalid %(type)s value: %(value)r": "export.cli.invalid_value",
    "expected one argument": "export.cli.expected_one",
    "expected at least one argument": "export.cli.expected_at_least_one",
}


@contextlib.contextmanager
def _argparse_in_current_language() -> Iterator[None]:
    """argparse's built-in texts in the current language while the command runs."""
    original = argparse._
    argparse._ = lambda text: (
        t(_ARGPARSE_TEXTS[text]) if text in _ARGPARSE_TEXTS else original(text)
    )
    try:
        yield
    finally:
        argparse._ = original


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (no usage dump) and exit code 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(USAGE_ERROR, f"{self.prog}: {t('export.cli.error')}: {message}\n")


def _param_type(param: Param):
    """An argparse type that validates with `param` and reports its range."""

    def convert(text: str):
        try:
            return param.validate(text)
        except ParameterError as error:
            raise argparse.ArgumentTypeError(i18n.error_text(error)) from None

    convert.__name__ = param.name  # argparse names the type in some messages
    return convert


def _help(param: Param) -> str:
    return (
        t(f"export.option.{param.name}", default=param.help)
        + f" {i18n.allowed_text(param.allowed())}"
    )


def language_argument(argv: Sequence[str]) -> str | None:
    """The value of ``--lang`` anywhere in `argv` (read before the parser is built, so
    the help itself is in that language)."""
    for i, arg in enumerate(argv):
        if arg == "--lang" and i + 1 < len(argv):
            return argv[i + 1]
        if arg.startswith("--lang="):
            return arg.split("=", 1)[1]
    return None


def build_parser() -> argparse.ArgumentParser:
    language = _Parser(add_help=False)  # accepted before or after the command
    language.add_argument("--lang", choices=i18n.languages(), default=argparse.SUPPRESS,
                          help=t("export.cli.lang"))  # fmt: skip
    parser = _Parser(prog="python -m exports", description=t("export.cli.description"),
                     parents=[language])  # fmt: skip
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    render = _Parser(add_help=False, parents=[language])
    render.add_argument(
        "-f", "--format", nargs="+", default=["png"], choices=list(opts.FORMATS),
        metavar="FORMAT", help=t("export.cli.format", formats=", ".join(opts.FORMATS)),
    )  # fmt: skip
    render.add_argument("-o", "--out", type=Path, default=Path("."), help=t("export.cli.out"))
    render.add_argument("--name", help=t("export.cli.name"))
    render.add_argument(
        "--scale", type=_param_type(opts.SCALE), help=_help(opts.SCALE) + " "
        + t("export.cli.scale_default"),
    )  # fmt: skip
    render.add_argument("--fps", type=_param_type(opts.FPS), default=opts.FPS.default,
                        help=_help(opts.FPS))  # fmt: skip
    render.add_argument("--max-frames", type=_param_type(opts.FRAMES),
                        default=opts.FRAMES.default, help=_help(opts.FRAMES))  # fmt: skip
    render.add_argument("--end-pause", type=_param_type(opts.END_PAUSE),
                        default=opts.END_PAUSE.default, help=_help(opts.END_PAUSE))  # fmt: skip
    render.add_argument("--stride", type=_param_type(opts.STRIDE),
                        help=_help(opts.STRIDE) + " " + t("export.cli.stride_default"))  # fmt: skip
    render.add_argument("--stamp", action=argparse.BooleanOptionalAction, default=False,
                        help=t("export.option.stamp", default=opts.STAMP.help))  # fmt: skip
    render.add_argument("--layout", choices=opts.LAYOUT.choices,
                        help=t("export.cli.layout"))  # fmt: skip
    render.add_argument("-q", "--quiet", action="store_true", help=t("export.cli.quiet"))

    preset = commands.add_parser("preset", parents=[render], help=t("export.cli.preset"))
    preset.add_argument("key", help=t("export.cli.preset_key"))
    settings = commands.add_parser("settings", parents=[render], help=t("export.cli.settings"))
    settings.add_argument("file", type=Path, help=t("export.cli.settings_file"))
    _formula_command(commands, render)
    listing = commands.add_parser("list", parents=[language], help=t("export.cli.list"))
    listing.add_argument("what", choices=("presets", "formats"))
    return parser


def _formula_command(commands, render: argparse.ArgumentParser) -> None:
    """`formula TEXT`: runs on a typed function (`surfaces.from_formula`)."""
    import optim_core

    typed = commands.add_parser("formula", parents=[render], help=t("formula.cli.help"))
    typed.add_argument("text", help=t("formula.cli.text"))
    typed.add_argument("--optimizer", nargs="+", default=["adam"], choices=optim_core.names(),
                       metavar="OPTIMIZER", help=t("formula.cli.optimizer"))  # fmt: skip
    typed.add_argument("--lr", type=float, help=t("formula.cli.lr"))
    typed.add_argument("--steps", type=int, default=100, help=t("formula.cli.steps"))
    typed.add_argument("--start", nargs=2, type=float, metavar=("X", "Y"),
                       help=t("formula.cli.start"))  # fmt: skip
    typed.add_argument("--view", nargs=4, type=float, metavar=("XMIN", "XMAX", "YMIN", "YMAX"),
                       help=t("formula.cli.view"))  # fmt: skip
    typed.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                       help=t("formula.cli.param"))  # fmt: skip


def formula_experiment(args: argparse.Namespace) -> Experiment:
    """The experiment the `formula` command describes, validated like a settings file."""
    params = {}
    for item in args.param:
        name, _, value = item.partition("=")
        try:
            params[name.strip()] = float(value)
        except ValueError:
            raise ParameterError("--param", item, "NAME=NUMBER, e.g. a=2") from None
    hyper = {} if args.lr is None else {"lr": args.lr}
    data = {
        "surface": "formula",
        "formula": args.text,
        "domain": None if args.view is None else [args.view[:2], args.view[2:]],
        "surface_params": params,
        "start": args.start,
        "steps": args.steps,
        "runs": [{"optimizer": name, "hyper": hyper} for name in args.optimizer],
    }
    return Experiment.from_dict(data)


def load_settings(path: Path) -> Experiment:
    """An experiment from a settings file; any problem raises `ParameterError`."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ParameterError("settings file", str(path), "an existing file") from None
    except UnicodeDecodeError:
        raise ParameterError("settings file", str(path), "UTF-8 JSON text") from None
    except OSError as error:
        allowed = f"a readable file ({error.strerror})"
        raise ParameterError("settings file", str(path), allowed) from None
    data = settings_data(text)
    if is_lab_settings(data):
        raise LabSettingsFile(str(path))
    return Experiment.from_dict(data)


class LabSettingsFile(Exception):
    """A training lab settings file: it opens in the app or a notebook, not here."""


def _list(what: str) -> None:
    if what == "presets":
        for key in presets.names():
            preset = presets.get(key)
            title, source, figure = (
                t(f"preset.{key}.{part}", default=getattr(preset, part))
                for part in ("title", "source", "figure")
            )
            print(f"{key:24} {title}  [{preset.layout}; {source}, {figure}]")
    else:
        for name, spec in opts.FORMATS.items():
            print(f"{name:14} *{spec.suffix:18} {t(f'export.format.{name}')}")


def _progress_bar(fmt: str, quiet: bool):
    """A tqdm bar for animations (frames), nothing for the other formats."""
    if quiet or opts.get_format(fmt).kind != "animation":
        return None, None
    from tqdm import tqdm

    bar = tqdm(desc=fmt.upper(), unit=t("export.cli.frames"), leave=False, file=sys.stderr)

    def progress(done: int, total: int) -> None:
        bar.total = total
        bar.update(done - bar.n)

    return bar, progress


def run(args: argparse.Namespace) -> list[Path]:
    """Export every requested format; returns the files written."""
    if args.command == "preset":
        preset = presets.get(args.key)
        experiment, stem, layout = preset.experiment, args.name or preset.key, preset.layout
    elif args.command == "formula":
        experiment, stem, layout = formula_experiment(args), args.name or "formula", "overlay"
    else:
        experiment = load_settings(args.file)
        stem = args.name or args.file.name.removesuffix(".json").removesuffix(".settings")
        layout = "overlay"
    options = opts.ExportOptions(
        scale=args.scale, fps=args.fps, max_frames=args.max_frames, end_pause=args.end_pause,
        filmstrip_stride=args.stride, stamp=args.stamp, layout=args.layout or layout,
    ).validated()  # fmt: skip
    trajectories = experiment.run()
    args.out.mkdir(parents=True, exist_ok=True)
    written = []
    for fmt in dict.fromkeys(args.format):
        bar, progress = _progress_bar(fmt, args.quiet)
        try:
            result = export(
                experiment, fmt, options, trajectories=trajectories, stem=stem,
                progress=progress,
            )  # fmt: skip
        finally:
            if bar is not None:
                bar.close()
        path = args.out / result.filename
        path.write_bytes(result.data)
        written.append(path)
        print(path)
    return written


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    with i18n.use_language(language_argument(argv)), _argparse_in_current_language():
        return _main(argv)


def _main(argv: list[str]) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "list":
        _list(args.what)
        return 0
    try:
        run(args)
    except LabSettingsFile as lab:
        parser.exit(USAGE_ERROR, f"{parser.prog}: {t('lab.cli.open_in_app', file=str(lab))}\n")
    except ParameterError as error:
        parser.exit(
            USAGE_ERROR, f"{parser.prog}: {t('export.cli.error')}: {i18n.error_text(error)}\n"
        )
    except OSError as error:
        where = error.filename or args.out
        parser.exit(USAGE_ERROR, f"{parser.prog}: {t('export.cli.error')}: {where}: "
                                 f"{error.strerror}\n")  # fmt: skip
    return 0
