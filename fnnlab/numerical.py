"""Numerical differentiation and the gradient check.

A central difference ``(f(x + h) - f(x - h)) / (2h)`` approximates a
derivative with an error of order ``h^2`` (truncation) plus round-off of
order ``eps / h``. The gradient check compares backpropagation with it,
entry by entry, always in float64.

Chapters: *Backpropagation* (the gradient check), *Computing gradients
automatically* (numerical differentiation in depth).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from .backend import make_backend, to_numpy
from .errors import FnnlabError, check_positive

__all__ = [
    "central_difference",
    "numerical_gradient",
    "relative_error",
    "GradCheckReport",
    "gradient_check",
]

KINK_ACTIVATIONS = ("relu", "leaky_relu")


def central_difference(f: Callable[[float], float], x: float, h: float = 1e-5):
    """``(f(x + h) - f(x - h)) / (2h)``, the derivative of a scalar ``f``."""
    h = check_positive("h", h)
    return (f(x + h) - f(x - h)) / (2.0 * h)


def numerical_gradient(
    f: Callable[[np.ndarray], float], x: np.ndarray, h: float = 1e-5
) -> np.ndarray:
    """The gradient of a scalar function of a NumPy array, by central
    differences, one entry at a time (``2 x.size`` calls of ``f``).

    ``x`` is perturbed in place and restored before returning.
    """
    h = check_positive("h", h)
    if not isinstance(x, np.ndarray) or not np.issubdtype(x.dtype, np.floating):
        raise FnnlabError(
            f"x: got {type(x).__name__}, expected a NumPy float array"
        )
    grad = np.zeros_like(x, dtype=np.float64)
    flat, out = x.reshape(-1), grad.reshape(-1)
    for i in range(flat.size):
        old = flat[i]
        flat[i] = old + h
        up = float(f(x))
        flat[i] = old - h
        down = float(f(x))
        flat[i] = old
        out[i] = (up - down) / (2.0 * h)
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
    scale = np.linalg.norm(a) + np.linalg.norm(b)
    if scale == 0.0:
        return 0.0
    return float(np.linalg.norm(a - b) / scale)


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
