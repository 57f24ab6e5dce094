"""float32 end to end: every trainer keeps every parameter, gradient and
intermediate in float32 (no silent upcast to float64), and gradient checks
still run in float64."""

from __future__ import annotations

import numpy as np
import pytest

import fnnlab
from fnnlab import FNN, backprop, error_terms, train
from fnnlab import fast as fast_path
from fnnlab.activations import ACTIVATIONS, softmax_vjp
from fnnlab.autodiff import nn
from fnnlab.backend import from_numpy, to_numpy
from fnnlab.backprop import gradients_from, loss_value
from fnnlab.losses import LOSSES, frobenius_penalty, get_loss
from fnnlab.training import targets

QUIET = dict(progress=False)


class Float32Only(np.ndarray):
    """A NumPy array that raises when a ufunc given a float32 array returns
    float64: the silent upcast that a float64 NumPy scalar (or array) mixed
    into float32 work causes. Python floats do not upcast (NEP 50)."""

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        def plain(x):
            return x.view(np.ndarray) if isinstance(x, Float32Only) else x

        args = [plain(x) for x in inputs]
        if "out" in kwargs:
            kwargs["out"] = tuple(plain(x) for x in kwargs["out"])
        result = getattr(ufunc, method)(*args, **kwargs)
        single = [x for x in args + [np.asarray(v) for v in
                                     kwargs.get("out", ())]
                  if isinstance(x, np.ndarray) and x.dtype == np.float32]
        outputs = result if isinstance(result, tuple) else (result,)
        if single and any(np.asarray(r).dtype == np.float64
                          for r in outputs):
            raise AssertionError(
                f"np.{ufunc.__name__}.{method} turned float32 into float64"
            )
        if isinstance(result, np.ndarray) and not isinstance(result,
                                                             Float32Only):
            return result.view(Float32Only)
        return result


def guarded(net: FNN) -> FNN:
    net.W = [W.view(Float32Only) for W in net.W]
    net.b = [b.view(Float32Only) for b in net.b]
    return net


def digits32(n=200):
    data = fnnlab.load_digits()
    X = to_numpy(data.X_train)[:n].astype(np.float32)
    return X, to_numpy(data.y_train)[:n]


def test_the_guard_catches_an_upcast():
    W = np.ones((2, 2), np.float32).view(Float32Only)
    assert (W * 0.5).dtype == np.float32                 # a Python float
    assert (W @ W).dtype == np.float32
    with pytest.raises(AssertionError, match="multiply"):
        W * np.float64(0.5)
    with pytest.raises(AssertionError, match="add"):
        W + np.zeros(2)


def test_the_book_loop_never_upcasts():
    """Every ufunc of a float32 training run on guarded parameters: the
    forward pass, the loss, backpropagation, the update, with a penalty."""
    X, y = digits32()
    for output, labels in (("softmax", y), ("logistic", y % 2)):
        net = guarded(FNN([64, 16, 8, 10 if output == "softmax" else 1],
                          activation=["relu", "tanh"], output=output,
                          dtype="float32", backend="numpy"))
        history = train(net, X.view(Float32Only), labels, epochs=2,
                        batch_size=50, lam=1e-3, fast=False,
                        X_test=X[:20], y_test=labels[:20], **QUIET)
        assert all(isinstance(W, Float32Only) for W in net.W)
        assert all(p.dtype == np.float32 for p in net.params().values())
        assert np.isfinite(history.loss).all()


def test_the_reverse_mode_engine_never_upcasts():
    X, y = digits32()
    net = guarded(FNN([64, 16, 10], dtype="float32", backend="numpy"))
    nn.train(net, X, y, epochs=1, batch_size=50, lam=1e-3, **QUIET)
    assert all(p.dtype == np.float32 for p in net.params().values())
    A0, Y = X[:30].T.view(Float32Only), targets(net, y[:30])
    for name, g in nn.gradients(net, A0, Y, lam=1e-3).items():
        assert g.dtype == np.float32, name


