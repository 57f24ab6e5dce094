"""fnnlab.fast: the NumPy fast path of fnnlab.train gives the numbers of the
book's loop (fnnlab.training.sgd_epoch), copies no data set, and is what
train runs on NumPy unless told otherwise."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

import fnnlab
from fnnlab import FNN, train
from fnnlab import fast as fast_path
from fnnlab.errors import FnnlabError

QUIET = dict(progress=False)


@pytest.fixture(params=["numpy BLAS products", "SciPy BLAS products"])
def blas_mode(request, monkeypatch):
    """Run on both of the fast path's ways to multiply: NumPy's BLAS with
    SciPy's for the fused updates (one thread), SciPy's for everything."""
    several = request.param == "SciPy BLAS products"
    monkeypatch.setattr(fast_path, "_several_blas_threads", lambda: several)
    return several


def data(N=37, D=5, C=3, seed=0, kind="softmax"):
    """Host data: X (N, D) and labels (N,) or values (N, C)."""
    rng = np.random.default_rng(seed)
    y = np.arange(N) % C
    X = rng.standard_normal((N, D)) + np.eye(C, D)[y]
    if kind == "logistic":
        y = (X[:, 0] > 0).astype(np.int64)
    if kind == "identity":
        y = np.sin(X[:, :C])
    return X, y


def twins(widths, **kwargs):
    net = FNN(widths, seed=3, backend="numpy", **kwargs)
    return net, net.copy()


def assert_same_run(a, b, h_a, h_b, rtol=1e-12):
    np.testing.assert_allclose(h_a.loss, h_b.loss, rtol=rtol)
    assert h_a.train_accuracy == h_b.train_accuracy
    assert h_a.test_accuracy == h_b.test_accuracy
    for p, q in zip(a.W + a.b, b.W + b.b):
        np.testing.assert_allclose(p, q, rtol=rtol, atol=rtol * 1e-3)


CASES = [
    # widths, hidden, output, loss, lam, batch_size
    ([5, 16, 8, 3], "relu", "softmax", None, 0.0, 8),
    ([5, 16, 8, 3], "relu", "softmax", None, 0.01, 1),
    ([5, 16, 8, 3], "relu", "softmax", None, 0.0, None),
    ([5, 16, 8, 3], "relu", "softmax", None, 0.0, 1000),
    ([5, 12, 3], "tanh", "softmax", None, 0.001, 7),
    ([5, 12, 3], ["leaky_relu"], "softmax", "squared_error", 0.0, 16),
    ([5, 6, 6, 3], ["logistic", "identity"], "softmax", None, 0.0, 5),
    ([5, 9, 1], "relu", "logistic", None, 0.01, 6),
    ([5, 9, 3], "tanh", "identity", None, 0.0, 10),
    ([5, 3], "relu", "softmax", None, 0.0, 4),                 # no hidden
]


@pytest.mark.parametrize("widths, hidden, output, loss, lam, batch", CASES)
def test_the_fast_path_gives_the_book_loops_numbers(
    blas_mode, widths, hidden, output, loss, lam, batch
):
    X, y = data(kind=output, C=widths[-1])
    fast, book = twins(widths, activation=hidden, output=output)
    test = {} if output == "identity" else dict(X_test=X[:9], y_test=y[:9])
    kwargs = dict(epochs=4, lr=0.1, batch_size=batch, lam=lam, loss=loss,
                  seed=5, **test, **QUIET)
    h_fast = train(fast, X, y, fast=True, **kwargs)
    h_book = train(book, X, y, fast=False, **kwargs)
    assert_same_run(fast, book, h_fast, h_book)
    assert h_fast.loss[-1] != h_fast.loss[0]       # it did train


def test_thirty_epochs_on_digits_stay_within_1e_12(blas_mode):
    """The chapters' run: the digits net, 30 epochs, float64."""
    digits = fnnlab.load_digits()
    fast, book = twins([64, 128, 64, 10])
    kwargs = dict(epochs=30, lr=0.1, batch_size=32, seed=0,
                  X_test=digits.X_test, y_test=digits.y_test, **QUIET)
    h_fast = train(fast, digits.X_train, digits.y_train, **kwargs)
    h_book = train(book, digits.X_train, digits.y_train, fast=False,
                   **kwargs)
    assert_same_run(fast, book, h_fast, h_book)
    assert h_fast.test_accuracy[-1] > 0.9


def test_float32_runs_agree_to_float32_rounding(blas_mode):
    digits = fnnlab.load_digits()
    fast, book = twins([64, 32, 10], dtype="float32")
    kwargs = dict(epochs=5, lr=0.1, batch_size=128, seed=0, **QUIET)
    h_fast = train(fast, digits.X_train, digits.y_train, **kwargs)
    h_book = train(book, digits.X_train, digits.y_train, fast=False,
                   **kwargs)
    np.testing.assert_allclose(h_fast.loss, h_book.loss, rtol=1e-5)
    for p, q in zip(fast.W, book.W):
        assert p.dtype == np.float32
        np.testing.assert_allclose(p, q, atol=1e-5)


