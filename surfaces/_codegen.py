"""Code generated from a surface's SymPy expression, kept on disk between processes.

SymPy differentiates the expression once and prints (1) vectorized NumPy functions for
f, ∇f and ∇²f (`sympy.lambdify`) and (2) Numba C callbacks for the engine's compiled step
loop.  The loop is compiled once (and cached on disk) against the callbacks' signatures,
so any surface, built-in or typed in by a user, plugs in without recompiling the loop:
only its small callbacks are compiled, which takes a fraction of a second.  Callbacks use
IEEE arithmetic (`error_model="numpy"`): 1/0 is inf, which the engine reports as
divergence; an exception could not cross the C boundary.

Both are written to one small module named by a hash of everything the code depends on
(`cache_key`: the expression, the parameter values, SymPy's version and this generator's
own source), and Numba caches the callbacks compiled from that file next to it.  A process
that binds a surface some process has seen before (a restarted app server, a second test
worker) neither imports SymPy (0.2 s) nor compiles anything (0.1 s per surface) for it.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib
import importlib.util
import inspect
import json
import os
import platform
import sys
import threading
import weakref
from collections.abc import Callable, Mapping
from functools import cache
from pathlib import Path
from types import CodeType, ModuleType
from typing import TYPE_CHECKING, Any

import numpy as np
from numba import cfunc, njit, types

if TYPE_CHECKING:
    import sympy

    from surfaces.core import Surface

VALUE_SIGNATURE = types.float64(types.float64, types.float64)
_PTR = types.CPointer(types.float64)
# Writes ∇f into `out` and returns f: one call per step, sharing subexpressions.
VALUE_GRAD_SIGNATURE = types.float64(types.float64, types.float64, _PTR)
# value_grad_batch(xy, n, f, g): f[k], g[k] at the n points xy[k] ((n, 2) arrays) in one call,
# so a large batch pays one indirect call per step instead of one per row.
VALUE_GRAD_BATCH_SIGNATURE = types.void(_PTR, types.int64, _PTR, _PTR)

# Generated modules kept on disk (every surface parameter value a slider visits is one);
# beyond this the oldest go.
MAX_CACHED_MODULES = 256
# Where `sympy.lambdify(..., modules="numpy")` takes the global names of the functions it
# prints; a cached function gets the very same objects back from there.
_NUMPY_NAME_SOURCES = ("numpy", "numpy.linalg", "builtins")
_GENERATOR_FILES = ("core.py", "_codegen.py")  # the code that decides what is generated
_BATCH_SOURCE = """\
def value_grad_batch(xy, n, values, grads):
    for k in range(n):
        values[k], grads[2 * k], grads[2 * k + 1] = point(xy[2 * k], xy[2 * k + 1])
