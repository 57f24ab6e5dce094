"""Activation functions ``f_l`` and their derivatives, side by side.

Each function takes the net input ``z`` (any shape; in a network a column
per sample, ``(M_l, N)``) and returns an array of the same shape. Each is
numerically stable for every finite input: no overflow, no NaN.

Derivatives take ``z``, never the activation ``a``: backpropagation keeps
``z^(l)`` for exactly this reason (see *Backpropagation*, "what the forward
pass must keep").

Chapters: *Feedforward networks* (the functions and their plots),
*Optimization problems* (why ``logistic'`` is at most 1/4).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from .backend import get_namespace
from .errors import FnnlabError, ShapeError

__all__ = [
    "identity",
    "identity_derivative",
    "logistic",
    "logistic_derivative",
    "tanh",
    "tanh_derivative",
    "relu",
    "relu_derivative",
    "leaky_relu",
    "leaky_relu_derivative",
    "softmax",
    "softmax_vjp",
    "softmax_jacobian",
    "log_softmax",
    "Activation",
    "ACTIVATIONS",
    "get_activation",
]

LEAKY_SLOPE = 0.01
"""Slope of leaky ReLU for negative inputs."""


def _xp(z: Any) -> Any:
    return get_namespace(z)


# --- identity: f(z) = z ---------------------------------------------------

def identity(z: Any) -> Any:
    """Return ``z`` unchanged (a linear output layer)."""
    return z


def identity_derivative(z: Any) -> Any:
    """Return ones shaped like ``z``."""
    return _xp(z).ones_like(z)


# --- logistic: f(z) = 1 / (1 + exp(-z)) -----------------------------------

def logistic(z: Any) -> Any:
    """The logistic function ``1 / (1 + exp(-z))``, stable for any ``z``.

    Only ``exp(-|z|)`` is ever evaluated, which cannot overflow.
    """
    xp = _xp(z)
    e = xp.exp(-xp.abs(z))
    return xp.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def logistic_derivative(z: Any) -> Any:
    """``logistic(z) * (1 - logistic(z))``; at most 0.25, reached at 0."""
    s = logistic(z)
    return s * (1.0 - s)


# --- tanh -------------------------------------------------------------------

def tanh(z: Any) -> Any:
    """The hyperbolic tangent, with values in ``(-1, 1)``."""
    return _xp(z).tanh(z)


def tanh_derivative(z: Any) -> Any:
    """``1 - tanh(z)**2``; at most 1, reached at 0."""
    t = _xp(z).tanh(z)
    return 1.0 - t * t


# --- ReLU: f(z) = max(z, 0) -------------------------------------------------

def relu(z: Any) -> Any:
    """The rectified linear unit ``max(z, 0)``."""
    return _xp(z).maximum(z, 0.0)


def relu_derivative(z: Any) -> Any:
    """1 where ``z > 0`` and 0 elsewhere.

    At the kink ``z = 0`` the derivative does not exist; fnnlab uses 0 there
    (as PyTorch and most libraries do). A central difference at 0 gives 0.5,
    which is why :func:`fnnlab.gradient_check` steps away from kinks.
    """
    xp = _xp(z)
    return xp.astype(z > 0, z.dtype)


# --- leaky ReLU -------------------------------------------------------------

def leaky_relu(z: Any, slope: float = LEAKY_SLOPE) -> Any:
    """``z`` for ``z > 0`` and ``slope * z`` otherwise."""
    return _xp(z).where(z > 0, z, slope * z)


def leaky_relu_derivative(z: Any, slope: float = LEAKY_SLOPE) -> Any:
    """1 for ``z > 0`` and ``slope`` otherwise (``slope`` at the kink)."""
    xp = _xp(z)
    positive = xp.astype(z > 0, z.dtype)
    return positive + slope * (1.0 - positive)


# --- softmax, over axis 0 (classes are rows) --------------------------------

def softmax(z: Any, axis: int = 0) -> Any:
    """Softmax over ``axis`` (default 0: each column is one sample).

    Args:
        z: logits, ``(C,)`` or ``(C, N)``.

    Returns:
        probabilities of the same shape; each column sums to 1.

    The largest logit of each column is subtracted first, so ``exp`` never
    sees a positive number and cannot overflow (see :func:`_shifted` for
    logits so far apart that even their difference would overflow).
    """
    xp = _xp(z)
    e = xp.exp(_shifted(z, axis))
    return e / xp.sum(e, axis=axis, keepdims=True)


def log_softmax(z: Any, axis: int = 0) -> Any:
    """``log(softmax(z))`` computed without forming tiny probabilities.

    ``log_softmax([0, -1000])`` is ``[0, -1000]`` exactly, where
    ``log(softmax(...))`` would give ``-inf``.
    """
    xp = _xp(z)
    shifted = _shifted(z, axis)
    return shifted - xp.log(xp.sum(xp.exp(shifted), axis=axis, keepdims=True))


def _shifted(z: Any, axis: int) -> Any:
    """``z - max(z)`` along ``axis``: every entry ``<= 0``, the largest 0.

    Logits more than the largest float apart (``[-1e308, 1e308]``) would
    overflow in the subtraction; such an entry is first raised to
    ``max(m, 0) - F`` (``F`` the largest float of the dtype, ``m`` the
    column's maximum), which changes no softmax probability (``exp`` of
    either is 0) and keeps ``log_softmax`` finite, at ``-F``.
    """
    xp = _xp(z)
    m = xp.max(z, axis=axis, keepdims=True)
    if not xp.isdtype(z.dtype, "real floating"):
        return z - m
    F = float(xp.finfo(z.dtype).max)
    low = xp.maximum(m, 0.0) - F
    return xp.maximum(z, low) - m


def softmax_vjp(s: Any, g: Any, axis: int = 0) -> Any:
    """Backward of softmax: ``J^T g`` given the output ``s = softmax(z)``.

    The Jacobian of softmax is ``diag(s) - s s^T`` (not diagonal, so softmax
    has no elementwise derivative); multiplied by an upstream gradient
    ``g`` it is ``s * (g - sum(s * g))``, column by column.
    """
    xp = _xp(s)
    return s * (g - xp.sum(s * g, axis=axis, keepdims=True))


def softmax_jacobian(z: Any) -> Any:
    """The full ``(C, C)`` Jacobian ``diag(s) - s s^T`` of one vector ``z``."""
    xp = _xp(z)
    if z.ndim != 1:
        raise ShapeError(
            f"z: got shape {tuple(z.shape)}, expected one vector of shape (C,)"
        )
    s = softmax(z)
    eye = xp.eye(s.shape[0], dtype=s.dtype, device=_device(s))
    return eye * s - s[:, None] * s[None, :]


def _device(x: Any) -> Any:
    from array_api_compat import device

    return device(x)


# --- the registry -----------------------------------------------------------

@dataclass(frozen=True)
class Activation:
    """An activation function ``f`` with its derivative ``df``.

    ``elementwise`` is False only for softmax, whose backward needs
    :func:`softmax_vjp` instead of ``df(z) * g``.
    """

    name: str
    f: Callable[[Any], Any]
    df: Callable[[Any], Any] | None
    elementwise: bool = True

    def __call__(self, z: Any) -> Any:
        return self.f(z)

    def __repr__(self) -> str:
        return f"Activation({self.name!r})"


ACTIVATIONS = {
    "identity": Activation("identity", identity, identity_derivative),
    "logistic": Activation("logistic", logistic, logistic_derivative),
    "tanh": Activation("tanh", tanh, tanh_derivative),
    "relu": Activation("relu", relu, relu_derivative),
    "leaky_relu": Activation("leaky_relu", leaky_relu, leaky_relu_derivative),
    "softmax": Activation("softmax", softmax, None, elementwise=False),
}
"""Every activation by name. ``sigmoid`` is accepted for ``logistic``."""

_ALIASES = {"sigmoid": "logistic", "linear": "identity"}

HIDDEN_ACTIVATIONS = ("logistic", "tanh", "relu", "leaky_relu", "identity")
OUTPUT_ACTIVATIONS = ("identity", "logistic", "softmax")


def get_activation(name: str | Activation, role: str = "activation") -> Activation:
    """Look an activation up by name.

    Args:
        name: a key of :data:`ACTIVATIONS` (or ``"sigmoid"``), or an
            :class:`Activation`, returned as it is.
        role: the argument name used in the error message.

    Raises:
        FnnlabError: naming the unknown value and the known ones.
    """
    if isinstance(name, Activation):
        return name
    key = _ALIASES.get(name, name) if isinstance(name, str) else None
    if key not in ACTIVATIONS:
        raise FnnlabError(
            f"{role}: got {name!r}, expected one of "
            + ", ".join(repr(k) for k in ACTIVATIONS)
        )
    return ACTIVATIONS[key]