def test_every_step_of_a_float32_step_is_float32(backend):
    """Forward pass, loss, error terms and gradients after a training step,
    on every backend; and each activation and loss on float32 input."""
    xp = backend.xp
    X, y = digits32(60)
    net = FNN([64, 12, 6, 10], activation=["relu", "logistic"],
              dtype="float32")
    train(net, from_numpy(X), from_numpy(y), epochs=1, batch_size=32,
          lam=1e-3, **QUIET)
    params = net.params()
    assert all(p.dtype == xp.float32 for p in params.values())
    A0 = from_numpy(np.ascontiguousarray(X.T))
    Y = targets(net, from_numpy(y))
    assert Y.dtype == xp.float32
    fp = net.propagate(A0, keep=True)
    assert all(a.dtype == xp.float32 for a in fp.Z + fp.A)
    loss = get_loss(None, "softmax")
    assert loss_value(net, fp, Y, loss).dtype == xp.float32
    assert all(d.dtype == xp.float32 for d in error_terms(net, fp, Y, loss))
    grads = gradients_from(net, fp, Y, loss, 1e-3)
    assert set(grads) == set(params)
    assert all(g.dtype == xp.float32 for g in grads.values())
    assert all(g.dtype == xp.float32 for g in backprop(net, A0, Y).values())
    assert frobenius_penalty(net.W, 1e-3).dtype == xp.float32
    z = fp.Z[0]
    for act in ACTIVATIONS.values():
        assert act.f(z).dtype == xp.float32, act.name
        if act.elementwise:
            assert act.df(z).dtype == xp.float32, act.name
    s = ACTIVATIONS["softmax"].f(fp.Z[-1])
    assert softmax_vjp(s, Y).dtype == xp.float32
    for name, L in LOSSES.items():
        P = s if name != "binary_cross_entropy" else s[:1, :]
        T = Y if name != "binary_cross_entropy" else Y[:1, :]
        assert L.value(T, P).dtype == xp.float32, name
        assert L.grad(T, P).dtype == xp.float32, name
        if L.from_logits is not None:
            Z = fp.Z[-1] if name == "cross_entropy" else fp.Z[-1][:1, :]
            assert L.from_logits(T, Z).dtype == xp.float32, name
            assert L.from_logits_grad(T, Z).dtype == xp.float32, name


def test_every_trainer_keeps_float32(backend):
    xp = backend.xp
    X, y = digits32(60)
    for trainer in (train, nn.train):
        net = FNN([64, 8, 10], dtype="float32")
        trainer(net, from_numpy(X), from_numpy(y), epochs=1, batch_size=16,
                **QUIET)
        assert all(p.dtype == xp.float32 for p in net.params().values())


def test_the_fast_path_works_in_float32_buffers():
    """Every buffer of the NumPy fast path is float32, so no product or
    ufunc writing into them runs in float64."""
    X, y = digits32(100)
    net = FNN([64, 16, 8, 10], activation=["relu", "tanh"], dtype="float32",
              backend="numpy")
    runner = fast_path.FastEpochs(net, X, targets(net, y),
                                  get_loss(None), 0.1, 1e-3, 32)
    assert runner.X is X                    # float32 rows: used as given
    runner.run(np.random.default_rng(0).permutation(100))
    arrays = [runner.sums, runner.picked]
    for buf in runner._buffers.values():
        arrays += [buf.x, buf.ones, buf.m] + buf.z + buf.g + buf.a
        arrays += [m for m in buf.mask if m is not None]
    assert len(runner._buffers) == 2                     # 32 and the last 4
    assert all(a.dtype == np.float32 for a in arrays)
    assert all(p.dtype == np.float32 for p in net.params().values())


def test_gradient_checks_stay_in_float64(backend):
    """A float32 network's gradient check runs on a float64 copy: its
    agreement is float64's (about 1e-9), which float32 could not give,
    and the network itself stays float32."""
    xp = backend.xp
    X, y = digits32(8)
    net = FNN([64, 5, 10], activation="tanh", dtype="float32", seed=1)
    A0 = from_numpy(np.ascontiguousarray(X.T))
    Y = targets(net, from_numpy(y))
    report = fnnlab.gradient_check(net, A0, Y, entries=20)
    assert "float64" in report.note
    assert report.max_error < 1e-6
    assert all(p.dtype == xp.float32 for p in net.params().values())
