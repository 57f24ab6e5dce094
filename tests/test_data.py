"""fnnlab.data: the offline data sets, one-hot and the split."""

from __future__ import annotations

import numpy as np
import pytest

from fnnlab import load_digits, moons, one_hot, spirals, train_test_split, xor
from fnnlab.backend import backend_of, from_numpy, to_numpy
from fnnlab.data import Split
from fnnlab.errors import FnnlabError, ShapeError


def on(backend, *arrays):
    return all(backend_of(a).name == backend.name for a in arrays)


# --- data sets ----------------------------------------------------------------

def test_load_digits(backend):
    split = load_digits()
    X_train, X_test, y_train, y_test = split
    assert on(backend, X_train, X_test, y_train, y_test)
    assert tuple(X_train.shape) == (1437, 64)
    assert tuple(X_test.shape) == (360, 64)
    assert X_train.dtype == backend.xp.float64
    assert y_train.dtype == backend.xp.int64
    X = to_numpy(X_train)
    assert X.min() == 0.0 and X.max() == 1.0
    counts = np.bincount(to_numpy(y_test), minlength=10)
    assert counts.min() >= 35 and counts.max() <= 37      # stratified
    assert repr(split) == "Split(train=1437, test=360, features=64, classes=10)"
    again = load_digits()
    np.testing.assert_array_equal(to_numpy(again.y_test), to_numpy(y_test))
    other = load_digits(test_size=0.5, seed=1)
    assert tuple(other.X_test.shape) == (899, 64)


def test_xor(backend):
    X, y = xor()
    assert on(backend, X, y)
    np.testing.assert_array_equal(to_numpy(X), [[0, 0], [0, 1], [1, 0],
                                                [1, 1]])
    np.testing.assert_array_equal(to_numpy(y), [0, 1, 1, 0])


def test_moons(backend):
    X, y = moons(50, noise=0.1, seed=3)
    assert on(backend, X, y)
    assert tuple(X.shape) == (50, 2) and tuple(y.shape) == (50,)
    assert np.bincount(to_numpy(y)).tolist() == [25, 25]
    X2, _ = moons(50, noise=0.1, seed=3)
    np.testing.assert_array_equal(to_numpy(X), to_numpy(X2))
    X3, _ = moons(50, noise=0.1, seed=4)
    assert not np.array_equal(to_numpy(X), to_numpy(X3))


def test_spirals(backend):
    X, y = spirals(n_per_class=20, classes=4, noise=0.0, seed=0)
    assert on(backend, X, y)
    assert tuple(X.shape) == (80, 2)
    assert np.bincount(to_numpy(y)).tolist() == [20] * 4
    radius = np.linalg.norm(to_numpy(X), axis=1)
    np.testing.assert_allclose(radius, np.tile(np.linspace(0, 1, 20), 4),
                               atol=1e-12)
    X2, _ = spirals(n_per_class=20, classes=4, noise=0.0, seed=0)
    np.testing.assert_array_equal(to_numpy(X), to_numpy(X2))


@pytest.mark.parametrize("call, argument", [
    (lambda: moons(0), "n: got 0"),
    (lambda: moons(10, noise=-0.1), "noise: got -0.1"),
    (lambda: spirals(0), "n_per_class: got 0"),
    (lambda: spirals(5, classes=0), "classes: got 0"),
    (lambda: spirals(5, noise=float("nan")), "noise: got nan"),
])
def test_data_set_arguments(call, argument):
    with pytest.raises(FnnlabError) as info:
        call()
    assert str(info.value).startswith(argument)
    assert "expected" in str(info.value)


# --- one-hot ------------------------------------------------------------------

def test_one_hot(backend):
    y = from_numpy(np.array([2, 0, 1, 2]))
    Y = one_hot(y, 4)
    assert on(backend, Y)
    assert tuple(Y.shape) == (4, 4) and Y.dtype == backend.xp.float64
    np.testing.assert_array_equal(
        to_numpy(Y), [[0, 1, 0, 0], [0, 0, 1, 0], [1, 0, 0, 1], [0, 0, 0, 0]]
    )
    assert tuple(one_hot(y).shape) == (3, 4)            # C = max + 1
    assert one_hot(y, dtype="float32").dtype == backend.xp.float32


def test_one_hot_accepts_lists_booleans_and_whole_floats(backend):
    np.testing.assert_array_equal(to_numpy(one_hot([1, 0])), [[0, 1], [1, 0]])
    flags = from_numpy(np.array([True, False]))
    np.testing.assert_array_equal(to_numpy(one_hot(flags)), [[0, 1], [1, 0]])
    whole = from_numpy(np.array([1.0, 0.0]))
    np.testing.assert_array_equal(to_numpy(one_hot(whole)), [[0, 1], [1, 0]])
    for dtype in ("int32", "uint8"):
        small = from_numpy(np.array([1, 0], dtype=dtype))
        np.testing.assert_array_equal(to_numpy(one_hot(small, 2)),
                                      [[0, 1], [1, 0]])


def test_one_hot_of_no_labels(backend):
    assert tuple(one_hot(from_numpy(np.zeros(0, int)), 3).shape) == (3, 0)
    with pytest.raises(FnnlabError, match="C: got None and no labels"):
        one_hot(from_numpy(np.zeros(0, int)))


@pytest.mark.parametrize("labels, C, words", [
    ([0.5, 1.0], None, ["y:", "non-integer value 0.5", "index 0",
                        "expected class labels"]),
    ([0, 3], 3, ["y:", "from 0 to 3", "expected 0 .. 2"]),
    ([-1, 0], 2, ["y:", "from -1 to 0", "expected 0 .. 1"]),
    ([[0, 1]], 2, ["y:", "shape (1, 2)", "expected", "(N,)"]),
    ([0, 1], 0, ["C:", "got 0", "expected an integer >= 1"]),
])
def test_one_hot_errors(backend, labels, C, words):
    with pytest.raises(FnnlabError) as info:
        one_hot(from_numpy(np.asarray(labels)), C)
    for word in words:
        assert word in str(info.value)


def test_one_hot_of_text_labels():
    with pytest.raises(FnnlabError, match=r"y: got dtype <U1, expected int"):
        one_hot(np.array(["a", "b"]))


# --- the split ----------------------------------------------------------------

def test_train_test_split(backend):
    X = from_numpy(np.arange(40.0).reshape(20, 2))
    y = from_numpy(np.arange(20) % 2)
    split = train_test_split(X, y, test_size=0.25, seed=0)
    assert isinstance(split, Split) and on(backend, *split)
    assert tuple(split.X_train.shape) == (15, 2)
    assert tuple(split.X_test.shape) == (5, 2)
    rows = np.concatenate([to_numpy(split.X_train), to_numpy(split.X_test)])
    np.testing.assert_array_equal(np.sort(rows[:, 0]), np.arange(0, 40, 2))
    np.testing.assert_array_equal(to_numpy(split.y_train),
                                  (to_numpy(split.X_train)[:, 0] / 2) % 2)


@pytest.mark.parametrize("size", [0, 1, 1.5, -0.2, "0.2", True])
def test_train_test_split_size(size):
    X, y = np.zeros((10, 2)), np.arange(10) % 2
    with pytest.raises(FnnlabError) as info:
        train_test_split(X, y, test_size=size)
    assert str(info.value) == (
        f"test_size: got {size!r}, expected a fraction in (0, 1)"
    )


def test_train_test_split_lengths():
    with pytest.raises(ShapeError, match=r"y: got shape \(9,\) for X of shape"):
        train_test_split(np.zeros((10, 2)), np.arange(9) % 2)
