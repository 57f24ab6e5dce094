"""Training: stochastic gradient descent and mini-batch SGD.

These entry points take data as data libraries give it, ``X`` of shape
``(N, D)`` with one sample per row, and transpose it **once**, here, into
the book's columns ``A^(0) = X^T`` of shape ``(M_0, N)``.

The source's algorithm (chapter *Backpropagation*) is :func:`sgd`: shuffle
the samples each epoch, then update after every single sample. :func:`train`
does the same with mini-batches of ``batch_size`` samples; one epoch of it
is :func:`sgd_epoch`, the loop as the chapter writes it. On the NumPy
backend :func:`train` runs the same epochs through :mod:`fnnlab.fast`,
which gives the same numbers without copying the data set or allocating
per step (``fast=False`` runs :func:`sgd_epoch` there too).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from .backend import from_numpy, get_namespace, random_generator
from .backprop import gradients_from, loss_value
from .data import one_hot
from .errors import (
    FnnlabError,
    ShapeError,
    check_nonnegative,
    check_positive,
    check_positive_int,
)
from .losses import Loss, frobenius_penalty, get_loss
from .network import FNN
from .validation import (
    as_array,
    as_label_array,
    check_columns,
    check_finite,
    check_place,
)

__all__ = [
    "History",
    "targets",
    "predict_proba",
    "predict",
    "accuracy",
    "train",
    "sgd",
    "sgd_epoch",
    "inputs_to_columns",
    "labels_from_output",
    "num_classes",
]


@dataclass
class History:
    """What happened during training, one entry per epoch.

    Attributes:
        loss: the structural risk averaged over the epoch's updates.
        train_accuracy: the share of training samples classified right
            while the epoch ran (each sample counted at its own update).
        test_accuracy: accuracy on the test data after each epoch, when
            test data was given.
    """

    loss: list = field(default_factory=list)
    train_accuracy: list = field(default_factory=list)
    test_accuracy: list = field(default_factory=list)

    @property
    def epochs(self) -> int:
        return len(self.loss)

    def __repr__(self) -> str:
        if not self.loss:
            return "History(epochs=0)"
        parts = [f"epochs={self.epochs}", f"loss={self.loss[-1]:.4f}"]
        if self.train_accuracy:
            parts.append(f"train_accuracy={self.train_accuracy[-1]:.4f}")
        if self.test_accuracy:
            parts.append(f"test_accuracy={self.test_accuracy[-1]:.4f}")
        return "History(" + ", ".join(parts) + ")"


def inputs_to_columns(net: FNN, X: Any, name: str = "X") -> Any:
    """``X`` ``(N, D)`` -> ``A^(0)`` ``(D, N)``, checked, in net's dtype."""
    X = _array(net, X, name)
    D = net.widths[0]
    if X.ndim != 2 or X.shape[1] != D:
        hint = ""
        if X.ndim == 2 and X.shape[0] == D:
            hint = (
                "; it looks like one sample per column: pass its "
                "transpose .T (the (N, D) entry points take rows)"
            )
        elif X.ndim == 1 and D == 1:
            hint = "; for N samples of one feature pass X[:, None]"
        raise ShapeError(
            f"{name}: got shape {tuple(X.shape)}, expected (N, {D}), one "
            f"sample per row{hint}"
        )
    A = X.T
    # Place, rank and dtype are checked on one column; the values below.
    check_columns(name, A[:, :min(1, A.shape[1])], D, net.backend, net.dtype)
    if A.dtype != net.dtype:
        A = net.xp.astype(A, net.dtype)
    return _finite(name, A)


def _finite(name: str, A: Any) -> Any:
    """``A`` if it holds no NaN or infinity, else raise (naming ``name``).

    A sum of finite numbers that is finite proves them all finite, and
    needs no array of the data's size; only when the sum is not finite
    (a NaN, an infinity, or a sum that overflowed) are the entries counted
    by :func:`~fnnlab.validation.check_finite`.
    """
    if not math.isfinite(float(get_namespace(A).sum(A))):
        check_finite(name, A)
    return A


