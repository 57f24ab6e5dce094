"""Tests of fnnlab.classifiers: what the chapter *Networks as classifiers*
computes and shows."""

from __future__ import annotations

import sys

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import fnnlab
from fnnlab import FnnlabError, ShapeError, to_numpy
from fnnlab.backend import from_numpy
from fnnlab.classifiers import (
    PLAYGROUND_DATASETS,
    classify_features,
    confusion,
    hidden_features,
    misclassified,
    output_line,
    parse_widths,
    playground_data,
    plot_digits,
    plot_features,
    run_playground,
    xor_network,
)

XOR_HIDDEN = [[0.0, 0.0], [1.0, 0.0], [1.0, 0.0], [2.0, 1.0]]


# --- XOR with weights set by hand --------------------------------------------

def test_xor_network_is_exact(backend):
    X, y = fnnlab.xor()
    net = xor_network(sharpness=20.0)
    assert net.backend.name == backend.name
    assert to_numpy(fnnlab.predict(net, X)).tolist() == [0, 1, 1, 0]
    assert to_numpy(hidden_features(net, X, 1)).tolist() == XOR_HIDDEN
    fp = net.forward(X.T, keep=True)
    assert to_numpy(fp.Z[1]).tolist() == [[-10.0, 10.0, 10.0, -10.0]]
    params = {k: to_numpy(v).tolist() for k, v in net.params().items()}
    assert params == {
        "W1": [[1.0, 1.0], [1.0, 1.0]], "b1": [0.0, -1.0],
        "W2": [[20.0, -40.0]], "b2": [-10.0],
    }


@pytest.mark.parametrize("k", [2.0, 20.0, 60.0])
def test_xor_sharpness_sets_the_margin(k):
    X, _ = fnnlab.xor()
    p = to_numpy(fnnlab.predict_proba(xor_network(k), X))[:, 0]
    high, low = 1 / (1 + np.exp(-k / 2)), 1 / (1 + np.exp(k / 2))
    np.testing.assert_allclose(p, [low, high, high, low], rtol=1e-12)


@pytest.mark.parametrize("k", [0, -1.0, float("nan"), "big"])
def test_xor_sharpness_is_checked(k):
    with pytest.raises(FnnlabError, match="sharpness"):
        xor_network(k)


def test_xor_decision_regions_are_the_band():
    """What the chapter's XOR figure shades: class 1 exactly where
    1/2 < x1 + x2 < 3/2 (the band between two parallel lines)."""
    from fnnlab.plots import decision_grid

    X, _ = fnnlab.xor()
    xx, yy, labels, _ = decision_grid(xor_network(), X, resolution=37)
    s = xx + yy
    away = (np.abs(s - 0.5) > 1e-9) & (np.abs(s - 1.5) > 1e-9)
    band = (s > 0.5) & (s < 1.5)
    assert away.sum() > 1000
    np.testing.assert_array_equal(labels[away], band[away].astype(int))


# --- hidden features and the output layer ------------------------------------

def _net_and_data(seed, output, C=2, widths=(5, 3)):
    rng = np.random.default_rng(seed)
    X = from_numpy(rng.normal(size=(40, 2)))
    M_L = 1 if output == "logistic" else C
    net = fnnlab.FNN([2, *widths, M_L], activation="tanh", output=output,
                     seed=seed)
    return net, X


def test_hidden_features_are_the_forward_activations(backend):
    net, X = _net_and_data(1, "softmax", C=3)
    fp = net.forward(X.T, keep=True)
    for l in range(net.L + 1):
        H = hidden_features(net, X, l)
        assert tuple(H.shape) == (40, net.widths[l])
        np.testing.assert_array_equal(to_numpy(H), to_numpy(fp.A[l]).T)
    np.testing.assert_array_equal(
        to_numpy(hidden_features(net, X)), to_numpy(fp.A[net.L - 1]).T
    )


@pytest.mark.parametrize("layer", [-1, 4, 1.0, True, "1"])
def test_hidden_features_rejects_bad_layers(layer):
    net, X = _net_and_data(0, "logistic")
    with pytest.raises(FnnlabError, match="layer"):
        hidden_features(net, X, layer)


def test_hidden_features_needs_a_hidden_layer_by_default():
    net = fnnlab.FNN([2, 1], output="logistic")
    X = from_numpy(np.zeros((3, 2)))
    with pytest.raises(FnnlabError, match="no hidden layer"):
        hidden_features(net, X)
    assert tuple(hidden_features(net, X, 1).shape) == (3, 1)


def test_hidden_features_rejects_columns():
    net, X = _net_and_data(0, "logistic")
    with pytest.raises(ShapeError, match="X"):
        hidden_features(net, fnnlab.asarray(np.zeros((2, 5))))


@given(seed=st.integers(0, 10_000),
       kind=st.sampled_from(["logistic", "softmax2", "softmax4"]))
