"""Exercise ``xor_network``: two hidden ReLU units and one output unit
that compute XOR.

The answer is a network: an :class:`fnnlab.FNN` of widths ``[2, 2, 1]``
with ReLU hidden units (output ``"identity"`` or ``"logistic"``), or a
dict of parameters ``{"W1": (2, 2), "b1": (2,), "W2": (1, 2), "b2":
(1,)}`` read with ReLU hidden units and an identity output. It solves XOR
when its output is above 0.5 exactly on the inputs whose XOR is 1.

Chapter: *Exercises*; background in *Feedforward networks*.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..activations import ACTIVATIONS
from ..backend import to_numpy
from ..data import xor
from ..network import FNN
from ._compare import to_float_array
from ._core import AnswerTypeError, Result, failed, fmt, kind_of, not_answered, passed

__all__ = ["XOR_SHAPES", "check_xor_network", "xor_outputs"]

XOR_SHAPES = {"W1": (2, 2), "b1": (2,), "W2": (1, 2), "b2": (1,)}
"""The parameter shapes of a ``[2, 2, 1]`` network: ``W^(l)`` is
``(M_l, M_{l-1})``, ``b^(l)`` is ``(M_l,)``."""

NAME = "xor_network"
KIND = ("an fnnlab.FNN of widths [2, 2, 1] or a dict with the keys "
        "'W1', 'b1', 'W2', 'b2'")


def xor_outputs(params: dict, output: str = "identity") -> np.ndarray:
    """The network's outputs on the four XOR inputs, shape ``(4,)``.

    ``params`` holds host arrays of the shapes :data:`XOR_SHAPES`; the
    hidden units are ReLU.
    """
    X, _ = xor()
    A0 = to_numpy(X).T                                 # (2, 4)
    relu = ACTIVATIONS["relu"].f
    with np.errstate(all="ignore"):
        A1 = relu(params["W1"] @ A0 + params["b1"][:, None])
        Z2 = params["W2"] @ A1 + params["b2"][:, None]
    return ACTIVATIONS[output].f(Z2)[0]


def _from_network(net: FNN) -> tuple:
    """``(params, output, problem)`` read from an FNN."""
    if tuple(net.widths) != (2, 2, 1):
        return None, None, (
            f"your network has widths {list(net.widths)}, expected [2, 2, 1]:"
            " two inputs, two hidden units, one output unit"
        )
    if net.activations[0] != "relu":
        return None, None, (
            f"your hidden layer uses {net.activations[0]!r}; the exercise "
            "asks for ReLU units (activation='relu')"
        )
    if net.activations[1] == "softmax":
        return None, None, (
            "your output layer is a softmax over one unit, which is always "
            "1; use output='identity' or output='logistic'"
        )
    params = {k: to_numpy(v).astype(np.float64) for k, v in net.params().items()}
    return params, net.activations[1], None


def _from_dict(answer: dict) -> tuple:
    """``(params, "identity", problem)`` read from a dict of arrays."""
    names = set(XOR_SHAPES)
    if set(answer) != names:
        missing = sorted(names - set(answer))
        extra = sorted(set(answer) - names, key=repr)
        what = []
        if missing:
            what.append("missing " + ", ".join(repr(m) for m in missing))
        if extra:
            what.append("unknown " + ", ".join(repr(e) for e in extra))
        raise AnswerTypeError(
            f"answer: {'; '.join(what)}; expected exactly the keys "
            "'W1', 'b1', 'W2', 'b2'"
        )
    params = {}
    for key, shape in XOR_SHAPES.items():
        arr = to_float_array(answer[key])
        if arr is None:
            raise AnswerTypeError(
                f"answer[{key!r}]: got {kind_of(answer[key])}, expected an "
                f"array of shape {shape}"
            )
        if arr.shape != shape:
            return None, None, (
                f"{key} has shape {arr.shape} but expected {shape}"
                + (" (W^(l) is (M_l, M_{l-1}))" if key[0] == "W" else "")
            )
        params[key] = arr
    return params, "identity", None


def check_xor_network(answer: Any) -> Result:
    """Check a network meant to compute XOR; see the module docstring."""
    if answer is None:
        return not_answered(NAME, KIND)
    if isinstance(answer, FNN):
        params, output, problem = _from_network(answer)
    elif isinstance(answer, dict):
        params, output, problem = _from_dict(answer)
    else:
        raise AnswerTypeError(f"answer: got {kind_of(answer)}, expected {KIND}")
    if problem is not None:
        return failed(NAME, problem)

    out = xor_outputs(params, output)
    X, y = xor()
    X, y = to_numpy(X), to_numpy(y)
    table = "; ".join(
        f"({int(a)}, {int(b)}) -> {fmt(o)}" for (a, b), o in zip(X, out)
    )
    for (a, b), o, label in zip(X, out, y):
        if not np.isfinite(o):
            return failed(NAME, f"on x = ({int(a)}, {int(b)}) your network "
                                f"outputs {fmt(o)}. Outputs: {table}")
        if (o > 0.5) != bool(label):
            reads = "1" if o > 0.5 else "0"
            return failed(NAME, (
                f"on x = ({int(a)}, {int(b)}) your network outputs {fmt(o)},"
                f" which reads as {reads} (threshold 0.5), but XOR({int(a)}, "
                f"{int(b)}) = {int(label)}. Outputs: {table}"
            ))
    return passed(NAME, f"your network computes XOR. Outputs: {table}")
