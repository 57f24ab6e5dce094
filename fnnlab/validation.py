"""Checks of array arguments, each raising an error that names the argument.

These run once at the boundary of a public function, never inside a
training loop's inner steps.
"""

from __future__ import annotations

from typing import Any

from .backend import asarray, backend_of, get_namespace, is_array
from .errors import FnnlabError, ShapeError

__all__ = ["check_columns", "check_finite", "check_labels", "as_label_array"]


def _shape(x: Any) -> tuple:
    return tuple(int(s) for s in x.shape)


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
    if not is_array(A):
        try:
            A = asarray(A, backend=backend)
        except (TypeError, ValueError) as error:
            raise FnnlabError(
                f"{name}: got {type(A).__name__}, expected an array "
                f"of shape ({rows}, N)"
            ) from error
    if get_namespace(A) is not xp:
        raise_mismatch(name, A, xp)
    if A.ndim != 2:
        raise ShapeError(
            f"{name}: got shape {_shape(A)}, expected a matrix ({rows}, N) "
            "with one sample per column"
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


def raise_mismatch(name: str, A: Any, xp: Any) -> None:
    """Raise a :class:`BackendMismatchError` about argument ``name``."""
    from .errors import BackendMismatchError

    raise BackendMismatchError(
        f"{name}: lives on backend {backend_of(A).name!r}, but the network "
        f"lives on {xp.__name__.split('.')[-1]!r}; move it with "
        "fnnlab.asarray(x, backend=...) or fnnlab.to_numpy(x)"
    )


def as_label_array(name: str, y: Any, C: int, backend: Any) -> Any:
    """Check class labels and return them as an integer array.

    Args:
        y: ``(N,)`` integers in ``0 .. C-1``.
        C: the number of classes.
    """
    xp = backend.xp
    if not is_array(y):
        y = asarray(y, backend=backend)
    if get_namespace(y) is not xp:
        raise_mismatch(name, y, xp)
    if y.ndim != 1:
        raise ShapeError(
            f"{name}: got shape {_shape(y)}, expected class labels of shape "
            "(N,)"
        )
    if xp.isdtype(y.dtype, "real floating"):
        check_finite(name, y)
        if bool(xp.any(y != xp.round(y))):
            raise FnnlabError(
                f"{name}: got non-integer values, expected class labels "
                f"0 .. {C - 1}"
            )
    elif not xp.isdtype(y.dtype, ("integral", "bool")):
        raise FnnlabError(f"{name}: got dtype {y.dtype}, expected integers")
    y = xp.astype(y, xp.int64)
    if y.shape[0] and (int(xp.min(y)) < 0 or int(xp.max(y)) >= C):
        raise FnnlabError(
            f"{name}: got labels from {int(xp.min(y))} to {int(xp.max(y))}, "
            f"expected 0 .. {C - 1} for {C} classes"
        )
    return y


check_labels = as_label_array


