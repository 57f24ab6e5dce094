"""fnnlab.losses: values, gradients, stability, the penalty, the registry."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import fnnlab
from fnnlab.activations import logistic, softmax
from fnnlab.backend import from_numpy, to_numpy
from fnnlab.errors import FnnlabError, ShapeError
from fnnlab.losses import (
    DEFAULT_LOSS,
    EPS,
    LOSSES,
    Loss,
    binary_cross_entropy,
    binary_cross_entropy_from_logits,
    binary_cross_entropy_from_logits_grad,
    binary_cross_entropy_grad,
    cross_entropy,
    cross_entropy_from_logits,
    cross_entropy_from_logits_grad,
    cross_entropy_grad,
    frobenius_penalty,
    frobenius_penalty_grad,
    get_loss,
    squared_error,
    squared_error_grad,
)

FINITE = st.floats(allow_nan=False, allow_infinity=False, width=64)
ERRSTATE = dict(over="raise", invalid="raise", divide="raise")

# Y one-hot (3 classes, 2 samples), probabilities P and logits Z.
Y = np.array([[1.0, 0.0], [0.0, 0.0], [0.0, 1.0]])
P = np.array([[0.7, 0.2], [0.2, 0.3], [0.1, 0.5]])
Z = np.array([[2.0, -1.0], [0.5, 0.0], [-1.0, 1.5]])
y01 = np.array([[1.0, 0.0, 1.0]])
p01 = np.array([[0.9, 0.2, 0.4]])


def dev(x, dtype="float64"):
    return from_numpy(np.asarray(x, dtype=dtype))


def value(x) -> float:
    return float(to_numpy(x))


def numeric_grad(f, x, h=1e-6):
    """Central differences of the scalar ``f`` at the host array ``x``."""
    g = np.zeros_like(x)
    for i in np.ndindex(*x.shape):
        up, down = x.copy(), x.copy()
        up[i] += h
        down[i] -= h
        g[i] = (value(f(dev(up))) - value(f(dev(down)))) / (2 * h)
    return g


# --- values -------------------------------------------------------------------

def test_cross_entropy_value(backend):
    expected = -(math.log(0.7) + math.log(0.5)) / 2
    assert value(cross_entropy(dev(Y), dev(P))) == pytest.approx(expected)


def test_cross_entropy_from_logits_value(backend):
    log_p = Z - np.log(np.exp(Z).sum(axis=0))
    expected = -(log_p[0, 0] + log_p[2, 1]) / 2
    got = value(cross_entropy_from_logits(dev(Y), dev(Z)))
    assert got == pytest.approx(expected, rel=1e-14)
    via_p = value(cross_entropy(dev(Y), softmax(dev(Z))))
    assert via_p == pytest.approx(expected, rel=1e-12)


def test_binary_cross_entropy_value(backend):
    expected = -(math.log(0.9) + math.log(0.8) + math.log(0.4)) / 3
    got = value(binary_cross_entropy(dev(y01), dev(p01)))
    assert got == pytest.approx(expected, rel=1e-14)


def test_binary_cross_entropy_from_logits_value(backend):
    z = np.array([[2.0, -0.5, 0.0]])
    p = 1 / (1 + np.exp(-z))
    expected = -np.mean(y01 * np.log(p) + (1 - y01) * np.log(1 - p))
    got = value(binary_cross_entropy_from_logits(dev(y01), dev(z)))
    assert got == pytest.approx(expected, rel=1e-14)
    via_p = value(binary_cross_entropy(dev(y01), logistic(dev(z))))
    assert via_p == pytest.approx(expected, rel=1e-12)


def test_squared_error_value(backend):
    Y_hat = np.array([[1.0, 2.0], [0.0, -1.0]])
    T = np.array([[0.0, 2.0], [0.0, 1.0]])
    # sample 1: 1/2 * 1 = 0.5; sample 2: 1/2 * 4 = 2; mean 1.25
    assert value(squared_error(dev(T), dev(Y_hat))) == 1.25


def test_losses_are_means_over_the_columns(backend):
    twice = lambda a: np.concatenate([a, a], axis=1)  # noqa: E731
    pairs = [
        (cross_entropy, Y, P), (cross_entropy_from_logits, Y, Z),
        (binary_cross_entropy, y01, p01),
        (binary_cross_entropy_from_logits, y01, p01),
        (squared_error, Y, P),
    ]
    for f, a, b in pairs:
        assert value(f(dev(twice(a)), dev(twice(b)))) == pytest.approx(
            value(f(dev(a), dev(b))), rel=1e-14
        ), f.__name__


def test_one_sample_vectors(backend):
    assert value(cross_entropy(dev([0.0, 1.0]), dev([0.25, 0.75]))) == (
        pytest.approx(-math.log(0.75))
    )
    assert value(squared_error(dev([1.0, 1.0]), dev([0.0, 1.0]))) == 0.5


def test_clipping_at_eps(backend):
    got = value(cross_entropy(dev([[1.0], [0.0]]), dev([[0.0], [1.0]])))
    assert got == pytest.approx(-math.log(EPS))
    got = value(binary_cross_entropy(dev([[1.0]]), dev([[0.0]])))
    assert got == pytest.approx(-math.log(EPS), rel=1e-6)


# --- gradients ----------------------------------------------------------------

GRADS = [
    ("cross_entropy", cross_entropy, cross_entropy_grad, Y, P),
    ("cross_entropy_from_logits", cross_entropy_from_logits,
     cross_entropy_from_logits_grad, Y, Z),
    ("binary_cross_entropy", binary_cross_entropy, binary_cross_entropy_grad,
     y01, p01),
    ("binary_cross_entropy_from_logits", binary_cross_entropy_from_logits,
     binary_cross_entropy_from_logits_grad, y01, np.array([[2.0, -0.5, 0.0]])),
    ("squared_error", squared_error, squared_error_grad, Y, Z),
]


@pytest.mark.parametrize("name, f, grad, a, b", GRADS, ids=[g[0] for g in GRADS])
def test_gradient_matches_central_differences(backend, name, f, grad, a, b):
    T = dev(a)
    analytic = to_numpy(grad(T, dev(b)))
    assert analytic.shape == b.shape
    numeric = numeric_grad(lambda x: f(T, x), b)
    np.testing.assert_allclose(analytic, numeric, rtol=1e-6, atol=1e-9)


def test_logits_gradient_is_prediction_minus_target(backend):
    g = to_numpy(cross_entropy_from_logits_grad(dev(Y), dev(Z)))
    s = np.exp(Z) / np.exp(Z).sum(axis=0)
    np.testing.assert_allclose(g, (s - Y) / 2, rtol=1e-14)
    np.testing.assert_allclose(g.sum(axis=0), 0.0, atol=1e-15)


@pytest.mark.parametrize("f", [cross_entropy, cross_entropy_grad,
                               cross_entropy_from_logits_grad, squared_error,
                               squared_error_grad, binary_cross_entropy_grad])
def test_shape_mismatch_names_y(backend, f):
    with pytest.raises(ShapeError, match=r"Y?y?: got shape \(3, 2\), expected"):
        f(dev(Y), dev(np.zeros((2, 3))))


# --- the Frobenius penalty ----------------------------------------------------

def test_frobenius_penalty(backend):
    W = [dev([[1.0, 2.0], [3.0, 4.0]]), dev([[1.0, -1.0]])]
    assert value(frobenius_penalty(W, 0.1)) == pytest.approx(0.05 * 32)
    assert value(frobenius_penalty(W, 0.0)) == 0.0
    assert frobenius_penalty([], 0.3) == 0.0
    np.testing.assert_allclose(
        to_numpy(frobenius_penalty_grad(W[1], 0.5)), [[0.5, -0.5]]
    )


# --- stability: finite and non-negative for any finite input (hypothesis) ----

def _columns(C_max=4, N_max=4, elements=FINITE):
    return arrays(np.float64, st.tuples(st.integers(2, C_max),
                                        st.integers(1, N_max)),
                  elements=elements)


@settings(max_examples=30)
@given(Z=_columns(), data=st.data())
def test_cross_entropy_from_any_logits(backend, Z, data):
    C, N = Z.shape
    labels = data.draw(st.lists(st.integers(0, C - 1), min_size=N,
                                max_size=N))
    T = np.eye(C)[:, labels]
    with np.errstate(**ERRSTATE):
        from_logits = value(cross_entropy_from_logits(dev(T), dev(Z)))
        from_p = value(cross_entropy(dev(T), softmax(dev(Z))))
        g = to_numpy(cross_entropy_from_logits_grad(dev(T), dev(Z)))
    for loss in (from_logits, from_p):
        assert math.isfinite(loss) and loss >= 0
    assert from_p <= -math.log(EPS) + 1e-9          # the clipping bound
    assert np.all(np.isfinite(g)) and np.all(np.abs(g) <= 1.0 / N + 1e-15)


def test_mean_of_huge_losses_does_not_overflow(backend):
    big = float(np.finfo(np.float64).max)
    Z = dev([[-big] * 4, [big] * 4])          # every sample badly wrong
    Y = dev([[1.0] * 4, [0.0] * 4])
    with np.errstate(**ERRSTATE):
        ce = value(cross_entropy_from_logits(Y, Z))
        bce = value(binary_cross_entropy_from_logits(
            dev([[1.0] * 4]), dev([[-big] * 4])))
    assert ce == big and bce == big


@settings(max_examples=30)
@given(z=arrays(np.float64, st.tuples(st.just(1), st.integers(1, 5)),
                elements=FINITE), data=st.data())
def test_binary_cross_entropy_from_any_logits(backend, z, data):
    bits = data.draw(st.lists(st.integers(0, 1), min_size=z.shape[1],
                              max_size=z.shape[1]))
    y = np.array([bits], dtype=np.float64)
    with np.errstate(**ERRSTATE):
        from_logits = value(binary_cross_entropy_from_logits(dev(y), dev(z)))
        from_p = value(binary_cross_entropy(dev(y), logistic(dev(z))))
        g = to_numpy(binary_cross_entropy_from_logits_grad(dev(y), dev(z)))
    for loss in (from_logits, from_p):
        assert math.isfinite(loss) and loss >= 0
    assert np.all(np.isfinite(g))


@settings(max_examples=30)
@given(data=st.data())
def test_squared_error_of_moderate_values(backend, data):
    moderate = st.floats(-1e6, 1e6, allow_nan=False)
    Y_hat = data.draw(_columns(elements=moderate))
    T = data.draw(arrays(np.float64, Y_hat.shape, elements=moderate))
    with np.errstate(**ERRSTATE):
        loss = value(squared_error(dev(T), dev(Y_hat)))
    assert math.isfinite(loss) and loss >= 0
    if np.all(T == Y_hat):
        assert loss == 0
    if np.max(np.abs(T - Y_hat)) > 1e-100:     # no underflow to 0 in d * d
        assert loss > 0


# --- the registry -------------------------------------------------------------

def test_registry():
    assert set(LOSSES) == {"cross_entropy", "binary_cross_entropy",
                           "squared_error"}
    assert LOSSES["cross_entropy"].fused == "softmax"
    assert LOSSES["binary_cross_entropy"].fused == "logistic"
    assert LOSSES["squared_error"].fused is None
    assert DEFAULT_LOSS == {"softmax": "cross_entropy",
                            "logistic": "binary_cross_entropy",
                            "identity": "squared_error"}
    assert repr(LOSSES["squared_error"]) == "Loss('squared_error')"


def test_get_loss():
    assert get_loss("squared_error") is LOSSES["squared_error"]
    for output, name in DEFAULT_LOSS.items():
        assert get_loss(None, output) is LOSSES[name]
    custom = Loss("mine", squared_error, squared_error_grad)
    assert get_loss(custom) is custom


@pytest.mark.parametrize("bad", ["hinge", 3, ["squared_error"]])
def test_get_loss_unknown(bad):
    with pytest.raises(FnnlabError) as info:
        get_loss(bad)
    assert str(info.value).startswith(f"loss: got {bad!r}, expected one of")
    assert "'cross_entropy'" in str(info.value)


def test_get_loss_unknown_output():
    with pytest.raises(FnnlabError, match=r"output: got 'relu', expected"):
        get_loss(None, "relu")


def test_top_level_exports():
    for name in ["cross_entropy", "cross_entropy_from_logits",
                 "binary_cross_entropy", "squared_error",
                 "frobenius_penalty", "LOSSES"]:
        assert hasattr(fnnlab, name)
