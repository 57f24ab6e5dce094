"""Why training a network is hard: non-convex losses and vanishing gradients.

Chapter *Optimization problems*. Two parts:

* the 1-1-1 network ``y_hat = logistic(w2 logistic(w1 x))`` (no biases) and
  its loss over ``(w1, w2)`` at one sample: the surface, its gradient from
  :func:`fnnlab.backprop`, a Hessian by differences of that gradient, and a
  search for numbers that prove the loss is not convex;
* deep networks: the norm ``||dR/dW^(l)||_F`` of every layer's gradient,
  at initialization and while training, and small measurements behind the
  chapter's experiments (identical hidden units after a zero start, how
  far each layer moves, the sign pattern of a weight gradient).

Batches follow the book: one sample per column, ``A^(0)`` is ``(M_0, N)``;
functions that take data as data libraries give it say ``X`` ``(N, D)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .activations import logistic
from .backend import asarray, get_namespace, is_array, to_numpy
from .backprop import backprop, error_terms
from .data import moons
from .errors import (
    FnnlabError,
    ShapeError,
    check_choice,
    check_positive,
    check_positive_int,
)
from .losses import get_loss
from .network import FNN
from .training import History, targets, train

__all__ = [
    "TINY_LOSSES",
    "tiny_output",
    "tiny_loss",
    "tiny_network",
    "tiny_gradient",
    "tiny_hessian",
    "loss_surface",
    "Curvature",
    "most_negative_curvature",
    "Chord",
    "chord_gap",
    "find_chord_below",
    "centered_moons",
    "deep_network",
    "layer_gradient_norms",
    "train_with_gradient_norms",
    "gradient_norm_profile",
    "hidden_unit_spread",
    "relative_weight_change",
    "same_sign_rows",
]

TINY_LOSSES = ("squared", "cross_entropy")
"""The two losses of the 1-1-1 example: ``(y - y_hat)^2`` and the
cross-entropy ``-[y log y_hat + (1 - y) log(1 - y_hat)]``, which is
``-log y_hat`` at ``y = 1`` (the source prints ``log y``, without the
minus sign: that would be a loss to maximize)."""


# --- the 1-1-1 network --------------------------------------------------------

def tiny_output(w1: Any, w2: Any, x: float = 1.0) -> Any:
    """``y_hat = logistic(w2 * logistic(w1 * x))``, elementwise.

    ``w1`` and ``w2`` are arrays of one shape (a grid, for a surface),
    and the result has that shape; given two plain numbers it is a float.
    """
    w1, w2, numbers = _weights(w1, w2)
    out = logistic(w2 * logistic(w1 * x))
    return float(out[0]) if numbers else out


def _weights(w1: Any, w2: Any) -> tuple:
    """Two plain numbers become host arrays of shape ``(1,)`` (and the
    flag ``True``); arrays stay where they live."""
    if is_array(w1) or is_array(w2):
        return w1, w2, False
    return np.array([float(w1)]), np.array([float(w2)]), True


def tiny_loss(
    w1: Any, w2: Any, loss: str = "squared", x: float = 1.0, y: float = 1.0
) -> Any:
    """The loss of the 1-1-1 network at the sample ``(x, y)``, elementwise.

    ``"squared"`` is ``(y - y_hat)^2``, as in the source (fnnlab's
    :func:`~fnnlab.losses.squared_error` has a factor 1/2: this is twice
    it). ``"cross_entropy"`` is ``-[y log y_hat + (1 - y) log(1 - y_hat)]``
    (``-log y_hat`` at ``y = 1``), computed from the logit
    ``z = w2 logistic(w1 x)`` so that it never takes the log of 0.
    Arrays in, an array of their shape out; two numbers in, a float out.
    """
    check_choice("loss", loss, TINY_LOSSES)
    w1, w2, numbers = _weights(w1, w2)
    z = w2 * logistic(w1 * x)
    if loss == "squared":
        d = y - logistic(z)
        out = d * d
    else:
        xp = get_namespace(z)
        softplus = xp.maximum(z, 0.0) + xp.log1p(xp.exp(-xp.abs(z)))
        out = softplus - y * z
    return float(out[0]) if numbers else out


def tiny_network(w1: float, w2: float, backend: Any = None) -> FNN:
    """The 1-1-1 network as an :class:`~fnnlab.network.FNN`.

    Widths ``[1, 1, 1]``, logistic hidden and output units,
    ``W^(1) = [[w1]]``, ``W^(2) = [[w2]]`` and both biases 0 (the example
    has none; their gradients are simply not used).
    """
    net = FNN([1, 1, 1], "logistic", output="logistic", backend=backend)
    net.set_params({
        "W1": asarray([[float(w1)]], backend=net.backend),
        "W2": asarray([[float(w2)]], backend=net.backend),
    })
    return net


def tiny_gradient(
    w1: float, w2: float, loss: str = "squared", x: float = 1.0,
    y: float = 1.0, backend: Any = None,
) -> np.ndarray:
    """``(dL/dw1, dL/dw2)`` of :func:`tiny_loss`, by backpropagation.

    The gradient comes from :func:`fnnlab.backprop` on
    :func:`tiny_network` (fnnlab's squared error is half the source's, so
    that gradient is doubled). Returns a host array ``(2,)``.
    """
    check_choice("loss", loss, TINY_LOSSES)
    net = tiny_network(w1, w2, backend)
    A0 = asarray([[float(x)]], backend=net.backend)
    Y = asarray([[float(y)]], backend=net.backend)
    name = "squared_error" if loss == "squared" else "binary_cross_entropy"
    g = backprop(net, A0, Y, loss=name)
    factor = 2.0 if loss == "squared" else 1.0
    return factor * np.array(
        [float(to_numpy(g["W1"])[0, 0]), float(to_numpy(g["W2"])[0, 0])]
    )


def tiny_hessian(
    w1: float, w2: float, loss: str = "squared", h: float = 1e-5,
    **kwargs: Any,
) -> np.ndarray:
    """The ``(2, 2)`` Hessian of :func:`tiny_loss` at ``(w1, w2)``.

    Column ``j`` is the central difference of the backpropagated gradient
    along parameter ``j``: ``(g(p + h e_j) - g(p - h e_j)) / (2 h)``. The
    result is made symmetric by averaging it with its transpose (the two
    halves differ only by round-off). ``kwargs`` go to
    :func:`tiny_gradient`.
    """
    h = check_positive("h", h)
    p = np.array([float(w1), float(w2)])
    H = np.empty((2, 2))
    for j in range(2):
        e = np.zeros(2)
        e[j] = h
        H[:, j] = (
            tiny_gradient(*(p + e), loss, **kwargs)
            - tiny_gradient(*(p - e), loss, **kwargs)
        ) / (2.0 * h)
    return 0.5 * (H + H.T)


def loss_surface(
    loss: str = "squared", lim: float = 10.0, n: int = 101, **kwargs: Any
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The loss on an ``n`` by ``n`` grid of ``[-lim, lim]^2``.

    Returns:
        host arrays ``(W1, W2, L)``, each ``(n, n)``, ready for
        ``plot_surface`` or ``contour`` (``W1`` varies along columns).
    """
    lim = check_positive("lim", lim)
    n = check_positive_int("n", n)
    g = np.linspace(-lim, lim, n)
    W1, W2 = np.meshgrid(g, g)
    return W1, W2, np.asarray(tiny_loss(W1, W2, loss, **kwargs))