def _array(net: FNN, X: Any, name: str) -> Any:
    """``X`` itself if it is an array, else ``X`` made on net's backend."""
    return as_array(
        name, X, net.backend, f"an array of shape (N, {net.widths[0]})"
    )


def _one_sample(net: FNN, X: Any) -> bool:
    """True for a single sample ``(D,)`` (not an ``(N, D)`` batch)."""
    return X.ndim == 1 and tuple(X.shape) == (net.widths[0],)


def targets(net: FNN, y: Any, name: str = "y") -> Any:
    """Turn labels or values ``y`` into target columns ``Y`` ``(M_L, N)``.

    * softmax output: labels ``(N,)`` in ``0 .. C-1`` -> one-hot ``(C, N)``;
    * logistic output: labels ``(N,)`` in ``{0, 1}`` -> ``(1, N)``;
    * identity output: values ``(N,)`` or ``(N, M_L)`` -> ``(M_L, N)``.
    """
    xp = net.xp
    output, M_L = net.activations[-1], net.widths[-1]
    if output == "softmax":
        labels = as_label_array(name, y, M_L, net.backend)
        return one_hot(labels, M_L, dtype=net._dtype_name)
    if output == "logistic":
        if M_L != 1:
            raise FnnlabError(
                f"y: a logistic output with {M_L} units needs targets "
                f"(N, {M_L}); fnnlab's classifiers use one logistic unit"
            )
        labels = as_label_array(name, y, 2, net.backend)
        return xp.astype(labels, net.dtype)[None, :]
    y = as_array(name, y, net.backend, f"values of shape (N, {M_L})")
    check_place(name, y, net.backend)
    if y.ndim == 1:
        y = y[:, None]
    if y.ndim != 2 or y.shape[1] != M_L:
        raise ShapeError(
            f"{name}: got shape {tuple(y.shape)}, expected (N, {M_L})"
        )
    return check_columns(name, y.T, M_L, net.backend, net.dtype)


def predict_proba(net: FNN, X: Any) -> Any:
    """The network's outputs ``a^(L)`` for ``X`` ``(N, D)``, as ``(N, M_L)``.

    One sample ``(D,)`` gives its output ``(M_L,)``.
    """
    X = _array(net, X, "X")
    if _one_sample(net, X):
        return predict_proba(net, X[None, :])[0, :]
    return net.propagate(inputs_to_columns(net, X)).T


def labels_from_output(net: FNN, a_L: Any) -> Any:
    """Class labels ``(N,)`` from outputs ``a^(L)`` ``(M_L, N)``: the
    most probable class (softmax) or ``a^(L) >= 0.5`` (logistic)."""
    xp = net.xp
    if net.activations[-1] == "softmax":
        return xp.argmax(a_L, axis=0)
    if net.activations[-1] == "logistic":
        return xp.astype(a_L[0, :] >= 0.5, xp.int64)
    raise FnnlabError(
        "predict: the network has an identity output (regression); use "
        "predict_proba for its values"
    )


def predict(net: FNN, X: Any) -> Any:
    """Class labels ``(N,)`` for ``X`` ``(N, D)``: the most probable class
    (softmax), or ``a^(L) >= 0.5`` (logistic).

    One sample ``(D,)`` gives its label as a 0-d integer array.
    """
    X = _array(net, X, "X")
    if _one_sample(net, X):
        return predict(net, X[None, :])[0]
    return labels_from_output(net, net.propagate(inputs_to_columns(net, X)))


