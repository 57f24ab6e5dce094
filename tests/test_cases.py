"""The public fault cases C01-C08, C14 and C15 of shared/cases/CASES.md,
each with its exact right value.

(C09 and C10 are tested with fnnlab.numerical, C11-C13 with the autodiff
package, C16-C18 in test_notebooks.py.)
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import fnnlab
from fnnlab import (
    FNN,
    accuracy,
    backprop,
    error_terms,
    gradient_check,
    log_softmax,
    logistic,
    moons,
    one_hot,
    predict,
    predict_proba,
    softmax,
    structural_risk,
    to_numpy,
    train,
)
from fnnlab.activations import logistic_derivative
from fnnlab.backend import from_numpy, make_backend, random_generator
from fnnlab.losses import (
    EPS,
    LOSSES,
    cross_entropy,
    cross_entropy_from_logits,
    cross_entropy_from_logits_grad,
    frobenius_penalty,
    frobenius_penalty_grad,
)
from fnnlab.training import targets

ALL_RAISE = dict(all="raise")
NO_OVERFLOW = dict(over="raise", invalid="raise", divide="raise")


def dev(x, dtype="float64"):
    return from_numpy(np.asarray(x, dtype=dtype))


def host(x) -> list:
    return to_numpy(x).tolist()


def assert_same(got, expected):
    """Equal to the last bit (the case gives the exact float64 values)."""
    assert host(got) == expected


@pytest.fixture
def no_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


# --- C01 softmax overflow -------------------------------------------------------

def test_c01_softmax_of_equal_huge_logits(backend, no_warnings):
    with np.errstate(**ALL_RAISE):
        s = softmax(dev([1000.0, 1000.0, 1000.0]))
    assert_same(s, [1 / 3, 1 / 3, 1 / 3])


def test_c01_softmax_of_small_logits(backend, no_warnings):
    with np.errstate(**ALL_RAISE):
        s = softmax(dev([1.0, 2.0, 3.0]))
    assert_same(s, [0.09003057317038046, 0.24472847105479764,
                    0.6652409557748218])


def test_c01_softmax_of_spread_logits(backend, no_warnings):
    z = [-249.873093, -424.126709, -460.292542, 378.097443, -292.614532]
    with np.errstate(**NO_OVERFLOW):
        s = to_numpy(softmax(dev(z)))
    assert int(np.argmax(s)) == 3
    assert s.sum() == 1.0
    assert not np.any(np.isnan(s))


# --- C02 log of zero ------------------------------------------------------------

def test_c02_cross_entropy_of_a_zero_probability(backend, no_warnings):
    Y, P = dev([[0.0], [1.0]]), dev([[1.0], [0.0]])
    with np.errstate(**NO_OVERFLOW):
        loss = float(to_numpy(cross_entropy(Y, P)))
    assert math.isfinite(loss)
    assert loss == -math.log(EPS) == 27.631021115928547


def test_c02_cross_entropy_from_logits_is_exact(backend, no_warnings):
    Y, Z = dev([[0.0], [1.0]]), dev([[0.0], [-1000.0]])
    with np.errstate(**NO_OVERFLOW):
        loss = float(to_numpy(cross_entropy_from_logits(Y, Z)))
    assert loss == 1000.0
    assert host(log_softmax(dev([0.0, -1000.0]))) == [0.0, -1000.0]


# --- C03 sigmoid overflow -------------------------------------------------------

def test_c03_logistic_never_overflows(backend, no_warnings):
    with np.errstate(**NO_OVERFLOW):
        p = logistic(dev([-1000.0, -30.0, 0.0, 30.0, 1000.0]))
    assert_same(p, [0.0, 9.3576229688393e-14, 0.5, 0.9999999999999065, 1.0])


# --- C04 softmax axis -----------------------------------------------------------

def test_c04_softmax_runs_down_the_columns(backend):
    Z = dev([[1.0, 1.0], [2.0, 2.0], [3.0, 3.0]])
    S = to_numpy(softmax(Z))
    for n in range(2):
        assert S[:, n].tolist() == [0.09003057317038046, 0.24472847105479764,
                                    0.6652409557748218]
    np.testing.assert_array_equal(to_numpy(softmax(Z, axis=1)), 0.5)


def test_c04_the_network_normalizes_each_sample(backend):
    net = FNN([1, 3], output="softmax")
    net.set_params({"W1": dev([[0.0], [0.0], [0.0]]),
                    "b1": dev([1.0, 2.0, 3.0])})
    A = to_numpy(net.forward(dev([[5.0, -7.0]])))
    np.testing.assert_allclose(A.sum(axis=0), [1.0, 1.0], rtol=1e-15)
    np.testing.assert_allclose(A[:, 0], [0.09003057317038046,
                                         0.24472847105479764,
                                         0.6652409557748218], rtol=1e-15)


# --- C05 softmax with cross-entropy gradient -----------------------------------

C05 = [-0.9099694268296196, 0.24472847105479764, 0.6652409557748218]


def test_c05_gradient_is_p_minus_y(backend):
    g = cross_entropy_from_logits_grad(dev([1.0, 0.0, 0.0]),
                                       dev([1.0, 2.0, 3.0]))
    assert_same(g, C05)


def test_c05_batch_of_two_halves_each_column(backend):
    Y = dev([[1.0, 1.0], [0.0, 0.0], [0.0, 0.0]])
    Z = dev([[1.0, 1.0], [2.0, 2.0], [3.0, 3.0]])
    G = to_numpy(cross_entropy_from_logits_grad(Y, Z))
    for n in range(2):
        assert G[:, n].tolist() == [v / 2 for v in C05]
    np.testing.assert_allclose(G.sum(axis=0), 0.0, atol=1e-16)


def test_c05_backprop_starts_from_p_minus_y(backend):
    net = FNN([1, 3], output="softmax")
    net.set_params({"W1": dev([[0.0], [0.0], [0.0]]),
                    "b1": dev([1.0, 2.0, 3.0])})
    grads = backprop(net, dev([[0.5]]), dev([[1.0], [0.0], [0.0]]))
    np.testing.assert_allclose(to_numpy(grads["b1"]), C05, rtol=1e-15)
    np.testing.assert_allclose(to_numpy(grads["W1"])[:, 0],
                               [0.5 * v for v in C05], rtol=1e-15)


# --- C06 bias gradient over a batch --------------------------------------------

def test_c06_bias_gradient_sums_over_the_batch(backend):
    A = dev([[1, 0, 0, 1], [0, 1, 0, 1], [0, 0, 1, 1]])
    dZ = np.array([[0.0, 1, 2, 3], [4, 5, 6, 7]])
    # An identity output with squared error and zero parameters has
    # delta^(1) = (0 - Y) / N; Y = -N dZ makes the upstream gradient dZ.
    net = FNN([3, 2], output="identity", init="zeros")
    fp = net.forward(A, keep=True)
    Y = dev(-4 * dZ)
    [delta] = error_terms(net, fp, Y, LOSSES["squared_error"])
    assert host(delta) == dZ.tolist()
    grads = backprop(net, A, Y)
    assert tuple(grads["b1"].shape) == (2,)
    assert host(grads["b1"]) == [6.0, 22.0]
    assert host(grads["W1"]) == [[3.0, 4.0, 5.0], [11.0, 12.0, 13.0]]


# --- C07 regularize weights only ------------------------------------------------

def test_c07_penalty_and_its_gradient(backend):
    W = dev([[1.0, 2.0], [3.0, 4.0]])
    assert float(to_numpy(frobenius_penalty([W], 0.1))) == pytest.approx(
        1.5, rel=1e-15
    )
    np.testing.assert_allclose(to_numpy(frobenius_penalty_grad(W, 0.1)),
                               [[0.1, 0.2], [0.3, 0.4]], rtol=1e-15)


def test_c07_backprop_penalizes_weights_not_biases(backend):
    net = FNN([2, 2], output="identity")
    net.set_params({"W1": dev([[1.0, 2.0], [3.0, 4.0]]),
                    "b1": dev([5.0, 6.0])})
    A0, Y = dev([[0.5, -1.0], [2.0, 0.0]]), dev([[1.0, 0.0], [0.0, 1.0]])
    plain, reg = backprop(net, A0, Y), backprop(net, A0, Y, lam=0.1)
    np.testing.assert_allclose(
        to_numpy(reg["W1"]) - to_numpy(plain["W1"]),
        [[0.1, 0.2], [0.3, 0.4]], rtol=1e-12,
    )
    assert host(reg["b1"]) == host(plain["b1"])      # the bias gets [0, 0]
    risk_gap = structural_risk(net, A0, Y, lam=0.1) - structural_risk(
        net, A0, Y
    )
    assert risk_gap == pytest.approx(1.5, rel=1e-12)


# --- C08 a cached input overwritten -------------------------------------------

C08 = [0.19661193324148185, 0.25, 0.10499358540350662]


def test_c08_logistic_derivative_takes_z(backend):
    z = dev([-1.0, 0.0, 2.0])
    assert_same(logistic_derivative(z), C08)
    wrong = to_numpy(logistic_derivative(logistic(z)))
    np.testing.assert_allclose(wrong, [0.2455, 0.2350, 0.2071], atol=1e-4)


def test_c08_backprop_reads_z_not_a(backend):
    # z^(1) = [-1, 0, 2] for the input 1; W^(2) = [1 1 1]; delta^(2) = 1.
    net = FNN([1, 3, 1], activation="logistic", output="identity")
    net.set_params({"W1": dev([[-1.0], [0.0], [2.0]]),
                    "W2": dev([[1.0, 1.0, 1.0]])})
    A0 = dev([[1.0]])
    fp = net.forward(A0, keep=True)
    Y = fp.output - 1.0
    deltas = error_terms(net, fp, Y, LOSSES["squared_error"])
    assert host(fp.Z[0]) == [[-1.0], [0.0], [2.0]]    # not overwritten
    np.testing.assert_allclose(to_numpy(deltas[0])[:, 0], C08, rtol=1e-15)
    grads = backprop(net, A0, Y)
    np.testing.assert_allclose(to_numpy(grads["b1"]), C08, rtol=1e-15)


# --- C14 no implicit host copies ------------------------------------------------

def test_c14_the_fake_device_refuses_host_copies():
    x = fnnlab.asarray([1.0, 2.0, 3.0], backend="array_api_strict")
    with pytest.raises(RuntimeError):
        np.asarray(x)
    with pytest.raises(TypeError):
        x + np.ones(3)
    assert to_numpy(x).tolist() == [1.0, 2.0, 3.0]


@pytest.fixture
def host_copy_spy(monkeypatch):
    """Record every numpy.asarray / numpy.array call on a device array."""
    import array_api_strict as xs

    calls = []
    for name in ("asarray", "array"):
        original = getattr(np, name)

        def spy(obj, *args, _original=original, **kwargs):
            if isinstance(obj, xs._array_object.Array) and (
                obj.device != xs.Device("CPU_DEVICE")
            ):
                calls.append(obj)
            return _original(obj, *args, **kwargs)

        monkeypatch.setattr(np, name, spy)
    return calls


def test_c14_whole_path_stays_on_the_device(host_copy_spy):
    with fnnlab.use_backend("array_api_strict") as strict:
        X, y = moons(40, noise=0.1, seed=0)
        net = FNN([2, 6, 2], activation="tanh")
        A0, Y = X.T, targets(net, y)
        out = net.forward(A0)
        fp = net.forward(X[0, :], keep=True)
        grads = backprop(net, A0, Y, lam=0.01)
        risk = structural_risk(net, A0, Y, lam=0.01)
        history = train(net, X, y, epochs=3, batch_size=7, lam=0.01, X_test=X,
                        y_test=y, progress=False)
        labels = predict(net, X)
        proba = predict_proba(net, X)
        acc = accuracy(net, X, y)
        Y2 = one_hot(y)
        report = gradient_check(net, A0, Y, lam=0.01, entries=3)
        for array in [X, y, out, *fp.A, *grads.values(), labels, proba, Y2,
                      *net.params().values()]:
            assert type(array).__module__.startswith("array_api_strict")
            assert array.device == strict.device
    assert host_copy_spy == []                  # not even a caught attempt
    assert math.isfinite(risk) and 0 <= acc <= 1 and history.epochs == 3
    assert report.max_error < 1e-7
    back = to_numpy(proba)
    assert isinstance(back, np.ndarray) and back.shape == (40, 2)


# --- C15 same seed, same network ------------------------------------------------

C15 = [0.1257302210933933, -0.1321048632913019, 0.6404226504432821,
       0.10490011715303971]


def test_c15_host_generator_numbers():
    assert np.random.default_rng(0).standard_normal(4).tolist() == C15
    assert random_generator(0).standard_normal(4).tolist() == C15


@pytest.mark.parametrize("init", ["he", "xavier", "normal"])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_c15_same_weights_on_every_backend(init, dtype):
    nets = [FNN([3, 5, 2], init=init, seed=0, dtype=dtype, backend=name)
            for name in ("numpy", "array_api_strict")]
    for a, b in zip(nets[0].params().values(), nets[1].params().values()):
        np.testing.assert_array_equal(to_numpy(a), to_numpy(b))
        assert str(to_numpy(b).dtype) == dtype


def test_c15_first_weights_are_the_host_numbers():
    net = FNN([4, 1], init="normal", scale=1.0, seed=0,
              backend=make_backend("array_api_strict"))
    assert host(net.W[0])[0] == C15
