"""The fast path of :func:`fnnlab.train` on NumPy: the book's epoch, with
the time that is not arithmetic taken out.

:func:`fnnlab.training.sgd_epoch` is the loop the chapters show (chapter
*Backpropagation*): gather a mini-batch, ``propagate``, backpropagate,
update. :class:`FastEpochs` takes the same steps, in the same order, on
the same mini-batches, and differs only in how it spends memory and calls:

* **No copy of the data set.** Each mini-batch of rows is gathered into a
  buffer of shape ``(n, M_0)``; its transpose is ``A^(0)``, ``(M_0, n)``.
* **No allocation per step.** Every ``z^(l)``, ``a^(l)`` and
  ``delta^(l)`` is written into a buffer made once per batch size. A ReLU
  layer turns ``z^(l)`` into ``a^(l) = z^(l) [z^(l) > 0]`` in place and
  keeps the mask ``[z^(l) > 0]``, which is its derivative.
* **The update is fused into the weight gradient's product.** A matrix
  stored row by row, like ``W^(l)`` ``(M_l, M_{l-1})``, is its transpose
  stored column by column, which is how BLAS reads a matrix; so the
  general product ``C <- alpha A B + beta C`` (``gemm``, from
  :mod:`scipy.linalg.blas`) can write into ``W^(l)^T``, a view::

      W^(l)^T <- (1 - lr lam) W^(l)^T - lr a^(l-1) delta^(l)^T

  The weight gradient is never stored and the update costs no pass of its
  own. The bias's update ``b^(l) <- b^(l) - lr delta^(l) 1`` is one
  ``gemv``.
* **Softmax with cross-entropy in place.** ``delta^(L) = (softmax(z) -
  y) / n`` is computed in the buffer of ``z^(L)``; subtracting the one-hot
  ``y`` is subtracting 1 at each sample's label. Each sample's loss, ``log
  sum_c exp(z_c - max z) - (z_label - max z)``, comes from the same
  exponentials; the losses and predicted labels go into arrays of length
  ``N``, summed and compared once per epoch.
* **No argument checks in the loop** (:func:`fnnlab.train` checks once),
  and NumPy's functions are called as methods or ufuncs, without their
  Python wrappers.

The other products (forward, ``W^T delta``) go through NumPy's BLAS, whose
float32 kernels were the faster of the two here, while BLAS runs one
thread. SciPy's BLAS is a library of its own, with its own threads: when a
BLAS runs several threads, the two libraries' idle threads would wait for
work side by side on the same cores, so then SciPy's does every product
(the forward one adding to ``z^(l)`` filled with ``b^(l)``, ``beta = 1``).
A thread limit set with ``threadpoolctl`` before SciPy's BLAS is first
loaded (by the first ``train`` call on NumPy) does not reach it;
``OPENBLAS_NUM_THREADS`` reaches both.

The results are those of the book's loop up to rounding (sums taken in
another order, a fused multiply-add in the update, ``-0.0`` for ``+0.0``
in a ReLU's output): about 1e-16 relative per step in float64;
``tests/test_fast_path.py`` checks whole training runs against
:func:`~fnnlab.training.sgd_epoch`. One behaviour differs: logits more
than the largest float apart, where the book's loop clips
(``fnnlab.activations._shifted``), give an infinite loss here, which
:func:`fnnlab.train` reports as divergence.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .activations import ACTIVATIONS
from .backprop import loss_value, output_delta
from .losses import Loss
from .network import FNN, ForwardPass
from .training import _labels_of, labels_from_output, sgd_epoch

__all__ = ["FastEpochs", "applies"]


def _blas() -> Any:
    """:mod:`scipy.linalg.blas`, or ``None`` without SciPy."""
    try:
        from scipy.linalg import blas
    except ImportError:                      # pragma: no cover
        return None
    return blas


def _several_blas_threads() -> bool:
    """Whether some loaded BLAS library runs more than one thread
    (asked of ``threadpoolctl``, which scikit-learn installs; ``True``
    when it cannot tell)."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:                      # pragma: no cover
        return True
    return any(
        lib.get("num_threads", 2) > 1
        for lib in threadpool_info() if lib.get("user_api") == "blas"
    )


