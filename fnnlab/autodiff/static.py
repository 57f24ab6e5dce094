"""Static graphs against dynamic ones.

The engine of :mod:`~fnnlab.autodiff.reverse` is *define by run*: the graph
is built anew by every call, so Python's ``if`` and ``while`` may depend
on the data and the graph follows. A *static* graph is built once, here by
tracing: the function runs one time on example inputs, the engine records
every operation, and the record becomes a list of instructions. That list
can then be optimized as a whole (:func:`fold_constants`,
:func:`eliminate_common_subexpressions`, :func:`remove_dead_nodes`), given a
reverse sweep of its own (:meth:`StaticGraph.with_gradient`) and run many
times on new inputs (:meth:`StaticGraph.run`).

What a trace cannot see is the Python around the operations. Each time the
traced function turns a tensor into a Python ``bool`` or number (to choose
a branch or count a loop), the trace records a *guard*: the value that
decided the path. A later input that would take another path fails the
guard, and :class:`GuardError` says so; :class:`StaticFunction` then traces
again and counts it. Shapes are guarded too: a trace is made for one shape.

Tensors that the function reads from outside (a closure) are baked into the
trace as constants: pass whatever changes between calls as an argument.

Chapter: *Computing gradients automatically*, section "Static and dynamic
graphs".
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable, Sequence

from ..activations import log_softmax, logistic, softmax, softmax_vjp
from ..backend import get_namespace, is_array
from ..errors import FnnlabError, ShapeError
from . import reverse as rv

__all__ = [
    "Instr", "Guard", "GuardError", "StaticGraph", "StaticFunction",
    "trace", "fold_constants", "eliminate_common_subexpressions",
    "remove_dead_nodes", "optimize", "node_count",
    "halve_until_small", "branch_on_sign",
]


class GuardError(FnnlabError):
    """An input takes another path through the Python code than the one a
    static graph was traced on (or has another shape)."""


@dataclass(frozen=True)
class Instr:
    """One node of a static graph: ``op`` applied to earlier nodes.

    ``op`` is ``"input"``, ``"const"`` (with ``value``) or an operation of
    the engine; ``args`` are indices of earlier instructions; ``attrs`` is
    a tuple of ``(name, setting)`` pairs such as ``("axis", (0,))``.
    """

    op: str
    args: tuple = ()
    attrs: tuple = ()
    value: Any = None
    name: str | None = None


@dataclass(frozen=True)
class Guard:
    """Node ``index`` turned into a Python ``kind`` (bool, float, int) gave
    ``expected`` when the graph was traced."""

    index: int
    kind: str
    expected: Any


# --- the kernels: forward arithmetic of every operation -------------------

def _sum_to(xp, g, shape):
    return rv._sum_to(g, tuple(shape), xp)


def _spread(xp, g, shape, axis, keepdims):
    if not keepdims:
        g = xp.reshape(g, tuple(1 if i in axis else n
                                for i, n in enumerate(shape)))
    return xp.broadcast_to(g, tuple(shape))


def _ce(xp, Z, Y):
    return -xp.sum(Y * log_softmax(Z)) / (Z.shape[1] if Z.ndim > 1 else 1)


def _bce(xp, z, y):
    softplus = xp.maximum(z, 0.0) + xp.log1p(xp.exp(-xp.abs(z)))
    return xp.sum(softplus - y * z) / (z.shape[1] if z.ndim > 1 else 1)


def _pow_db(xp, a, out):
    """``d(a**b)/db`` over ``a``: ``out log a``, 0 at 0, NaN below."""
    nan = xp.full_like(a, math.nan)
    safe = xp.where(a > 0, a, 1.0)
    return xp.where(a > 0, out * xp.log(safe), xp.where(a == 0, 0.0, nan))


_KERNELS: dict = {
    "add": lambda xp, a, b: a + b,
    "sub": lambda xp, a, b: a - b,
    "mul": lambda xp, a, b: a * b,
    "div": lambda xp, a, b: a / b,
    "neg": lambda xp, a: -a,
    "pow": lambda xp, a, b: a ** b,
    "pow_const": lambda xp, a, exponent: a ** exponent,
    "matmul": lambda xp, a, b: a @ b,
    "transpose": lambda xp, a: a.T,
    "reshape": lambda xp, a, shape: xp.reshape(a, shape),
    "sum": lambda xp, a, axis, keepdims: xp.sum(a, axis=axis,
                                                 keepdims=keepdims),
    "mean": lambda xp, a, axis, keepdims: xp.mean(a, axis=axis,
                                                   keepdims=keepdims),
    "exp": lambda xp, a: xp.exp(a),
    "log": lambda xp, a: xp.log(a),
    "tanh": lambda xp, a: xp.tanh(a),
    "logistic": lambda xp, a: logistic(a),
    "relu": lambda xp, a: xp.maximum(a, 0.0),
    "leaky_relu": lambda xp, a, slope: xp.where(a > 0, a, slope * a),
    "softmax": lambda xp, a, axis=0: softmax(a, axis=axis),
    "log_softmax": lambda xp, a: log_softmax(a),
    "cross_entropy": _ce,
    "binary_cross_entropy": _bce,
    "greater": lambda xp, a, b: a > b,
    "less": lambda xp, a, b: a < b,
    # operations that only reverse sweeps use
    "sum_to": _sum_to,
    "spread": _spread,
    "step_mul": lambda xp, g, a, slope: xp.where(a > 0, g, slope * g),
    "softmax_vjp": lambda xp, s, g, axis: softmax_vjp(s, g, axis=axis),
    "pow_db": _pow_db,
    "zeros_like": lambda xp, a: xp.zeros_like(a),
}


# --- the graph --------------------------------------------------------------

class StaticGraph:
    """A traced function as a list of instructions, run by an interpreter.

    Attributes:
        instrs: the :class:`Instr` list; every instruction refers only to
            earlier ones, so the list is already in topological order.
        inputs: the index of each input, in call order.
        outputs: the indices whose values :meth:`run` returns.
        guards: the :class:`Guard` list recorded by the trace.
        signature: ``(shape, dtype)`` of each input at trace time.
        shapes: the shape of each traced node (for the reverse sweep).
        one: the number 1 as an array of output 0's dtype and device, the
            seed of a reverse sweep.
    """

    def __init__(self, instrs, inputs, outputs, guards=(), signature=(),
                 shapes=None, one=1.0):
        self.instrs = list(instrs)
        self.inputs = list(inputs)
        self.outputs = list(outputs)
        self.guards = list(guards)
        self.signature = list(signature)
        self.shapes = dict(shapes or {})
        self.one = one

    def __len__(self) -> int:
        return len(self.instrs)

    def __repr__(self) -> str:
        return (f"StaticGraph({len(self)} nodes, {len(self.inputs)} inputs, "
                f"{len(self.outputs)} outputs, {len(self.guards)} guards)")

    def counts(self) -> dict:
        """How many nodes of each operation, ``{"matmul": 2, ...}``."""
        out: dict = {}
        for ins in self.instrs:
            out[ins.op] = out.get(ins.op, 0) + 1
        return dict(sorted(out.items()))

    def listing(self) -> str:
        """The instructions, one per line: ``%4 = mul %2, %3``."""
        lines = []
        for i, ins in enumerate(self.instrs):
            if ins.op == "input":
                text = f"input {ins.name}"
            elif ins.op == "const":
                text = f"const {_show(ins.value)}"
            else:
                text = ins.op + " " + ", ".join(f"%{a}" for a in ins.args)
                text += "".join(f" {k}={v}" for k, v in ins.attrs)
            marks = [f"output {self.outputs.index(i)}"] if (
                i in self.outputs) else []
            marks += [f"guard {g.kind}={g.expected}" for g in self.guards
                      if g.index == i]
            lines.append(f"%{i} = {text}" + (
                "   # " + "; ".join(marks) if marks else ""))
        return "\n".join(lines)

    def run(self, *arrays: Any) -> list:
        """Evaluate the graph on new inputs; returns the outputs' values.

        Raises:
            GuardError: an input has another shape or dtype than at trace
                time, or takes another path through a branch or loop.
        """
        if len(arrays) != len(self.inputs):
            raise FnnlabError(
                f"arrays: got {len(arrays)} inputs, expected "
                f"{len(self.inputs)}"
            )
        arrays = [a if is_array(a) else rv.Tensor(a).value for a in arrays]
        for k, (a, (shape, dtype)) in enumerate(zip(arrays, self.signature)):
            if tuple(a.shape) != shape or str(a.dtype) != dtype:
                raise GuardError(
                    f"input {k}: got shape {tuple(a.shape)} and dtype "
                    f"{a.dtype}, but the graph was traced for shape {shape} "
                    f"and dtype {dtype}; trace again for this shape"
                )
        xp = get_namespace(*arrays)
        guards = {}
        for g in self.guards:
            guards.setdefault(g.index, []).append(g)
        position = {index: k for k, index in enumerate(self.inputs)}
        values: list = [None] * len(self.instrs)
        for i, ins in enumerate(self.instrs):
            if ins.op == "input":
                values[i] = arrays[position[i]]
            elif ins.op == "const":
                values[i] = ins.value
            else:
                values[i] = _KERNELS[ins.op](
                    xp, *[values[a] for a in ins.args], **dict(ins.attrs))
            for g in guards.get(i, ()):
                _check(g, values[i], self.instrs[i])
        return [values[i] for i in self.outputs]

    def with_gradient(self, wrt: Sequence[int] | None = None) -> "StaticGraph":
        """A new graph that also returns ``d(output 0)/d(input k)`` for each
        ``k`` in ``wrt`` (default: every input), after the outputs.

        The reverse sweep is generated as more instructions, from the last
        node back to the inputs, each operation's rule emitting the
        operations of its vector-Jacobian product; paths that meet are
        joined by ``add`` nodes. The result can be optimized like any
        graph.
        """
        wrt = list(range(len(self.inputs))) if wrt is None else list(wrt)
        root = self.outputs[0]
        if math.prod(self.shapes.get(root, (2,))) != 1:
            raise ShapeError(
                f"output 0: got shape {self.shapes.get(root)}, expected one "
                "number to differentiate (reduce it with sum first)"
            )
        b = _Builder(self)
        needs = b.reaching([self.inputs[k] for k in wrt])
        grads = {root: b.const(self.one)}
        for i in range(root, -1, -1):
            if i not in grads or not self.instrs[i].args:
                continue
            ins = self.instrs[i]
            rules = _VJP.get(ins.op)
            if rules is None:
                raise FnnlabError(
                    f"reverse sweep: operation {ins.op!r} has no derivative"
                )
            node = _View(self, i)
            for k, (arg, rule) in enumerate(zip(ins.args, rules)):
                if arg in needs and rule is not None:
                    g = rule(b, node, grads[i])
                    grads[arg] = g if arg not in grads else b.emit(
                        "add", grads[arg], g)
        outputs = list(self.outputs)
        for k in wrt:
            index = self.inputs[k]
            outputs.append(grads[index] if index in grads
                           else b.emit("zeros_like", index))
        return StaticGraph(b.instrs, self.inputs, outputs, self.guards,
                           self.signature, self.shapes, self.one)

    def select(self, outputs: Sequence[int]) -> "StaticGraph":
        """The same graph returning only the outputs at positions
        ``outputs`` (what the others alone needed becomes dead)."""
        chosen = [self.outputs[k] for k in outputs]
        return StaticGraph(self.instrs, self.inputs, chosen, self.guards,
                           self.signature, self.shapes, self.one)


def _show(value: Any) -> str:
    if isinstance(value, (int, float)):
        return f"{value:g}"
    if getattr(value, "ndim", 1) == 0:
        return f"{float(value):g}"
    return f"array{tuple(value.shape)}"


def _check(guard: Guard, value: Any, ins: Instr) -> None:
    got = {"bool": bool, "float": float, "int": int}[guard.kind](value)
    if got != guard.expected:
        raise GuardError(
            f"guard on node {guard.index} ({ins.op}): the graph was traced "
            f"where its value as a Python {guard.kind} was "
            f"{guard.expected!r}; this input gives {got!r}, so the Python "
            "code would take another path (a branch or a loop count): "
            "trace again, or use the dynamic engine"
        )


# --- reverse-sweep rules, one per operand -----------------------------------

class _Builder:
    """Appends instructions to a copy of a graph's list."""

    def __init__(self, graph: StaticGraph) -> None:
        self.graph = graph
        self.instrs = list(graph.instrs)

    def emit(self, op: str, *args: int, **attrs: Any) -> int:
        self.instrs.append(Instr(op, tuple(args), tuple(sorted(
            attrs.items()))))
        return len(self.instrs) - 1

    def const(self, value: Any) -> int:
        self.instrs.append(Instr("const", value=value, name=_show(value)))
        return len(self.instrs) - 1

    def sum_to(self, g: int, shape: tuple, out_shape: tuple) -> int:
        if tuple(shape) == tuple(out_shape):
            return g
        return self.emit("sum_to", g, shape=tuple(shape))

    def reaching(self, sources: list) -> set:
        """Every node that depends on one of ``sources``."""
        found = set(sources)
        for i, ins in enumerate(self.instrs):
            if any(a in found for a in ins.args):
                found.add(i)
        return found


