"""Comparing a learner's arrays and functions with the reference, and
saying precisely where they differ.

Everything here works on host NumPy arrays in float64: answers made on
another backend are brought back with :func:`fnnlab.to_numpy` first.

Chapter: *Exercises*.
"""

from __future__ import annotations

from numbers import Real
from typing import Any, Callable, Sequence

import numpy as np

from ..backend import is_array, to_numpy
from ._core import AnswerTypeError, fmt, kind_of, returned

RTOL = 1e-6
ATOL = 1e-9
STABLE_HINT = ("compute it in a way that cannot overflow (fnnlab.logistic "
               "is stable for every z)")


# --- turning answers into arrays --------------------------------------------

def to_float_array(value: Any) -> np.ndarray | None:
    """``value`` as a float64 host array, or None if it is not numeric."""
    if value is None or isinstance(value, (str, bytes, dict, bool)):
        return None
    try:
        host = to_numpy(value) if is_array(value) else value
        arr = np.asarray(host, dtype=np.float64)
    except (TypeError, ValueError):
        return None
    return arr


def answer_array(name: str, value: Any, expected: str) -> np.ndarray:
    """A numeric answer as a float64 array; raise naming ``name`` if it is
    not numbers at all (a wrong *kind* of answer)."""
    arr = to_float_array(value)
    if arr is None:
        raise AnswerTypeError(
            f"{name}: got {kind_of(value)}, expected {expected}"
        )
    return arr


def answer_number(name: str, value: Any, expected: str) -> float:
    """A real number answer; raise naming ``name`` for anything else."""
    if isinstance(value, Real) and not isinstance(value, bool):
        return float(value)
    arr = to_float_array(value) if is_array(value) else None
    if arr is not None and arr.shape == ():
        return float(arr)
    raise AnswerTypeError(f"{name}: got {kind_of(value)}, expected {expected}")


def answer_function(name: str, value: Any, expected: str) -> Callable:
    """A callable answer; raise naming ``name`` for anything else."""
    if not callable(value):
        raise AnswerTypeError(
            f"{name}: got {kind_of(value)}, expected {expected}"
        )
    return value


# --- arrays -------------------------------------------------------------------

def entry(index: tuple) -> str:
    """``entry 2`` for a vector, ``entry (1, 0)`` for a matrix."""
    if len(index) == 1:
        return f"entry {index[0]}"
    return "entry (" + ", ".join(str(i) for i in index) + ")"


def close(got: np.ndarray, expected: np.ndarray,
          rtol: float = RTOL, atol: float = ATOL) -> np.ndarray:
    """Elementwise agreement; NaN or inf agrees only with the same value."""
    with np.errstate(all="ignore"):
        ok = np.isclose(got, expected, rtol=rtol, atol=atol, equal_nan=True)
    return ok


def _factor(got: np.ndarray, expected: np.ndarray) -> float | None:
    """The constant ``c`` with ``got == c * expected``, if there is one."""
    nonzero = np.abs(expected) > ATOL
    if not nonzero.any() or not np.all(np.isfinite(got)):
        return None
    with np.errstate(all="ignore"):
        ratios = got[nonzero] / expected[nonzero]
    c = float(np.median(ratios))
    if c == 0 or not np.all(close(got, c * expected, rtol=1e-6, atol=1e-9)):
        return None
    return c


def factor_hint(c: float) -> str:
    if abs(c + 1) < 1e-6:
        return "every entry has the wrong sign"
    if abs(c - round(c)) < 1e-6:
        return f"your answer is {round(c)} times the expected one"
    if abs(1 / c - round(1 / c)) < 1e-6:
        return f"your answer is the expected one divided by {round(1 / c)}"
    return f"your answer is {fmt(c)} times the expected one"


