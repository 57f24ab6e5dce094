"""Forward-mode automatic differentiation with dual numbers.

A dual number ``v + t eps`` (with ``eps^2 = 0``) carries a value ``v`` and
a tangent ``t = dv/dx`` for one chosen input direction. Every elementary
operation maps the value as usual and the tangent by the chain rule, so
one evaluation of a program on dual numbers gives its value and its
directional derivative together: a function from ``R^N`` to ``R`` needs
``N`` such passes for its gradient, one per input.

* :class:`Dual` holds two Python floats (a scalar);
* :class:`DualArray` holds two arrays of one shape, on any backend, and
  computes through their array-API namespace;
* :func:`exp`, :func:`log`, :func:`sin`, :func:`cos`, :func:`tanh` and
  :func:`logistic` accept duals, Python numbers and arrays alike.

Each operation states its value and its tangent side by side.

Known limits, by design: ``Dual`` follows Python float arithmetic, so a
division by a zero value raises ``ZeroDivisionError``; ``log`` of a
nonpositive ``Dual`` raises :class:`~fnnlab.errors.FnnlabError`; an
overflowing ``exp`` gives ``inf``. A power whose result is not real
(negative base, fractional exponent) has the value NaN. The derivative of
``a ** b`` with respect to the exponent needs ``log a``: it is NaN for
``a < 0`` (and 0 for ``a == 0``, ``b > 0``), and only where the exponent
actually varies, so ``d/da`` stays exact (case C13:
``(-2) ** (-3) = -0.125`` with ``d/da = -0.1875``). For division by zero
and ``log`` of nonpositive entries ``DualArray`` follows its backend
(NumPy gives ``inf`` or NaN with a warning).

Chapter: *Computing gradients automatically*, "Forward mode".
"""

from __future__ import annotations

import math
from numbers import Real
from typing import Any, Callable

import numpy as np

from ..activations import logistic as _logistic_array
from ..backend import get_namespace, is_array
from ..errors import FnnlabError, ShapeError

__all__ = [
    "Dual",
    "DualArray",
    "exp",
    "log",
    "sin",
    "cos",
    "tanh",
    "logistic",
    "derivative",
    "partials",
    "jvp",
    "gradient",
]


def _is_number(x: Any) -> bool:
    return isinstance(x, Real) and not isinstance(x, bool)


# --- real functions of Python floats that never crash -----------------------

def _real_pow(a: float, c: float) -> float:
    """``a ** c`` as a float: ``inf`` on overflow or ``0 ** negative``,
    NaN where the result is not real."""
    try:
        r = float(a) ** c
    except ZeroDivisionError:
        return math.inf
    except OverflowError:
        return math.inf
    if isinstance(r, complex):
        return math.nan
    return float(r)


def _safe_exp(v: float) -> float:
    try:
        return math.exp(v)
    except OverflowError:
        return math.inf


def _scalar_logistic(v: float) -> float:
    e = math.exp(-abs(v))                 # never overflows
    return 1.0 / (1.0 + e) if v >= 0 else e / (1.0 + e)


def _scalar_log(v: float) -> float:
    if v <= 0:
        raise FnnlabError(
            f"log: got a value of {v!r}, expected a positive number"
        )
    return math.log(v)


class _ScalarLib:
    """The elementary functions on Python floats, with the names of the
    array API."""

    exp = staticmethod(_safe_exp)
    log = staticmethod(_scalar_log)
    sin = staticmethod(math.sin)
    cos = staticmethod(math.cos)
    tanh = staticmethod(math.tanh)
    logistic = staticmethod(_scalar_logistic)


# --- the shared arithmetic of both kinds of dual ----------------------------

