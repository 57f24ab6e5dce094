"""Backends: where arrays live and which namespace computes on them.

fnnlab follows the array API standard: every function looks up the
namespace of the arrays it is given (``get_namespace``) and computes with
it, so the same code runs on NumPy, on CuPy (a GPU) and on
``array_api_strict`` (used by the tests to play the part of a GPU: it
refuses implicit copies to NumPy, as CuPy does).

The *default backend* only decides where **new** arrays are made: by the
data loaders, by network initialization and by :func:`asarray`. Choose it

* with :func:`set_backend` (``fnnlab.set_backend("cupy")``),
* for a block of code with :func:`use_backend`,
* or before Python starts, with ``FNNLAB_BACKEND=cupy``.

Random numbers are always drawn on the host with ``numpy.random`` and then
moved (:func:`random_generator`, then :func:`from_numpy`), so one seed
gives the same network on every backend. :func:`to_numpy` is the one way
back to the host, for plots.

See the chapter *Preface*, section "Choosing a backend".
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from typing import Any, Iterator

import numpy as np

from .errors import (
    BackendError,
    BackendMismatchError,
    BackendUnavailableError,
)

__all__ = [
    "Backend",
    "BACKEND_NAMES",
    "make_backend",
    "as_backend",
    "get_backend",
    "set_backend",
    "use_backend",
    "get_namespace",
    "is_array",
    "asarray",
    "to_numpy",
    "from_numpy",
    "backend_of",
    "random_generator",
]

BACKEND_NAMES = ("numpy", "cupy", "array_api_strict")

_CUPY_HELP = (
    "the 'cupy' backend needs CuPy and a CUDA GPU: install it with "
    "pip install 'fnnlab[gpu]' (which brings cupy-cuda12x), or pick "
    "backend 'numpy'"
)


@dataclass(frozen=True)
class Backend:
    """A place where arrays live: an array namespace and a device.

    Attributes:
        name: one of ``BACKEND_NAMES``.
        xp: the array-API namespace that computes on these arrays.
        device: the device new arrays are made on (``None``: the default).
    """

    name: str
    xp: Any
    device: Any = None

    def __repr__(self) -> str:
        return f"Backend({self.name!r})"


def make_backend(name: str) -> Backend:
    """Return the :class:`Backend` called ``name``, without making it the
    default."""
    if name == "numpy":
        import array_api_compat.numpy as xp

        return Backend("numpy", xp, None)
    if name == "cupy":
        try:
            import cupy  # noqa: F401
            import array_api_compat.cupy as xp
        except ImportError as error:
            raise BackendUnavailableError(
                f"backend: CuPy is not installed; {_CUPY_HELP}"
            ) from error
        try:
            count = cupy.cuda.runtime.getDeviceCount()
        except Exception as error:  # CUDA driver missing or broken
            raise BackendUnavailableError(
                f"backend: CuPy found no usable GPU ({error}); {_CUPY_HELP}"
            ) from error
        if count < 1:
            raise BackendUnavailableError(
                f"backend: CuPy found no GPU; {_CUPY_HELP}"
            )
        return Backend("cupy", xp, None)
    if name == "array_api_strict":
        try:
            import array_api_strict as xp
        except ImportError as error:
            raise BackendUnavailableError(
                "backend: 'array_api_strict' is not installed; "
                "pip install array-api-strict"
            ) from error
        return Backend(name, xp, xp.Device("device1"))
    raise BackendError(
        f"backend: got {name!r}, expected one of "
        + ", ".join(repr(n) for n in BACKEND_NAMES)
    )


_current: Backend | None = None


def get_backend() -> Backend:
    """Return the default backend, reading ``FNNLAB_BACKEND`` the first time.

    Returns:
        the :class:`Backend` new arrays are made on.
    """
    global _current
    if _current is None:
        name = os.environ.get("FNNLAB_BACKEND", "numpy").strip() or "numpy"
        try:
            _current = make_backend(name.lower())
        except BackendError as error:
            raise type(error)(
                f"environment variable FNNLAB_BACKEND: {error}"
            ) from error
    return _current


def set_backend(name: str) -> Backend:
    """Make ``name`` the default backend and return it.

    Args:
        name: ``"numpy"``, ``"cupy"`` or ``"array_api_strict"``.

    Raises:
        BackendError: for an unknown name.
        BackendUnavailableError: for CuPy without CuPy or without a GPU.
    """
    global _current
    if isinstance(name, Backend):
        _current = name
    else:
        _current = make_backend(name)
    return _current


@contextlib.contextmanager
def use_backend(name: str) -> Iterator[Backend]:
    """Use ``name`` as the default backend inside a ``with`` block.

    >>> with use_backend("numpy") as backend:
    ...     backend.name
    'numpy'
    """
    global _current
    previous = _current
    backend = set_backend(name)
    try:
        yield backend
    finally:
        _current = previous


def is_array(x: Any) -> bool:
    """True for an array of any backend (not for lists or Python numbers)."""
    if isinstance(x, np.ndarray):
        return True
    from array_api_compat import is_array_api_obj

    return is_array_api_obj(x) and not isinstance(x, np.generic)


def _name_of(x: Any) -> str:
    module = type(x).__module__.split(".")[0]
    return {"array_api_strict": "array_api_strict", "cupy": "cupy"}.get(
        module, "numpy"
    )


def get_namespace(*arrays: Any) -> Any:
    """Return the array namespace shared by ``arrays``.

    Python numbers and ``None`` are skipped. Arrays of two backends, or on
    two devices, raise :class:`BackendMismatchError` rather than being
    copied behind the reader's back.
    """
    found = [a for a in arrays if is_array(a)]
    if not found:
        return get_backend().xp
    from array_api_compat import array_namespace, device

    names = {_name_of(a) for a in found}
    if len(names) > 1:
        raise BackendMismatchError(
            "arrays from different backends met in one call: "
            + ", ".join(sorted(names))
            + "; move them to one backend first (fnnlab.asarray or "
            "fnnlab.to_numpy)"
        )
    devices = {str(device(a)) for a in found}
    if len(devices) > 1:
        raise BackendMismatchError(
            "arrays on different devices met in one call: "
            + ", ".join(sorted(devices))
        )
    return array_namespace(*found)


def backend_of(x: Any) -> Backend:
    """Return the :class:`Backend` an array lives on."""
    name = _name_of(x)
    if name == "numpy":
        return make_backend("numpy")
    if name == "array_api_strict":
        import array_api_strict as xp

        return Backend(name, xp, x.device)
    return make_backend(name)


def as_backend(backend: Backend | str | None) -> Backend:
    """Return a :class:`Backend` given one, its name, or ``None`` (the
    default backend)."""
    if backend is None:
        return get_backend()
    if isinstance(backend, Backend):
        return backend
    if isinstance(backend, str):
        return make_backend(backend)
    raise BackendError(
        f"backend: got {backend!r}, expected a Backend or one of "
        + ", ".join(repr(n) for n in BACKEND_NAMES)
    )


def from_numpy(x: np.ndarray, backend: Backend | str | None = None) -> Any:
    """Move a host (NumPy) array to ``backend`` (default: the default one)."""
    backend = as_backend(backend)
    if backend.name == "numpy":
        return np.asarray(x)
    if backend.name == "array_api_strict":
        return backend.xp.asarray(np.require(x, requirements="C"), device=backend.device)
    return backend.xp.asarray(x)


def asarray(
    x: Any, dtype: Any = None, backend: Backend | str | None = None
) -> Any:
    """Return ``x`` as an array.

    Without ``backend`` an array stays on its own backend (a ``dtype``
    converts it there). Lists, tuples and numbers are made on ``backend``
    (default: the default backend). A NumPy array given with another
    ``backend`` is copied there, since the call asks for it by name; a
    device array given with another ``backend`` raises
    :class:`BackendMismatchError` (bring it back with :func:`to_numpy`
    first).
    """
    if backend is not None:
        backend = as_backend(backend)
    if is_array(x) and backend is not None and not _lives_on(x, backend):
        if _name_of(x) == backend.name:  # same library, another device
            x = x.to_device(backend.device)
        elif isinstance(x, np.ndarray):
            x = from_numpy(x, backend)
        else:
            raise BackendMismatchError(
                f"x: lives on backend {_name_of(x)!r}, expected "
                f"{backend.name!r}; copy it to the host with "
                "fnnlab.to_numpy(x) first"
            )
    if is_array(x):
        xp = get_namespace(x)
        if dtype is not None:
            dtype = resolve_dtype(xp, dtype)
            if x.dtype != dtype:
                x = xp.astype(x, dtype)
        return x
    host = np.asarray(x)
    if dtype is not None:
        host = host.astype(np.dtype(_dtype_name(dtype)))
    return from_numpy(host, backend)


def _lives_on(x: Any, backend: Backend) -> bool:
    """True if array ``x`` is on ``backend`` (its namespace and device)."""
    if _name_of(x) != backend.name:
        return False
    if backend.device is None:
        return True
    from array_api_compat import device

    return device(x) == backend.device


def _dtype_name(dtype: Any) -> str:
    if isinstance(dtype, str):
        return dtype
    name = getattr(dtype, "name", None)
    if isinstance(name, str):
        return name
    try:
        return np.dtype(dtype).name
    except TypeError:
        # dtype objects of other namespaces print as "<module>.float64"
        return str(dtype).rsplit(".", 1)[-1]


def resolve_dtype(xp: Any, dtype: Any) -> Any:
    """Return the dtype object of namespace ``xp`` named by ``dtype``."""
    name = _dtype_name(dtype)
    if name not in ("float32", "float64"):
        raise BackendError(
            f"dtype: got {name!r}, expected 'float32' or 'float64'"
        )
    return getattr(xp, name)


def to_numpy(x: Any) -> np.ndarray:
    """Copy an array of any backend to a NumPy array on the host.

    This is the one way back from a GPU; fnnlab never calls
    ``numpy.asarray`` on a device array itself.
    """
    if isinstance(x, np.ndarray):
        return x
    if not is_array(x):
        return np.asarray(x)
    name = _name_of(x)
    if name == "cupy":
        return x.get()
    if name == "array_api_strict":
        import array_api_strict as xp

        return np.asarray(xp.asarray(x, device=xp.Device("CPU_DEVICE")))
    return np.asarray(x)


def random_generator(seed: int | None) -> np.random.Generator:
    """A host random generator; draw on it, then move with :func:`from_numpy`.

    CuPy's own generator gives other numbers for the same seed, so fnnlab
    draws on the host to keep a seed meaning the same network everywhere.
    """
    return np.random.default_rng(seed)
