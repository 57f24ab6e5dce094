"""Universal approximation: sums of steep units that fit any continuous target.

A network with one hidden layer of ``M`` units and a linear output unit
computes (chapter *Universal approximation*)::

    F(x) = sum_m v_m f(w_m^T x + b_m) + c

which is an :class:`~fnnlab.network.FNN` with widths ``[D, M, 1]``:
``W^(1)`` is ``(M, D)`` (row ``m`` is ``w_m``), ``b^(1)`` is ``(M,)``,
``W^(2) = v^T`` is ``(1, M)`` and ``b^(2) = [c]``. Every builder below
returns such a network, so ``net.forward`` evaluates ``F`` on a batch of
points stored one per column, ``X`` of shape ``(D, N)``.

Four ways to choose the weights, from most hand-made to least:

* :func:`staircase_network` (logistic units, piecewise-constant fit) and
  :func:`interpolating_network` (ReLU units, piecewise-linear fit) read
  the weights off the target's values;
* :func:`grid_units_network` or :func:`random_units_network` fix the
  hidden units, then :func:`fit_output_layer` finds the best ``v`` and
  ``c`` by least squares;
* :func:`trained_network` trains every weight with :func:`fnnlab.train`.

The 1-D targets live on ``[0, 1]``; :data:`TARGETS` names them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from .activations import logistic
from .backend import (
    from_numpy,
    get_backend,
    get_namespace,
    random_generator,
    to_numpy,
)
from .errors import (
    FnnlabError,
    ShapeError,
    check_choice,
    check_positive,
    check_positive_int,
)
from .network import FNN
from .training import History, train

__all__ = [
    "TARGETS",
    "target_values",
    "square_target",
    "unit_grid",
    "unit_square_grid",
    "bump",
    "bump_network",
    "network_from_units",
    "unit_contributions",
    "evaluate",
    "UnitsPicture",
    "units_picture",
    "staircase_network",
    "interpolating_network",
    "grid_units_network",
    "random_units_network",
    "fit_output_layer",
    "trained_network",
    "max_error",
    "default_steepness",
    "Approximation",
    "approximate",
    "error_vs_units",
    "METHODS",
    "UNIT_ACTIVATIONS",
]

UNIT_ACTIVATIONS = ("logistic", "relu")
"""The hidden units this chapter builds fits from."""

METHODS = ("construct", "least_squares", "train")
"""How :func:`approximate` chooses the weights."""


# --- the targets on [0, 1] ---------------------------------------------------

def _sine(x: Any) -> Any:
    xp = get_namespace(x)
    return xp.sin(2.0 * math.pi * x)


def _abs(x: Any) -> Any:
    xp = get_namespace(x)
    return xp.abs(x - 0.5)


def _step(x: Any) -> Any:
    xp = get_namespace(x)
    return xp.astype(x >= 0.5, x.dtype)


TARGETS: dict[str, Callable[[Any], Any]] = {
    "sine": _sine,
    "abs": _abs,
    "step": _step,
}
"""1-D targets on ``[0, 1]``: ``"sine"`` is ``sin(2 pi x)``, ``"abs"`` is
``|x - 0.5|`` (continuous, with a kink) and ``"step"`` is 1 for
``x >= 0.5`` and 0 below (not continuous, so the theorem does not cover
it: no continuous ``F`` gets closer than 1/2 to it everywhere)."""


def target_values(target: str | Callable, x: Any) -> Any:
    """The target's values at the points ``x`` ``(N,)``; shape ``(N,)``.

    ``target`` is a name from :data:`TARGETS` or a function of ``x``.
    """
    return _target(target)(x)


def _target(target: str | Callable) -> Callable[[Any], Any]:
    if callable(target):
        return target
    return TARGETS[check_choice("target", target, TARGETS)]


def square_target(X: Any) -> Any:
    """A 2-D target on the unit square: ``sin(2 pi x_1) sin(pi x_2)``.

    Args:
        X: points, one per column, ``(2, N)``.

    Returns:
        the values, ``(N,)``.
    """
    if X.ndim != 2 or X.shape[0] != 2:
        raise ShapeError(
            f"X: got shape {tuple(X.shape)}, expected (2, N), one point "
            "of the unit square per column"
        )
    xp = get_namespace(X)
    return xp.sin(2.0 * math.pi * X[0, :]) * xp.sin(math.pi * X[1, :])


def unit_grid(n: int = 2001, backend: Any = None) -> Any:
    """``n`` evenly spaced points of ``[0, 1]``, shape ``(n,)``, on the
    default backend (or ``backend``)."""
    n = check_positive_int("n", n)
    return from_numpy(np.linspace(0.0, 1.0, n), backend)


def unit_square_grid(n: int = 101, backend: Any = None) -> Any:
    """An ``n`` by ``n`` grid of the unit square, one point per column,
    ``(2, n * n)``; the first coordinate varies fastest."""
    n = check_positive_int("n", n)
    g1, g2 = np.meshgrid(np.linspace(0, 1, n), np.linspace(0, 1, n))
    return from_numpy(np.stack([g1.ravel(), g2.ravel()]), backend)


# --- one bump from two logistic units ---------------------------------------

def bump(
    x: Any,
    left: float,
    right: float,
    height: float = 1.0,
    steepness: float = 50.0,
) -> Any:
    """``height * (logistic(s (x - left)) - logistic(s (x - right)))``.

    Two steep logistic units: one switches on at ``left``, the other at
    ``right``; their difference is close to ``height`` between the two and
    close to 0 outside. Shape of ``x``: any; same shape returned.
    """
    s = check_positive("steepness", steepness)
    return height * (logistic(s * (x - left)) - logistic(s * (x - right)))


def bump_network(
    left: float,
    right: float,
    height: float = 1.0,
    steepness: float = 50.0,
    backend: Any = None,
) -> FNN:
    """The :func:`bump` as a ``[1, 2, 1]`` network.

    Unit ``m`` has ``w_m = s`` and ``b_m = -s e_m`` with its edge ``e_m``
    at ``left`` or ``right``, so it switches on where ``x = e_m``; the
    output weights are ``v = (height, -height)`` and ``c = 0``.
    """
    s = check_positive("steepness", steepness)
    if not left < right:
        raise FnnlabError(
            f"right: got {right!r}, expected a number above left={left!r}"
        )
    return network_from_units(
        [s, s], [-s * left, -s * right], [height, -height], 0.0,
        "logistic", backend,
    )


def network_from_units(
    w: Any,
    b: Any,
    v: Any,
    c: float = 0.0,
    activation: str = "logistic",
    backend: Any = None,
) -> FNN:
    """A ``[D, M, 1]`` network with the given units.

    Args:
        w: input weights, ``(M,)`` for one input or ``(M, D)``; row ``m``
            is ``w_m``, so this is ``W^(1)``.
        b: biases ``(M,)``, ``b^(1)``.
        v: output weights ``(M,)``, ``W^(2) = v^T``.
        c: the output bias ``b^(2)``.
        activation: the hidden units' activation.
        backend: where the network lives (default: the default backend).

    Returns:
        an :class:`~fnnlab.network.FNN` with an identity output.
    """
    W = np.asarray(_host(w), dtype=float)
    if W.ndim == 1:
        W = W[:, None]
    b, v = (np.asarray(_host(a), dtype=float).ravel() for a in (b, v))
    M, D = W.shape
    for name, arr in (("b", b), ("v", v)):
        if arr.shape != (M,):
            raise ShapeError(
                f"{name}: got shape {arr.shape}, expected ({M},), one entry "
                "per hidden unit"
            )
    net = FNN([D, M, 1], activation, output="identity", backend=backend)
    net.set_params({
        "W1": _dev(net, W), "b1": _dev(net, b),
        "W2": _dev(net, v[None, :]), "b2": _dev(net, np.array([float(c)])),
    })
    return net


def _host(a: Any) -> Any:
    return a if isinstance(a, (list, tuple, float, int)) else to_numpy(a)


def _dev(net: FNN, host: np.ndarray) -> Any:
    """A host array moved to net's backend (``set_params`` casts it)."""
    return from_numpy(np.ascontiguousarray(host, dtype=float), net.backend)


