"""Checkers for the exercises of the chapter *Exercises*.

Each checker takes a learner's answer (a letter, a number, an array, a
function or a small network) and returns a :class:`Result`: ``passed``
and a ``message`` that says what is wrong (which entry, which shape,
which point, and what was expected) or why the answer is right. A wrong
answer never raises; an answer of the wrong *kind* raises
:class:`AnswerTypeError` naming the argument; ``None`` means "not answered
yet".

>>> from fnnlab import exercises as ex
>>> ex.check("zero_init", "A").passed
False
>>> sorted(ex.EXERCISES)[:3]
['depth_param_count', 'dual_product', 'dual_quotient']

Only NumPy and fnnlab's core are needed: no plotting or symbolic library.
"""

from __future__ import annotations

from typing import Any

from ..errors import FnnlabError
from ._choice import Choice, Question
from ._core import AnswerTypeError, Exercise, Result
from .depth import check_depth_param_count
from .derivatives import check_gelu_derivative, check_swish_derivative
from .dual import check_dual_product, check_dual_quotient
from .initialization import ZERO_INIT, check_zero_init
from .inputs import POSITIVE_INPUTS, check_positive_inputs
from .recursion import check_error_term
from .regularization import UNREGULARIZED_BIASES, check_unregularized_biases
from .relu import DYING_RELU, check_dying_relu
from .softmax_ce import check_softmax_ce_gradient
from .vanishing import LEARNING_RATE, check_learning_rate, check_vanishing_bound
from .xor import check_xor_network

__all__ = [
    "AnswerTypeError",
    "Choice",
    "Exercise",
    "EXERCISES",
    "QUESTIONS",
    "Question",
    "Result",
    "check",
    "list_exercises",
    "check_positive_inputs",
    "check_xor_network",
    "check_dying_relu",
    "check_swish_derivative",
    "check_gelu_derivative",
    "check_depth_param_count",
    "check_unregularized_biases",
    "check_zero_init",
    "check_vanishing_bound",
    "check_learning_rate",
    "check_error_term",
    "check_dual_product",
    "check_dual_quotient",
    "check_softmax_ce_gradient",
]

_ALL = (
    Exercise("positive_inputs", "why all-positive inputs slow gradient "
             "descent", "a letter", check_positive_inputs),
    Exercise("xor_network", "two ReLU units and one output unit for XOR",
             "an FNN [2, 2, 1] or a dict W1, b1, W2, b2", check_xor_network),
    Exercise("dying_relu", "dead ReLU units and their cures",
             "all right letters", check_dying_relu),
    Exercise("swish_derivative", "the derivative of z * logistic(z)",
             "a function of z", check_swish_derivative),
    Exercise("gelu_derivative", "the derivative of z * Phi(z)",
             "a function of z", check_gelu_derivative),
    Exercise("depth_param_count", "parameters against depth, neurons "
             "fixed", "five integers", check_depth_param_count),
    Exercise("unregularized_biases", "why biases are not regularized",
             "a letter", check_unregularized_biases),
    Exercise("zero_init", "why weights do not start at zero", "a letter",
             check_zero_init),
    Exercise("vanishing_bound", "how fast error terms can shrink",
             "a number", check_vanishing_bound),
    Exercise("learning_rate", "does a larger learning rate cure vanishing "
             "gradients?", "a letter", check_learning_rate),
    Exercise("error_term", "one step of the error-term recursion",
             "a function step(z, W_next, delta_next, df)", check_error_term),
    Exercise("dual_product", "the product of two dual numbers",
             "a function op(a, b) of (value, tangent) pairs",
             check_dual_product),
    Exercise("dual_quotient", "the quotient of two dual numbers",
             "a function op(a, b) of (value, tangent) pairs",
             check_dual_quotient),
    Exercise("softmax_ce_gradient", "dL/dz of softmax cross-entropy",
             "a function grad(Y, Z)", check_softmax_ce_gradient),
)

EXERCISES = {e.name: e for e in _ALL}
"""Every exercise by name, in the chapter's order."""

QUESTIONS = {
    q.name: q for q in (POSITIVE_INPUTS, DYING_RELU, UNREGULARIZED_BIASES,
                        ZERO_INIT, LEARNING_RATE)
}
"""The multiple-choice questions by name (``QUESTIONS[name].markdown()``
gives the statement with its lettered choices)."""


def check(name: str, answer: Any) -> Result:
    """Check ``answer`` to the exercise ``name`` (a key of
    :data:`EXERCISES`)."""
    if not isinstance(name, str) or name not in EXERCISES:
        raise FnnlabError(
            f"name: got {name!r}, expected one of "
            + ", ".join(repr(n) for n in EXERCISES)
        )
    return EXERCISES[name].check(answer)


def list_exercises() -> str:
    """The exercises, two lines each: the name and what it asks, then the
    kind of answer its checker takes."""
    width = max(len(n) for n in EXERCISES)
    rows = []
    for e in EXERCISES.values():
        rows.append(f"{e.name:<{width}}  {e.title}")
        rows.append(f"{'':<{width}}  answer: {e.answer}")
    return "\n".join(rows)
