"""Networks as classifiers: hidden features, XOR, digits, a playground.

A classifier network is a feature transform followed by a linear
classifier: the hidden layers map ``x`` to ``a^(L-1)``, and the output
layer is logistic regression on those features (one logistic unit,
``p(y = 1 | x) = a^(L)``) or softmax regression (``C`` units, one
probability per class). The functions here compute what the chapter
*Networks as classifiers* shows, and the plotting helpers draw it; the
decision regions themselves are :func:`fnnlab.plots.decision_grid` and
:func:`fnnlab.plots.plot_decision_boundary`.

Inputs ``X`` are ``(N, D)``, one sample per row, as for
:func:`fnnlab.train`; they are transposed once, into the book's columns.
What is meant for plots (lines, confusion counts) comes back on the
host as NumPy arrays; everything else stays on the network's backend.
Plotting needs matplotlib (``pip install 'fnnlab[plots]'``).
"""

from __future__ import annotations

from numbers import Integral
from typing import Any, Sequence

import numpy as np

from .activations import ACTIVATIONS
from .backend import from_numpy, to_numpy
from .data import moons, spirals, xor
from .errors import (
    FnnlabError,
    ShapeError,
    check_choice,
    check_positive,
    check_positive_int,
)
from .network import FNN
from .training import (
    num_classes,
    inputs_to_columns,
    labels_from_output,
    predict,
    train,
)
from .validation import as_label_array, check_columns

__all__ = [
    "hidden_features",
    "classify_features",
    "output_line",
    "xor_network",
    "misclassified",
    "confusion",
    "PLAYGROUND_DATASETS",
    "playground_data",
    "parse_widths",
    "run_playground",
    "plot_features",
    "plot_digits",
]

_PLOTS_HELP = "plotting needs matplotlib: pip install 'fnnlab[plots]'"


# --- the hidden layers as a feature transform -------------------------------

def hidden_features(net: FNN, X: Any, layer: int | None = None) -> Any:
    """The activations ``a^(l)`` of one layer, one row per sample.

    Args:
        net: the network.
        X: inputs ``(N, M_0)``, one sample per row.
        layer: ``l`` in ``0 .. L`` (0 is the input, ``L`` the output);
            default: the last hidden layer, ``L - 1``.

    Returns:
        ``(N, M_l)`` on the network's backend: ``a^(l)`` transposed back to
        rows, so it can be fed to any data library.

    Chapter: *Networks as classifiers*, "The hidden layers as a feature
    transform".
    """
    if layer is None:
        if net.L < 2:
            raise FnnlabError(
                f"net: widths {list(net.widths)} have no hidden layer; "
                "pass layer=0 for the inputs or layer=1 for the outputs"
            )
        layer = net.L - 1
    ok = isinstance(layer, Integral) and not isinstance(layer, bool)
    if not ok or not 0 <= layer <= net.L:
        raise FnnlabError(
            f"layer: got {layer!r}, expected an integer in 0 .. {net.L}"
        )
    fp = net.propagate(inputs_to_columns(net, X), keep=True)
    return fp.A[int(layer)].T


def classify_features(net: FNN, H: Any) -> Any:
    """Labels ``(N,)`` from the output layer alone, given ``a^(L-1)``.

    The output layer is a linear classifier of the features ``H``
    ``(N, M_{L-1})``: ``z^(L) = W^(L) h + b^(L)``, then the class with the
    largest ``a^(L)`` (softmax) or ``a^(L) >= 1/2`` (logistic, the same as
    ``z^(L) >= 0``: a hyperplane). Feeding it
    ``hidden_features(net, X)`` gives exactly ``predict(net, X)``.

    Chapter: *Networks as classifiers*.
    """
    if net.L < 2:
        raise FnnlabError(
            f"net: widths {list(net.widths)} have no hidden layer to "
            "classify the features of"
        )
    M = net.widths[-2]
    if getattr(H, "ndim", None) != 2 or H.shape[1] != M:
        raise ShapeError(
            f"H: got shape {tuple(getattr(H, 'shape', ()))}, expected "
            f"(N, {M}), the features a^(L-1) one sample per row"
        )
    A = check_columns("H", H.T, M, net.backend, net.dtype)
    z = net.W[-1] @ A + net.b[-1][:, None]
    a = ACTIVATIONS[net.activations[-1]].f(z)
    return labels_from_output(net, a)