class _DualBase:
    """Arithmetic shared by :class:`Dual` and :class:`DualArray`.

    Subclasses say how to split an operand into ``(value, tangent)``
    (``tangent`` is ``None`` for a constant), how to build a result, and
    which library computes powers and logarithms.
    """

    __slots__ = ("value", "tangent")
    __array_ufunc__ = None                # NumPy defers to our operators

    # --- hooks for the subclasses ---
    def _split(self, other: Any) -> Any:
        raise NotImplementedError

    def _make(self, value: Any, tangent: Any) -> Any:
        raise NotImplementedError

    def _pow_parts(self, a: Any, b: Any) -> tuple:
        """``(a ** b, b * a ** (b - 1))`` for a constant ``b``."""
        raise NotImplementedError

    def _exponent_term(self, value: Any, a: Any, b: Any, tb: Any) -> Any:
        """``a ** b * log(a) * tb``, the exponent's share of the tangent:
        0 where ``tb == 0``, 0 where ``a == 0 < b``, NaN where ``a < 0``."""
        raise NotImplementedError

    # --- add and subtract: tangents add ---
    def __add__(self, other: Any) -> Any:
        parts = self._split(other)
        if parts is None:
            return NotImplemented
        v, t = parts
        return self._make(self.value + v,
                          self.tangent if t is None else self.tangent + t)

    __radd__ = __add__

    def __sub__(self, other: Any) -> Any:
        parts = self._split(other)
        if parts is None:
            return NotImplemented
        v, t = parts
        return self._make(self.value - v,
                          self.tangent if t is None else self.tangent - t)

    def __rsub__(self, other: Any) -> Any:
        parts = self._split(other)
        if parts is None:
            return NotImplemented
        v, t = parts
        return self._make(v - self.value,
                          -self.tangent if t is None else t - self.tangent)

    def __neg__(self) -> Any:
        return self._make(-self.value, -self.tangent)

    # --- multiply: (uv)' = u'v + uv' ---
    def __mul__(self, other: Any) -> Any:
        parts = self._split(other)
        if parts is None:
            return NotImplemented
        v, t = parts
        tangent = self.tangent * v
        if t is not None:
            tangent = tangent + self.value * t
        return self._make(self.value * v, tangent)

    __rmul__ = __mul__

    # --- divide: (u/v)' = (u' - (u/v) v') / v ---
    def __truediv__(self, other: Any) -> Any:
        parts = self._split(other)
        if parts is None:
            return NotImplemented
        v, t = parts
        q = self.value / v
        if t is None:
            return self._make(q, self.tangent / v)
        return self._make(q, (self.tangent - q * t) / v)

    def __rtruediv__(self, other: Any) -> Any:
        parts = self._split(other)
        if parts is None:
            return NotImplemented
        v, t = parts
        q = v / self.value
        tangent = -q * self.tangent
        if t is not None:
            tangent = tangent + t
        return self._make(q, tangent / self.value)

    # --- power: d(a^b) = b a^(b-1) da + a^b log(a) db ---
    def __pow__(self, other: Any) -> Any:
        parts = self._split(other)
        if parts is None:
            return NotImplemented
        b, tb = parts
        value, slope = self._pow_parts(self.value, b)
        tangent = slope * self.tangent
        if tb is not None:
            tangent = tangent + self._exponent_term(value, self.value, b, tb)
        return self._make(value, tangent)

    def __rpow__(self, other: Any) -> Any:
        parts = self._split(other)
        if parts is None:
            return NotImplemented
        a, ta = parts
        value, slope = self._pow_parts(a, self.value)
        tangent = self._exponent_term(value, a, self.value, self.tangent)
        if ta is not None:
            tangent = tangent + slope * ta
        return self._make(value, tangent)

    # --- comparisons look at values only (for Python control flow) ---
    def __lt__(self, other: Any) -> Any:
        return self.value < _value_of(other)

    def __le__(self, other: Any) -> Any:
        return self.value <= _value_of(other)

    def __gt__(self, other: Any) -> Any:
        return self.value > _value_of(other)

    def __ge__(self, other: Any) -> Any:
        return self.value >= _value_of(other)


def _value_of(x: Any) -> Any:
    return x.value if isinstance(x, _DualBase) else x


# --- scalar duals -----------------------------------------------------------

