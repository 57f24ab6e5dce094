"""The feedforward network ``phi(x; W, b)``.

A network of ``L`` layers has widths ``[M_0, M_1, ..., M_L]``. Layer ``l``
holds ``W^(l)`` of shape ``(M_l, M_{l-1})`` and ``b^(l)`` of shape
``(M_l,)``, and computes (chapter *Feedforward networks*)::

    z^(l) = W^(l) a^(l-1) + b^(l)
    a^(l) = f_l(z^(l))

with ``a^(0) = x``. A batch of ``N`` samples is a matrix with one sample per
**column**: ``A^(l)`` is ``(M_l, N)``. In Python lists layer ``l`` is at
index ``l - 1`` (``net.W[0]`` is ``W^(1)``); :meth:`FNN.params` names them
as the book does, ``"W1"``, ``"b1"``, ...
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from numbers import Integral
from typing import Any, Sequence

import numpy as np

from .activations import (
    ACTIVATIONS,
    HIDDEN_ACTIVATIONS,
    OUTPUT_ACTIVATIONS,
    Activation,
    get_activation,
)
from .backend import (
    Backend,
    as_backend,
    from_numpy,
    random_generator,
    resolve_dtype,
    to_numpy,
)
from .errors import (
    FnnlabError,
    ShapeError,
    check_choice,
    check_positive,
    check_positive_int,
)
from .validation import as_array, check_columns, check_place

__all__ = ["FNN", "ForwardPass", "INIT_SCHEMES"]

INIT_SCHEMES = ("auto", "he", "xavier", "normal", "zeros")


@dataclass
class ForwardPass:
    """What a forward pass keeps for backpropagation.

    Attributes:
        Z: ``[z^(1), ..., z^(L)]``, each ``(M_l, N)``.
        A: ``[a^(0), a^(1), ..., a^(L)]``, each ``(M_l, N)``; ``A[0]`` is
            the input, so ``A[l]`` is ``a^(l)`` as in the book.
    """

    Z: list
    A: list

    @property
    def output(self) -> Any:
        """``a^(L)``, the network's output."""
        return self.A[-1]

    def __repr__(self) -> str:
        shapes = ", ".join(str(tuple(a.shape)) for a in self.A)
        return f"ForwardPass(A shapes: {shapes})"


