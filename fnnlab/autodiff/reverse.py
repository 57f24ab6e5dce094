"""Reverse mode: a computational graph of array nodes.

Every operation below makes a new :class:`Tensor` that remembers its
inputs (``parents``) and a ``backward`` closure, written right beside the
forward computation. Given ``g = dR/d(out)``, the closure adds
``dR/d(parent)`` to each parent that needs a gradient. :meth:`Tensor.backward`
orders the graph (without recursion, so a chain of any length works) and
calls the closures from the output back to the leaves. A value used on
several paths receives the sum of the contributions of every path.

Values are arrays of any backend (NumPy, CuPy, ``array_api_strict``); the
engine computes through their array-API namespace and keeps their dtype, so
a float32 graph stays float32.

**What ``backward`` does to existing gradients.** It *adds* to the ``grad``
of every leaf (a tensor made by the user, with ``requires_grad=True``), as
PyTorch does: two calls give twice the gradient, and :func:`zero_grad`
clears leaves between steps. The gradients of intermediate nodes are reset
at the start of each call, so a second call never counts a path twice.

Chapter: *Computing gradients automatically*, section "Reverse mode".
"""

from __future__ import annotations

import math
import time
from numbers import Number
from typing import Any, Iterable

import numpy as _np

from ..activations import LEAKY_SLOPE, softmax as _softmax, softmax_vjp
from ..backend import asarray, get_namespace, is_array
from ..errors import FnnlabError, ShapeError

__all__ = [
    "Tensor", "tensor", "constant", "leaf", "topological_order", "zero_grad",
    "add", "sub", "mul", "div", "neg", "power", "matmul", "transpose",
    "reshape", "sum", "mean", "exp", "log", "tanh", "logistic", "relu",
    "leaky_relu", "softmax", "cross_entropy_from_logits",
    "binary_cross_entropy_from_logits", "greater", "less",
    "compare_modes",
]

_tracer: Any = None
"""Set by :mod:`fnnlab.autodiff.static` while it traces a function: it is
told whenever a tensor's value becomes a Python bool or number."""


