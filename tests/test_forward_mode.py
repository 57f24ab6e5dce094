"""Forward mode: every dual operation against central differences, scalar
and array (on every backend), the case C13, and the helpers."""

from __future__ import annotations

import math
import operator

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import fnnlab
from fnnlab.autodiff import forward as fm
from fnnlab.autodiff.forward import Dual, DualArray
from fnnlab.backend import from_numpy
from fnnlab.errors import FnnlabError, ShapeError
from fnnlab.numerical import CallCounter, central_difference

H = 1e-6


def floats(lo, hi):
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False)


# name: (function, domain)
UNARY = {
    "neg": (operator.neg, (-5.0, 5.0)),
    "exp": (fm.exp, (-5.0, 5.0)),
    "log": (fm.log, (0.1, 10.0)),
    "sin": (fm.sin, (-5.0, 5.0)),
    "cos": (fm.cos, (-5.0, 5.0)),
    "tanh": (fm.tanh, (-4.0, 4.0)),
    "logistic": (fm.logistic, (-8.0, 8.0)),
}

# name: (operator, domain of the left operand, domain of the right one)
BINARY = {
    "add": (operator.add, (-5.0, 5.0), (-5.0, 5.0)),
    "sub": (operator.sub, (-5.0, 5.0), (-5.0, 5.0)),
    "mul": (operator.mul, (-5.0, 5.0), (-5.0, 5.0)),
    "div": (operator.truediv, (-5.0, 5.0), (0.5, 5.0)),
    "pow": (operator.pow, (0.2, 3.0), (-2.0, 2.0)),
}


def close(a, b):
    return math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-6)


# --- scalar duals -------------------------------------------------------------------

@pytest.mark.parametrize("name", UNARY)
@given(data=st.data())
def test_scalar_unary_against_central_differences(name, data):
    f, (lo, hi) = UNARY[name]
    x = data.draw(floats(lo, hi))
    y = f(Dual(x, 1.0))
    assert y.value == pytest.approx(f(x), rel=1e-15, abs=1e-300)
    assert close(y.tangent, central_difference(f, x, H))


@pytest.mark.parametrize("name", BINARY)
@given(data=st.data())
def test_scalar_binary_against_central_differences(name, data):
    op, (alo, ahi), (blo, bhi) = BINARY[name]
    a, b = data.draw(floats(alo, ahi)), data.draw(floats(blo, bhi))
    da = central_difference(lambda t: op(t, b), a, H)
    db = central_difference(lambda t: op(a, t), b, H)
    # dual with dual, each seed in turn
    assert close(op(Dual(a, 1.0), Dual(b)).tangent, da)
    assert close(op(Dual(a), Dual(b, 1.0)).tangent, db)
    # dual with a constant, on either side (reflected operators)
    assert close(op(Dual(a, 1.0), b).tangent, da)
    assert close(op(a, Dual(b, 1.0)).tangent, db)
    assert op(a, Dual(b)).value == pytest.approx(op(a, b), rel=1e-15)


@given(floats(-3.0, 3.0), st.integers(-3, 4))
def test_scalar_power_with_an_integer_exponent_any_sign_of_base(a, n):
    if n < 0 and abs(a) < 0.2:
        a = 0.5
    exact = 0.0 if n == 0 else n * a ** (n - 1)
    assert close((Dual(a, 1.0) ** n).tangent, exact)


def test_c13_powers():
    assert fm.derivative(lambda a: a ** 3, -2.0) == 12.0
    assert fm.derivative(lambda a: a ** 2, -2.0) == -4.0
    assert fm.derivative(lambda x: 1 / x, 2.0) == -0.25
    y = Dual(-2.0) ** Dual(-3.0)
    assert y.value == -0.125
    da, db = fm.partials(lambda a, b: a ** b, -2.0, -3.0)
    assert da == -0.1875
    assert math.isnan(db)                       # log of a negative base


