"""The core's network differentiated by the reverse-mode engine: the same
gradients as hand-written backpropagation, the same training."""

from __future__ import annotations

import numpy as np
import pytest

import fnnlab
from fnnlab.autodiff import nn
from fnnlab.autodiff import reverse as rv
from fnnlab.backend import from_numpy, to_numpy
from fnnlab.losses import get_loss


@pytest.fixture(autouse=True)
def _host_by_default():
    """Tests that build their own NumPy arrays run with NumPy as the default
    backend even under ``FNNLAB_BACKEND``; the ``backend`` fixture, set up
    after this one, still switches to each backend in turn."""
    with fnnlab.use_backend("numpy"):
        yield

HIDDEN = ["relu", "tanh", "logistic", "leaky_relu", "identity"]
PAIRS = [("softmax", "cross_entropy"), ("logistic", "binary_cross_entropy"),
         ("identity", "squared_error"), ("softmax", "squared_error")]


def _batch(output, M_L, N=7, seed=0):
    rng = np.random.default_rng(seed)
    A0 = rng.normal(size=(4, N))
    if output == "softmax":
        Y = fnnlab.to_numpy(fnnlab.one_hot(rng.integers(0, M_L, N), M_L))
    elif output == "logistic":
        Y = rng.integers(0, 2, (1, N))
    else:
        Y = rng.normal(size=(M_L, N))
    return A0, np.asarray(Y, dtype=np.float64)


@pytest.mark.parametrize("activation", HIDDEN)
@pytest.mark.parametrize("output,loss", PAIRS)
def test_gradients_equal_backprop(activation, output, loss, backend):
    M_L = 1 if output == "logistic" else 3
    net = fnnlab.FNN([4, 5, 6, M_L], activation=activation, output=output,
                     seed=1)
    A0, Y = (from_numpy(x, backend) for x in _batch(output, M_L))
    expected = fnnlab.backprop(net, A0, Y, loss=loss, lam=0.3)
    got = nn.gradients(net, A0, Y, loss=loss, lam=0.3)
    assert sorted(got) == sorted(expected)
    for name in expected:
        assert got[name].shape == expected[name].shape
        diff = np.max(np.abs(to_numpy(got[name]) - to_numpy(expected[name])))
        assert diff < 1e-10, (name, diff)


def test_risk_equals_the_core_structural_risk(backend):
    net = fnnlab.FNN([4, 5, 3], activation="tanh", seed=2)
    A0, Y = (from_numpy(x, backend) for x in _batch("softmax", 3))
    R = nn.risk(net, A0, Y, lam=0.1)
    assert float(R) == pytest.approx(
        fnnlab.structural_risk(net, A0, Y, lam=0.1), rel=1e-13)


def test_float32_network_gives_float32_gradients(backend):
    net = fnnlab.FNN([4, 5, 3], seed=0, dtype="float32")
    A0, Y = _batch("softmax", 3)
    A0 = from_numpy(A0.astype(np.float32), backend)
    Y = from_numpy(Y.astype(np.float32), backend)
    grads = nn.gradients(net, A0, Y, lam=0.01)
    expected = fnnlab.backprop(net, A0, Y, lam=0.01)
    for name, g in grads.items():
        assert g.dtype == backend.xp.float32
        assert fnnlab.relative_error(g, expected[name]) < 1e-5


def test_an_unsupported_loss_is_named():
    net = fnnlab.FNN([4, 3], output="identity")
    A0, Y = _batch("softmax", 3)
    with pytest.raises(fnnlab.FnnlabError, match="cross_entropy"):
        nn.gradients(net, A0, Y, loss="cross_entropy")
    with pytest.raises(fnnlab.ShapeError, match="Y"):
        nn.gradients(net, A0, Y[:, :3])


def test_training_on_digits_matches_the_core_trainer():
    data = fnnlab.load_digits()
    by_hand = fnnlab.FNN([64, 32, 10], seed=0)
    by_graph = by_hand.copy()
    kwargs = dict(epochs=3, lr=0.1, batch_size=32, lam=1e-4, seed=1,
                  X_test=data.X_test, y_test=data.y_test, progress=False)
    h1 = fnnlab.train(by_hand, data.X_train, data.y_train, **kwargs)
    h2 = nn.train(by_graph, data.X_train, data.y_train, **kwargs)
    for a, b in zip(by_hand.W + by_hand.b, by_graph.W + by_graph.b):
        assert np.max(np.abs(to_numpy(a) - to_numpy(b))) < 1e-10
    np.testing.assert_allclose(h2.loss, h1.loss, rtol=1e-10)
    assert h2.train_accuracy == h1.train_accuracy
    assert h2.test_accuracy == h1.test_accuracy
    assert h2.test_accuracy[-1] > 0.85
    assert fnnlab.accuracy(by_graph, data.X_test, data.y_test) == (
        h2.test_accuracy[-1])


def test_training_a_logistic_output_on_strict_arrays(backend):
    X, y = fnnlab.moons(60, seed=0)
    net = fnnlab.FNN([2, 8, 1], activation="tanh", output="logistic",
                     seed=0, backend=backend)
    twin = net.copy()
    kwargs = dict(epochs=2, lr=0.5, batch_size=16, progress=False)
    h1 = fnnlab.train(net, X, y, **kwargs)
    h2 = nn.train(twin, X, y, **kwargs)
    np.testing.assert_allclose(h2.loss, h1.loss, rtol=1e-10)
    assert h2.train_accuracy == h1.train_accuracy
    assert fnnlab.get_namespace(twin.W[0]) is backend.xp


def test_the_error_terms_appear_as_gradients_of_the_z_nodes(backend):
    net = fnnlab.FNN([4, 6, 5, 3], activation="tanh", seed=3)
    A0, Y = (from_numpy(x, backend) for x in _batch("softmax", 3))
    params, zs = nn.parameters(net), []
    z_L = nn.logits(net, A0, params, keep=zs)
    rv.cross_entropy_from_logits(Y, z_L).backward()
    deltas = fnnlab.error_terms(net, net.propagate(A0, keep=True), Y,
                                get_loss("cross_entropy"))
    assert len(zs) == len(deltas) == 3
    for z, delta in zip(zs, deltas):
        assert np.max(np.abs(to_numpy(z.grad) - to_numpy(delta))) < 1e-12