class Tensor:
    """A node of the graph: a value array, its gradient and how it was made.

    Args:
        value: an array of any backend, or a Python number or list (made on
            the default backend, float64 unless ``dtype`` says otherwise).
        requires_grad: whether ``backward`` computes ``dR/d(this)``.
        name: a label for drawings and listings (``"x"``, ``"W1"``).
        dtype: convert the value to ``"float32"`` or ``"float64"``.

    Attributes:
        value: the array; ``shape``, ``dtype`` and ``ndim`` are its own.
        grad: ``None`` until ``backward`` reaches this node, then an array
            of the value's shape.
        parents: the input nodes; ``op`` names the operation (``"leaf"``
            for a tensor made here, ``"const"`` for a lifted number) and
            ``attrs`` holds its settings (an axis, an exponent).
    """

    __slots__ = ("value", "grad", "parents", "op", "attrs", "name",
                 "requires_grad", "xp", "_backward")
    __array_ufunc__ = None        # ``numpy_array * tensor`` calls __rmul__

    def __init__(self, value: Any, requires_grad: bool = True,
                 name: str | None = None, dtype: Any = None) -> None:
        if isinstance(value, Tensor):
            raise FnnlabError(
                "value: got a Tensor, expected an array or a number; use "
                "tensor.detach() for a new leaf with the same value"
            )
        if is_array(value):
            value = asarray(value, dtype=dtype)
            xp = get_namespace(value)
        else:
            shape = _np.shape(value)          # a number or list, on the host
            value = asarray(value, dtype=dtype or "float64")
            xp = get_namespace(value)
            if tuple(value.shape) != shape:   # keep a number 0-d everywhere
                value = xp.reshape(value, shape)
        self.value = value
        self.xp = xp
        self.grad = None
        self.parents = ()
        self.op = "leaf"
        self.attrs = {}
        self.name = name
        self.requires_grad = bool(requires_grad)
        self._backward = None

    # --- what the value looks like -------------------------------------

    @property
    def shape(self) -> tuple:
        """The value's shape."""
        return tuple(self.value.shape)

    @property
    def dtype(self) -> Any:
        """The value's dtype."""
        return self.value.dtype

    @property
    def ndim(self) -> int:
        """The value's number of axes."""
        return self.value.ndim

    @property
    def T(self) -> "Tensor":
        """The transpose of a matrix, as a node (:func:`transpose`)."""
        return transpose(self)

    def __repr__(self) -> str:
        if self.value.ndim == 0:
            shown = f"{float(self.value):.6g}"
        else:
            shown = f"shape={self.shape}"
        dtype = str(self.value.dtype).split(".")[-1]
        return f"Tensor({shown}, dtype={dtype}, op={self.op!r})"

    # --- leaving the graph: Python numbers ------------------------------

    def item(self) -> float:
        """The value of a one-element tensor as a Python float."""
        return float(self)

    def __float__(self) -> float:
        result = float(self.value)
        if _tracer is not None:
            _tracer.observe(self, "float", result)
        return result

    def __int__(self) -> int:
        result = int(self.value)
        if _tracer is not None:
            _tracer.observe(self, "int", result)
        return result

    def __bool__(self) -> bool:
        result = bool(self.value)
        if _tracer is not None:
            _tracer.observe(self, "bool", result)
        return result

    def detach(self) -> "Tensor":
        """A new leaf with the same value that needs no gradient."""
        return Tensor(self.value, requires_grad=False, name=self.name)

    def zero_grad(self) -> None:
        """Forget this node's gradient (``grad`` becomes ``None``)."""
        self.grad = None

    # --- the backward pass -------------------------------------------------

    def accumulate(self, g: Any) -> None:
        """Add the contribution ``g`` of one path to ``grad``."""
        self.grad = g if self.grad is None else self.grad + g

    def backward(self, grad: Any = None) -> None:
        """Compute ``d(self)/d(leaf)`` for every leaf that needs it.

        Args:
            grad: the gradient to start from, of this tensor's shape;
                default 1 for a tensor of one element. Passing ``grad``
                for a non-scalar output gives the vector-Jacobian product
                ``grad^T J`` for each leaf.

        The gradients are *added* to the leaves' ``grad`` (see the module
        docstring); intermediate nodes start from zero on every call.
        """
        xp = self.xp
        if grad is None:
            if math.prod(self.shape) != 1:
                raise ShapeError(
                    f"grad: got None for an output of shape {self.shape}, "
                    "expected an array of that shape (or reduce the "
                    "output to one number first, e.g. with sum)"
                )
            grad = xp.ones_like(self.value)
        elif tuple(grad.shape) != self.shape:
            raise ShapeError(
                f"grad: got shape {tuple(grad.shape)}, expected "
                f"{self.shape}, the shape of the output"
            )
        if not self.requires_grad:
            raise FnnlabError(
                "backward: this tensor does not depend on any tensor with "
                "requires_grad=True, so there is nothing to differentiate"
            )
        order = topological_order(self)
        for node in order:
            if node.parents:
                node.grad = None
        self.accumulate(grad)
        for node in reversed(order):
            if node._backward is not None and node.grad is not None:
                node._backward(node.grad)

    # --- operators call the functions below ----------------------------

    def __add__(self, other): return add(self, other)
    def __radd__(self, other): return add(other, self)
    def __sub__(self, other): return sub(self, other)
    def __rsub__(self, other): return sub(other, self)
    def __mul__(self, other): return mul(self, other)
    def __rmul__(self, other): return mul(other, self)
    def __truediv__(self, other): return div(self, other)
    def __rtruediv__(self, other): return div(other, self)
    def __neg__(self): return neg(self)
    def __pow__(self, other): return power(self, other)
    def __rpow__(self, other): return power(other, self)
    def __matmul__(self, other): return matmul(self, other)
    def __rmatmul__(self, other): return matmul(other, self)
    def __gt__(self, other): return greater(self, other)
    def __lt__(self, other): return less(self, other)

    # the same operations as methods, so that calls can be chained
    def sum(self, axis=None, keepdims=False): return sum(self, axis, keepdims)
    def mean(self, axis=None, keepdims=False):
        return mean(self, axis, keepdims)
    def reshape(self, shape): return reshape(self, shape)
    def exp(self): return exp(self)
    def log(self): return log(self)
    def tanh(self): return tanh(self)
    def logistic(self): return logistic(self)
    def relu(self): return relu(self)

    __hash__ = object.__hash__


