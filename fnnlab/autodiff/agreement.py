"""Five ways to the same gradient, on one small network, side by side.

The gradient of the structural risk

    R = (1/N) sum_n L(y_n, a^(L)_n) + lam/2 sum_l ||W^(l)||_F^2

of a small softmax network is computed by

* ``"backprop"``: the hand-written backpropagation, :func:`fnnlab.backprop`;
* ``"central"``: central differences, two forward passes per parameter
  (:func:`fnnlab.numerical.numerical_gradient`);
* ``"sympy"``: SymPy builds the risk of one sample as a formula in
  symbols for every weight, bias, input and target, differentiates it with
  respect to every parameter, compiles the derivatives with
  ``sympy.lambdify`` and averages them over the batch (the risk is a mean
  over samples, and so is its gradient);
* ``"forward"``: forward mode, the forward pass run on dual numbers once
  per parameter (:func:`fnnlab.autodiff.forward.gradient`);
* ``"reverse"``: reverse mode, the graph of :mod:`fnnlab.autodiff.nn` swept
  back once.

:func:`five_way` collects them in an :class:`Agreement` table (method by
parameter) with the relative difference of every pair of methods.

Everything runs on a float64 NumPy copy of the network, whatever its own
dtype and backend: the point is to compare the methods, not the precision.
SymPy's formula, and the time to differentiate it, grow quickly with the
network, so keep it small: :func:`five_way` refuses SymPy more than 64
parameters (the batch may have any size).

Chapter: *Computing gradients automatically*, section "Five methods, one
gradient".
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._optional import require
from ..backend import get_namespace, make_backend, to_numpy
from ..errors import FnnlabError, check_nonnegative, check_positive_int
from ..network import FNN
from ..numerical import (
    CallCounter,
    count_calls,
    numerical_gradient,
    relative_error,
    textbook_step,
)
from . import forward

__all__ = [
    "METHODS",
    "Agreement",
    "agreement_problem",
    "five_way",
]

METHODS = ("backprop", "central", "sympy", "forward", "reverse")
"""The five methods, in the order of the table's columns."""

_HIDDEN = ("tanh", "logistic")
_MAX_PARAMS = 64


# --- the problem -------------------------------------------------------------

def agreement_problem(widths: tuple = (3, 4, 2), activation: str = "tanh",
                      N: int = 4, seed: int = 0) -> tuple:
    """A small softmax network and a batch to differentiate on.

    Args:
        widths: ``(M_0, ..., M_L)``; the output layer is a softmax.
        activation: ``"tanh"`` or ``"logistic"`` in the hidden layers.
        N: the number of samples.
        seed: seeds the network and the data (host generator).

    Returns:
        ``(net, A0, Y)``: a float64 NumPy :class:`fnnlab.FNN` with
        Xavier-scaled weights, inputs ``A0`` ``(M_0, N)`` drawn from a
        standard normal, one-hot targets ``Y`` ``(M_L, N)``.
    """
    if activation not in _HIDDEN:
        raise FnnlabError(
            f"activation: got {activation!r}, expected one of {_HIDDEN}"
        )
    N = check_positive_int("N", N)
    host = make_backend("numpy")
    net = FNN(list(widths), activation=activation, output="softmax",
              seed=seed, dtype="float64", backend=host)
    rng = np.random.default_rng(seed)
    A0 = rng.standard_normal((widths[0], N))
    labels = rng.integers(0, widths[-1], N)
    Y = np.eye(widths[-1])[:, labels]
    return net, A0, Y


# --- the five methods --------------------------------------------------------
# Each takes a float64 NumPy network, A0 (M_0, N), Y (M_L, N) and lambda,
# and returns ({name: gradient array}, forward passes of the network).

def _by_backprop(net: FNN, A0: Any, Y: Any, lam: float) -> tuple:
    from ..backprop import backprop

    with count_calls(net, "propagate") as counter:
        grads = backprop(net, A0, Y, lam=lam)
    return grads, counter.calls


def _by_central(net: FNN, A0: Any, Y: Any, lam: float) -> tuple:
    from ..backprop import structural_risk

    h = textbook_step("central")         # cbrt(eps), about 6e-6
    risk = CallCounter(lambda _: structural_risk(net, A0, Y, lam=lam))
    grads = {name: numerical_gradient(risk, p, h)
             for name, p in net.params().items()}
    return grads, risk.calls


def _by_reverse(net: FNN, A0: Any, Y: Any, lam: float) -> tuple:
    from . import nn

    with count_calls(nn, "logits") as counter:   # builds the graph forward
        grads = nn.gradients(net, A0, Y, lam=lam)
    return grads, counter.calls