class _View:
    """What a rule may read about node ``i``: its args, shapes, settings."""

    def __init__(self, graph: StaticGraph, i: int) -> None:
        ins = graph.instrs[i]
        self.out, self.args, self.attrs = i, ins.args, dict(ins.attrs)
        self.shape = [graph.shapes.get(a) for a in ins.args]
        self.out_shape = graph.shapes.get(i)


def _unbroadcast(k: int, make: Callable) -> Callable:
    """A rule for operand ``k`` whose gradient is summed to its shape."""
    return lambda b, n, g: b.sum_to(make(b, n, g), n.shape[k], n.out_shape)


def _count(n: _View) -> int:
    return math.prod(n.shape[0][i] for i in n.attrs["axis"])


def _batch(n: _View) -> int:
    return n.shape[0][1] if len(n.shape[0]) > 1 else 1


_VJP: dict = {
    "add": (_unbroadcast(0, lambda b, n, g: g),
            _unbroadcast(1, lambda b, n, g: g)),
    "sub": (_unbroadcast(0, lambda b, n, g: g),
            _unbroadcast(1, lambda b, n, g: b.emit("neg", g))),
    "mul": (_unbroadcast(0, lambda b, n, g: b.emit("mul", g, n.args[1])),
            _unbroadcast(1, lambda b, n, g: b.emit("mul", g, n.args[0]))),
    "div": (_unbroadcast(0, lambda b, n, g: b.emit("div", g, n.args[1])),
            _unbroadcast(1, lambda b, n, g: b.emit("neg", b.emit(
                "div", b.emit("mul", g, n.out), n.args[1])))),
    "neg": (lambda b, n, g: b.emit("neg", g),),
    "pow_const": (lambda b, n, g: b.emit("mul", g, b.emit(
        "mul", b.const(n.attrs["exponent"]), b.emit(
            "pow_const", n.args[0], exponent=n.attrs["exponent"] - 1.0))),),
    "pow": (_unbroadcast(0, lambda b, n, g: b.emit("mul", g, b.emit(
                "mul", n.args[1], b.emit("pow", n.args[0], b.emit(
                    "sub", n.args[1], b.const(1.0)))))),
            _unbroadcast(1, lambda b, n, g: b.emit("mul", g, b.emit(
                "pow_db", n.args[0], n.out)))),
    "matmul": (lambda b, n, g: b.emit("matmul", g, b.emit(
                   "transpose", n.args[1])),
               lambda b, n, g: b.emit("matmul", b.emit(
                   "transpose", n.args[0]), g)),
    "transpose": (lambda b, n, g: b.emit("transpose", g),),
    "reshape": (lambda b, n, g: b.emit("reshape", g, shape=n.shape[0]),),
    "sum": (lambda b, n, g: b.emit(
        "spread", g, shape=n.shape[0], axis=n.attrs["axis"],
        keepdims=n.attrs["keepdims"]),),
    "mean": (lambda b, n, g: b.emit(
        "spread", b.emit("div", g, b.const(float(_count(n)))),
        shape=n.shape[0], axis=n.attrs["axis"],
        keepdims=n.attrs["keepdims"]),),
    "exp": (lambda b, n, g: b.emit("mul", g, n.out),),
    "log": (lambda b, n, g: b.emit("div", g, n.args[0]),),
    "tanh": (lambda b, n, g: b.emit("mul", g, b.emit(
        "sub", b.const(1.0), b.emit("mul", n.out, n.out))),),
    "logistic": (lambda b, n, g: b.emit("mul", g, b.emit(
        "mul", n.out, b.emit("sub", b.const(1.0), n.out))),),
    "relu": (lambda b, n, g: b.emit("step_mul", g, n.args[0], slope=0.0),),
    "leaky_relu": (lambda b, n, g: b.emit(
        "step_mul", g, n.args[0], slope=n.attrs["slope"]),),
    "softmax": (lambda b, n, g: b.emit(
        "softmax_vjp", n.out, g, axis=n.attrs["axis"]),),
    "cross_entropy": (
        lambda b, n, g: b.emit("mul", g, b.emit("div", b.emit(
            "sub", b.emit("softmax", n.args[0]), n.args[1]),
            b.const(float(_batch(n))))),
        lambda b, n, g: b.emit("mul", g, b.emit("div", b.emit(
            "neg", b.emit("log_softmax", n.args[0])),
            b.const(float(_batch(n)))))),
    "binary_cross_entropy": (
        lambda b, n, g: b.emit("mul", g, b.emit("div", b.emit(
            "sub", b.emit("logistic", n.args[0]), n.args[1]),
            b.const(float(_batch(n))))),
        lambda b, n, g: b.emit("mul", g, b.emit("div", b.emit(
            "neg", n.args[0]), b.const(float(_batch(n)))))),
    "greater": (None, None),
    "less": (None, None),
}