def _check_units_net(net: FNN) -> None:
    if len(net.widths) != 3 or net.widths[-1] != 1:
        raise ShapeError(
            f"net: got widths {list(net.widths)}, expected [D, M, 1], one "
            "hidden layer and one output"
        )


def unit_contributions(net: FNN, X: Any) -> Any:
    """Each hidden unit's share ``v_m f(w_m^T x + b_m)`` of ``F(x)``.

    Args:
        net: a ``[D, M, 1]`` network.
        X: points ``(D, N)`` (or ``(N,)`` when ``D = 1``).

    Returns:
        ``(M, N)``; its column sums plus ``c`` are ``F`` at the points.
    """
    _check_units_net(net)
    fp = net.forward(_columns(net, X), keep=True)
    return net.W[1][0, :][:, None] * fp.A[1]


def _columns(net: FNN, X: Any) -> Any:
    if getattr(X, "ndim", None) == 1 and net.widths[0] == 1:
        return X[None, :]
    return X


def evaluate(net: FNN, X: Any) -> Any:
    """``F`` at the points ``X`` ``(D, N)`` (or ``(N,)``), shape ``(N,)``."""
    return net.forward(_columns(net, X))[0, :]


@dataclass
class UnitsPicture:
    """A hand-made ``[1, M, 1]`` network, ready to draw.

    Attributes:
        x: points of ``[0, 1]``, ``(N,)``, on the host.
        contributions: ``v_m f(w_m x + b_m)`` for each unit, ``(M, N)``.
        F: the network's output ``sum_m contributions[m] + c``, ``(N,)``.
        edges: where each unit switches (``-b_m / w_m``; NaN where
            ``w_m = 0``), ``(M,)``.
        f: the target's values, ``(N,)``, or None.
        max_error: ``max |F - f|`` over ``x``, or None without a target.
    """

    x: np.ndarray
    contributions: np.ndarray
    F: np.ndarray
    edges: np.ndarray
    f: np.ndarray | None = None
    max_error: float | None = None