def test_powers_at_the_edges():
    assert math.isnan((Dual(-8.0, 1.0) ** (1 / 3)).value)   # not real
    y = Dual(0.0, 1.0) ** 0
    assert (y.value, y.tangent) == (1.0, 0.0)
    assert (Dual(0.0, 1.0) ** -1).value == math.inf          # no crash
    assert fm.partials(lambda a, b: a ** b, 0.0, 2.0) == (0.0, 0.0)
    assert (2.0 ** Dual(3.0, 1.0)).tangent == pytest.approx(8 * math.log(2))
    assert math.isnan(((-2.0) ** Dual(2.0, 1.0)).tangent)
    assert ((-2.0) ** Dual(2.0)).tangent == 0.0


def test_scalar_limits_are_named():
    with pytest.raises(FnnlabError, match="log: got a value of 0.0"):
        fm.log(Dual(0.0, 1.0))
    with pytest.raises(FnnlabError, match="value: got str"):
        Dual("1")
    with pytest.raises(ZeroDivisionError):
        Dual(1.0) / Dual(0.0)
    assert fm.exp(Dual(1000.0, 1.0)).value == math.inf
    assert fm.logistic(Dual(-1000.0, 1.0)).value == 0.0


def test_scalar_odds_and_ends():
    assert repr(Dual(2.0, 1.0) * 3) == "Dual(value=6.0, tangent=3.0)"
    y = np.float64(2.0) * Dual(1.0, 1.0)        # NumPy scalar on the left
    assert isinstance(y, Dual) and y.tangent == 2.0
    assert Dual(1.0) < 2 and Dual(3.0) >= Dual(3.0, 5.0)
    assert fm.exp(0.0) == 1.0 and fm.logistic(0) == 0.5
    assert fm.derivative(lambda x: 3.0, 1.0) == 0.0
    with pytest.raises(FnnlabError, match="f: returned str"):
        fm.derivative(lambda x: "x", 1.0)
    with pytest.raises(FnnlabError, match="x: got str"):
        fm.exp("x")


def test_partials_of_the_chain_rule_example():
    f = lambda x, y: fm.sin(x * y) + fm.exp(x) / y   # noqa: E731
    dx, dy = fm.partials(f, 0.7, 1.3)
    assert close(dx, 1.3 * math.cos(0.91) + math.exp(0.7) / 1.3)
    assert close(dy, 0.7 * math.cos(0.91) - math.exp(0.7) / 1.3 ** 2)


# --- array duals, on every backend ----------------------------------------------------

array_settings = settings(max_examples=15, suppress_health_check=[
    HealthCheck.function_scoped_fixture])


def vectors(lo, hi):
    return st.lists(floats(lo, hi), min_size=3, max_size=3)


def host(x):
    return np.asarray(fnnlab.to_numpy(x), dtype=np.float64)


def array_central(f, x):
    """Elementwise central difference of an elementwise f."""
    return host((f(x + H) - f(x - H)) / (2 * H))


