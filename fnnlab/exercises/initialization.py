"""Exercise ``zero_init``: why the weights do not start at zero.

Chapter: *Exercises*; background in *Backpropagation*.
"""

from __future__ import annotations

from typing import Any

from ._choice import Choice, Question
from ._core import Result

__all__ = ["ZERO_INIT", "check_zero_init"]

ZERO_INIT = Question(
    name="zero_init",
    prompt=(
        "What goes wrong if every weight matrix $\\boldsymbol W^{(l)}$ "
        "(and every bias) of a network starts at zero?"
    ),
    choices=(
        Choice(
            "The first forward pass divides by zero.",
            False,
            "nothing in the forward pass divides by a weight: "
            "z^(l) = W^(l) a^(l-1) + b^(l) is simply 0.",
        ),
        Choice(
            "All the hidden units of a layer compute the same value and "
            "receive the same gradient, so they stay identical copies "
            "forever and the layer acts like a single unit. With tanh or "
            "ReLU, where $f(0) = 0$, it is worse: every weight gradient is "
            "exactly 0 and only the output biases learn.",
            True,
            "units of one layer differ only through their weights; if the "
            "weights are equal, so are the error terms "
            "delta^(l) = f_l'(z^(l)) ⊙ (W^(l+1)^T delta^(l+1)) and the "
            "updates, and the symmetry is never broken. Random "
            "initial weights break it (any constant, not only zero, has "
            "the same problem).",
        ),
        Choice(
            "Nothing: gradient descent moves the weights away from zero "
            "in the first step, in a different direction for each unit.",
            False,
            "the first step does move some weights, but by the same "
            "amount for every unit of a layer, so the units remain "
            "copies of one another.",
        ),
        Choice(
            "Zero weights make the gradients explode in deep networks.",
            False,
            "zero weights make the backpropagated error terms "
            "W^(l+1)^T delta^(l+1) zero, the opposite of exploding.",
        ),
    ),
)


def check_zero_init(answer: Any) -> Result:
    """Check the letter chosen for ``ZERO_INIT``."""
    return ZERO_INIT.check(answer)
