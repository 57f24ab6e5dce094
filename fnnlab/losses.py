"""Loss functions, the Frobenius penalty and the structural risk.

Targets and outputs are in the book's orientation, one sample per column:
``Y`` and ``Y_hat`` are ``(M_L, N)``. Every loss is the **mean** over the
``N`` samples, and each comes with its gradient right below it (with
respect to its second argument, already divided by ``N``). Each term is
divided by ``N`` before the sum, so a mean of huge losses cannot overflow.

Chapter: *Learning the parameters*.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from .activations import log_softmax, logistic, softmax
from .backend import get_namespace
from .errors import FnnlabError, ShapeError

__all__ = [
    "EPS",
    "cross_entropy",
    "cross_entropy_grad",
    "cross_entropy_from_logits",
    "cross_entropy_from_logits_grad",
    "binary_cross_entropy",
    "binary_cross_entropy_grad",
    "binary_cross_entropy_from_logits",
    "binary_cross_entropy_from_logits_grad",
    "squared_error",
    "squared_error_grad",
    "frobenius_penalty",
    "frobenius_penalty_grad",
    "Loss",
    "LOSSES",
    "DEFAULT_LOSS",
    "get_loss",
]

EPS = 1e-12
"""Probabilities are clipped to ``[EPS, 1]`` before ``log``: a predicted
probability of exactly 0 for the true class costs ``-log(EPS)`` (about
27.6) instead of infinity. The ``*_from_logits`` losses need no clipping."""


def _n(Y: Any) -> int:
    return 1 if Y.ndim < 2 else int(Y.shape[-1])


def _same_shape(Y: Any, Y_hat: Any, what: str) -> None:
    if tuple(Y.shape) != tuple(Y_hat.shape):
        raise ShapeError(
            f"Y: got shape {tuple(Y.shape)}, expected the shape of the "
            f"{what}, {tuple(Y_hat.shape)}"
        )


# --- cross-entropy: L = -y^T log y_hat ----------------------------------------

def cross_entropy(Y: Any, P: Any, eps: float = EPS) -> Any:
    """Mean cross-entropy ``-(1/N) sum_n y_n^T log p_n``.

    Args:
        Y: one-hot targets ``(C, N)`` (or ``(C,)`` for one sample).
        P: predicted probabilities, same shape; each column sums to 1.
    """
    _same_shape(Y, P, "probabilities P")
    xp = get_namespace(Y, P)
    return -xp.sum(Y * xp.log(xp.clip(P, eps, 1.0)) / _n(P))


def cross_entropy_grad(Y: Any, P: Any, eps: float = EPS) -> Any:
    """``d cross_entropy / d P = -Y / P / N``, with ``P`` clipped as above."""
    _same_shape(Y, P, "probabilities P")
    xp = get_namespace(Y, P)
    return -Y / xp.clip(P, eps, 1.0) / _n(P)


def cross_entropy_from_logits(Y: Any, Z: Any) -> Any:
    """Cross-entropy of ``softmax(Z)`` computed from the logits ``Z``.

    Stable for any finite logits: from ``[0, -1000]`` against the second
    class it gives exactly 1000.
    """
    _same_shape(Y, Z, "logits Z")
    xp = get_namespace(Y, Z)
    return -xp.sum(Y * log_softmax(Z) / _n(Z))


def cross_entropy_from_logits_grad(Y: Any, Z: Any) -> Any:
    """``d/dZ = (softmax(Z) - Y) / N``: prediction minus target, never
    the other way round."""
    _same_shape(Y, Z, "logits Z")
    return (softmax(Z) - Y) / _n(Z)


# --- binary cross-entropy, for a logistic output -----------------------------

def binary_cross_entropy(y: Any, p: Any, eps: float = EPS) -> Any:
    """Mean ``-[y log p + (1 - y) log(1 - p)]``.

    Args:
        y: targets in ``{0, 1}``, ``(1, N)`` (or ``(N,)``).
        p: ``p(y = 1 | x) = a^(L)``, same shape.
    """
    _same_shape(y, p, "probabilities p")
    xp = get_namespace(y, p)
    p = xp.clip(p, eps, 1.0 - eps)
    return -xp.sum((y * xp.log(p) + (1.0 - y) * xp.log(1.0 - p)) / _n(p))


def binary_cross_entropy_grad(y: Any, p: Any, eps: float = EPS) -> Any:
    """``d/dp = (p - y) / (p (1 - p)) / N``, with ``p`` clipped as above."""
    _same_shape(y, p, "probabilities p")
    xp = get_namespace(y, p)
    p = xp.clip(p, eps, 1.0 - eps)
    return (p - y) / (p * (1.0 - p)) / _n(p)


def _softplus(z: Any) -> Any:
    xp = get_namespace(z)
    return xp.maximum(z, 0.0) + xp.log1p(xp.exp(-xp.abs(z)))


def binary_cross_entropy_from_logits(y: Any, z: Any) -> Any:
    """Binary cross-entropy of ``logistic(z)``, from the logit ``z``.

    Uses ``softplus(z) - y z``, which never takes the log of 0.
    """
    _same_shape(y, z, "logits z")
    xp = get_namespace(y, z)
    return xp.sum((_softplus(z) - y * z) / _n(z))


def binary_cross_entropy_from_logits_grad(y: Any, z: Any) -> Any:
    """``d/dz = (logistic(z) - y) / N``."""
    _same_shape(y, z, "logits z")
    return (logistic(z) - y) / _n(z)


# --- squared error: L = 1/2 ||y - y_hat||^2 -----------------------------------

def squared_error(Y: Any, Y_hat: Any) -> Any:
    """Mean of ``1/2 ||y_n - y_hat_n||^2`` over the samples."""
    _same_shape(Y, Y_hat, "outputs Y_hat")
    xp = get_namespace(Y, Y_hat)
    d = Y_hat - Y
    return 0.5 * xp.sum(d * d / _n(Y_hat))


def squared_error_grad(Y: Any, Y_hat: Any) -> Any:
    """``d/dY_hat = (Y_hat - Y) / N``."""
    _same_shape(Y, Y_hat, "outputs Y_hat")
    return (Y_hat - Y) / _n(Y_hat)


# --- the Frobenius penalty, on weights only -----------------------------------

def frobenius_penalty(weights: list, lam: float) -> Any:
    """``lam / 2 * sum_l ||W^(l)||_F^2``; biases are not penalized.

    Args:
        weights: ``[W^(1), ..., W^(L)]``.
        lam: the regularization strength ``lambda >= 0``.
    """
    if not weights:
        return 0.0
    xp = get_namespace(*weights)
    return 0.5 * lam * sum(xp.sum(W * W) for W in weights)


def frobenius_penalty_grad(W: Any, lam: float) -> Any:
    """``d/dW (lam/2 ||W||_F^2) = lam W``; a bias's gradient is 0."""
    return lam * W


