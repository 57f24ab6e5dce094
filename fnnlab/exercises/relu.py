"""Exercise ``dying_relu``: what makes a ReLU unit die, and what helps.

Chapter: *Exercises*; background in *Feedforward networks* (ReLU) and
*Backpropagation* (the error terms).
"""

from __future__ import annotations

from typing import Any

from ._choice import Choice, Question
from ._core import Result

__all__ = ["DYING_RELU", "check_dying_relu"]

DYING_RELU = Question(
    name="dying_relu",
    prompt=(
        "A ReLU unit in the first hidden layer is *dead* when its net "
        "input $z = \\boldsymbol w^\\top \\boldsymbol x + b$ is negative "
        "for every training input: its output is always 0 and, because "
        "$\\mathrm{ReLU}'(z) = 0$ for $z < 0$, its error term "
        "$\\delta$ is 0 for every sample, so $\\boldsymbol w$ and $b$ get "
        "zero gradient and never change again. Which of these prevent or "
        "cure dead units? Select **all** that help."
    ),
    choices=(
        Choice(
            "Use leaky ReLU, $f(z) = \\max(z, \\alpha z)$ with a small "
            "$\\alpha > 0$, instead of ReLU.",
            True,
            "its derivative is α, not 0, for z < 0, so a unit "
            "whose input is negative everywhere still gets a (small) "
            "gradient and can come back.",
        ),
        Choice(
            "Use a smaller learning rate.",
            True,
            "units usually die when one large update throws b (or w) so "
            "far that z < 0 for every input; smaller "
            "steps make that much less likely.",
        ),
        Choice(
            "Initialize the biases to a small positive value such as 0.01.",
            True,
            "it makes z > 0 for more inputs at the start, so fewer "
            "units begin dead (a preventive measure, not a cure).",
        ),
        Choice(
            "Raise the learning rate, so that a dead unit takes bigger "
            "steps and escapes.",
            False,
            "the dead unit's gradient is exactly 0, and any learning rate "
            "times 0 is 0; a larger rate only makes more units die.",
        ),
        Choice(
            "Train for more epochs; the unit will recover eventually.",
            False,
            "a unit of the first hidden layer sees the same inputs every "
            "epoch, so its gradient stays exactly 0 forever.",
        ),
    ),
    several=True,
)


def check_dying_relu(answer: Any) -> Result:
    """Check the letters chosen for ``DYING_RELU`` (all that help)."""
    return DYING_RELU.check(answer)