# --- tracing ----------------------------------------------------------------

class _Recorder:
    """Told by the engine whenever a traced tensor becomes a Python value."""

    def __init__(self) -> None:
        self.seen: list = []

    def observe(self, tensor: rv.Tensor, kind: str, value: Any) -> None:
        self.seen.append((tensor, kind, value))


def trace(f: Callable, *examples: Any,
          names: Sequence[str] | None = None) -> StaticGraph:
    """Run ``f`` once on ``examples`` and record its graph.

    Args:
        f: a function of tensors returning a tensor (or a tuple of them),
            written with the engine's operations.
        examples: one array (or number) per argument of ``f``.
        names: labels of the inputs (default ``x0, x1, ...``).

    Returns:
        the :class:`StaticGraph`, with a guard wherever ``f`` turned a
        tensor into a Python ``bool``, ``float`` or ``int``.
    """
    names = list(names) if names else [f"x{k}" for k in range(len(examples))]
    leaves = [rv.Tensor(x, name=names[k]) for k, x in enumerate(examples)]
    recorder, previous = _Recorder(), rv._tracer
    rv._tracer = recorder
    try:
        result = f(*leaves)
    finally:
        rv._tracer = previous
    outs = list(result) if isinstance(result, (tuple, list)) else [result]
    for k, out in enumerate(outs):
        if not isinstance(out, rv.Tensor):
            raise FnnlabError(
                f"f: output {k} is a {type(out).__name__}, expected a "
                "Tensor computed with the engine's operations"
            )
    roots = outs + [t for t, _, _ in recorder.seen]
    order, placed = [], set()
    for root in roots:
        for node in rv.topological_order(root, everything=True):
            if id(node) not in placed:
                placed.add(id(node))
                order.append(node)
    index = {id(node): i for i, node in enumerate(order)}
    is_input = {id(t): k for k, t in enumerate(leaves)}
    instrs, inputs, shapes = [], [None] * len(leaves), {}
    for i, node in enumerate(order):
        shapes[i] = node.shape
        if id(node) in is_input:
            inputs[is_input[id(node)]] = i
            instrs.append(Instr("input", name=node.name))
        elif not node.parents:
            instrs.append(Instr("const", value=node.value, name=node.name))
        else:
            instrs.append(Instr(node.op, tuple(index[id(p)] for p in
                                               node.parents),
                                tuple(sorted(node.attrs.items()))))
    for k, i in enumerate(inputs):
        if i is None:                 # an argument f never used
            inputs[k] = len(instrs)
            instrs.append(Instr("input", name=names[k]))
            shapes[inputs[k]] = leaves[k].shape
    guards = [Guard(index[id(t)], kind, value)
              for t, kind, value in recorder.seen]
    signature = [(t.shape, str(t.dtype)) for t in leaves]
    one = outs[0].xp.ones_like(outs[0].value)
    return StaticGraph(instrs, inputs, [index[id(o)] for o in outs],
                       guards, signature, shapes, one)