class FNN:
    """A feedforward network of affine layers and activations.

    Args:
        widths: ``[M_0, ..., M_L]``, at least two entries.
        activation: the hidden layers' activation, one name for all or a
            list of ``L - 1`` names: ``"relu"``, ``"tanh"``, ``"logistic"``,
            ``"leaky_relu"``, ``"identity"``.
        output: the output layer's activation: ``"softmax"`` (C classes),
            ``"logistic"`` (two classes, ``p(y=1|x) = a^(L)``) or
            ``"identity"`` (regression).
        init: ``"auto"`` (He for ReLU layers, Xavier otherwise), ``"he"``,
            ``"xavier"``, ``"normal"`` (standard deviation ``scale``) or
            ``"zeros"`` (to see why that fails). Biases start at 0.
        seed: seed of the host generator that draws the weights (an
            integer >= 0, or ``None`` for fresh randomness).
        dtype: ``"float64"`` (default) or ``"float32"``.
        backend: where the parameters live, a :class:`~fnnlab.backend.Backend`
            or its name (default: the default backend).
        scale: standard deviation for ``init="normal"``, above 0.

    Chapter: *Feedforward networks*.
    """

    def __init__(
        self,
        widths: Sequence[int],
        activation: str | Sequence[str] = "relu",
        output: str = "softmax",
        init: str = "auto",
        seed: int | None = 0,
        dtype: str = "float64",
        backend: Backend | str | None = None,
        scale: float = 0.01,
    ) -> None:
        widths = list(widths) if not isinstance(widths, int) else [widths]
        if len(widths) < 2:
            raise FnnlabError(
                f"widths: got {widths!r}, expected at least two layer widths "
                "[M_0, ..., M_L] (input and output)"
            )
        for i, m in enumerate(widths):
            check_positive_int(f"widths[{i}]", m)
        self.widths = tuple(int(m) for m in widths)
        L = len(widths) - 1

        if isinstance(activation, str) or isinstance(activation, Activation):
            hidden = [activation] * (L - 1)
        else:
            hidden = list(activation)
            if len(hidden) != L - 1:
                raise FnnlabError(
                    f"activation: got {len(hidden)} names, expected one per "
                    f"hidden layer, {L - 1} for widths {list(self.widths)}"
                )
        acts = [
            _named(f"activation[{i}]", name, HIDDEN_ACTIVATIONS).name
            for i, name in enumerate(hidden)
        ]
        acts.append(_named("output", output, OUTPUT_ACTIVATIONS).name)
        self.activations = tuple(acts)
        self.init = check_choice("init", init, INIT_SCHEMES)
        self.seed = _check_seed(seed)
        scale = check_positive("scale", scale)

        self.backend = as_backend(backend)
        xp = self.backend.xp
        self.dtype = resolve_dtype(xp, dtype)
        self._dtype_name = str(np.dtype(_np_name(dtype)))

        rng = random_generator(seed)
        self.W: list = []
        self.b: list = []
        for l in range(1, L + 1):
            W = _draw_weights(
                rng, self.init, self.activations[l - 1],
                widths[l], widths[l - 1], scale,
            )
            self.W.append(self._to_device(W))
            self.b.append(self._to_device(np.zeros(widths[l])))

    # --- structure ----------------------------------------------------------

    @property
    def L(self) -> int:
        """The number of layers with parameters (the input is layer 0)."""
        return len(self.widths) - 1

    @property
    def xp(self) -> Any:
        """The array namespace the parameters live in."""
        return self.backend.xp

    def _to_device(self, host: np.ndarray) -> Any:
        host = host.astype(self._dtype_name)
        return from_numpy(host, self.backend)

    def params(self) -> dict:
        """The parameters by their book names: ``{"W1": ..., "b1": ...}``.

        The arrays are the network's own (not copies): changing one in
        place changes the network.
        """
        out = {}
        for l in range(1, self.L + 1):
            out[f"W{l}"] = self.W[l - 1]
            out[f"b{l}"] = self.b[l - 1]
        return out

    def set_params(self, params: dict) -> None:
        """Replace parameters by name; shapes must stay the same.

        Each value is copied into the network's dtype (lists are made on
        its backend), so training never changes the caller's arrays.
        Arrays from another backend raise
        :class:`~fnnlab.errors.BackendMismatchError`.
        """
        names = list(self.params())
        for name, value in params.items():
            if name not in names:
                raise FnnlabError(
                    f"params: got the name {name!r}, expected one of "
                    + ", ".join(repr(n) for n in names)
                )
            store = {"W": self.W, "b": self.b}[name[0]]
            l = int(name[1:])
            old = store[l - 1]
            value = as_array(
                f"params[{name!r}]", value, self.backend,
                f"an array of shape {tuple(old.shape)}",
            )
            check_place(f"params[{name!r}]", value, self.backend)
            if tuple(value.shape) != tuple(old.shape):
                raise ShapeError(
                    f"params[{name!r}]: got shape {tuple(value.shape)}, "
                    f"expected {tuple(old.shape)}"
                )
            store[l - 1] = self.xp.astype(value, self.dtype, copy=True)

    def num_params(self) -> int:
        """How many numbers the network learns: ``sum M_l (M_{l-1} + 1)``."""
        w = self.widths
        return sum(w[l] * (w[l - 1] + 1) for l in range(1, len(w)))

    def copy(
        self, dtype: str | None = None, backend: Backend | str | None = None
    ) -> "FNN":
        """An independent copy, optionally in another dtype or on another
        backend (a :class:`~fnnlab.backend.Backend` or its name; moved
        through the host)."""
        new = object.__new__(FNN)
        new.__dict__.update(self.__dict__)
        if dtype is not None:
            resolve_dtype(self.xp, dtype)  # raises for a bad name
            new._dtype_name = str(np.dtype(_np_name(dtype)))
        if backend is not None:
            backend = as_backend(backend)
        if backend is not None and backend != self.backend:
            new.backend = backend
            new.W = [new._to_device(to_numpy(W)) for W in self.W]
            new.b = [new._to_device(to_numpy(b)) for b in self.b]
            new.dtype = resolve_dtype(new.xp, new._dtype_name)
            return new
        xp = self.xp
        new.dtype = resolve_dtype(xp, new._dtype_name)
        new.W = [xp.astype(W, new.dtype, copy=True) for W in self.W]
        new.b = [xp.astype(b, new.dtype, copy=True) for b in self.b]
        return new

    def __repr__(self) -> str:
        acts = list(self.activations[:-1])
        return (
            f"FNN(widths={list(self.widths)}, activation={acts}, "
            f"output={self.activations[-1]!r}, dtype={self._dtype_name!r}, "
            f"backend={self.backend.name!r}, params={self.num_params()})"
        )

    # --- the forward pass ---------------------------------------------------

    def forward(self, A0: Any, keep: bool = False) -> Any:
        """Propagate ``a^(0)`` through every layer.

        Args:
            A0: the input, one sample per column, ``(M_0, N)``; or one
                sample ``(M_0,)``.
            keep: also return every ``z^(l)`` and ``a^(l)``.

        Returns:
            ``a^(L)`` of shape ``(M_L, N)`` (``(M_L,)`` for one sample), or
            a :class:`ForwardPass` when ``keep`` is true.
        """
        A0 = as_array(
            "A0", A0, self.backend, f"an array of shape ({self.widths[0]}, N)"
        )
        single = A0.ndim == 1
        if single:
            check_place("A0", A0, self.backend)
            if tuple(A0.shape) != (self.widths[0],):
                raise ShapeError(
                    f"A0: got shape {tuple(A0.shape)}, expected one sample "
                    f"({self.widths[0]},) or a batch ({self.widths[0]}, N) "
                    "with one sample per column"
                )
            A0 = A0[:, None]
        A0 = check_columns("A0", A0, self.widths[0], self.backend, self.dtype)
        result = self.propagate(A0, keep)
        if not single:
            return result
        if keep:
            return ForwardPass(
                [z[:, 0] for z in result.Z], [a[:, 0] for a in result.A]
            )
        return result[:, 0]

    def propagate(self, A0: Any, keep: bool = False) -> Any:
        """The forward pass without argument checks (for inner loops).

        ``A0`` must already be a finite ``(M_0, N)`` array of the network's
        dtype and backend; :meth:`forward` checks that and calls this.
        """
        fs = [ACTIVATIONS[name].f for name in self.activations]
        Z, A = [], [A0]
        a = A0
        for l in range(1, self.L + 1):
            z = self.W[l - 1] @ a + self.b[l - 1][:, None]
            a = fs[l - 1](z)
            if keep:
                Z.append(z)
                A.append(a)
        return ForwardPass(Z, A) if keep else a

    __call__ = forward


