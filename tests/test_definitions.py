"""Each optimizer is defined once; everything else is derived from that definition.

- the LaTeX a student reads is the code: every displayed line, evaluated with SymPy at
  random values, equals what the NumPy update computes from the same values;
- the update runs on arrays of any shape, and the compiled loop equals stepping the
  definition in plain NumPy (torch's test_foreach_matches_forloop);
- the generated compiled loops are current.
"""

import numpy as np
import pytest

import optim_core
import surfaces
from optim_core import codegen, definition

FIRST_ORDER = [
    (name, convention.name)
    for name in optim_core.names()
    if optim_core.spec(name).family == "first_order"
    for convention in optim_core.spec(name).conventions
]


def random_inputs(rule, rng):
    """A state, hyperparameters, θ, g and η as NumPy arrays of shape (5,)."""
    shape = (5,)
    hyper = {}
    for name in rule.Hyper._fields:
        if name in {"beta1", "beta2", "momentum", "alpha", "rho"}:
            hyper[name] = rng.uniform(0.5, 0.99)
        elif name == "eps":
            hyper[name] = rng.uniform(1e-3, 1e-1)  # large enough to matter
        else:
            hyper[name] = rng.uniform(0.01, 0.5)
    hyper = rule.Hyper(**hyper)
    theta = rng.normal(size=shape)
    state = rule.init(theta, hyper)
    # A state as after a few steps: positive where the rule keeps squares, powers < 1.
    values = {}
    for name, value in zip(rule.State._fields, state, strict=True):
        if name.endswith("_power") or name == "mu_product":
            values[name] = np.full(shape, rng.uniform(0.1, 0.9))
        elif name == "step":
            values[name] = np.full(shape, 3.0)
        elif name in {"velocity", "m"}:
            values[name] = rng.normal(size=shape)
        else:
            values[name] = rng.uniform(0.1, 2.0, shape) + np.asarray(value) * 0
    return rule.State(**values), hyper, theta, rng.normal(size=shape), rng.uniform(0.01, 0.5)


@pytest.mark.parametrize(("name", "convention"), FIRST_ORDER)
def test_every_displayed_line_is_what_the_code_computes(name, convention):
    import sympy

    spec = optim_core.spec(name)
    conv = spec.convention(convention)
    rule, form = spec.rule, conv.form
    state, hyper, theta, g, lr = random_inputs(rule, np.random.default_rng(5))
    decay = 0.3 if conv.decoupled_weight_decay else 0.0  # θ' = θ − ηλθ before the update
    start = theta - theta * (lr * decay)
    new_theta, new_state, shown = rule.update(g, state, start, lr, hyper, form)
    computed = {**new_state._asdict(), **shown._asdict(), "decayed": start}
    lines = definition.trace(rule, form, conv.decoupled_weight_decay)
    for k in range(5):
        env = {sympy.Symbol("g_t"): g[k], sympy.Symbol(r"\theta_{t-1}"): theta[k],
               sympy.Symbol(r"\eta"): lr, sympy.Symbol(r"\lambda"): decay}  # fmt: skip
        env |= {sympy.Symbol(rule.SYMBOLS[f][0]): getattr(state, f)[k] for f in rule.State._fields}
        env |= {sympy.Symbol(rule.SYMBOLS[f][0]): getattr(hyper, f) for f in rule.Hyper._fields}
        checked = 0
        for symbol, expression, _ in lines:
            if symbol.name == "g_t":  # the look-ahead line names where g was taken
                continue
            value = float(expression.subs(env).evalf(30))
            env[symbol] = value
            symbols = {**rule.SYMBOLS, "decayed": (r"\theta'_{t}",)}
            key = next((f for f, s in symbols.items() if s[-1] == symbol.name), None)
            expected = new_theta[k] if symbol.name == r"\theta_t" else computed.get(key)
            if expected is not None:
                np.testing.assert_allclose(value, np.asarray(expected)[k] if np.ndim(expected)
                                           else expected, rtol=1e-12, err_msg=symbol.name)  # fmt: skip
                checked += 1
        assert checked >= 1, "vacuous: no displayed line was compared with the code"
    assert spec.convention(convention).latex.count("&=") == sum(shown for *_, shown in lines)