def compare_arrays(
    got: np.ndarray, expected: np.ndarray, what: str = "your answer",
    rtol: float = RTOL, atol: float = ATOL,
) -> str | None:
    """None if ``got`` matches ``expected``, else one sentence saying how
    it differs: the shape, or the first wrong entry and how many are wrong.

    >>> compare_arrays(np.array([[1., 2.], [0.25, 4.]]),
    ...                np.array([[1., 2.], [0.5, 4.]]))
    'your answer: entry (1, 0) is 0.25, expected 0.5 (1 of 4 entries wrong)'
    """
    if got.shape != expected.shape:
        text = (f"{what} has shape {got.shape} but expected "
                f"{expected.shape}")
        if got.ndim == expected.ndim == 2 and got.shape == expected.shape[::-1]:
            text += " (it looks transposed)"
        elif got.size == expected.size:
            text += " (the right number of entries, arranged differently)"
        return text
    ok = close(got, expected, rtol, atol)
    if ok.all():
        return None
    wrong = np.argwhere(~ok)
    first = tuple(int(i) for i in wrong[0])
    if got.ndim == 0:
        text = f"{what} is {fmt(got, expected)}, expected {fmt(expected, got)}"
    else:
        g, e = got[first], expected[first]
        text = (f"{what}: {entry(first)} is {fmt(g, e)}, expected "
                f"{fmt(e, g)} ({len(wrong)} of {got.size} "
                f"entr{'y' if got.size == 1 else 'ies'} wrong)")
    c = _factor(got, expected)
    if c is not None and got.ndim > 0:
        text += f"; {factor_hint(c)}"
    return text


# --- functions of one real variable -----------------------------------------

def sample_points() -> np.ndarray:
    """Where elementwise functions are tested: a few telling points first
    (reported first when wrong), then a dense grid and large ``|z|``."""
    showcase = [0.0, 1.0, -1.0, 2.0, -2.0, 0.5, -0.5, 5.0, -5.0]
    extreme = [1e-8, -1e-8, 20.0, -20.0, 50.0, -50.0, 100.0, -100.0,
               700.0, -700.0, 1000.0, -1000.0]
    grid = np.linspace(-8.0, 8.0, 161)
    return np.concatenate([showcase, extreme, grid])


def evaluate(f: Callable, z: np.ndarray) -> tuple:
    """Call a learner's elementwise function on every point of ``z``.

    It is tried first on the whole array; a function written for Python
    floats (``math.exp``) that rejects arrays is then called point by
    point. Returns ``(values, None)`` or ``(None, problem)``, where
    ``problem`` says in words what went wrong.
    """
    with np.errstate(all="ignore"):
        try:
            out = f(z.copy())
        except Exception:  # e.g. math.exp or `if z > 0` on an array
            out = None
        if out is not None:
            arr = to_float_array(out)
            if arr is not None and arr.shape == z.shape:
                return arr, None
        values = np.empty_like(z)
        for i, zi in enumerate(z):
            try:
                v = f(float(zi))
            except Exception as err:  # the learner's bug is reported
                text = (f"your function raised {type(err).__name__} at "
                        f"z = {fmt(zi)}: {err}")
                if isinstance(err, OverflowError):
                    text += f"; {STABLE_HINT}"
                return None, text
            arr = to_float_array(v)
            if arr is None or arr.size != 1:
                return None, (f"at z = {fmt(zi)} your function "
                              f"{returned(v)}; expected a number")
            values[i] = arr.reshape(())
    return values, None


def compare_functions(
    f: Callable, reference: Callable, hints: Sequence = (),
    rtol: float = RTOL, atol: float = ATOL,
) -> str | None:
    """None if ``f`` agrees with ``reference`` at every test point, else
    a sentence naming the first wrong point, the value there and the
    expected value, how many points are wrong, and a hint when ``f``
    matches one of the known mistakes ``hints`` (pairs of a wrong
    function and the sentence that explains it)."""
    z = sample_points()
    got, problem = evaluate(f, z)
    if problem is not None:
        return problem
    expected = reference(z)
    ok = close(got, expected, rtol, atol)
    if ok.all():
        return None
    i = int(np.argmin(ok))
    text = (f"your function returns the wrong value at z = {fmt(z[i])}: "
            f"got {fmt(got[i], expected[i])}, expected "
            f"{fmt(expected[i], got[i])} (wrong at {int((~ok).sum())} of "
            f"{z.size} points)")
    finite = np.isfinite(got)
    if not finite.all():
        bad = z[~finite]
        text += f"; it is not finite at z = {fmt(bad[0])}: {STABLE_HINT}"
    for wrong, hint in hints:
        with np.errstate(all="ignore"):
            if close(got, wrong(z), rtol, atol).all():
                text += f"; {hint}"
                break
    return text
