"""Random hostile calls into every entry point, each in a child process.

    python benchmarks/fuzz.py --calls 20000 --seed 1          # the full run (see README)
    python benchmarks/fuzz.py --calls 300 --seed 0 --targets engine schedules

Targets: ``engine`` (`optim_core.run` over every optimizer, convention, surface and
schedule with extreme but typed values: huge integers, complex, bool, NumPy scalars of
every dtype including long double, empty and ragged arrays, inf/nan, steps=0, big
batches), ``schedules`` (`schedules.normalize` and `make`), ``settings``
(`Experiment.from_json`, then the run and its figures), ``url`` (a page opened through
Streamlit's `AppTest` with hostile query parameters, the way a link arrives) and ``cli``
(`python -m exports` arguments and settings files, in-process).

Every case is one line of Python source: the parent writes it to a worker process, which
evaluates it and answers with its outcome.  A worker that dies (SIGSEGV, SIGABRT) or
does not answer within ``--timeout`` seconds is reported with the exact line, and a new
worker takes its place.  Outcomes:

- ok / rejected: returned a finite result / raised `ParameterError` (both fine);
- escaped: any other exception; warning: a warning reached the caller; nonfinite: NaN or
  infinity in a result returned as valid; crash / hang: the worker died or hung.

The exit code is 1 when anything but ok / rejected happened; each problem is printed
with its reproducing line.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import select
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
TARGETS = ("engine", "schedules", "settings", "url", "cli")
# Share of calls per target: the engine is the widest input space; a page opened through
# AppTest costs about a second, a CLI call with a figure a few tenths.
WEIGHTS = {"engine": 0.55, "schedules": 0.15, "settings": 0.15, "url": 0.05, "cli": 0.10}
FINE = ("ok", "rejected")

# --- values, as Python source ------------------------------------------------------------------

HUGE_INTS = ("10**400", "-10**400", "2**63", "2**64", "-2**63 - 1", "2**31", "10**20",
             "10**5000 - 1")  # fmt: skip
ODD_FLOATS = ("float('inf')", "float('-inf')", "float('nan')", "1e300", "-1e300", "1e-320",
              "5e-324", "1.7976931348623157e308", "-0.0")  # fmt: skip
ODD_TYPES = ("1+2j", "complex(1, 0)", "complex('nan')", "True", "False", "None", "'1'",
             "'abc'", "b'1'", "[]", "{}", "()", "[1, 2]", "[[1], [2, 3]]", "object()",
             "np.array([])", "np.array([[]])", "np.zeros((0, 2))", "np.zeros((2, 2, 2))",
             "np.array([1, 2], dtype=object)", "np.array(['1', '2'])", "np.ma.masked",
             "np.datetime64('2020-01-01')", "slice(1)", "range(3)")  # fmt: skip
DTYPES = ("np.int8", "np.int16", "np.int32", "np.int64", "np.uint8", "np.uint16", "np.uint32",
          "np.uint64", "np.float16", "np.float32", "np.float64", "np.longdouble",
          "np.complex64", "np.complex128", "np.clongdouble", "np.bool_")  # fmt: skip
NUMPY_EXTREMES = ("np.longdouble('1e4000')", "np.longdouble('-1e4000')", "np.longdouble('1e-4000')",
                  "np.float16(65504)", "np.float32(3e38)", "np.uint64(2**64 - 1)",
                  "np.int64(-2**63)", "np.float64('nan')", "np.clongdouble('1e4000+1j')")  # fmt: skip


def plausible(rng: random.Random, low: float | None, high: float | None, kind: str) -> str:
    """A value inside or near [low, high], spelled in one of many number types."""
    lo = -10.0 if low is None else low
    hi = lo + 10.0 if high is None else high
    if kind == "int":
        value = rng.choice([int(lo), int(lo) + 1, rng.randint(int(lo), int(min(hi, lo + 500)))])
    else:
        value = rng.choice(
            [lo, hi, rng.uniform(lo, hi), lo + (hi - lo) * 10 ** rng.uniform(-12, 0)]
        )
    spelled = repr(value)
    wrapper = rng.random()
    if wrapper < 0.2:
        wrapped = f"{rng.choice(DTYPES)}({spelled})"
        return wrapped if _constructs(wrapped) else spelled
    if wrapper < 0.3:
        return f"np.array({spelled})"
    return spelled


def _constructs(code: str) -> bool:
    """Whether a NumPy scalar spelling builds without error or warning (np.uint8(-5)
    fails in NumPy itself, before any of our code runs)."""
    import warnings

    import numpy as np

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        try:
            eval(code, {"np": np})
        except Exception:
            return False
    return True


def number(rng: random.Random, low=None, high=None, kind="float") -> str:
    roll = rng.random()
    if roll < 0.72:
        return plausible(rng, low, high, kind)
    if roll < 0.80:
        return rng.choice(HUGE_INTS)
    if roll < 0.87:
        return rng.choice(ODD_FLOATS)
    if roll < 0.93:
        return rng.choice(NUMPY_EXTREMES)
    return rng.choice(ODD_TYPES)


def batch_of(rng: random.Random, low, high, kind: str, size: int) -> str:
    """A (B,) array for a batched hyperparameter, sometimes hostile."""
    roll = rng.random()
    if roll < 0.75:
        lo = 0.0 if low is None else low
        hi = lo + 1.0 if high is None else high
        return f"np.linspace({lo!r}, {hi!r}, {size})"
    return rng.choice([f"np.full({size}, np.nan)", f"np.full({size}, 1e300)", "np.array([])",
                       f"np.ones(({size}, 2))", f"np.ones({size}, dtype=np.complex128)",
                       f"np.ones({size}, dtype=np.longdouble) * np.longdouble('1e4000')",
                       f"np.arange({size}) - 1"])  # fmt: skip


def start_value(rng: random.Random, batch: int) -> str | None:
    roll = rng.random()
    if roll < 0.3:
        return None
    if roll < 0.65:
        return f"({number(rng, -5, 5)}, {number(rng, -5, 5)})"
    if roll < 0.85:
        return f"np.random.default_rng({rng.randint(0, 99)}).uniform(-5, 5, ({batch}, 2))"
    return rng.choice(["[]", "[[]]", "[1]", "[1, 2, 3]", "[[1, 2], [3]]", "np.zeros((0, 2))",
                       "np.zeros((2, 2, 2))", "[[float('nan'), 0]]", "[1e300, 1e300]",
                       f"np.ones(({batch}, 2)) * 1e200", "[1+1j, 2]", "[10**400, 0]",
                       "np.array([np.longdouble('1e4000'), 0])"])  # fmt: skip


# --- cases per target ----------------------------------------------------------------------


def schedule_config(rng: random.Random) -> str:
    from optim_core import schedules

    if rng.random() < 0.05:
        return rng.choice(["{}", "{'name': 'nope'}", "[]", "'cosine'", "{'name': 1}",
                           "{'name': 'cosine', 'extra': 1}"])  # fmt: skip
    name = rng.choice(schedules.names())
    parts = [f"'name': {name!r}"]
    for param in schedules.spec(name).all_params:
        if rng.random() < 0.5:
            continue
        if param.kind == "bool":
            value = rng.choice(["True", "False", "1", "'yes'", "np.bool_(True)"])
        elif param.kind == "floats":
            size = rng.randint(0, 4)
            items = ", ".join(
                number(rng, param.low, (param.low or 0) + 300, "int") for _ in range(size)
            )
            value = rng.choice([f"[{items}]", f"({items}{',' if items else ''})", "[1e300]", "[10**400]",
                                "[float('inf')]", "[[1, 2]]", "np.array([1e300, 2e300])"])  # fmt: skip
            value = value if rng.random() < 0.5 else f"[{items}]"
        else:
            value = number(rng, param.low, param.high, param.kind)
        parts.append(f"{param.name!r}: {value}")
    return "{" + ", ".join(parts) + "}"


def engine_case(rng: random.Random) -> str:
    import optim_core
    import surfaces

    name = rng.choice(optim_core.names())
    opt = optim_core.spec(name)
    surface = rng.choice(surfaces.names())
    roll = rng.random()
    batch = rng.choice([1, 2, 3, 7]) if roll < 0.9 else rng.choice([300, 2000, 100_000, 200_000])
    steps = (
        rng.choice(["0", "1", "2", "10", "50", "200"])
        if rng.random() < 0.8
        else number(rng, 0, 20_000, "int")
    )
    if batch > 1000 and rng.random() < 0.8:
        steps = rng.choice(["0", "1", "5"])
    args = [repr(name), repr(surface)]
    start = start_value(rng, batch)
    if start is not None:
        args.append(f"start={start}")
    args.append(f"steps={steps}")
    if rng.random() < 0.7:
        args.append(f"convention={rng.choice([c.name for c in opt.conventions])!r}")
    elif rng.random() < 0.2:
        args.append(f"convention={rng.choice(['nope', '1', 'None', '3'])!r}")
    for param in opt.params:
        roll = rng.random()
        if roll < 0.4:
            continue
        if roll < 0.5 and param.kind == "float":
            args.append(f"{param.name}={batch_of(rng, param.low, param.high, param.kind, batch)}")
        else:
            high = param.high if param.high is not None else (param.low or 0) + 2
            args.append(f"{param.name}={number(rng, param.low, high, param.kind)}")
    if rng.random() < 0.3:
        args.append(f"schedule={schedule_config(rng)}")
    if rng.random() < 0.3:
        noise = batch_of(rng, 0, 3, "float", batch) if rng.random() < 0.3 else number(rng, 0, 5)
        args.append(f"noise={noise}")
        args.append(f"noise_mode={rng.choice(['absolute', 'relative', 'x'])!r}")
    if rng.random() < 0.3:
        seeds = rng.choice([f"np.arange({batch})", f"np.arange({batch}) - 1", "[1, 2]",
                            f"np.full({batch}, 2**40)", "np.array([], dtype=int)"])  # fmt: skip
        args.append(f"seed={seeds if rng.random() < 0.3 else number(rng, 0, 2**32 - 1, 'int')}")
    if rng.random() < 0.2:
        args.append(f"gradient={rng.choice(['analytic', 'numerical', 'x'])!r}")
        args.append(f"fd_step={number(rng, 1e-8, 1e-1)}")
    definition = surfaces.definition(surface)
    if definition.params and rng.random() < 0.3:
        params = ", ".join(f"{p.name!r}: {number(rng, p.low, p.high)}" for p in definition.params
                           if rng.random() < 0.7)  # fmt: skip
        args.append(f"surface_params={{{params}}}")
    if rng.random() < 0.5:
        args.append(f"record_state={rng.choice(['False', 'True'])}")
    if rng.random() < 0.03:
        extra = ["betas=(0.9,)", "betas=10**400", "nope=1"]
        extra += [] if any(a.startswith("lr=") for a in args) else ["lr=[0.1, 0.2]", "lr=[[0.1]]"]
        args.append(rng.choice(extra))
    return f"engine({', '.join(args)})"


def _json_number(rng: random.Random, low=None, high=None, kind="float") -> str:
    """A JSON number token (or something else JSON) for a settings file."""
    roll = rng.random()
    if roll < 0.7:
        lo = -5.0 if low is None else low
        hi = lo + 10.0 if high is None else min(high, lo + 1000)
        return str(rng.randint(int(lo), int(hi))) if kind == "int" else repr(rng.uniform(lo, hi))
    return rng.choice(["1" + "0" * 400, "9" * 5000, "-" + "9" * 400, "1e300", "1e400", "-1e400",
                       "NaN", "Infinity", "-Infinity", "true", "null", '"1"', "[]", "{}",
                       "[1, 2]", "1.5", "0"])  # fmt: skip


def settings_text(rng: random.Random) -> str:
    """A settings file as JSON text: mostly well formed, with hostile values."""
    import optim_core
    import surfaces

    roll = rng.random()
    if roll < 0.05:
        depth = rng.choice([100, 1000, 10_000, 100_000])
        return (
            "[" * depth + "]" * depth if rng.random() < 0.5 else '{"a":' * depth + "1" + "}" * depth
        )
    if roll < 0.08:
        return rng.choice(["", "{", "null", "[]", '"x"', "1", '{"runs": 1}', "\x00", "{}" * 3])
    surface = rng.choice(surfaces.names())
    definition = surfaces.definition(surface)
    fields = [f'"surface": "{surface}"']
    if definition.params and rng.random() < 0.5:
        params = ", ".join(
            f'"{p.name}": {_json_number(rng, p.low, p.high)}' for p in definition.params
        )
        fields.append(f'"surface_params": {{{params}}}')
    if rng.random() < 0.5:
        fields.append(f'"start": [{_json_number(rng, -5, 5)}, {_json_number(rng, -5, 5)}]')
    fields.append(f'"steps": {_json_number(rng, 0, 300, "int")}')
    for key, low, high, kind in (("noise", 0, 5, "float"), ("seed", 0, 1000, "int"),
                                 ("fd_step", 1e-8, 0.1, "float")):  # fmt: skip
        if rng.random() < 0.3:
            fields.append(f'"{key}": {_json_number(rng, low, high, kind)}')
    if rng.random() < 0.2:
        fields.append(f'"gradient": "{rng.choice(["analytic", "numerical"])}"')
    runs = []
    for _ in range(rng.choice([1, 1, 2, 4, 9])):
        name = rng.choice(optim_core.names())
        opt = optim_core.spec(name)
        hyper = ", ".join(
            f'"{p.name}": {_json_number(rng, p.low, p.high if p.high is not None else 2, p.kind)}'
            for p in opt.params if rng.random() < 0.5
        )  # fmt: skip
        run = [f'"optimizer": "{name}"', f'"hyper": {{{hyper}}}']
        if rng.random() < 0.3:
            config = (
                schedule_config(rng)
                .replace("'", '"')
                .replace("True", "true")
                .replace("False", "false")
            )
            if (
                "np." not in config
                and "float(" not in config
                and "**" not in config
                and "(" not in config
            ):
                run.append(f'"schedule": {config}')
            else:
                run.append(
                    '"schedule": {"name": "piecewise", "boundaries": [1e300], "values": [1, 0.5]}'
                )
        if rng.random() < 0.2:
            label = rng.choice(["![x](http://example.invalid/x.png)", "[a](http://example.invalid)",
                                "**bold** <b>x</b>", "x" * 250_000, "`code`", "$x^2$", "a\\nb"])  # fmt: skip
            run.append(f'"label": {json.dumps(label)}')
        runs.append("{" + ", ".join(run) + "}")
    fields.append(f'"runs": [{", ".join(runs)}]')
    return "{" + ", ".join(fields) + "}"


def settings_case(rng: random.Random) -> str:
    return f"settings({settings_text(rng)!r})"


def url_case(rng: random.Random) -> str:
    """A page opened by a link whose query holds hostile values."""
    import optim_core
    import surfaces
    from optim_core import schedules

    page = rng.choice(["compare", "explore", "schedules", None])
    query: dict[str, str] = {}
    hostile = ["1" + "0" * 400, "9" * 5000, "1e300", "-1e300", "1e400", "inf", "nan", "-0",
               "1+2j", "0x10", "", " ", "abc", "![x](http://example.invalid/x.png)",
               "[a](http://example.invalid)", "x" * 5000, "1e-320", "0", "-1", "3.5"]  # fmt: skip
    surface = rng.choice(surfaces.names())
    query["surface"] = surface
    for param in surfaces.definition(surface).params:
        if rng.random() < 0.6:
            query[f"{surface}_{param.name}"] = rng.choice(hostile)
    for key in ("x0", "y0", "steps", "seed", "noise", "fd_step", "n", "tol"):
        if rng.random() < 0.3:
            query[key] = rng.choice(hostile)
    for slot in range(1, rng.choice([2, 3, 5])):
        name = rng.choice(optim_core.names())
        query[f"o{slot}_opt"] = name
        for param in optim_core.spec(name).params:
            if rng.random() < 0.4:
                query[f"o{slot}_{param.name}"] = rng.choice(hostile)
        if rng.random() < 0.3:
            query[f"o{slot}_label"] = rng.choice(
                [*hostile[-8:], "![x](http://example.invalid/l.png)"]
            )
        if rng.random() < 0.4 and name not in ("lbfgs",):
            sched = rng.choice(schedules.names())
            query[f"o{slot}_sched"] = sched
            for param in schedules.spec(sched).all_params:
                if rng.random() < 0.5:
                    value = rng.choice(hostile)
                    if param.kind == "floats":
                        value = rng.choice([value, f"{value}, {rng.choice(hostile)}"])
                    query[f"o{slot}_sched_{param.name}"] = value
    if rng.random() < 0.2:
        query["noise"] = rng.choice(["1", "5", "0.5"])
    return f"url({page!r}, {query!r})"


def cli_case(rng: random.Random) -> str:
    files = {"s.json": settings_text(rng)} if rng.random() < 0.7 else {}
    fmt = rng.choice(["csv", "json", "png", "csv json"])
    base = ["settings", "s.json"] if files else ["preset", rng.choice(["dlfs_ch6", "nope", ""])]
    extra = []
    for option, values in (("--scale", ["1", "0", "1e400", "9" * 400, "nan", "-1"]),
                           ("--fps", ["10", "0", "1e300", "9" * 400, "x"]),
                           ("--max-frames", ["5", "0", "9" * 400, "inf"]),
                           ("--stride", ["1", "0", "9" * 400, "-inf"]),
                           ("--lang", ["en", "ko", "xx", ""]),
                           ("--layout", ["grid", "overlay", "x"])):  # fmt: skip
        if rng.random() < 0.15:
            extra += [option, rng.choice(values)]
    argv = [*base, "--format", *fmt.split(), "--out", "out", "--quiet", *extra]
    if rng.random() < 0.05:
        argv = rng.choice([["settings"], ["list", "x"], ["--help", "x"], ["settings", "missing.json"],
                           ["settings", "."], ["settings", "s.json", "--format", "nope"]])  # fmt: skip
    return f"cli({argv!r}, {files!r})"


CASES = {"engine": engine_case, "schedules": lambda rng: f"schedule_case({schedule_config(rng)}, "
         f"{number(rng, 0, 1)}, {number(rng, 1, 300, 'int')}, {number(rng, 0, 300, 'int')})",
         "settings": settings_case, "url": url_case, "cli": cli_case}  # fmt: skip


def make_cases(count: int, seed: int, targets: tuple[str, ...]) -> list[tuple[str, str]]:
    rng = random.Random(seed)
    weights = [WEIGHTS[t] for t in targets]
    chosen = rng.choices(targets, weights, k=count)
    return [(target, CASES[target](rng)) for target in chosen]


# --- the worker: evaluates one case per line ---------------------------------------------------


def worker() -> None:
    """Read one case per line from stdin, answer one JSON outcome per line."""
    import faulthandler
    import warnings

    faulthandler.enable()  # a fatal signal prints the Python stack to stderr
    from benchmarks import fuzz_checks

    namespace = fuzz_checks.namespace()
    for line in sys.stdin:
        case = json.loads(line)
        sys.stderr.write(f"CASE {case['code'][:300]}\n")
        sys.stderr.flush()
        outcome, detail = "ok", ""
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                problem = eval(case["code"], namespace)
                if problem == "rejected":
                    outcome = "rejected"
                elif problem:
                    outcome = "nonfinite" if problem.startswith("nonfinite") else "escaped"
                    detail = problem
            except fuzz_checks.ParameterError:
                outcome = "rejected"
            except BaseException as error:
                outcome, detail = "escaped", f"{type(error).__name__}: {str(error)[:300]}"
        if outcome in FINE and caught:
            first = caught[0]
            outcome = "warning"
            detail = f"{first.category.__name__}: {first.message} ({Path(first.filename).name}:{first.lineno})"
        print(json.dumps({"outcome": outcome, "detail": detail[:500]}), flush=True)


# --- the parent: feeds workers, watches for deaths and hangs -------------------------------------


class Worker:
    def __init__(self) -> None:
        self.stderr = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115 - closed in close()
        env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONFAULTHANDLER": "1"}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "benchmarks.fuzz", "--worker"], cwd=ROOT, env=env,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.stderr, text=True,
        )  # fmt: skip

    def call(self, target: str, code: str, timeout: float) -> tuple[str, str]:
        try:
            self.process.stdin.write(json.dumps({"target": target, "code": code}) + "\n")
            self.process.stdin.flush()
        except BrokenPipeError:
            return "crash", self.tail()
        ready, _, _ = select.select([self.process.stdout], [], [], timeout)
        if not ready:
            self.process.kill()
            self.process.wait()
            return "hang", f"no answer within {timeout:g} s"
        line = self.process.stdout.readline()
        if not line:
            code_ = self.process.wait()
            return "crash", f"exit {code_}: {self.tail()}"
        answer = json.loads(line)
        return answer["outcome"], answer["detail"]

    def tail(self) -> str:
        self.stderr.seek(0)
        lines = [ln for ln in self.stderr.read().splitlines() if not ln.startswith("CASE ")]
        return " | ".join(lines[-6:])[-600:]

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.stdin.close()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.stderr.close()


def fuzz(cases: list[tuple[str, str]], workers: int, timeout: float, budget: float) -> dict:
    """Run `cases` on `workers` processes; the outcomes and every problem with its line."""
    counts: Counter[str] = Counter()
    by_target: dict[str, Counter[str]] = {}
    problems: list[dict] = []
    lock = threading.Lock()
    queue = list(enumerate(cases))
    deadline = time.monotonic() + budget

    def drive() -> None:
        current = Worker()
        try:
            while True:
                with lock:
                    if not queue or time.monotonic() > deadline:
                        return
                    index, (target, code) = queue.pop(0)
                outcome, detail = current.call(target, code, timeout)
                if outcome in ("crash", "hang"):
                    current.close()
                    current = Worker()
                with lock:
                    counts[outcome] += 1
                    by_target.setdefault(target, Counter())[outcome] += 1
                    if outcome not in FINE:
                        problems.append({"index": index, "target": target, "outcome": outcome,
                                         "detail": detail, "code": code})  # fmt: skip
        finally:
            current.close()

    threads = [threading.Thread(target=drive) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {"counts": counts, "by_target": by_target, "problems": sorted(problems, key=lambda p: p["index"]),
            "skipped": len(queue)}  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds one call may take")
    parser.add_argument("--budget", type=float, default=3600.0, help="seconds for the whole run")
    parser.add_argument("--targets", nargs="+", choices=TARGETS, default=list(TARGETS))
    parser.add_argument("--json", type=Path, help="also write the report here")
    parser.add_argument(
        "--replay", metavar="LINE", help="run one reported line here, with its traceback"
    )
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        worker()
        return 0
    if args.replay:
        from benchmarks import fuzz_checks

        print(eval(args.replay, fuzz_checks.namespace()))
        return 0
    cases = make_cases(args.calls, args.seed, tuple(args.targets))
    began = time.monotonic()
    report = fuzz(cases, args.workers, args.timeout, args.budget)
    elapsed = time.monotonic() - began
    done = sum(report["counts"].values())
    print(f"{done} calls in {elapsed:.0f} s (seed {args.seed}, {args.workers} workers), "
          f"{report['skipped']} left when the budget ran out")  # fmt: skip
    for target, counts in sorted(report["by_target"].items()):
        print(f"  {target:10} " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    for problem in report["problems"]:
        print(
            f"\n[{problem['outcome']}] #{problem['index']} {problem['target']}: {problem['detail']}"
        )
        code = problem["code"]
        print(f"  {code if len(code) <= 600 else code[:600] + ' …'}")
    if args.json:
        args.json.write_text(json.dumps({**report, "elapsed": elapsed}, indent=1, default=dict))
    return 1 if report["problems"] else 0


if __name__ == "__main__":
    sys.exit(main())
