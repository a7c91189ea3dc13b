"""The built-in test surfaces, each with the lesson it teaches."""

from __future__ import annotations

import numpy as np

from foundation.params import Param
from surfaces.core import SurfaceDef

_HIMMELBLAU_MINIMA = (
    (3.0, 2.0),
    (-2.805118, 3.131312),
    (-3.779310, -3.283186),
    (3.584428, -1.848126),
)

# Gaussian wells (depth, centre x, centre y, width) carved into a shallow bowl: one global
# and two local minima, the picture behind "the optimizer found a worse solution".
_WELLS = ((2.0, 2.0, 1.5, 0.9), (1.4, -2.2, 1.0, 0.8), (1.0, 0.5, -2.3, 0.7))
_WELLS_EXPR = "0.05*(x**2 + y**2)" + "".join(
    f" - {d}*exp(-((x - ({cx}))**2 + (y - ({cy}))**2)/(2*{w}**2))" for d, cx, cy, w in _WELLS
)


def _rotated_quadratic_hints(**_: float) -> tuple[tuple[float, float], ...]:
    return ((0.0, 0.0),)


def _rastrigin_hints(**_: float) -> tuple[tuple[float, float], ...]:
    return ((0.0, 0.0),)


SURFACES: dict[str, SurfaceDef] = {
    s.name: s
    for s in (
        SurfaceDef(
            name="bowl",
            title="Anisotropic bowl",
            expression="a*x**2 + b*y**2",
            latex=r"f(x, y) = a x^2 + b y^2",
            description="A quadratic bowl twenty times steeper in y than in x (a = 1/20, b = 1).",
            domain=((-10.0, 10.0), (-5.0, 5.0)),
            default_start=(-7.0, 2.0),
            params=(
                Param(
                    "a",
                    0.05,
                    "Curvature along x.",
                    symbol="a",
                    low=0.0,
                    low_open=True,
                    ui_low=0.01,
                    ui_high=2.0,
                ),
                Param(
                    "b",
                    1.0,
                    "Curvature along y.",
                    symbol="b",
                    low=0.0,
                    low_open=True,
                    ui_low=0.01,
                    ui_high=5.0,
                ),
            ),
            critical_hints=((0.0, 0.0),),
            level_scale="log",
            equal_aspect=True,
            lesson="SGD zig-zags across the steep direction and crawls along the flat one; "
            "momentum and adaptive methods fix this in different ways.",
        ),
        SurfaceDef(
            name="rotated_quadratic",
            title="Ill-conditioned rotated quadratic",
            expression="((cos(pi*angle/180)*x + sin(pi*angle/180)*y)**2"
            " + kappa*(-sin(pi*angle/180)*x + cos(pi*angle/180)*y)**2)/2",
            latex=r"f = \tfrac12\left(u^2 + \kappa v^2\right),\ "
            r"\begin{pmatrix}u\\v\end{pmatrix} = R(\varphi)\begin{pmatrix}x\\y\end{pmatrix}",
            description="A quadratic with condition number κ whose axes are rotated by φ.",
            domain=((-3.0, 3.0), (-3.0, 3.0)),
            default_start=(-2.5, 1.5),
            params=(
                Param(
                    "kappa",
                    10.0,
                    "Condition number: ratio of the largest to the smallest curvature.",
                    symbol=r"\kappa",
                    low=1.0,
                    log=True,
                    ui_low=1.0,
                    ui_high=1000.0,
                ),
                Param(
                    "angle",
                    30.0,
                    "Rotation of the valley in degrees.",
                    symbol=r"\varphi",
                    low=-180.0,
                    high=180.0,
                    ui_low=-90.0,
                    ui_high=90.0,
                ),
            ),
            critical_hints=_rotated_quadratic_hints,
            level_scale="log",
            equal_aspect=True,
            lesson="Per-coordinate methods (AdaGrad, RMSProp, Adam) help only when the valley "
            "is aligned with the axes: rotate it and watch their advantage shrink.",
        ),
        SurfaceDef(
            name="saddle",
            title="Saddle",
            expression="x**2 - y**2",
            latex=r"f(x, y) = x^2 - y^2",
            description="The simplest saddle point: a minimum along x, a maximum along y.",
            domain=((-2.0, 2.0), (-2.0, 2.0)),
            default_start=(-1.8, 0.01),
            critical_hints=((0.0, 0.0),),
            lesson="Gradient descent slows to a crawl near the saddle; a little gradient noise "
            "lets it escape, and Newton's method jumps right onto it.",
        ),
        SurfaceDef(
            name="monkey_saddle",
            title="Monkey saddle",
            expression="x**3 - 3*x*y**2",
            latex=r"f(x, y) = x^3 - 3 x y^2",
            description="A degenerate saddle with three valleys: its Hessian is zero at the "
            "origin, so second-order information cannot see it.",
            domain=((-1.5, 1.5), (-1.5, 1.5)),
            default_start=(0.8, 0.05),
            critical_hints=(),
            lesson="Where the Hessian vanishes even Newton's method is blind; first-order "
            "methods creep and then slide down one of the three valleys.",
        ),
        SurfaceDef(
            name="rosenbrock",
            title="Rosenbrock",
            expression="(a - x)**2 + b*(y - x**2)**2",
            latex=r"f(x, y) = (a - x)^2 + b\,(y - x^2)^2",
            description="A curved, flat-bottomed banana valley with its minimum at (a, a²).",
            domain=((-2.0, 2.0), (-1.0, 3.0)),
            default_start=(-1.5, 2.0),
            params=(
                Param(
                    "a",
                    1.0,
                    "Position of the minimum (a, a²).",
                    symbol="a",
                    ui_low=-2.0,
                    ui_high=2.0,
                ),
                Param(
                    "b",
                    100.0,
                    "Steepness of the valley walls.",
                    symbol="b",
                    low=0.0,
                    log=True,
                    ui_low=1.0,
                    ui_high=1000.0,
                ),
            ),
            critical_hints=lambda a, b: ((a, a * a),),
            level_scale="log",
            lesson="Finding the valley is easy; following its curved floor to the minimum is "
            "hard for every first-order method.",
        ),
        SurfaceDef(
            name="local_minima",
            title="Bowl with local minima",
            expression=_WELLS_EXPR,
            latex=r"f = 0.05\,(x^2+y^2) - \sum_{i=1}^{3} d_i \exp\!\left(-\frac{\|(x,y)-c_i\|^2}{2 w_i^2}\right)",
            description="Three Gaussian wells carved into a shallow bowl: one global and two "
            "local minima.",
            domain=((-5.0, 5.0), (-5.0, 5.0)),
            default_start=(-0.5, 4.0),
            critical_hints=tuple((cx, cy) for _, cx, cy, _ in _WELLS),
            lesson="Which minimum a run ends in depends on the start, the learning rate and "
            "the momentum: momentum can roll out of a shallow well into a deeper one.",
        ),
        SurfaceDef(
            name="beale",
            title="Beale",
            expression="(1.5 - x + x*y)**2 + (2.25 - x + x*y**2)**2 + (2.625 - x + x*y**3)**2",
            latex=r"f = (1.5 - x + xy)^2 + (2.25 - x + xy^2)^2 + (2.625 - x + xy^3)^2",
            description="Flat plateaus and sharp ridges with the minimum at (3, 0.5).",
            domain=((-4.5, 4.5), (-4.5, 4.5)),
            default_start=(1.0, 1.5),
            critical_hints=((3.0, 0.5),),
            level_scale="log",
            lesson="Gradients span many orders of magnitude: fixed-rate methods either crawl "
            "on the plateau or blow up on the ridge.",
        ),
        SurfaceDef(
            name="himmelblau",
            title="Himmelblau",
            expression="(x**2 + y - 11)**2 + (x + y**2 - 7)**2",
            latex=r"f(x, y) = (x^2 + y - 11)^2 + (x + y^2 - 7)^2",
            description="Four equal minima around a central maximum.",
            domain=((-5.0, 5.0), (-5.0, 5.0)),
            default_start=(-0.3, -0.9),
            critical_hints=(
                *_HIMMELBLAU_MINIMA,
                (-0.127961, -1.953715),
                (0.086678, 2.884255),
                (-3.073026, -0.081353),
                (3.385154, 0.073852),
            ),
            level_scale="log",
            lesson="Several equally good minima: which one a run finds depends on the "
            "optimizer's path, not on the depth.",
        ),
        SurfaceDef(
            name="rastrigin",
            title="Rastrigin",
            expression="2*A + x**2 - A*cos(2*pi*x) + y**2 - A*cos(2*pi*y)",
            latex=r"f = 2A + \sum_{z\in\{x,y\}} \left(z^2 - A\cos 2\pi z\right)",
            description="A bowl covered in a regular grid of local minima; the global one is "
            "at the origin.",
            domain=((-5.12, 5.12), (-5.12, 5.12)),
            default_start=(-4.2, 3.8),
            params=(
                Param(
                    "A",
                    10.0,
                    "Height of the ripples.",
                    symbol="A",
                    low=0.0,
                    ui_low=0.0,
                    ui_high=20.0,
                ),
            ),
            critical_hints=_rastrigin_hints,
            lesson="Small steps get trapped in the nearest ripple; only large steps or noise "
            "carry a run towards the global minimum.",
        ),
        SurfaceDef(
            name="ackley",
            title="Ackley",
            # The 1e-300 keeps the gradient finite at the origin (|r| is not differentiable
            # there) and changes no value a float64 can show.
            expression="-20*exp(-0.2*sqrt(0.5*(x**2 + y**2) + 1e-300))"
            " - exp(0.5*(cos(2*pi*x) + cos(2*pi*y))) + E + 20",
            latex=r"f = -20\,e^{-0.2\sqrt{(x^2+y^2)/2}} - e^{(\cos 2\pi x + \cos 2\pi y)/2} + e + 20",
            description="A nearly flat outer region full of ripples around one deep, narrow "
            "funnel at the origin.",
            domain=((-5.0, 5.0), (-5.0, 5.0)),
            default_start=(-3.3, 3.1),
            critical_hints=((0.0, 0.0),),
            lesson="Far from the funnel the gradient says almost nothing useful; adaptive "
            "methods amplify tiny gradients and can still wander.",
        ),
        SurfaceDef(
            name="booth",
            title="Booth",
            expression="(x + 2*y - 7)**2 + (2*x + y - 5)**2",
            latex=r"f(x, y) = (x + 2y - 7)^2 + (2x + y - 5)^2",
            description="A tilted, mildly ill-conditioned quadratic with its minimum at (1, 3).",
            domain=((-10.0, 10.0), (-10.0, 10.0)),
            default_start=(-8.0, -6.0),
            critical_hints=((1.0, 3.0),),
            level_scale="log",
            lesson="A quadratic whose axes are not the coordinate axes: a clean testbed where "
            "Newton's method finishes in one step.",
        ),
    )
}

# Keep numpy imported for doctest namespaces of callers.
__all__ = ["SURFACES", "np"]
