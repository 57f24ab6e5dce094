"""Numerical differentiation: the three quotients, the step sweep, the cost
count, and the gradient check (cases C09 and C10)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import fnnlab
from fnnlab.errors import FnnlabError
from fnnlab.numerical import (
    CallCounter,
    StepSweep,
    central_difference,
    complex_step,
    count_calls,
    count_passes,
    forward_difference,
    gradient_check,
    gradient_cost,
    numerical_gradient,
    plot_step_sweep,
    relative_error,
    step_sweep,
    textbook_step,
)

small = st.floats(-3.0, 3.0, allow_nan=False)


# --- scalar quotients -----------------------------------------------------------

def test_quotients_of_exp_at_1():
    assert forward_difference(np.exp, 1.0) == pytest.approx(math.e, rel=1e-7)
    assert central_difference(np.exp, 1.0) == pytest.approx(math.e, rel=1e-9)
    assert abs(complex_step(np.exp, 1.0) - math.e) < 1e-15


def test_forward_difference_has_first_order_error():
    # (exp(1 + h) - exp(1)) / h - e is about e h / 2
    h = 1e-3
    err = forward_difference(np.exp, 1.0, h) - math.e
    assert err == pytest.approx(math.e * h / 2, rel=1e-2)


def test_complex_step_needs_a_complex_capable_function():
    with pytest.raises(FnnlabError, match="f: returned float"):
        complex_step(lambda z: 1.0, 1.0)


@pytest.mark.parametrize("quotient", [forward_difference, central_difference,
                                      complex_step])
def test_quotients_reject_a_bad_step(quotient):
    with pytest.raises(FnnlabError, match="h: got 0"):
        quotient(np.exp, 1.0, 0)


@given(small, small, small)
def test_central_difference_of_a_cubic(a, b, x):
    f = lambda t: a * t ** 3 + b * t          # noqa: E731
    exact = 3 * a * x ** 2 + b
    assert central_difference(f, x, 1e-4) == pytest.approx(exact, abs=1e-6)


# --- gradients of functions of arrays --------------------------------------------

@pytest.mark.parametrize("method, tol", [("central", 1e-8),
                                         ("forward", 1e-5),
                                         ("complex", 1e-14)])
def test_numerical_gradient_methods(method, tol):
    rng = np.random.default_rng(1)
    A = rng.standard_normal((3, 3))
    x = rng.standard_normal((3, 2))
    f = lambda v: np.sum(np.exp(A @ v))      # noqa: E731
    g = numerical_gradient(f, x, method=method)
    assert g.shape == x.shape
    assert np.allclose(g, A.T @ np.exp(A @ x), rtol=tol, atol=tol)


def test_numerical_gradient_on_a_view_restores_it():
    base = np.arange(6.0).reshape(2, 3)
    x = base.T                                # not C-contiguous
    before = x.copy()
    g = numerical_gradient(lambda v: np.sum(v ** 3), x)
    assert np.allclose(g, 3 * before ** 2, rtol=1e-8, atol=1e-8)
    assert np.array_equal(x, before)


def test_numerical_gradient_counts_its_calls():
    x = np.zeros(5)
    for method, calls in [("central", 10), ("forward", 6), ("complex", 5)]:
        f = CallCounter(lambda v: np.sum(v))
        numerical_gradient(f, x, method=method)
        assert f.calls == calls


def test_numerical_gradient_rejects_bad_input():
    with pytest.raises(FnnlabError, match="x: got list"):
        numerical_gradient(np.sum, [1.0, 2.0])
    with pytest.raises(FnnlabError, match="x: got ndarray"):
        numerical_gradient(np.sum, np.arange(3))
    with pytest.raises(FnnlabError, match="method: got 'backward'"):
        numerical_gradient(np.sum, np.zeros(2), method="backward")


# --- relative error ---------------------------------------------------------------

def test_relative_error_never_divides_by_zero():
    assert relative_error(np.zeros(3), np.zeros(3)) == 0.0
    assert relative_error(np.zeros(2), np.array([0.0, 1e-300])) == 1.0


@given(st.lists(small, min_size=1, max_size=5),
       st.lists(small, min_size=1, max_size=5))
def test_relative_error_lies_in_0_1(a, b):
    n = min(len(a), len(b))
    e = relative_error(np.array(a[:n]), np.array(b[:n]))
    assert 0.0 <= e <= 1.0


# --- C09: ReLU at its kink ----------------------------------------------------------

def _relu_scalar(x):
    return float(fnnlab.relu(np.array(x)))


def test_c09_relu_derivative_at_its_kink():
    assert float(fnnlab.relu_derivative(np.array(0.0))) == 0.0  # convention
    assert central_difference(_relu_scalar, 0.0) == 0.5
    assert central_difference(_relu_scalar, 0.01) == pytest.approx(1.0,
                                                                    abs=1e-9)
    assert float(fnnlab.relu_derivative(np.array(0.01))) == 1.0


def _kinked_net(b0):
    """A ReLU net whose first hidden unit gets net input ``b0`` on the
    first sample (column ``[0.5, 0.5]``)."""
    net = fnnlab.FNN([2, 3, 1], activation="relu", output="identity")
    W1 = np.array([[1.0, -1.0], [0.5, 0.8], [-0.6, 0.9]])
    b1 = np.array([b0, 0.1, 0.2])
    W2 = np.array([[0.7, -0.4, 0.9]])
    net.set_params({"W1": W1, "b1": b1, "W2": W2})
    A0 = np.array([[0.5, -0.3], [0.5, 0.8]])
    Y = np.array([[0.2, -0.5]])
    return net, A0, Y


def test_c09_gradient_check_skips_entries_on_a_kink():
    net, A0, Y = _kinked_net(0.0)
    report = gradient_check(net, A0, Y)
    rows = {r[0]: r for r in report.rows}
    assert rows["W1"][4] == 2 and rows["b1"][4] == 1   # left out
    assert rows["W1"][3] == 4 and rows["W2"][4] == 0
    assert report.passed(1e-7)


def test_c09_a_naive_check_at_the_kink_fails():
    net, A0, Y = _kinked_net(0.0)
    analytic = fnnlab.backprop(net, A0, Y)["b1"][0]
    naive = central_difference(
        lambda t: _risk_with_b1_0(net, A0, Y, t), 0.0, 1e-6)
    assert analytic == 0.0                     # relu'(0) = 0
    assert abs(naive - analytic) > 0.01        # half a one-sided slope


def _risk_with_b1_0(net, A0, Y, t):
    b1 = np.array(net.b[0])
    b1[0] = t
    net.set_params({"b1": b1})
    return fnnlab.structural_risk(net, A0, Y)


def test_c09_gradient_check_steps_away_from_a_near_kink():
    # net input 3e-7: a step of 1e-6 crosses 0, a step of 1e-7 does not
    net, A0, Y = _kinked_net(3e-7)
    report = gradient_check(net, A0, Y, h=1e-6)
    assert all(r[4] == 0 for r in report.rows)
    assert report.passed(1e-6)


# --- C10: float32 ------------------------------------------------------------------

def test_c10_central_difference_float64():
    assert central_difference(lambda x: x ** 2, 1.0, 1e-5) == 2.000000000002


def test_c10_central_difference_float32():
    d = central_difference(lambda x: x ** 2, np.float32(1.0), 1e-5)
    assert d.dtype == np.float32
    assert float(d) == pytest.approx(2.002716, abs=1e-6)
    assert abs(float(d) - 2.0) / 2.0 == pytest.approx(1.358e-3, rel=1e-3)


def test_c10_gradient_check_computes_in_float64():
    net = fnnlab.FNN([3, 4, 2], activation="tanh", dtype="float32", seed=1)
    rng = np.random.default_rng(0)
    A0 = rng.standard_normal((3, 5)).astype(np.float32)
    Y = fnnlab.one_hot(np.array([0, 1, 1, 0, 1]), 2)
    report = gradient_check(net, A0, Y)
    assert report.note.startswith("float64 on the host")
    assert "a float64 copy of this float32 network" in report.note
    assert report.passed(1e-7)


# --- the step sweep ----------------------------------------------------------------

@pytest.fixture(scope="module")
def sweep():
    return step_sweep(np.exp, np.exp, 1.0)


def test_textbook_steps():
    assert textbook_step("forward") == pytest.approx(1.49e-8, rel=1e-2)
    assert textbook_step("central") == pytest.approx(6.06e-6, rel=1e-2)
    assert textbook_step("forward", "float32") == pytest.approx(3.45e-4,
                                                                rel=1e-2)
    assert textbook_step("central", np.float32) == pytest.approx(4.92e-3,
                                                                 rel=1e-2)
    with pytest.raises(FnnlabError, match="method: got 'complex'"):
        textbook_step("complex")


@pytest.mark.parametrize("method", ["forward", "central"])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_best_step_is_near_the_textbook(sweep, method, dtype):
    ratio = sweep.best_step(method, dtype) / textbook_step(method, dtype)
    assert 1 / 100 < ratio < 100


def test_sweep_shape_and_sides(sweep):
    steps, errors = sweep
    assert isinstance(sweep, StepSweep) and steps.shape == (65,)
    assert set(errors) == {("forward", "float64"), ("central", "float64"),
                           ("forward", "float32"), ("central", "float32")}
    for err in errors.values():
        i = int(np.argmin(err))
        assert err[0] > 10 * err[i] and err[-1] > 10 * err[i]  # a valley
    # central beats forward, float64 beats float32, at their best
    assert sweep.best_error("central") < sweep.best_error("forward") / 100
    assert (sweep.best_error("central", "float32")
            > 1000 * sweep.best_error("central", "float64"))


def test_sweep_refuses_a_function_that_changes_dtype():
    with pytest.raises(FnnlabError, match="f: returned float64 for a float32"):
        step_sweep(lambda x: np.float64(x) ** 2, lambda x: 2 * x, 1.0)


def test_sweep_repr_and_plot(sweep):
    text = repr(sweep)
    assert text.splitlines()[0].split() == ["method", "dtype", "textbook",
                                            "h", "best", "h", "best", "error"]
    assert len(text.splitlines()) == 5
    import matplotlib

    matplotlib.use("Agg")
    ax = plot_step_sweep(sweep)
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["forward, float64", "central, float64",
                      "forward, float32", "central, float32"]
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
    import matplotlib.pyplot as plt

    plt.close("all")


# --- the cost ------------------------------------------------------------------------

def test_call_counter_and_count_calls():
    class Thing:
        def go(self, x):
            return x + 1

    thing = Thing()
    with count_calls(thing, "go") as counter:
        assert thing.go(1) == 2 and thing.go(2) == 3
    assert counter.calls == 2 and "go" not in vars(thing)
    assert repr(counter) == "CallCounter(calls=2)"
    with pytest.raises(FnnlabError, match="f: got int"):
        CallCounter(3)


def test_count_passes_by_method():
    from fnnlab.autodiff import forward

    x = np.linspace(-1.0, 1.0, 7)
    numeric = count_passes(numerical_gradient, lambda v: np.sum(v ** 2), x)
    dual = count_passes(forward.gradient, lambda v: (v * v).sum(), x, 2)
    assert (numeric.passes, dual.passes) == (14, 7)
    assert dual.seconds > 0.0 and repr(dual) == "PassCount(passes=7)"


def test_gradient_cost_counts_two_passes_per_parameter():
    net = fnnlab.FNN([4, 6, 3], activation="tanh", seed=0)
    rng = np.random.default_rng(0)
    A0 = rng.standard_normal((4, 8))
    Y = fnnlab.one_hot(rng.integers(0, 3, 8), 3)
    cost = gradient_cost(net, A0, Y, repeat=3)
    assert cost.num_params == 4 * 6 + 6 + 6 * 3 + 3
    assert cost.numerical_passes == 2 * cost.num_params
    assert cost.backprop_passes == 1
    assert cost.max_relative_error < 1e-7
    assert cost.time_ratio > 1.0
    assert "seconds" not in repr(cost)
