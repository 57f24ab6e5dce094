"""Checks of array arguments, each raising an error that names the argument.

These run once at the boundary of a public function, never inside a
training loop's inner steps.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .backend import backend_of, from_numpy, get_namespace, is_array
from .errors import BackendMismatchError, FnnlabError, ShapeError

__all__ = [
    "as_array",
    "check_columns",
    "check_finite",
    "check_labels",
    "check_place",
    "as_label_array",
]


def _shape(x: Any) -> tuple:
    return tuple(int(s) for s in x.shape)


def as_array(name: str, x: Any, backend: Any, expected: str) -> Any:
    """``x`` itself if it is an array; a list or number made on ``backend``.

    Raises:
        FnnlabError: when ``x`` does not hold numbers (text, ragged lists),
            naming ``name``, the type it got and ``expected``.
    """
    if is_array(x):
        return x
    try:
        host = np.asarray(x)
    except (TypeError, ValueError):
        host = None
    if host is None or host.dtype.kind not in "biuf":
        raise FnnlabError(
            f"{name}: got {type(x).__name__}, expected {expected}"
        )
    return from_numpy(host, backend)


def check_finite(name: str, x: Any) -> Any:
    """Raise if ``x`` holds NaN or an infinity; return ``x``."""
    xp = get_namespace(x)
    if xp.isdtype(x.dtype, "real floating"):
        bad = int(xp.sum(xp.astype(~xp.isfinite(x), xp.int64)))
        if bad:
            raise FnnlabError(
                f"{name}: got {bad} NaN or infinite value(s) in an array of "
                f"shape {_shape(x)}, expected finite numbers"
            )
    return x


def check_columns(
    name: str, A: Any, rows: int, backend: Any, dtype: Any
) -> Any:
    """Check a batch in the book's orientation, one sample per column.

    Args:
        name: the argument's name, for messages.
        A: the batch, ``(rows, N)``.
        rows: the expected number of rows (``M_0`` for an input batch).
        backend: the :class:`~fnnlab.backend.Backend` it must live on;
            lists are converted to it.
        dtype: the dtype it is converted to (documented at each caller).

    Returns:
        ``A`` as a finite ``(rows, N)`` array of ``dtype``.
    """
    xp = backend.xp
    A = as_array(name, A, backend, f"an array of shape ({rows}, N)")
    check_place(name, A, backend)
    if A.ndim != 2:
        hint = ""
        if A.ndim == 1 and name == "Y":
            hint = (
                "; for labels y (N,) pass fnnlab.one_hot(y, C) (softmax "
                "output) or y[None, :] (one output unit)"
            )
        raise ShapeError(
            f"{name}: got shape {_shape(A)}, expected a matrix ({rows}, N) "
            f"with one sample per column{hint}"
        )
    if A.shape[0] != rows:
        hint = ""
        if A.shape[1] == rows:
            hint = (
                "; it looks like one sample per row (N, D): pass its "
                "transpose .T, or use the (N, D) entry points such as "
                "fnnlab.predict"
            )
        raise ShapeError(
            f"{name}: got shape {_shape(A)}, expected ({rows}, N) with one "
            f"sample per column{hint}"
        )
    if not xp.isdtype(A.dtype, ("real floating", "integral", "bool")):
        raise FnnlabError(
            f"{name}: got dtype {A.dtype}, expected real numbers"
        )
    if A.dtype != dtype:
        A = xp.astype(A, dtype)
    return check_finite(name, A)


def check_place(name: str, A: Any, backend: Any) -> None:
    """Raise unless array ``A`` lives on ``backend`` (namespace and device).

    Nothing is ever copied between backends behind the reader's back.
    """
    xp = backend.xp
    if get_namespace(A) is not xp:
        raise_mismatch(name, A, xp)
    if backend.device is not None:
        from array_api_compat import device

        if device(A) != backend.device:
            raise BackendMismatchError(
                f"{name}: lives on device {device(A)}, but the network "
                f"lives on device {backend.device}; move it with "
                "fnnlab.asarray(x, backend=net.backend)"
            )


def raise_mismatch(name: str, A: Any, xp: Any) -> None:
    """Raise a :class:`BackendMismatchError` about argument ``name``."""
    raise BackendMismatchError(
        f"{name}: lives on backend {backend_of(A).name!r}, but the network "
        f"lives on {xp.__name__.split('.')[-1]!r}; move it with "
        "fnnlab.asarray(x, backend=net.backend) (from the host) or "
        "fnnlab.to_numpy(x) (back to the host)"
    )


def as_label_array(name: str, y: Any, C: int | None, backend: Any) -> Any:
    """Check class labels and return them as an integer array.

    Args:
        y: ``(N,)`` integers in ``0 .. C-1`` (whole-number floats and
            booleans are accepted); a list is made on ``backend``.
        C: the number of classes (``None``: any integer >= 0).
        backend: the :class:`~fnnlab.backend.Backend` ``y`` must live on.
    """
    xp = backend.xp
    expected = "0, 1, 2, ..." if C is None else f"0 .. {C - 1}"
    y = as_array(name, y, backend, f"class labels {expected} of shape (N,)")
    check_place(name, y, backend)
    if y.ndim != 1:
        raise ShapeError(
            f"{name}: got shape {_shape(y)}, expected class labels of shape "
            "(N,)"
        )
    if xp.isdtype(y.dtype, "real floating"):
        check_finite(name, y)
        whole = y == xp.round(y)
        if not bool(xp.all(whole)):
            i = int(xp.argmin(xp.astype(whole, xp.int8)))
            raise FnnlabError(
                f"{name}: got the non-integer value {float(y[i])!r} at "
                f"index {i}, expected class labels {expected}"
            )
    elif not xp.isdtype(y.dtype, ("integral", "bool")):
        raise FnnlabError(
            f"{name}: got dtype {y.dtype}, expected integer class labels "
            f"{expected}"
        )
    y = xp.astype(y, xp.int64)
    if not y.shape[0]:
        return y
    low, high = int(xp.min(y)), int(xp.max(y))
    if low < 0 or (C is not None and high >= C):
        classes = "" if C is None else f" for {C} classes"
        raise FnnlabError(
            f"{name}: got labels from {low} to {high}, expected "
            f"{expected}{classes}"
        )
    return y


check_labels = as_label_array