@dataclass
class Curvature:
    """The Hessian at one point of a loss surface.

    Attributes:
        point: ``(w1, w2)``.
        hessian: ``(2, 2)``.
        eigenvalues: ascending; a negative one means the surface bends
            down along its eigenvector, which no convex function does.
    """

    point: tuple
    hessian: np.ndarray
    eigenvalues: np.ndarray

    def __repr__(self) -> str:
        w1, w2 = self.point
        ev = ", ".join(f"{e:.4f}" for e in self.eigenvalues)
        return f"Curvature(point=({w1:.4g}, {w2:.4g}), eigenvalues=[{ev}])"


def most_negative_curvature(
    loss: str = "squared", lim: float = 4.0, n: int = 9, **kwargs: Any
) -> Curvature:
    """Search an ``n`` by ``n`` grid of ``[-lim, lim]^2`` for the point
    whose Hessian (:func:`tiny_hessian`) has the smallest eigenvalue."""
    check_choice("loss", loss, TINY_LOSSES)
    best = None
    for w1 in np.linspace(-lim, lim, n):
        for w2 in np.linspace(-lim, lim, n):
            H = tiny_hessian(w1, w2, loss, **kwargs)
            ev = np.linalg.eigvalsh(H)
            if best is None or ev[0] < best.eigenvalues[0]:
                best = Curvature((float(w1), float(w2)), H, ev)
    return best


