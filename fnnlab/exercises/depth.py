"""Exercise ``depth_param_count``: how the number of parameters changes
with depth when the number of neurons is fixed.

A digits classifier (``D = 64`` inputs, ``C = 10`` classes) has 96 hidden
neurons in all, spread over ``K`` hidden layers of ``96 / K`` neurons
each. The answer is the number of parameters (weights and biases) for
each ``K`` in :data:`DEPTHS`: five integers.

Chapter: *Exercises*; background in *Feedforward networks* (the shapes
of ``W^(l)`` and ``b^(l)``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..network import FNN
from ._compare import answer_array, compare_arrays
from ._core import Result, failed, fmt, not_answered, passed

__all__ = [
    "INPUTS",
    "CLASSES",
    "HIDDEN_NEURONS",
    "DEPTHS",
    "depth_widths",
    "depth_param_counts",
    "check_depth_param_count",
]

NAME = "depth_param_count"
INPUTS = 64
CLASSES = 10
HIDDEN_NEURONS = 96
DEPTHS = (1, 2, 3, 4, 6)
KIND = f"{len(DEPTHS)} integers, one for each K in {DEPTHS}"


def depth_widths(K: int) -> list:
    """The widths ``[M_0, ..., M_L]`` with ``K`` equal hidden layers."""
    return [INPUTS] + [HIDDEN_NEURONS // K] * K + [CLASSES]


def depth_param_counts(biases: bool = True) -> np.ndarray:
    """The parameter count for each ``K`` in :data:`DEPTHS`, ``(5,)``,
    from :meth:`fnnlab.FNN.num_params` (weights only if ``biases`` is
    False, to recognise that slip)."""
    counts = []
    for K in DEPTHS:
        widths = depth_widths(K)
        n = FNN(widths, backend="numpy").num_params()
        if not biases:
            n -= sum(widths[1:])
        counts.append(n)
    return np.array(counts, dtype=np.float64)


def check_depth_param_count(answer: Any) -> Result:
    """Check the five parameter counts; see the module docstring."""
    if answer is None:
        return not_answered(NAME, KIND)
    got = answer_array("answer", answer, KIND)
    expected = depth_param_counts()
    problem = compare_arrays(got, expected, "your answer", rtol=0, atol=0.5)
    if problem is not None and got.shape == expected.shape:
        ok = np.abs(got - expected) <= 0.5
        i = int(np.argmin(ok))
        K = DEPTHS[i]
        widths = depth_widths(K)
        problem = (f"entry {i} (K = {K}, widths {widths}) is "
                   f"{fmt(got[i])}, expected {fmt(expected[i])} "
                   f"({int((~ok).sum())} of {len(DEPTHS)} entries wrong)")
        if np.allclose(got, depth_param_counts(biases=False)):
            problem += ("; you counted the weights but not the biases "
                        "(one per neuron outside the input layer)")
        elif np.allclose(got - expected, INPUTS):
            problem += "; the input layer has no biases"
    if problem is not None:
        return failed(NAME, problem)
    counts = ", ".join(fmt(c) for c in expected)
    return passed(NAME, (f"{counts} parameters for K = "
                         f"{', '.join(str(k) for k in DEPTHS)}"))
