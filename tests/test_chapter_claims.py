"""Claims made in the chapters *Learning the parameters* (book/learning.ipynb)
and *Backpropagation* (book/backprop.ipynb), checked with the chapters' own
settings.

nbval re-runs the chapters and compares their printed output, but figures
and the prose around them are not compared. These tests pin what the
prose and figures claim: which learning rate is smooth, that a larger
lambda gives smaller weights, that the inline backward pass equals
``fnnlab.backprop``, that the digits network reaches 97% test accuracy for
several seeds. Constants (upper-case names such as ``SETTINGS``) and a few
functions are read from the notebooks themselves, so a chapter that changes
its hyperparameters is tested with the new ones.

The chapters use the NumPy backend, and so do these tests.
"""

from __future__ import annotations

import ast
from pathlib import Path

import nbformat
import numpy as np
import pytest

import fnnlab
from fnnlab import FNN, to_numpy
from fnnlab.losses import (
    cross_entropy_from_logits_grad,
    cross_entropy_grad,
    get_loss,
)

BOOK = Path(__file__).resolve().parents[1] / "book"


@pytest.fixture(autouse=True, scope="module")
def numpy_with_one_blas_thread():
    """The chapters' setting: NumPy arrays, one BLAS thread.

    The chapter *Backpropagation* limits BLAS to one thread: its matrices
    are small, and two threads that wait on each other made a digits run
    a hundred times slower on a busy two-core machine. SciPy's BLAS (used
    by fnnlab's fast training path) is imported first so the limit
    reaches it too.
    """
    import scipy.linalg  # noqa: F401
    from threadpoolctl import threadpool_limits

    with fnnlab.use_backend("numpy"), threadpool_limits(limits=1):
        yield


# --- reading the chapters -----------------------------------------------------

def _cells(chapter: str) -> list:
    nb = nbformat.read(BOOK / f"{chapter}.ipynb", as_version=4)
    return [ast.parse(c.source) for c in nb.cells if c.cell_type == "code"]


def chapter_constants(chapter: str) -> dict:
    """Every top-level ``NAME = <literal>`` with an upper-case name."""
    found = {}
    for tree in _cells(chapter):
        for node in tree.body:
            if (
                isinstance(node, ast.Assign)
                and len(node.targets) == 1
                and isinstance(node.targets[0], ast.Name)
                and node.targets[0].id.isupper()
            ):
                try:
                    found[node.targets[0].id] = ast.literal_eval(node.value)
                except ValueError:
                    continue
    return found


def chapter_function(chapter: str, name: str, namespace: dict):
    """The function ``name`` defined in a chapter, run in ``namespace``."""
    for tree in _cells(chapter):
        for node in tree.body:
            if isinstance(node, ast.FunctionDef) and node.name == name:
                module = ast.Module(body=[node], type_ignores=[])
                exec(compile(module, f"{chapter}.ipynb", "exec"), namespace)
                return namespace[name]
    raise LookupError(f"{chapter}.ipynb defines no function {name!r}")


@pytest.fixture(scope="module")
def learning():
    return chapter_constants("learning")


@pytest.fixture(scope="module")
def moons(learning):
    X, y = fnnlab.moons(**learning["MOONS"])
    return X, y


def _moons_net(learning) -> FNN:
    return FNN(learning["WIDTHS"], activation="tanh", seed=0)


def _train_moons(learning, moons, **kwargs):
    X, y = moons
    net = _moons_net(learning)
    options = {"epochs": learning["EPOCHS"], "lr": learning["ALPHA"],
               "batch_size": None, "progress": False}
    options.update(kwargs)
    history = fnnlab.train(net, X, y, **options)
    return net, history


def _weight_norm(net: FNN) -> float:
    return float(np.sqrt(sum(np.sum(to_numpy(W) ** 2) for W in net.W)))


# --- Learning the parameters --------------------------------------------------

def test_cross_entropy_worked_example():
    P = np.array([[0.7, 0.1, 0.3], [0.2, 0.8, 0.3], [0.1, 0.1, 0.4]])
    Y = np.eye(3)
    one = [float(fnnlab.cross_entropy(Y[:, [c]], P[:, [0]])) for c in range(3)]
    assert np.round(one, 4).tolist() == [0.3567, 1.6094, 2.3026]
    assert round(float(fnnlab.cross_entropy(Y, P)), 4) == 0.4987