def output_line(net: FNN) -> tuple:
    """The output layer's decision boundary ``w . h + c = 0``.

    For a two-class network, class 1 is predicted where ``w . h + c > 0``
    (``h = a^(L-1)``): with one logistic unit, ``w = W^(L)[0]`` and
    ``c = b^(L)[0]``; with two softmax units, ``w = W^(L)[1] - W^(L)[0]``
    and ``c = b^(L)[1] - b^(L)[0]``.

    Returns:
        ``(w, c)``: NumPy ``(M_{L-1},)`` and a float, on the host (for
        plots).

    Chapter: *Networks as classifiers*.
    """
    W, b = to_numpy(net.W[-1]), to_numpy(net.b[-1])
    out = net.activations[-1]
    if out == "logistic":
        return W[0].copy(), float(b[0])
    if out == "softmax" and net.widths[-1] == 2:
        return W[1] - W[0], float(b[1] - b[0])
    raise FnnlabError(
        f"net: got output {out!r} with {net.widths[-1]} units, expected a "
        "two-class network (one logistic unit or two softmax units)"
    )


# --- XOR, with weights chosen by hand ----------------------------------------

def xor_network(sharpness: float = 20.0, backend: Any = None) -> FNN:
    """A 2-2-1 network that computes XOR exactly, its weights set by hand.

    The two ReLU hidden units and the logistic output compute::

        h1 = relu(x1 + x2)        W^(1) = [[1, 1], [1, 1]]
        h2 = relu(x1 + x2 - 1)    b^(1) = [0, -1]
        z  = k (h1 - 2 h2 - 1/2)  W^(2) = [[k, -2k]], b^(2) = [-k/2]

    ``h1 - 2 h2`` is 0, 1, 1, 0 on the four corners, so ``z = -k/2`` for
    class 0 and ``+k/2`` for class 1, and ``p(y = 1 | x) = logistic(z)``
    is below or above 1/2 by a margin that grows with ``k`` (``sharpness``).

    Chapter: *Networks as classifiers*, "XOR".
    """
    k = check_positive("sharpness", sharpness)
    net = FNN([2, 2, 1], activation="relu", output="logistic",
              backend=backend)
    host = {
        "W1": np.array([[1.0, 1.0], [1.0, 1.0]]),
        "b1": np.array([0.0, -1.0]),
        "W2": np.array([[k, -2.0 * k]]),
        "b2": np.array([-k / 2.0]),
    }
    net.set_params({
        name: net.xp.astype(from_numpy(value, net.backend), net.dtype)
        for name, value in host.items()
    })
    return net


# --- errors ------------------------------------------------------------------

def misclassified(net: FNN, X: Any, y: Any) -> Any:
    """Indices ``(K,)`` of the rows of ``X`` ``(N, D)`` predicted wrong,
    ascending, on the network's backend.

    Chapter: *Networks as classifiers*, "Digits".
    """
    xp = net.xp
    pred = predict(net, X)
    labels = as_label_array("y", y, num_classes(net), net.backend)
    if labels.shape[0] != pred.shape[0]:
        raise ShapeError(
            f"y: got {labels.shape[0]} labels, expected {pred.shape[0]}, "
            "one per row of X"
        )
    return xp.nonzero(pred != labels)[0]