def test_train_takes_the_fast_path_on_numpy_only_unless_told(monkeypatch):
    X, y = data()
    calls = []
    real = fast_path.FastEpochs

    def spy(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(fast_path, "FastEpochs", spy)
    train(FNN([5, 4, 3], backend="numpy"), X, y, epochs=1, **QUIET)
    assert calls == [1]
    train(FNN([5, 4, 3], backend="numpy"), X, y, epochs=1, fast=False,
          **QUIET)
    assert calls == [1]
    strict = FNN([5, 4, 3], backend="array_api_strict")
    Xs, ys = (fnnlab.backend.from_numpy(a, "array_api_strict") for a in (X, y))
    train(strict, Xs, ys, epochs=1, **QUIET)
    assert calls == [1]
    with pytest.raises(FnnlabError, match="fast: got True, but the fast "
                       "path runs on the NumPy backend only"):
        train(strict, Xs, ys, epochs=1, fast=True, **QUIET)
    with pytest.raises(FnnlabError, match="fast: got 'yes'"):
        train(FNN([5, 4, 3], backend="numpy"), X, y, fast="yes", **QUIET)


def test_parameters_are_updated_in_place():
    X, y = data()
    net = FNN([5, 4, 3], backend="numpy")
    arrays = [id(p) for p in net.W + net.b]
    before = [p.copy() for p in net.W + net.b]
    train(net, X, y, epochs=1, **QUIET)
    assert [id(p) for p in net.W + net.b] == arrays
    assert all(np.any(p != q) for p, q in zip(net.W + net.b, before))


def test_a_callback_may_replace_the_parameters(blas_mode):
    """Parameters are looked up again every epoch, even when a callback
    replaces them by arrays BLAS cannot write in place (column-major):
    that epoch runs the book's loop."""
    X, y = data()
    runs = []
    for fast in (True, False):
        net = FNN([5, 6, 3], seed=1, backend="numpy")

        def halve(epoch, history, net=net):
            new = {k: np.asfortranarray(v * 0.5) for k, v in
                   net.params().items()}
            if epoch == 0:
                net.set_params(new)          # keeps column-major order
            else:
                net.set_params({k: np.ascontiguousarray(v)
                                for k, v in new.items()})

        h = train(net, X, y, epochs=3, batch_size=8, callback=halve,
                  fast=fast, **QUIET)
        runs.append((net, h))
    (a, h_a), (b, h_b) = runs
    assert_same_run(a, b, h_a, h_b)


def test_no_copy_of_the_data_set():
    """One epoch allocates far less than the data set (the book's loop
    used to copy it twice per epoch), on both paths."""
    rng = np.random.default_rng(0)
    X = rng.random((20_000, 64))               # 10 MiB
    y = rng.integers(0, 10, 20_000)
    for fast in (True, False):
        net = FNN([64, 32, 10], backend="numpy")
        train(net, X[:200], y[:200], epochs=1, fast=fast, **QUIET)
        tracemalloc.start()
        train(net, X, y, epochs=1, batch_size=128, fast=fast, **QUIET)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        # the one-hot targets (10 x N) and the per-sample bookkeeping are
        # about 2.4 MiB; the data set is 10 MiB
        assert peak < 0.4 * X.nbytes, (fast, peak)


def test_finite_data_whose_sum_overflows_still_trains():
    """The finiteness check sums the data first; a sum that overflows is
    not taken for a NaN: the values are then counted one by one."""
    X, y = data()
    X[0, 0], X[1, 0] = 1e308, 1e308
    net = FNN([5, 4, 3], backend="numpy")
    with np.errstate(over="ignore", invalid="ignore"):
        try:
            train(net, X, y, epochs=1, lr=1e-300, **QUIET)
        except FnnlabError as error:        # divergence is allowed here
            assert "X:" not in str(error)
    X[2, 1] = np.nan
    with pytest.raises(FnnlabError, match=r"X: got 1 NaN or infinite"):
        train(net, X, y, epochs=1, **QUIET)


def test_fast_epochs_reports_what_the_book_loop_reports():
    """FastEpochs.run and sgd_epoch return the same (total, correct)."""
    X, y = data(N=50)
    a, b = twins([5, 7, 3])
    Y = fnnlab.training.targets(a, y)
    loss = fnnlab.losses.get_loss(None)
    order = np.random.default_rng(2).permutation(50)
    runner = fast_path.FastEpochs(a, X, Y, loss, 0.1, 0.0, 16)
    total_f, correct_f = runner.run(order)
    total_b, correct_b = fnnlab.training.sgd_epoch(
        b, b.xp.asarray(X.T), Y, order, batch_size=16, lr=0.1, lam=0.0,
        loss=loss)
    assert float(total_f) == pytest.approx(float(total_b), rel=1e-13)
    assert int(correct_f) == int(correct_b)