def tensor(value: Any, name: str | None = None, dtype: Any = None) -> Tensor:
    """A leaf that needs a gradient (a parameter or an input to study)."""
    return Tensor(value, requires_grad=True, name=name, dtype=dtype)


def constant(value: Any, name: str | None = None, dtype: Any = None) -> Tensor:
    """A leaf that needs no gradient (data, targets)."""
    return Tensor(value, requires_grad=False, name=name, dtype=dtype)


def zero_grad(tensors: Iterable[Tensor]) -> None:
    """Clear the gradients of ``tensors`` (e.g. every parameter)."""
    for t in tensors:
        t.grad = None


def topological_order(root: Tensor, everything: bool = False) -> list:
    """Every node ``root`` depends on, each after all of its parents.

    A depth-first search with an explicit stack instead of recursion, so
    graphs deeper than Python's recursion limit are fine (case C12). By
    default only nodes that need a gradient are listed; ``everything``
    lists constants too (for drawings and tracing).
    """
    order, seen = [], set()
    stack = [(root, False)]
    while stack:
        node, parents_done = stack.pop()
        if parents_done:
            order.append(node)
            continue
        if id(node) in seen:
            continue
        seen.add(id(node))
        stack.append((node, True))
        for p in reversed(node.parents):     # first parent comes out first
            if id(p) not in seen and (everything or p.requires_grad):
                stack.append((p, False))
    return order


# --- building blocks -----------------------------------------------------

def _node(value: Any, parents: tuple, op: str, xp: Any,
          attrs: dict | None = None) -> Tensor:
    """A new interior node (no checks: the op made ``value`` itself)."""
    out = object.__new__(Tensor)
    out.value = value
    out.xp = xp
    out.grad = None
    out.parents = parents
    out.op = op
    out.attrs = attrs if attrs is not None else {}
    out.name = None
    needed = False
    for p in parents:
        needed = needed or p.requires_grad
    out.requires_grad = needed
    out._backward = None
    return out


def leaf(value: Any, xp: Any, name: str | None = None,
         requires_grad: bool = True) -> Tensor:
    """A leaf around an array of namespace ``xp``, without checks (for
    inner loops: :func:`fnnlab.autodiff.nn.parameters` wraps a network's
    arrays with it)."""
    out = _node(value, (), "leaf", xp)
    out.name = name
    out.requires_grad = requires_grad
    return out


def _lift(x: Any, like: Tensor) -> Tensor:
    """``x`` as a Tensor; a Python number becomes a constant of ``like``'s
    dtype and device (so it never widens float32 to float64)."""
    if isinstance(x, Tensor):
        return x
    if isinstance(x, Number):
        v = like.xp.asarray(x, dtype=like.value.dtype,
                            device=like.value.device)
        out = _node(v, (), "const", like.xp)
        out.name = f"{x:g}"
        return out
    if is_array(x):
        return leaf(x, like.xp, requires_grad=False)
    return Tensor(x, requires_grad=False)


def _pair(a: Any, b: Any) -> tuple:
    if isinstance(a, Tensor):
        return a, _lift(b, a)
    if isinstance(b, Tensor):
        return _lift(a, b), b
    raise FnnlabError("a, b: got no Tensor, expected at least one")


def _sum_to(g: Any, shape: tuple, xp: Any) -> Any:
    """Sum a broadcast gradient ``g`` back to an input's ``shape``."""
    if tuple(g.shape) == shape:
        return g
    lead = g.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(
        lead + i for i, n in enumerate(shape)
        if n == 1 and g.shape[lead + i] != 1
    )
    return xp.reshape(xp.sum(g, axis=axes, keepdims=True), shape)