def units_picture(
    w: Any,
    b: Any,
    v: Any,
    c: float = 0.0,
    activation: str = "logistic",
    target: str | Callable | None = None,
    n: int = 501,
) -> UnitsPicture:
    """Evaluate the units ``(w_m, b_m, v_m)`` on ``n`` points of ``[0, 1]``.

    Builds :func:`network_from_units` (on the default backend), evaluates
    each unit's contribution and their sum, and compares the sum with
    ``target`` when one is given. Chapter *Universal approximation* (the
    bump-building widget calls this).
    """
    net = network_from_units(w, b, v, c, activation)
    x = unit_grid(n, net.backend)
    parts = to_numpy(unit_contributions(net, x))
    F = to_numpy(evaluate(net, x))
    W = to_numpy(net.W[0])[:, 0]
    B = to_numpy(net.b[0])
    with np.errstate(divide="ignore", invalid="ignore"):
        edges = np.where(W != 0, -B / np.where(W != 0, W, 1.0), np.nan)
    picture = UnitsPicture(to_numpy(x), parts, F, edges)
    if target is not None:
        picture.f = to_numpy(target_values(target, x))
        picture.max_error = float(np.max(np.abs(F - picture.f)))
    return picture


# --- weights read off the target ---------------------------------------------

def staircase_network(
    target: str | Callable, M: int, steepness: float = 100.0,
    backend: Any = None,
) -> FNN:
    """A staircase of bumps: ``M`` logistic units, a piecewise-constant fit.

    ``[0, 1]`` is cut into ``M + 1`` pieces of width ``h = 1/(M + 1)``; on
    piece ``k`` the staircase takes the target's value at the piece's
    middle, ``t_k = f((k + 1/2) h)``. Bumps side by side share their
    edges, so the two units at an inner edge ``e_m = m h`` merge into one
    with ``v_m = t_m - t_{m-1}`` (the jump there), ``w_m = s`` and
    ``b_m = -s e_m``. The first piece's height is the output bias
    ``c = t_0``: a unit switched on everywhere.

    Returns:
        a ``[1, M, 1]`` network with logistic units.
    """
    M = check_positive_int("M", M)
    s = check_positive("steepness", steepness)
    f = _target(target)
    h = 1.0 / (M + 1)
    middles = from_numpy((np.arange(M + 1) + 0.5) * h, backend)
    t = to_numpy(f(middles))
    edges = np.arange(1, M + 1) * h
    return network_from_units(
        np.full(M, s), -s * edges, np.diff(t), float(t[0]), "logistic",
        backend,
    )


