"""Static graphs: traced once, optimized, run many times with a generated
reverse sweep, against the dynamic engine; guards on Python control
flow."""

from __future__ import annotations

import numpy as np
import pytest

import fnnlab
from fnnlab.autodiff import reverse as rv
from fnnlab.autodiff import static as st
from fnnlab.backend import from_numpy, to_numpy


@pytest.fixture(autouse=True)
def _host_by_default():
    """Tests that build their own NumPy arrays run with NumPy as the default
    backend even under ``FNNLAB_BACKEND``; the ``backend`` fixture, set up
    after this one, still switches to each backend in turn."""
    with fnnlab.use_backend("numpy"):
        yield


def with_constants(x, w):
    """Constant subexpressions (folded), a repeated one (merged)."""
    c = rv.exp(rv.constant(0.5)) * 2.0 + 1.0
    h = rv.tanh(w * x + c)
    return rv.sum(h * h + h * h) * rv.mean(x)


def fnn_risk(W1, b1, W2, b2, A0, Y):
    """A 2-layer network's risk, every array an argument."""
    Z1 = W1 @ A0 + b1.reshape((b1.shape[0], 1))
    A1 = rv.relu(Z1)
    Z2 = W2 @ A1 + b2.reshape((b2.shape[0], 1))
    penalty = 0.05 * (rv.sum(W1 ** 2) + rv.sum(W2 ** 2))
    return rv.cross_entropy_from_logits(Y, Z2) + penalty


def many_ops(a, b):
    """Every other operation of the engine, once."""
    u = rv.logistic(a) - rv.leaky_relu(b) / (rv.exp(b) + 1.0)
    v = rv.log(a * a + 1.0) ** 1.5 + (a * a + 1.0) ** rv.tanh(b)
    m = rv.softmax(u.reshape((2, 3)))
    s = rv.sum(m.T @ m, axis=0, keepdims=True)
    p = rv.binary_cross_entropy_from_logits(rv.constant(np.ones((1, 3))), s)
    return rv.mean(-v) + p


def _dynamic(f, arrays):
    leaves = [rv.Tensor(a) for a in arrays]
    out = f(*leaves)
    out.backward()
    return out.value, [t.grad for t in leaves]


def _fnn_inputs(rng, backend=None):
    host = [rng.normal(size=(5, 4)), rng.normal(size=5),
            rng.normal(size=(3, 5)), rng.normal(size=3),
            rng.normal(size=(4, 6)),
            np.eye(3)[:, rng.integers(0, 3, 6)]]
    return [from_numpy(h, backend) for h in host]


@pytest.mark.parametrize("f,make", [
    (with_constants, lambda r: [r.normal(size=3), r.normal(size=3)]),
    (many_ops, lambda r: [r.uniform(0.5, 2, 6), r.normal(size=6)]),
    (fnn_risk, _fnn_inputs),
])
def test_static_graph_equals_the_dynamic_engine(f, make):
    rng = np.random.default_rng(0)
    graph = st.trace(f, *make(rng)).with_gradient()
    fast, report = st.optimize(graph)
    assert len(fast) <= len(graph)
    for _ in range(3):                       # new inputs, same graph
        arrays = make(rng)
        value, grads = _dynamic(f, arrays)
        for g in (graph, fast):
            out = g.run(*arrays)
            assert float(out[0]) == pytest.approx(float(value), rel=1e-12)
            for got, want in zip(out[1:], grads):
                np.testing.assert_allclose(got, want, rtol=1e-10,
                                           atol=1e-14)


def test_each_pass_removes_what_it_should():
    rng = np.random.default_rng(1)
    graph = st.trace(with_constants, rng.normal(size=3),
                     rng.normal(size=3), names=["x", "w"])
    assert len(graph) == 17
    assert graph.counts()["const"] == 3
    folded = st.fold_constants(graph)
    # exp(0.5) * 2 + 1 (3 operations on 3 constants) became one constant
    assert len(folded) == len(graph) - 5
    assert folded.counts()["const"] == 1 and "exp" not in folded.counts()
    merged = st.eliminate_common_subexpressions(folded)
    assert len(merged) == len(folded) - 1          # h * h, twice
    assert st.remove_dead_nodes(merged).instrs == merged.instrs

    full = graph.with_gradient()
    only_grads = full.select([1, 2])   # the loss value itself is not needed
    _, report = st.optimize(only_grads)
    names = [name for name, _, _ in report]
    assert names == ["constant folding", "common subexpressions",
                     "dead nodes"]
    before, after = report[-1][1], report[-1][2]
    assert after < before


def test_cse_merges_commuted_operands():
    def f(a, b):
        return rv.sum(a * b + b * a)
    graph = st.trace(f, np.ones(2), np.ones(2))
    assert graph.counts()["mul"] == 2
    assert st.eliminate_common_subexpressions(graph).counts()["mul"] == 1


