"""Drawing a computational graph with matplotlib alone.

Leaves (inputs, parameters, constants) are boxes, operations are circles,
and every edge carries the value that flows along it in the forward pass,
as in the chapter's figure of ``f(x; w, b) = 1 / (exp(-(w x + b)) + 1)`` at
``x = 1, w = 0, b = 0``. Nodes are placed left to right by their depth in
the graph (the longest path from a leaf); a leaf sits just left of its
first use.

Chapter: *Computing gradients automatically*, section "Computational
graphs".
"""

from __future__ import annotations

from typing import Any

from .._optional import pyplot
from ..backend import to_numpy
from ..errors import FnnlabError
from .reverse import Tensor, topological_order

__all__ = ["draw_graph", "node_label", "edge_label", "layout"]

_RADIUS = 0.28


def node_label(node: Tensor) -> str:
    """The text in a node: a leaf's name (or its value), else the op
    (``"pow 3"`` for a constant exponent)."""
    if not node.parents:
        return node.name if node.name else edge_label(node.value)
    if node.op == "pow_const":
        return f"pow {node.attrs['exponent']:g}"
    return node.op


def edge_label(value: Any, digits: int = 4) -> str:
    """A forward value as edge text: the number for one element (``-0``
    shown as ``0``), else the shape."""
    host = to_numpy(value)
    if host.size == 1:
        number = float(host.reshape(-1)[0]) + 0.0
        return f"{number:.{digits}g}"
    return "shape " + str(tuple(host.shape))


def layout(output: Tensor) -> dict:
    """Where each node goes: ``{id(node): (column, row)}``.

    The column of an operation is one more than the largest column of its
    parents; a leaf takes the column just before its first consumer.
    """
    order = topological_order(output, everything=True)
    column: dict = {}
    for node in order:
        if node.parents:
            column[id(node)] = 1 + max(column[id(p)] for p in node.parents)
        else:
            column[id(node)] = 0
    first_use: dict = {}                     # move leaves next to their use
    for node in order:
        for p in node.parents:
            if not p.parents:
                first_use[id(p)] = min(first_use.get(id(p), column[id(node)]),
                                       column[id(node)])
    for key, c in first_use.items():
        column[key] = c - 1
    by_column: dict = {}
    for node in order:
        by_column.setdefault(column[id(node)], []).append(node)
    centred: dict = {}
    for c in sorted(by_column):
        nodes = by_column[c]
        # operations follow the height of their inputs; leaves go below
        nodes.sort(key=lambda n: (1, sum(centred[id(p)][1] for p in
                                         n.parents) / len(n.parents))
                   if n.parents else (0, 0.0), reverse=True)
        for r, node in enumerate(nodes):
            centred[id(node)] = (float(c), (len(nodes) - 1) / 2.0 - r)
    return centred


def draw_graph(output: Tensor, ax: Any = None, digits: int = 4,
               title: str | None = None) -> tuple:
    """Draw the graph that computed ``output``.

    Args:
        output: the last node (a :class:`~fnnlab.autodiff.reverse.Tensor`).
        ax: matplotlib axes to draw on (default: a new figure).
        digits: significant digits of the values written on the edges.
        title: an optional title.

    Returns:
        ``(fig, ax)``; each node label and each edge value is a text
        artist of ``ax`` (``[t.get_text() for t in ax.texts]``).
    """
    plt = pyplot("fnnlab.autodiff.draw.draw_graph")
    from matplotlib.patches import Circle, FancyBboxPatch

    if not isinstance(output, Tensor):
        raise FnnlabError(
            f"output: got {type(output).__name__}, expected a Tensor of the "
            "reverse-mode engine (the last node of a graph)"
        )

    order = topological_order(output, everything=True)
    where = layout(output)
    width = 1 + max(c for c, _ in where.values())
    height = max(abs(r) for _, r in where.values()) * 2 + 1
    if ax is None:
        fig, ax = plt.subplots(figsize=(1.6 * width + 1.6,
                                        1.1 * height + 0.6))
    else:
        fig = ax.figure
    for node in order:
        x1, y1 = where[id(node)]
        for p in node.parents:
            x0, y0 = where[id(p)]
            ax.annotate("", xy=(x1, y1), xytext=(x0, y0), arrowprops=dict(
                arrowstyle="-|>", color="0.35", shrinkA=18, shrinkB=18))
            ax.text((x0 + x1) / 2, (y0 + y1) / 2 + 0.08,
                    edge_label(p.value, digits), color="tab:red",
                    ha="center", va="bottom", fontsize=9, zorder=4)
    for node in order:
        x, y = where[id(node)]
        if node.parents:
            ax.add_patch(Circle((x, y), _RADIUS, facecolor="#dbe9f6",
                                edgecolor="0.2", zorder=2))
        else:
            ax.add_patch(FancyBboxPatch(
                (x - _RADIUS, y - 0.2), 2 * _RADIUS, 0.4,
                boxstyle="round,pad=0.02", facecolor="#f3f3f3",
                edgecolor="0.2", zorder=2))
        ax.text(x, y, node_label(node), ha="center", va="center",
                fontsize=9, zorder=3)
    x, y = where[id(output)]                 # the result leaves the graph
    ax.annotate("", xy=(x + 0.85, y), xytext=(x, y), arrowprops=dict(
        arrowstyle="-|>", color="0.35", shrinkA=18, shrinkB=0))
    ax.text(x + 0.55, y + 0.08, edge_label(output.value, digits),
            color="tab:red", ha="center", va="bottom", fontsize=9, zorder=4)
    ax.set_xlim(-0.6, width + 0.5)
    ax.set_ylim(-height / 2 - 0.1, height / 2 + 0.1)
    ax.set_aspect("equal")
    ax.axis("off")
    if title:
        ax.set_title(title)
    return fig, ax
