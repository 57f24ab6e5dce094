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


def test_the_text_is_deterministic(table):
    text = repr(table)
    assert text == repr(ag.five_way())
    lines = text.splitlines()
    assert lines[0] == ("dR/dtheta of a 3-4-2 network (tanh hidden, softmax "
                        "output), N=4, lambda=0.01")
    assert lines[1].split() == ["parameter", *ag.METHODS]
    assert lines[2].split()[0] == "W1[0,0]" and len(lines[2].split()) == 6
    assert lines[28].split() == ["passes", "1", "52", "0", "26", "1"]
    row = lines[32 + ag.METHODS.index("reverse")].split()
    assert row == ["reverse", "<1e-13", row[2], "<1e-13", "<1e-13", "-"]
    assert lines[-1].startswith("largest: ") and "<" not in lines[-1]


def test_a_logistic_network_deeper_and_in_float32():
    net = fnnlab.FNN([2, 2, 2, 2], activation="logistic", seed=4,
                     dtype="float32")
    rng = np.random.default_rng(4)
    A0 = rng.standard_normal((2, 2))
    Y = fnnlab.one_hot(np.array([1, 0]), 2)
    table = ag.five_way(net, A0, Y, lam=0.1)
    assert "2-2-2-2 network (logistic hidden" in table.description
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
    assert ag.five_way(big, A_big, Y_big, methods=("backprop", "reverse"))
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
    reference = ag.five_way(methods=("backprop",))
    np.testing.assert_allclose(table.gradient("backprop"),
                               reference.gradient("backprop"), rtol=1e-12)
