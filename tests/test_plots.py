"""What each figure of fnnlab.plots shows, read back from matplotlib."""

from __future__ import annotations

import subprocess
import sys

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from matplotlib.collections import LineCollection, PathCollection  # noqa: E402
from matplotlib.patches import Circle  # noqa: E402

import fnnlab  # noqa: E402
from fnnlab import plots  # noqa: E402
from fnnlab.backend import from_numpy  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _circles(ax):
    return [p for p in ax.patches if isinstance(p, Circle)]


def _edges(ax):
    (collection,) = [
        c for c in ax.collections if isinstance(c, LineCollection)
    ]
    return collection.get_segments()


def _texts(ax):
    return [t.get_text() for t in ax.texts]


# --- matplotlib missing ------------------------------------------------------

def test_missing_matplotlib_says_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(ImportError, match=r"pip install 'fnnlab\[plots\]'"):
        plots.plot_network([2, 3, 1])


def test_importing_fnnlab_plots_does_not_import_matplotlib():
    code = "import sys, fnnlab.plots; print('matplotlib' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True,
                          text=True, check=True)
    assert done.stdout.strip() == "False"


# --- the network diagram -----------------------------------------------------

def test_plot_network_draws_a_circle_per_neuron_and_an_edge_per_weight():
    ax = plots.plot_network([3, 4, 2])
    assert len(_circles(ax)) == 3 + 4 + 2
    assert len(_edges(ax)) == 3 * 4 + 4 * 2
    centres = sorted({c.center[0] for c in _circles(ax)})
    assert centres == [0.0, plots.LAYER_GAP, 2 * plots.LAYER_GAP]
    texts = _texts(ax)
    assert any("input" in t and "M_{0} = 3" in t for t in texts)
    assert any("hidden 1" in t and "M_{1} = 4" in t for t in texts)
    assert any("output" in t and "M_{2} = 2" in t for t in texts)
    assert "$W^{(1)}$\n4$\\times$3" in texts
    assert "$W^{(2)}$\n2$\\times$4" in texts


def test_plot_network_joins_every_neuron_to_every_neuron_of_the_next_layer():
    ax = plots.plot_network([2, 3])
    pairs = {(tuple(s[0]), tuple(s[1])) for s in _edges(ax)}
    left = [(0.0, 0.5), (0.0, -0.5)]
    right = [(plots.LAYER_GAP, y) for y in (1.0, 0.0, -1.0)]
    assert pairs == {(p, q) for p in left for q in right}


def test_plot_network_draws_on_the_given_axes_without_shapes():
    fig, ax = plt.subplots()
    out = plots.plot_network([1, 1], ax=ax, show_shapes=False)
    assert out is ax
    assert len(_circles(ax)) == 2
    assert not any("W^" in t for t in _texts(ax))


def test_plot_network_shortens_wide_layers_with_an_ellipsis():
    ax = plots.plot_network([64, 16, 10], max_nodes=10)
    assert len(_circles(ax)) == 9 + 9 + 10
    assert len(_edges(ax)) == 9 * 9 + 9 * 10
    assert _texts(ax).count(r"$\vdots$") == 2
    assert any("M_{0} = 64" in t for t in _texts(ax))


@given(
    widths=st.lists(st.integers(1, 15), min_size=2, max_size=5),
    max_nodes=st.integers(3, 12),
)
def test_network_layout_places_layers_in_columns_centred_on_zero(
    widths, max_nodes
):
    layout = plots.network_layout(widths, max_nodes)
    assert len(layout) == len(widths)
    for l, (m, centres) in enumerate(zip(widths, layout)):
        shown = m if m <= max_nodes else max_nodes - 1
        assert centres.shape == (shown, 2)
        np.testing.assert_array_equal(centres[:, 0], plots.LAYER_GAP * l)
        ys = centres[:, 1]
        assert np.all(np.diff(ys) < 0)                 # first neuron on top
        assert ys[0] == pytest.approx(-ys[-1])         # centred on 0


@pytest.mark.parametrize(
    "widths", [[3], [], 5, [3, 0, 2], [2, 1.5], None]
)
def test_plot_network_rejects_bad_widths(widths):
    with pytest.raises(fnnlab.FnnlabError, match="widths"):
        plots.network_layout(widths)


def test_network_layout_rejects_a_tiny_max_nodes():
    with pytest.raises(fnnlab.FnnlabError, match="max_nodes"):
        plots.network_layout([2, 2], max_nodes=2)


# --- activation functions ----------------------------------------------------

