"""Five methods, one gradient: backpropagation, central differences, SymPy,
forward mode and reverse mode agree on a small network within 1e-8
relative error in float64, and a method that is off by a little is caught.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import fnnlab
from fnnlab.autodiff import agreement as ag


@pytest.fixture(scope="module")
def table():
    pytest.importorskip("sympy")
    return ag.five_way()


def test_five_methods_agree_within_1e_8(table):
    assert table.methods == ag.METHODS
    assert table.values.shape == (5, 26)       # 3-4-2: 12 + 4 + 8 + 2
    assert table.passed(1e-8) and table.largest < 1e-8
    d = table.pairwise()
    np.testing.assert_array_equal(d, d.T)
    assert np.all(np.diag(d) == 0.0)
    # the exact methods agree to round-off; central differences carry the
    # truncation and round-off of a step of cbrt(eps)
    exact = [table.methods.index(m)
             for m in ("backprop", "sympy", "forward", "reverse")]
    assert np.max(d[np.ix_(exact, exact)]) < 1e-13
    assert "central" in table.worst_pair()
    assert 1e-13 < table.largest


def test_the_gradient_is_the_core_backprop(table):
    net, A0, Y = ag.agreement_problem()
    grads = fnnlab.backprop(net, A0, Y, lam=0.01)
    flat = np.concatenate([grads[k].reshape(-1) for k in net.params()])
    np.testing.assert_array_equal(table.gradient("backprop"), flat)
    assert table.labels[:3] == ("W1[0,0]", "W1[0,1]", "W1[0,2]")
    assert table.labels[12] == "b1[0]" and table.labels[-1] == "b2[1]"


def test_passes_of_the_network_per_method(table):
    P = 26
    assert table.passes == {"backprop": 1, "central": 2 * P, "sympy": 0,
                            "forward": P, "reverse": 1}


def test_a_method_off_by_a_little_breaks_the_agreement(monkeypatch):
    honest = ag._RUNNERS["forward"]

    def off_by_a_little(net, A0, Y, lam):
        grads, passes = honest(net, A0, Y, lam)
        grads["W2"] = grads["W2"].copy()
        grads["W2"][0, 1] += 1e-6          # one entry, one part in 1e5
        return grads, passes

    monkeypatch.setitem(ag._RUNNERS, "forward", off_by_a_little)
    wrong = ag.five_way(methods=("backprop", "forward", "reverse"))
    assert not wrong.passed(1e-8)
    assert wrong.largest > 1e-7
    assert "forward" in wrong.worst_pair()


SMALL_TABLE = """\
dR/dtheta of a 2-2 network (no hidden layer, softmax output), N=1, lambda=0
parameter    backprop     reverse
W1[0,0]     -0.145810   -0.145810
W1[0,1]     -0.346661   -0.346661
W1[1,0]      0.145810    0.145810
W1[1,1]      0.346661    0.346661
b1[0]       -0.421924   -0.421924
b1[1]        0.421924    0.421924
passes              1           1

pairwise relative difference
             backprop     reverse