def test_output_layer_alone_gives_the_networks_labels(seed, kind):
    output = "logistic" if kind == "logistic" else "softmax"
    C = 4 if kind == "softmax4" else 2
    net, X = _net_and_data(seed, output, C)
    H = hidden_features(net, X)
    np.testing.assert_array_equal(
        to_numpy(classify_features(net, H)), to_numpy(fnnlab.predict(net, X))
    )


def test_classify_features_on_the_strict_backend(backend):
    net, X = _net_and_data(3, "softmax", C=3)
    labels = classify_features(net, hidden_features(net, X))
    expected = to_numpy(fnnlab.predict(net, X))
    assert to_numpy(labels).tolist() == expected.tolist()


def test_classify_features_checks_its_input():
    net, X = _net_and_data(0, "logistic")
    with pytest.raises(ShapeError, match="H"):
        classify_features(net, np.zeros((4, 5)))
    with pytest.raises(FnnlabError, match="no hidden layer"):
        classify_features(fnnlab.FNN([2, 1], output="logistic"), X)


@pytest.mark.parametrize("kind", ["logistic", "softmax2"])
def test_output_line_separates_the_predictions(kind):
    output = "logistic" if kind == "logistic" else "softmax"
    net, X = _net_and_data(7, output, 2, widths=(6, 2))
    w, c = output_line(net)
    H = to_numpy(hidden_features(net, X))
    side = H @ w + c
    pred = to_numpy(fnnlab.predict(net, X))
    assert w.shape == (2,)
    clear = np.abs(side) > 1e-9
    np.testing.assert_array_equal(pred[clear], (side[clear] > 0).astype(int))


def test_output_line_needs_two_classes():
    net, _ = _net_and_data(0, "softmax", C=3)
    with pytest.raises(FnnlabError, match="two-class"):
        output_line(net)


def test_moons_bottleneck_makes_the_classes_linearly_separable():
    """The chapter's claim, measured: after training, the two hidden
    features a^(L-1) are separated by a straight line."""
    from sklearn.linear_model import LogisticRegression

    X, y = fnnlab.moons(200, noise=0.1, seed=0)
    net = fnnlab.FNN([2, 16, 2, 1], activation="tanh", output="logistic",
                     seed=0)
    fnnlab.train(net, X, y, epochs=80, lr=0.2, batch_size=20,
                 progress=False)
    features = hidden_features(net, X)
    H, yh = to_numpy(features), to_numpy(y)
    net_accuracy = fnnlab.accuracy(net, X, y)
    line_labels = to_numpy(classify_features(net, features))
    line_accuracy = float(np.mean(line_labels == yh))
    assert net_accuracy == line_accuracy >= 0.99
    in_features = LogisticRegression().fit(H, yh)
    in_inputs = LogisticRegression().fit(to_numpy(X), yh)
    assert in_features.score(H, yh) >= 0.99
    assert in_inputs.score(to_numpy(X), yh) < 0.9


# --- errors ------------------------------------------------------------------

def test_misclassified_finds_the_wrong_rows(backend):
    X, _ = fnnlab.xor()
    net = xor_network()
    wrong = fnnlab.asarray([1, 1, 1, 1])
    assert to_numpy(misclassified(net, X, wrong)).tolist() == [0, 3]
    right = fnnlab.asarray([0, 1, 1, 0])
    assert to_numpy(misclassified(net, X, right)).shape == (0,)


def test_confusion_counts_true_rows_predicted_columns():
    X, _ = fnnlab.xor()
    net = xor_network()
    assert confusion(net, X, [0, 1, 1, 0]).tolist() == [[2, 0], [0, 2]]
    assert confusion(net, X, [1, 1, 1, 1]).tolist() == [[0, 0], [2, 2]]


def test_confusion_of_a_softmax_net_has_every_class():
    net, X = _net_and_data(2, "softmax", C=4)
    y = np.arange(40) % 4
    M = confusion(net, X, from_numpy(y))
    assert M.shape == (4, 4)
    assert M.sum(axis=1).tolist() == [10, 10, 10, 10]
    pred = to_numpy(fnnlab.predict(net, X))
    assert np.trace(M) == int(np.sum(pred == y))


@pytest.mark.parametrize("fn", [misclassified, confusion])
def test_label_count_is_checked(fn):
    X, _ = fnnlab.xor()
    with pytest.raises(ShapeError, match="y"):
        fn(xor_network(), X, [0, 1, 1])
    with pytest.raises(FnnlabError, match="y"):
        fn(xor_network(), X, [0, 1, 2, 0])


# --- the playground's plain functions ----------------------------------------

@pytest.mark.parametrize("text, widths", [
    ("8, 8", (8, 8)), ("16 4", (16, 4)), (" 3 ,", (3,)), ("", ()),
    ((5, 2), (5, 2)), ([], ()),
])
def test_parse_widths(text, widths):
    assert parse_widths(text) == widths