def _value(x: Any) -> Any:
    return x.value if isinstance(x, forward.DualArray) else x


def _dual_risk(net: FNN, params: dict, A0: Any, Y: Any, lam: float) -> Any:
    """The structural risk written once for arrays and dual arrays alike.

    Any parameter may be a :class:`~fnnlab.autodiff.forward.DualArray`;
    the others are constant NumPy arrays.
    """
    hidden = {"tanh": forward.tanh, "logistic": forward.logistic}
    a = A0
    for l in range(1, net.L + 1):
        W, b = params[f"W{l}"], params[f"b{l}"]
        z = W @ a + b[:, None]                      # (M_l, N)
        if l < net.L:
            a = hidden[net.activations[l - 1]](z)
    # log-softmax; the shift by the largest logit is a constant per column,
    # and log-softmax does not change under it, so its tangent is 0
    shifted = z - np.max(_value(z), axis=0, keepdims=True)
    log_p = shifted - forward.log(forward.exp(shifted).sum(axis=0,
                                                          keepdims=True))
    R = (Y * log_p).sum() * (-1.0 / A0.shape[1])
    for l in range(1, net.L + 1):
        W = params[f"W{l}"]
        R = R + (0.5 * lam) * (W * W).sum()
    return R


def _by_forward(net: FNN, A0: Any, Y: Any, lam: float) -> tuple:
    params = net.params()
    grads, passes = {}, 0
    for name, value in params.items():
        def f(dual: Any, name: str = name) -> Any:
            return _dual_risk(net, {**params, name: dual}, A0, Y, lam)
        counter = CallCounter(f)                 # one pass per entry
        grads[name] = forward.gradient(counter, value)
        passes += counter.calls
    return grads, passes


def _symbols(sympy: Any, name: str, rows: int, cols: int = 1) -> Any:
    return sympy.Matrix(rows, cols, lambda i, j: sympy.Symbol(
        f"{name}_{i}_{j}" if cols > 1 else f"{name}_{i}"))


def _sympy_sample_risk(net: FNN) -> tuple:
    """The risk of one sample as a SymPy formula, and its symbols.

    ``r(x, y) = s + log sum_c exp(z_c - s) - sum_c y_c z_c + lam/2
    sum_l ||W^(l)||_F^2`` with ``z = z^(L)`` the logits of input ``x``,
    ``y`` one-hot and ``s`` a symbol for a shift that the caller sets to
    the largest logit of the sample, so that no ``exp`` overflows. ``r``
    is the same for every ``s``, and ``s`` is not a parameter, so the
    derivatives are those of the unshifted risk. The risk of a batch is
    the mean of ``r`` over its samples, and so is its gradient.

    Returns:
        ``(r, params, x, y, lam, s)``: the formula; ``{name: Matrix of
        symbols}`` (each bias a column); the input and target columns of
        symbols; the symbols of lambda and of the shift.
    """
    sympy = require("sympy", purpose="five_way's 'sympy' method")

    x = _symbols(sympy, "x", net.widths[0])
    y = _symbols(sympy, "y", net.widths[-1])
    lam, shift = sympy.Symbol("lam"), sympy.Symbol("s")
    hidden = {"tanh": sympy.tanh,
              "logistic": lambda z: 1 / (1 + sympy.exp(-z))}
    params, penalty, a = {}, 0, x
    for l in range(1, net.L + 1):
        W = _symbols(sympy, f"W{l}", net.widths[l], net.widths[l - 1])
        b = _symbols(sympy, f"b{l}", net.widths[l])
        params[f"W{l}"], params[f"b{l}"] = W, b
        penalty += sum(w_ij ** 2 for w_ij in W)
        z = W * a + b
        if l < net.L:
            a = z.applyfunc(hidden[net.activations[l - 1]])
    loss = shift + sympy.log(sum(sympy.exp(z_c - shift) for z_c in z)) - sum(
        y_c * z_c for y_c, z_c in zip(y, z))
    return loss + lam / 2 * penalty, params, x, y, lam, shift


