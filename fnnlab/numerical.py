"""Numerical differentiation, its step size and cost, and the gradient check.

Three difference quotients approximate a derivative from values of ``f``:

* forward ``(f(x + h) - f(x)) / h``: truncation error of order ``h``;
* central ``(f(x + h) - f(x - h)) / (2h)``: truncation error of order ``h^2``;
* complex step ``Im f(x + ih) / h``: no subtraction, hence no cancellation,
  for any ``f`` that is analytic and written with complex-capable functions.

The first two also suffer round-off of order ``eps / h`` (``eps`` the
machine epsilon), so the total error is smallest at a middle step:
:func:`step_sweep` measures where. The gradient check compares
backpropagation with central differences, entry by entry, always in
float64; :func:`gradient_cost` counts what that costs in forward passes.

Chapters: *Backpropagation* (the gradient check), *Computing gradients
automatically* (numerical differentiation in depth).
"""

from __future__ import annotations

import contextlib
import math
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

import numpy as np

from ._optional import pyplot
from .backend import make_backend, to_numpy
from .errors import FnnlabError, check_choice, check_positive

__all__ = [
    "forward_difference",
    "central_difference",
    "complex_step",
    "numerical_gradient",
    "relative_error",
    "GradCheckReport",
    "gradient_check",
    "DIFFERENCE_METHODS",
    "textbook_step",
    "StepSweep",
    "step_sweep",
    "plot_step_sweep",
    "CallCounter",
    "count_calls",
    "PassCount",
    "count_passes",
    "GradientCost",
    "gradient_cost",
]

KINK_ACTIVATIONS = ("relu", "leaky_relu")

DIFFERENCE_METHODS = ("forward", "central", "complex")
"""The difference quotients :func:`numerical_gradient` knows."""

_DEFAULT_STEPS = {"forward": 1.5e-8, "central": 1e-5, "complex": 1e-20}


# --- derivatives of scalar functions ----------------------------------------

def forward_difference(
    f: Callable[[float], float], x: float, h: float = 1.5e-8
):
    """``(f(x + h) - f(x)) / h``, the derivative of a scalar ``f``.

    Two calls of ``f``; error of order ``h`` plus ``eps / h``. The default
    step is about ``sqrt(eps)`` of float64. ``x`` may be a NumPy float32
    scalar: the quotient is then computed in float32.
    """
    h = check_positive("h", h)
    return (f(x + h) - f(x)) / h


def central_difference(f: Callable[[float], float], x: float, h: float = 1e-5):
    """``(f(x + h) - f(x - h)) / (2h)``, the derivative of a scalar ``f``.

    Two calls of ``f``; error of order ``h^2`` plus ``eps / h``. At a kink
    (ReLU at 0) it returns the mean of the two one-sided slopes, 0.5 for
    ReLU, which is no derivative at all.
    """
    h = check_positive("h", h)
    return (f(x + h) - f(x - h)) / (2.0 * h)


def complex_step(f: Callable[[complex], complex], x: float, h: float = 1e-20):
    """``Im f(x + ih) / h``, the derivative of a real-analytic scalar ``f``.

    One call of ``f`` and no subtraction, so no cancellation: the result is
    exact to float64 round-off even with ``h = 1e-20``. ``f`` must accept
    a complex argument (``numpy.exp``, not ``math.exp``) and must not use
    ``abs``, comparisons or ``max``, which are not analytic.
    """
    h = check_positive("h", h)
    value = f(complex(x, h))
    if not isinstance(value, (complex, np.complexfloating)):
        raise FnnlabError(
            f"f: returned {type(value).__name__} for a complex argument, "
            "expected a complex number; write f with functions that accept "
            "complex input (numpy.exp rather than math.exp)"
        )
    return float(np.imag(value)) / h


