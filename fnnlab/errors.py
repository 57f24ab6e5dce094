"""Named errors and the argument checks that raise them.

Every check names the argument, says what it got and what it expected, so
that a learner sees at once which call went wrong and how to fix it.
"""

from __future__ import annotations

import math
from numbers import Integral, Real
from typing import Any, Iterable

__all__ = [
    "FnnlabError",
    "ShapeError",
    "BackendError",
    "BackendUnavailableError",
    "BackendMismatchError",
    "check_choice",
    "check_positive",
    "check_nonnegative",
    "check_positive_int",
]


class FnnlabError(ValueError):
    """Base class of the errors fnnlab raises for bad input."""


class ShapeError(FnnlabError):
    """An array has the wrong number of dimensions or the wrong size."""


class BackendError(FnnlabError):
    """An unknown backend name, or arrays the backend cannot handle."""


class BackendUnavailableError(BackendError):
    """A known backend that cannot run here (not installed, no GPU)."""


class BackendMismatchError(BackendError):
    """Arrays from two backends (or two devices) met in one call."""


def check_choice(name: str, value: Any, choices: Iterable[str]) -> str:
    """Return ``value`` if it is one of ``choices``, else raise.

    >>> check_choice("activation", "relu", ["relu", "tanh"])
    'relu'
    """
    choices = list(choices)
    if not isinstance(value, str) or value not in choices:
        raise FnnlabError(
            f"{name}: got {value!r}, expected one of "
            + ", ".join(repr(c) for c in choices)
        )
    return value


def _is_real(value: Any) -> bool:
    return isinstance(value, Real) and not isinstance(value, bool)


def check_positive(name: str, value: Any) -> float:
    """Return ``value`` as a float if it is a finite number above zero."""
    if not _is_real(value) or not math.isfinite(value) or value <= 0:
        raise FnnlabError(
            f"{name}: got {value!r}, expected a finite number above 0"
        )
    return float(value)


def check_nonnegative(name: str, value: Any) -> float:
    """Return ``value`` as a float if it is a finite number at least 0."""
    if not _is_real(value) or not math.isfinite(value) or value < 0:
        raise FnnlabError(
            f"{name}: got {value!r}, expected a finite number >= 0"
        )
    return float(value)


def check_positive_int(name: str, value: Any) -> int:
    """Return ``value`` if it is an integer of at least 1."""
    if (
        isinstance(value, bool)
        or not isinstance(value, Integral)
        or value < 1
    ):
        raise FnnlabError(
            f"{name}: got {value!r}, expected an integer >= 1"
        )
    return value