class Dual(_DualBase):
    """A scalar dual number ``value + tangent * eps``.

    Args:
        value: the value, a real number.
        tangent: its derivative along the chosen direction (default 0: a
            constant).

    >>> x = Dual(2.0, 1.0)
    >>> 1 / x
    Dual(value=0.5, tangent=-0.25)
    """

    __slots__ = ()

    def __init__(self, value: float, tangent: float = 0.0) -> None:
        for name, v in (("value", value), ("tangent", tangent)):
            if not _is_number(v):
                raise FnnlabError(
                    f"{name}: got {type(v).__name__}, expected a real number"
                )
        self.value = float(value)
        self.tangent = float(tangent)

    def _split(self, other: Any) -> Any:
        if isinstance(other, Dual):
            return other.value, other.tangent
        if _is_number(other):
            return float(other), None
        return None                       # e.g. a DualArray: let it handle

    def _make(self, value: float, tangent: float) -> "Dual":
        return Dual(value, tangent)

    def _pow_parts(self, a: float, b: float) -> tuple:
        value = _real_pow(a, b)
        slope = 0.0 if b == 0 else b * _real_pow(a, b - 1.0)
        return value, slope

    def _exponent_term(self, value: float, a: float, b: float,
                       tb: float) -> float:
        if tb == 0:
            return 0.0
        if a > 0:
            return value * math.log(a) * tb
        return 0.0 if a == 0 and b > 0 else math.nan

    def __repr__(self) -> str:
        return f"Dual(value={self.value!r}, tangent={self.tangent!r})"


# --- array duals ------------------------------------------------------------

class DualArray(_DualBase):
    """A dual number per entry: a value array and a tangent array of the
    same shape and backend.

    Arithmetic broadcasts like the arrays themselves and accepts Python
    numbers, constant arrays of the same backend, and scalar :class:`Dual`
    numbers. ``@`` (matrix product), :meth:`sum`, ``.T`` and indexing are
    there too, so an FNN's forward pass runs on it unchanged.

    A constant array on the *left* of an operator (``W @ a`` with ``W`` an
    array and ``a`` a DualArray) works with NumPy, which hands the
    operation over; ``array_api_strict`` raises ``TypeError`` instead.
    Wrap such a constant as ``DualArray(W)`` (tangent zero).

    Args:
        value: an array of any backend.
        tangent: an array of the same shape and backend (default: zeros).
    """

    __slots__ = ()

    def __init__(self, value: Any, tangent: Any = None) -> None:
        value, tangent = _as_0d(value), _as_0d(tangent)
        if not is_array(value):
            raise FnnlabError(
                f"value: got {type(value).__name__}, expected an array"
            )
        xp = get_namespace(value)
        if tangent is None:
            tangent = xp.zeros_like(value)
        else:
            get_namespace(value, tangent)     # same backend, or it raises
            if tuple(tangent.shape) != tuple(value.shape):
                raise ShapeError(
                    f"tangent: got shape {tuple(tangent.shape)}, expected "
                    f"the shape of value, {tuple(value.shape)}"
                )
        self.value = value
        self.tangent = tangent

    @property
    def xp(self) -> Any:
        """The array namespace of the value."""
        return get_namespace(self.value)

    @property
    def shape(self) -> tuple:
        return tuple(self.value.shape)

    def _split(self, other: Any) -> Any:
        if isinstance(other, (DualArray, Dual)):
            return other.value, other.tangent
        if _is_number(other) or is_array(other):
            return other, None
        return None

    def _make(self, value: Any, tangent: Any) -> "DualArray":
        value, tangent = _as_0d(value), _as_0d(tangent)
        xp = get_namespace(value)
        if not is_array(tangent):
            tangent = xp.full_like(value, tangent)
        elif tuple(tangent.shape) != tuple(value.shape):
            tangent = xp.broadcast_to(tangent, value.shape)
        return DualArray(value, tangent)

    def _pow_parts(self, a: Any, b: Any) -> tuple:
        value = _as_0d(a ** b)      # NumPy scalars become 0-d arrays
        if _is_number(b) and b == 0:
            return value, 0.0
        return value, _as_0d(b * a ** (b - 1.0))

    def _exponent_term(self, value: Any, a: Any, b: Any, tb: Any) -> Any:
        value, a, b, tb = _as_0d(value), _as_0d(a), _as_0d(b), _as_0d(tb)
        xp = get_namespace(value)
        a = a if is_array(a) else xp.full_like(value, a)
        b = b if is_array(b) else xp.full_like(value, b)
        positive = a > 0
        log_a = xp.log(xp.where(positive, a, xp.ones_like(a)))
        zero_ok = (a == 0) & (b > 0)
        slope = xp.where(
            positive, value * log_a,
            xp.where(zero_ok, xp.zeros_like(value),
                     xp.full_like(value, math.nan)),
        )
        return xp.where(tb == 0, xp.zeros_like(slope), slope * tb)

    # --- matrix product: d(AB) = dA B + A dB ---
    def __matmul__(self, other: Any) -> Any:
        parts = self._split(other)
        if parts is None:
            return NotImplemented
        v, t = parts
        tangent = self.tangent @ v
        if t is not None:
            tangent = tangent + self.value @ t
        return DualArray(self.value @ v, tangent)

    def __rmatmul__(self, other: Any) -> Any:
        if not is_array(other):           # a dual on the left: __matmul__
            return NotImplemented
        return DualArray(other @ self.value, other @ self.tangent)

    # --- shape operations act on value and tangent alike ---
    def sum(self, axis: Any = None, keepdims: bool = False) -> "DualArray":
        """Sum over ``axis``, like ``xp.sum``; the tangent is summed too."""
        xp = self.xp
        return DualArray(xp.sum(self.value, axis=axis, keepdims=keepdims),
                         xp.sum(self.tangent, axis=axis, keepdims=keepdims))

    @property
    def T(self) -> "DualArray":
        return DualArray(self.value.T, self.tangent.T)

    def __getitem__(self, key: Any) -> "DualArray":
        return DualArray(self.value[key], self.tangent[key])

    def __repr__(self) -> str:
        from ..backend import backend_of

        return (f"DualArray(shape={self.shape}, dtype={self.value.dtype}, "
                f"backend={backend_of(self.value).name!r})")


