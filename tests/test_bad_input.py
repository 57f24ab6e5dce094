"""Bad input: every case raises an fnnlab error whose message names the
argument, says what it got and what was expected."""

from __future__ import annotations

import numpy as np
import pytest

import fnnlab
from fnnlab import FNN, accuracy, backprop, predict, sgd, structural_risk, train
from fnnlab.backend import from_numpy
from fnnlab.errors import (
    BackendError,
    BackendMismatchError,
    FnnlabError,
    ShapeError,
)

INF, NAN = float("inf"), float("nan")


def dev(x, dtype="float64"):
    return from_numpy(np.asarray(x, dtype=dtype))


def data(N=10, D=3, C=3):
    """X (N, D) and labels y (N,) on the default backend."""
    X = np.random.default_rng(0).standard_normal((N, D))
    return dev(X), from_numpy(np.arange(N) % C)


def net3(**kwargs):
    return FNN([3, 4, 3], **kwargs)


def fit(X=None, y=None, net=None, **kwargs):
    """``train`` on ``data()`` with one argument replaced."""
    X0, y0 = data()
    kwargs.setdefault("progress", False)
    return train(net or net3(), X0 if X is None else X,
                 y0 if y is None else y, **kwargs)


def with_nan(shape, where=(0, 0), value=NAN):
    A = np.random.default_rng(1).standard_normal(shape)
    A[where] = value
    return dev(A)


def strict_net(**kwargs):
    return FNN([3, 4, 3], backend="array_api_strict", **kwargs)


def X_strict():
    return fnnlab.asarray(np.ones((10, 3)), backend="array_api_strict")


def on_cpu_device():
    """An array_api_strict array on its CPU device, not the network's."""
    import array_api_strict as xs

    return xs.asarray(np.ones((3, 2)), device=xs.Device("CPU_DEVICE"))


def labels_strict():
    return fnnlab.asarray(np.arange(10) % 3, backend="array_api_strict")