# --- arithmetic with broadcasting -----------------------------------------

def add(a: Any, b: Any) -> Tensor:
    """``a + b`` with broadcasting; each gradient is summed to its input's
    shape."""
    a, b = _pair(a, b)
    out = _node(a.value + b.value, (a, b), "add", a.xp)

    def backward(g):
        if a.requires_grad:
            a.accumulate(_sum_to(g, a.shape, a.xp))
        if b.requires_grad:
            b.accumulate(_sum_to(g, b.shape, a.xp))
    out._backward = backward
    return out


def sub(a: Any, b: Any) -> Tensor:
    """``a - b`` with broadcasting."""
    a, b = _pair(a, b)
    out = _node(a.value - b.value, (a, b), "sub", a.xp)

    def backward(g):
        if a.requires_grad:
            a.accumulate(_sum_to(g, a.shape, a.xp))
        if b.requires_grad:
            b.accumulate(_sum_to(-g, b.shape, a.xp))
    out._backward = backward
    return out


def mul(a: Any, b: Any) -> Tensor:
    """``a * b`` elementwise, with broadcasting."""
    a, b = _pair(a, b)
    out = _node(a.value * b.value, (a, b), "mul", a.xp)

    def backward(g):
        if a.requires_grad:
            a.accumulate(_sum_to(g * b.value, a.shape, a.xp))
        if b.requires_grad:
            b.accumulate(_sum_to(g * a.value, b.shape, a.xp))
    out._backward = backward
    return out


def div(a: Any, b: Any) -> Tensor:
    """``a / b`` elementwise, with broadcasting."""
    a, b = _pair(a, b)
    out = _node(a.value / b.value, (a, b), "div", a.xp)

    def backward(g):
        if a.requires_grad:
            a.accumulate(_sum_to(g / b.value, a.shape, a.xp))
        if b.requires_grad:
            b.accumulate(_sum_to(-g * out.value / b.value, b.shape, a.xp))
    out._backward = backward
    return out


def neg(a: Tensor) -> Tensor:
    """``-a``."""
    out = _node(-a.value, (a,), "neg", a.xp)

    def backward(g):
        a.accumulate(-g)
    out._backward = backward
    return out


def power(a: Any, b: Any) -> Tensor:
    """``a ** b``.

    With a Python number ``b`` (op ``"pow_const"``) the derivative is
    ``b a^(b-1)`` for any real ``a``: ``d/da a**3`` at ``-2`` is 12.
    With a tensor exponent (op ``"pow"``), ``d/db = a^b log a`` exists only
    for ``a > 0``; it is 0 where ``a == 0`` and NaN, without a warning,
    where ``a < 0`` (case C13), since there ``a^b`` is real only at integer
    ``b`` and cannot be differentiated in ``b``.
    """
    if isinstance(a, Tensor) and isinstance(b, Number):
        p = float(b)
        out = _node(a.value ** p, (a,), "pow_const", a.xp, {"exponent": p})

        def backward_const(g):
            a.accumulate(g * (p * a.value ** (p - 1.0)))
        out._backward = backward_const
        return out
    a, b = _pair(a, b)
    xp = a.xp
    out = _node(a.value ** b.value, (a, b), "pow", xp)

    def backward(g):
        if a.requires_grad:
            da = g * b.value * a.value ** (b.value - 1.0)
            a.accumulate(_sum_to(da, a.shape, xp))
        if b.requires_grad:
            positive = a.value > 0
            safe = xp.where(positive, a.value, 1.0)
            nan = xp.full_like(a.value, math.nan)
            outside = xp.where(a.value == 0, 0.0, nan)
            db = xp.where(positive, out.value * xp.log(safe), outside)
            b.accumulate(_sum_to(g * db, b.shape, xp))
    out._backward = backward
    return out


# --- matrices ---------------------------------------------------------------