def numerical_gradient(
    f: Callable[[np.ndarray], float],
    x: np.ndarray,
    h: float | None = None,
    method: str = "central",
) -> np.ndarray:
    """The gradient of a scalar function of a NumPy array, one entry at a
    time.

    Args:
        f: maps an array shaped like ``x`` to a number.
        x: a NumPy float array, any shape; it is perturbed in place and
            restored before returning.
        h: the step; default ``1e-5`` (central), ``1.5e-8`` (forward),
            ``1e-20`` (complex).
        method: ``"central"`` (``2 x.size`` calls of ``f``), ``"forward"``
            (``x.size + 1`` calls) or ``"complex"`` (``x.size`` calls, on a
            complex copy of ``x``; ``f`` must accept complex arrays).

    Returns:
        the gradient, float64, shaped like ``x``.
    """
    method = check_choice("method", method, DIFFERENCE_METHODS)
    h = check_positive("h", _DEFAULT_STEPS[method] if h is None else h)
    if not isinstance(x, np.ndarray) or not np.issubdtype(x.dtype, np.floating):
        raise FnnlabError(
            f"x: got {type(x).__name__}, expected a NumPy float array"
        )
    grad = np.zeros_like(x, dtype=np.float64)
    if method == "complex":
        z = x.astype(np.complex128)
        for i in np.ndindex(x.shape):
            z[i] = x[i] + 1j * h
            grad[i] = np.imag(f(z)) / h
            z[i] = x[i]
        return grad
    base = float(f(x)) if method == "forward" else None
    for i in np.ndindex(x.shape):          # any memory layout, views too
        old = x[i]
        x[i] = old + h
        up = float(f(x))
        if method == "forward":
            x[i] = old
            grad[i] = (up - base) / h
            continue
        x[i] = old - h
        down = float(f(x))
        x[i] = old
        grad[i] = (up - down) / (2.0 * h)
    return grad


def relative_error(a: Any, b: Any) -> float:
    """``||a - b|| / (||a|| + ||b||)``, and 0 when both are zero.

    It never divides by zero, and lies in ``[0, 1]``.
    """
    a = np.asarray(to_numpy(a), dtype=np.float64)
    b = np.asarray(to_numpy(b), dtype=np.float64)
    if a.shape != b.shape:
        raise FnnlabError(
            f"b: got shape {b.shape}, expected the shape of a, {a.shape}"
        )
    biggest = max(np.max(np.abs(a), initial=0.0),
                  np.max(np.abs(b), initial=0.0))
    if biggest == 0.0:
        return 0.0
    a, b = a / biggest, b / biggest        # no underflow in the norms
    return float(np.linalg.norm(a - b)
                 / (np.linalg.norm(a) + np.linalg.norm(b)))


@dataclass
class GradCheckReport:
    """The gradient check, parameter by parameter.

    Attributes:
        rows: one ``(name, shape, relative_error, checked, at_kinks)`` per
            parameter; ``at_kinks`` entries sat so close to a ReLU kink that
            no step could avoid it and were left out.
        note: how the check was computed (dtype, step).
    """

    rows: list = field(default_factory=list)
    note: str = ""

    @property
    def max_error(self) -> float:
        return max((r[2] for r in self.rows), default=0.0)

    def errors(self) -> dict:
        """``{name: relative error}``."""
        return {r[0]: r[2] for r in self.rows}

    def passed(self, tol: float = 1e-7) -> bool:
        """True if every parameter's relative error is below ``tol``."""
        return all(r[2] < tol for r in self.rows)

    def __repr__(self) -> str:
        lines = [f"{'param':<6} {'shape':<12} {'rel. error':>10} "
                 f"{'checked':>8} {'at kinks':>8}"]
        for name, shape, err, checked, kinks in self.rows:
            lines.append(
                f"{name:<6} {str(shape):<12} {err:>10.1e} {checked:>8} "
                f"{kinks:>8}"
            )
        lines.append(self.note)
        return "\n".join(lines)