def accuracy(net: FNN, X: Any, y: Any) -> float:
    """The share of samples in ``X`` ``(N, D)`` whose label ``y`` is
    predicted right."""
    xp = net.xp
    pred = labels_from_output(net, net.propagate(inputs_to_columns(net, X)))
    labels = as_label_array("y", y, num_classes(net), net.backend)
    if labels.shape[0] != pred.shape[0]:
        raise ShapeError(
            f"y: got {labels.shape[0]} labels, expected {pred.shape[0]}, "
            "one per row of X"
        )
    return float(xp.mean(xp.astype(pred == labels, xp.float64)))


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
    fast: bool | None = None,
) -> History:
    """Mini-batch stochastic gradient descent with backpropagation.

    Each epoch shuffles the samples (host generator, ``seed``), then for
    each batch of ``batch_size`` samples updates, for every layer ``l``::

        W^(l) <- W^(l) - lr * (dR/dW^(l))      (penalty lam W^(l) included)
        b^(l) <- b^(l) - lr * (dR/db^(l))

    One epoch is :func:`sgd_epoch`, the loop the chapters show. On the
    NumPy backend the same steps run by default through
    :class:`fnnlab.fast.FastEpochs`, which gives the same numbers (up to
    rounding, about 1e-12 relative after many epochs in float64) without
    copying the data or allocating per step.

    Args:
        net: the network, changed in place.
        X: training inputs ``(N, M_0)``, one sample per row.
        y: labels ``(N,)`` (classifiers) or values (regression).
        epochs: passes over the data.
        lr: the learning rate ``alpha > 0``.
        batch_size: samples per update; 1 is the source's algorithm,
            ``None`` is full-batch gradient descent.
        lam: the Frobenius penalty ``lambda >= 0`` (weights only).
        loss: default: the one matching the output layer.
        seed: seed of the shuffling.
        X_test, y_test: data to measure accuracy on after every epoch.
        progress: show a tqdm progress bar over the epochs.
        callback: called as ``callback(epoch, history)`` after each epoch.
        fast: ``None`` (default): the fast path where it applies (NumPy);
            ``False``: always :func:`sgd_epoch`; ``True``: the fast path,
            an error where it does not apply.

    Returns:
        the :class:`History`.
    """
    from . import fast as fast_path

    epochs = check_positive_int("epochs", epochs)
    lr = check_positive("lr", lr)
    lam = check_nonnegative("lam", lam)
    loss = get_loss(loss, net.activations[-1])
    if fast not in (None, True, False):
        raise FnnlabError(f"fast: got {fast!r}, expected None, True or False")
    if fast and not fast_path.applies(net):
        raise FnnlabError(
            f"fast: got True, but the fast path runs on the NumPy backend "
            f"only and this network lives on {net.backend.name!r}; pass "
            "fast=None to use it where it applies"
        )
    A0 = inputs_to_columns(net, X)
    Y = targets(net, y)
    N = A0.shape[1]
    if N == 0:
        raise ShapeError(
            f"X: got shape {(0, net.widths[0])}, expected at least one "
            "sample (row)"
        )
    if Y.shape[1] != N:
        raise ShapeError(
            f"y: got {Y.shape[1]} samples, expected {N}, one per row of X"
        )
    B = N if batch_size is None else check_positive_int("batch_size", batch_size)
    classify = net.activations[-1] in ("softmax", "logistic")
    if X_test is None and y_test is not None:
        raise FnnlabError("X_test: got None, expected inputs for y_test")
    if X_test is not None and not classify:
        raise FnnlabError(
            "X_test: test accuracy needs a classifier (output 'softmax' or "
            f"'logistic'), got a network with output "
            f"{net.activations[-1]!r}; compute a test loss with "
            "fnnlab.structural_risk instead"
        )
    if X_test is not None:
        X_test_cols = inputs_to_columns(net, X_test, "X_test")
        if y_test is None:
            raise FnnlabError("y_test: got None, expected labels for X_test")
        truth = as_label_array("y_test", y_test, num_classes(net), net.backend)
        if truth.shape[0] != X_test_cols.shape[1]:
            raise ShapeError(
                f"y_test: got {truth.shape[0]} labels, expected "
                f"{X_test_cols.shape[1]}, one per row of X_test"
            )

    if fast_path.applies(net) and fast is not False:
        runner = fast_path.FastEpochs(net, A0.T, Y, loss, lr, lam, min(B, N))

        def epoch_of(order: Any) -> tuple:
            return runner.run(order)
    else:
        def epoch_of(order: Any) -> tuple:
            return sgd_epoch(net, A0, Y, order, batch_size=B, lr=lr,
                             lam=lam, loss=loss)

    xp = net.xp
    rng = random_generator(seed)
    history = History()
    from tqdm.auto import tqdm

    bar = tqdm(range(epochs), disable=not progress, desc="epochs", leave=False)
    for epoch in bar:
        order = from_numpy(rng.permutation(N), net.backend)
        total, correct = epoch_of(order)
        risk = float(total) / N
        if lam:
            risk += float(frobenius_penalty(net.W, lam))
        history.loss.append(risk)
        if classify:
            history.train_accuracy.append(int(correct) / N)
        if X_test is not None:
            pred = labels_from_output(net, net.propagate(X_test_cols))
            history.test_accuracy.append(
                float(xp.mean(xp.astype(pred == truth, xp.float64)))
            )
        if not np.isfinite(risk):
            raise FnnlabError(
                f"lr: training diverged at epoch {epoch + 1} (loss {risk}); "
                f"try a learning rate below {lr}"
            )
        if progress:
            bar.set_postfix(loss=f"{risk:.4f}")
        if callback is not None:
            callback(epoch, history)
    return history