@pytest.mark.parametrize("text, name", [
    ("8, x", "widths"), ("2.5", "widths"), ("0", r"widths\[0\]"),
    ("4, -1", r"widths\[1\]"), ((3, 0), r"widths\[1\]"),
])
def test_parse_widths_rejects(text, name):
    with pytest.raises(FnnlabError, match=name):
        parse_widths(text)


def test_playground_data_sets():
    shapes = {"xor": (4, 2, 2), "moons": (200, 2, 2), "spirals": (300, 2, 3)}
    assert set(PLAYGROUND_DATASETS) == set(shapes)
    for name, (N, D, C) in shapes.items():
        X, y = playground_data(name)
        assert tuple(X.shape) == (N, D)
        assert sorted(set(to_numpy(y).tolist())) == list(range(C))
    with pytest.raises(FnnlabError, match="dataset"):
        playground_data("circles")


def test_run_playground_builds_the_right_network():
    seen = []
    net, history, (X, y) = run_playground(
        "spirals", widths="6", activation="tanh", lr=0.2, lam=1e-3,
        epochs=4, seed=1, callback=lambda epoch, h: seen.append(epoch))
    assert net.widths == (2, 6, 3)
    assert net.activations == ("tanh", "softmax")
    assert history.epochs == 4 and seen == [0, 1, 2, 3]
    assert tuple(X.shape) == (300, 2)
    net, history, _ = run_playground("moons", widths=(), epochs=2)
    assert net.widths == (2, 1) and net.activations == ("logistic",)


def test_run_playground_is_seeded_and_learns_moons():
    first = run_playground("moons", epochs=60, seed=0)
    again = run_playground("moons", epochs=60, seed=0)
    other = run_playground("moons", epochs=60, seed=1)
    assert first[1].loss == again[1].loss
    assert first[1].loss != other[1].loss
    net, history, (X, y) = first
    assert history.loss[-1] < history.loss[0] / 2
    assert fnnlab.accuracy(net, X, y) >= 0.9


def test_run_playground_checks_settings():
    with pytest.raises(FnnlabError, match="lr"):
        run_playground("xor", lr=-1.0, epochs=1)
    with pytest.raises(FnnlabError, match="lam"):
        run_playground("xor", lam=-0.1, epochs=1)
    with pytest.raises(FnnlabError, match="activation"):
        run_playground("xor", activation="swish", epochs=1)


# --- plots -------------------------------------------------------------------

def test_plot_features_shows_the_hidden_points_and_the_line():
    plt = pytest.importorskip("matplotlib.pyplot")
    net, X = _net_and_data(5, "logistic", widths=(6, 2))
    y = to_numpy(fnnlab.predict(net, X))
    ax = plot_features(net, X, y)
    H = to_numpy(hidden_features(net, X))
    np.testing.assert_array_equal(ax.collections[0].get_offsets(), H)
    (line,) = ax.lines
    w, c = output_line(net)
    h1, h2 = line.get_xdata(), line.get_ydata()
    np.testing.assert_allclose(w[0] * h1 + w[1] * h2 + c, 0.0, atol=1e-9)
    plt.close(ax.figure)


def test_plot_features_needs_a_two_unit_layer():
    pytest.importorskip("matplotlib")
    net, X = _net_and_data(0, "logistic", widths=(3, 5))
    with pytest.raises(ShapeError, match="layer"):
        plot_features(net, X, np.zeros(40, dtype=int))


def test_plot_digits_titles_each_image():
    plt = pytest.importorskip("matplotlib.pyplot")
    images = np.arange(3 * 64, dtype=float).reshape(3, 64) / 192.0
    fig = plot_digits(images, [3, 5, 9], [8, 6, 4], ncols=2)
    titles = [ax.get_title() for ax in fig.axes]
    assert titles == ["true 3, pred 8", "true 5, pred 6", "true 9, pred 4"]
    shown = fig.axes[1].images[0].get_array()
    np.testing.assert_array_equal(shown, images[1].reshape(8, 8))
    plt.close(fig)
    fig = plot_digits(np.zeros((0, 64)), [], [])
    assert fig.texts[0].get_text() == "no images"
    plt.close(fig)


def test_plot_digits_checks_shapes():
    with pytest.raises(ShapeError, match="images"):
        plot_digits(np.zeros((2, 7, 7)), [0, 1], [0, 1])
    with pytest.raises(ShapeError, match="images"):
        plot_digits(np.zeros((2, 64)), [0, 1, 2], [0, 1])


def test_plots_say_how_to_install_matplotlib(monkeypatch):
    net, X = _net_and_data(0, "logistic", widths=(4, 2))
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(ImportError, match=r"pip install 'fnnlab\[plots\]'"):
        plot_features(net, X, np.zeros(40, dtype=int))
    with pytest.raises(ImportError, match=r"pip install 'fnnlab\[plots\]'"):
        plot_digits(np.zeros((1, 64)), [0], [0])