def gradient_check(
    net: Any,
    A0: Any,
    Y: Any,
    loss: str | None = None,
    lam: float = 0.0,
    h: float = 1e-6,
    entries: int | None = None,
    seed: int = 0,
) -> GradCheckReport:
    """Compare :func:`fnnlab.backprop` with central differences.

    The check runs on a float64 NumPy copy of ``net`` (whatever its dtype
    and backend): in float32 a central difference has a relative error
    near 1e-3, far above what a correct gradient shows. Where a step of
    ``h`` would move a ReLU's net input across 0 (its kink, where the
    derivative jumps), the step is shrunk tenfold, up to three times; an
    entry that still crosses is counted under ``at_kinks`` and left out.

    Args:
        net: the network.
        A0, Y: inputs ``(M_0, N)`` and targets ``(M_L, N)``, columns.
        loss, lam: as in :func:`fnnlab.backprop`.
        h: the step.
        entries: check at most this many entries of each parameter, chosen
            at random with ``seed`` (default: all of them).

    Returns:
        a :class:`GradCheckReport`.
    """
    from .backprop import backprop, loss_value
    from .losses import frobenius_penalty, get_loss

    h = check_positive("h", h)
    host = make_backend("numpy")
    note = "float64 on the host"
    if net._dtype_name != "float64":
        note += f" (a float64 copy of this {net._dtype_name} network)"
    net64 = net.copy(dtype="float64", backend=host)
    A0 = np.asarray(to_numpy(A0), dtype=np.float64)
    Y = np.asarray(to_numpy(Y), dtype=np.float64)
    analytic = backprop(net64, A0, Y, loss, lam)
    loss_fn = get_loss(loss, net64.activations[-1])
    kinked = [
        l for l, a in enumerate(net64.activations) if a in KINK_ACTIVATIONS
    ]

    def evaluate() -> tuple:
        """The structural risk, and which side of 0 each ReLU input is."""
        fp = net64.propagate(A0, keep=True)
        risk = float(loss_value(net64, fp, Y, loss_fn))
        if lam:
            risk += float(frobenius_penalty(net64.W, lam))
        return risk, [fp.Z[l] > 0 for l in kinked]

    base = evaluate()[1]
    rng = np.random.default_rng(seed)
    report = GradCheckReport(note=note + f", step h={h:g}")
    for name, p in net64.params().items():
        flat = p.reshape(-1)
        idx = np.arange(flat.size)
        if entries is not None and entries < flat.size:
            idx = np.sort(rng.choice(flat.size, size=entries, replace=False))
        num, ana, skipped = [], [], 0
        g = to_numpy(analytic[name]).reshape(-1)
        for i in idx:
            old = flat[i]
            step, value = h, None
            for _ in range(4):
                flat[i] = old + step
                up, up_signs = evaluate()
                flat[i] = old - step
                down, down_signs = evaluate()
                flat[i] = old
                if _same(up_signs, base) and _same(down_signs, base):
                    value = (up - down) / (2.0 * step)
                    break
                step /= 10.0
            if value is None:
                skipped += 1
                continue
            num.append(value)
            ana.append(g[i])
        err = relative_error(np.array(ana), np.array(num)) if num else 0.0
        report.rows.append((name, tuple(p.shape), err, len(num), skipped))
    return report


def _same(a: list, b: list) -> bool:
    return all(bool(np.array_equal(x, y)) for x, y in zip(a, b))


# --- the step size: truncation against round-off ----------------------------

_ORDERS = {"forward": 2.0, "central": 3.0}


def textbook_step(method: str, dtype: str = "float64") -> float:
    """The classic estimate of the best step, for ``x`` and the derivatives
    of ``f`` of order 1.

    Forward differences balance ``h |f''| / 2`` against ``eps |f| / h``,
    which is smallest near ``h = sqrt(eps)``; central differences balance
    ``h^2 |f'''| / 6`` against ``eps |f| / h``, smallest near
    ``h = eps ** (1/3)``.

    Args:
        method: ``"forward"`` or ``"central"``.
        dtype: ``"float64"`` (``eps = 2.2e-16``) or ``"float32"``
            (``eps = 1.2e-7``).
    """
    method = check_choice("method", method, _ORDERS)
    dtype = check_choice("dtype", _dtype_name(dtype), ("float64", "float32"))
    return float(np.finfo(dtype).eps) ** (1.0 / _ORDERS[method])