def test_a_changed_rule_changes_the_displayed_latex(monkeypatch):
    from optim_core.optimizers import adam

    before = definition.rule_latex(adam, adam.CORRECTED)
    original = adam.adam_step

    def eps_inside(theta, m, v, second, b1p, b2p, lr, eps, form):
        return original(theta, m, v, second, b1p, b2p, lr, eps, adam.EPS_INSIDE)

    monkeypatch.setattr(adam, "adam_step", eps_inside)
    assert definition.rule_latex(adam, adam.CORRECTED) != before


def numpy_run(name, convention, surface, start, steps, **hyper):
    """Step the definition in plain NumPy over a (B, 2) batch: the slow, obvious path."""
    spec = optim_core.spec(name)
    rule, form = spec.rule, spec.convention(convention).form
    values = spec.defaults(convention) | hyper
    h = rule.Hyper(**{f: values[f] for f in rule.Hyper._fields})
    decay = values.get("weight_decay", 0.0)
    decoupled = spec.convention(convention).decoupled_weight_decay
    l2 = 0.0 if decoupled else decay
    shrink = values["lr"] * decay if decoupled else 0.0  # AdamW, Keras: θ ← θ − θλη first
    theta = np.array(start, float)
    state = rule.init(theta, h)
    path = [theta]
    for _ in range(steps):
        point = (
            rule.gradient_point(theta, state, h, form) if hasattr(rule, "gradient_point") else theta
        )
        g = surface.grad(point) + l2 * point
        theta, state, _ = rule.update(g, state, theta - theta * shrink, values["lr"], h, form)
        path.append(theta)
    return np.stack(path)


@pytest.mark.parametrize(("name", "convention"), FIRST_ORDER)
def test_compiled_loop_equals_the_definition_stepped_in_numpy(name, convention):
    surface = surfaces.get("rosenbrock")
    starts = np.random.default_rng(1).uniform(-1.5, 1.5, (4, 2))
    hyper = {"lr": 1e-4, "weight_decay": 0.01}
    engine = optim_core.run(name, surface, start=starts, steps=40, convention=convention,
                            record_state=False, **hyper)  # fmt: skip
    assert np.all(engine.diverged_at < 0)
    reference = numpy_run(name, convention, surface, starts, 40, **hyper)
    np.testing.assert_allclose(engine.path, reference, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("name", [n for n, _ in FIRST_ORDER[::3]])
def test_the_update_steps_a_weight_matrix(name):
    """The same rule steps a (784, 100) weight matrix; each entry as if stepped alone."""
    spec = optim_core.spec(name)
    rule, form = spec.rule, spec.conventions[0].form
    values = spec.defaults()
    h = rule.Hyper(**{f: values[f] for f in rule.Hyper._fields})
    rng = np.random.default_rng(2)
    start, grads = rng.normal(size=(784, 100)), rng.normal(size=(2, 784, 100))
    weights, state = start, rule.init(start, h)
    for g in grads:
        weights, state, _ = rule.update(g, state, weights, 0.01, h, form)
    assert weights.shape == (784, 100)
    one, alone = start.flat[7], rule.init(start.flat[7], h)
    for g in grads:
        one, alone, _ = rule.update(g.flat[7], alone, one, 0.01, h, form)
    assert weights.flat[7] == pytest.approx(one, rel=1e-15)


def test_compiled_loops_are_generated_from_the_current_definitions():
    assert codegen.TARGET.read_text(encoding="utf-8") == codegen.source(), (
        "optim_core/_loops.py is out of date: run python -m optim_core.codegen"
    )


def test_every_convention_names_libraries_it_reproduces_or_says_none():
    known = set(definition.LIBRARIES)
    for name in optim_core.names():
        spec = optim_core.spec(name)
        for convention in spec.conventions:
            assert set(convention.libraries) <= known, (name, convention.name)
        for library in {lib for c in spec.conventions for lib in c.libraries}:
            assert spec.convention_for(library).libraries.count(library) == 1
    # No library is claimed by two forms of the same optimizer.
    for name in optim_core.names():
        claimed = [lib for c in optim_core.spec(name).conventions for lib in c.libraries]
        assert len(claimed) == len(set(claimed)), name