"""


class GeneratedCode:
    """One surface's generated functions: the six vectorized NumPy functions
    (f, ∂f/∂x, ∂f/∂y, ∂²f/∂x², ∂²f/∂x∂y, ∂²f/∂y²) and the Numba callbacks, compiled on
    first use (and cached by Numba when the source lives in a file)."""

    def __init__(
        self, key: str, numpy: tuple[Callable, ...], namespace: dict, path: Path | None
    ) -> None:
        self.key = key
        self.numpy = numpy
        self.path = path  # the module's file; None when the code lives in memory only
        self._namespace = namespace  # value, value_grad, point, value_grad_batch (Python)
        self._lock = threading.Lock()
        self._callbacks: tuple[Any, Any] | None = None
        self._batch: Any = None

    def callbacks(self):
        """Numba C callbacks `(value, value_grad)` for `optim_core`'s compiled step loop."""
        with self._lock:
            if self._callbacks is None:
                self._callbacks = (
                    self._compile(VALUE_SIGNATURE, "value"),
                    self._compile(VALUE_GRAD_SIGNATURE, "value_grad"),
                )
            return self._callbacks

    def batch_callback(self):
        """A Numba C callback evaluating f and ∇f at a whole batch of points per call."""
        with self._lock:
            if self._batch is None:
                self._batch = self._compile(VALUE_GRAD_BATCH_SIGNATURE, "value_grad_batch")
            return self._batch

    def stored(self, name: str, inputs: dict[str, Any], compute: Callable[[], Any]) -> Any:
        """`compute()`, JSON data derived from this code and `inputs`, kept in a file next
        to the module; computed again when the code, `inputs` or the machine differ."""
        if self.path is None:
            return compute()
        key = {"code": json.loads(self.key), "inputs": inputs, "machine": platform.machine()}
        text = json.dumps(key, sort_keys=True)
        path = self.path.with_name(f"{self.path.stem}.{name}.json")
        try:
            entry = json.loads(path.read_text(encoding="utf-8"))
            if json.dumps(entry["key"], sort_keys=True) == text:
                return entry["data"]
        except (OSError, ValueError, KeyError, TypeError):
            pass  # not there yet, half-removed or from other inputs: compute it
        data = compute()
        if self.path.is_file():  # not pruned meanwhile (a file left behind would stay)
            with contextlib.suppress(OSError):
                _write(path, json.dumps({"key": key, "data": data}, sort_keys=True))
        return data

    def _compile(self, signature, name: str):
        function = self._namespace[name]
        if self.path is not None:
            try:
                return cfunc(signature, error_model="numpy", cache=True)(function)
            except RuntimeError:  # Numba found no cache locator (the file was pruned)
                pass
        return cfunc(signature, error_model="numpy")(function)


_LOCK = threading.Lock()
# Shared by every live `Surface` with the same key (compiled callbacks included); an entry
# goes when the last such surface does.
_LOADED: weakref.WeakValueDictionary[str, GeneratedCode] = weakref.WeakValueDictionary()


def generated_code(surface: Surface) -> GeneratedCode:
    """The generated code of a bound surface: shared in this process, read from the disk
    cache when some process wrote it, else derived with SymPy (and written there)."""
    key = cache_key(surface.definition, surface.param_values)
    with _LOCK:
        code = _LOADED.get(key)
        if code is None:
            path = _module_path(surface.name, key)
            code = _load(path, key) if path is not None else None
            if code is None:
                code = _generate(surface, key, path)
            _LOADED[key] = code
        return code


def cache_key(definition: Any, param_values: Mapping[str, Any]) -> str:
    """Everything the generated code depends on, as canonical JSON: the expression, which
    names are parameters, their exact values, SymPy's version and the generator's source.

    >>> import surfaces
    >>> bowl = surfaces.get("bowl")
    >>> json.loads(cache_key(bowl.definition, bowl.param_values))["values"]
    [['a', '0x1.999999999999ap-5'], ['b', '0x1.0000000000000p+0']]
    """
    from surfaces.core import library_versions  # SymPy's version without importing SymPy

    return json.dumps(
        {
            "expression": definition.expression,
            "parameters": [p.name for p in definition.params],
            "values": [[name, _exact(value)] for name, value in sorted(param_values.items())],
            "sympy": library_versions("sympy")["sympy"],
            "generator": _generator_fingerprint(),
        },
        sort_keys=True,
    )


def _exact(value: Any) -> str:
    # Exact and one-to-one; integers and floats are substituted differently
    # (`Surface.expression`), so they never share a text.
    return str(int(value)) if _is_integer(value) else float(value).hex()


def _shown(value: Any) -> str:
    # Readable, and the same for every value with the same key (a file never changes).
    return str(int(value)) if _is_integer(value) else repr(float(value))


def _is_integer(value: Any) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


@cache
def _generator_fingerprint() -> str:
    digest = hashlib.sha256()
    for name in _GENERATOR_FILES:
        digest.update((Path(__file__).parent / name).read_bytes())
    return digest.hexdigest()[:16]