def applies(net: FNN) -> bool:
    """True when :func:`fnnlab.train` can take the fast path for ``net``:
    a float32 or float64 network on the NumPy backend, with SciPy (a
    dependency of scikit-learn) installed."""
    return (
        net.backend.name == "numpy"
        and net._dtype_name in ("float32", "float64")
        and _blas() is not None
    )


class _Buffers:
    """Every array of one step for a batch of ``n`` samples, made once.

    ``z[i]`` is ``z^(l)`` of layer ``l = i + 1``, ``(M_l, n)``; a ReLU
    layer's ``a^(l)`` overwrites it, another activation's goes to
    ``a[i]``. ``g[i]`` holds ``W^(l+1)^T delta^(l+1)`` and then, in place,
    ``delta^(l)``; ``mask[i]`` is ReLU's derivative ``[z^(l) > 0]``.
    """

    def __init__(self, widths: tuple, n: int, dtype: Any, hidden: list):
        L = len(widths) - 1
        self.n = n
        self.x = np.empty((n, widths[0]), dtype)        # the batch, rows
        self.z = [np.empty((widths[l], n), dtype) for l in range(1, L + 1)]
        self.z_flat = self.z[-1].reshape(-1)            # z^(L), flat view
        self.g = [np.empty((widths[l], n), dtype) for l in range(1, L)]
        self.mask = [None] * (L - 1)
        self.a = list(self.z[:-1])
        for i, name in enumerate(hidden):
            if name == "relu":
                self.mask[i] = np.empty((widths[i + 1], n), dtype)
            else:
                self.a[i] = np.empty((widths[i + 1], n), dtype)
        self.ones = np.ones(n, dtype)
        self.m = np.empty(n, dtype)                     # column maxima

    def layers(self, W: list, b: list, hidden: list) -> tuple:
        """The operands of each layer's calls, for the parameters ``W``
        and ``b`` of this epoch: ``(forward, backward)`` lists of tuples.
        """
        L = len(W)
        a_in = [self.x.T] + self.a                      # a^(0 .. L-1)
        forward = []
        for i in range(L):
            act = None if i == L - 1 or hidden[i].name == "relu" else (
                hidden[i].f)
            mask = self.mask[i] if i < L - 1 else None
            # BLAS reads a^(l-1)^T as the rows x (read transposed) or as
            # a^(l-1).T (stored column by column)
            op, trans = (self.x.T, 1) if i == 0 else (a_in[i].T, 0)
            forward.append((W[i], W[i].T, b[i][:, None], a_in[i], op, trans,
                            self.z[i], self.z[i].T, mask, act,
                            self.a[i] if act else None))
        backward = []
        for i in range(L - 1, -1, -1):
            # BLAS reads a^(l-1) as the rows x (i = 0) or a^(l-1).T
            op, trans = (self.x.T, 0) if i == 0 else (a_in[i].T, 1)
            if i:
                df = None if hidden[i - 1].name == "relu" else (
                    hidden[i - 1].df)
                below = (self.g[i - 1], self.mask[i - 1], df, self.z[i - 1])
            else:
                below = None
            backward.append((W[i].T, b[i], op, trans, below))
        return forward, backward


