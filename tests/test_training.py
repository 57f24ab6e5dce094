"""fnnlab.training: SGD and mini-batches, History, predictions."""

from __future__ import annotations

import re

import numpy as np
import pytest

from fnnlab import (
    FNN,
    History,
    accuracy,
    backprop,
    moons,
    predict,
    predict_proba,
    sgd,
    train,
    xor,
)
from fnnlab.backend import from_numpy, to_numpy
from fnnlab.errors import FnnlabError, ShapeError
from fnnlab.training import targets

QUIET = dict(progress=False)


def dev(x, dtype="float64"):
    return from_numpy(np.asarray(x, dtype=dtype))


def blobs(N=12, D=3, C=3, seed=0):
    """Small separable data on the default backend: X (N, D), y (N,)."""
    rng = np.random.default_rng(seed)
    y = np.arange(N) % C
    X = rng.standard_normal((N, D)) * 0.3 + np.eye(C, D)[y] * 2.0
    return dev(X), from_numpy(y)


def host_params(net):
    return {k: to_numpy(v).copy() for k, v in net.params().items()}


# --- learning -------------------------------------------------------------------

def test_training_fits_moons(backend):
    X, y = moons(80, noise=0.1, seed=0)
    net = FNN([2, 16, 2], activation="tanh", seed=0)
    history = train(net, X, y, epochs=60, lr=0.5, batch_size=16, **QUIET)
    assert history.epochs == 60
    assert history.loss[-1] < 0.5 * history.loss[0]
    assert accuracy(net, X, y) > 0.85
    assert history.train_accuracy[-1] > 0.8


def test_xor_with_per_sample_sgd(backend):
    X, y = xor()
    net = FNN([2, 8, 2], activation="tanh", seed=0)
    history = sgd(net, X, y, epochs=60, lr=1.0, **QUIET)
    assert history.loss[-1] < 0.1
    np.testing.assert_array_equal(to_numpy(predict(net, X)), [0, 1, 1, 0])


