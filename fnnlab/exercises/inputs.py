"""Exercise ``positive_inputs``: why inputs that are all positive slow
gradient descent down.

Chapter: *Exercises*; background in *Backpropagation* (``dL/dW^(l) =
delta^(l) a^(l-1)^T``).
"""

from __future__ import annotations

from typing import Any

from ._choice import Choice, Question
from ._core import Result

__all__ = ["POSITIVE_INPUTS", "check_positive_inputs"]

POSITIVE_INPUTS = Question(
    name="positive_inputs",
    prompt=(
        "A neuron computes $z = \\boldsymbol w^\\top \\boldsymbol x + b$, "
        "and every input $x_i$ it receives is positive (raw pixel "
        "intensities, say, or the outputs of a logistic layer). Why does "
        "gradient descent on $\\boldsymbol w$ tend to be slow?"
    ),
    choices=(
        Choice(
            "Positive inputs push the neuron into the flat part of its "
            "activation, so every gradient is zero.",
            False,
            "the sign of the inputs says nothing about saturation: "
            "w·x + b can be small even when every x_i is positive, and the "
            "gradient is not zero there.",
        ),
        Choice(
            "For one sample, $\\partial \\mathcal L / \\partial w_i = "
            "\\delta\\, x_i$ with the same $\\delta$ for every $i$, so all "
            "components of the gradient share the sign of $\\delta$: each "
            "step moves all the weights up together or all down together, "
            "and reaching weights of mixed signs takes a zigzag path.",
            True,
            "the gradient with respect to the weights is the error term "
            "times the input vector; with every x_i > 0 it can only "
            "point into two of the 2^n orthants, so the path to a "
            "minimum zigzags. Centring the inputs (subtracting their "
            "mean) and zero-centred activations such as tanh remove the "
            "restriction.",
        ),
        Choice(
            "Positive inputs make the loss non-convex in $\\boldsymbol w$.",
            False,
            "convexity does not depend on the sign of the inputs: for a "
            "single logistic neuron with cross-entropy the loss is convex "
            "in w whatever the inputs are.",
        ),
        Choice(
            "Gradient descent only converges when the inputs have mean "
            "exactly zero.",
            False,
            "gradient descent converges on uncentred data too (with a "
            "small enough step); it is slower, not impossible.",
        ),
    ),
)


def check_positive_inputs(answer: Any) -> Result:
    """Check the letter chosen for ``POSITIVE_INPUTS``."""
    return POSITIVE_INPUTS.check(answer)