def matmul(a: Any, b: Any) -> Tensor:
    """``a @ b`` of two matrices ``(m, k) @ (k, n) -> (m, n)``.

    Backward: ``dR/da = g b^T`` and ``dR/db = a^T g``; a product whose
    operand needs no gradient (the input data) is skipped.
    """
    a, b = _pair(a, b)
    if a.ndim != 2 or b.ndim != 2:
        raise ShapeError(
            f"matmul: got shapes {a.shape} and {b.shape}, expected two "
            "matrices (2-D); reshape a vector to (n, 1) first"
        )
    out = _node(a.value @ b.value, (a, b), "matmul", a.xp)

    def backward(g):
        if a.requires_grad:
            a.accumulate(g @ b.value.T)
        if b.requires_grad:
            b.accumulate(a.value.T @ g)
    out._backward = backward
    return out


def transpose(a: Tensor) -> Tensor:
    """``a^T`` of a matrix."""
    if a.ndim != 2:
        raise ShapeError(f"transpose: got shape {a.shape}, expected 2-D")
    out = _node(a.value.T, (a,), "transpose", a.xp)

    def backward(g):
        a.accumulate(g.T)
    out._backward = backward
    return out


def reshape(a: Tensor, shape: tuple) -> Tensor:
    """The same numbers in a new ``shape`` (``b.reshape((M, 1))`` makes a
    bias a column)."""
    shape = tuple(shape)
    out = _node(a.xp.reshape(a.value, shape), (a,), "reshape", a.xp,
                {"shape": shape})

    def backward(g):
        a.accumulate(a.xp.reshape(g, a.shape))
    out._backward = backward
    return out


def _axes(axis: Any, ndim: int) -> tuple:
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    for ax in axes:
        if not -ndim <= ax < max(ndim, 1):
            raise ShapeError(
                f"axis: got {axis!r}, expected axes of a {ndim}-D array"
            )
    return tuple(sorted(ax % ndim for ax in axes)) if ndim else ()


def _spread(g: Any, a: Tensor, axes: tuple, keepdims: bool) -> Any:
    """Broadcast the gradient of a reduction back over the reduced axes."""
    xp = a.xp
    if not keepdims:
        kept = tuple(1 if i in axes else n for i, n in enumerate(a.shape))
        g = xp.reshape(g, kept)
    return xp.broadcast_to(g, a.shape)


def sum(a: Tensor, axis: Any = None, keepdims: bool = False) -> Tensor:
    """Sum over ``axis`` (``None``: every axis); each input gets ``g``."""
    axes = _axes(axis, a.ndim)
    out = _node(a.xp.sum(a.value, axis=axes, keepdims=keepdims), (a,),
                "sum", a.xp, {"axis": axes, "keepdims": keepdims})

    def backward(g):
        a.accumulate(_spread(g, a, axes, keepdims))
    out._backward = backward
    return out


def mean(a: Tensor, axis: Any = None, keepdims: bool = False) -> Tensor:
    """Mean over ``axis``; each input gets ``g / (count averaged)``."""
    axes = _axes(axis, a.ndim)
    count = math.prod(a.shape[i] for i in axes)
    out = _node(a.xp.mean(a.value, axis=axes, keepdims=keepdims), (a,),
                "mean", a.xp, {"axis": axes, "keepdims": keepdims})

    def backward(g):
        a.accumulate(_spread(g / count, a, axes, keepdims))
    out._backward = backward
    return out


# --- elementwise functions --------------------------------------------------

def exp(a: Tensor) -> Tensor:
    """``exp(a)``; backward ``g * exp(a)``, reusing the output."""
    out = _node(a.xp.exp(a.value), (a,), "exp", a.xp)

    def backward(g):
        a.accumulate(g * out.value)
    out._backward = backward
    return out


def log(a: Tensor) -> Tensor:
    """``log(a)``; backward ``g / a``."""
    out = _node(a.xp.log(a.value), (a,), "log", a.xp)

    def backward(g):
        a.accumulate(g / a.value)
    out._backward = backward
    return out


def tanh(a: Tensor) -> Tensor:
    """``tanh(a)``; backward ``g (1 - tanh(a)^2)``."""
    out = _node(a.xp.tanh(a.value), (a,), "tanh", a.xp)

    def backward(g):
        a.accumulate(g * (1.0 - out.value * out.value))
    out._backward = backward
    return out


