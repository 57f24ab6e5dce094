"""Shared fixtures: every backend test runs on NumPy and on array_api_strict
(the stand-in for a GPU: it refuses implicit host copies), and on CuPy where
a GPU is present. ``FNNLAB_BACKEND=cupy`` runs the suite on CuPy alone."""

from __future__ import annotations

import os

import numpy as np
import pytest
from hypothesis import HealthCheck, settings

import fnnlab
from fnnlab.backend import make_backend, use_backend

# Seeded (derandomize): a run fails or passes the same way every time.
# The backend fixture only sets the default backend, which every
# hypothesis example may share, hence the suppressed health check.
settings.register_profile(
    "ci",
    deadline=None,
    max_examples=40,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
settings.load_profile("ci")


def _available() -> list:
    forced = os.environ.get("FNNLAB_BACKEND")
    if forced:
        return [forced]
    names = ["numpy", "array_api_strict"]
    try:
        make_backend("cupy")
        names.append("cupy")
    except fnnlab.BackendError:
        pass
    return names


@pytest.fixture(params=_available())
def backend(request):
    """Make each backend the default in turn; yields the Backend."""
    with use_backend(request.param) as b:
        yield b


@pytest.fixture
def rng():
    return np.random.default_rng(0)
