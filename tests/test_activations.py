"""fnnlab.activations: values, derivatives, stability, the registry."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import fnnlab
from fnnlab.activations import (
    ACTIVATIONS,
    HIDDEN_ACTIVATIONS,
    LEAKY_SLOPE,
    OUTPUT_ACTIVATIONS,
    Activation,
    get_activation,
    identity,
    identity_derivative,
    leaky_relu,
    leaky_relu_derivative,
    log_softmax,
    logistic,
    logistic_derivative,
    relu,
    relu_derivative,
    softmax,
    softmax_jacobian,
    softmax_vjp,
    tanh,
    tanh_derivative,
)
from fnnlab.backend import from_numpy, to_numpy
from fnnlab.errors import FnnlabError, ShapeError

Z = [-3.0, -0.5, 0.25, 2.0]

ELEMENTWISE = {
    "identity": (identity, identity_derivative, lambda z: z),
    "logistic": (logistic, logistic_derivative, lambda z: 1 / (1 + np.exp(-z))),
    "tanh": (tanh, tanh_derivative, np.tanh),
    "relu": (relu, relu_derivative, lambda z: np.maximum(z, 0)),
    "leaky_relu": (
        leaky_relu, leaky_relu_derivative,
        lambda z: np.where(z > 0, z, LEAKY_SLOPE * z),
    ),
}

FINITE = st.floats(allow_nan=False, allow_infinity=False, width=64)
ERRSTATE = dict(over="raise", invalid="raise", divide="raise")


def dev(x, dtype="float64"):
    """``x`` on the default backend (set by the ``backend`` fixture)."""
    return from_numpy(np.asarray(x, dtype=dtype))


# --- elementwise activations --------------------------------------------------

@pytest.mark.parametrize("name", sorted(ELEMENTWISE))
def test_values_match_the_formula(backend, name):
    f, _, reference = ELEMENTWISE[name]
    z = np.array([Z, [0.0, 1.0, -1.0, 4.0]])
    out = f(dev(z))
    assert tuple(out.shape) == (2, 4)
    np.testing.assert_allclose(to_numpy(out), reference(z), rtol=1e-12)


@pytest.mark.parametrize("name", sorted(ELEMENTWISE))
def test_derivative_matches_a_central_difference(backend, name):
    f, df, _ = ELEMENTWISE[name]
    z, h = np.array(Z), 1e-6          # no point near the kink at 0
    numeric = (to_numpy(f(dev(z + h))) - to_numpy(f(dev(z - h)))) / (2 * h)
    np.testing.assert_allclose(to_numpy(df(dev(z))), numeric, rtol=1e-6)


@pytest.mark.parametrize("name", sorted(ELEMENTWISE))
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_dtype_is_kept(backend, name, dtype):
    f, df, _ = ELEMENTWISE[name]
    z = dev(Z, dtype)
    assert f(z).dtype == z.dtype
    assert df(z).dtype == z.dtype


def test_relu_derivative_at_the_kink_is_zero(backend):
    np.testing.assert_array_equal(
        to_numpy(relu_derivative(dev([-1.0, 0.0, 1.0]))), [0.0, 0.0, 1.0]
    )
    np.testing.assert_array_equal(
        to_numpy(leaky_relu_derivative(dev([-1.0, 0.0, 1.0]))),
        [LEAKY_SLOPE, LEAKY_SLOPE, 1.0],
    )


def test_leaky_relu_slope_argument(backend):
    z = dev([-2.0, 3.0])
    np.testing.assert_allclose(to_numpy(leaky_relu(z, 0.5)), [-1.0, 3.0])
    np.testing.assert_allclose(
        to_numpy(leaky_relu_derivative(z, 0.5)), [0.5, 1.0]
    )


def test_derivative_maxima(backend):
    z = dev(np.linspace(-6, 6, 121))
    assert float(np.max(to_numpy(logistic_derivative(z)))) == 0.25
    assert float(np.max(to_numpy(tanh_derivative(z)))) == 1.0


def test_logistic_is_symmetric(backend):
    z = np.linspace(-40, 40, 81)
    up, down = to_numpy(logistic(dev(z))), to_numpy(logistic(dev(-z)))
    np.testing.assert_allclose(up + down, 1.0, rtol=0, atol=1e-15)


# --- softmax and its relatives -------------------------------------------------

def test_softmax_columns(backend):
    z = np.array([[1.0, 0.0], [2.0, 0.0], [3.0, 0.0]])
    s = to_numpy(softmax(dev(z)))
    np.testing.assert_allclose(s.sum(axis=0), [1.0, 1.0])
    np.testing.assert_allclose(s[:, 1], [1 / 3] * 3)
    e = np.exp(z[:, 0])
    np.testing.assert_allclose(s[:, 0], e / e.sum(), rtol=1e-14)


def test_softmax_other_axis(backend):
    z = np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]])
    s = to_numpy(softmax(dev(z), axis=1))
    np.testing.assert_allclose(s.sum(axis=1), [1.0, 1.0])
    np.testing.assert_allclose(s[1], [1 / 3] * 3)


def test_softmax_is_shift_invariant(backend):
    z = np.array([0.5, -1.0, 2.0])
    np.testing.assert_allclose(
        to_numpy(softmax(dev(z + 700.0))), to_numpy(softmax(dev(z))),
        rtol=1e-12,
    )


def test_log_softmax(backend):
    z = np.array([[1.0, 0.0], [2.0, -1000.0]])
    out = to_numpy(log_softmax(dev(z)))
    np.testing.assert_allclose(
        out[:, 0], np.log(np.exp(z[:, 0]) / np.exp(z[:, 0]).sum()),
        rtol=1e-14,
    )
    assert out[0, 1] == 0.0 and out[1, 1] == -1000.0


def test_log_softmax_of_logits_further_apart_than_any_float(backend):
    big = np.finfo(np.float64).max
    out = to_numpy(log_softmax(dev([-big, big])))
    assert out[1] == 0.0
    assert np.isfinite(out[0]) and out[0] <= -big


def test_softmax_jacobian(backend):
    z = np.array([0.3, -1.2, 2.0])
    J = to_numpy(softmax_jacobian(dev(z)))
    s = np.exp(z) / np.exp(z).sum()
    np.testing.assert_allclose(J, np.diag(s) - np.outer(s, s), atol=1e-15)
    np.testing.assert_allclose(J, J.T)
    np.testing.assert_allclose(J.sum(axis=0), 0.0, atol=1e-15)


def test_softmax_jacobian_wants_one_vector(backend):
    with pytest.raises(ShapeError, match=r"z: got shape \(3, 2\)"):
        softmax_jacobian(dev(np.zeros((3, 2))))


def test_softmax_vjp_is_the_jacobian_times_g(backend, rng):
    Z, G = rng.standard_normal((4, 3)), rng.standard_normal((4, 3))
    out = to_numpy(softmax_vjp(softmax(dev(Z)), dev(G)))
    for n in range(3):
        J = to_numpy(softmax_jacobian(dev(Z[:, n])))
        np.testing.assert_allclose(out[:, n], J.T @ G[:, n], atol=1e-14)


# --- stability over any finite input (hypothesis) -----------------------------

BIG = float(np.finfo(np.float64).max)


@settings(max_examples=30)
@given(z=arrays(np.float64, st.tuples(st.integers(1, 5), st.integers(1, 4)),
                elements=FINITE))
@example(z=np.array([[-BIG, 1e308, 0.0], [BIG, -1e308, -BIG]]))
def test_softmax_columns_are_probabilities_for_any_logits(backend, z):
    with np.errstate(**ERRSTATE):
        s = to_numpy(softmax(dev(z)))
        log_s = to_numpy(log_softmax(dev(z)))
    assert np.all(np.isfinite(s)) and np.all(np.isfinite(log_s))
    assert np.all((s >= 0) & (s <= 1))
    np.testing.assert_allclose(s.sum(axis=0), 1.0, rtol=1e-12)
    assert np.all(log_s <= 0)
    top = s[z.argmax(axis=0), np.arange(z.shape[1])]
    np.testing.assert_array_equal(top, s.max(axis=0))   # largest logit wins


@settings(max_examples=30)
@given(z=arrays(np.float64, st.integers(1, 8), elements=FINITE))
def test_logistic_is_in_unit_interval_for_any_input(backend, z):
    with np.errstate(**ERRSTATE):
        p = to_numpy(logistic(dev(z)))
        dp = to_numpy(logistic_derivative(dev(z)))
    assert np.all((p >= 0) & (p <= 1))
    assert np.all((dp >= 0) & (dp <= 0.25))
    assert np.all(p[z > 0] >= 0.5) and np.all(p[z < 0] <= 0.5)


@settings(max_examples=20)
@given(z=arrays(np.float32, st.integers(1, 6),
                elements=st.floats(width=32, allow_nan=False,
                                   allow_infinity=False)))
def test_float32_softmax_and_logistic_stay_float32_and_finite(backend, z):
    with np.errstate(**ERRSTATE):
        s = softmax(dev(z, "float32"))
        p = logistic(dev(z, "float32"))
    assert s.dtype == backend.xp.float32 and p.dtype == backend.xp.float32
    assert np.all(np.isfinite(to_numpy(s)))
    assert abs(float(np.sum(to_numpy(s), dtype=np.float64)) - 1.0) < 1e-5


# --- the registry -------------------------------------------------------------

def test_registry():
    assert set(ACTIVATIONS) == {
        "identity", "logistic", "tanh", "relu", "leaky_relu", "softmax"
    }
    assert set(HIDDEN_ACTIVATIONS) | set(OUTPUT_ACTIVATIONS) <= set(ACTIVATIONS)
    assert "softmax" not in HIDDEN_ACTIVATIONS
    for name, act in ACTIVATIONS.items():
        assert act.name == name
        assert act.elementwise == (name != "softmax")
        assert (act.df is None) == (name == "softmax")
    assert repr(ACTIVATIONS["tanh"]) == "Activation('tanh')"


def test_activation_is_callable(backend):
    z = dev([-1.0, 1.0])
    np.testing.assert_array_equal(
        to_numpy(ACTIVATIONS["relu"](z)), to_numpy(relu(z))
    )


def test_get_activation():
    assert get_activation("relu") is ACTIVATIONS["relu"]
    assert get_activation("sigmoid") is ACTIVATIONS["logistic"]
    assert get_activation("linear") is ACTIVATIONS["identity"]
    custom = Activation("mine", relu, relu_derivative)
    assert get_activation(custom) is custom


@pytest.mark.parametrize("bad", ["swish", None, ["relu"], 3])
def test_get_activation_unknown(bad):
    with pytest.raises(FnnlabError) as info:
        get_activation(bad, "hidden")
    message = str(info.value)
    assert message.startswith(f"hidden: got {bad!r}, expected one of")
    assert "'relu'" in message and "'softmax'" in message


def test_top_level_exports():
    for name in ["logistic", "softmax", "log_softmax", "relu", "tanh",
                 "leaky_relu", "softmax_vjp", "softmax_jacobian",
                 "get_activation", "ACTIVATIONS"]:
        assert hasattr(fnnlab, name)
