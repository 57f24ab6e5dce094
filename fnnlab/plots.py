"""Figures for the course, drawn with matplotlib.

Every function here first computes what it shows with fnnlab (on whatever
backend the data lives), brings the numbers to the host with
:func:`fnnlab.to_numpy`, then draws, and returns the matplotlib object it
drew on (an ``Axes`` or a ``Figure``) so that a test can read back what
the figure shows.

matplotlib is imported inside the functions, so ``import fnnlab`` never
needs it; install it with ``pip install 'fnnlab[plots]'``.

Chapters: *Feedforward networks* (:func:`plot_network`,
:func:`plot_activations`), *Learning the parameters* and later
(:func:`plot_history`), *Networks as classifiers*
(:func:`plot_decision_boundary`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

from .activations import get_activation, softmax, softmax_vjp
from .backend import asarray, from_numpy, get_namespace, is_array, to_numpy
from .errors import FnnlabError, ShapeError, check_positive_int

__all__ = [
    "DEFAULT_ACTIVATIONS",
    "SOFTMAX_REST",
    "LAYER_GAP",
    "ActivationCurves",
    "activation_curves",
    "network_layout",
    "decision_grid",
    "plot_network",
    "plot_activations",
    "plot_history",
    "plot_decision_boundary",
]

DEFAULT_ACTIVATIONS = ("logistic", "tanh", "relu", "leaky_relu", "softmax")
"""The activations :func:`plot_activations` draws when given no names."""

SOFTMAX_REST = (0.0, 1.0)
"""The fixed logits beside the varying one in the softmax panel."""

LAYER_GAP = 2.5
"""Horizontal distance between layers in :func:`plot_network`."""

_INSTALL = "pip install 'fnnlab[plots]'"


def _pyplot() -> Any:
    """Import ``matplotlib.pyplot``, or say how to install it."""
    try:
        import matplotlib.pyplot as plt
    except ImportError as error:
        raise ImportError(
            f"fnnlab.plots needs matplotlib, which is not installed: "
            f"{_INSTALL}"
        ) from error
    return plt


def _subplots(
    n: int, axes: Any, name: str, width: float = 3.4, ncols: int = 3
) -> list:
    """``n`` Axes: the ones given (one Axes or a sequence), or new ones in
    rows of at most ``ncols`` (unused places in the last row removed)."""
    if axes is None:
        plt = _pyplot()
        cols = min(n, ncols)
        rows = -(-n // cols)
        fig, made = plt.subplots(
            rows, cols, figsize=(width * cols, 2.9 * rows), squeeze=False,
            layout="constrained",
        )
        made = list(made.ravel())
        for extra in made[n:]:
            fig.delaxes(extra)
        return made[:n]
    given = list(np.ravel(np.asarray(axes, dtype=object)))
    if len(given) != n:
        raise FnnlabError(
            f"{name}: got {len(given)} Axes, expected {n}, one per panel"
        )
    return given


# --- activation functions and their derivatives -----------------------------

@dataclass(frozen=True)
class ActivationCurves:
    """The numbers behind one panel of :func:`plot_activations`.

    Attributes:
        name: the activation's name.
        z: the net inputs, host array ``(n,)``.
        f: ``f(z)``, ``(n,)``. For softmax: the first output
            ``s_1`` of ``softmax([z, *rest])``.
        df: ``f'(z)``, ``(n,)``. For softmax: ``ds_1 / dz_1``, the first
            diagonal entry of the softmax Jacobian.
        others: for softmax, the other outputs ``s_2, s_3, ...`` (each
            ``(n,)``); empty for elementwise activations.
    """

    name: str
    z: np.ndarray
    f: np.ndarray
    df: np.ndarray
    others: tuple = ()


def _grid(z: Any) -> Any:
    """A 1-D float array of net inputs; ``None`` gives ``[-5, 5]``."""
    if z is None:
        return np.linspace(-5.0, 5.0, 401)
    if is_array(z):
        xp = get_namespace(z)
        if not xp.isdtype(z.dtype, "real floating"):
            z = xp.astype(z, xp.float64)
    else:
        z = asarray(z, dtype="float64")
    if z.ndim != 1:
        raise ShapeError(
            f"z: got shape {tuple(z.shape)}, expected a vector (n,)"
        )
    return z


def activation_curves(
    name: str, z: Any = None, rest: Sequence[float] = SOFTMAX_REST
) -> ActivationCurves:
    """Evaluate an activation and its derivative on the net inputs ``z``.

    Args:
        name: a name known to :func:`fnnlab.get_activation`.
        z: net inputs ``(n,)`` on any backend (default: 401 points in
            ``[-5, 5]``); computed where they live.
        rest: for softmax only, the logits held fixed beside ``z``: the
            curves are those of ``s = softmax([z, *rest])`` as ``z`` moves.

    Returns:
        an :class:`ActivationCurves` of host arrays.

    Chapter: *Feedforward networks*, "Activation functions".
    """
    act = get_activation(name, "name")
    z = _grid(z)
    if act.elementwise:
        return ActivationCurves(
            act.name, to_numpy(z), to_numpy(act.f(z)), to_numpy(act.df(z))
        )

    xp = get_namespace(z)
    rows = [z] + [xp.full_like(z, float(r)) for r in rest]
    Z = xp.stack(rows, axis=0)                       # (C, n), one column each
    S = softmax(Z, axis=0)
    e1 = xp.concat(                                  # upstream gradient e_1
        [xp.ones_like(Z[:1, :]), xp.zeros_like(Z[1:, :])], axis=0
    )
    column = softmax_vjp(S, e1, axis=0)              # J^T e_1 = ds_1/dz
    S, column = to_numpy(S), to_numpy(column)
    return ActivationCurves(
        act.name, to_numpy(z), S[0], column[0], tuple(S[1:])
    )


def plot_activations(
    names: Sequence[str] | None = None, z: Any = None, axes: Any = None
) -> Any:
    """Draw activation functions beside their derivatives, one panel each.

    In each panel the first line is ``f`` (labelled with the name), the
    second ``f'`` (dashed, labelled with a prime). The softmax panel shows
    ``s_1`` of ``softmax([z, *SOFTMAX_REST])`` and ``ds_1/dz_1``, then the
    other outputs as dotted lines: together they sum to 1.

    Args:
        names: activation names (default: :data:`DEFAULT_ACTIVATIONS`).
        z: the net inputs ``(n,)`` (default: 401 points in ``[-5, 5]``).
        axes: one Axes per name to draw on (default: a new figure).

    Returns:
        the matplotlib ``Figure`` holding the panels.

    Chapter: *Feedforward networks*, "Activation functions".
    """
    if names is None:
        names = DEFAULT_ACTIVATIONS
    names = [names] if isinstance(names, str) else list(names)
    if not names:
        raise FnnlabError("names: got an empty list, expected activations")
    curves = [activation_curves(name, z) for name in names]
    panels = _subplots(len(names), axes, "axes")
    for ax, c in zip(panels, curves):
        if c.others:
            ax.plot(c.z, c.f, lw=2, label=r"$s_1$")
            ax.plot(c.z, c.df, "--", lw=2,
                    label=r"$\partial s_1/\partial z_1$")
            for k, s in enumerate(c.others, start=2):
                ax.plot(c.z, s, ":", lw=1.5, label=f"$s_{k}$")
            rest = ", ".join(map(str, SOFTMAX_REST))
            ax.set_title(f"softmax of (z, {rest})")
        else:
            ax.plot(c.z, c.f, lw=2, label=c.name)
            ax.plot(c.z, c.df, "--", lw=2, label=c.name + "'")
            ax.set_title(c.name)
        ax.set_xlabel("z")
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize="small")
    return panels[0].figure


# --- the network diagram ----------------------------------------------------

def network_layout(
    widths: Sequence[int], max_nodes: int = 10
) -> list[np.ndarray]:
    """Where :func:`plot_network` puts each drawn neuron.

    Layer ``l`` sits at ``x = LAYER_GAP * l``; its neurons are spaced 1
    apart in ``y``, centred on 0, first neuron on top. A layer wider than
    ``max_nodes`` shows its first and last neurons around a gap (drawn as
    a vertical ellipsis), ``max_nodes - 1`` neurons in all.

    Returns:
        one ``(k_l, 2)`` array of ``(x, y)`` centres per layer.
    """
    widths = _check_widths(widths)
    max_nodes = check_positive_int("max_nodes", max_nodes)
    if max_nodes < 3:
        raise FnnlabError(f"max_nodes: got {max_nodes}, expected at least 3")
    layout = []
    for l, m in enumerate(widths):
        slots = np.arange(min(m, max_nodes), dtype=float)
        if m > max_nodes:
            middle = max_nodes // 2
            slots = np.delete(slots, middle)
        y = (min(m, max_nodes) - 1) / 2.0 - slots
        layout.append(np.column_stack([np.full(y.shape, LAYER_GAP * l), y]))
    return layout


def _check_widths(widths: Any) -> tuple:
    """``widths`` as a tuple of at least two positive ints, or raise."""
    try:
        widths = list(widths)
    except TypeError:
        widths = [widths]
    if len(widths) < 2:
        raise FnnlabError(
            f"widths: got {widths!r}, expected at least two layer widths "
            "[M_0, ..., M_L]"
        )
    return tuple(
        int(check_positive_int(f"widths[{i}]", m))
        for i, m in enumerate(widths)
    )


def _layer_name(l: int, L: int) -> str:
    if l == 0:
        return "input"
    return "output" if l == L else f"hidden {l}"


def plot_network(
    widths: Sequence[int],
    ax: Any = None,
    max_nodes: int = 10,
    show_shapes: bool = True,
) -> Any:
    """Draw a feedforward network: a column of circles per layer, an edge
    for every weight ``w_ij^(l)`` between neighbouring layers.

    Args:
        widths: ``[M_0, ..., M_L]``.
        ax: the Axes to draw on (default: a new figure).
        max_nodes: the most circles one layer shows (see
            :func:`network_layout`).
        show_shapes: write the shape of each ``W^(l)`` above its edges.

    Returns:
        the Axes. Its ``patches`` are the circles (one per drawn neuron);
        its one ``LineCollection`` holds the edges, every drawn neuron of
        layer ``l - 1`` joined to every drawn neuron of layer ``l``.

    Chapter: *Feedforward networks*, "Layers".
    """
    plt = _pyplot()
    from matplotlib.collections import LineCollection
    from matplotlib.patches import Circle

    widths = _check_widths(widths)
    layout = network_layout(widths, max_nodes)
    L = len(widths) - 1
    if ax is None:
        tallest = min(max(widths), max_nodes)
        _, ax = plt.subplots(
            figsize=(1.2 + 1.1 * LAYER_GAP * L, 1.2 + 0.45 * (tallest + 2)),
            layout="constrained",
        )

    segments = [
        [tuple(p), tuple(q)]
        for l in range(1, L + 1)
        for q in layout[l]
        for p in layout[l - 1]
    ]
    ax.add_collection(
        LineCollection(segments, colors="0.55", linewidths=0.8, zorder=1)
    )
    colours = ["tab:green"] + ["tab:blue"] * (L - 1) + ["tab:red"]
    bottom = min(c[:, 1].min() for c in layout)
    for l, centres in enumerate(layout):
        for x, y in centres:
            ax.add_patch(Circle((x, y), 0.25, facecolor=colours[l],
                                edgecolor="black", zorder=2))
        x = LAYER_GAP * l
        if widths[l] > max_nodes:
            ax.text(x, (max_nodes - 1) / 2.0 - max_nodes // 2, r"$\vdots$",
                    ha="center", va="center", fontsize=14)
        ax.text(x, bottom - 0.6, f"{_layer_name(l, L)}\n$M_{{{l}}} = "
                f"{widths[l]}$", ha="center", va="top", fontsize=9)
        if show_shapes and l >= 1:
            top = max(layout[l][:, 1].max(), layout[l - 1][:, 1].max())
            ax.text(x - LAYER_GAP / 2, top + 0.55,
                    f"$W^{{({l})}}$\n{widths[l]}$\\times${widths[l - 1]}",
                    ha="center", va="bottom", fontsize=9)

    half = max(len(c) for c in layout) / 2.0
    ax.set_xlim(-0.9, LAYER_GAP * L + 0.9)
    ax.set_ylim(-half - 1.4, half + 1.3)
    ax.set_aspect("equal")
    ax.axis("off")
    return ax


# --- training curves --------------------------------------------------------

def _host_floats(values: Any) -> np.ndarray:
    """A list of numbers (Python floats or 0-d arrays of any backend) as a
    host float array ``(n,)``."""
    return np.array([float(to_numpy(v)) for v in values], dtype=float)


def plot_history(history: Any, axes: Any = None) -> Any:
    """Draw the loss and the accuracies of a :class:`fnnlab.History`,
    one point per epoch.

    Left panel: ``history.loss`` (one line). Right panel: the training
    accuracy, then the test accuracy, whichever were recorded (a
    regression network records none; the panel then says so).

    Args:
        history: a :class:`fnnlab.History` (anything with lists ``loss``,
            ``train_accuracy`` and ``test_accuracy``).
        axes: two Axes to draw on (default: a new figure).

    Returns:
        the matplotlib ``Figure``.

    Chapter: *Learning the parameters* (and every chapter that trains).
    """
    loss = _host_floats(getattr(history, "loss", []))
    if loss.size == 0:
        raise FnnlabError(
            f"history: got {history!r}, expected a History with at least "
            "one epoch"
        )
    ax_loss, ax_acc = _subplots(2, axes, "axes", width=4.0)
    epochs = np.arange(1, loss.size + 1)
    ax_loss.plot(epochs, loss, marker="o" if loss.size <= 30 else None,
                 label="loss")
    ax_loss.set_xlabel("epoch")
    ax_loss.set_ylabel("structural risk")
    ax_loss.set_title("loss")
    ax_loss.grid(True, alpha=0.3)

    drawn = 0
    for label in ("train", "test"):
        values = _host_floats(getattr(history, f"{label}_accuracy", []))
        if values.size == 0:
            continue
        ax_acc.plot(np.arange(1, values.size + 1), values,
                    marker="o" if values.size <= 30 else None, label=label)
        drawn += 1
    ax_acc.set_xlabel("epoch")
    ax_acc.set_title("accuracy")
    if drawn:
        ax_acc.set_ylim(-0.02, 1.02)
        ax_acc.legend()
        ax_acc.grid(True, alpha=0.3)
    else:
        ax_acc.text(0.5, 0.5, "no accuracy recorded", ha="center",
                    va="center", transform=ax_acc.transAxes)
    return ax_loss.figure


# --- decision regions of a classifier with two inputs ----------------------

def decision_grid(
    net: Any, X: Any, resolution: int = 200, padding: float = 0.5
) -> tuple:
    """Evaluate a classifier with two inputs on a grid covering ``X``.

    Args:
        net: an :class:`fnnlab.FNN` with ``M_0 = 2`` and a softmax or
            logistic output.
        X: the data ``(N, 2)``, one sample per row; sets the grid's extent.
        resolution: grid points along each axis.
        padding: margin around the data.

    Returns:
        ``(xx, yy, labels, confidence)``, host arrays of shape
        ``(resolution, resolution)``: the grid, the predicted class and the
        probability the network gives that class.

    Chapter: *Networks as classifiers*.
    """
    from .training import predict_proba

    if net.widths[0] != 2:
        raise ShapeError(
            f"net: got M_0 = {net.widths[0]} inputs, expected 2 (a plane)"
        )
    if net.activations[-1] not in ("softmax", "logistic"):
        raise FnnlabError(
            f"net: got output {net.activations[-1]!r}, expected a "
            "classifier ('softmax' or 'logistic')"
        )
    resolution = check_positive_int("resolution", resolution)
    host = np.asarray(to_numpy(X), dtype=float)
    if host.ndim != 2 or host.shape[1] != 2:
        raise ShapeError(
            f"X: got shape {host.shape}, expected (N, 2), one sample per row"
        )
    lo, hi = host.min(axis=0) - padding, host.max(axis=0) + padding
    xx, yy = np.meshgrid(np.linspace(lo[0], hi[0], resolution),
                         np.linspace(lo[1], hi[1], resolution))
    grid = from_numpy(np.column_stack([xx.ravel(), yy.ravel()]), net.backend)
    P = to_numpy(predict_proba(net, grid))              # (resolution^2, M_L)
    if net.activations[-1] == "logistic":
        P = np.column_stack([1.0 - P[:, 0], P[:, 0]])
    labels = P.argmax(axis=1).reshape(xx.shape)
    confidence = P.max(axis=1).reshape(xx.shape)
    return xx, yy, labels, confidence


def plot_decision_boundary(
    net: Any, X: Any, y: Any = None, ax: Any = None, resolution: int = 200
) -> Any:
    """Colour the plane by the class ``net`` predicts, and scatter ``X``.

    Args:
        net, X, resolution: as in :func:`decision_grid`.
        y: labels ``(N,)`` colouring the points (default: one colour).
        ax: the Axes to draw on (default: a new figure).

    Returns:
        The Axes, holding a filled contour of the predicted class and then
        one scatter collection with a point per row of ``X``.

    Chapter: *Networks as classifiers*.
    """
    plt = _pyplot()
    xx, yy, labels, _ = decision_grid(net, X, resolution)
    classes = 2 if net.activations[-1] == "logistic" else net.widths[-1]
    if ax is None:
        _, ax = plt.subplots(figsize=(4.5, 4.0), layout="constrained")
    levels = np.arange(classes + 1) - 0.5
    ax.contourf(xx, yy, labels, levels=levels, cmap="tab10", vmin=-0.5,
                vmax=9.5, alpha=0.3)
    host = np.asarray(to_numpy(X), dtype=float)
    colour = None if y is None else np.asarray(to_numpy(y))
    ax.scatter(host[:, 0], host[:, 1], c=colour, cmap="tab10", vmin=-0.5,
               vmax=9.5, s=12, edgecolors="black", linewidths=0.3)
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    return ax