def test_logits_give_the_exact_loss_and_clipping_a_wrong_one():
    Z = np.array([[0.0], [-1000.0]])
    Y = np.array([[0.0], [1.0]])
    with np.errstate(over="raise", divide="raise", invalid="raise"):
        exact = float(fnnlab.cross_entropy_from_logits(Y, Z))
        clipped = float(fnnlab.cross_entropy(Y, fnnlab.softmax(Z)))
    assert exact == 1000.0
    assert clipped == pytest.approx(-np.log(1e-12))
    assert round(exact / clipped) == 36          # "wrong by a factor of 36"
    P = fnnlab.softmax(Z)
    through_p = fnnlab.softmax_vjp(P, cross_entropy_grad(Y, P))
    assert np.all(through_p == 0.0)              # learns nothing
    np.testing.assert_array_equal(
        cross_entropy_from_logits_grad(Y, Z), [[1.0], [-1.0]])


def test_structural_risk_example_inline_equals_fnnlab():
    net = FNN([4, 5, 3], activation="tanh", seed=0)
    A0 = np.random.default_rng(1).standard_normal((4, 6))
    Y = np.eye(3)[:, [0, 1, 2, 0, 1, 2]]
    lam = 0.1
    W1, b1, W2, b2 = (to_numpy(net.params()[k]) for k in ("W1", "b1", "W2", "b2"))
    Z2 = W2 @ np.tanh(W1 @ A0 + b1[:, None]) + b2[:, None]
    log_P = Z2 - Z2.max(axis=0) - np.log(np.exp(Z2 - Z2.max(axis=0)).sum(axis=0))
    inline = -np.sum(Y * log_P) / 6 + lam / 2 * (np.sum(W1**2) + np.sum(W2**2))
    assert fnnlab.structural_risk(net, A0, Y, lam=lam) == pytest.approx(
        inline, rel=1e-14)
    assert round(inline, 4) == 1.4114


def test_lambda_adds_lambda_W_to_weights_and_nothing_to_biases():
    net = FNN([4, 5, 3], activation="tanh", seed=0)
    A0 = np.random.default_rng(1).standard_normal((4, 6))
    Y = np.eye(3)[:, [0, 1, 2, 0, 1, 2]]
    g0 = fnnlab.backprop(net, A0, Y, lam=0.0)
    g = fnnlab.backprop(net, A0, Y, lam=0.1)
    for name, value in net.params().items():
        extra = to_numpy(g[name] - g0[name])
        expected = 0.1 * to_numpy(value) if name[0] == "W" else 0.0 * extra
        np.testing.assert_allclose(extra, expected, rtol=0, atol=1e-15)


def test_full_batch_loop_by_hand_equals_train_and_never_goes_up(
        learning, moons):
    X, y = moons
    A0, Y = X.T, fnnlab.one_hot(y, 2)
    by_hand = _moons_net(learning)
    for _ in range(learning["EPOCHS"]):
        grads = fnnlab.backprop(by_hand, A0, Y)
        for l in range(1, by_hand.L + 1):
            by_hand.W[l - 1] = by_hand.W[l - 1] - learning["ALPHA"] * grads[f"W{l}"]
            by_hand.b[l - 1] = by_hand.b[l - 1] - learning["ALPHA"] * grads[f"b{l}"]
    net, history = _train_moons(learning, moons)
    for a, b in zip(by_hand.W + by_hand.b, net.W + net.b):
        np.testing.assert_allclose(to_numpy(a), to_numpy(b), rtol=0, atol=1e-10)
    assert np.all(np.diff(history.loss) <= 0)      # the risk never goes up


def test_learning_rates_slow_smooth_and_erratic(learning, moons):
    slow, good, wild = sorted(learning["RATES"])
    assert good == learning["ALPHA"] and wild == 10.0
    loss = {rate: _train_moons(learning, moons, lr=rate)[1].loss
            for rate in (slow, good)}
    assert loss[slow][-1] > 2 * loss[good][-1]
    for rate in (slow, good):
        assert np.all(np.diff(loss[rate]) <= 0)      # "never went up"
    # alpha = 10 is chaotic: its path depends on rounding, so the claims
    # are checked on both training paths and two shuffles.
    for fast in (None, False):
        for seed in (0, 1):
            _, h = _train_moons(learning, moons, lr=wild, fast=fast, seed=seed)
            late = np.array(h.loss[100:])
            assert np.mean(np.diff(late) > 0) > 0.25
            assert np.median(late) > h.loss[0]
            assert np.median(late) > 10 * loss[good][-1]