ELEMENTWISE = ["identity", "logistic", "tanh", "relu", "leaky_relu"]


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_activation_curves_are_the_activation_and_its_derivative(name):
    z = np.linspace(-4.0, 4.0, 81)
    curves = plots.activation_curves(name, z)
    act = fnnlab.get_activation(name)
    np.testing.assert_allclose(curves.f, act.f(z), rtol=0, atol=0)
    np.testing.assert_allclose(curves.df, act.df(z), rtol=0, atol=0)
    assert curves.others == ()


@pytest.mark.parametrize("name", ["logistic", "tanh", "softmax"])
def test_derivative_curve_matches_a_central_difference_of_the_curve(name):
    z = np.linspace(-3.0, 3.0, 61)
    h = 1e-5
    up = plots.activation_curves(name, z + h).f
    down = plots.activation_curves(name, z - h).f
    curves = plots.activation_curves(name, z)
    np.testing.assert_allclose(curves.df, (up - down) / (2 * h), atol=1e-9)


def test_softmax_curves_sum_to_one_and_their_slope_is_s_times_one_minus_s():
    curves = plots.activation_curves("softmax", [-2.0, 0.0, 1.0, 30.0])
    total = curves.f + sum(curves.others)
    np.testing.assert_allclose(total, 1.0, rtol=0, atol=1e-15)
    np.testing.assert_allclose(curves.df, curves.f * (1 - curves.f))
    assert len(curves.others) == len(plots.SOFTMAX_REST)
    # at z = 1 the first and the third logit tie
    assert curves.f[2] == pytest.approx(curves.others[1][2])


def test_activation_curves_compute_on_the_backend_of_z(backend):
    host = np.linspace(-3.0, 3.0, 13)
    z = from_numpy(host)
    for name in ["logistic", "relu", "softmax"]:
        on_device = plots.activation_curves(name, z)
        on_host = plots.activation_curves(name, host)
        assert isinstance(on_device.f, np.ndarray)
        np.testing.assert_allclose(on_device.f, on_host.f, atol=1e-15)
        np.testing.assert_allclose(on_device.df, on_host.df, atol=1e-15)


def test_activation_curves_check_their_arguments():
    with pytest.raises(fnnlab.FnnlabError, match="name"):
        plots.activation_curves("swish")
    with pytest.raises(fnnlab.ShapeError, match="z"):
        plots.activation_curves("tanh", np.zeros((2, 2)))


def test_activation_curves_accept_integer_inputs():
    curves = plots.activation_curves("logistic", np.array([0, 1]))
    np.testing.assert_allclose(curves.f, fnnlab.logistic(np.array([0.0, 1.0])))


def test_plot_activations_shows_f_and_its_derivative_in_each_panel():
    z = np.linspace(-5.0, 5.0, 201)
    fig = plots.plot_activations(["logistic", "tanh", "relu"], z=z)
    assert len(fig.axes) == 3
    for ax, name in zip(fig.axes, ["logistic", "tanh", "relu"]):
        act = fnnlab.get_activation(name)
        f_line, df_line = ax.lines
        assert ax.get_title() == name
        assert f_line.get_label() == name
        assert df_line.get_label() == name + "'"
        np.testing.assert_array_equal(f_line.get_xdata(), z)
        np.testing.assert_allclose(f_line.get_ydata(), act.f(z))
        np.testing.assert_allclose(df_line.get_ydata(), act.df(z))


def test_plot_activations_derivative_maxima_read_off_the_figure():
    fig = plots.plot_activations(["logistic", "tanh"])
    logistic_peak = fig.axes[0].lines[1].get_ydata().max()
    tanh_peak = fig.axes[1].lines[1].get_ydata().max()
    assert logistic_peak == pytest.approx(0.25)
    assert tanh_peak == pytest.approx(1.0)


def test_plot_activations_default_panels_include_softmax_with_its_outputs():
    fig = plots.plot_activations()
    assert len(fig.axes) == len(plots.DEFAULT_ACTIVATIONS)
    soft = fig.axes[plots.DEFAULT_ACTIVATIONS.index("softmax")]
    assert len(soft.lines) == 2 + len(plots.SOFTMAX_REST)
    ys = np.array([line.get_ydata() for line in soft.lines])
    np.testing.assert_allclose(ys[0] + ys[2:].sum(axis=0), 1.0, atol=1e-15)


def test_plot_activations_uses_the_given_axes():
    fig, axes = plt.subplots(1, 2)
    out = plots.plot_activations(["relu", "tanh"], axes=axes)
    assert out is fig
    assert [ax.get_title() for ax in axes] == ["relu", "tanh"]
    _, one = plt.subplots()
    plots.plot_activations("logistic", axes=one)
    assert len(one.lines) == 2
    with pytest.raises(fnnlab.FnnlabError, match="axes"):
        plots.plot_activations(["relu", "tanh"], axes=one)


# --- training history --------------------------------------------------------

