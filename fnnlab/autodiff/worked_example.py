"""The chapter's worked example, computed rather than typed in.

The source differentiates ``f(x; w, b) = 1 / (exp(-(w x + b)) + 1)`` at
``x = 1, w = 0, b = 0`` by splitting it into six elementary functions::

    h1 = w x,  h2 = h1 + b,  h3 = -h2,  h4 = exp(h3),  h5 = h4 + 1,
    h6 = 1 / h5

:func:`example_function` writes that decomposition **once**, against a
small *ops* interface (``mul``, ``add``, ``neg``, ``exp``,
``reciprocal``). Whatever the ops compute on, the same code runs:

* ``FLOAT_OPS``: plain floats (the values);
* ``DUAL_OPS``: :class:`~fnnlab.autodiff.forward.Dual` numbers (forward
  mode);
* ``OperatorOps(sympy.exp)``: SymPy symbols (the formula, see
  :mod:`fnnlab.symbolic`);
* a tracer, :class:`TraceOps`, that records each ``h_i`` for the table;
* reverse-mode nodes: any node type with ``+``, ``*``, unary ``-`` and
  ``1 / node`` plugs in as ``OperatorOps(exp=<the engine's exp>)``;
  then ``example_function(ops, 1.0, w_node, b_node)`` builds the graph
  whose backward pass must give ``df/dw = df/db = 0.25``.

:func:`worked_example` produces the table of every ``h_i`` with its value
and local derivatives (values by dual numbers, formulas by SymPy), the
chain-rule products along every path, and the gradient by forward mode.

Chapter: *Computing gradients automatically*, "A worked example".
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable

from .._optional import require
from . import forward

__all__ = [
    "OperatorOps",
    "FLOAT_OPS",
    "DUAL_OPS",
    "example_function",
    "TraceOps",
    "Row",
    "WorkedExample",
    "worked_example",
    "chain_rule_paths",
]


class OperatorOps:
    """The elementary operations of the example, by Python operators.

    Args:
        exp: the exponential to use on the operands (``math.exp`` for
            floats, :func:`fnnlab.autodiff.forward.exp` for duals,
            ``sympy.exp`` for symbols, a reverse-mode engine's own ``exp``
            for its nodes).
    """

    def __init__(self, exp: Callable[[Any], Any]) -> None:
        self._exp = exp

    def mul(self, a: Any, b: Any) -> Any:
        return a * b

    def add(self, a: Any, b: Any) -> Any:
        return a + b

    def neg(self, a: Any) -> Any:
        return -a

    def exp(self, a: Any) -> Any:
        return self._exp(a)

    def reciprocal(self, a: Any) -> Any:
        return 1 / a

    def __repr__(self) -> str:
        name = getattr(self._exp, "__module__", "") or ""
        return f"OperatorOps(exp={name}.{self._exp.__name__})"


FLOAT_OPS = OperatorOps(math.exp)
"""The example on plain floats."""

DUAL_OPS = OperatorOps(forward.exp)
"""The example on dual numbers (forward mode)."""


def example_function(ops: Any, x: Any, w: Any, b: Any) -> Any:
    """``f(x; w, b) = 1 / (exp(-(w x + b)) + 1)``, one elementary step at a
    time, through ``ops``.

    Args:
        ops: any object with ``mul``, ``add``, ``neg``, ``exp`` and
            ``reciprocal`` (see :class:`OperatorOps`).
        x, w, b: the input, weight and bias, of whatever kind ``ops``
            computes on.

    Returns:
        ``h6 = f(x; w, b)``.
    """
    h1 = ops.mul(w, x)
    h2 = ops.add(h1, b)
    h3 = ops.neg(h2)
    h4 = ops.exp(h3)
    h5 = ops.add(h4, 1)
    h6 = ops.reciprocal(h5)
    return h6


# --- tracing: one row per elementary function -------------------------------

@dataclass(frozen=True)
class Node:
    """A named quantity seen by :class:`TraceOps`.

    ``variable`` is False for inputs held fixed (like ``x``), whose local
    derivatives the table leaves out.
    """

    name: str
    value: float
    variable: bool = True


@dataclass(frozen=True)
class Row:
    """One elementary function ``h_i`` of the trace.

    Attributes:
        name: ``"h1"``, ``"h2"``, ...
        definition: e.g. ``"w * x"``.
        value: its value.
        partials: ``((input name, formula, value), ...)`` for each variable
            input, e.g. ``(("w", "x", 1.0),)``.
    """

    name: str
    definition: str
    value: float
    partials: tuple


_TEMPLATES = {
    "mul": "{0} * {1}",
    "add": "{0} + {1}",
    "neg": "-{0}",
    "exp": "exp({0})",
    "reciprocal": "1 / {0}",
}


class TraceOps:
    """Ops that record each operation as a :class:`Row`.

    Values and local derivatives come from dual numbers (one forward pass
    per variable input of the operation); the formula of each local
    derivative comes from SymPy, applied to the same operation on symbols.
    """

    def __init__(self) -> None:
        self.rows: list = []

    def _record(self, kind: str, *args: Any) -> Node:
        sympy = require("sympy", purpose="the worked example's formulas")

        values = [a.value if isinstance(a, Node) else a for a in args]
        symbols = [sympy.Symbol(a.name) if isinstance(a, Node) else a
                   for a in args]
        apply = getattr(DUAL_OPS, kind)
        value = apply(*[forward.Dual(v) for v in values]).value
        formula = getattr(OperatorOps(sympy.exp), kind)(*symbols)
        partials = []
        for i, a in enumerate(args):
            if not (isinstance(a, Node) and a.variable):
                continue
            duals = [forward.Dual(v, 1.0 if j == i else 0.0)
                     for j, v in enumerate(values)]
            slope = apply(*duals).tangent
            text = str(sympy.diff(formula, symbols[i]))
            partials.append((a.name, text, slope))
        name = f"h{len(self.rows) + 1}"
        labels = [a.name if isinstance(a, Node) else f"{a:g}" for a in args]
        self.rows.append(Row(name, _TEMPLATES[kind].format(*labels), value,
                             tuple(partials)))
        return Node(name, value)

    def mul(self, a: Any, b: Any) -> Node:
        return self._record("mul", a, b)

    def add(self, a: Any, b: Any) -> Node:
        return self._record("add", a, b)

    def neg(self, a: Any) -> Node:
        return self._record("neg", a)

    def exp(self, a: Any) -> Node:
        return self._record("exp", a)

    def reciprocal(self, a: Any) -> Node:
        return self._record("reciprocal", a)


def chain_rule_paths(rows: list, wrt: str) -> list:
    """Every path from the output (the last row) down to ``wrt``, with the
    local derivative on each step.

    The derivative of the output with respect to ``wrt`` is the sum, over
    the paths, of the product of the factors on each path. Paths are listed
    one by one, which is fine for small examples (their number can grow
    exponentially with the size of a graph: reverse mode avoids listing
    them).

    Returns:
        a list of paths; each path is a list of ``(label, value)`` pairs
        starting with ``("df/dh6", 1.0)`` (for six rows).
    """
    by_name = {r.name: r for r in rows}
    top = rows[-1].name
    paths = []

    def walk(name: str, path: list) -> None:
        if name == wrt:
            paths.append(path)
            return
        row = by_name.get(name)
        if row is None:
            return
        for inp, _, slope in row.partials:
            walk(inp, path + [(f"d{name}/d{inp}", slope)])

    walk(top, [(f"df/d{top}", 1.0)])
    return paths


@dataclass(frozen=True)
class WorkedExample:
    """The worked example at one point.

    Attributes:
        x, w, b: the point.
        rows: the table, one :class:`Row` per ``h_i``.
        value: ``f(x; w, b)``.
        paths: ``{"w": paths, "b": paths}`` from :func:`chain_rule_paths`.
        forward_mode: ``(df/dw, df/db)`` from dual numbers, two passes.
    """

    x: float
    w: float
    b: float
    rows: tuple
    value: float
    paths: dict
    forward_mode: tuple

    def chain_rule(self, wrt: str) -> float:
        """``df/d(wrt)``: the sum over paths of the products of factors."""
        return sum(math.prod(v for _, v in p) for p in self.paths[wrt])

    def __repr__(self) -> str:
        lines = [f"f(x; w, b) at x={_num(self.x)}, w={_num(self.w)}, "
                 f"b={_num(self.b)}",
                 f"{'':<3} {'function':<9} {'value':>7}   local derivatives"]
        for r in self.rows:
            local = ", ".join(_partial(r.name, *p) for p in r.partials)
            lines.append(f"{r.name:<3} {r.definition:<9} {_num(r.value):>7}"
                         f"   {local}")
        for wrt, grad in zip(("w", "b"), self.forward_mode):
            for p in self.paths[wrt]:
                factors = " x ".join(_num(v) for _, v in p)
                lines.append(f"df/d{wrt} = {factors} = "
                             f"{_num(self.chain_rule(wrt))}")
            lines.append(f"df/d{wrt} by forward mode = {_num(grad)}")
        return "\n".join(lines)


def _partial(name: str, wrt: str, formula: str, value: float) -> str:
    text = f"d{name}/d{wrt} = {formula}"
    return text if formula == _num(value) else f"{text} = {_num(value)}"


def _num(v: float) -> str:
    """Four significant digits, and no ``-0``."""
    return f"{float(v) + 0.0:.4g}"


def worked_example(x: float = 1.0, w: float = 0.0,
                   b: float = 0.0) -> WorkedExample:
    """Trace :func:`example_function` at ``(x, w, b)`` and differentiate it.

    Returns:
        a :class:`WorkedExample`; at the default point its rows reproduce
        the source's table and ``df/dw = df/db = 0.25``.
    """
    trace = TraceOps()
    out = example_function(trace, Node("x", float(x), variable=False),
                           Node("w", float(w)), Node("b", float(b)))
    rows = tuple(trace.rows)
    paths = {v: chain_rule_paths(list(rows), v) for v in ("w", "b")}
    grads = forward.partials(
        lambda w_, b_: example_function(DUAL_OPS, float(x), w_, b_),
        float(w), float(b))
    return WorkedExample(float(x), float(w), float(b), rows, out.value,
                         paths, grads)