def _by_sympy(net: FNN, A0: Any, Y: Any, lam: float) -> tuple:
    sympy = require("sympy", purpose="five_way's 'sympy' method")

    r, params, x, y, lam_symbol, shift = _sympy_sample_risk(net)
    order = [s for name in params for s in params[name]]
    derivatives = [sympy.diff(r, s) for s in order]
    compiled = sympy.lambdify([order, list(x), list(y), lam_symbol, shift],
                              derivatives, modules="numpy", cse=True)
    values = [float(v) for p in net.params().values()
              for v in np.asarray(p).reshape(-1)]
    N = A0.shape[1]
    largest = np.max(net.propagate(A0, keep=True).Z[-1], axis=0)   # (N,)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        per_sample = compiled(values, list(A0), list(Y), lam, largest)
    flat = np.array([np.mean(np.broadcast_to(v, (N,))) for v in per_sample])
    if not np.all(np.isfinite(flat)):
        raise FnnlabError(
            "net, A0: the SymPy formula's gradient is not finite (an exp "
            "in a hidden layer overflowed); scale the inputs or weights "
            "down, or leave out \"sympy\""
        )
    grads, start = {}, 0
    for name, p in net.params().items():
        grads[name] = flat[start:start + p.size].reshape(p.shape)
        start += p.size
    return grads, 0                    # a formula: no pass of the network


_RUNNERS: dict = {
    "backprop": _by_backprop,
    "central": _by_central,
    "sympy": _by_sympy,
    "forward": _by_forward,
    "reverse": _by_reverse,
}
"""How each method computes ``({name: gradient}, forward passes)``."""


# --- the table ---------------------------------------------------------------

_ROUNDOFF = 1e-13


@dataclass(frozen=True, eq=False)
class Agreement:
    """The gradient of one risk by several methods.

    Attributes:
        methods: the method names, one per row of ``values``.
        labels: one per column, ``"W1[0,2]"``, ``"b2[1]"``, ... in the
            order of ``net.params()``, each matrix row by row.
        values: ``(len(methods), P)`` float64, the gradients flattened.
        passes: ``{method: forward passes of the network}``; backprop and
            reverse mode add one backward sweep, SymPy evaluates a formula
            instead.
        description: what was differentiated.

    Two tables compare by identity (``eq=False``): the values are an
    array, whose ``==`` has no single truth value.
    """

    methods: tuple
    labels: tuple
    values: np.ndarray
    passes: dict
    description: str

    def gradient(self, method: str) -> np.ndarray:
        """The flat gradient ``(P,)`` of one method."""
        return self.values[self.methods.index(method)]

    def pairwise(self) -> np.ndarray:
        """``(M, M)``: the relative error
        (:func:`fnnlab.numerical.relative_error`) of each pair of
        methods' whole gradients; symmetric, 0 on the diagonal."""
        m = len(self.methods)
        table = np.zeros((m, m))
        for i, j in itertools.combinations(range(m), 2):
            table[i, j] = table[j, i] = relative_error(self.values[i],
                                                       self.values[j])
        return table

    @property
    def largest(self) -> float:
        """The largest pairwise relative difference."""
        return float(np.max(self.pairwise()))

    def worst_pair(self) -> tuple:
        """The two methods that differ most."""
        d = self.pairwise()
        i, j = np.unravel_index(int(np.argmax(d)), d.shape)
        return self.methods[min(i, j)], self.methods[max(i, j)]

    def passed(self, tol: float = 1e-8) -> bool:
        """True if every pair of methods agrees within ``tol``.

        Raises:
            FnnlabError: fewer than two distinct methods (nothing to
                compare).
        """
        _check_methods(self.methods)
        return self.largest < tol

    def __repr__(self) -> str:
        numbers = [f"{v + 0.0:.6f}" for v in self.values.reshape(-1)]
        width = max([10, *(len(m) for m in self.methods),
                     *(len(t) for t in numbers)])
        first = max(9, *(len(t) for t in self.labels))

        def row(name: str, cells: Any) -> str:
            # two spaces between columns, whatever the widths
            return f"{name:<{first}}" + "".join(f"  {c:>{width}}"
                                                for c in cells)

        lines = [self.description, row("parameter", self.methods)]
        for k, label in enumerate(self.labels):
            lines.append(row(label, (f"{v + 0.0:.6f}"
                                     for v in self.values[:, k])))
        lines.append(row("passes", (self.passes[m] for m in self.methods)))
        lines += ["", "pairwise relative difference",
                  row("", self.methods)]
        for i, (m, r) in enumerate(zip(self.methods, self.pairwise())):
            lines.append(row(m, ("-" if i == j else _difference(d)
                                 for j, d in enumerate(r))))
        lines.append(f"largest: {_difference(self.largest)}")
        return "\n".join(lines)


def _difference(d: float) -> str:
    """A relative difference as text: ``<1e-13`` at round-off level (0 on
    one machine, 1e-16 on another), else with one decimal."""
    return f"<{_ROUNDOFF:.0e}" if d < _ROUNDOFF else f"{d:.1e}"


