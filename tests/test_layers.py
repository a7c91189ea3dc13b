"""The layers import downwards only, and the maths packages import light.

Every `import` statement of our packages is read with `ast`; a package may import its own
modules and the layers listed below it, nothing above.
"""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# Package -> the packages of ours it may import (besides itself).
ALLOWED = {
    "foundation": set(),
    "i18n": set(),
    "surfaces": {"foundation"},
    "optim_core": {"foundation", "surfaces"},
    "experiments": {"foundation", "surfaces", "optim_core"},
    "netlab": {"foundation", "optim_core"},
    "viz": {"foundation", "surfaces", "optim_core", "experiments", "netlab", "i18n"},
    "exports": {"foundation", "surfaces", "optim_core", "experiments", "netlab", "i18n", "viz"},
}
OURS = {*ALLOWED, "app_ui", "pages", "app"}


def imported_packages(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found & OURS


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_a_package_imports_only_the_layers_below_it(package):
    for path in sorted((ROOT / package).rglob("*.py")):
        wrong = imported_packages(path) - ALLOWED[package] - {package}
        assert not wrong, f"{path.relative_to(ROOT)} imports {sorted(wrong)}"


HEAVY = ("numba", "scipy", "sympy", "streamlit", "plotly", "matplotlib")


@pytest.mark.parametrize(
    "statement",
    [
        "import optim_core",
        "import surfaces",
        "import optim_core; optim_core.spec('adam').params",
        "import surfaces; surfaces.get('bowl').grad([[1.0, 2.0]])",
        "import netlab; netlab.train",
    ],
)
def test_importing_the_maths_loads_nothing_heavy(statement):
    probe = f"import sys; {statement}; print(sorted(m for m in {HEAVY!r} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True,
                         text=True, check=True)  # fmt: skip
    assert out.stdout.strip() == "[]", f"{statement} loaded {out.stdout.strip()}"


def test_writing_csv_and_json_loads_no_plotting_library():
    probe = (
        "import sys; from experiments import presets; import exports; "
        "e = presets.get('dlfs_ch6').experiment; "
        "[exports.export(e, f) for f in ('csv', 'json', 'settings')]; "
        "print(sorted(m for m in ('matplotlib', 'plotly') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True,
                         text=True, check=True)  # fmt: skip
    assert out.stdout.strip() == "[]"
