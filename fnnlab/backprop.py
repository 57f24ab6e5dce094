"""Backpropagation, written as the chapter derives it.

For a batch of ``N`` samples (one per column) and the mean loss, the error
term of layer ``l`` is the matrix ``delta^(l) = dR/dZ^(l)`` of shape
``(M_l, N)``; its column ``n`` is ``(1/N)`` times the source's per-sample
``delta^(l)``. From the output layer back (chapter *Backpropagation*)::

    delta^(L) = (a^(L) - y) / N              softmax + cross-entropy
    delta^(l) = f_l'(z^(l)) * (W^(l+1)^T delta^(l+1))
    dR/dW^(l) = delta^(l) a^(l-1)^T  + lambda W^(l)
    dR/db^(l) = delta^(l) summed over the batch (its columns)

The penalty ``lambda W^(l)`` is added to the weights only.
"""

from __future__ import annotations

from typing import Any

from .activations import ACTIVATIONS, softmax_vjp
from .errors import ShapeError
from .losses import Loss, frobenius_penalty, frobenius_penalty_grad, get_loss
from .network import FNN, ForwardPass
from .validation import check_columns
from .errors import check_nonnegative

__all__ = [
    "output_delta",
    "error_terms",
    "backprop",
    "loss_value",
    "structural_risk",
]


def output_delta(net: FNN, fp: ForwardPass, Y: Any, loss: Loss) -> Any:
    """``delta^(L) = dR/dz^(L)``, shape ``(M_L, N)``.

    For the matched pairs (softmax with cross-entropy, logistic with binary
    cross-entropy) this is ``(a^(L) - y) / N`` straight from the logits.
    Otherwise the loss's gradient ``dR/da^(L)`` is pulled back through the
    output activation: times ``f_L'(z^(L))`` for an elementwise one, through
    the softmax Jacobian for softmax.
    """
    output = net.activations[-1]
    z_L, a_L = fp.Z[-1], fp.A[-1]
    if loss.fused == output:
        return loss.from_logits_grad(Y, z_L)
    g = loss.grad(Y, a_L)
    act = ACTIVATIONS[output]
    if act.elementwise:
        return act.df(z_L) * g
    return softmax_vjp(a_L, g)


def error_terms(net: FNN, fp: ForwardPass, Y: Any, loss: Loss) -> list:
    """Every error term ``[delta^(1), ..., delta^(L)]``, from the top down.

    Each ``delta^(l)`` has the shape of ``z^(l)``, ``(M_l, N)``.
    """
    L = net.L
    deltas = [None] * L
    deltas[L - 1] = output_delta(net, fp, Y, loss)
    for l in range(L - 1, 0, -1):          # layer l, stored at index l - 1
        df = ACTIVATIONS[net.activations[l - 1]].df
        deltas[l - 1] = df(fp.Z[l - 1]) * (net.W[l].T @ deltas[l])
    return deltas


def _check_targets(net: FNN, A0: Any, Y: Any) -> Any:
    Y = check_columns("Y", Y, net.widths[-1], net.backend, net.dtype)
    if Y.shape[1] != A0.shape[1]:
        raise ShapeError(
            f"Y: got {Y.shape[1]} columns (samples), expected {A0.shape[1]} "
            "like A0"
        )
    return Y


def backprop(
    net: FNN, A0: Any, Y: Any, loss: str | Loss | None = None, lam: float = 0.0
) -> dict:
    """Gradients of the structural risk with respect to every parameter.

    Args:
        net: the network.
        A0: inputs, ``(M_0, N)``, one sample per column.
        Y: targets, ``(M_L, N)``: one-hot columns for softmax, ``{0, 1}``
            for a logistic output, real values for an identity output.
        loss: a name from :data:`fnnlab.losses.LOSSES`; default: the one
            that matches the output layer.
        lam: the Frobenius penalty strength ``lambda``.

    Returns:
        ``{"W1": dR/dW^(1), "b1": dR/db^(1), ...}`` with the shapes of the
        parameters.
    """
    lam = check_nonnegative("lam", lam)
    loss = get_loss(loss, net.activations[-1])
    A0 = check_columns("A0", A0, net.widths[0], net.backend, net.dtype)
    Y = _check_targets(net, A0, Y)
    fp = net.propagate(A0, keep=True)
    return gradients_from(net, fp, Y, loss, lam)


def gradients_from(
    net: FNN, fp: ForwardPass, Y: Any, loss: Loss, lam: float
) -> dict:
    """The backward pass alone, given a kept forward pass ``fp``."""
    xp = net.xp
    deltas = error_terms(net, fp, Y, loss)
    grads = {}
    for l in range(1, net.L + 1):
        delta = deltas[l - 1]
        dW = delta @ fp.A[l - 1].T
        if lam:
            dW = dW + frobenius_penalty_grad(net.W[l - 1], lam)
        grads[f"W{l}"] = dW
        grads[f"b{l}"] = xp.sum(delta, axis=1)
    return grads


def loss_value(net: FNN, fp: ForwardPass, Y: Any, loss: Loss) -> Any:
    """The mean loss of a kept forward pass (from logits when it can)."""
    if loss.fused == net.activations[-1]:
        return loss.from_logits(Y, fp.Z[-1])
    return loss.value(Y, fp.A[-1])


def structural_risk(
    net: FNN, A0: Any, Y: Any, loss: str | Loss | None = None, lam: float = 0.0
) -> float:
    """``R(W, b) = (1/N) sum_n L(y_n, y_hat_n) + lam/2 sum_l ||W^(l)||_F^2``.

    Same arguments as :func:`backprop`; returns a Python float.
    """
    lam = check_nonnegative("lam", lam)
    loss = get_loss(loss, net.activations[-1])
    A0 = check_columns("A0", A0, net.widths[0], net.backend, net.dtype)
    Y = _check_targets(net, A0, Y)
    fp = net.propagate(A0, keep=True)
    risk = loss_value(net, fp, Y, loss)
    if lam:
        risk = risk + frobenius_penalty(net.W, lam)
    return float(risk)
