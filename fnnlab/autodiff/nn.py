"""The feedforward network of the core, differentiated by the reverse-mode
engine instead of by hand-written backpropagation.

The network stays an :class:`fnnlab.FNN` (same ``W^(l)`` of shape
``(M_l, M_{l-1})``, same initialization for a seed, samples as columns).
Each call wraps its arrays in fresh leaf tensors, builds the graph of the
structural risk

    R = (1/N) sum_n L(y_n, a^(L)_n) + lam/2 sum_l ||W^(l)||_F^2

and calls ``backward``. Nothing here knows a ``delta^(l)``: the error terms
of backpropagation appear by themselves as the gradients of the ``z^(l)``
nodes.

Chapter: *Computing gradients automatically*, section "The same network,
differentiated by the engine".
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from ..activations import ACTIVATIONS
from ..backend import asarray, from_numpy, is_array, random_generator
from ..errors import (
    FnnlabError,
    ShapeError,
    check_nonnegative,
    check_positive,
    check_positive_int,
)
from ..losses import frobenius_penalty, get_loss
from ..network import FNN
from ..training import History, targets
from ..validation import as_label_array, check_columns
from . import reverse as rv

__all__ = ["parameters", "logits", "risk", "gradients", "sgd_step",
           "train"]

_HIDDEN = {
    "relu": rv.relu,
    "tanh": rv.tanh,
    "logistic": rv.logistic,
    "leaky_relu": rv.leaky_relu,
    "identity": lambda z: z,
}


def parameters(net: FNN) -> dict:
    """Leaf tensors wrapping the network's own arrays, by book name.

    Returns:
        ``{"W1": Tensor (M_1, M_0), "b1": Tensor (M_1,), ...}``; the
        values are ``net``'s arrays themselves, not copies.
    """
    xp = net.xp
    return {name: rv.leaf(value, xp, name)
            for name, value in net.params().items()}


def logits(net: FNN, A0: Any, params: dict,
           keep: list | None = None) -> rv.Tensor:
    """The graph of ``z^(L)`` for inputs ``A0`` ``(M_0, N)``.

    Each layer is ``z^(l) = W^(l) a^(l-1) + b^(l)`` (the bias reshaped to a
    column ``(M_l, 1)`` and broadcast over the ``N`` columns) followed by
    the hidden activation; the output activation is left to the loss.

    Args:
        keep: a list to append every node ``z^(1), ..., z^(L)`` to; after
            ``backward`` their ``grad`` are the error terms ``delta^(l)``
            of backpropagation.
    """
    a = rv.leaf(A0, net.xp, "A0", requires_grad=False)
    z = a
    for l in range(1, net.L + 1):
        W, b = params[f"W{l}"], params[f"b{l}"]
        z = W @ a + b.reshape((net.widths[l], 1))
        if keep is not None:
            keep.append(z)
        if l < net.L:
            a = _HIDDEN[net.activations[l - 1]](z)
    return z


def _data_loss(net: FNN, z_L: rv.Tensor, Y: Any, loss: Any) -> rv.Tensor:
    """The mean loss of the output logits ``z_L`` against targets ``Y``."""
    output = net.activations[-1]
    if loss.name == "cross_entropy" and output == "softmax":
        return rv.cross_entropy_from_logits(Y, z_L)
    if loss.name == "binary_cross_entropy" and output == "logistic":
        return rv.binary_cross_entropy_from_logits(Y, z_L)
    if loss.name == "squared_error":
        a_L = {"identity": lambda z: z, "logistic": rv.logistic,
               "softmax": rv.softmax}[output](z_L)
        d = a_L - Y
        return 0.5 * rv.sum(d * d) / z_L.shape[1]
    raise FnnlabError(
        f"loss: got {loss.name!r} with a {output!r} output; the engine "
        "computes cross-entropy from the logits of a softmax output, "
        "binary cross-entropy from those of a logistic output, and squared "
        "error after any output"
    )


def _penalty(params: dict, L: int, lam: float) -> rv.Tensor:
    total = rv.sum(params["W1"] ** 2)
    for l in range(2, L + 1):
        total = total + rv.sum(params[f"W{l}"] ** 2)
    return (0.5 * lam) * total


def risk(net: FNN, A0: Any, Y: Any, loss: Any = None, lam: float = 0.0,
         params: dict | None = None) -> rv.Tensor:
    """The graph of the structural risk, a one-element tensor.

    Args:
        net: the network.
        A0: inputs ``(M_0, N)``, one sample per column.
        Y: targets ``(M_L, N)``, as for :func:`fnnlab.backprop`.
        loss: a loss name; default: the one matching the output layer.
        lam: the Frobenius penalty ``lambda`` (weights only).
        params: leaf tensors from :func:`parameters` (default: new ones).
    """
    lam = check_nonnegative("lam", lam)
    loss = get_loss(loss, net.activations[-1])
    A0 = check_columns("A0", A0, net.widths[0], net.backend, net.dtype)
    Y = check_columns("Y", Y, net.widths[-1], net.backend, net.dtype)
    if Y.shape[1] != A0.shape[1]:
        raise ShapeError(
            f"Y: got {Y.shape[1]} columns (samples), expected "
            f"{A0.shape[1]} like A0"
        )
    params = parameters(net) if params is None else params
    R = _data_loss(net, logits(net, A0, params), Y, loss)
    if lam:
        R = R + _penalty(params, net.L, lam)
    return R


def gradients(net: FNN, A0: Any, Y: Any, loss: Any = None,
              lam: float = 0.0) -> dict:
    """Every ``dR/dW^(l)`` and ``dR/db^(l)`` by reverse mode.

    The same arguments and result as :func:`fnnlab.backprop`:
    ``{"W1": (M_1, M_0) array, "b1": (M_1,) array, ...}``.
    """
    params = parameters(net)
    risk(net, A0, Y, loss, lam, params).backward()
    return {name: p.grad for name, p in params.items()}


def sgd_step(net: FNN, A0: Any, Y: Any, lr: float, loss: Any = None,
             lam: float = 0.0) -> tuple:
    """One gradient step on a batch, with gradients from the engine.

    Builds the graph of the risk, calls ``backward`` and updates every
    parameter in place, ``W^(l) <- W^(l) - lr dR/dW^(l)`` (the same for
    ``b^(l)``). No argument checks: ``A0`` ``(M_0, N)`` and ``Y``
    ``(M_L, N)`` must already be arrays of the network's dtype and backend
    (:func:`train` checks them once).

    Returns:
        ``(mean data loss, z^(L))`` as arrays, before the update (the loss
        without the penalty, as :func:`fnnlab.train` reports it).
    """
    loss = get_loss(loss, net.activations[-1])
    params = parameters(net)
    z_L = logits(net, A0, params)
    data = _data_loss(net, z_L, Y, loss)
    R = data + _penalty(params, net.L, lam) if lam else data
    R.backward()
    for l in range(1, net.L + 1):
        net.W[l - 1] -= lr * params[f"W{l}"].grad
        net.b[l - 1] -= lr * params[f"b{l}"].grad
    return data.value, z_L.value


def train(
    net: FNN,
    X: Any,
    y: Any,
    *,
    epochs: int = 10,
    lr: float = 0.1,
    batch_size: int | None = 32,
    lam: float = 0.0,
    loss: str | None = None,
    seed: int | None = 0,
    X_test: Any = None,
    y_test: Any = None,
    progress: bool = True,
    callback: Callable[[int, History], None] | None = None,
) -> History:
    """Mini-batch SGD with gradients from the engine.

    The same loop as :func:`fnnlab.train`, with the same arguments and the
    same shuffling for a seed: only the gradients come from a graph
    (``risk(...).backward()``) instead of backpropagation by hand, so both
    trainers follow the same path up to rounding.

    Args:
        net: the network, changed in place.
        X: ``(N, M_0)`` inputs, one sample per row.
        y: ``(N,)`` labels.
        epochs, lr, batch_size, lam, loss: as in :func:`fnnlab.train`.
        seed, X_test, y_test, progress, callback: as in
            :func:`fnnlab.train`.

    Returns:
        the :class:`fnnlab.History`.
    """
    epochs = check_positive_int("epochs", epochs)
    lr = check_positive("lr", lr)
    lam = check_nonnegative("lam", lam)
    loss = get_loss(loss, net.activations[-1])
    A0, Y = _columns(net, X, "X"), targets(net, y)
    N = A0.shape[1]
    if Y.shape[1] != N:
        raise ShapeError(
            f"y: got {Y.shape[1]} samples, expected {N}, one per row of X"
        )
    B = N if batch_size is None else check_positive_int("batch_size",
                                                        batch_size)
    classify = net.activations[-1] in ("softmax", "logistic")
    if X_test is not None:
        test_cols = _columns(net, X_test, "X_test")
        if y_test is None:
            raise FnnlabError("y_test: got None, expected labels for X_test")
        classes = net.widths[-1] if net.activations[-1] == "softmax" else 2
        truth = as_label_array("y_test", y_test, classes, net.backend)

    xp, rng, history = net.xp, random_generator(seed), History()
    from tqdm.auto import tqdm

    bar = tqdm(range(epochs), disable=not progress, desc="epochs",
               leave=False)
    for epoch in bar:
        order = from_numpy(rng.permutation(N), net.backend)
        A_epoch, Y_epoch = xp.take(A0, order, axis=1), xp.take(Y, order,
                                                                 axis=1)
        total, correct = 0.0, 0
        for start in range(0, N, B):
            stop = min(start + B, N)     # the array API allows no overshoot
            a0, yb = A_epoch[:, start:stop], Y_epoch[:, start:stop]
            data, z_L = sgd_step(net, a0, yb, lr, loss, lam)
            total = total + data * a0.shape[1]
            if classify:
                a_L = ACTIVATIONS[net.activations[-1]].f(z_L)
                hits = _labels(net, a_L) == _labels(net, yb)
                correct = correct + xp.sum(xp.astype(hits, xp.int64))
        history.loss.append(_epoch_risk(net, total, N, lam))
        if classify:
            history.train_accuracy.append(int(correct) / N)
        if X_test is not None:
            pred = _labels(net, net.propagate(test_cols))
            history.test_accuracy.append(
                float(xp.mean(xp.astype(pred == truth, xp.float64))))
        if not np.isfinite(history.loss[-1]):
            raise FnnlabError(
                f"lr: training diverged at epoch {epoch + 1}; try a "
                f"learning rate below {lr}"
            )
        if progress:
            bar.set_postfix(loss=f"{history.loss[-1]:.4f}")
        if callback is not None:
            callback(epoch, history)
    return history


def _columns(net: FNN, X: Any, name: str) -> Any:
    """Rows ``(N, M_0)`` in, the book's columns ``(M_0, N)`` out (the one
    transpose of the trainer)."""
    X = X if is_array(X) else asarray(X, backend=net.backend)
    if X.ndim != 2 or X.shape[1] != net.widths[0]:
        raise ShapeError(
            f"{name}: got shape {tuple(X.shape)}, expected (N, "
            f"{net.widths[0]}), one sample per row"
        )
    return check_columns(name, X.T, net.widths[0], net.backend, net.dtype)


def _labels(net: FNN, columns: Any) -> Any:
    """Labels ``(N,)`` of outputs or one-hot targets ``(M_L, N)``."""
    xp = net.xp
    if net.activations[-1] == "softmax":
        return xp.argmax(columns, axis=0)
    return xp.astype(columns[0, :] >= 0.5, xp.int64)


def _epoch_risk(net: FNN, total: Any, N: int, lam: float) -> float:
    """The epoch's mean data loss plus the penalty at its end, as the core
    trainer reports it."""
    value = float(total) / N
    if lam:
        value += float(frobenius_penalty(net.W, lam))
    return value