def test_at_rate_half_the_summation_order_shows(learning, moons):
    """The chapter: at 0.5 the risk spikes and two shuffles end apart; at the
    chapter's rate they agree to round-off."""
    ends = {}
    for rate in (0.5, learning["ALPHA"]):
        runs = [_train_moons(learning, moons, lr=rate, seed=s)[1].loss
                for s in (0, 5)]
        ends[rate] = abs(runs[0][-1] - runs[1][-1])
        if rate == 0.5:
            assert np.any(np.diff(runs[0]) > 0.1)   # spikes
    assert ends[0.5] > 1e-3
    assert ends[learning["ALPHA"]] < 1e-10


def test_larger_lambda_gives_smaller_weights(learning, moons):
    lambdas = learning["LAMBDAS"]
    assert lambdas == sorted(lambdas) and lambdas[0] == 0.0
    start = _weight_norm(_moons_net(learning))
    norms, accuracies = [], []
    for lam in lambdas:
        net, _ = _train_moons(learning, moons, lam=lam)
        norms.append(_weight_norm(net))
        accuracies.append(fnnlab.accuracy(net, *moons))
    assert all(a > b for a, b in zip(norms, norms[1:]))
    assert norms[0] > 7 > 5 > start > 4.5           # grows from 5 to over 7
    assert norms[-1] == pytest.approx(2.0, abs=0.1)  # "settles near 2"
    assert accuracies[-1] < accuracies[0] - 0.05     # the straight boundary


def test_numerical_gradient_cost_quoted(learning):
    assert 2 * FNN(learning["WIDTHS"]).num_params() == 708
    assert 2 * FNN([64, 256, 10]).num_params() == 38420


# --- Backpropagation ----------------------------------------------------------

@pytest.fixture(scope="module")
def per_sample():
    return chapter_function("backprop", "per_sample_gradients", {"np": np})


@pytest.fixture(scope="module")
def tanh_net():
    net = FNN([4, 6, 5, 3], activation="tanh", seed=0)
    W = {l: to_numpy(net.W[l - 1]) for l in range(1, net.L + 1)}
    b = {l: to_numpy(net.b[l - 1]) for l in range(1, net.L + 1)}
    return net, W, b


def test_inline_per_sample_backward_equals_backprop(per_sample, tanh_net):
    net, W, b = tanh_net
    x = np.random.default_rng(0).standard_normal(4)
    y = np.array([0.0, 0.0, 1.0])
    grads, delta = per_sample(W, b, x, y)
    packaged = fnnlab.backprop(net, x[:, None], y[:, None])
    assert set(grads) == set(packaged)
    for name in grads:
        np.testing.assert_allclose(
            grads[name], to_numpy(packaged[name]).reshape(grads[name].shape),
            rtol=0, atol=1e-14)
    p = to_numpy(net.forward(x))
    np.testing.assert_allclose(delta[3], p - y, atol=1e-15)   # y_hat - y


def test_batch_gradient_is_the_mean_of_per_sample_ones(per_sample, tanh_net):
    net, W, b = tanh_net
    rng = np.random.default_rng(5)
    N, lam = 8, 0.01
    A0 = rng.standard_normal((4, N))
    Y = np.eye(3)[:, rng.integers(0, 3, size=N)]
    mean = {}
    for n in range(N):
        g_n, _ = per_sample(W, b, A0[:, n], Y[:, n])
        for k, v in g_n.items():
            mean[k] = mean.get(k, 0.0) + v / N
    packaged = fnnlab.backprop(net, A0, Y, lam=lam)
    for k in mean:
        extra = lam * W[int(k[1:])] if k[0] == "W" else 0.0
        np.testing.assert_allclose(mean[k] + extra, to_numpy(packaged[k]),
                                   rtol=0, atol=1e-14)
    deltas = fnnlab.error_terms(net, net.forward(A0, keep=True), Y,
                                get_loss("cross_entropy"))
    np.testing.assert_allclose(to_numpy(deltas[-1]),
                               (to_numpy(net.forward(A0)) - Y) / N, atol=1e-15)