def _dtype_name(dtype: Any) -> Any:
    return getattr(dtype, "__name__", getattr(dtype, "name", dtype))


@dataclass
class StepSweep:
    """Errors of difference quotients over a range of steps.

    Unpacks as ``steps, errors = sweep``.

    Attributes:
        steps: the steps ``h``, increasing, shape ``(S,)``.
        errors: ``{(method, dtype): array (S,)}``, the relative error
            ``|approx - exact| / |exact|`` (the absolute error where the
            exact derivative is 0), computed in float64.
        x: the point.
        exact: the known derivative there.
    """

    steps: np.ndarray
    errors: dict
    x: float
    exact: float

    def __iter__(self) -> Iterator:
        return iter((self.steps, self.errors))

    def best_step(self, method: str, dtype: str = "float64") -> float:
        """The step with the smallest measured error (the first, on ties)."""
        errors = self.errors[(method, _dtype_name(dtype))]
        return float(self.steps[int(np.argmin(errors))])

    def best_error(self, method: str, dtype: str = "float64") -> float:
        """The smallest measured error."""
        return float(np.min(self.errors[(method, _dtype_name(dtype))]))

    def __repr__(self) -> str:
        lines = [f"{'method':<8} {'dtype':<8} {'textbook h':>10} "
                 f"{'best h':>9} {'best error':>10}"]
        for method, dtype in self.errors:
            lines.append(
                f"{method:<8} {dtype:<8} {textbook_step(method, dtype):>10.1e} "
                f"{self.best_step(method, dtype):>9.1e} "
                f"{self.best_error(method, dtype):>10.1e}"
            )
        return "\n".join(lines)


def step_sweep(
    f: Callable[[Any], Any],
    df: Callable[[float], float],
    x: float = 1.0,
    steps: Any = None,
    methods: tuple = ("forward", "central"),
    dtypes: tuple = ("float64", "float32"),
) -> StepSweep:
    """Measure the error of forward and central differences against the
    step, in float64 and float32.

    For each dtype, ``x`` and every ``h`` are made NumPy scalars of that
    dtype, so the whole difference quotient is computed in it, as a
    network in that dtype would compute it.

    Args:
        f: the function, written with NumPy functions so that it keeps the
            dtype of its argument (``numpy.exp``, not ``math.exp``).
        df: its exact derivative (any precision; evaluated in float64).
        x: the point.
        steps: the steps to try; default 65 steps from ``1e-16`` to 1, four
            per decade.
        methods: any of ``"forward"``, ``"central"``.
        dtypes: any of ``"float64"``, ``"float32"``.

    Returns:
        a :class:`StepSweep`; ``steps, errors = step_sweep(...)`` works.

    Raises:
        FnnlabError: when ``f`` returns another dtype than it was given,
            which would measure the wrong precision.
    """
    if steps is None:
        steps = np.logspace(-16.0, 0.0, 65)
    steps = np.sort(np.asarray(steps, dtype=np.float64).reshape(-1))
    if steps.size == 0 or not np.all(steps > 0):
        raise FnnlabError("steps: expected positive numbers")
    exact = float(df(float(x)))
    scale = abs(exact) if exact != 0.0 else 1.0
    quotients = {"forward": _forward_quotient, "central": _central_quotient}
    errors = {}
    for dtype in dtypes:
        dt = np.dtype(check_choice("dtypes", _dtype_name(dtype),
                                   ("float64", "float32"))).type
        x_t = dt(x)
        got = np.asarray(f(x_t)).dtype
        if got != np.dtype(dt):
            raise FnnlabError(
                f"f: returned {got} for a {np.dtype(dt)} argument, expected "
                f"{np.dtype(dt)}; write f with NumPy functions so it keeps "
                "the dtype"
            )
        for method in methods:
            quotient = quotients[check_choice("methods", method, quotients)]
            approx = np.array([float(quotient(f, x_t, dt(h))) for h in steps])
            errors[(method, np.dtype(dt).name)] = np.abs(approx - exact) / scale
    return StepSweep(steps, errors, float(x), exact)