def logistic(a: Tensor) -> Tensor:
    """``1 / (1 + exp(-a))``, stable; backward ``g s (1 - s)``."""
    out = _node(_stable_logistic(a.value, a.xp), (a,), "logistic", a.xp)

    def backward(g):
        s = out.value
        a.accumulate(g * (s * (1.0 - s)))
    out._backward = backward
    return out


def _stable_logistic(z: Any, xp: Any) -> Any:
    """``1 / (1 + exp(-z))`` evaluating only ``exp(-|z|)`` (no overflow)."""
    e = xp.exp(-xp.abs(z))
    return xp.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def relu(a: Tensor) -> Tensor:
    """``max(a, 0)``; backward passes ``g`` where ``a > 0`` (0 at the kink)."""
    xp = a.xp
    out = _node(xp.maximum(a.value, 0.0), (a,), "relu", xp)

    def backward(g):
        a.accumulate(xp.where(a.value > 0, g, 0.0))
    out._backward = backward
    return out


def leaky_relu(a: Tensor, slope: float = LEAKY_SLOPE) -> Tensor:
    """``a`` where ``a > 0``, else ``slope * a``; the same for ``g``."""
    xp = a.xp
    positive = a.value > 0
    out = _node(xp.where(positive, a.value, slope * a.value), (a,),
                "leaky_relu", xp, {"slope": slope})

    def backward(g):
        a.accumulate(xp.where(positive, g, slope * g))
    out._backward = backward
    return out


def softmax(Z: Tensor, axis: int = 0) -> Tensor:
    """Softmax over ``axis`` (0: classes are rows); backward by the
    Jacobian-vector product ``s * (g - sum(s g))``."""
    out = _node(_softmax(Z.value, axis=axis), (Z,), "softmax", Z.xp,
                {"axis": axis})

    def backward(g):
        Z.accumulate(softmax_vjp(out.value, g, axis=axis))
    out._backward = backward
    return out


# --- fused losses (mean over the N columns) ----------------------------------

def _target(Y: Any, Z: Tensor) -> Tensor:
    Y = _lift(Y, Z)
    if Y.shape != Z.shape:
        raise ShapeError(
            f"Y: got shape {Y.shape}, expected the shape of the logits, "
            f"{Z.shape}"
        )
    return Y


def cross_entropy_from_logits(Y: Any, Z: Tensor) -> Tensor:
    """Mean cross-entropy of ``softmax(Z)`` against one-hot ``Y``.

    Args:
        Y: targets ``(C, N)``, usually a constant (an array).
        Z: logits ``(C, N)``, classes as rows, one sample per column.

    The forward pass subtracts each column's largest logit before ``exp``
    and keeps ``log_softmax`` and ``exp``; the backward pass is one step,
    ``dR/dZ = (softmax(Z) - Y) / N``, the fused output delta of
    backpropagation (and ``dR/dY = -log_softmax(Z) / N``). Logits of one
    column more than the largest float apart (about 1e308 in float64)
    overflow to a NaN loss; :func:`fnnlab.activations.log_softmax` guards
    even that.
    """
    xp = Z.xp
    Y = _target(Y, Z)
    N = 1 if Z.ndim < 2 else Z.shape[1]
    shifted = Z.value - xp.max(Z.value, axis=0, keepdims=True)
    e = xp.exp(shifted)
    total = xp.sum(e, axis=0, keepdims=True)
    logp = shifted - xp.log(total)
    out = _node(-xp.sum(Y.value * logp) / N, (Z, Y), "cross_entropy", xp)

    def backward(g):
        if Z.requires_grad:
            Z.accumulate(g * ((e / total - Y.value) / N))
        if Y.requires_grad:
            Y.accumulate(g * (-logp / N))
    out._backward = backward
    return out


