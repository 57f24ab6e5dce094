"""The reverse-mode engine: every operation against central differences,
on every backend; broadcasting properties; the cases C11 to C13; what
``backward`` does to existing gradients."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, strategies as st

import fnnlab
from fnnlab.autodiff import reverse as rv
from fnnlab.autodiff.reverse import Tensor
from fnnlab.backend import from_numpy, to_numpy
from fnnlab.numerical import numerical_gradient, relative_error


@pytest.fixture(autouse=True)
def _host_by_default():
    """Tests that build their own NumPy arrays run with NumPy as the default
    backend even under ``FNNLAB_BACKEND``; the ``backend`` fixture, set up
    after this one, still switches to each backend in turn."""
    with fnnlab.use_backend("numpy"):
        yield


def _onehot(rng, C, N):
    Y = np.zeros((C, N))
    Y[rng.integers(0, C, N), np.arange(N)] = 1.0
    return Y


# Each case: the op on tensors, and a maker of host inputs. Inputs stay
# away from kinks (ReLU at 0) and outside each function's domain edges.
CASES = {
    "add": (lambda a, b: a + b, lambda r: [r.normal(size=(3, 4)),
                                          r.normal(size=(4,))]),
    "add_outer": (lambda a, b: a + b, lambda r: [r.normal(size=(3, 1)),
                                                r.normal(size=(1, 4))]),
    "sub": (lambda a, b: a - b, lambda r: [r.normal(size=(2, 3)),
                                          r.normal(size=(2, 1))]),
    "mul": (lambda a, b: a * b, lambda r: [r.normal(size=(3, 4)),
                                          r.normal(size=(3, 1))]),
    "div": (lambda a, b: a / b, lambda r: [r.normal(size=(2, 3)),
                                          r.uniform(1, 2, size=(3,))]),
    "neg": (lambda a: -a, lambda r: [r.normal(size=(3, 2))]),
    "pow_const": (lambda a: a ** 3, lambda r: [r.normal(size=(2, 3))]),
    "pow_root": (lambda a: a ** 0.5, lambda r: [r.uniform(1, 2, (2, 3))]),
    "pow": (lambda a, b: a ** b, lambda r: [r.uniform(0.5, 2, (2, 3)),
                                           r.normal(size=(2, 3))]),
    "rpow": (lambda a: 2.0 ** a, lambda r: [r.normal(size=(3,))]),
    "matmul": (lambda a, b: a @ b, lambda r: [r.normal(size=(3, 4)),
                                             r.normal(size=(4, 2))]),
    "transpose": (lambda a: a.T, lambda r: [r.normal(size=(2, 3))]),
    "reshape": (lambda a: a.reshape((3, 2)), lambda r: [r.normal(size=(6,))]),
    "sum": (lambda a: rv.sum(a, axis=1), lambda r: [r.normal(size=(3, 4))]),
    "sum_keep": (lambda a: rv.sum(a, axis=0, keepdims=True),
                 lambda r: [r.normal(size=(3, 4))]),
    "sum_all": (lambda a: rv.sum(a) * a, lambda r: [r.normal(size=(2, 2))]),
    "mean": (lambda a: rv.mean(a, axis=0), lambda r: [r.normal(size=(3, 4))]),
    "mean_all": (lambda a: rv.mean(a) * a, lambda r: [r.normal(size=(3,))]),
    "exp": (rv.exp, lambda r: [r.normal(size=(3, 2))]),
    "log": (rv.log, lambda r: [r.uniform(0.5, 2, (3, 2))]),
    "tanh": (rv.tanh, lambda r: [r.normal(size=(3, 2))]),
    "logistic": (rv.logistic, lambda r: [r.normal(size=(3, 2)) * 3]),
    "relu": (rv.relu, lambda r: [np.array([[-1.5, 0.7], [2.0, -0.3]])]),
    "leaky_relu": (rv.leaky_relu,
                   lambda r: [np.array([[-1.5, 0.7], [2.0, -0.3]])]),
    "softmax": (rv.softmax, lambda r: [r.normal(size=(4, 3))]),
}


def _engine_grads(fn, hosts, C, backend):
    leaves = [Tensor(from_numpy(h, backend)) for h in hosts]
    out = fn(*leaves)
    R = rv.sum(out * from_numpy(C, backend))
    R.backward()
    return [to_numpy(t.grad) for t in leaves], leaves, R


def _host_value(fn, hosts, C):
    with fnnlab.use_backend("numpy"):
        out = fn(*[Tensor(h) for h in hosts])
        return float(np.sum(to_numpy(out.value) * C))


@pytest.mark.parametrize("name", sorted(CASES))
def test_op_gradient_matches_central_differences(name, backend):
    fn, make = CASES[name]
    rng = np.random.default_rng(1)
    hosts = make(rng)
    with fnnlab.use_backend("numpy"):
        shape = fn(*[Tensor(h) for h in hosts]).shape
    C = rng.normal(size=shape)
    grads, leaves, R = _engine_grads(fn, hosts, C, backend)
    for i, h in enumerate(hosts):
        def f(x, i=i):
            args = list(hosts)
            args[i] = x
            return _host_value(fn, args, C)
        numeric = numerical_gradient(f, h.copy(), h=1e-6)
        assert grads[i].shape == h.shape
        assert relative_error(grads[i], numeric) < 1e-7, (name, i)
    # the values stayed on the backend's device, in its namespace
    assert fnnlab.get_namespace(R.value) is backend.xp


def test_fused_losses_match_central_differences(backend):
    rng = np.random.default_rng(2)
    Z = rng.normal(size=(4, 5))
    Y = _onehot(rng, 4, 5)
    z = rng.normal(size=(1, 6)) * 3
    y = rng.integers(0, 2, (1, 6)).astype(float)
    for loss, logits, target in (
        (rv.cross_entropy_from_logits, Z, Y),
        (rv.binary_cross_entropy_from_logits, z, y),
    ):
        t = Tensor(from_numpy(logits, backend))
        u = Tensor(from_numpy(target, backend))      # a target as a leaf
        loss(u, t).backward()

        def f(x):
            with fnnlab.use_backend("numpy"):
                return float(loss(target, Tensor(x)).value)

        def f_target(x):
            with fnnlab.use_backend("numpy"):
                return float(loss(x, Tensor(logits)).value)
        numeric = numerical_gradient(f, logits.copy(), h=1e-6)
        assert relative_error(to_numpy(t.grad), numeric) < 1e-7
        numeric = numerical_gradient(f_target, target.copy(), h=1e-6)
        assert relative_error(to_numpy(u.grad), numeric) < 1e-7


def test_fused_cross_entropy_equals_the_core_loss(backend):
    rng = np.random.default_rng(3)
    Z = from_numpy(rng.normal(size=(3, 4)) * 10, backend)
    Y = from_numpy(_onehot(rng, 3, 4), backend)
    R = rv.cross_entropy_from_logits(Y, Tensor(Z))
    expected = fnnlab.cross_entropy_from_logits(Y, Z)
    assert float(R.value) == pytest.approx(float(expected), rel=1e-14)


def test_float32_stays_float32(backend):
    xp = backend.xp
    a = Tensor(from_numpy(np.ones((2, 3), dtype=np.float32), backend))
    b = Tensor(from_numpy(np.ones((3, 2), dtype=np.float32), backend))
    R = rv.sum(rv.tanh(a @ b * 2.0 + 1.0) ** 2 / 3.0)
    R.backward()
    for t in (R, a, b):
        assert t.dtype == xp.float32
    assert a.grad.dtype == xp.float32


# --- properties: broadcasting and reductions ------------------------------

dims = st.integers(1, 3)


@st.composite
def broadcast_pair(draw):
    shape = draw(st.lists(dims, min_size=1, max_size=3))
    other = [draw(st.sampled_from([n, 1])) for n in shape]
    cut = draw(st.integers(0, len(other) - 1))
    return tuple(shape), tuple(other[cut:])


@given(broadcast_pair(), st.sampled_from(["add", "sub", "mul", "div"]),
       st.booleans())
def test_broadcast_gradients_have_input_shapes(shapes, op, swap):
    rng = np.random.default_rng(0)
    if swap:
        shapes = shapes[::-1]
    a, b = (rng.uniform(1, 2, size=s) for s in shapes)
    fn = {"add": rv.add, "sub": rv.sub, "mul": rv.mul, "div": rv.div}[op]
    C = rng.normal(size=np.broadcast_shapes(a.shape, b.shape))
    grads, leaves, _ = _engine_grads(fn, [a, b], C, fnnlab.get_backend())
    for g, x, i in zip(grads, (a, b), (0, 1)):
        assert g.shape == x.shape

        def f(v, i=i):
            args = [a, b]
            args[i] = v
            return _host_value(fn, args, C)
        assert relative_error(g, numerical_gradient(f, x.copy())) < 1e-7


@given(st.lists(dims, min_size=1, max_size=3), st.data(), st.booleans())
def test_reductions_spread_the_gradient_back(shape, data, keepdims):
    axis = data.draw(st.sampled_from([None] + list(range(len(shape)))))
    rng = np.random.default_rng(0)
    x = rng.normal(size=shape)
    t = Tensor(x)
    s = rv.sum(t, axis=axis, keepdims=keepdims)
    m = rv.mean(t, axis=axis, keepdims=keepdims)
    assert s.shape == np.sum(x, axis=axis, keepdims=keepdims).shape
    rv.sum(s + m).backward()
    count = x.size if axis is None else shape[axis]
    np.testing.assert_allclose(t.grad, np.full(shape, 1.0 + 1.0 / count))


# --- the cases --------------------------------------------------------------

def test_c11_a_value_used_twice():
    a = Tensor(1.0)
    b = a + a
    c = b + b
    c.backward()
    assert float(c.value) == 4.0
    assert float(a.grad) == 4.0 and float(b.grad) == 2.0
    a = Tensor(3.0)
    (a * a).backward()
    assert float(a.grad) == 6.0


def test_c12_a_deep_chain_needs_no_recursion():
    x = Tensor(1.0)
    y = x
    for _ in range(5000):
        y = y + 1.0
    y.backward()
    assert float(y.value) == 5001.0 and float(x.grad) == 1.0
    assert len(rv.topological_order(y, everything=True)) == 1 + 2 * 5000


def test_c13_powers():
    a = Tensor(-2.0)
    (a ** 3).backward()
    assert float(a.grad) == 12.0
    a = Tensor(-2.0)
    (a ** 2).backward()
    assert float(a.grad) == -4.0
    a, b = Tensor(-2.0), Tensor(-3.0)
    c = a ** b
    c.backward()                      # no warning (they are errors here)
    assert float(c.value) == -0.125
    assert float(a.grad) == -0.1875
    assert np.isnan(float(b.grad))


def test_pow_exponent_gradient_at_zero_base_is_zero():
    a, b = Tensor([0.0, 4.0]), Tensor([2.0, 0.5])
    rv.sum(a ** b).backward()
    np.testing.assert_allclose(b.grad, [0.0, 2.0 * np.log(4.0)])


# --- what backward does to gradients ----------------------------------------

def test_backward_accumulates_into_leaves_and_resets_the_rest():
    a = Tensor(1.0)
    b = a + a
    c = b + b
    c.backward()
    c.backward()
    assert float(a.grad) == 8.0      # leaves add up over calls
    assert float(b.grad) == 2.0      # interior nodes start afresh
    rv.zero_grad([a])
    assert a.grad is None
    c.backward()
    assert float(a.grad) == 4.0


def test_constants_get_no_gradient():
    W = Tensor(np.ones((2, 3)))
    X = rv.constant(np.ones((3, 4)))
    rv.sum(W @ X).backward()
    assert X.grad is None and W.grad.shape == (2, 3)
    with pytest.raises(fnnlab.FnnlabError, match="nothing to differentiate"):
        rv.sum(X).backward()


def test_backward_of_a_vector_needs_its_gradient():
    x = Tensor([1.0, 2.0])
    y = x * x
    with pytest.raises(fnnlab.ShapeError, match="grad"):
        y.backward()
    y.backward(np.array([1.0, 10.0]))          # a vector-Jacobian product
    np.testing.assert_allclose(x.grad, [2.0, 40.0])


def test_bad_input_names_the_problem():
    with pytest.raises(fnnlab.ShapeError, match="matmul"):
        Tensor([1.0, 2.0]) @ Tensor([1.0, 2.0])
    with pytest.raises(fnnlab.FnnlabError, match="value"):
        Tensor(Tensor(1.0))
    with pytest.raises(fnnlab.ShapeError, match="axis"):
        rv.sum(Tensor([1.0]), axis=2)
    with pytest.raises(fnnlab.ShapeError, match="Y"):
        rv.cross_entropy_from_logits(np.zeros((2, 2)), Tensor(np.zeros(3)))


def test_repr_and_numbers():
    t = Tensor(2.0) * 3.0
    assert repr(t) == "Tensor(6, dtype=float64, op='mul')"
    assert repr(Tensor(np.zeros((2, 3)))) == (
        "Tensor(shape=(2, 3), dtype=float64, op='leaf')")
    assert float(t) == 6.0 and t.item() == 6.0 and int(t) == 6
    assert bool(t > 5.0) and not bool(t < 5.0)


# --- the worked example, and forward mode against reverse mode -------------

def test_the_worked_example_by_reverse_mode():
    from fnnlab.autodiff.worked_example import OperatorOps, example_function

    w, b = Tensor(0.0, name="w"), Tensor(0.0, name="b")
    f = example_function(OperatorOps(rv.exp), rv.constant(1.0), w, b)
    f.backward()
    assert float(f.value) == 0.5
    assert float(w.grad) == 0.25 and float(b.grad) == 0.25
    ops = [n.op for n in rv.topological_order(f, everything=True)
           if n.parents]
    assert ops == ["mul", "add", "neg", "exp", "add", "div"]


def test_forward_mode_needs_n_passes_reverse_mode_one():
    rows = rv.compare_modes([1, 4, 16], repeats=2)
    assert [r["N"] for r in rows] == [1, 4, 16]
    assert [r["forward_passes"] for r in rows] == [1, 4, 16]
    assert all(r["reverse_passes"] == 1 and r["reverse_sweeps"] == 1
               for r in rows)
    assert all(r["max_difference"] < 1e-12 for r in rows)
    assert all(r["forward_seconds"] > 0 and r["reverse_seconds"] > 0
               for r in rows)


def test_numbers_become_0d_tensors_on_the_default_backend(backend):
    a = Tensor(3.0)
    assert a.shape == () and fnnlab.get_namespace(a.value) is backend.xp
    assert Tensor([1.0, 2.0]).shape == (2,)
    (a * a).backward()
    assert float(a.grad) == 6.0
