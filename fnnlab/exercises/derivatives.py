"""Exercises ``swish_derivative`` and ``gelu_derivative``.

Swish is ``z * logistic(z)``; GELU is ``z * Phi(z)`` with ``Phi`` the
standard normal distribution function. The learner writes each
derivative as a function of ``z``; the checker calls it on an array of
points (or point by point, for a function written with :mod:`math`),
including ``z = 0`` and ``|z|`` up to 1000, and compares with the
references below.

Chapter: *Exercises*; background in *Feedforward networks*
(activation functions).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..activations import logistic, logistic_derivative
from ._compare import answer_function, compare_functions, sample_points
from ._core import Result, failed, not_answered, passed

__all__ = [
    "swish",
    "swish_derivative",
    "gelu",
    "gelu_derivative",
    "normal_cdf",
    "normal_pdf",
    "check_swish_derivative",
    "check_gelu_derivative",
]

KIND = "a function of z (an array or a float) returning the derivative"


# --- swish: f(z) = z * logistic(z) ---------------------------------------------

def swish(z: Any) -> Any:
    """Swish, ``z * logistic(z)``, elementwise (any shape, any backend)."""
    return z * logistic(z)


def swish_derivative(z: Any) -> Any:
    """``logistic(z) + z * logistic(z) * (1 - logistic(z))``, by the
    product rule; stable for every finite ``z``."""
    return logistic(z) + z * logistic_derivative(z)


# --- GELU: f(z) = z * Phi(z) ---------------------------------------------------

_erfc = np.frompyfunc(math.erfc, 1, 1)


def normal_cdf(z: Any) -> np.ndarray:
    """``Phi(z) = erfc(-z / sqrt 2) / 2`` on host arrays (via
    :func:`math.erfc`, accurate in both tails)."""
    z = np.asarray(z, dtype=np.float64)
    return 0.5 * _erfc(-z / math.sqrt(2.0)).astype(np.float64)


def normal_pdf(z: Any) -> np.ndarray:
    """``phi(z) = exp(-z^2 / 2) / sqrt(2 pi)`` on host arrays."""
    z = np.asarray(z, dtype=np.float64)
    return np.exp(-0.5 * z * z) / math.sqrt(2.0 * math.pi)


def gelu(z: Any) -> np.ndarray:
    """GELU, ``z * Phi(z)``, on host arrays."""
    z = np.asarray(z, dtype=np.float64)
    return z * normal_cdf(z)


def gelu_derivative(z: Any) -> np.ndarray:
    """``Phi(z) + z * phi(z)``, by the product rule (``Phi' = phi``)."""
    z = np.asarray(z, dtype=np.float64)
    return normal_cdf(z) + z * normal_pdf(z)


def _gelu_tanh_derivative(z: np.ndarray) -> np.ndarray:
    """The derivative of the tanh approximation of GELU (a known slip)."""
    c = math.sqrt(2.0 / math.pi)
    u = c * (z + 0.044715 * z ** 3)
    t = np.tanh(u)
    return 0.5 * (1 + t) + 0.5 * z * (1 - t * t) * c * (1 + 3 * 0.044715 * z * z)


# --- the checkers ------------------------------------------------------------------

SWISH_HINTS = (
    (logistic, "that is logistic(z) alone: the product rule also gives "
               "the term z * logistic'(z)"),
    (logistic_derivative, "that is the derivative of logistic(z) alone, "
                          "not of z * logistic(z)"),
    (lambda z: z * logistic_derivative(z), "the term logistic(z) of the "
                                            "product rule is missing"),
    (swish, "that is swish itself, not its derivative"),
)

GELU_HINTS = (
    (normal_cdf, "that is Phi(z) alone: the product rule also gives the "
                 "term z * phi(z)"),
    (normal_pdf, "that is phi(z), the derivative of Phi alone"),
    (lambda z: z * normal_pdf(z), "the term Phi(z) of the product rule is "
                                  "missing"),
    (_gelu_tanh_derivative, "that is the derivative of the tanh "
                            "approximation of GELU; the exercise asks "
                            "for the exact one, with Phi"),
    (gelu, "that is GELU itself, not its derivative"),
)


def _check(name: str, answer: Any, reference: Any, hints: tuple) -> Result:
    if answer is None:
        return not_answered(name, KIND)
    f = answer_function("answer", answer, KIND)
    problem = compare_functions(f, reference, hints)
    if problem is not None:
        return failed(name, problem)
    return passed(name, (
        f"your derivative matches the reference at all "
        f"{sample_points().size} points, from z = -1000 to 1000 "
        "(z = 0 included)"
    ))


def check_swish_derivative(answer: Any) -> Result:
    """Check a function meant to compute the derivative of swish."""
    return _check("swish_derivative", answer, swish_derivative, SWISH_HINTS)


def check_gelu_derivative(answer: Any) -> Result:
    """Check a function meant to compute the derivative of GELU."""
    return _check("gelu_derivative", answer, gelu_derivative, GELU_HINTS)