def _as_0d(x: Any) -> Any:
    """NumPy reduces to scalars (``numpy.float64``); make them 0-d arrays,
    as every other array-API library returns."""
    if isinstance(x, np.generic):
        return np.asarray(x)
    return x


# --- elementary functions: value and tangent side by side -------------------

def _apply(x: Any, f_and_df: Callable) -> Any:
    """Apply an elementary function given as ``(lib, v) -> (f(v), f'(v))``
    to a dual, an array or a number."""
    if isinstance(x, Dual):
        value, slope = f_and_df(_ScalarLib, x.value)
        return Dual(value, slope * x.tangent)
    if isinstance(x, DualArray):
        value, slope = f_and_df(_ArrayLib(x.value), x.value)
        return DualArray(value, slope * x.tangent)
    if is_array(x):
        return f_and_df(_ArrayLib(x), x)[0]
    if _is_number(x):
        return f_and_df(_ScalarLib, float(x))[0]
    raise FnnlabError(
        f"x: got {type(x).__name__}, expected a Dual, DualArray, array or "
        "real number"
    )


class _ArrayLib:
    """The elementary functions of one array's namespace."""

    def __init__(self, x: Any) -> None:
        xp = get_namespace(x)
        self.exp, self.log, self.sin = xp.exp, xp.log, xp.sin
        self.cos, self.tanh = xp.cos, xp.tanh
        self.logistic = _logistic_array


def exp(x: Any) -> Any:
    """``exp``; tangent ``exp(v) * t``."""
    def rule(lib: Any, v: Any) -> tuple:
        e = lib.exp(v)
        return e, e
    return _apply(x, rule)


def log(x: Any) -> Any:
    """Natural logarithm; tangent ``t / v``."""
    def rule(lib: Any, v: Any) -> tuple:
        return lib.log(v), 1.0 / v
    return _apply(x, rule)


def sin(x: Any) -> Any:
    """``sin``; tangent ``cos(v) * t``."""
    def rule(lib: Any, v: Any) -> tuple:
        return lib.sin(v), lib.cos(v)
    return _apply(x, rule)