def binary_cross_entropy_from_logits(y: Any, z: Tensor) -> Tensor:
    """Mean binary cross-entropy of ``logistic(z)`` against ``y`` in
    ``{0, 1}``, both ``(1, N)``: ``softplus(z) - y z``, which never takes
    the log of 0; backward ``(logistic(z) - y) / N`` (and ``-z / N``)."""
    xp = z.xp
    y = _target(y, z)
    N = 1 if z.ndim < 2 else z.shape[1]
    zv = z.value
    softplus = xp.maximum(zv, 0.0) + xp.log1p(xp.exp(-xp.abs(zv)))
    out = _node(xp.sum(softplus - y.value * zv) / N, (z, y),
                "binary_cross_entropy", xp)

    def backward(g):
        if z.requires_grad:
            z.accumulate(g * ((_stable_logistic(zv, xp) - y.value) / N))
        if y.requires_grad:
            y.accumulate(g * (-zv / N))
    out._backward = backward
    return out


# --- comparisons: no gradient, but a static graph needs to see them ----------

def greater(a: Any, b: Any) -> Tensor:
    """``a > b`` as a boolean tensor without gradient (for branches)."""
    a, b = _pair(a, b)
    out = _node(a.value > b.value, (a, b), "greater", a.xp)
    out.requires_grad = False
    return out


def less(a: Any, b: Any) -> Tensor:
    """``a < b`` as a boolean tensor without gradient."""
    a, b = _pair(a, b)
    out = _node(a.value < b.value, (a, b), "less", a.xp)
    out.requires_grad = False
    return out


# --- forward against reverse ------------------------------------------------

def compare_modes(sizes: Iterable[int], seed: int = 0,
                  repeats: int = 3) -> list:
    """Count and time the passes that forward and reverse mode need for
    the gradient of ``f: R^N -> R``, ``f(x) = sum(c * tanh(x)) + sum(x)^2``.

    Forward mode (:func:`fnnlab.autodiff.forward.gradient`) evaluates ``f``
    on dual numbers once per input direction: ``N`` passes. Reverse mode
    evaluates ``f`` once, building the graph, and sweeps it back once.

    Both run on the host (NumPy), whatever the default backend.

    Args:
        sizes: the values of ``N`` to try.
        seed: seed of the host generator drawing ``x`` and ``c``.
        repeats: each timing is the best of this many runs.

    Returns:
        one dict per ``N``: ``N``, ``forward_passes`` and
        ``reverse_passes`` (evaluations of ``f``), ``reverse_sweeps``
        (backward passes), ``forward_seconds``, ``reverse_seconds`` and
        ``max_difference`` (largest absolute difference of the gradients).
    """
    import numpy as np

    from ..backend import use_backend
    from . import forward

    with use_backend("numpy"):
        return _compare_modes(list(sizes), seed, repeats, np, forward)


def _compare_modes(sizes, seed, repeats, np, forward) -> list:
    rows = []
    rng = np.random.default_rng(seed)
    for N in sizes:
        x, c = rng.standard_normal(N), rng.standard_normal(N)
        calls = {"forward": 0, "reverse": 0, "sweeps": 0}

        def f_dual(d):
            calls["forward"] += 1
            return (forward.tanh(d) * c).sum() + d.sum() ** 2

        def by_reverse():
            calls["reverse"] += 1
            t = Tensor(x)
            (sum(tanh(t) * c) + sum(t) ** 2).backward()
            calls["sweeps"] += 1
            return t.grad

        seconds, grads = {}, {}
        for label, run in (("forward",
                            lambda: forward.gradient(f_dual, x)),
                           ("reverse", by_reverse)):
            best = math.inf
            for _ in range(repeats):
                start = time.perf_counter()
                grads[label] = run()
                best = min(best, time.perf_counter() - start)
            seconds[label] = best
        rows.append({
            "N": N,
            "forward_passes": calls["forward"] // repeats,
            "reverse_passes": calls["reverse"] // repeats,
            "reverse_sweeps": calls["sweeps"] // repeats,
            "forward_seconds": seconds["forward"],
            "reverse_seconds": seconds["reverse"],
            "max_difference": float(np.max(np.abs(
                np.asarray(grads["forward"]) - grads["reverse"]))),
        })
    return rows