@dataclass
class Chord:
    """Two points ``p``, ``q`` of the ``(w1, w2)`` plane and the chord
    between them.

    Attributes:
        p, q: the end points.
        middle: ``L((p + q) / 2)``, the surface above the midpoint.
        chord: ``(L(p) + L(q)) / 2``, the chord's height there.
        gap: ``middle - chord``; positive means the chord passes below
            the surface, which convexity forbids.
    """

    p: tuple
    q: tuple
    middle: float
    chord: float
    gap: float

    def __repr__(self) -> str:
        def pt(a: tuple) -> str:
            return f"({a[0]:.4g}, {a[1]:.4g})"
        return (
            f"Chord(p={pt(self.p)}, q={pt(self.q)}, "
            f"middle={self.middle:.4f}, chord={self.chord:.4f}, "
            f"gap={self.gap:.4f})"
        )


def chord_gap(
    p: tuple, q: tuple, loss: str = "squared", **kwargs: Any
) -> Chord:
    """Compare the surface at the midpoint of ``p`` and ``q`` with the
    chord between ``L(p)`` and ``L(q)``."""
    def f(a: tuple) -> float:
        return tiny_loss(a[0], a[1], loss, **kwargs)

    p = (float(p[0]), float(p[1]))
    q = (float(q[0]), float(q[1]))
    mid = f(((p[0] + q[0]) / 2, (p[1] + q[1]) / 2))
    chord = (f(p) + f(q)) / 2
    return Chord(p, q, mid, chord, mid - chord)


def find_chord_below(
    loss: str = "squared", lim: float = 4.0, n: int = 9, **kwargs: Any
) -> Chord:
    """The pair of points of an ``n`` by ``n`` grid of ``[-lim, lim]^2``
    whose chord lies farthest below the surface at its midpoint."""
    lim = check_positive("lim", lim)
    g = np.linspace(-lim, lim, check_positive_int("n", n))
    P = np.array([(a, b) for a in g for b in g])
    L = np.asarray(tiny_loss(P[:, 0], P[:, 1], loss, **kwargs))
    best = (-np.inf, 0, 0)
    for i in range(len(P)):
        mid = (P[i] + P) / 2
        gaps = tiny_loss(mid[:, 0], mid[:, 1], loss, **kwargs) - (L[i] + L) / 2
        j = int(np.argmax(gaps))
        if gaps[j] > best[0]:
            best = (gaps[j], i, j)
    return chord_gap(tuple(P[best[1]]), tuple(P[best[2]]), loss, **kwargs)


# --- deep networks and their gradients ----------------------------------------

def centered_moons(
    n: int = 200, noise: float = 0.1, seed: int = 0, shift: float = 0.0
) -> tuple:
    """The two-moons data, each feature scaled to mean 0 and standard
    deviation 1, then moved by ``shift`` (``shift = 3`` makes every
    coordinate positive without changing anything else).

    Returns:
        ``(X, y)``: ``X`` ``(N, 2)`` and labels ``y`` ``(N,)``, on the
        default backend.
    """
    X, y = moons(n, noise=noise, seed=seed)
    xp = get_namespace(X)
    X = (X - xp.mean(X, axis=0)) / xp.std(X, axis=0)
    return X + shift, y


def deep_network(
    depth: int = 10,
    activation: str = "logistic",
    width: int = 16,
    inputs: int = 2,
    seed: int = 0,
    **kwargs: Any,
) -> FNN:
    """A network of ``depth`` layers with parameters: ``depth - 1`` hidden
    layers of ``width`` units and one logistic output unit (two classes).

    The initialization is fnnlab's default (He for ReLU, Xavier
    otherwise) unless ``kwargs`` say otherwise (``init=``, ``scale=``).
    """
    depth = check_positive_int("depth", depth)
    if depth < 2:
        raise FnnlabError(
            f"depth: got {depth}, expected at least 2 (one hidden layer "
            "and the output layer)"
        )
    widths = [inputs] + [width] * (depth - 1) + [1]
    return FNN(widths, activation, output="logistic", seed=seed, **kwargs)


def layer_gradient_norms(
    net: FNN, X: Any, y: Any, loss: str | None = None
) -> np.ndarray:
    """``||dR/dW^(l)||_F`` for ``l = 1 .. L`` on the data ``X`` ``(N, D)``.

    One forward and backward pass (:func:`fnnlab.backprop`) over all the
    samples. Returns a host array ``(L,)``; entry ``l - 1`` is layer ``l``.
    """
    A0 = _columns(net, X)
    grads = backprop(net, A0, targets(net, y), loss=loss)
    xp = net.xp
    return np.array([
        float(xp.sqrt(xp.sum(grads[f"W{l}"] ** 2)))
        for l in range(1, net.L + 1)
    ])


