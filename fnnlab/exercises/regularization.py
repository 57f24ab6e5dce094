"""Exercise ``unregularized_biases``: why the penalty
``lambda/2 ||W||_F^2`` leaves the biases out.

Chapter: *Exercises*; background in *Learning the parameters*.
"""

from __future__ import annotations

from typing import Any

from ._choice import Choice, Question
from ._core import Result

__all__ = ["UNREGULARIZED_BIASES", "check_unregularized_biases"]

UNREGULARIZED_BIASES = Question(
    name="unregularized_biases",
    prompt=(
        "The structural risk adds $\\frac{\\lambda}{2}\\sum_l "
        "\\|\\boldsymbol W^{(l)}\\|_F^2$ to the mean loss: the weights are "
        "penalized, the biases $\\boldsymbol b^{(l)}$ are not. Why?"
    ),
    choices=(
        Choice(
            "The biases have no gradient, so a penalty on them would "
            "change nothing.",
            False,
            "the biases do have a gradient: dR/db^(l) is the error term "
            "delta^(l) summed over the batch, and backpropagation "
            "computes it.",
        ),
        Choice(
            "A bias only shifts where a unit switches on and the level of "
            "the output; it multiplies no input, so it does not make the "
            "function steeper or more sensitive to its input. Penalizing "
            "it would pull thresholds and output levels towards 0 "
            "(underfitting), while the few biases add little capacity to "
            "overfit.",
            True,
            "the penalty exists to keep the function smooth in the input, "
            "and only the weights control how steeply it changes; a layer "
            "has M_l biases against M_l M_(l-1) weights, and some "
            "biases must be large (an output bias that encodes a rare "
            "class, say) for the model to fit at all.",
        ),
        Choice(
            "The biases are always small after training, so their penalty "
            "would be negligible anyway.",
            False,
            "nothing keeps biases small: an output unit for a class that "
            "is rare in the data needs a large negative bias, for "
            "instance.",
        ),
        Choice(
            "The Frobenius norm is defined for matrices only, so it cannot "
            "be applied to the bias vectors.",
            False,
            "a vector's squared Euclidean norm is the same sum of squares, "
            "and one could add it; leaving the biases out is a modelling "
            "choice, not a technical limit.",
        ),
    ),
)


def check_unregularized_biases(answer: Any) -> Result:
    """Check the letter chosen for ``UNREGULARIZED_BIASES``."""
    return UNREGULARIZED_BIASES.check(answer)
