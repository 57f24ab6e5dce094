"""Exercise ``softmax_ce_gradient``: the gradient of the softmax
cross-entropy with respect to the logits.

The answer is a function ``grad(Y, Z)`` (arguments in the order of
:mod:`fnnlab.losses`): ``Y`` holds one-hot targets and ``Z`` logits, both
``(C,)`` for one sample or ``(C, N)`` for a batch (one sample per
column). For one sample the loss is ``-y^T log softmax(z)`` and the
gradient is ``p - y``; for a batch the loss is the **mean** over the
``N`` columns and the gradient is ``(P - Y) / N``. The reference is
:func:`fnnlab.losses.cross_entropy_from_logits_grad`; the cases include
logits of size 1000, where an unshifted ``exp`` overflows.

Chapter: *Exercises*; background in *Learning the parameters* and
*Backpropagation* (the output error term).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..backend import random_generator, to_numpy
from ..data import one_hot
from ..losses import cross_entropy_from_logits_grad
from ._compare import answer_function, compare_arrays, to_float_array
from ._core import Result, failed, not_answered, passed, returned

__all__ = ["softmax_ce_cases", "check_softmax_ce_gradient"]

NAME = "softmax_ce_gradient"
KIND = "a function grad(Y, Z) returning dL/dZ, shaped like Z"


def softmax_ce_cases() -> list:
    """``[(label, Y, Z), ...]``: one sample, a batch of two equal
    columns, a seeded batch of 5, and huge logits."""
    rng = random_generator(7)
    Zb = rng.standard_normal((4, 5)) * 2.0
    yb = np.array([0, 3, 1, 1, 2])
    cases = [
        ("one sample, logits [1, 2, 3], class 0",
         np.array([1.0, 0.0, 0.0]), np.array([1.0, 2.0, 3.0])),
        ("a batch of N = 2 equal columns, logits [1, 2, 3], class 0",
         np.array([[1.0, 1.0], [0.0, 0.0], [0.0, 0.0]]),
         np.array([[1.0, 1.0], [2.0, 2.0], [3.0, 3.0]])),
        ("a batch of N = 5 samples and C = 4 classes",
         to_numpy(one_hot(yb, 4)).astype(np.float64), Zb),
        ("a batch of N = 2 with logits of size 1000 (columns "
         "[1000, 0, -1000] and [-1000, 0, 1000])",
         np.array([[0.0, 1.0], [1.0, 0.0], [0.0, 0.0]]),
         np.array([[1000.0, -1000.0], [0.0, 0.0], [-1000.0, 1000.0]])),
    ]
    return cases


def check_softmax_ce_gradient(answer: Any) -> Result:
    """Check a function computing ``dL/dZ`` for softmax cross-entropy."""
    if answer is None:
        return not_answered(NAME, KIND)
    grad = answer_function("answer", answer, KIND)
    cases = softmax_ce_cases()
    for label, Y, Z in cases:
        expected = to_numpy(cross_entropy_from_logits_grad(Y, Z))
        try:
            with np.errstate(all="ignore"):
                out = grad(Y.copy(), Z.copy())
        except Exception as err:  # the learner's bug is reported
            return failed(NAME, (f"your function raised {type(err).__name__}"
                                 f" on {label}: {err}"))
        got = to_float_array(out)
        if got is None:
            return failed(NAME, (f"your function {returned(out)} on "
                                 f"{label}; expected an array of shape "
                                 f"{expected.shape}"))
        problem = compare_arrays(got, expected, "dL/dZ")
        if problem is None:
            continue
        text = f"on {label}, {problem}"
        N = Z.shape[1] if Z.ndim == 2 else 1
        if f"is {N} times the expected" in text:
            text += (f": the loss is the mean over the N = {N} samples, so "
                     "divide by N")
        elif "wrong sign" in text:
            text += ": the gradient is p - y, not y - p"
        elif not np.isfinite(got).all():
            text += ("; subtract each column's largest logit before exp "
                     "(softmax does not change), or use fnnlab.softmax")
        return failed(NAME, text)
    return passed(NAME, (f"right on all {len(cases)} cases: p - y for one "
                         "sample, (P - Y) / N for a batch, stable for huge "
                         "logits"))