def cos(x: Any) -> Any:
    """``cos``; tangent ``-sin(v) * t``."""
    def rule(lib: Any, v: Any) -> tuple:
        return lib.cos(v), -lib.sin(v)
    return _apply(x, rule)


def tanh(x: Any) -> Any:
    """``tanh``; tangent ``(1 - tanh(v)^2) * t``."""
    def rule(lib: Any, v: Any) -> tuple:
        y = lib.tanh(v)
        return y, 1.0 - y * y
    return _apply(x, rule)


def logistic(x: Any) -> Any:
    """The logistic function ``1 / (1 + exp(-v))``, computed stably;
    tangent ``s (1 - s) * t``."""
    def rule(lib: Any, v: Any) -> tuple:
        s = lib.logistic(v)
        return s, s * (1.0 - s)
    return _apply(x, rule)


# --- derivatives from dual numbers ------------------------------------------

def derivative(f: Callable[[Any], Any], x: float) -> float:
    """``f'(x)`` of a scalar function, in one forward pass.

    >>> derivative(lambda x: 1 / x, 2.0)
    -0.25
    """
    return _tangent_of(f(Dual(x, 1.0)), "f")


def partials(f: Callable[..., Any], *args: float) -> tuple:
    """Every partial derivative of ``f(*args)`` (scalar arguments), one
    forward pass per argument: pass ``i`` seeds tangent 1 on argument ``i``
    and 0 on the others.

    >>> partials(lambda a, b: a * b, 3.0, 4.0)
    (4.0, 3.0)
    """
    out = []
    for i in range(len(args)):
        duals = [Dual(a, 1.0 if j == i else 0.0) for j, a in enumerate(args)]
        out.append(_tangent_of(f(*duals), "f"))
    return tuple(out)


def _tangent_of(y: Any, name: str) -> float:
    if isinstance(y, Dual):
        return y.tangent
    if _is_number(y):
        return 0.0                        # f ignored its argument
    raise FnnlabError(
        f"{name}: returned {type(y).__name__}, expected a Dual (a scalar "
        "function of scalars)"
    )


def jvp(f: Callable[[Any], Any], x: Any, v: Any) -> tuple:
    """The value of ``f`` at ``x`` and its directional derivative along
    ``v`` (a Jacobian-vector product), in one forward pass.

    Args:
        f: maps a :class:`DualArray` shaped like ``x`` to a DualArray.
        x: an array, any shape and backend.
        v: the direction, an array shaped like ``x`` on the same backend.

    Returns:
        ``(f(x), J_f(x) v)``, two arrays shaped like the output of ``f``.
    """
    y = f(DualArray(x, v))
    if not isinstance(y, DualArray):
        raise FnnlabError(
            f"f: returned {type(y).__name__}, expected a DualArray"
        )
    return y.value, y.tangent


def gradient(f: Callable[[Any], Any], x: Any) -> Any:
    """The gradient of ``f: R^N -> R`` by forward mode: ``N`` passes, one
    per entry of ``x`` (seeding the unit vector ``e_i``).

    Wrap ``f`` in :class:`fnnlab.numerical.CallCounter` to count the passes
    (against the one pass reverse mode needs).

    Args:
        f: maps a :class:`DualArray` shaped like ``x`` to a 0-d DualArray
            (e.g. ending with ``.sum()``).
        x: a float array, any shape and backend.

    Returns:
        an array shaped like ``x``, on its backend.
    """
    if not is_array(x):
        raise FnnlabError(
            f"x: got {type(x).__name__}, expected an array"
        )
    from array_api_compat import device

    xp = get_namespace(x)
    n = math.prod(x.shape)
    tangents = []
    for i in range(n):
        e_i = xp.reshape(
            xp.eye(1, n, k=i, dtype=x.dtype, device=device(x)), x.shape
        )
        y = f(DualArray(x, e_i))
        if not isinstance(y, DualArray) or y.shape != ():
            raise FnnlabError(
                f"f: returned {y!r}, expected a 0-d DualArray (a scalar)"
            )
        tangents.append(y.tangent)
    if n == 0:
        return xp.zeros_like(x)
    return xp.reshape(xp.stack(tangents), x.shape)
