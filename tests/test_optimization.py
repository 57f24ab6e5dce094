"""Tests of fnnlab.optimization (chapter *Optimization problems*).

The 1-1-1 network's losses, gradients and Hessians are checked against
SymPy; the non-convexity the chapter reports is re-derived from the loss
itself; the deep-network measurements behind each figure are checked
against what the chapter says they show.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import fnnlab
from fnnlab import optimization as opt
from fnnlab.errors import FnnlabError, ShapeError

sympy = pytest.importorskip("sympy")

@pytest.fixture(autouse=True)
def _host_unless_a_backend_is_asked_for(request):
    """Tests without the ``backend`` fixture check host arithmetic with
    NumPy arrays, so they run on NumPy even under FNNLAB_BACKEND."""
    if "backend" in request.fixturenames:
        yield
    else:
        with fnnlab.use_backend("numpy"):
            yield


weights = st.floats(-4.0, 4.0, allow_nan=False)


def _symbolic(loss):
    """The loss as a SymPy expression in w1, w2 (at x = y = 1)."""
    w1, w2 = sympy.symbols("w1 w2")
    s = lambda z: 1 / (1 + sympy.exp(-z))          # noqa: E731
    y_hat = s(w2 * s(w1))
    expr = (1 - y_hat) ** 2 if loss == "squared" else -sympy.log(y_hat)
    return (w1, w2), expr


SYMBOLIC = {}


def symbolic(loss):
    """``(value, gradient, hessian)`` as NumPy functions of (w1, w2)."""
    if loss not in SYMBOLIC:
        (w1, w2), expr = _symbolic(loss)
        grad = [sympy.diff(expr, v) for v in (w1, w2)]
        hess = sympy.hessian(expr, (w1, w2))
        SYMBOLIC[loss] = tuple(
            sympy.lambdify((w1, w2), e, "numpy") for e in (expr, grad, hess))
    return SYMBOLIC[loss]


# --- the 1-1-1 network ---------------------------------------------------------------

@pytest.mark.parametrize("loss", opt.TINY_LOSSES)
@given(weights, weights)
def test_tiny_loss_matches_sympy(loss, w1, w2):
    value, _, _ = symbolic(loss)
    assert opt.tiny_loss(w1, w2, loss) == pytest.approx(value(w1, w2), rel=1e-10)


def test_tiny_losses_at_known_points():
    assert opt.tiny_output(0.0, 0.0) == 0.5
    assert opt.tiny_loss(0.0, 0.0, "squared") == 0.25
    assert opt.tiny_loss(0.0, 0.0, "cross_entropy") == pytest.approx(np.log(2))
    assert opt.tiny_loss(2.0, 5.0, "cross_entropy") == pytest.approx(0.0122, abs=1e-4)


def test_cross_entropy_is_minus_log_and_never_negative():
    # the source's "log y" would be negative: the loss is -log y_hat >= 0
    W1, W2, L = opt.loss_surface("cross_entropy", lim=10.0, n=41)
    assert L.shape == (41, 41)
    assert np.all(L >= 0)
    np.testing.assert_allclose(L, -np.log(opt.tiny_output(W1, W2)), rtol=1e-9)
    with np.errstate(over="raise", divide="raise", invalid="raise"):
        far = opt.tiny_loss(np.array([40.0]), np.array([-800.0]), "cross_entropy")
    assert far[0] == pytest.approx(800.0 / (1 + np.exp(-40.0)))


def test_tiny_loss_runs_on_every_backend(backend):
    g = fnnlab.asarray([0.0, 1.0, -2.0])
    values = fnnlab.to_numpy(opt.tiny_loss(g, g, "cross_entropy"))
    expected = [opt.tiny_loss(a, a, "cross_entropy") for a in (0.0, 1.0, -2.0)]
    np.testing.assert_allclose(values, expected, rtol=1e-12)


def test_unknown_tiny_loss_names_the_argument():
    with pytest.raises(FnnlabError, match="loss: got 'hinge'"):
        opt.tiny_loss(0.0, 0.0, "hinge")


@pytest.mark.parametrize("loss", opt.TINY_LOSSES)
@given(weights, weights)
def test_backprop_gradient_matches_sympy(loss, w1, w2):
    _, grad, _ = symbolic(loss)
    np.testing.assert_allclose(opt.tiny_gradient(w1, w2, loss),
                               grad(w1, w2), rtol=1e-7, atol=1e-12)


def test_tiny_gradient_on_every_backend(backend):
    _, grad, _ = symbolic("cross_entropy")
    np.testing.assert_allclose(opt.tiny_gradient(0.5, -1.0, "cross_entropy"),
                               grad(0.5, -1.0), rtol=1e-10)


@pytest.mark.parametrize("loss", opt.TINY_LOSSES)
@given(weights, weights)
def test_hessian_by_differences_matches_sympy(loss, w1, w2):
    _, _, hess = symbolic(loss)
    np.testing.assert_allclose(opt.tiny_hessian(w1, w2, loss),
                               np.array(hess(w1, w2), dtype=float), atol=1e-7)


def test_hessian_at_the_origin_is_indefinite():
    exact = {"squared": [[0, -1 / 16], [-1 / 16, 1 / 32]],
             "cross_entropy": [[0, -1 / 8], [-1 / 8, 1 / 16]]}
    for loss, H in exact.items():
        found = opt.tiny_hessian(0.0, 0.0, loss)
        np.testing.assert_allclose(found, H, atol=1e-9)
        assert np.linalg.eigvalsh(found)[0] < -0.04


@pytest.mark.parametrize("loss", opt.TINY_LOSSES)
def test_most_negative_curvature_is_really_negative(loss):
    c = opt.most_negative_curvature(loss, lim=4.0, n=9)
    _, _, hess = symbolic(loss)
    exact = np.linalg.eigvalsh(np.array(hess(*c.point), dtype=float))
    assert exact[0] < -0.1
    np.testing.assert_allclose(c.eigenvalues, exact, atol=1e-7)


@pytest.mark.parametrize("loss", opt.TINY_LOSSES)
def test_a_chord_lies_below_the_surface(loss):
    chord = opt.find_chord_below(loss, lim=4.0, n=9)
    f = lambda w: opt.tiny_loss(w[0], w[1], loss)      # noqa: E731
    mid = (np.array(chord.p) + np.array(chord.q)) / 2
    assert f(mid) - (f(chord.p) + f(chord.q)) / 2 == pytest.approx(chord.gap)
    assert chord.gap > 0.3


@given(weights, weights, weights)
def test_cross_entropy_is_convex_along_w2(w1, a, b):
    # for fixed w1 the logit is linear in w2, and softplus is convex:
    # the search can only find gaps the surface really has
    assert opt.chord_gap((w1, a), (w1, b), "cross_entropy").gap <= 1e-12


def test_curvature_and_chord_reprs_are_rounded():
    c = opt.Curvature((0.0, -4.0), np.eye(2), np.array([-0.12071, 0.5]))
    assert repr(c) == "Curvature(point=(0, -4), eigenvalues=[-0.1207, 0.5000])"
    ch = opt.chord_gap((0, 0), (1, 1))
    assert repr(ch).startswith("Chord(p=(0, 0), q=(1, 1), middle=")


# --- activations' derivatives ---------------------------------------------------------

def test_derivative_bounds_of_the_chapter():
    z = np.linspace(-6, 6, 1201)
    d = fnnlab.logistic_derivative(z)
    assert d.max() == 0.25 and z[d.argmax()] == 0.0
    t = fnnlab.tanh_derivative(z)
    assert t.max() == 1.0 and np.all(t > 0)


# --- deep networks ----------------------------------------------------------------------

def test_centered_moons_are_centered_or_shifted(backend):
    X, y = opt.centered_moons(100)
    Xh = fnnlab.to_numpy(X)
    np.testing.assert_allclose(Xh.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(Xh.std(axis=0), 1, atol=1e-12)
    Xp, _ = opt.centered_moons(100, shift=3.0)
    assert fnnlab.to_numpy(Xp).min() > 0


def test_deep_network_shape():
    net = opt.deep_network(10, "tanh", width=16)
    assert net.widths == (2,) + (16,) * 9 + (1,)
    assert net.activations[-1] == "logistic"
    with pytest.raises(FnnlabError, match="depth: got 1"):
        opt.deep_network(1)


def test_layer_gradient_norms_match_backprop(backend):
    X, y = opt.centered_moons(50)
    net = opt.deep_network(4, "tanh", width=5)
    norms = opt.layer_gradient_norms(net, X, y)
    grads = fnnlab.backprop(net, X.T, fnnlab.training.targets(net, y))
    expected = [np.linalg.norm(fnnlab.to_numpy(grads[f"W{l}"]))
                for l in range(1, 5)]
    np.testing.assert_allclose(norms, expected, rtol=1e-12)
    with pytest.raises(ShapeError, match=r"X: got shape \(2, 50\)"):
        opt.layer_gradient_norms(net, X.T, y)


def test_gradients_vanish_in_a_deep_logistic_network_only():
    ratio = {}
    for activation in ("logistic", "tanh", "relu"):
        n = opt.gradient_norm_profile(10, activation)
        assert n.shape == (10,)
        ratio[activation] = n[0] / n[-1]
    assert ratio["logistic"] < 1e-4
    # each layer down divides by about 4, as logistic' <= 1/4 suggests
    n = opt.gradient_norm_profile(10, "logistic")
    assert np.all((n[1:] / n[:-1] > 2) & (n[1:] / n[:-1] < 6))
    for activation in ("tanh", "relu"):
        assert 0.1 < ratio[activation] < 10


def test_deep_logistic_stalls_where_relu_trains():
    X, y = opt.centered_moons()
    result = {}
    for activation in ("logistic", "relu"):
        net = opt.deep_network(10, activation)
        history, norms = opt.train_with_gradient_norms(
            net, X, y, epochs=20, lr=0.1, batch_size=32, seed=0)
        assert norms.shape == (21, 10)
        result[activation] = (history, norms)
    logistic, relu = result["logistic"], result["relu"]
    assert abs(logistic[0].loss[-1] - np.log(2)) < 0.01
    assert relu[0].loss[-1] < 0.1
    assert np.all(logistic[1][:, 0] < 1e-5)
    np.testing.assert_allclose(
        logistic[1][0], opt.gradient_norm_profile(10, "logistic"))


def test_zero_start_keeps_units_identical():
    X, y = opt.centered_moons()
    for activation in ("logistic", "tanh", "relu"):
        net = opt.deep_network(3, activation, width=8, init="zeros")
        fnnlab.train(net, X, y, epochs=5, lr=0.5, progress=False)
        assert np.all(opt.hidden_unit_spread(net) == 0.0)
        moved = max(float(np.abs(fnnlab.to_numpy(W)).max()) for W in net.W)
        if activation == "logistic":
            assert moved > 1e-3          # the weights change, identically
        else:
            assert moved == 0.0          # tanh(0) = relu(0) = 0: no gradient
    net = opt.deep_network(3, "tanh", width=8)
    assert np.all(opt.hidden_unit_spread(net) > 0.5)


def test_relative_weight_change():
    before = [np.ones((2, 2)), np.full((1, 2), 2.0)]
    after = [np.ones((2, 2)) * 1.5, np.full((1, 2), 2.0)]
    np.testing.assert_allclose(opt.relative_weight_change(before, after),
                               [0.5, 0.0])
    with pytest.raises(ShapeError, match="after: got 1 matrices"):
        opt.relative_weight_change(before, after[:1])


def test_a_larger_step_does_not_move_the_first_layer():
    X, y = opt.centered_moons()
    moved = {}
    for lr in (0.1, 10.0):
        net = opt.deep_network(10, "logistic")
        start = [fnnlab.to_numpy(W).copy() for W in net.W]
        history = fnnlab.train(net, X, y, epochs=10, lr=lr, progress=False)
        moved[lr] = opt.relative_weight_change(start, net.W)
        assert history.loss[-1] > 0.69
    assert moved[10.0][-1] > 1.0          # the last layer jumps
    assert moved[10.0][0] < 1e-3          # the first hardly moves


def test_positive_inputs_give_one_signed_gradient_rows(backend):
    X, y = opt.centered_moons()
    Xp, _ = opt.centered_moons(shift=3.0)
    for activation in ("tanh", "logistic"):
        net = fnnlab.FNN([2, 16, 16, 1], activation, output="logistic")
        assert opt.same_sign_rows(net, Xp, y) == 1.0
        assert 0.25 < opt.same_sign_rows(net, X, y) < 0.45
    logistic = fnnlab.FNN([2, 16, 16, 1], "logistic", output="logistic")
    tanh = fnnlab.FNN([2, 16, 16, 1], "tanh", output="logistic")
    assert opt.same_sign_rows(logistic, X, y, layer=2) == 1.0
    assert opt.same_sign_rows(tanh, X, y, layer=2) < 0.1
    with pytest.raises(FnnlabError, match="layer: got 4"):
        opt.same_sign_rows(tanh, X, y, layer=4)


def test_centered_inputs_train_faster():
    X, y = opt.centered_moons()
    Xp, _ = opt.centered_moons(shift=3.0)
    final = {}
    for label, data in (("centered", X), ("positive", Xp)):
        net = fnnlab.FNN([2, 16, 16, 1], "relu", output="logistic", seed=0)
        history = fnnlab.train(net, data, y, epochs=30, lr=0.1, batch_size=16,
                               progress=False)
        final[label] = history.loss[-1]
    assert final["centered"] < 0.5 * final["positive"]