# --- optimization passes ----------------------------------------------------

def _rebuild(graph: StaticGraph, keep: list, alias: dict | None = None,
             replace: dict | None = None) -> StaticGraph:
    """Keep the instructions ``keep`` (in order), renumbered; ``alias``
    sends removed nodes to kept ones; ``replace`` swaps instructions."""
    alias, replace = alias or {}, replace or {}
    new_index: dict = {}

    def where(i):
        return new_index[alias.get(i, i)]

    instrs, shapes = [], {}
    for i in keep:
        ins = replace.get(i, graph.instrs[i])
        new_index[i] = len(instrs)
        instrs.append(Instr(ins.op, tuple(where(a) for a in ins.args),
                            ins.attrs, ins.value, ins.name))
        if i in graph.shapes:
            shapes[new_index[i]] = graph.shapes[i]
    return StaticGraph(
        instrs, [where(i) for i in graph.inputs],
        [where(i) for i in graph.outputs],
        [Guard(where(g.index), g.kind, g.expected) for g in graph.guards],
        graph.signature, shapes, graph.one)


def fold_constants(graph: StaticGraph) -> StaticGraph:
    """Compute every node whose inputs are all constants once, now.

    The folded node becomes a constant; constants that only it used are
    dropped with it.
    """
    const = {i for i, ins in enumerate(graph.instrs) if ins.op == "const"}
    replace = {}
    xp = get_namespace(*[ins.value for ins in graph.instrs
                         if ins.op == "const"])
    for i, ins in enumerate(graph.instrs):
        if ins.args and all(a in const for a in ins.args):
            values = [replace[a].value if a in replace
                      else graph.instrs[a].value for a in ins.args]
            value = _KERNELS[ins.op](xp, *values, **dict(ins.attrs))
            replace[i] = Instr("const", value=value)
            const.add(i)
    used = set(graph.outputs) | {g.index for g in graph.guards}
    for i, ins in enumerate(graph.instrs):
        if i not in replace:
            used.update(ins.args)
    keep = [i for i in range(len(graph.instrs))
            if i not in const or i in used]
    return _rebuild(graph, keep, replace=replace)