def _columns(net: FNN, X: Any) -> Any:
    X = asarray(X, backend=net.backend)
    if X.ndim != 2 or X.shape[1] != net.widths[0]:
        raise ShapeError(
            f"X: got shape {tuple(X.shape)}, expected (N, {net.widths[0]}), "
            "one sample per row"
        )
    return X.T


def train_with_gradient_norms(
    net: FNN, X: Any, y: Any, **train_kwargs: Any
) -> tuple[History, np.ndarray]:
    """Train ``net`` with :func:`fnnlab.train` and record every layer's
    gradient norm on all of ``X`` before training and after each epoch.

    Returns:
        ``(history, norms)``; ``norms`` is a host array ``(epochs + 1, L)``
        whose row 0 is at initialization.
    """
    rows = [layer_gradient_norms(net, X, y)]

    def record(epoch: int, history: History) -> None:
        rows.append(layer_gradient_norms(net, X, y))

    train_kwargs.setdefault("progress", False)
    history = train(net, X, y, callback=record, **train_kwargs)
    return history, np.array(rows)


def gradient_norm_profile(
    depth: int = 10, activation: str = "logistic", width: int = 16,
    seed: int = 0, n: int = 200,
) -> np.ndarray:
    """Per-layer gradient norms of a fresh :func:`deep_network` on
    :func:`centered_moons` data (``n`` points); a host array ``(depth,)``.

    Chapter *Optimization problems* (the gradient-norm widget calls this).
    """
    check_choice("activation", activation, ("logistic", "tanh", "relu"))
    X, y = centered_moons(n, seed=seed)
    net = deep_network(depth, activation, width, seed=seed)
    return layer_gradient_norms(net, X, y)


def hidden_unit_spread(net: FNN) -> np.ndarray:
    """How different the units of each hidden layer are.

    For layer ``l`` it is the largest distance between unit 0's incoming
    weights and bias ``(W^(l)[0, :], b^(l)[0])`` and those of any other
    unit. Zero means every unit of the layer computes the same thing.
    Returns a host array ``(L - 1,)``.
    """
    spread = []
    for l in range(1, net.L):
        W, b = to_numpy(net.W[l - 1]), to_numpy(net.b[l - 1])
        P = np.hstack([W, b[:, None]])
        spread.append(float(np.max(np.linalg.norm(P - P[:1], axis=1))))
    return np.array(spread)


def relative_weight_change(before: list, after: list) -> np.ndarray:
    """``||W_after^(l) - W_before^(l)||_F / ||W_before^(l)||_F`` per layer.

    Args:
        before, after: lists of weight matrices (``net.W`` copied before
            and after training).

    Returns:
        a host array ``(L,)``.
    """
    if len(before) != len(after):
        raise ShapeError(
            f"after: got {len(after)} matrices, expected {len(before)} like "
            "before"
        )
    out = []
    for W0, W1 in zip(before, after):
        W0, W1 = to_numpy(W0), to_numpy(W1)
        out.append(np.linalg.norm(W1 - W0) / np.linalg.norm(W0))
    return np.array(out)


def same_sign_rows(net: FNN, X: Any, y: Any, layer: int = 1) -> float:
    """The share of rows of the single-sample gradients ``dL_n/dW^(l)``
    whose entries all have one sign.

    For sample ``n`` the gradient of ``W^(l)`` is the outer product
    ``delta_n a_n^T`` of the error term ``delta_n`` ``(M_l,)`` and the
    layer's input ``a_n = a^(l-1)`` ``(M_{l-1},)``. Row ``i`` is
    ``delta_{n,i} a_n^T``: when every entry of ``a_n`` is positive, the
    whole row has the sign of ``delta_{n,i}``, so one sample can only push
    all of a unit's weights up together or down together. Rows that are 0
    are not counted.
    """
    check_positive_int("layer", layer)
    if layer > net.L:
        raise FnnlabError(
            f"layer: got {layer}, expected 1 .. {net.L} for this network"
        )
    A0 = _columns(net, X)
    fp = net.propagate(A0, keep=True)
    loss = get_loss(None, net.activations[-1])
    deltas = error_terms(net, fp, targets(net, y), loss)
    d = to_numpy(deltas[layer - 1])          # (M_l, N)
    a = to_numpy(fp.A[layer - 1])            # (M_{l-1}, N)
    G = d[:, None, :] * a[None, :, :]        # (M_l, M_{l-1}, N)
    nonzero = np.any(G != 0, axis=1)
    one_sign = np.all(G >= 0, axis=1) | np.all(G <= 0, axis=1)
    return float(np.sum(one_sign & nonzero) / np.sum(nonzero))