def sgd_epoch(
    net: FNN,
    A0: Any,
    Y: Any,
    order: Any,
    *,
    batch_size: int,
    lr: float,
    lam: float,
    loss: Loss,
) -> tuple:
    """One epoch of mini-batch SGD, as the chapter *Backpropagation* writes
    it: the loop that :func:`train` runs.

    Args:
        net: the network, updated in place after every batch.
        A0: the inputs, one sample per column, ``(M_0, N)``.
        Y: the targets, ``(M_L, N)``.
        order: the epoch's shuffled sample indices, ``(N,)``.
        batch_size: samples per update ``B``; the last batch may be smaller.
        lr, lam: the learning rate and the Frobenius penalty.
        loss: the :class:`~fnnlab.losses.Loss`.

    Returns:
        ``(total, correct)``: the sum over the batches of the batch's mean
        loss times its size, and how many samples were classified right at
        their own update (0 for regression).
    """
    xp = net.xp
    classify = net.activations[-1] in ("softmax", "logistic")
    N = A0.shape[1]
    rows = A0.T          # (N, M_0): each sample's inputs lie side by side
    total, correct = 0.0, 0
    for start in range(0, N, batch_size):
        stop = min(start + batch_size, N)  # the array API allows no overshoot
        batch = order[start:stop]
        a0 = xp.take(rows, batch, axis=0).T      # the mini-batch, (M_0, n)
        yb = xp.take(Y, batch, axis=1)           # its targets, (M_L, n)
        fp = net.propagate(a0, keep=True)
        grads = gradients_from(net, fp, yb, loss, lam)
        total = total + loss_value(net, fp, yb, loss) * a0.shape[1]
        if classify:
            hits = labels_from_output(net, fp.A[-1]) == _labels_of(net, yb)
            correct = correct + xp.sum(xp.astype(hits, xp.int64))
        for l in range(1, net.L + 1):
            net.W[l - 1] -= lr * grads[f"W{l}"]
            net.b[l - 1] -= lr * grads[f"b{l}"]
    return total, correct


def num_classes(net: FNN) -> int:
    """How many classes a classifier tells apart: ``M_L`` for a softmax
    output, 2 for a logistic one."""
    return net.widths[-1] if net.activations[-1] == "softmax" else 2


def _labels_of(net: FNN, Y: Any) -> Any:
    xp = net.xp
    if net.activations[-1] == "softmax":
        return xp.argmax(Y, axis=0)
    return xp.astype(Y[0, :], xp.int64)


def sgd(net: FNN, X: Any, y: Any, **kwargs: Any) -> History:
    """The source's algorithm: :func:`train` with one sample per update."""
    if "batch_size" in kwargs:
        raise FnnlabError(
            f"batch_size: got {kwargs['batch_size']!r}, but sgd always "
            "updates after each sample; use train for mini-batches"
        )
    return train(net, X, y, batch_size=1, **kwargs)