def _forward_quotient(f: Callable, x: Any, h: Any) -> Any:
    return (f(x + h) - f(x)) / h


def _central_quotient(f: Callable, x: Any, h: Any) -> Any:
    return (f(x + h) - f(x - h)) / (h + h)


def plot_step_sweep(sweep: StepSweep, ax: Any = None) -> Any:
    """Draw a :class:`StepSweep` on log-log axes and return the axes.

    One line per method and dtype; a dotted vertical line marks each
    textbook step and a dot the best step measured. The small-step side is
    labelled as round-off, the large-step side as truncation. Errors of
    exactly 0 are drawn at ``1e-17`` so they stay on the axes.
    """
    plt = pyplot("fnnlab.numerical.plot_step_sweep")

    if ax is None:
        ax = plt.subplots(figsize=(7, 4.5))[1]
    styles = {"float64": "-", "float32": "--"}
    colors = {"forward": "tab:blue", "central": "tab:orange"}
    for (method, dtype), err in sweep.errors.items():
        color = colors.get(method)
        ax.loglog(sweep.steps, np.maximum(err, 1e-17), styles.get(dtype, "-"),
                  color=color, label=f"{method}, {dtype}")
        ax.axvline(textbook_step(method, dtype), color=color, lw=0.8, ls=":")
        ax.plot(sweep.best_step(method, dtype), sweep.best_error(method, dtype),
                "o", color=color)
    ax.set_xlabel("step h")
    ax.set_ylabel("relative error of the derivative")
    ax.text(0.03, 0.05, "round-off dominates", transform=ax.transAxes)
    ax.text(0.97, 0.05, "truncation dominates", transform=ax.transAxes,
            ha="right")
    ax.legend(loc="upper center", fontsize="small")
    return ax


# --- the cost: forward passes, counted and timed ----------------------------

class CallCounter:
    """Wrap a callable and count its calls.

    >>> square = CallCounter(lambda x: x * x)
    >>> square(3), square.calls
    (9, 1)
    """

    def __init__(self, f: Callable) -> None:
        if not callable(f):
            raise FnnlabError(
                f"f: got {type(f).__name__}, expected a callable"
            )
        self.f = f
        self.calls = 0

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        self.calls += 1
        return self.f(*args, **kwargs)

    def __repr__(self) -> str:
        return f"CallCounter(calls={self.calls})"


@contextlib.contextmanager
def count_calls(obj: Any, name: str) -> Iterator[CallCounter]:
    """Count the calls of the method ``obj.name`` inside a ``with`` block.

    The method is replaced on this one object by a :class:`CallCounter`
    and put back afterwards.
    """
    original = getattr(obj, name)
    counter = CallCounter(original)
    had_own = name in vars(obj)
    setattr(obj, name, counter)
    try:
        yield counter
    finally:
        if had_own:
            setattr(obj, name, original)
        else:
            delattr(obj, name)


@dataclass(frozen=True)
class PassCount:
    """How often one gradient evaluated its function, and how long it took.

    The repr leaves the time out, so that it is the same on every run.
    """

    passes: int
    seconds: float

    def __repr__(self) -> str:
        return f"PassCount(passes={self.passes})"