def _check_methods(methods: Any) -> tuple:
    methods = tuple(methods)
    unknown = [m for m in methods if m not in _RUNNERS]
    if unknown or len(set(methods)) != len(methods) or len(methods) < 2:
        raise FnnlabError(
            f"methods: got {methods!r}, expected at least two distinct "
            f"names from {METHODS}"
        )
    return methods


def _describe(net: FNN, N: int, lam: float) -> str:
    """What :func:`five_way` differentiated, in one line."""
    hidden = net.activations[:-1]
    if not hidden:
        layers = "no hidden layer"
    elif len(set(hidden)) == 1:
        layers = f"{hidden[0]} hidden"
    else:
        layers = "hidden " + ", ".join(hidden)
    widths = "-".join(str(w) for w in net.widths)
    return (f"dR/dtheta of a {widths} network ({layers}, softmax output), "
            f"N={N}, lambda={lam:g}")


def _labels(net: FNN) -> tuple:
    labels = []
    for name, p in net.params().items():
        for index in np.ndindex(p.shape):
            labels.append(f"{name}[{','.join(str(i) for i in index)}]")
    return tuple(labels)


def five_way(net: FNN | None = None, A0: Any = None, Y: Any = None,
             lam: float = 0.01, methods: tuple = METHODS) -> Agreement:
    """The gradient of the structural risk by every method in ``methods``.

    Args:
        net: a network with a softmax output and tanh or logistic hidden
            layers; default :func:`agreement_problem`'s 3-4-2 tanh network
            (then ``A0`` and ``Y`` come from there too).
        A0: inputs ``(M_0, N)``, one sample per column.
        Y: one-hot targets ``(M_L, N)``.
        lam: the Frobenius penalty ``lambda`` (weights only).
        methods: at least two distinct names from :data:`METHODS`, in
            the order wanted.

    Returns:
        an :class:`Agreement`.

    Raises:
        FnnlabError: another output or activation, ``A0`` or ``Y`` without
            ``net``, an empty batch, targets that are not one-hot columns,
            fewer than two methods, or a network too big for SymPy (more
            than 64 parameters).
        BackendMismatchError: ``net``, ``A0`` and ``Y`` on different
            backends.
    """
    lam = check_nonnegative("lam", lam)
    if net is None:
        if A0 is not None or Y is not None:
            raise FnnlabError(
                "A0, Y: got arrays but net=None; pass the network they "
                "belong to, or none of the three"
            )
        net, A0, Y = agreement_problem()
    if A0 is None or Y is None:
        raise FnnlabError("A0, Y: got None, expected the inputs and targets")
    methods = _check_methods(methods)
    if net.activations[-1] != "softmax" or any(
            a not in _HIDDEN for a in net.activations[:-1]):
        raise FnnlabError(
            f"net: got activations {net.activations}, expected tanh or "
            "logistic hidden layers and a softmax output"
        )
    get_namespace(net.W[0], A0, Y)       # one backend, or it raises
    net64 = net.copy(dtype="float64", backend=make_backend("numpy"))
    A0 = np.asarray(to_numpy(A0), dtype=np.float64)
    Y = np.asarray(to_numpy(Y), dtype=np.float64)
    if A0.ndim != 2 or A0.shape[0] != net.widths[0] or A0.shape[1] < 1:
        raise FnnlabError(
            f"A0: got shape {A0.shape}, expected ({net.widths[0]}, N) "
            "with N >= 1"
        )
    if Y.shape != (net.widths[-1], A0.shape[1]):
        raise FnnlabError(
            f"Y: got shape {Y.shape}, expected "
            f"({net.widths[-1]}, {A0.shape[1]})"
        )
    if not (np.all((Y == 0) | (Y == 1)) and np.all(Y.sum(axis=0) == 1)):
        raise FnnlabError(
            "Y: got targets that are not one-hot columns, expected "
            "entries 0 or 1 with a single 1 per column"
        )
    size = net64.num_params()
    if "sympy" in methods and size > _MAX_PARAMS:
        raise FnnlabError(
            f"net: got {size} parameters, expected at most {_MAX_PARAMS} "
            "for SymPy; use a smaller network, or leave out \"sympy\""
        )
    rows, passes = [], {}
    for method in methods:
        grads, passes[method] = _RUNNERS[method](net64, A0, Y, lam)
        rows.append(np.concatenate([
            np.asarray(to_numpy(grads[name]), dtype=np.float64).reshape(-1)
            for name in net64.params()]))
    return Agreement(methods, _labels(net64), np.array(rows), passes,
                     _describe(net, A0.shape[1], lam))
