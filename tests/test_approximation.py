"""Tests of fnnlab.approximation (chapter *Universal approximation*).

Every number the chapter shows in a figure is checked here: bumps, the
staircase and the ReLU line, the least-squares fit, the error-versus-M
curves, the step target stuck at 1/2, and the two-input fit.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import fnnlab
from fnnlab import approximation as ua
from fnnlab.errors import FnnlabError, ShapeError


@pytest.fixture(autouse=True)
def _host_unless_a_backend_is_asked_for(request):
    """Tests without the ``backend`` fixture check host arithmetic with
    NumPy arrays, so they run on NumPy even under FNNLAB_BACKEND."""
    if "backend" in request.fixturenames:
        yield
    else:
        with fnnlab.use_backend("numpy"):
            yield


def host(x):
    return fnnlab.to_numpy(x)


# --- targets and grids -----------------------------------------------------------

def test_targets_take_their_defining_values(backend):
    x = fnnlab.asarray([0.0, 0.25, 0.4999, 0.5, 0.75, 1.0])
    np.testing.assert_allclose(
        host(ua.target_values("sine", x)),
        np.sin(2 * np.pi * np.array([0, 0.25, 0.4999, 0.5, 0.75, 1.0])),
        atol=1e-15)
    np.testing.assert_allclose(
        host(ua.target_values("abs", x)),
        [0.5, 0.25, 0.0001, 0.0, 0.25, 0.5], atol=1e-12)
    assert host(ua.target_values("step", x)).tolist() == [0, 0, 0, 1, 1, 1]


def test_unknown_target_names_the_argument():
    with pytest.raises(FnnlabError, match="target: got 'cosine'"):
        ua.target_values("cosine", np.zeros(3))


def test_grids_have_the_documented_shapes(backend):
    assert tuple(ua.unit_grid(11).shape) == (11,)
    X = ua.unit_square_grid(5)
    assert tuple(X.shape) == (2, 25)
    Xh = host(X)
    assert Xh.min() == 0.0 and Xh.max() == 1.0
    assert Xh[0, 1] == 0.25 and Xh[1, 1] == 0.0   # x_1 varies fastest


def test_square_target_needs_points_as_columns():
    X = host(ua.unit_square_grid(3))
    values = ua.square_target(X)
    np.testing.assert_allclose(
        values, np.sin(2 * np.pi * X[0]) * np.sin(np.pi * X[1]))
    with pytest.raises(ShapeError, match=r"X: got shape \(9, 2\)"):
        ua.square_target(X.T)


# --- one bump ---------------------------------------------------------------------

def test_bump_is_high_inside_and_low_outside(backend):
    x = fnnlab.asarray([0.0, 0.2, 0.45, 0.8, 1.0])
    b = host(ua.bump(x, 0.3, 0.6, height=2.0, steepness=200.0))
    assert abs(b[2] - 2.0) < 1e-6
    assert np.all(np.abs(b[[0, 1, 3, 4]]) < 1e-6)


def test_bump_network_computes_the_bump(backend):
    net = ua.bump_network(0.3, 0.6, height=1.5, steepness=50.0)
    assert net.widths == (1, 2, 1)
    assert net.activations == ("logistic", "identity")
    x = ua.unit_grid(101)
    np.testing.assert_allclose(
        host(ua.evaluate(net, x)),
        host(ua.bump(x, 0.3, 0.6, 1.5, 50.0)), atol=1e-14)
    np.testing.assert_allclose(host(net.b[0]), [-15.0, -30.0])


def test_bump_network_refuses_a_reversed_bump():
    with pytest.raises(FnnlabError, match="right: got 0.2"):
        ua.bump_network(0.5, 0.2)
    with pytest.raises(FnnlabError, match="steepness"):
        ua.bump(np.zeros(2), 0.1, 0.2, steepness=-1.0)


def test_network_from_units_checks_shapes():
    with pytest.raises(ShapeError, match=r"v: got shape \(2,\), expected \(3,\)"):
        ua.network_from_units([1, 2, 3], [0, 0, 0], [1, 1])
    net = ua.network_from_units(np.ones((4, 2)), np.zeros(4), np.ones(4), 0.5)
    assert net.widths == (2, 4, 1)


@given(st.integers(1, 6), st.integers(0, 2**31 - 1))
def test_contributions_add_up_to_the_output(M, seed):
    rng = np.random.default_rng(seed)
    w, b, v = rng.normal(size=(3, M)) * 5
    c = float(rng.normal())
    net = ua.network_from_units(w, b, v, c)
    x = np.linspace(0, 1, 23)
    parts = ua.unit_contributions(net, x)
    assert parts.shape == (M, 23)
    np.testing.assert_allclose(parts.sum(axis=0) + c, ua.evaluate(net, x),
                               atol=1e-12)
    expected = v[:, None] / (1 + np.exp(-(w[:, None] * x + b[:, None])))
    np.testing.assert_allclose(parts, expected, atol=1e-12)


def test_contributions_need_one_hidden_layer():
    net = fnnlab.FNN([1, 3, 3, 1], "relu", output="identity")
    with pytest.raises(ShapeError, match=r"net: got widths \[1, 3, 3, 1\]"):
        ua.unit_contributions(net, np.zeros(3))


def test_units_picture_for_the_bump_builder():
    goal = lambda x: ua.bump(x, 0.4, 0.6, 1.0, 50.0)   # noqa: E731
    exact = ua.units_picture([50, 50], [-20, -30], [1, -1], target=goal)
    assert exact.max_error < 1e-12
    np.testing.assert_allclose(exact.edges, [0.4, 0.6])
    assert exact.contributions.shape == (2, 501)
    off = ua.units_picture([20, 0], [-6, 1], [1, 0], target=goal)
    assert off.edges[0] == pytest.approx(0.3) and np.isnan(off.edges[1])
    assert off.max_error > 0.5
    assert ua.units_picture([1], [0], [1]).max_error is None


# --- weights read off the target ----------------------------------------------------

@given(st.integers(1, 40))
def test_staircase_takes_the_target_value_in_each_piece(M):
    net = ua.staircase_network("sine", M, steepness=1e4)
    middles = (np.arange(M + 1) + 0.5) / (M + 1)
    np.testing.assert_allclose(
        ua.evaluate(net, middles), np.sin(2 * np.pi * middles), atol=1e-6)
    assert net.widths == (1, M, 1)


def test_staircase_error_is_half_the_largest_jump():
    x = host(ua.unit_grid())
    for M in (3, 7, 15):
        net = ua.staircase_network("sine", M, ua.default_steepness(M))
        err = ua.max_error(net, x, np.sin(2 * np.pi * x))
        assert err == pytest.approx(math.sin(math.pi / (M + 1)), abs=2e-3)


@given(st.integers(1, 40))
def test_relu_line_passes_through_the_knots(M):
    net = ua.interpolating_network("sine", M)
    knots = np.linspace(0, 1, M + 1)
    np.testing.assert_allclose(
        ua.evaluate(net, knots), np.sin(2 * np.pi * knots), atol=1e-12)
    assert net.activations == ("relu", "identity")


@given(st.integers(1, 20))
def test_relu_line_is_exact_on_abs_when_the_kink_is_a_knot(half):
    net = ua.interpolating_network("abs", 2 * half)
    x = host(ua.unit_grid())
    assert ua.max_error(net, x, np.abs(x - 0.5)) < 1e-12


def test_no_continuous_fit_beats_one_half_on_the_step():
    x = host(ua.unit_grid())            # contains 0.5
    y = (x >= 0.5).astype(float)
    for M in (1, 3, 7, 63):
        for net in (ua.staircase_network("step", M, ua.default_steepness(M)),
                    ua.interpolating_network("step", M)):
            assert ua.max_error(net, x, y) == pytest.approx(0.5, abs=1e-9)
    even = ua.staircase_network("step", 8, ua.default_steepness(8))
    assert ua.max_error(even, x, y) > 0.95   # 0.5 is no longer an edge


# --- least squares and training -----------------------------------------------------

def test_least_squares_solves_the_normal_equations(backend):
    net = ua.grid_units_network(9, steepness=18.0)
    x = ua.unit_grid(301)
    y = ua.target_values("sine", x)
    ua.fit_output_layer(net, x, y)
    A1 = host(net.forward(x[None, :], keep=True).A[1])
    Phi = np.hstack([A1.T, np.ones((301, 1))])
    residual = host(ua.evaluate(net, x)) - host(y)
    assert np.max(np.abs(Phi.T @ residual)) < 1e-8


def test_least_squares_recovers_a_network_it_can_represent():
    M = 6
    net = ua.grid_units_network(M, steepness=12.0)
    true = ua.grid_units_network(M, steepness=12.0)
    v = np.array([0.5, -1.0, 2.0, 0.0, 1.5, -0.5])
    true.set_params({"W2": v[None, :], "b2": np.array([0.3])})
    x = np.linspace(0, 1, 200)
    ua.fit_output_layer(net, x, ua.evaluate(true, x))
    np.testing.assert_allclose(host(net.W[1])[0], v, atol=1e-8)
    np.testing.assert_allclose(host(net.b[1]), [0.3], atol=1e-8)


def test_fit_output_layer_checks_y():
    net = ua.grid_units_network(3)
    with pytest.raises(ShapeError, match=r"y: got shape \(4,\), expected \(5,\)"):
        ua.fit_output_layer(net, np.linspace(0, 1, 5), np.zeros(4))


def test_grid_and_random_units_put_their_edges_inside():
    net = ua.grid_units_network(4, steepness=8.0)
    np.testing.assert_allclose(-host(net.b[0]) / host(net.W[0])[:, 0],
                               [0.125, 0.375, 0.625, 0.875])
    relu = ua.grid_units_network(4, activation="relu")
    np.testing.assert_allclose(host(relu.b[0]), [0, -0.25, -0.5, -0.75])
    rand = ua.random_units_network(3, 50, steepness=7.0, seed=1)
    W, b = host(rand.W[0]), host(rand.b[0])
    np.testing.assert_allclose(np.linalg.norm(W, axis=1), 7.0)
    # the unit's plane w^T x + b = 0 meets the cube: its corners are on
    # both sides of it (or on it)
    corners = np.array(np.meshgrid(*[[0, 1]] * 3)).reshape(3, -1)
    values = W @ corners + b[:, None]
    assert np.all(values.min(axis=1) <= 0) and np.all(values.max(axis=1) >= 0)


def test_trained_network_learns_and_reports_its_history(backend):
    net, history = ua.trained_network("sine", 7, epochs=200)
    assert net.widths == (1, 7, 1)
    assert history.epochs == 200
    assert history.loss[-1] < 0.25 * history.loss[0]


def test_approximate_dispatches_and_measures(backend):
    fit = ua.approximate("sine", 7)
    assert isinstance(fit.x, np.ndarray) and fit.x.shape == (2001,)
    assert fit.max_error == pytest.approx(np.max(np.abs(fit.F - fit.f)))
    assert repr(fit) == (
        "Approximation(M=7, activation='logistic', max_error=0.3827)")
    relu = ua.approximate("abs", 4, activation="relu",
                          method="least_squares")
    assert relu.max_error < 1e-10
    with pytest.raises(FnnlabError, match="method: got 'guess'"):
        ua.approximate("sine", 3, method="guess")
    with pytest.raises(FnnlabError, match="M: got 0"):
        ua.approximate("sine", 0)


# --- the error curves of the chapter's figure -------------------------------------

MS = [1, 3, 7, 15, 31, 63]


def test_error_falls_with_M_on_continuous_targets():
    for target in ("sine", "abs"):
        for method, activation in [("construct", "logistic"),
                                   ("construct", "relu"),
                                   ("least_squares", "logistic"),
                                   ("least_squares", "relu")]:
            errors = ua.error_vs_units(target, MS, method, activation)
            assert np.all(np.diff(errors) < 0), (target, method, activation)
            assert errors[-1] < 0.05


def test_relu_line_falls_like_one_over_M_squared_on_the_sine():
    errors = ua.error_vs_units("sine", [15, 31, 63], "construct", "relu")
    ratios = errors[:-1] / errors[1:]
    assert np.all((ratios > 3.5) & (ratios < 4.5))


def test_step_error_stays_near_one_half():
    for method, activation in [("construct", "logistic"),
                               ("least_squares", "logistic"),
                               ("least_squares", "relu")]:
        errors = ua.error_vs_units("step", MS, method, activation)
        assert np.all(np.abs(errors - 0.5) < 0.02)


def test_training_stalls_above_least_squares():
    trained = ua.error_vs_units("sine", [7, 15], "train")
    squares = ua.error_vs_units("sine", [7, 15], "least_squares")
    assert np.all(trained > 2 * squares)
    assert np.all(trained < 0.2)


def test_two_inputs_fit_improves_with_more_ridges():
    X, G = ua.unit_square_grid(41), ua.unit_square_grid(101)
    errors = []
    for M in (10, 50, 100):
        net = ua.random_units_network(2, M, steepness=10.0, seed=0)
        ua.fit_output_layer(net, X, ua.square_target(X))
        errors.append(ua.max_error(net, G, ua.square_target(G)))
    assert errors[0] > 0.5 and errors[1] < 0.05 and errors[2] < 0.01