def _const_key(value: Any) -> tuple:
    if isinstance(value, (int, float)):
        return ("number", float(value))
    if getattr(value, "ndim", None) == 0:
        return ("number", float(value), str(value.dtype))
    return ("array", id(value))


_COMMUTATIVE = ("add", "mul")


def eliminate_common_subexpressions(graph: StaticGraph) -> StaticGraph:
    """Compute each distinct expression once.

    Two nodes with the same operation, settings and (already merged)
    arguments are one; equal scalar constants are one; ``a + b`` and
    ``b + a`` (and products) are one.
    """
    seen, alias, keep = {}, {}, []
    for i, ins in enumerate(graph.instrs):
        args = tuple(alias.get(a, a) for a in ins.args)
        if ins.op == "input":
            keep.append(i)
            continue
        if ins.op == "const":
            key = ("const",) + _const_key(ins.value)
        else:
            key = (ins.op, tuple(sorted(args)) if ins.op in _COMMUTATIVE
                   else args, ins.attrs)
        if key in seen:
            alias[i] = seen[key]
        else:
            seen[key] = i
            keep.append(i)
    return _rebuild(graph, keep, alias)


def remove_dead_nodes(graph: StaticGraph) -> StaticGraph:
    """Drop every node that no output and no guard depends on (inputs
    stay: they are the graph's signature)."""
    live = set(graph.outputs) | {g.index for g in graph.guards}
    for i in range(len(graph.instrs) - 1, -1, -1):
        if i in live:
            live.update(graph.instrs[i].args)
    live.update(graph.inputs)
    return _rebuild(graph, sorted(live))