def count_passes(
    gradient_fn: Callable, f: Callable, x: Any, repeat: int = 1
) -> PassCount:
    """Run ``gradient_fn(f, x)`` with ``f`` wrapped in a :class:`CallCounter`.

    One ruler for every method: :func:`numerical_gradient` calls ``f``
    ``2N`` times for ``N`` entries of ``x``,
    :func:`fnnlab.autodiff.forward.gradient` ``N`` times, and a reverse-mode
    gradient once.

    Args:
        gradient_fn: computes a gradient as ``gradient_fn(f, x)``.
        f: the function (one call is one forward pass).
        x: the point.
        repeat: run this many times; the passes of one run and the fastest
            time are kept.
    """
    best, passes = math.inf, 0
    for _ in range(max(int(repeat), 1)):
        counter = CallCounter(f)
        start = time.perf_counter()
        gradient_fn(counter, x)
        best = min(best, time.perf_counter() - start)
        passes = counter.calls
    return PassCount(passes, best)


@dataclass(frozen=True)
class GradientCost:
    """What one gradient of the risk costs, numerically and by backprop.

    Attributes:
        num_params: ``P``, the number of parameters.
        numerical_passes: forward passes counted for central differences
            (``2 P``).
        backprop_passes: forward passes counted for backpropagation (1,
            followed by one backward pass).
        numerical_seconds, backprop_seconds: wall-clock time of each
            (the fastest of ``repeat`` runs for backprop).
        max_relative_error: the relative error between the two gradients.

    The repr leaves the timings out, so that it is the same on every run.
    """

    num_params: int
    numerical_passes: int
    backprop_passes: int
    numerical_seconds: float
    backprop_seconds: float
    max_relative_error: float

    @property
    def time_ratio(self) -> float:
        """How many times slower the numerical gradient was."""
        return self.numerical_seconds / max(self.backprop_seconds, 1e-12)

    def __repr__(self) -> str:
        return (
            f"GradientCost(num_params={self.num_params}, "
            f"numerical_passes={self.numerical_passes}, "
            f"backprop_passes={self.backprop_passes}, "
            f"max_relative_error={self.max_relative_error:.1e})"
        )


def gradient_cost(
    net: Any,
    A0: Any,
    Y: Any,
    loss: str | None = None,
    lam: float = 0.0,
    h: float = 1e-6,
    repeat: int = 5,
) -> GradientCost:
    """Count and time the forward passes of a central-difference gradient
    against one backpropagation, on a float64 host copy of ``net``.

    Args:
        net, A0, Y, loss, lam: as in :func:`fnnlab.backprop`; ``A0`` is
            ``(M_0, N)`` and ``Y`` is ``(M_L, N)``.
        h: the central-difference step.
        repeat: backprop is timed this many times, keeping the fastest.

    Returns:
        a :class:`GradientCost`.
    """
    from .backprop import backprop, structural_risk

    h = check_positive("h", h)
    net64 = net.copy(dtype="float64", backend=make_backend("numpy"))
    A0 = np.asarray(to_numpy(A0), dtype=np.float64)
    Y = np.asarray(to_numpy(Y), dtype=np.float64)

    def risk(_: np.ndarray) -> float:
        return structural_risk(net64, A0, Y, loss, lam)

    with count_calls(net64, "propagate") as counter:
        start = time.perf_counter()
        numerical = {name: numerical_gradient(risk, p, h)
                     for name, p in net64.params().items()}
        numerical_seconds = time.perf_counter() - start
        numerical_passes = counter.calls

    with count_calls(net64, "propagate") as counter:
        analytic = backprop(net64, A0, Y, loss, lam)
        backprop_passes = counter.calls
    backprop_seconds = math.inf
    for _ in range(max(int(repeat), 1)):
        start = time.perf_counter()
        backprop(net64, A0, Y, loss, lam)
        backprop_seconds = min(backprop_seconds, time.perf_counter() - start)

    error = max(relative_error(analytic[k], numerical[k]) for k in numerical)
    return GradientCost(net64.num_params(), numerical_passes, backprop_passes,
                        numerical_seconds, backprop_seconds, error)