def _named(role: str, name: Any, allowed: Sequence[str]) -> Activation:
    """The activation ``name``, which must be one of ``allowed``; the error
    lists only those."""
    try:
        act = get_activation(name, role)
    except FnnlabError:
        act = None
    if act is None or act.name not in allowed:
        raise FnnlabError(
            f"{role}: got {name!r}, expected one of "
            + ", ".join(repr(a) for a in allowed)
        )
    return act


def _check_seed(seed: Any) -> int | None:
    """``seed`` if it is ``None`` or an integer >= 0, else raise."""
    if seed is None:
        return None
    if isinstance(seed, bool) or not isinstance(seed, Integral) or seed < 0:
        raise FnnlabError(
            f"seed: got {seed!r}, expected an integer >= 0 or None"
        )
    return int(seed)


def _np_name(dtype: Any) -> str:
    if isinstance(dtype, str):
        return dtype
    return getattr(dtype, "name", None) or np.dtype(dtype).name


def _draw_weights(
    rng: np.random.Generator,
    init: str,
    activation: str,
    fan_out: int,
    fan_in: int,
    scale: float,
) -> np.ndarray:
    """Draw one ``W^(l)`` of shape ``(M_l, M_{l-1})`` on the host."""
    if init == "auto":
        init = "he" if activation in ("relu", "leaky_relu") else "xavier"
    shape = (fan_out, fan_in)
    if init == "he":
        return rng.standard_normal(shape) * math.sqrt(2.0 / fan_in)
    if init == "xavier":
        limit = math.sqrt(6.0 / (fan_in + fan_out))
        return rng.uniform(-limit, limit, size=shape)
    if init == "normal":
        return rng.standard_normal(shape) * scale
    return np.zeros(shape)