def interpolating_network(
    target: str | Callable, M: int, backend: Any = None
) -> FNN:
    """``M`` ReLU units that join the target's values with straight lines.

    With knots ``k_m = (m - 1)/M``, ``m = 1 .. M``, unit ``m`` is
    ``relu(x - k_m)`` (``w_m = 1``, ``b_m = -k_m``), a hinge that adds a
    slope from its knot on. ``v_1`` is the slope of the first segment and
    ``v_m`` the change of slope at knot ``k_m``; ``c = f(0)``. The fit
    equals ``f`` at every knot and at 1 and is straight in between.

    Returns:
        a ``[1, M, 1]`` network with ReLU units.
    """
    M = check_positive_int("M", M)
    f = _target(target)
    knots = np.linspace(0.0, 1.0, M + 1)
    y = to_numpy(f(from_numpy(knots, backend)))
    slopes = np.diff(y) * M
    v = np.concatenate([slopes[:1], np.diff(slopes)])
    return network_from_units(
        np.ones(M), -knots[:-1], v, float(y[0]), "relu", backend
    )


# --- fixed hidden units, output layer by least squares -----------------------

def grid_units_network(
    M: int, steepness: float = 10.0, activation: str = "logistic",
    backend: Any = None,
) -> FNN:
    """``M`` hidden units with evenly spaced edges, output weights zero.

    Unit ``m`` switches at ``e_m = (m - 1/2)/M`` (logistic, ``w_m = s``) or
    bends at ``k_m = (m - 1)/M`` (ReLU, ``w_m = 1``: for ReLU the steepness
    changes nothing that ``v_m`` cannot undo, since
    ``relu(s z) = s relu(z)`` for ``s > 0``). Pass the result to
    :func:`fit_output_layer`.
    """
    M = check_positive_int("M", M)
    check_choice("activation", activation, UNIT_ACTIVATIONS)
    if activation == "relu":
        return network_from_units(
            np.ones(M), -np.arange(M) / M, np.zeros(M), 0.0, "relu", backend
        )
    s = check_positive("steepness", steepness)
    edges = (np.arange(M) + 0.5) / M
    return network_from_units(
        np.full(M, s), -s * edges, np.zeros(M), 0.0, "logistic", backend
    )