def test_slope_at_a_bug_is_small_but_far_above_the_check_threshold(
        per_sample, tanh_net):
    net, W, b = tanh_net
    buggy = chapter_function("backprop", "tanh_slope_at_a_gradients",
                             {"np": np})
    x = np.random.default_rng(0).standard_normal(4)
    y = np.array([0.0, 0.0, 1.0])
    right, _ = per_sample(W, b, x, y)
    wrong = buggy(W, b, x, y)
    errors = {k: fnnlab.relative_error(wrong[k], right[k]) for k in wrong}
    assert errors["W3"] == 0.0                      # output layer untouched
    assert 1e-3 < errors["W1"] < 1e-2               # "a fraction of a percent"
    assert errors["W2"] > 1e-4


def test_gradient_check_of_the_chapter_network_and_its_teeth():
    net = FNN([6, 8, 5, 4], activation="relu", seed=3)
    rng = np.random.default_rng(3)
    A0 = rng.standard_normal((6, 10))
    Y = np.eye(4)[:, rng.integers(0, 4, 10)]
    report = fnnlab.gradient_check(net, A0, Y, lam=0.01)
    assert len(report.errors()) == 6
    assert all(err < 1e-7 for err in report.errors().values())
    probe = net.copy()
    numeric = fnnlab.numerical_gradient(
        lambda _: fnnlab.structural_risk(probe, A0, Y, lam=0.01), probe.W[0])
    forgot = fnnlab.backprop(net, A0, Y, lam=0.0)["W1"]
    assert fnnlab.relative_error(forgot, numeric) > 1e-2


def test_sgd_is_the_per_sample_algorithm(per_sample):
    X, y = fnnlab.moons(60, noise=0.2, seed=1)
    Yh = np.eye(2)[to_numpy(y)]
    alpha, lam, epochs, seed = 0.05, 0.001, 3, 7
    net = FNN([2, 8, 2], activation="tanh", seed=0)
    W = {l: to_numpy(net.W[l - 1]).copy() for l in (1, 2)}
    b = {l: to_numpy(net.b[l - 1]).copy() for l in (1, 2)}
    order_rng = np.random.default_rng(seed)
    for _ in range(epochs):
        for n in order_rng.permutation(60):
            g, _ = per_sample(W, b, to_numpy(X)[n], Yh[n])
            for l in (1, 2):
                W[l] -= alpha * (g[f"W{l}"] + lam * W[l])
                b[l] -= alpha * g[f"b{l}"]
    fnnlab.sgd(net, X, y, epochs=epochs, lr=alpha, lam=lam, seed=seed,
               progress=False)
    for l in (1, 2):
        np.testing.assert_allclose(W[l], to_numpy(net.W[l - 1]), atol=1e-12)
        np.testing.assert_allclose(b[l], to_numpy(net.b[l - 1]), atol=1e-12)


@pytest.fixture(scope="module")
def digits():
    return fnnlab.load_digits()


@pytest.fixture(scope="module")
def train_digits(digits):
    X_train, X_test, y_train, y_test = digits
    namespace = {
        "FNN": FNN, "fnnlab": fnnlab,
        "SETTINGS": chapter_constants("backprop")["SETTINGS"],
        "X_train": X_train, "X_test": X_test,
        "y_train": y_train, "y_test": y_test,
    }
    return chapter_function("backprop", "train_digits", namespace)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_digits_reach_97_percent_with_the_chapter_settings(
        train_digits, digits, seed):
    net, history = train_digits(seed)
    acc = fnnlab.accuracy(net, digits.X_test, digits.y_test)
    assert acc == history.test_accuracy[-1]
    assert acc >= 0.97
    epochs = sum(e for _, e in chapter_constants("backprop")["SETTINGS"]["phases"])
    assert len(history.loss) == len(history.test_accuracy) == epochs


def test_full_batch_barely_moves_in_five_epochs(digits):
    X_train, X_test, y_train, y_test = digits
    accuracy = {}
    for batch_size, lr in [(32, 0.2), (None, 0.5)]:
        net = FNN([64, 256, 10], seed=0)
        h = fnnlab.train(net, X_train, y_train, epochs=5, lr=lr,
                         batch_size=batch_size, lam=1e-3, seed=0,
                         X_test=X_test, y_test=y_test, progress=False)
        accuracy[batch_size] = h.test_accuracy[-1]
    assert accuracy[None] < 0.8 < 0.9 < accuracy[32]
