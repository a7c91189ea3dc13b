"""The command line: ``python -m exports`` writes what the app writes; bad input ends in
one line naming the problem and its range, exit code 2, no traceback.

Two cases run the real ``python -m exports`` in a subprocess; the error matrix calls
`exports.cli.main` in-process (the same function the module runs) to stay fast.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

import exports
from experiments import presets
from exports import cli

ROOT = Path(__file__).resolve().parents[1]


def run_module(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONWARNINGS": "ignore"}
    return subprocess.run(
        [sys.executable, "-m", "exports", *args], cwd=cwd, env=env, capture_output=True,
        text=True, timeout=120,
    )  # fmt: skip


def test_preset_to_png_and_csv(tmp_path):
    done = run_module(
        "preset", "dlfs_ch6", "--format", "png", "csv", "--out", "slides/", "--quiet",
        cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    png, csv = (
        tmp_path / "slides" / "dlfs_ch6.png",
        tmp_path / "slides" / "dlfs_ch6.trajectories.csv",
    )
    assert done.stdout.split() == [str(Path("slides") / png.name), str(Path("slides") / csv.name)]
    assert Image.open(png).size == (1920, 1080)
    # The command line and the app share one code path: the same bytes.
    experiment = presets.get("dlfs_ch6").experiment
    assert csv.read_bytes() == exports.export(experiment, "csv").data


def test_bad_argument_exits_2_with_one_line(tmp_path):
    done = run_module("preset", "dlfs_ch6", "--fps", "500", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1
    assert "fps must be an integer in [1, 50] (got '500')" in done.stderr
    assert "Traceback" not in done.stderr


def main(argv, capsys) -> tuple[int, str, str]:
    try:
        code = cli.main(argv)
    except SystemExit as stop:
        code = stop.code
    out, err = capsys.readouterr()
    return code, out, err


def test_settings_file_reproduces_the_preset(tmp_path, capsys):
    code, _, _ = main(["preset", "dlfs_ch6", "-f", "settings", "csv", "-o", str(tmp_path), "-q"],
                      capsys)  # fmt: skip
    assert code == 0
    settings = tmp_path / "dlfs_ch6.settings.json"
    again = tmp_path / "again"
    code, out, _ = main(["settings", str(settings), "-f", "csv", "-o", str(again), "-q"], capsys)
    assert code == 0
    # The stem comes from the file name: dlfs_ch6.settings.json -> dlfs_ch6.
    reproduced = again / "dlfs_ch6.trajectories.csv"
    assert out.strip() == str(reproduced)
    assert reproduced.read_bytes() == (tmp_path / "dlfs_ch6.trajectories.csv").read_bytes()


def test_animation_options_reach_the_file(tmp_path, capsys):
    code, _, err = main(
        ["preset", "dlfs_ch6", "-f", "gif", "--fps", "20", "--max-frames", "10",
         "--end-pause", "0", "--layout", "overlay", "--stamp", "-o", str(tmp_path)],
        capsys,
    )  # fmt: skip
    assert code == 0
    image = Image.open(tmp_path / "dlfs_ch6.gif")
    assert image.n_frames == 10 and image.info["duration"] == 50
    assert "frame" in err  # the tqdm progress bar


def test_list_presets_and_formats(capsys):
    code, out, _ = main(["list", "presets"], capsys)
    assert code == 0 and [line.split()[0] for line in out.splitlines()] == presets.names()
    code, out, _ = main(["list", "formats"], capsys)
    assert code == 0 and [line.split()[0] for line in out.splitlines()] == list(exports.FORMATS)


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["preset", "dlfs_ch6", "--scale", "9"], "scale must be in [1, 4] (got '9')"),
        (["preset", "dlfs_ch6", "--max-frames", "x"], "max_frames must be an integer in [2, 600]"),
        (["preset", "dlfs_ch6", "--end-pause", "-1"], "end_pause must be in [0, 10]"),
        (["preset", "dlfs_ch6", "-f", "bmp"], "invalid choice: 'bmp' (choose from 'png'"),
        (["preset", "dlfs_ch6", "--layout", "mosaic"], "invalid choice: 'mosaic'"),
        (["preset", "nope"], "preset must be one of dlfs_ch6, d2l_ch12"),
        (["preset", "dlfs_ch6", "-f", "filmstrip", "--stride", "1"],
         "filmstrip stride must be an integer in [2, 29]"),
        (["settings", "missing.json"], "settings file must be an existing file (got 'missing.json')"),
        (["settings", "{dir}/broken.json"], "settings file must be valid JSON"),
        (["settings", "{dir}/bad_lr.json"], "adam: lr must be in [0, inf) (got -1)"),
        (["settings", "{dir}/bad_steps.json"], "settings: steps must be an integer in [0, 20000]"),
        (["frobnicate"], "invalid choice: 'frobnicate'"),
        ([], "the following arguments are required: COMMAND"),
    ],
)  # fmt: skip
def test_bad_input_is_one_line_and_exit_2(argv, message, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "broken.json", "{not json")
    write(tmp_path / "bad_lr.json", json.dumps(
        {"surface": "bowl", "runs": [{"optimizer": "adam", "hyper": {"lr": -1}}]}))  # fmt: skip
    write(tmp_path / "bad_steps.json", json.dumps(
        {"surface": "bowl", "steps": 10**6, "runs": [{"optimizer": "sgd"}]}))  # fmt: skip
    argv = [a.replace("{dir}", str(tmp_path)) for a in argv]
    if argv[:1] in (["preset"], ["settings"]):
        argv += ["-o", str(tmp_path / "out")]
    code, _, err = main(argv, capsys)
    assert code == 2
    assert message in err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_unwritable_output_is_a_clean_error(tmp_path, capsys):
    blocker = write(tmp_path / "file", "not a folder")
    code, _, err = main(["preset", "dlfs_ch6", "-f", "csv", "-o", str(blocker / "sub")], capsys)
    assert code == 2 and err.count("\n") == 1 and "Traceback" not in err


def test_png_from_the_command_line_is_the_panel_png(tmp_path, capsys):
    code, _, _ = main(["preset", "saddle_escape", "-f", "png", "--scale", "1", "-o",
                       str(tmp_path)], capsys)  # fmt: skip
    assert code == 0
    data = (tmp_path / "saddle_escape.png").read_bytes()
    experiment = presets.get("saddle_escape").experiment
    panel = exports.export(experiment, "png", exports.ExportOptions(scale=1), stem="x").data
    assert Image.open(io.BytesIO(data)).size == Image.open(io.BytesIO(panel)).size == (960, 540)
    assert data == panel


# --- --lang ko -------------------------------------------------------------------------------


def test_korean_help_names_every_option_in_korean(capsys):
    code, out, _ = main(["preset", "--help", "--lang", "ko"], capsys)
    assert code == 0
    assert out.startswith("사용법: python -m exports preset")
    assert "위치 인수" in out and "옵션:" in out
    assert "이 도움말을 보여 주고 끝냅니다" in out
    assert "[1, 50] 범위의 정수" in out  # --fps, its range in Korean
    assert "usage" not in out and "show this help" not in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["preset", "nope"], "오류: preset: 허용되는 값은 dlfs_ch6, "),
        (["preset", "dlfs_ch6", "--fps", "0"], "오류: 인수 --fps: fps: 허용되는 값은 [1, 50] 범위의 정수입니다"),
        (["preset", "dlfs_ch6", "-f", "gifx"], "오류: 인수 -f/--format: 잘못된 선택: 'gifx'"),
    ],
)  # fmt: skip
def test_korean_errors_are_one_line_and_exit_2(argv, message, capsys):
    code, _, err = main([*argv, "--lang", "ko"], capsys)
    assert code == 2
    assert message in err and err.count("\n") == 1


def test_korean_png_and_preset_list(tmp_path, capsys):
    code, out, _ = main(["preset", "saddle_escape", "-f", "svg", "-o", str(tmp_path), "--stamp",
                         "--lang=ko"], capsys)  # fmt: skip
    assert code == 0
    assert b"NanumGothic" in (tmp_path / "saddle_escape.svg").read_bytes()  # 안장점, 스텝, ...
    code, out, _ = main(["--lang", "ko", "list", "presets"], capsys)
    assert "안장점 탈출: 잡음과 뉴턴 방법" in out
    code, out, _ = main(["list", "presets"], capsys)  # the language does not stick
    assert "Escaping a saddle" in out