def random_units_network(
    D: int, M: int, steepness: float = 10.0, activation: str = "logistic",
    seed: int = 0, backend: Any = None,
) -> FNN:
    """``M`` random hidden units on ``[0, 1]^D``, output weights zero.

    Unit ``m`` gets a random direction ``u_m`` (a unit vector), a random
    point ``p_m`` of the cube, ``w_m = s u_m`` and ``b_m = -w_m^T p_m``:
    its edge (logistic) or hinge (ReLU) is the plane through ``p_m``
    across ``u_m``, so no unit is wasted outside the cube.
    """
    D = check_positive_int("D", D)
    M = check_positive_int("M", M)
    s = check_positive("steepness", steepness)
    check_choice("activation", activation, UNIT_ACTIVATIONS)
    rng = random_generator(seed)
    u = rng.standard_normal((M, D))
    u /= np.linalg.norm(u, axis=1, keepdims=True)
    p = rng.uniform(0.0, 1.0, (M, D))
    W = s * u
    b = -np.sum(W * p, axis=1)
    return network_from_units(W, b, np.zeros(M), 0.0, activation, backend)


def fit_output_layer(net: FNN, X: Any, y: Any, rcond: float | None = None) -> FNN:
    """Set ``v`` and ``c`` to minimize ``sum_n (F(x_n) - y_n)^2``.

    With the hidden layer fixed, ``F`` is linear in ``(v, c)``: the design
    matrix has the hidden activations ``A^(1)^T`` ``(N, M)`` and a column
    of ones. This small least-squares problem is solved on the host with
    ``numpy.linalg.lstsq`` (which copes with nearly equal columns), and
    the result is moved back to the network's backend.

    Args:
        net: a ``[D, M, 1]`` network, changed in place.
        X: points ``(D, N)`` (or ``(N,)`` when ``D = 1``).
        y: target values ``(N,)``.

    Returns:
        ``net``.
    """
    _check_units_net(net)
    A1 = to_numpy(net.forward(_columns(net, X), keep=True).A[1])
    y = np.asarray(to_numpy(y) if not isinstance(y, list) else y, float)
    if y.shape != (A1.shape[1],):
        raise ShapeError(
            f"y: got shape {y.shape}, expected ({A1.shape[1]},), one value "
            "per point"
        )
    design = np.hstack([A1.T, np.ones((A1.shape[1], 1))])
    coef = np.linalg.lstsq(design, y, rcond=rcond)[0]
    net.set_params({
        "W2": _dev(net, coef[None, :-1]), "b2": _dev(net, coef[-1:]),
    })
    return net


# --- the whole network trained ------------------------------------------------

def trained_network(
    target: str | Callable,
    M: int,
    activation: str = "logistic",
    steepness: float = 10.0,
    epochs: int = 1000,
    lr: float | None = None,
    n_train: int = 101,
    seed: int = 0,
    backend: Any = None,
) -> tuple[FNN, History]:
    """Train every weight of a ``[1, M, 1]`` network on the target.

    The start is :func:`random_units_network` (edges spread over
    ``[0, 1]``; the default initialization puts every edge at 0, where
    ``b = 0``), output weights zero. :func:`fnnlab.train` then runs
    full-batch gradient descent on the mean squared error (identity
    output) over ``n_train`` evenly spaced points. The default step is
    ``lr = 2 / (M + 2)``: the output adds up ``M`` units and a bias, so
    the curvature along the output weights grows with ``M``, and a step
    that is safe for a few units makes many units overshoot.

    Returns:
        the trained network and its :class:`~fnnlab.training.History`.
    """
    M = check_positive_int("M", M)
    lr = 2.0 / (M + 2) if lr is None else check_positive("lr", lr)
    net = random_units_network(1, M, steepness, activation, seed, backend)
    x = unit_grid(n_train, net.backend)
    y = target_values(target, x)
    history = train(
        net, x[:, None], y, epochs=epochs, lr=lr, batch_size=None,
        loss="squared_error", seed=seed, progress=False,
    )
    return net, history


# --- measuring and comparing fits ---------------------------------------------

def max_error(net: FNN, X: Any, y: Any) -> float:
    """The largest ``|F(x_n) - y_n|`` over the points ``X`` ``(D, N)``
    (or ``(N,)``) with target values ``y`` ``(N,)``: on a dense grid, an
    estimate of the sup-norm error the theorem talks about."""
    F = evaluate(net, X)
    xp = get_namespace(F)
    if tuple(y.shape) != tuple(F.shape):
        raise ShapeError(
            f"y: got shape {tuple(y.shape)}, expected {tuple(F.shape)}"
        )
    return float(xp.max(xp.abs(F - y)))