backprop            -      <1e-13
reverse        <1e-13           -
largest: <1e-13"""


def test_the_text_of_a_small_table():
    net, A0, Y = ag.agreement_problem((2, 2), N=1, seed=1)
    table = ag.five_way(net, A0, Y, lam=0.0, methods=("backprop", "reverse"))
    assert repr(table) == SMALL_TABLE
    # the printed numbers are softmax minus target, times the input
    z = net.W[0] @ A0[:, 0] + net.b[0]
    g = np.exp(z) / np.exp(z).sum() - Y[:, 0]
    expected = [*np.outer(g, A0[:, 0]).reshape(-1), *g]
    rows = SMALL_TABLE.splitlines()[2:8]
    assert [float(r.split()[1]) for r in rows] == pytest.approx(
        expected, abs=5e-7)


def test_columns_stay_apart_for_large_values():
    table = ag.Agreement(("backprop", "central"), ("W1[0,0]", "b1[0]"),
                         np.array([[123.456789, -1000.5],
                                   [123.456788, -1000.5]]),
                         {"backprop": 1, "central": 4}, "wide")
    lines = repr(table).splitlines()
    assert lines[2].split() == ["W1[0,0]", "123.456789", "123.456788"]
    assert lines[3].split() == ["b1[0]", "-1000.500000", "-1000.500000"]
    assert len({len(line) for line in lines[1:5]}) == 1   # aligned


def test_the_whole_table_text_is_deterministic(table):
    lines = repr(table).splitlines()
    assert repr(table) == repr(ag.five_way())
    assert lines[1].split() == ["parameter", *ag.METHODS]
    assert lines[28].split() == ["passes", "1", "52", "0", "26", "1"]


def test_a_logistic_network_deeper_and_in_float32():
    pytest.importorskip("sympy")
    net = fnnlab.FNN([2, 2, 2, 2], activation="logistic", seed=4,
                     dtype="float32")
    rng = np.random.default_rng(4)
    A0 = rng.standard_normal((2, 2))
    Y = fnnlab.one_hot(np.array([1, 0]), 2)
    table = ag.five_way(net, A0, Y, lam=0.1)
    assert "2-2-2-2 network (logistic hidden, softmax" in table.description
    assert table.values.dtype == np.float64
    assert table.passed(1e-8)


@settings(max_examples=10, deadline=None, derandomize=True)
@given(seed=st.integers(0, 10_000),
       hidden=st.lists(st.integers(1, 5), min_size=1, max_size=2),
       activation=st.sampled_from(["tanh", "logistic"]),
       N=st.integers(1, 6), lam=st.sampled_from([0.0, 0.01, 1.0]))
def test_the_numeric_methods_agree_on_any_small_network(seed, hidden,
                                                         activation, N, lam):
    widths = (3, *hidden, 3)
    net, A0, Y = ag.agreement_problem(widths, activation, N, seed)
    table = ag.five_way(net, A0, Y, lam=lam,
                        methods=("backprop", "central", "forward", "reverse"))
    assert table.passed(1e-8), repr(table)


def test_bad_input_is_named():
    with pytest.raises(fnnlab.FnnlabError, match="activation: got 'relu'"):
        ag.agreement_problem(activation="relu")
    relu = fnnlab.FNN([3, 4, 2], activation="relu", seed=0)
    _, A0, Y = ag.agreement_problem()
    with pytest.raises(fnnlab.FnnlabError, match="net: got activations"):
        ag.five_way(relu, A0, Y)
    with pytest.raises(fnnlab.FnnlabError, match="methods: got"):
        ag.five_way(methods=("backprop", "finite"))
    big, A_big, Y_big = ag.agreement_problem((8, 6, 4), N=10)
    with pytest.raises(fnnlab.FnnlabError, match="got 82 parameters"):
        ag.five_way(big, A_big, Y_big)
    assert ag.five_way(big, A_big, Y_big,
                       methods=("backprop", "reverse")).passed(1e-12)
    net, _, _ = ag.agreement_problem()
    with pytest.raises(fnnlab.FnnlabError, match=r"Y: got shape \(2, 3\)"):
        ag.five_way(net, A0, Y[:, :3])
    with pytest.raises(fnnlab.FnnlabError, match="A0, Y: got None"):
        ag.five_way(net)
    with pytest.raises(fnnlab.FnnlabError, match="lam"):
        ag.five_way(lam=-1.0)


def test_a_network_on_any_backend_is_compared_on_the_host(backend):
    host_net, A0, Y = ag.agreement_problem()
    net = host_net.copy(backend=backend)
    table = ag.five_way(net, fnnlab.backend.from_numpy(A0, backend),
                        fnnlab.backend.from_numpy(Y, backend),
                        methods=("backprop", "forward", "reverse"))
    assert table.passed(1e-12)
    reference = ag.five_way(methods=("backprop", "reverse"))
    np.testing.assert_allclose(table.gradient("backprop"),
                               reference.gradient("backprop"), rtol=1e-12)


def test_sympy_shifts_large_logits_instead_of_returning_nan():
    pytest.importorskip("sympy")
    net, A0, Y = ag.agreement_problem()
    net.set_params({k: 1000.0 * v for k, v in net.params().items()})
    assert np.max(np.abs(net.propagate(A0))) > 0     # softmax is defined
    logits = net.propagate(A0, keep=True).Z[-1]
    assert np.max(logits) > 710                      # exp would overflow
    table = ag.five_way(net, A0, Y, methods=("backprop", "sympy"))
    assert np.all(np.isfinite(table.values))
    assert table.passed(1e-10)


def test_a_hidden_overflow_in_sympy_is_named():
    pytest.importorskip("sympy")
    net, A0, Y = ag.agreement_problem(activation="logistic")
    net.set_params({k: 1e4 * v for k, v in net.params().items()})
    with pytest.raises(fnnlab.FnnlabError, match="not finite"):
        ag.five_way(net, A0, Y, methods=("backprop", "sympy"))


def test_every_hidden_activation_is_described():
    _, A0, Y = ag.agreement_problem()
    mixed = fnnlab.FNN([3, 2, 2, 2], activation=["tanh", "logistic"],
                       seed=0, dtype="float64")
    table = ag.five_way(mixed, A0, Y, methods=("backprop", "reverse"))
    assert "(hidden tanh, logistic, softmax output)" in table.description
    flat = fnnlab.FNN([3, 2], seed=0, dtype="float64")
    table = ag.five_way(flat, A0, Y, methods=("backprop", "reverse"))
    assert "(no hidden layer, softmax output)" in table.description
    assert table.passed(1e-12)


def test_tables_compare_by_identity():
    table = ag.five_way(methods=("backprop", "reverse"))
    assert table == table
    assert table != ag.five_way(methods=("backprop", "reverse"))


@pytest.mark.parametrize("methods", [("backprop",), ("reverse", "reverse"),
                                     ()])
def test_fewer_than_two_distinct_methods_are_refused(methods):
    with pytest.raises(fnnlab.FnnlabError, match="at least two distinct"):
        ag.five_way(methods=methods)
    lone = ag.Agreement(methods, ("W1[0,0]",), np.zeros((len(methods), 1)),
                        {}, "lone")
    with pytest.raises(fnnlab.FnnlabError, match="at least two distinct"):
        lone.passed()


def test_bad_batches_and_targets_are_named():
    net, A0, Y = ag.agreement_problem()
    with pytest.raises(fnnlab.FnnlabError, match="A0, Y: got arrays but"):
        ag.five_way(None, A0, Y)
    with pytest.raises(fnnlab.FnnlabError, match=r"A0: got shape \(3, 0\)"):
        ag.five_way(net, A0[:, :0], Y[:, :0])
    with pytest.raises(fnnlab.FnnlabError, match="Y: got targets that are "
                                                 "not one-hot"):
        ag.five_way(net, A0, 0.5 * np.ones_like(Y))
    with pytest.raises(fnnlab.FnnlabError, match="Y: got targets"):
        ag.five_way(net, A0, 2.0 * Y)
    for N in (-1, 0, 2.5, True):
        with pytest.raises(fnnlab.FnnlabError, match=f"N: got {N!r}"):
            ag.agreement_problem(N=N)


def test_mixed_backends_are_refused():
    net, A0, Y = ag.agreement_problem()
    strict = fnnlab.backend.from_numpy(A0, "array_api_strict")
    with pytest.raises(fnnlab.BackendMismatchError):
        ag.five_way(net, strict, Y, methods=("backprop", "reverse"))