def confusion(net: FNN, X: Any, y: Any) -> np.ndarray:
    """The confusion matrix ``(C, C)``: entry ``[i, j]`` counts samples of
    class ``i`` predicted as class ``j`` (scikit-learn's layout), on the
    host.

    Chapter: *Networks as classifiers*, "Digits".
    """
    from sklearn.metrics import confusion_matrix

    C = num_classes(net)
    labels = as_label_array("y", y, C, net.backend)
    pred = predict(net, X)
    if labels.shape[0] != pred.shape[0]:
        raise ShapeError(
            f"y: got {labels.shape[0]} labels, expected {pred.shape[0]}, "
            "one per row of X"
        )
    return confusion_matrix(
        to_numpy(labels), to_numpy(pred), labels=list(range(C))
    )


# --- the training playground -------------------------------------------------

PLAYGROUND_DATASETS = ("xor", "moons", "spirals")
"""The data sets the playground offers."""


def playground_data(dataset: str = "moons", seed: int = 0) -> tuple:
    """``(X, y)`` of a playground data set: the 4 XOR corners, 200 noisy
    moons points, or 3 spiral arms of 100 points each.

    Chapter: *Networks as classifiers*, "A training playground".
    """
    check_choice("dataset", dataset, PLAYGROUND_DATASETS)
    if dataset == "xor":
        return xor()
    if dataset == "moons":
        return moons(200, noise=0.15, seed=seed)
    return spirals(100, classes=3, noise=0.2, seed=seed)


def parse_widths(text: Any) -> tuple:
    """Hidden widths from text such as ``"8, 8"`` or ``"16 4"``.

    An empty text means no hidden layer (logistic or softmax regression).
    A sequence of integers is accepted as it is.

    Returns:
        a tuple of integers ``>= 1``.
    """
    if isinstance(text, str):
        parts = text.replace(",", " ").split()
        try:
            widths = tuple(int(p) for p in parts)
        except ValueError:
            raise FnnlabError(
                f"widths: got {text!r}, expected whole numbers separated "
                "by commas, such as '8, 8'"
            ) from None
    else:
        widths = tuple(text)
    for i, m in enumerate(widths):
        check_positive_int(f"widths[{i}]", m)
    return widths


def run_playground(
    dataset: str = "moons",
    widths: Sequence[int] | str = (8, 8),
    activation: str = "relu",
    lr: float = 0.1,
    lam: float = 0.0,
    epochs: int = 200,
    seed: int = 0,
    batch_size: int | None = 32,
    progress: bool = False,
    callback: Any = None,
) -> tuple:
    """Build a classifier for a playground data set and train it.

    The network is ``[2, *widths, out]`` with the hidden ``activation``;
    two classes get one logistic output unit, more classes a softmax layer
    of one unit per class. Training is :func:`fnnlab.train` (mini-batches of
    ``batch_size``, Frobenius penalty ``lam``, shuffling and weights seeded
    by ``seed``); ``callback(epoch, history)`` runs after each epoch.

    Returns:
        ``(net, history, (X, y))``.

    Chapter: *Networks as classifiers*, "A training playground".
    """
    X, y = playground_data(dataset, seed)
    widths = parse_widths(widths)
    C = int(np.max(to_numpy(y))) + 1
    out_units, output = (1, "logistic") if C == 2 else (C, "softmax")
    net = FNN([2, *widths, out_units], activation=activation,
              output=output, seed=seed)
    history = train(
        net, X, y, epochs=epochs, lr=lr, lam=lam, batch_size=batch_size,
        seed=seed, progress=progress, callback=callback,
    )
    return net, history, (X, y)


# --- plots -------------------------------------------------------------------

def _pyplot() -> Any:
    try:
        import matplotlib.pyplot as plt
    except ImportError as error:
        raise ImportError(_PLOTS_HELP) from error
    return plt


def _axes(ax: Any) -> Any:
    if ax is None:
        _, ax = _pyplot().subplots(figsize=(4.5, 4.0), layout="constrained")
    return ax