# (id, call, error class, words the message must hold). The first word is
# the argument's name, then what it got, then what was expected.
CASES = [
    # --- shapes ---
    ("forward rows", lambda: net3().forward(dev(np.ones((2, 5)))), ShapeError,
     ["A0:", "got shape (2, 5)", "expected (3, N)"]),
    ("forward rows as samples", lambda: net3().forward(dev(np.ones((5, 3)))),
     ShapeError, ["A0:", "got shape (5, 3)", "expected (3, N)", ".T"]),
    ("forward 3-D", lambda: net3().forward(dev(np.ones((3, 2, 2)))),
     ShapeError, ["A0:", "got shape (3, 2, 2)", "expected a matrix (3, N)"]),
    ("forward one sample", lambda: net3().forward(dev(np.ones(2))),
     ShapeError, ["A0:", "got shape (2,)", "expected one sample (3,)"]),
    ("forward text", lambda: net3().forward("abc"), FnnlabError,
     ["A0:", "got str", "expected an array of shape (3, N)"]),
    ("forward ragged", lambda: net3().forward([[1.0, 2.0], [3.0]]),
     FnnlabError, ["A0:", "got list", "expected an array of shape (3, N)"]),
    ("set_params text", lambda: net3().set_params({"b1": "zeros"}),
     FnnlabError, ["params['b1']:", "got str", "expected an array of "
                                               "shape (4,)"]),
    ("regression y text",
     lambda: fit(net=FNN([3, 1], output="identity"), y=["a"] * 10),
     FnnlabError, ["y:", "got list", "expected values of shape (N, 1)"]),
    ("train X columns", lambda: fit(X=dev(np.ones((10, 2)))), ShapeError,
     ["X:", "got shape (10, 2)", "expected (N, 3)"]),
    ("train X transposed", lambda: fit(X=dev(np.ones((3, 10)))), ShapeError,
     ["X:", "got shape (3, 10)", "expected (N, 3)", ".T"]),
    ("train X vector", lambda: fit(X=dev(np.ones(10))), ShapeError,
     ["X:", "got shape (10,)", "expected (N, 3)"]),
    ("train X ragged", lambda: fit(X=[[1.0, 2.0, 3.0], [1.0]]), FnnlabError,
     ["X:", "got list", "expected an array of shape (N, 3)"]),
    ("train y length", lambda: fit(y=from_numpy(np.arange(5) % 3)),
     ShapeError, ["y:", "got 5 samples", "expected 10"]),
    ("train y matrix", lambda: fit(y=dev(np.zeros((10, 1)))), ShapeError,
     ["y:", "got shape (10, 1)", "expected class labels of shape (N,)"]),
    ("train no samples",
     lambda: fit(X=dev(np.ones((0, 3))), y=from_numpy(np.zeros(0, int))),
     ShapeError, ["X:", "got shape (0, 3)", "expected at least one"]),
    ("regression y shape",
     lambda: fit(net=FNN([3, 2], output="identity"), y=dev(np.ones((10, 3)))),
     ShapeError, ["y:", "got shape (10, 3)", "expected (N, 2)"]),
    ("backprop Y rows",
     lambda: backprop(net3(), dev(np.ones((3, 5))), dev(np.ones((2, 5)))),
     ShapeError, ["Y:", "got shape (2, 5)", "expected (3, N)"]),
    ("backprop Y labels",
     lambda: backprop(net3(), dev(np.ones((3, 5))), dev(np.ones(5))),
     ShapeError, ["Y:", "got shape (5,)", "expected a matrix (3, N)",
                  "one_hot"]),
    ("backprop Y columns",
     lambda: backprop(net3(), dev(np.ones((3, 5))), dev(np.ones((3, 4)))),
     ShapeError, ["Y:", "got 4 columns", "expected 5"]),
    ("set_params shape",
     lambda: net3().set_params({"W2": dev(np.ones((4, 3)))}), ShapeError,
     ["params['W2']:", "got shape (4, 3)", "expected (3, 4)"]),
    ("set_params name", lambda: net3().set_params({"V1": dev(np.ones(3))}),
     FnnlabError, ["params:", "got the name 'V1'", "expected one of 'W1'"]),
    ("widths short", lambda: FNN([3]), FnnlabError,
     ["widths:", "got [3]", "expected at least two"]),
    ("widths zero", lambda: FNN([3, 0, 2]), FnnlabError,
     ["widths[1]:", "got 0", "expected an integer >= 1"]),
    ("widths float", lambda: FNN([3, 2.5, 2]), FnnlabError,
     ["widths[1]:", "got 2.5", "expected an integer >= 1"]),
    ("activation count", lambda: FNN([3, 4, 4, 2], activation=["relu"]),
     FnnlabError, ["activation:", "got 1 names", "expected one per hidden",
                   "2 for widths"]),
    ("softmax jacobian", lambda: fnnlab.softmax_jacobian(dev(np.ones((2, 2)))),
     ShapeError, ["z:", "got shape (2, 2)", "expected one vector"]),
    ("one_hot matrix", lambda: fnnlab.one_hot(dev(np.ones((2, 2)))),
     ShapeError, ["y:", "got shape (2, 2)", "expected integer labels"]),
    # --- unknown names ---
    ("activation name", lambda: FNN([3, 4, 3], activation="swish"),
     FnnlabError, ["activation[0]:", "got 'swish'", "expected one of",
                   "'relu'", "'tanh'"]),
    ("softmax hidden", lambda: FNN([3, 4, 3], activation="softmax"),
     FnnlabError, ["activation[0]:", "got 'softmax'", "expected one of",
                   "'relu'"]),
    ("activation type", lambda: FNN([3, 4, 3], activation=[["relu"]]),
     FnnlabError, ["activation[0]:", "got ['relu']", "expected one of"]),
    ("output name", lambda: FNN([3, 3], output="relu"), FnnlabError,
     ["output:", "got 'relu'", "expected one of 'identity', 'logistic', "
                               "'softmax'"]),
    ("output unknown", lambda: FNN([3, 3], output="sparsemax"), FnnlabError,
     ["output:", "got 'sparsemax'", "expected one of 'identity'"]),
    ("init name", lambda: FNN([3, 3], init="glorot"), FnnlabError,
     ["init:", "got 'glorot'", "expected one of 'auto', 'he', 'xavier'"]),
    ("loss name in train", lambda: fit(loss="hinge"), FnnlabError,
     ["loss:", "got 'hinge'", "expected one of 'cross_entropy'"]),
    ("loss name in backprop",
     lambda: backprop(net3(), dev(np.ones((3, 2))), dev(np.eye(3)[:, :2]),
                      loss="mse"),
     FnnlabError, ["loss:", "got 'mse'", "expected one of", "'squared_error'"]),
    ("backend name", lambda: fnnlab.set_backend("torch"), BackendError,
     ["backend:", "got 'torch'", "expected one of 'numpy', 'cupy', "
                                 "'array_api_strict'"]),
    ("backend name in FNN", lambda: FNN([3, 3], backend="jax"), BackendError,
     ["backend:", "got 'jax'", "expected one of"]),
    ("backend type in FNN", lambda: FNN([3, 3], backend=3), BackendError,
     ["backend:", "got 3", "expected a Backend"]),
    ("dtype name", lambda: FNN([3, 3], dtype="float16"), BackendError,
     ["dtype:", "got 'float16'", "expected 'float32' or 'float64'"]),
    ("dtype in one_hot", lambda: fnnlab.one_hot([0, 1], dtype="int64"),
     BackendError, ["dtype:", "got 'int64'", "expected 'float32'"]),
    # --- labels ---
    ("labels too big", lambda: fit(y=from_numpy(np.arange(10) % 4)),
     FnnlabError, ["y:", "got labels from 0 to 3", "expected 0 .. 2",
                   "3 classes"]),
    ("labels negative", lambda: fit(y=from_numpy(np.arange(10) % 3 - 1)),
     FnnlabError, ["y:", "got labels from -1 to 1", "expected 0 .. 2"]),
    ("labels fractional",
     lambda: fit(y=dev(np.r_[np.arange(9) % 3, 1.5])), FnnlabError,
     ["y:", "got the non-integer value 1.5", "index 9",
      "expected class labels 0 .. 2"]),
    ("labels text", lambda: fit(y=list("abcabcabca")), FnnlabError,
     ["y:", "got list", "expected class labels 0 .. 2 of shape (N,)"]),
    ("labels NaN", lambda: fit(y=dev(np.r_[np.arange(9) % 3, NAN])),
     FnnlabError, ["y:", "got 1 NaN or infinite", "expected finite numbers"]),
    ("logistic labels",
     lambda: fit(net=FNN([3, 2, 1], output="logistic"),
                 y=from_numpy(np.arange(10) % 3)),
     FnnlabError, ["y:", "got labels from 0 to 2", "expected 0 .. 1"]),
    ("y_test labels",
     lambda: fit(X_test=data()[0], y_test=from_numpy(np.full(10, 7))),
     FnnlabError, ["y_test:", "got labels from 7 to 7", "expected 0 .. 2"]),
    ("y_test count", lambda: fit(X_test=data()[0], y_test=data()[1][:4]),
     ShapeError, ["y_test:", "got 4 labels", "expected 10"]),
    ("accuracy labels", lambda: accuracy(net3(), *data(C=5)), FnnlabError,
     ["y:", "got labels from 0 to 4", "expected 0 .. 2"]),
    ("accuracy count", lambda: accuracy(net3(), data()[0], data()[1][:3]),
     ShapeError, ["y:", "got 3 labels", "expected 10"]),
    # --- NaN and infinity ---
    ("X NaN", lambda: fit(X=with_nan((10, 3))), FnnlabError,
     ["X:", "got 1 NaN or infinite value(s)", "expected finite numbers"]),
    ("X inf", lambda: fit(X=with_nan((10, 3), (4, 2), INF)), FnnlabError,
     ["X:", "got 1 NaN or infinite value(s)", "expected finite numbers"]),
    ("X_test inf",
     lambda: fit(X_test=with_nan((10, 3), value=-INF), y_test=data()[1]),
     FnnlabError, ["X_test:", "got 1 NaN or infinite", "expected finite"]),
    ("forward NaN", lambda: net3().forward(with_nan((3, 4))), FnnlabError,
     ["A0:", "got 1 NaN or infinite", "expected finite numbers"]),
    ("predict inf", lambda: predict(net3(), with_nan((4, 3), value=INF)),
     FnnlabError, ["X:", "got 1 NaN or infinite", "expected finite numbers"]),
    ("backprop Y NaN",
     lambda: backprop(net3(), dev(np.ones((3, 2))), with_nan((3, 2))),
     FnnlabError, ["Y:", "got 1 NaN or infinite", "expected finite numbers"]),
    ("regression y inf",
     lambda: fit(net=FNN([3, 1], output="identity"),
                 y=dev(np.r_[np.zeros(9), INF])),
     FnnlabError, ["y:", "got 1 NaN or infinite", "expected finite numbers"]),
    # --- numbers: learning rate, epochs, ... ---
    *[(f"lr {bad!r}", lambda bad=bad: fit(lr=bad), FnnlabError,
       ["lr:", f"got {bad!r}", "expected a finite number above 0"])
      for bad in [0, 0.0, -0.1, NAN, INF, "0.1", True, None]],
    *[(f"epochs {bad!r}", lambda bad=bad: fit(epochs=bad), FnnlabError,
       ["epochs:", f"got {bad!r}", "expected an integer >= 1"])
      for bad in [0, -3, 2.5, "10", True]],
    *[(f"batch_size {bad!r}", lambda bad=bad: fit(batch_size=bad),
       FnnlabError, ["batch_size:", f"got {bad!r}", "expected an integer"])
      for bad in [0, 1.5, "32"]],
    *[(f"lam {bad!r}", lambda bad=bad: fit(lam=bad), FnnlabError,
       ["lam:", f"got {bad!r}", "expected a finite number >= 0"])
      for bad in [-0.01, NAN, "0.1", False]],
    ("structural_risk lam",
     lambda: structural_risk(net3(), dev(np.ones((3, 2))),
                             dev(np.eye(3)[:, :2]), lam=-1),
     FnnlabError, ["lam:", "got -1", "expected a finite number >= 0"]),
    *[(f"seed {bad!r}", lambda bad=bad: FNN([3, 3], seed=bad), FnnlabError,
       ["seed:", f"got {bad!r}", "expected an integer >= 0 or None"])
      for bad in ["a", -1, 1.5, True]],
    ("scale zero", lambda: FNN([3, 3], init="normal", scale=0), FnnlabError,
     ["scale:", "got 0", "expected a finite number above 0"]),
    ("sgd batch_size", lambda: sgd(net3(), *data(), batch_size=4),
     FnnlabError, ["batch_size:", "got 4", "sgd always updates after each "
                                            "sample"]),
    ("X_test alone", lambda: fit(X_test=data()[0]), FnnlabError,
     ["y_test:", "got None", "expected labels for X_test"]),
    ("y_test alone", lambda: fit(y_test=data()[1]), FnnlabError,
     ["X_test:", "got None", "expected inputs for y_test"]),
    ("X_test regression",
     lambda: fit(net=FNN([3, 1], output="identity"), y=dev(np.ones(10)),
                 X_test=data()[0], y_test=dev(np.ones(10))),
     FnnlabError, ["X_test:", "needs a classifier", "got a network with "
                                                    "output 'identity'"]),
    ("predict regression", lambda: predict(FNN([3, 1], output="identity"),
                                           data()[0]),
     FnnlabError, ["predict:", "identity output", "use predict_proba"]),
    # --- mixing backends ---
    ("numpy X into a device network",
     lambda: train(strict_net(), np.ones((10, 3)), labels_strict(),
                   progress=False),
     BackendMismatchError, ["X:", "lives on backend 'numpy'",
                            "network lives on 'array_api_strict'",
                            "fnnlab.asarray(x, backend=net.backend)"]),
    ("numpy y into a device network",
     lambda: train(strict_net(), X_strict(), np.arange(10) % 3,
                   progress=False),
     BackendMismatchError, ["y:", "lives on backend 'numpy'",
                            "network lives on 'array_api_strict'"]),
    ("numpy A0 into a device network",
     lambda: strict_net().forward(np.ones((3, 2))), BackendMismatchError,
     ["A0:", "lives on backend 'numpy'", "'array_api_strict'"]),
    ("numpy one sample into a device network",
     lambda: predict(strict_net(), np.ones(3)), BackendMismatchError,
     ["X:", "lives on backend 'numpy'", "'array_api_strict'"]),
    ("numpy Y into backprop on a device",
     lambda: backprop(strict_net(), X_strict().T, np.ones((3, 10))),
     BackendMismatchError, ["Y:", "lives on backend 'numpy'"]),
    ("numpy y_test into a device network",
     lambda: train(strict_net(), X_strict(), labels_strict(),
                   X_test=X_strict(), y_test=np.zeros(10, int),
                   progress=False),
     BackendMismatchError, ["y_test:", "lives on backend 'numpy'"]),
    ("numpy params into a device network",
     lambda: strict_net().set_params({"b1": np.zeros(4)}),
     BackendMismatchError, ["params['b1']:", "lives on backend 'numpy'"]),
    ("device X into a numpy network",
     lambda: train(FNN([3, 4, 3], backend="numpy"), X_strict(),
                   np.arange(10) % 3, progress=False),
     BackendMismatchError, ["X:", "lives on backend 'array_api_strict'",
                            "network lives on 'numpy'", "to_numpy"]),
    ("another device", lambda: strict_net().forward(on_cpu_device()),
     BackendMismatchError, ["A0:", "lives on device", "CPU_DEVICE",
                            "network lives on device", "device1"]),
]