def test_full_batch_step_is_one_gradient_step(backend):
    X, y = blobs()
    net = FNN([3, 4, 3], seed=0)
    before = host_params(net)
    A0 = dev(to_numpy(X).T)
    grads = backprop(net, A0, targets(net, y), lam=0.1)
    grads = {k: to_numpy(v) for k, v in grads.items()}
    train(net, X, y, epochs=1, lr=0.2, batch_size=None, lam=0.1, **QUIET)
    for name, value in host_params(net).items():
        np.testing.assert_allclose(value, before[name] - 0.2 * grads[name],
                                   rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("batch_size", [1, 5, 12, 13, 1000, None])
def test_any_batch_size_trains(backend, batch_size):
    X, y = blobs()
    net = FNN([3, 4, 3], seed=0)
    history = train(net, X, y, epochs=3, lr=0.1, batch_size=batch_size,
                    **QUIET)
    assert history.epochs == 3 and all(np.isfinite(history.loss))


def test_batch_larger_than_the_data_is_full_batch(backend):
    X, y = blobs()
    big, full = FNN([3, 4, 3], seed=0), FNN([3, 4, 3], seed=0)
    h_big = train(big, X, y, epochs=2, batch_size=1000, **QUIET)
    h_full = train(full, X, y, epochs=2, batch_size=None, **QUIET)
    assert h_big.loss == h_full.loss
    for a, b in zip(big.W, full.W):
        np.testing.assert_array_equal(to_numpy(a), to_numpy(b))


def test_sgd_is_train_with_batches_of_one(backend):
    X, y = blobs()
    a, b = FNN([3, 4, 3], seed=0), FNN([3, 4, 3], seed=0)
    h_a = sgd(a, X, y, epochs=2, lr=0.1, seed=4, **QUIET)
    h_b = train(b, X, y, epochs=2, lr=0.1, seed=4, batch_size=1, **QUIET)
    assert h_a.loss == h_b.loss
    np.testing.assert_array_equal(to_numpy(a.W[0]), to_numpy(b.W[0]))
    with pytest.raises(FnnlabError, match="batch_size: got 4, but sgd always"):
        sgd(a, X, y, batch_size=4)


def test_training_is_reproducible_and_the_same_on_every_backend(backend):
    X, y = blobs()
    runs = []
    for _ in range(2):
        net = FNN([3, 4, 3], seed=0)
        runs.append((train(net, X, y, epochs=3, seed=7, **QUIET).loss,
                     to_numpy(net.W[0])))
    assert runs[0][0] == runs[1][0]
    np.testing.assert_array_equal(runs[0][1], runs[1][1])
    host = FNN([3, 4, 3], seed=0, backend="numpy")
    loss = train(host, to_numpy(X), to_numpy(y), epochs=3, seed=7,
                 **QUIET).loss
    np.testing.assert_allclose(runs[0][0], loss, rtol=1e-12)


def test_float32_training_keeps_every_parameter_float32(backend):
    X, y = blobs()
    net = FNN([3, 4, 3], dtype="float32")
    train(net, X, y, epochs=2, lam=0.01, batch_size=5, X_test=X, y_test=y,
          **QUIET)
    assert all(p.dtype == backend.xp.float32 for p in net.params().values())
    reg = FNN([3, 4, 1], output="identity", dtype="float32")
    train(reg, X, dev(to_numpy(y)), epochs=2, **QUIET)
    assert all(p.dtype == backend.xp.float32 for p in reg.params().values())


def test_logistic_labels_as_floats_or_booleans(backend):
    X, y = blobs(C=2)
    labels = to_numpy(y)
    losses = []
    for given in (labels, labels.astype(np.float64), labels == 1):
        net = FNN([3, 4, 1], output="logistic", seed=0)
        losses.append(train(net, X, from_numpy(given), epochs=2,
                            **QUIET).loss)
        assert accuracy(net, X, from_numpy(given)) >= 0.5
    assert losses[0] == losses[1] == losses[2]


def test_regression_targets(backend):
    X = dev(np.linspace(-1, 1, 20)[:, None])
    y = dev(np.linspace(-1, 1, 20) ** 2)
    net = FNN([1, 10, 1], activation="tanh", output="identity", seed=0)
    history = train(net, X, y, epochs=100, lr=0.1, batch_size=5, **QUIET)
    assert history.loss[-1] < 0.5 * history.loss[0]
    assert history.train_accuracy == [] and history.test_accuracy == []
    assert tuple(predict_proba(net, X).shape) == (20, 1)


def test_targets_for_each_output(backend):
    net = FNN([2, 3], seed=0)
    np.testing.assert_array_equal(
        to_numpy(targets(net, [2, 0])), [[0, 1], [0, 0], [1, 0]]
    )
    net = FNN([2, 1], output="logistic")
    np.testing.assert_array_equal(to_numpy(targets(net, [1, 0, 1])),
                                  [[1.0, 0.0, 1.0]])
    net = FNN([2, 2], output="identity", dtype="float32")
    Y = targets(net, dev([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]))
    assert tuple(Y.shape) == (2, 3) and Y.dtype == backend.xp.float32


# --- History and the hooks ------------------------------------------------------

def test_history_repr_is_deterministic():
    assert repr(History()) == "History(epochs=0)"
    h = History(loss=[1.0, 0.123456], train_accuracy=[0.5, 0.75],
                test_accuracy=[0.5, 2 / 3])
    assert h.epochs == 2
    assert repr(h) == ("History(epochs=2, loss=0.1235, train_accuracy=0.7500,"
                       " test_accuracy=0.6667)")


def test_history_of_a_run(backend):
    X, y = blobs()
    seen = []
    history = train(FNN([3, 4, 3]), X, y, epochs=3, X_test=X, y_test=y,
                    callback=lambda epoch, h: seen.append((epoch, h.epochs)),
                    **QUIET)
    assert seen == [(0, 1), (1, 2), (2, 3)]
    assert len(history.test_accuracy) == len(history.train_accuracy) == 3
    assert all(0 <= a <= 1 for a in history.test_accuracy)
    assert not re.search(r"0x[0-9a-f]+", repr(history))


def test_progress_bar_runs(backend, capsys):
    X, y = blobs()
    history = train(FNN([3, 4, 3]), X, y, epochs=2, progress=True)
    assert history.epochs == 2
    assert capsys.readouterr().out == ""    # the bar never uses stdout


def test_divergence_names_the_learning_rate(backend):
    X = dev(np.linspace(0, 10, 8)[:, None])
    y = dev(np.linspace(0, 10, 8) * 100)
    net = FNN([1, 4, 1], output="identity", activation="identity")
    with np.errstate(all="ignore"):     # the overflow is what is tested
        with pytest.raises(FnnlabError, match=r"lr: training diverged"):
            train(net, X, y, epochs=200, lr=10.0, batch_size=None, **QUIET)


# --- predictions ------------------------------------------------------------------

def test_predict_proba_and_predict(backend):
    X, y = blobs()
    net = FNN([3, 4, 3])
    P = to_numpy(predict_proba(net, X))
    assert P.shape == (12, 3)
    np.testing.assert_allclose(P.sum(axis=1), 1.0)
    np.testing.assert_array_equal(to_numpy(predict(net, X)), P.argmax(axis=1))
    expected = np.mean(P.argmax(axis=1) == to_numpy(y))
    assert accuracy(net, X, y) == pytest.approx(expected)


def test_predict_one_sample(backend):
    X, _ = blobs()
    net = FNN([3, 4, 3])
    x = X[0, :]
    label = predict(net, x)
    assert tuple(label.shape) == ()
    assert int(label) == int(to_numpy(predict(net, X))[0])
    np.testing.assert_allclose(to_numpy(predict_proba(net, x)),
                               to_numpy(predict_proba(net, X))[0])
    assert tuple(predict(net, [[0.0, 0.0, 0.0]]).shape) == (1,)


def test_predict_with_a_logistic_output(backend):
    X, _ = blobs(C=2)
    net = FNN([3, 4, 1], output="logistic")
    p = to_numpy(predict_proba(net, X))[:, 0]
    np.testing.assert_array_equal(to_numpy(predict(net, X)),
                                  (p >= 0.5).astype(int))


def test_predict_on_a_regression_network(backend):
    X, y = blobs()
    with pytest.raises(FnnlabError, match=r"predict: .*identity output"):
        predict(FNN([3, 1], output="identity"), X)


def test_empty_data(backend):
    net = FNN([3, 4, 3])
    with pytest.raises(ShapeError, match=r"X: got shape \(0, 3\), expected"):
        train(net, dev(np.zeros((0, 3))), from_numpy(np.zeros(0, int)),
              **QUIET)
    assert tuple(predict(net, dev(np.zeros((0, 3)))).shape) == (0,)