@cache
def _cache_dir() -> Path | None:
    """Next to the package (like Numba's own cache), else the user's cache folder; never a
    folder others can write to, since the modules found there are executed."""
    user_cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    for folder in (
        Path(__file__).parent / "__pycache__" / "generated",
        user_cache / "optimizer-playground" / "surfaces",
    ):
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError:
            continue
        if os.access(folder, os.W_OK):
            return folder
    return None


def _module_path(name: str, key: str) -> Path | None:
    folder = _cache_dir()
    if folder is None:
        return None
    digest = hashlib.sha256(key.encode()).hexdigest()[:24]
    stem = "".join(c if c.isalnum() else "_" for c in name)[:40]
    return folder / f"{stem}_{digest}.py"


# --- reading a cached module ----------------------------------------------------------------


def _load(path: Path, key: str) -> GeneratedCode | None:
    if not path.is_file():
        return None
    try:
        module = _import_file(path)
        if key != module.KEY:  # a hash collision or a hand-edited file: regenerate
            return None
        numpy_functions = tuple(_numpy_function(source, names) for source, names in module.NUMPY)
    except (OSError, ImportError, SyntaxError, AttributeError, TypeError, ValueError):
        return None  # unreadable or half-removed: regenerate and write it again
    return GeneratedCode(key, numpy_functions, _callback_namespace(vars(module)), path)


def _import_file(path: Path) -> ModuleType:
    # Registered in `sys.modules`: Numba rebuilds a cached callback's environment by
    # importing its module by name.
    name = f"surfaces._generated.{path.stem}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError(path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise
    return module


def _numpy_function(source: str, names: tuple[tuple[str, str], ...]) -> Callable:
    """A lambdified function rebuilt from its source, each global name bound to the very
    object `sympy.lambdify` bound it to (`names`: (name, module) pairs)."""
    namespace = {name: getattr(importlib.import_module(module), name) for name, module in names}
    code = compile(source, "<lambdifygenerated>", "exec")
    exec(code, namespace)
    (function_name,) = (c.co_name for c in code.co_consts if isinstance(c, CodeType))
    return namespace[function_name]


def _callback_namespace(namespace: dict) -> dict:
    # `value_grad_batch` calls `point` inlined; njit compiles nothing until it is used.
    namespace["point"] = njit(inline="always", error_model="numpy")(namespace["point"])
    return namespace


# --- generating with SymPy ----------------------------------------------------------------


def _generate(surface: Surface, key: str, path: Path | None) -> GeneratedCode:
    import sympy

    from surfaces.core import xy_symbols

    x, y = xy_symbols()
    derivatives = surface._derivatives
    f, fx, fy = derivatives[:3]
    assert f.free_symbols <= {x, y}, f"unbound symbols in {f}"
    numpy_functions = tuple(
        sympy.lambdify((x, y), e, modules="numpy", cse=True) for e in derivatives
    )
    numpy_entries = [_numpy_entry(function) for function in numpy_functions]
    source = _module_source(surface, key, [f, fx, fy], numpy_entries)
    if path is not None and None not in numpy_entries:
        try:
            _write(path, source)
            _prune(path.parent)
            module = _import_file(path)
            return GeneratedCode(key, numpy_functions, _callback_namespace(vars(module)), path)
        except (OSError, ImportError, SyntaxError):
            pass  # a full or read-only disk: keep the code in memory only
    namespace: dict[str, Any] = {}  # no module name: Numba treats it as dynamic code
    exec(compile(source, f"<surfaces._codegen: {surface.name}>", "exec"), namespace)
    return GeneratedCode(key, numpy_functions, _callback_namespace(namespace), None)


