"""Symbolic differentiation with SymPy, and why it swells.

SymPy differentiates a formula into another formula, which can be
simplified and compiled to a NumPy function (``sympy.lambdify``). For the
chapter's ``f(x; w, b) = 1 / (exp(-(w x + b)) + 1)`` this is neat; for a
network, the derivative of the output with respect to an early weight
repeats the formulas of every layer above it, so the expressions grow much
faster than the network (*expression swell*). Common subexpression
elimination (``sympy.cse``) gives the sharing back, and then the size grows
linearly again, like the cost of automatic differentiation, which shares
every intermediate result by construction.

:func:`expression_swell` measures both against :func:`ad_program`, the
straight-line program of forward and reverse mode for the same network,
counted with the same ruler (``sympy.count_ops``).

Needs SymPy (``pip install 'fnnlab[symbolic]'``).

Chapter: *Computing gradients automatically*, "Symbolic differentiation".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from ._optional import pyplot, require
from .autodiff.worked_example import OperatorOps, example_function
from .errors import FnnlabError, check_positive_int

sympy = require("sympy", purpose="fnnlab.symbolic")

__all__ = [
    "SYMPY_OPS",
    "SymbolicExample",
    "logistic_example",
    "logistic_network",
    "network_function",
    "ADProgram",
    "ad_program",
    "SwellData",
    "expression_swell",
    "plot_expression_swell",
]

SYMPY_OPS = OperatorOps(sympy.exp)
"""The elementary operations on SymPy expressions."""


# --- the chapter's example --------------------------------------------------

@dataclass(frozen=True)
class SymbolicExample:
    """``f(x; w, b) = 1 / (exp(-(w x + b)) + 1)`` and its derivatives.

    Attributes:
        x, w, b: the symbols.
        f: the formula.
        raw: ``(df/dw, df/db)`` as ``sympy.diff`` returns them.
        simplified: the same after ``sympy.simplify``.
        f_numpy: ``f`` compiled, ``f_numpy(x, w, b)``.
        gradient: the simplified derivatives compiled,
            ``gradient(x, w, b) -> [df/dw, df/db]``; NumPy arrays broadcast.
    """

    x: Any
    w: Any
    b: Any
    f: Any
    raw: tuple
    simplified: tuple
    f_numpy: Callable
    gradient: Callable

    def __repr__(self) -> str:
        return (f"SymbolicExample(f={self.f}, df/dw={self.simplified[0]}, "
                f"df/db={self.simplified[1]})")


def logistic_example() -> SymbolicExample:
    """Differentiate the worked example symbolically.

    The formula is built by
    :func:`fnnlab.autodiff.worked_example.example_function` on SymPy
    symbols, the very code that forward mode runs on dual numbers.
    """
    x, w, b = sympy.symbols("x w b", real=True)
    f = example_function(SYMPY_OPS, x, w, b)
    raw = (sympy.diff(f, w), sympy.diff(f, b))
    simplified = tuple(sympy.simplify(d) for d in raw)
    return SymbolicExample(
        x, w, b, f, raw, simplified,
        sympy.lambdify((x, w, b), f, modules="numpy"),
        sympy.lambdify((x, w, b), list(simplified), modules="numpy"),
    )


# --- networks of growing depth ----------------------------------------------

def _unit(ops: Any, inputs: list, weights: list, bias: Any) -> Any:
    """A logistic unit ``1 / (exp(-(sum_j w_j a_j + b)) + 1)``, in the
    elementary steps of the worked example."""
    z = ops.mul(weights[0], inputs[0])
    for w_j, a_j in zip(weights[1:], inputs[1:]):
        z = ops.add(z, ops.mul(w_j, a_j))
    return ops.reciprocal(ops.add(ops.exp(ops.neg(ops.add(z, bias))), 1))


def _layer_widths(depth: int, width: int) -> list:
    """``[M_0, ..., M_L]``: one input, ``depth - 1`` hidden layers of
    ``width`` units, one output unit."""
    return [1] + [width] * (depth - 1) + [1]


def network_function(ops: Any, x: Any, params: dict, depth: int,
                     width: int = 1) -> Any:
    """The output of a logistic network on a scalar input, through ``ops``.

    Layer ``l`` (1..depth) has ``width`` logistic units (the last has one),
    each fed by every unit of layer ``l - 1``; with ``depth = 1`` this is
    the worked example's ``f(x; w, b)``.

    Args:
        ops: as in :func:`~fnnlab.autodiff.worked_example.example_function`.
        x: the input.
        params: ``{"w{l}_{i}{j}": ..., "b{l}_{i}": ...}``, e.g. from
            :func:`logistic_network`.
        depth, width: the shape of the network.

    Returns:
        the output ``a^(L)``, a scalar of the kind ``ops`` computes on.
    """
    widths = _layer_widths(depth, width)
    a = [x]
    for l in range(1, depth + 1):
        a = [
            _unit(ops, a, [params[f"w{l}_{i}{j}"] for j in range(len(a))],
                  params[f"b{l}_{i}"])
            for i in range(widths[l])
        ]
    return a[0]


def _param_names(depth: int, width: int) -> list:
    widths = _layer_widths(depth, width)
    names = []
    for l in range(1, depth + 1):
        for i in range(widths[l]):
            names += [f"w{l}_{i}{j}" for j in range(widths[l - 1])]
            names.append(f"b{l}_{i}")
    return names


def logistic_network(depth: int, width: int = 1) -> tuple:
    """The network of :func:`network_function` as one SymPy formula.

    Returns:
        ``(output, params, x)``: the formula, the parameter symbols in
        order (a list), and the input symbol.
    """
    depth = check_positive_int("depth", depth)
    width = check_positive_int("width", width)
    if width > 9:
        raise FnnlabError(f"width: got {width}, expected at most 9")
    x = sympy.Symbol("x", real=True)
    params = [sympy.Symbol(n, real=True) for n in _param_names(depth, width)]
    out = network_function(SYMPY_OPS, x, {str(p): p for p in params}, depth,
                           width)
    return out, params, x


# --- the same gradient by automatic differentiation, as a program -----------

class _TapeOps:
    """Ops on SymPy symbols that record a straight-line program: every
    result is a fresh symbol ``t_k`` with its defining expression."""

    def __init__(self) -> None:
        self.tape: list = []              # (symbol, expression, inputs)

    def _record(self, expr: Any, *inputs: Any) -> Any:
        t = sympy.Symbol(f"t{len(self.tape) + 1}", real=True)
        self.tape.append((t, expr, [a for a in inputs
                                    if isinstance(a, sympy.Symbol)]))
        return t

    def mul(self, a: Any, b: Any) -> Any:
        return self._record(a * b, a, b)

    def add(self, a: Any, b: Any) -> Any:
        return self._record(a + b, a, b)

    def neg(self, a: Any) -> Any:
        return self._record(-a, a)

    def exp(self, a: Any) -> Any:
        return self._record(sympy.exp(a), a)

    def reciprocal(self, a: Any) -> Any:
        return self._record(1 / a, a)


@dataclass(frozen=True)
class ADProgram:
    """The forward and reverse sweeps of reverse-mode AD, written out.

    Attributes:
        forward: ``[(t_k, expression), ...]``, the forward pass.
        reverse: ``[(symbol, expression), ...]``, the adjoints, in order.
        gradient: ``{parameter symbol: symbol or expression}``, the result.
        params, x: the parameter symbols and the input symbol.
    """

    forward: list
    reverse: list
    gradient: dict
    params: list
    x: Any

    @property
    def forward_ops(self) -> int:
        return sum(int(sympy.count_ops(e)) for _, e in self.forward)

    @property
    def reverse_ops(self) -> int:
        return sum(int(sympy.count_ops(e)) for _, e in self.reverse)

    @property
    def ops(self) -> int:
        """Operations of forward and reverse sweep together."""
        return self.forward_ops + self.reverse_ops

    def evaluate(self, values: dict) -> dict:
        """Run the program: ``values`` maps ``x`` and every parameter to a
        number; returns ``{parameter: derivative}`` as floats."""
        env = dict(values)
        for sym, expr in self.forward + self.reverse:
            env[sym] = float(expr.subs(env))
        return {p: float(sympy.sympify(g).subs(env))
                for p, g in self.gradient.items()}


def ad_program(depth: int, width: int = 1) -> ADProgram:
    """Write out reverse-mode AD of :func:`logistic_network` as a
    straight-line program, to count its operations.

    The forward sweep records each elementary step once. The reverse sweep
    visits the steps backwards; each step sends ``adjoint * local
    derivative`` to each of its inputs, where the local derivative is
    expressed through the step's own output where it can (``exp``: the
    output itself; ``1/a``: minus the output squared). An input reached by
    several steps adds their contributions. Both sweeps grow linearly with
    the size of the network.
    """
    depth = check_positive_int("depth", depth)
    width = check_positive_int("width", width)
    x = sympy.Symbol("x", real=True)
    params = [sympy.Symbol(n, real=True) for n in _param_names(depth, width)]
    tape_ops = _TapeOps()
    out = network_function(tape_ops, x, {str(p): p for p in params}, depth,
                           width)
    contributions: dict = {out: [sympy.Integer(1)]}
    reverse = []
    for t, expr, inputs in reversed(tape_ops.tape):
        parts = contributions.pop(t, [])
        if not parts:
            continue
        if len(parts) == 1 and parts[0] == 1:
            adjoint = sympy.Integer(1)
        else:
            adjoint = sympy.Symbol(f"{t}_bar", real=True)
            reverse.append((adjoint, sympy.Add(*parts)))
        for a in inputs:
            if a == x:
                continue                  # the input needs no derivative
            local = sympy.diff(expr, a).subs(expr, t)
            contributions.setdefault(a, []).append(adjoint * local)
    gradient = {}
    for p in params:
        parts = contributions.get(p, [])
        bar = sympy.Symbol(f"{p}_bar", real=True)
        reverse.append((bar, sympy.Add(*parts)))
        gradient[p] = bar
    return ADProgram(list((t, e) for t, e, _ in tape_ops.tape), reverse,
                     gradient, params, x)


# --- expression swell -------------------------------------------------------

@dataclass(frozen=True)
class SwellData:
    """Sizes of the gradient of a logistic network against its depth.

    All sizes are ``sympy.count_ops`` totals over the derivatives with
    respect to every parameter.

    Attributes:
        width: units per hidden layer.
        depths: the depths, shape ``(D,)``.
        num_params: parameters at each depth.
        symbolic: the derivatives as ``sympy.diff`` returns them.
        symbolic_cse: the same after ``sympy.cse`` (replacements included).
        ad: the forward and reverse sweeps of :func:`ad_program`.
    """

    width: int
    depths: np.ndarray
    num_params: np.ndarray
    symbolic: np.ndarray
    symbolic_cse: np.ndarray
    ad: np.ndarray

    def __repr__(self) -> str:
        lines = [f"width {self.width}: {'depth':>5} {'params':>6} "
                 f"{'symbolic':>9} {'with cse':>8} {'AD':>5}"]
        for row in zip(self.depths, self.num_params, self.symbolic,
                       self.symbolic_cse, self.ad):
            lines.append(" " * 9 + "{:>5} {:>6} {:>9} {:>8} {:>5}".format(
                *map(int, row)))
        return "\n".join(lines)


def expression_swell(depths: Any = range(1, 9), width: int = 1) -> SwellData:
    """Measure the size of the symbolic gradient against AD, by depth.

    With ``width = 1`` (a chain of logistic units) the raw symbolic
    gradient grows about like ``depth ** 3``; with ``width = 2`` it grows
    exponentially (depth 6 already takes seconds). The AD program grows
    linearly in both.

    Returns:
        a :class:`SwellData`.
    """
    width = check_positive_int("width", width)
    depths = [check_positive_int("depths", int(d)) for d in depths]
    rows = []
    for depth in depths:
        out, params, _ = logistic_network(depth, width)
        grads = [sympy.diff(out, p) for p in params]
        replacements, reduced = sympy.cse(grads)
        with_cse = (sum(int(sympy.count_ops(e)) for _, e in replacements)
                    + sum(int(sympy.count_ops(e)) for e in reduced))
        rows.append((depth, len(params),
                     sum(int(sympy.count_ops(g)) for g in grads), with_cse,
                     ad_program(depth, width).ops))
    cols = np.array(rows, dtype=np.int64).reshape(-1, 5).T
    return SwellData(width, *cols)


def plot_expression_swell(data: SwellData, ax: Any = None) -> Any:
    """Draw the sizes of a :class:`SwellData` against depth (log scale) and
    return the axes."""
    plt = pyplot("fnnlab.symbolic.plot_expression_swell")

    if ax is None:
        ax = plt.subplots(figsize=(6, 4))[1]
    ax.semilogy(data.depths, data.symbolic, "o-", label="symbolic, as derived")
    ax.semilogy(data.depths, data.symbolic_cse, "s-",
                label="symbolic, after cse")
    ax.semilogy(data.depths, data.ad, "^-",
                label="automatic (forward + reverse)")
    ax.set_xlabel("depth (layers)")
    ax.set_ylabel("operations in the gradient")
    ax.set_title(f"Gradient size, width {data.width}")
    ax.legend()
    return ax
