"""fnnlab.network: the FNN, its parameters and its forward pass."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fnnlab import FNN, ForwardPass
from fnnlab.activations import ACTIVATIONS, HIDDEN_ACTIVATIONS
from fnnlab.backend import backend_of, from_numpy, make_backend, to_numpy
from fnnlab.errors import BackendMismatchError, FnnlabError, ShapeError
from fnnlab.network import INIT_SCHEMES


def dev(x, dtype="float64"):
    return from_numpy(np.asarray(x, dtype=dtype))


def host_forward(net, A0):
    """The forward pass recomputed on the host with NumPy."""
    a = np.asarray(A0, dtype=np.float64)
    for l in range(net.L):
        W, b = to_numpy(net.W[l]), to_numpy(net.b[l])
        z = W @ a + b[:, None]
        name = net.activations[l]
        if name == "softmax":
            e = np.exp(z - z.max(axis=0))
            a = e / e.sum(axis=0)
        else:
            a = {
                "relu": lambda z: np.maximum(z, 0),
                "tanh": np.tanh,
                "logistic": lambda z: 1 / (1 + np.exp(-z)),
                "identity": lambda z: z,
                "leaky_relu": lambda z: np.where(z > 0, z, 0.01 * z),
            }[name](z)
    return a


# --- structure ----------------------------------------------------------------

def test_shapes_follow_the_book(backend):
    net = FNN([4, 5, 3, 2])
    assert net.widths == (4, 5, 3, 2)
    assert net.L == 3
    assert net.activations == ("relu", "relu", "softmax")
    assert [tuple(W.shape) for W in net.W] == [(5, 4), (3, 5), (2, 3)]
    assert [tuple(b.shape) for b in net.b] == [(5,), (3,), (2,)]
    assert net.backend.name == backend.name and net.xp is backend.xp
    assert net.dtype == backend.xp.float64
    for p in net.params().values():
        assert backend_of(p).name == backend.name
        assert p.dtype == backend.xp.float64
    assert np.all(to_numpy(net.b[0]) == 0)


def test_num_params():
    assert FNN([4, 5, 3, 2]).num_params() == 5 * 5 + 3 * 6 + 2 * 4
    assert FNN([64, 10]).num_params() == 650


def test_activation_per_layer_and_aliases():
    net = FNN([2, 3, 3, 1], activation=["tanh", "sigmoid"], output="logistic")
    assert net.activations == ("tanh", "logistic", "logistic")
    net = FNN([2, 3, 1], activation=ACTIVATIONS["leaky_relu"],
              output="linear")
    assert net.activations == ("leaky_relu", "identity")


def test_params_are_live_and_named_as_in_the_book():
    net = FNN([3, 4, 2])
    params = net.params()
    assert list(params) == ["W1", "b1", "W2", "b2"]
    assert params["W1"] is net.W[0] and params["b2"] is net.b[1]


def test_same_seed_same_network_other_seed_other_network():
    a, b, c = FNN([3, 4, 2], seed=5), FNN([3, 4, 2], seed=5), FNN([3, 4, 2])
    np.testing.assert_array_equal(to_numpy(a.W[0]), to_numpy(b.W[0]))
    assert not np.array_equal(to_numpy(a.W[0]), to_numpy(c.W[0]))
    assert FNN([3, 4, 2], seed=None).seed is None


def test_init_schemes():
    assert INIT_SCHEMES == ("auto", "he", "xavier", "normal", "zeros")
    zeros = FNN([3, 4, 2], init="zeros")
    assert all(np.all(to_numpy(W) == 0) for W in zeros.W)
    big = 400
    he = to_numpy(FNN([big, big, 2], init="he").W[0])
    assert abs(he.std() - math.sqrt(2 / big)) < 0.01 * math.sqrt(2 / big) * 5
    xavier = to_numpy(FNN([big, big, 2], init="xavier").W[0])
    limit = math.sqrt(6 / (2 * big))
    assert np.all(np.abs(xavier) <= limit)
    assert abs(xavier.std() - limit / math.sqrt(3)) < 0.02 * limit
    normal = to_numpy(FNN([big, big, 2], init="normal", scale=0.1).W[0])
    assert abs(normal.std() - 0.1) < 0.005


def test_auto_init_is_he_for_relu_and_xavier_otherwise():
    for act, scheme in [("relu", "he"), ("leaky_relu", "he"),
                        ("tanh", "xavier"), ("logistic", "xavier")]:
        auto = FNN([5, 6, 3], activation=act, seed=1)
        named = FNN([5, 6, 3], activation=act, init=scheme, seed=1)
        np.testing.assert_array_equal(to_numpy(auto.W[0]),
                                      to_numpy(named.W[0]))


def test_repr_is_deterministic(backend):
    net = FNN([2, 3, 1], activation="tanh", output="logistic",
              dtype="float32")
    text = repr(net)
    assert text == (
        "FNN(widths=[2, 3, 1], activation=['tanh'], output='logistic', "
        f"dtype='float32', backend={backend.name!r}, params=13)"
    )
    assert text == repr(FNN([2, 3, 1], activation="tanh", output="logistic",
                            dtype="float32"))
    assert not re.search(r"0x[0-9a-fA-F]+", text)


# --- parameters ---------------------------------------------------------------

def test_set_params_copies_into_the_network_dtype(backend):
    net = FNN([2, 3, 2], dtype="float32")
    W1 = dev(np.ones((3, 2)))
    net.set_params({"W1": W1, "b2": [1.0, 2.0]})
    assert net.W[0] is not W1
    assert net.W[0].dtype == backend.xp.float32
    np.testing.assert_array_equal(to_numpy(net.b[1]), [1.0, 2.0])
    net.W[0] += 1.0                       # training updates in place ...
    np.testing.assert_array_equal(to_numpy(W1), np.ones((3, 2)))  # not W1


def test_set_params_checks(backend):
    net = FNN([2, 3, 2])
    with pytest.raises(ShapeError, match=r"params\['W1'\]: got shape"):
        net.set_params({"W1": dev(np.ones((2, 3)))})
    with pytest.raises(FnnlabError, match=r"params: got the name 'W3'"):
        net.set_params({"W3": dev(np.ones((3, 2)))})


def test_set_params_refuses_another_backend():
    with pytest.raises(BackendMismatchError, match=r"params\['W1'\]"):
        FNN([2, 3, 2], backend="array_api_strict").set_params(
            {"W1": np.ones((3, 2))}
        )


def test_copy_is_independent(backend):
    net = FNN([2, 3, 2])
    twin = net.copy()
    twin.W[0] += 1.0
    assert not np.array_equal(to_numpy(net.W[0]), to_numpy(twin.W[0]))
    assert twin.activations == net.activations


def test_copy_to_another_dtype_and_backend(backend):
    net = FNN([2, 3, 2])
    small = net.copy(dtype="float32")
    assert small.dtype == backend.xp.float32
    assert all(p.dtype == backend.xp.float32 for p in small.params().values())
    host = net.copy(backend="numpy")
    assert host.backend.name == "numpy"
    assert all(isinstance(p, np.ndarray) for p in host.params().values())
    np.testing.assert_array_equal(host.W[1], to_numpy(net.W[1]))
    with pytest.raises(FnnlabError, match="dtype: got 'int8'"):
        net.copy(dtype="int8")


# --- the forward pass ---------------------------------------------------------

@pytest.mark.parametrize("hidden", HIDDEN_ACTIVATIONS)
@pytest.mark.parametrize("output", ["softmax", "logistic", "identity"])
def test_forward_matches_the_formulas(backend, rng, hidden, output):
    M_L = 1 if output == "logistic" else 3
    net = FNN([4, 5, M_L], activation=hidden, output=output, seed=2)
    A0 = rng.standard_normal((4, 6))
    out = net.forward(dev(A0))
    assert tuple(out.shape) == (M_L, 6)
    np.testing.assert_allclose(to_numpy(out), host_forward(net, A0),
                               rtol=1e-12, atol=1e-14)


def test_forward_keep(backend, rng):
    net = FNN([4, 5, 3, 2])
    A0 = dev(rng.standard_normal((4, 7)))
    fp = net.forward(A0, keep=True)
    assert isinstance(fp, ForwardPass)
    assert len(fp.Z) == net.L and len(fp.A) == net.L + 1
    assert fp.A[0] is A0                   # a^(0) = x, as in the book
    assert [tuple(z.shape) for z in fp.Z] == [(5, 7), (3, 7), (2, 7)]
    assert fp.output is fp.A[-1]
    np.testing.assert_array_equal(to_numpy(fp.A[1]),
                                  np.maximum(to_numpy(fp.Z[0]), 0))
    assert repr(fp) == "ForwardPass(A shapes: (4, 7), (5, 7), (3, 7), (2, 7))"


def test_forward_does_not_overwrite_what_backward_reads(backend, rng):
    net = FNN([3, 4, 2], activation="logistic")
    A0 = rng.standard_normal((3, 5))
    fp = net.forward(dev(A0), keep=True)
    z1 = to_numpy(fp.Z[0]).copy()
    np.testing.assert_array_equal(z1, to_numpy(net.W[0]) @ A0
                                  + to_numpy(net.b[0])[:, None])
    assert not np.allclose(to_numpy(fp.A[1]), z1)   # a is not z


def test_forward_one_sample(backend, rng):
    net = FNN([3, 4, 2])
    x = rng.standard_normal(3)
    out = net.forward(dev(x))
    assert tuple(out.shape) == (2,)
    np.testing.assert_allclose(
        to_numpy(out), to_numpy(net.forward(dev(x[:, None])))[:, 0]
    )
    fp = net.forward(dev(x), keep=True)
    assert [tuple(a.shape) for a in fp.A] == [(3,), (4,), (2,)]


def test_forward_accepts_lists_and_integers(backend):
    net = FNN([2, 3, 2])
    out = net([[1, 0], [0, 1]])
    assert out.dtype == backend.xp.float64
    np.testing.assert_allclose(
        to_numpy(out), to_numpy(net.forward(dev([[1.0, 0.0], [0.0, 1.0]])))
    )


def test_forward_equals_propagate(backend, rng):
    net = FNN([3, 4, 2])
    A0 = dev(rng.standard_normal((3, 4)))
    np.testing.assert_array_equal(to_numpy(net.forward(A0)),
                                  to_numpy(net.propagate(A0)))


def test_float32_network_computes_in_float32(backend, rng):
    net = FNN([3, 4, 2], dtype="float32")
    fp = net.forward(dev(rng.standard_normal((3, 5))), keep=True)
    assert all(a.dtype == backend.xp.float32 for a in fp.A)
    assert all(z.dtype == backend.xp.float32 for z in fp.Z)


@settings(max_examples=15)
@given(
    widths=st.lists(st.integers(1, 5), min_size=2, max_size=4),
    N=st.integers(1, 6),
    seed=st.integers(0, 2**16),
)
def test_forward_shapes_for_any_widths(backend, widths, N, seed):
    net = FNN(widths, seed=seed)
    A0 = np.random.default_rng(seed).standard_normal((widths[0], N))
    out = to_numpy(net.forward(dev(A0)))
    assert out.shape == (widths[-1], N)
    np.testing.assert_allclose(out.sum(axis=0), 1.0)
    np.testing.assert_allclose(out, host_forward(net, A0), rtol=1e-10,
                               atol=1e-14)


def test_network_on_a_named_backend():
    net = FNN([2, 2], backend="array_api_strict")
    assert net.backend == make_backend("array_api_strict")