class FastEpochs:
    """Epochs of mini-batch SGD on a NumPy network, as the book's loop
    computes them (see the module's docstring for what differs in how).

    Args:
        net: the network, on the NumPy backend; its ``W`` and ``b`` arrays
            are updated in place (they are looked up again at every epoch,
            so a callback may replace them between epochs).
        X: the training inputs, one sample per **row**, ``(N, M_0)`` (made
            row-major in the network's dtype once, if it is not already).
        Y: the targets, one sample per column, ``(M_L, N)``.
        loss: the :class:`~fnnlab.losses.Loss`.
        lr, lam: the learning rate and the Frobenius penalty.
        batch_size: samples per update ``B`` (at most ``N``).

    Chapter: *Backpropagation* (the loop it reproduces).
    """

    def __init__(
        self,
        net: FNN,
        X: Any,
        Y: Any,
        loss: Loss,
        lr: float,
        lam: float,
        batch_size: int,
    ) -> None:
        self.net = net
        self.dtype = np.dtype(net._dtype_name)
        self.X = np.ascontiguousarray(X, dtype=self.dtype)
        self.Y = Y
        self.loss = loss
        self.lr, self.lam = float(lr), float(lam)
        N = self.X.shape[0]
        self.B = min(int(batch_size), N)
        blas = _blas()
        double = self.dtype == np.float64
        self.gemm = blas.dgemm if double else blas.sgemm
        self.gemv = blas.dgemv if double else blas.sgemv
        # NumPy's BLAS multiplies unless a BLAS runs several threads
        # (see the module's docstring); SciPy's always updates
        self.one_blas = _several_blas_threads()
        self.hidden = [ACTIVATIONS[name] for name in net.activations[:-1]]
        self.output = net.activations[-1]
        self.fused = self.output == "softmax" and loss.fused == "softmax"
        self.classify = self.output in ("softmax", "logistic")
        self._buffers: dict = {}
        if self.fused:
            self.labels = np.argmax(Y, axis=0)
            self.columns = np.arange(self.B)
            self.sums = np.empty(N, self.dtype)       # sum_c exp, per sample
            self.picked = np.empty(N, self.dtype)     # z_label - max z
            self.predicted = np.empty(N, np.intp)

    def buffers(self, n: int) -> _Buffers:
        """The buffers for a batch of ``n`` samples (at most two sizes per
        run: ``B`` and the last, smaller batch)."""
        buf = self._buffers.get(n)
        if buf is None:
            names = list(self.net.activations[:-1])
            buf = _Buffers(self.net.widths, n, self.dtype, names)
            self._buffers[n] = buf
        return buf

    # --- one epoch -------------------------------------------------------

    def run(self, order: np.ndarray) -> tuple:
        """One epoch over the samples in ``order`` (a permutation of
        ``0 .. N-1``), in batches of ``B``.

        Returns:
            ``(total, correct)`` as :func:`fnnlab.training.sgd_epoch`
            gives them: the summed loss of the samples, and how many were
            classified right at their own update (0 for regression).
        """
        net = self.net
        if not self._blas_ready():
            return sgd_epoch(net, self.X.T, self.Y, order, batch_size=self.B,
                             lr=self.lr, lam=self.lam, loss=self.loss)
        N, B = order.shape[0], self.B
        plans = {}
        total, correct = 0.0, 0
        if self.fused:
            labels = self.labels.take(order)
            flat = self.flat_indices(labels)
        X, fused = self.X, self.fused
        for start in range(0, N, B):
            stop = min(start + B, N)
            idx = order[start:stop]
            n = stop - start
            plan = plans.get(n)
            if plan is None:
                buf = self.buffers(n)
                plan = plans[n] = (buf,) + buf.layers(net.W, net.b,
                                                      self.hidden)
            buf, forward, backward = plan
            X.take(idx, 0, buf.x, "clip")
            self.forward(forward)
            if fused:
                delta = self.softmax_delta(buf, flat[start:stop], start, stop)
            else:
                delta, part, hits = self.other_delta(buf, idx)
                total = total + part
                correct = correct + hits
            self.backward(backward, delta, buf.ones)
        if fused:
            losses = np.log(self.sums, out=self.sums)
            losses -= self.picked
            total = np.add.reduce(losses)
            correct = int(np.count_nonzero(self.predicted == labels))
        return total, correct

    def flat_indices(self, labels: Any) -> Any:
        """Where each sample's label sits in its batch's ``z^(L)`` read
        flat, ``label * n + column``, for the epoch's labels in order
        (batches of ``n = B`` samples, the last one maybe narrower)."""
        N, B = labels.shape[0], self.B
        flat = labels * B
        full = N - N % B
        columns = flat[:full].reshape(-1, B)          # a view of flat
        columns += self.columns
        last = N - full
        if last:
            flat[full:] = labels[full:] * last + self.columns[:last]
        return flat

    def _blas_ready(self) -> bool:
        """Whether BLAS can update every parameter in place: each ``W`` and
        ``b`` a writeable, row-major array of the dtype (``set_params``
        keeps them so; anything else runs the book's loop)."""
        for p in self.net.W + self.net.b:
            if not (
                isinstance(p, np.ndarray) and p.dtype == self.dtype
                and p.flags.c_contiguous and p.flags.writeable
            ):
                return False
        return True

    def forward(self, layers: list) -> None:
        """The forward pass through every layer, into the buffers; the
        output layer's ``z^(L)`` is left for the loss."""
        gemm, one_blas = self.gemm, self.one_blas
        for W, WT, bcol, a, op, trans, z, zT, mask, f, a_out in layers:
            if one_blas:                              # z = b, z^T += a^T W^T
                np.copyto(z, bcol)
                gemm(1.0, op, WT, 1.0, zT, trans, 0, 1)
            else:                                     # z = W a + b
                np.matmul(W, a, out=z)
                np.add(z, bcol, out=z)
            if mask is not None:                      # ReLU, in place:
                np.greater(z, 0.0, out=mask)          # [z > 0], kept
                np.multiply(z, mask, out=z)           # a = z [z > 0]
            elif f is not None:
                np.copyto(a_out, f(z))

    def softmax_delta(self, buf: _Buffers, flat: Any, start: int,
                      stop: int) -> Any:
        """``delta^(L) = (softmax(z^(L)) - y) / n`` in the buffer of
        ``z^(L)``; stores each sample's softmax sum, shifted label logit
        and predicted label for the epoch's bookkeeping."""
        z = buf.z[-1]                                 # (C, n)
        m = np.maximum.reduce(z, 0, None, buf.m)
        np.subtract(z, m, out=z)                      # z - max z, <= 0
        buf.z_flat.take(flat, 0, self.picked[start:stop], "clip")
        np.exp(z, out=z)
        s = np.add.reduce(z, 0, None, self.sums[start:stop])
        np.divide(z, s, out=z)                        # softmax(z^(L))
        z.argmax(0, self.predicted[start:stop])
        buf.z_flat[flat] -= 1.0                       # minus one-hot y
        np.divide(z, buf.n, out=z)
        return z

    def other_delta(self, buf: _Buffers, idx: Any) -> tuple:
        """``delta^(L)`` for any other output and loss, through the core's
        :func:`~fnnlab.backprop.output_delta`; also the batch's loss times
        its size and its number of right predictions."""
        net = self.net
        z = buf.z[-1]
        a_L = ACTIVATIONS[self.output].f(z)
        fp = ForwardPass([z], [a_L])
        yb = self.Y.take(idx, axis=1)
        delta = np.ascontiguousarray(output_delta(net, fp, yb, self.loss))
        part = loss_value(net, fp, yb, self.loss) * buf.n
        hits = 0
        if self.classify:
            right = labels_from_output(net, a_L) == _labels_of(net, yb)
            hits = np.add.reduce(right.astype(np.int64))
        return delta, part, hits

    def backward(self, layers: list, delta: Any, ones: Any) -> None:
        """Backpropagate ``delta^(L)`` and update every layer, top down.

        ``W^(l)^T delta^(l)`` is taken before ``W^(l)`` changes, as in the
        book, where every gradient is computed before any update.
        """
        gemm, gemv, one_blas = self.gemm, self.gemv, self.one_blas
        lr = self.lr
        decay = 1.0 - lr * self.lam
        for WT, b, a, trans, below in layers:
            if below is not None:                     # g = W^T delta
                g, mask, df, z = below
                if one_blas:                          # g^T = delta^T W
                    gemm(1.0, delta.T, WT, 0.0, g.T, 0, 1, 1)
                else:
                    np.matmul(WT, delta, out=g)
            # W^T <- decay W^T - lr a delta^T, through the view W.T
            gemm(-lr, a, delta.T, decay, WT, trans, 0, 1)
            # b <- b - lr delta 1
            gemv(-lr, delta.T, ones, 1.0, b, 0, 1, 0, 1, 1, 1)
            if below is not None:                     # delta^(l-1)
                np.multiply(g, mask if df is None else df(z), out=g)
                delta = g