@pytest.mark.parametrize("call, error, words",
                         [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input_is_named(backend, call, error, words):
    with pytest.raises(error) as info:
        call()
    assert isinstance(info.value, FnnlabError)
    message = str(info.value)
    assert message.startswith(words[0]), message
    for word in words[1:]:
        assert word in message, message


def test_every_error_is_a_value_error():
    for error in (ShapeError, BackendError, BackendMismatchError,
                  fnnlab.BackendUnavailableError):
        assert issubclass(error, FnnlabError)
    assert issubclass(FnnlabError, ValueError)


# --- the checks themselves (fnnlab.errors, fnnlab.validation) ----------------

def test_check_choice():
    from fnnlab.errors import check_choice

    assert check_choice("init", "he", ["he", "xavier"]) == "he"
    with pytest.raises(FnnlabError) as info:
        check_choice("init", "glorot", ["he", "xavier"])
    assert str(info.value) == "init: got 'glorot', expected one of 'he', 'xavier'"


def test_number_checks():
    from fnnlab.errors import (
        check_nonnegative,
        check_positive,
        check_positive_int,
    )

    assert check_positive("lr", 1) == 1.0 and check_positive("lr", 0.5) == 0.5
    assert check_positive("lr", np.float32(0.25)) == 0.25
    assert check_nonnegative("lam", 0) == 0.0
    assert check_positive_int("epochs", np.int64(3)) == 3
    for check, bad in [(check_positive, 0), (check_nonnegative, -1e-9),
                       (check_positive_int, 0), (check_positive_int, 1.0)]:
        with pytest.raises(FnnlabError, match=rf"^x: got {bad!r}, expected"):
            check("x", bad)


def test_validation_helpers(backend):
    from fnnlab.validation import (
        as_array,
        as_label_array,
        check_columns,
        check_finite,
        check_labels,
        check_place,
    )

    A = check_columns("A", [[1, 2, 3], [4, 5, 6]], 2, backend,
                      backend.xp.float64)
    assert tuple(A.shape) == (2, 3) and A.dtype == backend.xp.float64
    assert check_finite("A", A) is A
    check_place("A", A, backend)                      # no error
    x = dev([1.0])
    assert as_array("x", x, backend, "anything") is x
    assert tuple(as_array("x", [[1.0]], backend, "a matrix").shape) == (1, 1)
    labels = as_label_array("y", [2.0, 0.0], 3, backend)
    assert labels.dtype == backend.xp.int64
    assert check_labels is as_label_array
    with pytest.raises(FnnlabError, match=r"^y: got labels from 0 to 2, "
                                          r"expected 0 \.\. 1 for 2 classes$"):
        as_label_array("y", [2, 0], 2, backend)