PASSES = (
    ("constant folding", fold_constants),
    ("common subexpressions", eliminate_common_subexpressions),
    ("dead nodes", remove_dead_nodes),
)


def optimize(graph: StaticGraph) -> tuple:
    """Run the three passes in turn.

    Returns:
        ``(graph, report)`` where ``report`` lists ``(pass, nodes before,
        nodes after)`` for each pass.
    """
    report = []
    for name, step in PASSES:
        before = len(graph)
        graph = step(graph)
        report.append((name, before, len(graph)))
    return graph, report


# --- a traced function that keeps its traces --------------------------------

class StaticFunction:
    """``f`` traced on its first call and replayed after, retraced when a
    guard fails.

    Args:
        f: as for :func:`trace`.
        grad: also return the gradient of output 0 with respect to every
            input (a reverse sweep generated once, in the graph).
        optimize: run :func:`optimize` on each new trace.
        retrace: on a failed guard, trace again (``True``) or raise
            :class:`GuardError` (``False``).
        cache_size: how many traces to keep (the oldest goes first).

    Attributes:
        traces: how many times ``f`` was traced; ``retraces`` is
            ``traces - 1``; ``guard_failures`` counts graphs tried in vain.
    """

    def __init__(self, f: Callable, grad: bool = False,
                 optimize: bool = True, retrace: bool = True,
                 cache_size: int = 8) -> None:
        self.f, self.grad, self.optimize = f, grad, optimize
        self.retrace, self.cache_size = retrace, cache_size
        self.graphs: list = []
        self.traces = 0
        self.guard_failures = 0

    @property
    def retraces(self) -> int:
        """Traces after the first: what the changing paths cost."""
        return max(self.traces - 1, 0)

    def __call__(self, *arrays: Any) -> Any:
        error = None
        for graph in self.graphs:
            try:
                return self._result(graph.run(*arrays))
            except GuardError as failed:
                self.guard_failures += 1
                error = failed
        if error is not None and not self.retrace:
            raise error
        graph = trace(self.f, *arrays)
        if self.grad:
            graph = graph.with_gradient()
        if self.optimize:
            graph = optimize(graph)[0]
        self.traces += 1
        self.graphs = ([graph] + self.graphs)[:self.cache_size]
        return self._result(graph.run(*arrays))

    def _result(self, values: list) -> Any:
        if self.grad:
            return values[0], tuple(values[1:])
        return values[0] if len(values) == 1 else tuple(values)


def node_count(output: rv.Tensor) -> int:
    """How many nodes the dynamic graph behind ``output`` has."""
    return len(rv.topological_order(output, everything=True))


# --- two functions whose graphs depend on their input -----------------------

def halve_until_small(x: rv.Tensor) -> rv.Tensor:
    """Halve ``x`` until ``sum(x^2) <= 1``, then return ``sum(x)``: the loop
    count, and so the graph, depends on the input."""
    y = x
    while rv.sum(y * y) > 1.0:
        y = y * 0.5
    return rv.sum(y)


def branch_on_sign(x: rv.Tensor) -> rv.Tensor:
    """``sum(x^2)`` if ``sum(x) > 0``, else ``sum(exp(x))``: a branch."""
    if rv.sum(x) > 0.0:
        return rv.sum(x * x)
    return rv.sum(rv.exp(x))
