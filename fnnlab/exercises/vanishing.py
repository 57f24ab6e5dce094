"""Exercises ``vanishing_bound`` (a number) and ``learning_rate`` (a
choice): how fast error terms can shrink, and whether a larger learning
rate makes up for it.

Chapter: *Exercises*; background in *Optimization problems* (vanishing
gradients).
"""

from __future__ import annotations

import math
from typing import Any

from ._choice import Choice, Question
from ._compare import answer_number
from ._core import Result, failed, fmt, not_answered, passed

__all__ = [
    "LAYERS",
    "vanishing_bound",
    "check_vanishing_bound",
    "LEARNING_RATE",
    "check_learning_rate",
]

LAYERS = 5
"""``L`` of the network in ``vanishing_bound``."""

BOUND_KIND = "a number (the bound on the ratio)"


def vanishing_bound(L: int = LAYERS, max_slope: float = 0.25) -> float:
    """The largest ``||delta^(1)|| / ||delta^(L)||`` that the recursion
    allows when ``|f'| <= max_slope`` and every ``||W||_2 <= 1``: one
    factor per step from layer ``L`` down to layer 1, ``L - 1`` of them."""
    return max_slope ** (L - 1)


def check_vanishing_bound(answer: Any) -> Result:
    """Check the bound on ``||delta^(1)|| / ||delta^(5)||``."""
    name = "vanishing_bound"
    if answer is None:
        return not_answered(name, BOUND_KIND)
    got = answer_number("answer", answer, BOUND_KIND)
    expected = vanishing_bound()
    if math.isclose(got, expected, rel_tol=1e-9):
        return passed(name, (
            f"{fmt(expected)} = (1/4)^{LAYERS - 1}: each of the "
            f"{LAYERS - 1} steps from delta^({LAYERS}) down to delta^(1) "
            "can shrink the error term by a factor of 1/4"
        ))
    text = f"your bound is {fmt(got, expected)}, expected {fmt(expected, got)}"
    if math.isclose(got, expected, rel_tol=0.05):
        text += "; close, but compute it exactly instead of rounding"
    for steps in (LAYERS, LAYERS - 2):
        if math.isclose(got, 0.25 ** steps, rel_tol=1e-9):
            text += (f"; that is (1/4)^{steps}: count the steps from "
                     f"delta^({LAYERS}) down to delta^(1) again")
    if math.isclose(got, 0.25, rel_tol=1e-9):
        text += "; that is one step; the factors multiply over the layers"
    if math.isclose(got, 1.0, rel_tol=1e-9):
        text += "; the logistic function's derivative is at most 1/4, not 1"
    return failed(name, text)


LEARNING_RATE = Question(
    name="learning_rate",
    prompt=(
        "In a deep network with logistic hidden layers, the gradient "
        "reaching the first layer is hundreds of times smaller than the "
        "one at the last layer. Does a larger learning rate $\\alpha$ cure "
        "this vanishing gradient?"
    ),
    choices=(
        Choice(
            "Yes: multiply $\\alpha$ by the factor the gradient lost, and "
            "the first layer learns as fast as it would without the decay.",
            False,
            "the same α scales the steps of every layer; the last "
            "layers would then take steps hundreds of times too large and "
            "training would diverge.",
        ),
        Choice(
            "No: $\\alpha$ multiplies every layer's gradient by the same "
            "number, so the ratio between the first and the last layers' "
            "steps does not change; a rate large enough for the first "
            "layers makes the last ones overshoot. What helps changes the "
            "ratio itself: activations whose derivative is 1 where they "
            "are active (ReLU), initializations that keep the error terms' "
            "size steady from layer to layer (Xavier, He), and changes to "
            "the architecture such as skip connections or normalization.",
            True,
            "one global step size cannot fix a problem of *relative* "
            "size. (Optimizers that scale each parameter's step by its own "
            "gradient history, such as Adam, do offset small gradients in "
            "part; that is a per-parameter rate, not a larger one.)",
        ),
        Choice(
            "No, because the learning rate does not affect the hidden "
            "layers at all.",
            False,
            "every parameter, hidden layers included, is updated by "
            "-α times its gradient.",
        ),
        Choice(
            "Yes, provided the loss is convex.",
            False,
            "the loss of a network with hidden layers is not convex, and "
            "convexity would not change the ratio between the layers' "
            "gradients anyway.",
        ),
    ),
)


def check_learning_rate(answer: Any) -> Result:
    """Check the letter chosen for ``LEARNING_RATE``."""
    return LEARNING_RATE.check(answer)