# --- the registry -------------------------------------------------------------

@dataclass(frozen=True)
class Loss:
    """A loss on outputs ``a^(L)``, with its gradient.

    ``fused`` names the output activation whose logits this loss can use
    directly (``from_logits`` and ``from_logits_grad``): softmax for
    cross-entropy, logistic for binary cross-entropy. Backpropagation then
    starts from ``delta^(L) = (a^(L) - y) / N`` without dividing by small
    probabilities.
    """

    name: str
    value: Callable[[Any, Any], Any]
    grad: Callable[[Any, Any], Any]
    fused: str | None = None
    from_logits: Callable[[Any, Any], Any] | None = None
    from_logits_grad: Callable[[Any, Any], Any] | None = None

    def __repr__(self) -> str:
        return f"Loss({self.name!r})"


LOSSES = {
    "cross_entropy": Loss(
        "cross_entropy", cross_entropy, cross_entropy_grad, "softmax",
        cross_entropy_from_logits, cross_entropy_from_logits_grad,
    ),
    "binary_cross_entropy": Loss(
        "binary_cross_entropy", binary_cross_entropy,
        binary_cross_entropy_grad, "logistic",
        binary_cross_entropy_from_logits,
        binary_cross_entropy_from_logits_grad,
    ),
    "squared_error": Loss("squared_error", squared_error, squared_error_grad),
}
"""Every loss by name: ``LOSSES[name]`` is its :class:`Loss` (the function,
its gradient and, where one exists, the output activation it pairs with)."""

DEFAULT_LOSS = {
    "softmax": "cross_entropy",
    "logistic": "binary_cross_entropy",
    "identity": "squared_error",
}
"""The loss each output layer is usually trained with."""


def get_loss(name: str | Loss | None, output: str = "softmax") -> Loss:
    """Look a loss up by name; ``None`` gives the output layer's default."""
    if isinstance(name, Loss):
        return name
    if name is None:
        if output not in DEFAULT_LOSS:
            raise FnnlabError(
                f"output: got {output!r}, expected one of "
                + ", ".join(repr(k) for k in DEFAULT_LOSS)
            )
        name = DEFAULT_LOSS[output]
    if not isinstance(name, str) or name not in LOSSES:
        raise FnnlabError(
            f"loss: got {name!r}, expected one of "
            + ", ".join(repr(k) for k in LOSSES)
        )
    return LOSSES[name]
