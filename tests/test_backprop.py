"""fnnlab.backprop: error terms and gradients, checked against central
differences (fnnlab.gradient_check) for every activation and loss."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fnnlab import FNN, backprop, error_terms, gradient_check, structural_risk
from fnnlab.activations import HIDDEN_ACTIVATIONS
from fnnlab.backend import from_numpy, to_numpy
from fnnlab.backprop import gradients_from, loss_value, output_delta
from fnnlab.errors import FnnlabError, ShapeError
from fnnlab.losses import LOSSES, frobenius_penalty

OUTPUT_LOSSES = [
    ("softmax", "cross_entropy"),
    ("softmax", "squared_error"),
    ("logistic", "binary_cross_entropy"),
    ("logistic", "squared_error"),
    ("identity", "squared_error"),
]


def dev(x, dtype="float64"):
    return from_numpy(np.asarray(x, dtype=dtype))


def problem(output, M_0=3, hidden=(4,), N=5, seed=0):
    """Inputs (M_0, N) and targets (M_L, N) that suit ``output``."""
    rng = np.random.default_rng(seed)
    A0 = rng.standard_normal((M_0, N))
    if output == "softmax":
        M_L = 3
        Y = np.eye(M_L)[:, rng.integers(0, M_L, N)]
    elif output == "logistic":
        M_L = 1
        Y = rng.integers(0, 2, (1, N)).astype(np.float64)
    else:
        M_L = 2
        Y = rng.standard_normal((M_L, N))
    return [M_0, *hidden, M_L], A0, Y


# --- backprop against the gradient check, every combination -------------------

@pytest.mark.parametrize("lam", [0.0, 0.3])
@pytest.mark.parametrize("output, loss", OUTPUT_LOSSES)
@pytest.mark.parametrize("hidden", HIDDEN_ACTIVATIONS)
def test_backprop_matches_the_gradient_check(backend, hidden, output, loss,
                                             lam):
    widths, A0, Y = problem(output, hidden=(4, 3))
    net = FNN(widths, activation=hidden, output=output, seed=3)
    report = gradient_check(net, dev(A0), dev(Y), loss, lam)
    assert report.max_error < 1e-7, report
    assert sum(r[3] for r in report.rows) > 0.9 * net.num_params()
    grads = backprop(net, dev(A0), dev(Y), loss, lam)
    host = backprop(net.copy(backend="numpy"), A0, Y, loss, lam)
    for name, p in net.params().items():
        assert tuple(grads[name].shape) == tuple(p.shape)
        np.testing.assert_allclose(to_numpy(grads[name]), host[name],
                                   rtol=1e-12, atol=1e-15)


@settings(max_examples=12)
@given(
    hidden=st.lists(st.integers(1, 4), min_size=0, max_size=2),
    N=st.integers(1, 4),
    pair=st.sampled_from(OUTPUT_LOSSES),
    activation=st.sampled_from(HIDDEN_ACTIVATIONS),
    lam=st.sampled_from([0.0, 0.01, 1.0]),
    seed=st.integers(0, 1000),
)
def test_backprop_matches_the_gradient_check_for_any_shape(
    hidden, N, pair, activation, lam, seed
):
    output, loss = pair
    widths, A0, Y = problem(output, M_0=2, hidden=hidden, N=N, seed=seed)
    net = FNN(widths, activation=activation, output=output, seed=seed,
              backend="numpy")
    report = gradient_check(net, A0, Y, loss, lam)
    assert report.max_error < 1e-6, report


# --- the pieces ---------------------------------------------------------------

def test_output_delta_of_the_matched_pairs(backend):
    widths, A0, Y = problem("softmax")
    net = FNN(widths)
    fp = net.forward(dev(A0), keep=True)
    delta = to_numpy(output_delta(net, fp, dev(Y), LOSSES["cross_entropy"]))
    np.testing.assert_allclose(delta, (to_numpy(fp.output) - Y) / 5,
                               rtol=1e-12, atol=1e-15)
    widths, A0, Y = problem("logistic")
    net = FNN(widths, output="logistic")
    fp = net.forward(dev(A0), keep=True)
    delta = output_delta(net, fp, dev(Y), LOSSES["binary_cross_entropy"])
    np.testing.assert_allclose(to_numpy(delta), (to_numpy(fp.output) - Y) / 5,
                               rtol=1e-12, atol=1e-15)


def test_error_terms_follow_the_recursion(backend):
    widths, A0, Y = problem("softmax", hidden=(4, 3))
    net = FNN(widths, activation="tanh")
    fp = net.forward(dev(A0), keep=True)
    deltas = error_terms(net, fp, dev(Y), LOSSES["cross_entropy"])
    assert [tuple(d.shape) for d in deltas] == [(4, 5), (3, 5), (3, 5)]
    for l in (1, 2):                    # delta^(l) from delta^(l+1)
        z = to_numpy(fp.Z[l - 1])
        expected = (1 - np.tanh(z) ** 2) * (
            to_numpy(net.W[l]).T @ to_numpy(deltas[l])
        )
        np.testing.assert_allclose(to_numpy(deltas[l - 1]), expected,
                                   rtol=1e-12, atol=1e-15)


def test_gradients_are_outer_products_of_deltas(backend):
    widths, A0, Y = problem("softmax")
    net = FNN(widths)
    fp = net.forward(dev(A0), keep=True)
    loss = LOSSES["cross_entropy"]
    deltas = [to_numpy(d) for d in error_terms(net, fp, dev(Y), loss)]
    grads = gradients_from(net, fp, dev(Y), loss, 0.0)
    for l in (1, 2):
        np.testing.assert_allclose(
            to_numpy(grads[f"W{l}"]),
            deltas[l - 1] @ to_numpy(fp.A[l - 1]).T, rtol=1e-12, atol=1e-15,
        )
        assert tuple(grads[f"b{l}"].shape) == (widths[l],)
        np.testing.assert_allclose(to_numpy(grads[f"b{l}"]),
                                   deltas[l - 1].sum(axis=1), rtol=1e-12,
                                   atol=1e-15)


def test_penalty_reaches_weights_only(backend):
    widths, A0, Y = problem("softmax")
    net = FNN(widths)
    plain = backprop(net, dev(A0), dev(Y))
    reg = backprop(net, dev(A0), dev(Y), lam=0.5)
    for l in (1, 2):
        np.testing.assert_allclose(
            to_numpy(reg[f"W{l}"]) - to_numpy(plain[f"W{l}"]),
            0.5 * to_numpy(net.W[l - 1]), rtol=1e-10, atol=1e-15,
        )
        np.testing.assert_array_equal(to_numpy(reg[f"b{l}"]),
                                      to_numpy(plain[f"b{l}"]))


def test_structural_risk_and_loss_value(backend):
    widths, A0, Y = problem("softmax")
    net = FNN(widths)
    fp = net.forward(dev(A0), keep=True)
    data_loss = float(to_numpy(loss_value(net, fp, dev(Y),
                                          LOSSES["cross_entropy"])))
    risk = structural_risk(net, dev(A0), dev(Y), lam=0.2)
    assert isinstance(risk, float)
    penalty = float(to_numpy(frobenius_penalty(net.W, 0.2)))
    assert risk == pytest.approx(data_loss + penalty, rel=1e-14)
    p = to_numpy(fp.output)
    assert data_loss == pytest.approx(-np.mean(np.log(p[Y == 1])), rel=1e-12)


def test_backprop_leaves_the_network_alone(backend):
    widths, A0, Y = problem("identity")
    net = FNN(widths, output="identity")
    before = {k: to_numpy(v).copy() for k, v in net.params().items()}
    backprop(net, dev(A0), dev(Y), lam=0.1)
    for k, v in net.params().items():
        np.testing.assert_array_equal(to_numpy(v), before[k])


def test_float32_gradients_stay_float32(backend):
    widths, A0, Y = problem("softmax")
    net = FNN(widths, dtype="float32")
    grads = backprop(net, dev(A0), dev(Y), lam=0.1)
    assert all(g.dtype == backend.xp.float32 for g in grads.values())


# --- bad arguments ------------------------------------------------------------

def test_labels_instead_of_one_hot_targets(backend):
    widths, A0, _ = problem("softmax")
    with pytest.raises(ShapeError) as info:
        backprop(FNN(widths), dev(A0), dev([0, 1, 2, 0, 1]))
    assert "Y: got shape (5,)" in str(info.value)
    assert "one_hot" in str(info.value)


def test_targets_with_other_sample_count(backend):
    widths, A0, Y = problem("softmax")
    with pytest.raises(ShapeError, match=r"Y: got 4 columns .*expected 5"):
        backprop(FNN(widths), dev(A0), dev(Y[:, :4]))


def test_negative_lambda(backend):
    widths, A0, Y = problem("softmax")
    with pytest.raises(FnnlabError, match=r"lam: got -0.1, expected"):
        backprop(FNN(widths), dev(A0), dev(Y), lam=-0.1)
    with pytest.raises(FnnlabError, match=r"lam: got nan, expected"):
        structural_risk(FNN(widths), dev(A0), dev(Y), lam=float("nan"))
