"""Drawing computational graphs: what the figure shows, checked through its
text artists."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import fnnlab  # noqa: E402
from fnnlab.autodiff import reverse as rv  # noqa: E402
from fnnlab.autodiff.draw import (  # noqa: E402
    draw_graph, edge_label, layout, node_label)
from fnnlab.errors import FnnlabError  # noqa: E402


@pytest.fixture(autouse=True)
def _host_by_default():
    """Tests that build their own NumPy arrays run with NumPy as the default
    backend even under ``FNNLAB_BACKEND``; the ``backend`` fixture, set up
    after this one, still switches to each backend in turn."""
    with fnnlab.use_backend("numpy"):
        yield


def _example():
    """The chapter's ``f(x; w, b)`` at ``x = 1, w = 0, b = 0``."""
    x = rv.constant(1.0, name="x")
    w, b = rv.tensor(0.0, name="w"), rv.tensor(0.0, name="b")
    return 1.0 / (rv.exp(-(w * x + b)) + 1.0), w, b


def _texts(ax):
    return [t.get_text() for t in ax.texts if t.get_text()]


def test_the_worked_example_shows_every_operation_and_value():
    f, w, b = _example()
    fig, ax = draw_graph(f)
    texts = _texts(ax)
    ops = ["mul", "add", "neg", "exp", "add", "div"]
    labels = [t for t in texts if t in {"mul", "add", "neg", "exp", "div"}]
    assert sorted(labels) == sorted(ops)
    for leaf in ("x", "w", "b"):
        assert texts.count(leaf) == 1
    # values on the edges: x = 1, w = b = h1 = h2 = h3 = 0, h4 = 1,
    # h5 = 2, the constants 1 and 1, and the output h6 = 0.5
    values = sorted(t for t in texts if t[0].isdigit() or t[0] == "-")
    assert values == sorted(["1", "0", "0", "0", "0", "0", "1", "1", "1",
                             "2", "0.5", "1", "1"])
    f.backward()
    assert float(w.grad) == 0.25 and float(b.grad) == 0.25
    plt.close(fig)


def test_layout_runs_left_to_right_by_depth():
    f, w, b = _example()
    where = layout(f)
    order = rv.topological_order(f, everything=True)
    for node in order:
        for p in node.parents:
            assert where[id(p)][0] < where[id(node)][0]
    assert where[id(f)][0] == max(c for c, _ in where.values())
    for node in order:              # a leaf sits just before its first use
        if not node.parents:
            first = min(where[id(n)][0] for n in order if node in n.parents)
            assert where[id(node)][0] == first - 1
    assert len(where) == len(order) == 11


def test_arrays_show_their_shapes_and_labels_match_the_ops():
    W = rv.tensor(np.ones((2, 3)), name="W")
    a = rv.constant(np.ones((3, 4)), name="a")
    out = rv.sum(rv.relu(W @ a) ** 2)
    fig, ax = draw_graph(out, title="a layer")
    texts = _texts(ax)
    for node in rv.topological_order(out, everything=True):
        assert node_label(node) in texts
    assert "pow 2" in texts and "shape (2, 3)" in texts
    assert "shape (2, 4)" in texts and "72" in texts       # 8 * 3^2
    assert ax.get_title() == "a layer"
    plt.close(fig)


def test_edge_labels():
    assert edge_label(-0.0) == "0"
    assert edge_label(np.array([[0.123456]])) == "0.1235"
    assert edge_label(np.zeros((2, 5))) == "shape (2, 5)"
    assert node_label(rv.constant(3.0)) == "3"


def test_drawing_on_given_axes():
    fig, ax = plt.subplots()
    f, _, _ = _example()
    assert draw_graph(f, ax=ax) == (fig, ax)
    with pytest.raises(FnnlabError, match="output"):
        draw_graph(3.0)
    plt.close(fig)