def default_steepness(M: int, method: str = "construct") -> float:
    """A steepness that suits ``M`` logistic units.

    A staircase (``"construct"``) needs steps much narrower than its
    pieces, ``10 (M + 1)``; least squares and training do best with units
    that overlap, ``2 M``.
    """
    M = check_positive_int("M", M)
    check_choice("method", method, METHODS)
    return 10.0 * (M + 1) if method == "construct" else 2.0 * M


@dataclass
class Approximation:
    """One fit of a 1-D target, as :func:`approximate` returns it.

    Attributes:
        x: the dense grid of ``[0, 1]``, ``(N,)``, on the host.
        f: the target there, ``(N,)``.
        F: the network's output there, ``(N,)``.
        max_error: ``max |F - f|`` over the grid.
        net: the ``[1, M, 1]`` network.
    """

    x: np.ndarray
    f: np.ndarray
    F: np.ndarray
    max_error: float
    net: FNN

    def __repr__(self) -> str:
        return (
            f"Approximation(M={self.net.widths[1]}, "
            f"activation={self.net.activations[0]!r}, "
            f"max_error={self.max_error:.4f})"
        )


def approximate(
    target: str | Callable,
    M: int,
    steepness: float | None = None,
    activation: str = "logistic",
    method: str = "construct",
    n: int = 2001,
    **train_kwargs: Any,
) -> Approximation:
    """Fit ``target`` with ``M`` hidden units and measure the fit.

    Args:
        target: a name from :data:`TARGETS` or a function on ``[0, 1]``.
        M: the number of hidden units.
        steepness: ``w`` of the logistic units (default:
            :func:`default_steepness`); ReLU units ignore it.
        activation: ``"logistic"`` or ``"relu"``.
        method: ``"construct"`` (:func:`staircase_network` or
            :func:`interpolating_network`), ``"least_squares"``
            (:func:`grid_units_network` then :func:`fit_output_layer` on
            ``n`` points) or ``"train"`` (:func:`trained_network`, which
            takes ``train_kwargs``).
        n: points in the grid the error is measured on.

    Returns:
        an :class:`Approximation` (arrays on the host, for plots).

    Chapter: *Universal approximation* (the first widget calls this).
    """
    M = check_positive_int("M", M)
    check_choice("activation", activation, UNIT_ACTIVATIONS)
    check_choice("method", method, METHODS)
    s = default_steepness(M, method) if steepness is None else steepness
    check_positive("steepness", s)
    backend = get_backend()
    x = unit_grid(n, backend)
    y = target_values(target, x)
    if method == "construct":
        if activation == "relu":
            net = interpolating_network(target, M, backend)
        else:
            net = staircase_network(target, M, s, backend)
    elif method == "least_squares":
        net = grid_units_network(M, s, activation, backend)
        fit_output_layer(net, x, y)
    else:
        net, _ = trained_network(
            target, M, activation, s, backend=backend, **train_kwargs
        )
    F = evaluate(net, x)
    err = max_error(net, x, y)
    return Approximation(to_numpy(x), to_numpy(y), to_numpy(F), err, net)


def error_vs_units(
    target: str | Callable,
    Ms: Any,
    method: str = "construct",
    activation: str = "logistic",
    **kwargs: Any,
) -> np.ndarray:
    """The largest error over ``[0, 1]`` for each ``M`` in ``Ms``.

    Each fit uses :func:`approximate` with its default steepness for that
    ``M`` (or the ``steepness`` given in ``kwargs``).

    Returns:
        a host array ``(len(Ms),)``.
    """
    return np.array([
        approximate(target, int(M), method=method, activation=activation,
                    **kwargs).max_error
        for M in Ms
    ])
