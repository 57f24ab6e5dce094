"""Exercises ``dual_product`` and ``dual_quotient``: one operation of
forward-mode automatic differentiation on dual numbers.

A dual number is a pair ``(value, tangent)``: the value of an
intermediate quantity and its derivative with respect to the chosen
input. The answer is a function ``op(a, b)`` that takes two pairs of
Python floats and returns the pair for ``a * b`` (or ``a / b``): a tuple
or list of two numbers, or an object with ``.value`` and ``.tangent``
(such as :class:`fnnlab.autodiff.forward.Dual`). The reference is
fnnlab's own :class:`~fnnlab.autodiff.forward.Dual`.

Chapter: *Exercises*; background in *Computing gradients automatically*
("Forward mode").
"""

from __future__ import annotations

import math
from typing import Any, Callable

from ..backend import random_generator
from ._compare import answer_function, to_float_array
from ._core import Result, failed, fmt, not_answered, passed, returned

__all__ = ["dual_pairs", "check_dual_product", "check_dual_quotient"]

KIND = ("a function op(a, b) of two (value, tangent) pairs returning the "
        "(value, tangent) pair of the result")


def dual_pairs(divisor: bool = False) -> list:
    """The test inputs: ``[(a, b), ...]`` with each a ``(value, tangent)``
    pair of floats. Telling pairs first, then 30 seeded random ones;
    with ``divisor`` no ``b`` has the value 0."""
    pairs = [
        ((3.0, 1.0), (2.0, 0.0)),     # d/dx (3x) style: b is a constant
        ((2.0, 1.0), (5.0, 1.0)),     # both vary
        ((1.0, 2.0), (4.0, 3.0)),
        ((-1.5, 0.5), (2.0, -1.0)),
        ((0.0, 1.0), (3.0, 2.0)),     # a zero value
        ((4.0, 0.0), (0.5, 0.0)),     # two constants: tangent 0
        ((1e3, -2.0), (1e-3, 4.0)),
    ]
    rng = random_generator(12345)
    for _ in range(30):
        a = tuple(float(v) for v in rng.uniform(-3, 3, size=2))
        b = tuple(float(v) for v in rng.uniform(-3, 3, size=2))
        if divisor and abs(b[0]) < 0.1:
            b = (b[0] + math.copysign(0.5, b[0] or 1.0), b[1])
        pairs.append((a, b))
    if divisor:
        pairs = [(a, b) for a, b in pairs if b[0] != 0]
    return pairs


def _reference(op: str) -> Callable:
    from ..autodiff.forward import Dual

    def apply(a: tuple, b: tuple) -> tuple:
        x, y = Dual(*a), Dual(*b)
        r = x * y if op == "product" else x / y
        return r.value, r.tangent

    return apply


def _pair(out: Any) -> tuple | None:
    """``out`` as ``(value, tangent)`` floats, or None."""
    if hasattr(out, "value") and hasattr(out, "tangent"):
        out = (out.value, out.tangent)
    arr = to_float_array(out)
    if arr is None or arr.shape != (2,):
        return None
    return float(arr[0]), float(arr[1])


def _show(p: tuple, other: tuple | None = None) -> str:
    if other is None:
        return f"({fmt(p[0])}, {fmt(p[1])})"
    return f"({fmt(p[0], other[0])}, {fmt(p[1], other[1])})"


SLIPS = {
    "product": (
        (lambda a, b: a[1] * b[1], "you multiplied the tangents; the "
         "product rule gives a' b + a b'"),
        (lambda a, b: a[1] * b[0], "the term a b' of the product rule is "
         "missing"),
        (lambda a, b: a[0] * b[1], "the term a' b of the product rule is "
         "missing"),
    ),
    "quotient": (
        (lambda a, b: (a[0] * b[1] - a[1] * b[0]) / b[0] ** 2, "the sign "
         "is flipped: the quotient rule is (a' b - a b') / b^2"),
        (lambda a, b: (a[1] * b[0] - a[0] * b[1]) / b[0], "divide by b^2, "
         "not by b"),
        (lambda a, b: a[1] / b[1] if b[1] else math.nan, "you divided the "
         "tangents; the quotient rule is (a' b - a b') / b^2"),
        (lambda a, b: a[1] / b[0], "the term -a b' / b^2 is missing"),
    ),
}


def _matches(f: Callable, slip: Callable, pairs: list) -> bool:
    """True if ``f``'s tangents equal ``slip``'s on every pair."""
    for a, b in pairs:
        try:
            got = _pair(f(a, b))
        except Exception:  # a learner's function may fail anywhere
            return False
        if got is None or not math.isclose(
            got[1], slip(a, b), rel_tol=1e-9, abs_tol=1e-12
        ):
            return False
    return True


def _check(op: str, answer: Any) -> Result:
    name = f"dual_{op}"
    if answer is None:
        return not_answered(name, KIND)
    f = answer_function("answer", answer, KIND)
    reference = _reference(op)
    pairs = dual_pairs(divisor=op == "quotient")
    for a, b in pairs:
        where = f"for a = {_show(a)} and b = {_show(b)}"
        try:
            out = f(a, b)
        except Exception as err:  # the learner's bug is reported
            return failed(name, (f"{where} your function raised "
                                 f"{type(err).__name__}: {err}"))
        got = _pair(out)
        if got is None:
            return failed(name, (f"{where} your function {returned(out)}; "
                                 "expected a pair (value, tangent)"))
        expected = reference(a, b)
        ok = [math.isclose(g, e, rel_tol=1e-9, abs_tol=1e-12)
              for g, e in zip(got, expected)]
        if all(ok):
            continue
        part = ("the value" if not ok[0] and ok[1] else
                "the tangent" if ok[0] else "the value and the tangent")
        text = (f"{where} your function returns {_show(got, expected)}, "
                f"expected {_show(expected, got)}: {part} "
                f"{'is' if part != 'the value and the tangent' else 'are'} "
                "wrong")
        if ok[0]:
            hint = next((h for slip, h in SLIPS[op]
                         if _matches(f, slip, pairs[:8])), None)
            if hint:
                text += f"; {hint}"
        return failed(name, text)
    return passed(name, f"right on all {len(pairs)} test pairs")


def check_dual_product(answer: Any) -> Result:
    """Check ``op(a, b)`` for the product of two dual numbers."""
    return _check("product", answer)


def check_dual_quotient(answer: Any) -> Result:
    """Check ``op(a, b)`` for the quotient of two dual numbers."""
    return _check("quotient", answer)