def allclose(a, b):
    return np.allclose(host(a), host(b), rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("name", UNARY)
@array_settings
@given(data=st.data())
def test_array_unary_against_central_differences(backend, name, data):
    f, (lo, hi) = UNARY[name]
    x = fnnlab.asarray(data.draw(vectors(lo, hi)))
    y = f(DualArray(x, backend.xp.ones_like(x)))
    assert isinstance(y, DualArray) and y.shape == (3,)
    assert allclose(y.value, f(x))
    assert allclose(y.tangent, array_central(f, x))


@pytest.mark.parametrize("name", BINARY)
@array_settings
@given(data=st.data())
def test_array_binary_against_central_differences(backend, name, data):
    op, (alo, ahi), (blo, bhi) = BINARY[name]
    a = fnnlab.asarray(data.draw(vectors(alo, ahi)))
    b = fnnlab.asarray(data.draw(vectors(blo, bhi)))
    s = data.draw(floats(blo, bhi))
    one = backend.xp.ones_like(a)
    da = array_central(lambda t: op(t, b), a)
    db = array_central(lambda t: op(a, t), b)
    assert allclose(op(DualArray(a, one), DualArray(b)).tangent, da)
    assert allclose(op(DualArray(a), DualArray(b, one)).tangent, db)
    assert allclose(op(DualArray(a, one), b).tangent, da)
    assert allclose(op(DualArray(a, one), s).tangent,
                    array_central(lambda t: op(t, s), a))
    c = float(host(a)[0])
    assert allclose(op(c, DualArray(b, one)).tangent,
                    array_central(lambda t: op(c, t), b))


def test_c13_arrays(backend):
    a = DualArray(fnnlab.asarray([-2.0, 3.0]), fnnlab.asarray([1.0, 1.0]))
    b = DualArray(fnnlab.asarray([-3.0, 0.5]))
    y = a ** b
    assert np.allclose(host(y.value), [-0.125, 3 ** 0.5])
    assert np.allclose(host(y.tangent), [-0.1875, 0.5 * 3 ** -0.5])
    y = DualArray(a.value) ** DualArray(b.value, a.tangent)
    t = host(y.tangent)
    assert math.isnan(t[0]) and t[1] == pytest.approx(3 ** 0.5 * math.log(3))
    assert np.allclose(host((a ** 3).tangent), [12.0, 27.0])
    assert np.allclose(host((1 / a).tangent), [-0.25, -1 / 9])
    y = DualArray(fnnlab.asarray([0.0, 2.0]), fnnlab.asarray([1.0, 1.0])) ** 0
    assert np.array_equal(host(y.value), [1.0, 1.0])
    assert np.array_equal(host(y.tangent), [0.0, 0.0])      # no 0 * inf


def test_array_broadcasting_and_mixing(backend):
    xp = backend.xp
    v = DualArray(fnnlab.asarray([1.0, 2.0]), fnnlab.asarray([1.0, 0.0]))
    y = DualArray(fnnlab.asarray([[1.0, 1.0], [2.0, 2.0]])) + v
    assert y.shape == (2, 2) and np.allclose(host(y.tangent), [[1, 0], [1, 0]])
    y = v + fnnlab.asarray([[0.0, 0.0]])        # constant broadcasts it
    assert y.tangent.shape == (1, 2)
    y = v * Dual(3.0, 1.0)                      # a scalar dual mixes in
    assert np.allclose(host(y.tangent), [3.0 + 1.0, 2.0])
    y = Dual(3.0, 1.0) * v
    assert isinstance(y, DualArray)
    s = (v * v).sum()
    assert s.shape == () and float(host(s.tangent)) == 2.0
    assert np.allclose(host(v[1:].value), [2.0])
    assert np.allclose(host(v[:1].tangent), [1.0])
    assert DualArray(fnnlab.asarray([[1.0, 2.0]])).T.shape == (2, 1)
    assert "DualArray(shape=(2,)" in repr(v)
    with pytest.raises(ShapeError, match="tangent: got shape"):
        DualArray(xp.zeros(2), xp.zeros(3))
    with pytest.raises(FnnlabError, match="value: got list"):
        DualArray([1.0])


def test_numpy_array_on_the_left_hands_over():
    v = DualArray(np.array([1.0, 2.0]), np.array([1.0, 0.0]))
    for y in (np.ones(2) * v, np.ones(2) - v, np.ones((2, 2)) @ v):
        assert isinstance(y, DualArray)
    assert np.array_equal((np.ones(2) - v).tangent, [-1.0, 0.0])
    M = np.array([[1.0, 2.0], [3.0, 4.0]])
    assert np.array_equal((M @ v).tangent, [1.0, 3.0])


def test_array_of_another_backend_is_refused():
    strict = fnnlab.backend.make_backend("array_api_strict")
    x = fnnlab.asarray([1.0, 2.0], backend=strict)
    with pytest.raises(fnnlab.BackendMismatchError):
        DualArray(x, np.ones(2))


def test_matmul_both_sides(backend):
    rng = np.random.default_rng(0)
    W = from_numpy(rng.standard_normal((2, 3)))
    dW = from_numpy(rng.standard_normal((2, 3)))
    A = from_numpy(rng.standard_normal((3, 4)))
    dA = from_numpy(rng.standard_normal((3, 4)))
    y = DualArray(W, dW) @ DualArray(A, dA)
    assert allclose(y.tangent, dW @ A + W @ dA)
    assert allclose((DualArray(W, dW) @ A).tangent, dW @ A)


# --- jvp and gradients by N passes ---------------------------------------------------

def _risk_of_W1(net, A0, Y):
    """The squared-error risk of a tanh network as a function of ``W1``,
    written on dual arrays (the constants are wrapped so that they sit on
    the left of ``@`` on every backend)."""
    W2, b1, b2 = DualArray(net.W[1]), net.b[0], net.b[1]
    N = A0.shape[1]

    def risk(W1):
        a1 = fm.tanh(W1 @ A0 + b1[:, None])
        z2 = W2 @ a1 + b2[:, None]
        return ((z2 - Y) ** 2).sum() * (0.5 / N)
    return risk


def test_forward_gradient_of_a_network_equals_backprop(backend):
    net = fnnlab.FNN([3, 4, 2], activation="tanh", output="identity", seed=2)
    rng = np.random.default_rng(0)
    A0 = from_numpy(rng.standard_normal((3, 5)))
    Y = from_numpy(rng.standard_normal((2, 5)))
    f = CallCounter(_risk_of_W1(net, A0, Y))
    g = fm.gradient(f, net.W[0])
    assert f.calls == 12                        # one pass per entry of W1
    expected = fnnlab.backprop(net, A0, Y)["W1"]
    assert np.allclose(host(g), host(expected), rtol=1e-12, atol=1e-14)


def test_jvp_is_the_gradient_along_a_direction(backend):
    net = fnnlab.FNN([3, 4, 2], activation="tanh", output="identity", seed=2)
    rng = np.random.default_rng(1)
    A0 = from_numpy(rng.standard_normal((3, 5)))
    Y = from_numpy(rng.standard_normal((2, 5)))
    v = from_numpy(rng.standard_normal((4, 3)))
    value, slope = fm.jvp(_risk_of_W1(net, A0, Y), net.W[0], v)
    g = fnnlab.backprop(net, A0, Y)["W1"]
    assert float(host(slope)) == pytest.approx(float(np.sum(host(g) * host(v))),
                                               rel=1e-12)
    assert float(host(value)) == pytest.approx(
        fnnlab.structural_risk(net, A0, Y), rel=1e-12)


def test_gradient_needs_a_scalar_function():
    with pytest.raises(FnnlabError, match="expected a 0-d DualArray"):
        fm.gradient(lambda x: x * 2.0, np.ones(3))
    with pytest.raises(FnnlabError, match="x: got float"):
        fm.gradient(lambda x: x, 1.0)
    with pytest.raises(FnnlabError, match="f: returned float"):
        fm.jvp(lambda x: 1.0, np.ones(2), np.ones(2))


def test_numpy_scalar_results_stay_numpy_under_another_default_backend():
    """A 0-d NumPy dual array keeps working when the default backend is
    another one (NumPy reductions return numpy.float64 scalars)."""
    import numpy as np

    from fnnlab import use_backend
    from fnnlab.autodiff.forward import DualArray

    d = DualArray(np.array([1.0, 2.0]), np.array([1.0, 0.0]))
    with use_backend("array_api_strict"):
        out = -DualArray(np.ones(3), np.ones(3)).sum()
        both = d.sum() ** d.sum()           # x ** x at x = 3, dx = 1
        base = 2.0 ** d.sum()               # 2 ** x at x = 3, dx = 1
    assert float(out.value) == -3.0
    assert float(out.tangent) == -3.0
    assert isinstance(both.value, np.ndarray)
    assert float(both.value) == 27.0
    assert float(both.tangent) == pytest.approx(27.0 * (np.log(3.0) + 1.0))
    assert isinstance(base.value, np.ndarray)
    assert float(base.value) == 8.0
    assert float(base.tangent) == pytest.approx(8.0 * np.log(2.0))