def test_static_graph_runs_on_every_backend(backend):
    rng = np.random.default_rng(2)
    graph = st.optimize(st.trace(fnn_risk, *_fnn_inputs(rng, backend))
                        .with_gradient())[0]
    arrays = _fnn_inputs(rng, backend)
    out = graph.run(*arrays)
    assert fnnlab.get_namespace(out[1]) is backend.xp
    value, grads = _dynamic(fnn_risk, arrays)
    assert fnnlab.relative_error(out[1], grads[0]) < 1e-12


def test_listing_shows_every_node():
    graph = st.trace(lambda x: rv.sum(x * 2.0), np.ones(3), names=["x"])
    assert graph.listing().splitlines() == [
        "%0 = input x",
        "%1 = const 2",
        "%2 = mul %0, %1",
        "%3 = sum %2 axis=(0,) keepdims=False   # output 0",
    ]
    assert repr(graph) == (
        "StaticGraph(4 nodes, 1 inputs, 1 outputs, 0 guards)")


# --- define by run against a trace ------------------------------------------

def test_a_loop_count_changes_the_dynamic_graph():
    small = rv.Tensor(np.array([0.1, 0.2]))
    big = rv.Tensor(np.array([3.0, 4.0]))
    assert st.node_count(st.halve_until_small(small)) == 2
    assert st.node_count(st.halve_until_small(big)) == 8


def test_a_trace_is_wrong_for_another_path_and_says_so():
    graph = st.trace(st.halve_until_small, np.array([3.0, 4.0]))
    assert [g.expected for g in graph.guards] == [True] * 3 + [False]
    value, = graph.run(np.array([3.2, 4.1]))      # same path: fine
    assert float(value) == pytest.approx(7.3 / 8)
    with pytest.raises(st.GuardError, match="another path"):
        graph.run(np.array([0.1, 0.2]))
    with pytest.raises(st.GuardError, match="shape"):
        graph.run(np.array([3.0, 4.0, 5.0]))
    branch = st.trace(st.branch_on_sign, np.array([1.0, 2.0]))
    with pytest.raises(st.GuardError, match="bool was True"):
        branch.run(np.array([-1.0, -2.0]))


def test_static_function_retraces_and_counts():
    f = st.StaticFunction(st.halve_until_small, grad=True)
    inputs = [np.array([3.0, 4.0]), np.array([3.1, 4.0]),
              np.array([0.1, 0.2]), np.array([3.0, 4.0]),
              np.array([0.2, 0.1])]
    for x in inputs:
        value, (grad,) = f(x)
        want_value, (want_grad,) = _dynamic(st.halve_until_small, [x])
        assert float(value) == float(want_value)
        np.testing.assert_array_equal(grad, want_grad)
    assert f.traces == 2 and f.retraces == 1
    assert f.guard_failures == 2       # [3, 4] tried the small-x graph first
    strict = st.StaticFunction(st.branch_on_sign, retrace=False)
    assert float(strict(np.array([1.0, 2.0]))) == 5.0
    with pytest.raises(st.GuardError):
        strict(np.array([-1.0, -2.0]))
    assert strict.traces == 1


def test_a_number_taken_out_of_the_graph_is_baked_in():
    def scaled(x):
        return x * float(rv.sum(x))          # a float guard
    graph = st.trace(scaled, np.array([1.0, 2.0]))
    assert graph.guards[0].kind == "float"
    with pytest.raises(st.GuardError, match="float"):
        graph.run(np.array([1.0, 3.0]))


def test_bad_calls_are_named():
    with pytest.raises(fnnlab.FnnlabError, match="output 0"):
        st.trace(lambda x: 3.0, np.ones(2))
    graph = st.trace(lambda x: x * 2.0, np.ones(2))
    with pytest.raises(fnnlab.ShapeError, match="one number"):
        graph.with_gradient()
    with pytest.raises(fnnlab.FnnlabError, match="inputs"):
        graph.run(np.ones(2), np.ones(2))
    assert to_numpy(graph.run(np.ones(2))[0]).tolist() == [2.0, 2.0]


def test_dead_node_removal_drops_a_whole_unused_branch():
    def two(x):
        return rv.sum(x * 2.0), rv.sum(rv.exp(x) * 3.0)
    graph = st.trace(two, np.ones(3)).select([0])
    alive = st.remove_dead_nodes(graph)
    assert len(graph) - len(alive) == 4        # exp, const 3, mul, sum
    assert alive.counts() == {"const": 1, "input": 1, "mul": 1, "sum": 1}
    assert float(alive.run(np.ones(3))[0]) == 6.0
