"""Exercise ``error_term``: one step of the backward recursion

    delta^(l) = f_l'(z^(l)) * (W^(l+1)^T delta^(l+1))

The answer is a function ``step(z, W_next, delta_next, df)`` of host
arrays: ``z`` is ``z^(l)``, ``(M_l, N)``; ``W_next`` is ``W^(l+1)``,
``(M_{l+1}, M_l)``; ``delta_next`` is ``delta^(l+1)``, ``(M_{l+1}, N)``;
``df`` is ``f_l'``, elementwise. It returns ``delta^(l)``, ``(M_l, N)``.
The checker runs it on real networks (non-square weights, batches of one
and of several samples, ReLU and logistic layers) and compares with
:func:`fnnlab.backprop.error_terms`.

Chapter: *Exercises*; background in *Backpropagation*.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..activations import ACTIVATIONS
from ..backend import random_generator, to_numpy
from ..backprop import error_terms
from ..data import one_hot
from ..losses import get_loss
from ..network import FNN
from ._compare import answer_function, compare_arrays, to_float_array
from ._core import Result, failed, not_answered, passed, returned

__all__ = ["error_term_cases", "check_error_term"]

NAME = "error_term"
KIND = "a function step(z, W_next, delta_next, df) returning delta^(l)"

# (widths, hidden activation, batch size N): the first has a non-square
# W^(2), so a missing transpose fails loudly; the last a square one.
CASES = (
    ([4, 3, 2], "relu", 5),
    ([3, 5, 4, 3], "logistic", 1),
    ([2, 3, 3, 2], "tanh", 4),
)


def error_term_cases() -> list:
    """The test cases: dicts with ``z``, ``W_next``, ``delta_next``,
    ``df``, the ``expected`` ``delta^(l)`` and a ``label`` in words.

    Each comes from a seeded network, a forward pass and
    :func:`fnnlab.backprop.error_terms`, on the NumPy backend.
    """
    cases = []
    for seed, (widths, act, N) in enumerate(CASES):
        net = FNN(widths, activation=act, seed=seed, backend="numpy")
        rng = random_generator(seed)
        A0 = rng.standard_normal((widths[0], N))
        labels = rng.integers(0, widths[-1], size=N)
        Y = to_numpy(one_hot(labels, widths[-1]))
        fp = net.propagate(A0, keep=True)
        deltas = error_terms(net, fp, Y, get_loss(None, "softmax"))
        for l in range(net.L - 1, 0, -1):              # hidden layer l
            cases.append({
                "z": fp.Z[l - 1],
                "W_next": net.W[l],
                "delta_next": deltas[l],
                "df": ACTIVATIONS[act].df,
                "expected": deltas[l - 1],
                "label": (f"layer l = {l} of a network of widths {widths} "
                          f"({act}), N = {N}: W_next {net.W[l].shape}, "
                          f"delta_next {deltas[l].shape}"),
            })
    return cases


def _known_slip(got: np.ndarray, case: dict) -> str:
    """A sentence naming the mistake ``got`` matches, or ''."""
    W, d, z, df = case["W_next"], case["delta_next"], case["z"], case["df"]
    slips = [
        (lambda: W.T @ d, "f_l'(z^(l)) is missing: multiply elementwise "
                          "by df(z)"),
        (lambda: df(z) @ (W.T @ d).T if z.shape[1] == 1 else None,
         "use the elementwise product with df(z), not a matrix product"),
        (lambda: df(z) * (W @ d) if W.shape[0] == W.shape[1] else None,
         "W^(l+1) must be transposed: W^(l+1) is (M_{l+1}, M_l)"),
        (lambda: -df(z) * (W.T @ d), "every entry has the wrong sign"),
    ]
    for make, hint in slips:
        with np.errstate(all="ignore"):
            try:
                candidate = make()
            except ValueError:
                continue
        if candidate is not None and candidate.shape == got.shape and \
                np.allclose(candidate, got):
            return hint
    return ""


def check_error_term(answer: Any) -> Result:
    """Check a function computing one step of the error-term recursion."""
    if answer is None:
        return not_answered(NAME, KIND)
    step = answer_function("answer", answer, KIND)
    cases = error_term_cases()
    for case in cases:
        args = {k: np.array(case[k]) for k in ("z", "W_next", "delta_next")}
        try:
            with np.errstate(all="ignore"):
                out = step(args["z"], args["W_next"], args["delta_next"],
                           case["df"])
        except Exception as err:  # the learner's bug is reported
            text = (f"your function raised {type(err).__name__} on "
                    f"{case['label']}: {err}")
            if isinstance(err, ValueError) and "mismatch" in str(err):
                text += ("; W^(l+1) is (M_{l+1}, M_l) and delta^(l+1) is "
                         "(M_{l+1}, N): which product of the two has "
                         "matching inner sizes?")
            return failed(NAME, text)
        got = to_float_array(out)
        if got is None:
            return failed(NAME, (f"your function {returned(out)} on "
                                 f"{case['label']}; expected an array of "
                                 f"shape {case['expected'].shape}"))
        problem = compare_arrays(got, case["expected"], "delta^(l)")
        if problem is not None:
            hint = _known_slip(got, case)
            text = f"on {case['label']}, {problem}"
            if hint and hint not in text:
                text += f"; {hint}"
            return failed(NAME, text)
    return passed(NAME, (f"your step reproduces fnnlab.backprop.error_terms "
                         f"on all {len(cases)} layers tested"))