def _two_blobs(n):
    """``n`` points ``(n, 2)`` on the default backend, labelled by the
    sign of their second coordinate (no scikit-learn import: fast)."""
    host = np.random.default_rng(3).standard_normal((n, 2))
    return from_numpy(host), from_numpy((host[:, 1] > 0).astype(np.int64))


def _history(loss, train=(), test=()):
    h = fnnlab.History()
    h.loss.extend(loss)
    h.train_accuracy.extend(train)
    h.test_accuracy.extend(test)
    return h


def test_plot_history_draws_loss_and_both_accuracies_per_epoch():
    h = _history([0.9, 0.5, 0.3], [0.4, 0.7, 0.8], [0.5, 0.6, 0.75])
    fig = plots.plot_history(h)
    ax_loss, ax_acc = fig.axes
    (loss_line,) = ax_loss.lines
    np.testing.assert_array_equal(loss_line.get_xdata(), [1, 2, 3])
    np.testing.assert_array_equal(loss_line.get_ydata(), h.loss)
    train_line, test_line = ax_acc.lines
    assert (train_line.get_label(), test_line.get_label()) == ("train", "test")
    np.testing.assert_array_equal(train_line.get_ydata(), h.train_accuracy)
    np.testing.assert_array_equal(test_line.get_ydata(), h.test_accuracy)


def test_plot_history_of_a_regression_says_no_accuracy_was_recorded():
    fig = plots.plot_history(_history([2.0, 1.0]))
    assert len(fig.axes[1].lines) == 0
    assert "no accuracy recorded" in _texts(fig.axes[1])


def test_plot_history_of_a_real_training_run(backend):
    X, y = _two_blobs(40)
    net = fnnlab.FNN([2, 5, 2], seed=0)
    h = fnnlab.train(net, X, y, epochs=4, lr=0.5, progress=False,
                     X_test=X, y_test=y)
    fig = plots.plot_history(h)
    np.testing.assert_allclose(fig.axes[0].lines[0].get_ydata(), h.loss)
    assert len(fig.axes[1].lines) == 2


def test_plot_history_checks_its_arguments():
    with pytest.raises(fnnlab.FnnlabError, match="history"):
        plots.plot_history(fnnlab.History())
    with pytest.raises(fnnlab.FnnlabError, match="axes"):
        _, ax = plt.subplots()
        plots.plot_history(_history([1.0]), axes=[ax])


# --- decision regions --------------------------------------------------------

def _sign_classifier(output):
    """Class 1 exactly where x_2 > 0."""
    if output == "softmax":
        net = fnnlab.FNN([2, 2], output="softmax")
        W = np.array([[0.0, -5.0], [0.0, 5.0]])
        b = np.zeros(2)
    else:
        net = fnnlab.FNN([2, 1], output="logistic")
        W = np.array([[0.0, 5.0]])
        b = np.zeros(1)
    net.set_params({"W1": from_numpy(W, net.backend),
                    "b1": from_numpy(b, net.backend)})
    return net


@pytest.mark.parametrize("output", ["softmax", "logistic"])
def test_decision_grid_gives_the_class_the_network_predicts(backend, output):
    net = _sign_classifier(output)
    X = from_numpy(np.array([[-1.0, -1.0], [1.0, 2.0]]))
    xx, yy, labels, confidence = plots.decision_grid(net, X, resolution=21,
                                                     padding=0.25)
    assert xx.shape == yy.shape == labels.shape == (21, 21)
    assert xx.min() == pytest.approx(-1.25) and yy.max() == pytest.approx(2.25)
    off_axis = np.abs(yy) > 1e-9
    np.testing.assert_array_equal(labels[off_axis], (yy > 0)[off_axis])
    assert np.all((confidence >= 0.5) & (confidence <= 1.0))


def test_plot_decision_boundary_fills_regions_and_scatters_every_sample():
    net = _sign_classifier("softmax")
    X, y = _two_blobs(30)
    ax = plots.plot_decision_boundary(net, X, y, resolution=30)
    points = [c for c in ax.collections if isinstance(c, PathCollection)]
    assert len(points[-1].get_offsets()) == 30
    np.testing.assert_allclose(points[-1].get_offsets(), fnnlab.to_numpy(X))
    assert len(ax.collections) >= 2          # the filled regions, the points


def test_decision_grid_checks_its_arguments():
    with pytest.raises(fnnlab.ShapeError, match="net"):
        plots.decision_grid(fnnlab.FNN([3, 2]), np.zeros((4, 3)))
    with pytest.raises(fnnlab.FnnlabError, match="output"):
        plots.decision_grid(fnnlab.FNN([2, 1], output="identity"),
                            np.zeros((4, 2)))
    with pytest.raises(fnnlab.ShapeError, match="X"):
        plots.decision_grid(fnnlab.FNN([2, 2]), np.zeros((4, 3)))