def _scatter(ax: Any, H: np.ndarray, y: Any) -> None:
    """Points coloured by class, in the colours of
    :func:`fnnlab.plots.plot_decision_boundary` (tab10, class ``c`` is
    colour ``c``)."""
    ax.scatter(H[:, 0], H[:, 1], c=to_numpy(y), cmap="tab10", vmin=-0.5,
               vmax=9.5, s=12, edgecolors="black", linewidths=0.3)


def plot_features(
    net: FNN, X: Any, y: Any, layer: int | None = None, ax: Any = None
) -> Any:
    """Scatter the data in a two-unit layer's space ``(a_1^(l), a_2^(l))``.

    For the last hidden layer of a two-class network, also draw the output
    layer's line :func:`output_line`, which separates what it predicts.

    Chapter: *Networks as classifiers*, "The hidden layers as a feature
    transform".
    """
    H = to_numpy(hidden_features(net, X, layer))
    layer = net.L - 1 if layer is None else layer
    if H.shape[1] != 2:
        raise ShapeError(
            f"layer: layer {layer} has {H.shape[1]} units, expected 2 to "
            "draw it in the plane"
        )
    ax = _axes(ax)
    _scatter(ax, H, y)
    if layer == net.L - 1 and num_classes(net) == 2:
        w, c = output_line(net)
        _draw_line(ax, w, c, H)
    ax.set_xlabel(f"$a_1^{{({layer})}}$")
    ax.set_ylabel(f"$a_2^{{({layer})}}$")
    return ax


def _draw_line(ax: Any, w: np.ndarray, c: float, H: np.ndarray) -> None:
    """Draw ``w . h + c = 0`` across the box of the points ``H``."""
    low, high = H.min(axis=0), H.max(axis=0)
    span = np.where(high > low, high - low, 1.0)
    low, high = low - 0.1 * span, high + 0.1 * span
    if abs(w[1]) >= abs(w[0]):
        h1 = np.array([low[0], high[0]])
        h2 = -(w[0] * h1 + c) / w[1]
    else:
        h2 = np.array([low[1], high[1]])
        h1 = -(w[1] * h2 + c) / w[0]
    ax.plot(h1, h2, "k--", lw=1.5, label="output layer's boundary")
    ax.set_xlim(low[0], high[0])
    ax.set_ylim(low[1], high[1])


def plot_digits(
    images: Any, true: Any, pred: Any, fig: Any = None, ncols: int = 8
) -> Any:
    """Show digit images with their true and predicted labels.

    Args:
        images: ``(K, 64)`` or ``(K, 8, 8)`` pixel values.
        true, pred: labels ``(K,)``.
        fig: a matplotlib figure to draw on (default: a new one).
        ncols: images per row.

    Returns:
        the figure; each panel is titled ``"true t, pred p"``.

    Chapter: *Networks as classifiers*, "Digits".
    """
    images = to_numpy(images)
    true, pred = to_numpy(true), to_numpy(pred)
    K = images.shape[0]
    if images.shape[1:] == (64,):
        images = images.reshape(K, 8, 8)
    if images.shape[1:] != (8, 8) or true.shape != (K,) or pred.shape != (K,):
        raise ShapeError(
            f"images, true, pred: got shapes {images.shape}, {true.shape}, "
            f"{pred.shape}, expected (K, 64) or (K, 8, 8), (K,) and (K,)"
        )
    ncols = check_positive_int("ncols", ncols)
    if fig is None:
        cols = max(1, min(ncols, K))
        rows = max(1, -(-K // ncols))
        fig = _pyplot().figure(figsize=(1.3 * cols, 1.5 * rows))
    if K == 0:
        fig.text(0.5, 0.5, "no images", ha="center", va="center")
        return fig
    rows = -(-K // ncols)
    for k in range(K):
        ax = fig.add_subplot(rows, min(ncols, K), k + 1)
        ax.imshow(images[k], cmap="gray_r", interpolation="nearest")
        ax.set_title(f"true {int(true[k])}, pred {int(pred[k])}",
                     fontsize=8)
        ax.set_xticks([])
        ax.set_yticks([])
    return fig