def _numpy_entry(function: Callable) -> tuple[str, tuple[tuple[str, str], ...]] | None:
    """(source, global names) from which `_numpy_function` rebuilds exactly `function`
    (same bytecode, same objects behind every global), or None."""
    try:
        source = inspect.getsource(function)
    except (OSError, TypeError):
        return None
    bound = function.__globals__
    names = []
    for name in sorted(_global_names(function.__code__)):
        if name not in bound:
            continue  # an attribute, or a builtin: looked up the same way again
        module = next(
            (
                m
                for m in _NUMPY_NAME_SOURCES
                if getattr(importlib.import_module(m), name, None) is bound[name]
            ),
            None,
        )
        if module is None:
            return None
        names.append((name, module))
    entry = (source, tuple(names))
    rebuilt = _numpy_function(*entry)
    if rebuilt.__code__ != function.__code__ or any(
        rebuilt.__globals__[name] is not bound[name] for name, _ in names
    ):
        return None
    return entry


def _global_names(code: CodeType) -> set[str]:
    names = set(code.co_names)
    for const in code.co_consts:
        if isinstance(const, CodeType):
            names |= _global_names(const)
    return names


def _module_source(
    surface: Surface,
    key: str,
    value_and_gradient: list[sympy.Expr],
    numpy_entries: list[tuple[str, tuple[tuple[str, str], ...]] | None],
) -> str:
    f, fx, fy = value_and_gradient
    parameters = ", ".join(f"{k} = {_shown(v)}" for k, v in surface.param_values.items())
    parts = [
        f'"""Generated by surfaces._codegen for {surface.name}'
        + (f" ({parameters})" if parameters else "")
        + ': do not edit."""',
        "import math",
        f"KEY = {key!r}",
        "# f, ∂f/∂x, ∂f/∂y, ∂²f/∂x², ∂²f/∂x∂y, ∂²f/∂y² as sympy.lambdify printed them, each\n"
        "# with the modules its global names come from.\n"
        f"NUMPY = {tuple(numpy_entries)!r}",
        _source("value", "x, y", [f], "return {0}"),
        _source("value_grad", "x, y, out", [f, fx, fy], "out[0] = {1}\nout[1] = {2}\nreturn {0}"),
        _source("point", "x, y", [f, fx, fy], "return {0}, {1}, {2}"),
        _BATCH_SOURCE,
    ]
    return "\n\n\n".join(part.rstrip("\n") for part in parts) + "\n"


def _source(name: str, args: str, exprs: list[sympy.Expr], body: str) -> str:
    import sympy

    temps, reduced = sympy.cse(exprs, symbols=sympy.numbered_symbols("_c"))
    printer = _float_printer()({"fully_qualified_modules": True, "standard": "python3"})
    lines = [f"def {name}({args}):"]
    lines += [f"    {printer.doprint(sym)} = {printer.doprint(e)}" for sym, e in temps]
    results = [f"float({printer.doprint(e)})" for e in reduced]
    lines += ["    " + line for line in body.format(*results).split("\n")]
    return "\n".join(lines)


@cache
def _float_printer() -> type:
    from sympy.printing.pycode import PythonCodePrinter

    class FloatPrinter(PythonCodePrinter):
        """Numbers as float64 literals: an integer-valued constant beyond int64 (b = 1e19)
        must not become an integer literal that the compiled code cannot hold."""

        def _print_Float(self, expr: sympy.Float) -> str:
            return repr(float(expr))

        def _print_Integer(self, expr: sympy.Integer) -> str:
            value = int(expr)
            return str(value) if abs(value) < 2**53 else repr(float(value))

    return FloatPrinter


# --- the folder ---------------------------------------------------------------------------


def _write(path: Path, text: str) -> None:
    """Write atomically: a reader never sees half a file."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)


def _prune(folder: Path) -> None:
    """Keep the newest `MAX_CACHED_MODULES` modules (with what was stored next to them and
    what Numba compiled from them)."""
    try:
        modules = sorted(folder.glob("*.py"), key=lambda p: p.stat().st_mtime)
    except OSError:
        return
    for old in modules[: max(len(modules) - MAX_CACHED_MODULES, 0)]:
        for stale in (
            *folder.glob(f"{old.stem}.*"),
            *(folder / "__pycache__").glob(f"{old.stem}.*"),
        ):
            with contextlib.suppress(OSError):
                stale.unlink()
