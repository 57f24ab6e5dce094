"""fnnlab.backend: the default backend, namespaces, moving arrays."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import fnnlab
from fnnlab.backend import (
    BACKEND_NAMES,
    Backend,
    as_backend,
    asarray,
    backend_of,
    from_numpy,
    get_backend,
    get_namespace,
    is_array,
    make_backend,
    random_generator,
    resolve_dtype,
    set_backend,
    to_numpy,
    use_backend,
)
from fnnlab.errors import (
    BackendError,
    BackendMismatchError,
    BackendUnavailableError,
)

ROOT = Path(__file__).resolve().parents[1]


def _cupy_works() -> bool:
    try:
        make_backend("cupy")
    except BackendError:
        return False
    return True


def strict_array(values, device="device1"):
    import array_api_strict as xs

    return xs.asarray(values, dtype=xs.float64, device=xs.Device(device))


# --- making backends --------------------------------------------------------

def test_backend_names():
    assert BACKEND_NAMES == ("numpy", "cupy", "array_api_strict")


@pytest.mark.parametrize("name", ["numpy", "array_api_strict"])
def test_make_backend(name):
    b = make_backend(name)
    assert isinstance(b, Backend)
    assert b.name == name
    assert repr(b) == f"Backend({name!r})"


def test_strict_backend_lives_on_a_fake_device():
    import array_api_strict as xs

    assert make_backend("array_api_strict").device == xs.Device("device1")
    assert make_backend("numpy").device is None


def test_make_backend_unknown_name():
    with pytest.raises(BackendError) as info:
        make_backend("torch")
    message = str(info.value)
    assert "backend" in message and "'torch'" in message
    assert "'numpy'" in message and "'array_api_strict'" in message


@pytest.mark.skipif(_cupy_works(), reason="CuPy and a GPU are present")
def test_cupy_without_cupy_says_how_to_install():
    previous = get_backend()
    with pytest.raises(BackendUnavailableError) as info:
        set_backend("cupy")
    assert "pip install 'fnnlab[gpu]'" in str(info.value)
    assert get_backend() is previous        # a failed switch changes nothing


def test_as_backend():
    b = make_backend("array_api_strict")
    assert as_backend(b) is b
    assert as_backend("numpy").name == "numpy"
    with use_backend("array_api_strict"):
        assert as_backend(None).name == "array_api_strict"
    with pytest.raises(BackendError, match=r"backend: got 3, expected"):
        as_backend(3)


# --- the default backend ------------------------------------------------------

def test_set_and_use_backend_restore():
    before = get_backend()
    with use_backend("array_api_strict") as b:
        assert b.name == "array_api_strict"
        assert get_backend() is b
        with use_backend("numpy"):
            assert get_backend().name == "numpy"
        assert get_backend() is b
    assert get_backend() == before


def test_use_backend_restores_after_an_error():
    before = get_backend()
    with pytest.raises(RuntimeError):
        with use_backend("array_api_strict"):
            raise RuntimeError("inside")
    assert get_backend() == before


def test_set_backend_accepts_a_backend():
    before = get_backend()
    try:
        b = make_backend("array_api_strict")
        assert set_backend(b) is b
        assert get_backend() is b
    finally:
        set_backend(before)


def _run(code: str, **env: str) -> subprocess.CompletedProcess:
    full = dict(os.environ)
    full.pop("FNNLAB_BACKEND", None)
    full.update(env)
    full["PYTHONPATH"] = str(ROOT) + os.pathsep + full.get("PYTHONPATH", "")
    return subprocess.run(
        [sys.executable, "-c", code], env=full, capture_output=True,
        text=True, timeout=120, cwd=ROOT,
    )


def test_environment_variable_is_honoured():
    code = (
        "import fnnlab\n"
        "X, y = fnnlab.xor()\n"
        "net = fnnlab.FNN([2, 3, 2])\n"
        "print(fnnlab.get_backend().name, type(X).__module__.split('.')[0],"
        " net.backend.name)\n"
    )
    done = _run(code, FNNLAB_BACKEND="array_api_strict")
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["array_api_strict"] * 3
    plain = _run(code)
    assert plain.returncode == 0, plain.stderr
    assert plain.stdout.split() == ["numpy"] * 3


def test_environment_variable_with_a_bad_name():
    done = _run(
        "import fnnlab\nfnnlab.get_backend()\n", FNNLAB_BACKEND="tensorflow"
    )
    assert done.returncode != 0
    assert "FNNLAB_BACKEND" in done.stderr
    assert "'tensorflow'" in done.stderr and "'numpy'" in done.stderr


# --- namespaces ---------------------------------------------------------------

def test_get_namespace_of_each_backend(backend):
    x = from_numpy(np.ones(3))
    assert get_namespace(x) is backend.xp
    assert get_namespace(x, 2.0, None) is backend.xp


def test_get_namespace_without_arrays_is_the_default(backend):
    assert get_namespace() is backend.xp
    assert get_namespace(1.0, None) is backend.xp


def test_get_namespace_refuses_mixed_backends():
    with pytest.raises(BackendMismatchError) as info:
        get_namespace(np.ones(3), strict_array([1.0, 2.0, 3.0]))
    assert "array_api_strict" in str(info.value)
    assert "numpy" in str(info.value)


def test_get_namespace_refuses_mixed_devices():
    a = strict_array([1.0])
    b = strict_array([1.0], device="CPU_DEVICE")
    with pytest.raises(BackendMismatchError, match="devices"):
        get_namespace(a, b)


def test_is_array():
    assert is_array(np.zeros(2))
    assert is_array(strict_array([1.0]))
    assert not is_array([1.0, 2.0])
    assert not is_array(np.float64(1.0))
    assert not is_array(3.0)


def test_backend_of(backend):
    x = from_numpy(np.zeros(2))
    assert backend_of(x).name == backend.name
    assert backend_of(x).xp is backend.xp


# --- moving arrays -----------------------------------------------------------

def test_from_numpy_and_to_numpy_round_trip(backend):
    host = np.arange(6.0).reshape(2, 3)
    x = from_numpy(host)
    assert backend_of(x).name == backend.name
    back = to_numpy(x)
    assert isinstance(back, np.ndarray)
    np.testing.assert_array_equal(back, host)


def test_from_numpy_places_on_the_fake_device():
    x = from_numpy(np.ones(2), make_backend("array_api_strict"))
    assert str(x.device) == str(make_backend("array_api_strict").device)


def test_to_numpy_of_lists_and_numpy():
    host = np.ones(3)
    assert to_numpy(host) is host
    np.testing.assert_array_equal(to_numpy([1, 2]), [1, 2])


def test_asarray_makes_lists_on_the_default_backend(backend):
    x = asarray([[1, 2], [3, 4]], dtype="float64")
    assert backend_of(x).name == backend.name
    assert x.dtype == backend.xp.float64
    np.testing.assert_array_equal(to_numpy(x), [[1.0, 2.0], [3.0, 4.0]])


def test_asarray_keeps_an_array_where_it_is(backend):
    x = from_numpy(np.ones(2))
    assert asarray(x) is x
    y = asarray(x, dtype="float32")
    assert y.dtype == backend.xp.float32
    assert backend_of(y).name == backend.name


def test_asarray_moves_a_host_array_when_asked_by_name():
    x = asarray(np.arange(3.0), backend="array_api_strict")
    assert backend_of(x).name == "array_api_strict"
    np.testing.assert_array_equal(to_numpy(x), [0.0, 1.0, 2.0])
    y = asarray(np.arange(3), dtype="float32", backend="array_api_strict")
    assert y.dtype == make_backend("array_api_strict").xp.float32


def test_asarray_moves_between_devices_when_asked():
    cpu = strict_array([1.0, 2.0], device="CPU_DEVICE")
    moved = asarray(cpu, backend="array_api_strict")
    assert moved.device == make_backend("array_api_strict").device


def test_asarray_never_copies_a_device_array_to_the_host():
    with pytest.raises(BackendMismatchError) as info:
        asarray(strict_array([1.0]), backend="numpy")
    assert "to_numpy" in str(info.value)


def test_resolve_dtype(backend):
    assert resolve_dtype(backend.xp, "float32") == backend.xp.float32
    assert resolve_dtype(backend.xp, np.float64) == backend.xp.float64
    with pytest.raises(BackendError, match=r"dtype: got 'int32', expected"):
        resolve_dtype(backend.xp, "int32")


def test_random_generator_is_numpys():
    rng = random_generator(0)
    assert isinstance(rng, np.random.Generator)
    np.testing.assert_array_equal(
        rng.standard_normal(4), np.random.default_rng(0).standard_normal(4)
    )


def test_public_exports():
    for name in ["asarray", "get_backend", "set_backend", "use_backend",
                 "get_namespace", "to_numpy"]:
        assert getattr(fnnlab, name) is globals()[name]
