"""Data sets, all available offline, and one-hot encoding.

Data sets come as data libraries give them: ``X`` of shape ``(N, D)``, one
sample per **row**, and integer labels ``y`` of shape ``(N,)``. The
training entry points (:func:`fnnlab.train`, :func:`fnnlab.predict`)
transpose once, at that boundary, into the book's columns.

* digits: 8x8 images of handwritten digits, shipped inside scikit-learn;
* XOR, two moons and spirals: generated from a seed.

Arrays are made on the default backend (see :mod:`fnnlab.backend`).
"""

from __future__ import annotations

from dataclasses import dataclass
from numbers import Real
from typing import Any, Iterator

import numpy as np

from .backend import (
    asarray,
    backend_of,
    from_numpy,
    is_array,
    random_generator,
    resolve_dtype,
    to_numpy,
)
from .errors import (
    FnnlabError,
    ShapeError,
    check_nonnegative,
    check_positive_int,
)
from .validation import as_label_array

__all__ = [
    "Split",
    "one_hot",
    "load_digits",
    "xor",
    "moons",
    "spirals",
    "train_test_split",
]


@dataclass
class Split:
    """A train/test split; unpacks as ``X_train, X_test, y_train, y_test``
    (the order scikit-learn uses)."""

    X_train: Any
    X_test: Any
    y_train: Any
    y_test: Any

    def __iter__(self) -> Iterator[Any]:
        return iter((self.X_train, self.X_test, self.y_train, self.y_test))

    def __repr__(self) -> str:
        classes = int(np.unique(to_numpy(self.y_train)).shape[0])
        return (
            f"Split(train={self.X_train.shape[0]}, test={self.X_test.shape[0]}"
            f", features={self.X_train.shape[1]}, classes={classes})"
        )


def one_hot(y: Any, C: int | None = None, dtype: str = "float64") -> Any:
    """One-hot columns: ``Y[c, n] = 1`` where ``y[n] == c``.

    Args:
        y: integer labels ``(N,)`` in ``0 .. C-1`` (whole-number floats
            and booleans are accepted; a list is made on the default
            backend).
        C: the number of classes (default: ``max(y) + 1``).
        dtype: ``"float64"`` (default) or ``"float32"``.

    Returns:
        ``(C, N)`` of ``dtype``, one sample per column, on ``y``'s backend.

    Chapter: *Networks as classifiers*.
    """
    if not is_array(y):
        y = asarray(y)
    backend = backend_of(y)
    xp = backend.xp
    dtype = resolve_dtype(xp, dtype)
    if y.ndim != 1:
        raise ShapeError(
            f"y: got shape {tuple(y.shape)}, expected integer labels of "
            "shape (N,)"
        )
    if C is None:
        labels = as_label_array("y", y, None, backend)
        if not labels.shape[0]:
            raise FnnlabError(
                "C: got None and no labels to count classes from, "
                "expected the number of classes"
            )
        C = int(xp.max(labels)) + 1
    check_positive_int("C", C)
    labels = as_label_array("y", y, C, backend)
    classes = xp.arange(C, dtype=labels.dtype, device=_device(labels))
    return xp.astype(classes[:, None] == labels[None, :], dtype)


def _device(x: Any) -> Any:
    from array_api_compat import device

    return device(x)


def _to_backend(X: np.ndarray, y: np.ndarray) -> tuple:
    return from_numpy(X.astype(np.float64)), from_numpy(y.astype(np.int64))


def train_test_split(
    X: Any, y: Any, test_size: float = 0.2, seed: int = 0
) -> Split:
    """A seeded, stratified split (scikit-learn's), back on the backend."""
    from sklearn.model_selection import train_test_split as split

    if (
        isinstance(test_size, bool)
        or not isinstance(test_size, Real)
        or not 0 < test_size < 1
    ):
        raise FnnlabError(
            f"test_size: got {test_size!r}, expected a fraction in (0, 1)"
        )
    Xh, yh = to_numpy(X), to_numpy(y)
    if Xh.ndim != 2 or yh.ndim != 1 or Xh.shape[0] != yh.shape[0]:
        raise ShapeError(
            f"y: got shape {yh.shape} for X of shape {Xh.shape}, expected "
            "X (N, D) and labels y (N,)"
        )
    parts = split(Xh, yh, test_size=test_size, random_state=seed, stratify=yh)
    Xtr, Xte, ytr, yte = parts
    Xtr, ytr = _to_backend(Xtr, ytr)
    Xte, yte = _to_backend(Xte, yte)
    return Split(Xtr, Xte, ytr, yte)


def load_digits(test_size: float = 0.2, seed: int = 0) -> Split:
    """The 1797 digit images of scikit-learn, scaled to ``[0, 1]``.

    Each image is 8x8 pixels with values 0..16, flattened to 64 features and
    divided by 16. The split is stratified and seeded.

    Returns:
        a :class:`Split` with ``X_*`` of shape ``(N, 64)`` and labels 0..9.
    """
    from sklearn.datasets import load_digits as sk_digits

    data = sk_digits()
    return train_test_split(data.data / 16.0, data.target, test_size, seed)


def xor() -> tuple:
    """The four points of XOR: ``X`` ``(4, 2)`` and labels ``(4,)``."""
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float64)
    y = np.array([0, 1, 1, 0])
    return _to_backend(X, y)


def moons(n: int = 200, noise: float = 0.1, seed: int = 0) -> tuple:
    """Two interleaving half circles (scikit-learn's ``make_moons``)."""
    from sklearn.datasets import make_moons

    check_positive_int("n", n)
    check_nonnegative("noise", noise)
    X, y = make_moons(n_samples=n, noise=noise, random_state=seed)
    return _to_backend(X, y)


def spirals(
    n_per_class: int = 100, classes: int = 3, noise: float = 0.2, seed: int = 0
) -> tuple:
    """``classes`` interleaved spiral arms in the plane.

    Arm ``k`` is the curve ``r (sin t, cos t)`` with radius ``r`` running
    from 0 to 1 and angle ``t = 4 r + 2 pi k / classes``, plus Gaussian
    noise of standard deviation ``noise`` on the angle.

    Returns:
        ``X`` ``(classes * n_per_class, 2)`` and labels ``(N,)``.
    """
    check_positive_int("n_per_class", n_per_class)
    check_positive_int("classes", classes)
    check_nonnegative("noise", noise)
    rng = random_generator(seed)
    r = np.tile(np.linspace(0.0, 1.0, n_per_class), classes)
    k = np.repeat(np.arange(classes), n_per_class)
    t = 4.0 * r + 2.0 * np.pi * k / classes
    t = t + noise * rng.standard_normal(t.shape)
    X = np.stack([r * np.sin(t), r * np.cos(t)], axis=1)
    return _to_backend(X, k)
