"""Optional dependencies: import them, or say which extra to install.

The core of fnnlab needs only NumPy, array-api-compat, scikit-learn and
tqdm. Figures and widgets, symbolic differentiation and the GPU backend
need more, grouped as the package's *extras*::

    pip install 'fnnlab[plots]'      # matplotlib, ipywidgets
    pip install 'fnnlab[symbolic]'   # sympy
    pip install 'fnnlab[gpu]'        # cupy-cuda12x

A module that needs one of them calls :func:`require` where it needs it
(inside the function, so that ``import fnnlab`` never does), and a reader
without the extra gets a :class:`MissingExtraError` that names the missing
package and the command to run, instead of a traceback from deep inside
another library.

See the README, section *Installing*.
"""

from __future__ import annotations

import importlib
import importlib.util
from types import ModuleType

__all__ = ["EXTRAS", "MissingExtraError", "pyplot", "require"]

EXTRAS: dict = {
    "matplotlib": ("plots", "matplotlib"),
    "ipywidgets": ("plots", "ipywidgets"),
    "IPython": ("plots", "ipython"),
    "sympy": ("symbolic", "sympy"),
    "cupy": ("gpu", "cupy-cuda12x"),
}
"""Top-level import name -> (extra that brings it, its name on PyPI)."""


class MissingExtraError(ImportError):
    """An optional dependency is not installed.

    Attributes:
        name: the top-level module that is missing (as for ImportError).
        extra: the fnnlab extra that installs it, e.g. ``"plots"``.
        command: the install command, e.g. ``pip install 'fnnlab[plots]'``.
    """

    def __init__(self, module: str, extra: str, purpose: str | None = None):
        top = module.partition(".")[0]
        package = EXTRAS.get(top, (extra, top))[1]
        self.extra = extra
        self.command = f"pip install 'fnnlab[{extra}]'"
        needs = f"{purpose} needs" if purpose else "this needs"
        super().__init__(
            f"{needs} {package}, which is not installed; install it "
            f"with: {self.command}",
            name=top,
        )


def _missing(module: str) -> bool:
    """True when ``module`` (or the package it belongs to) is absent, as
    opposed to present but failing to import for another reason."""
    parts = module.split(".")
    for i in range(1, len(parts) + 1):
        try:
            if importlib.util.find_spec(".".join(parts[:i])) is None:
                return True
        except (ImportError, ValueError):
            return True
    return False


def require(
    module: str, extra: str | None = None, purpose: str | None = None
) -> ModuleType:
    """Import ``module`` (dotted names allowed) and return it.

    Args:
        module: what to import, e.g. ``"matplotlib.pyplot"`` or ``"sympy"``.
        extra: the fnnlab extra that installs it (default: looked up in
            :data:`EXTRAS` by the top-level name).
        purpose: what needs it, for the message (e.g. ``"fnnlab.plots"``).

    Raises:
        MissingExtraError: the package is not installed; the message names
            it and gives ``pip install 'fnnlab[<extra>]'``. An installed
            package that fails to import for another reason raises its own
            error unchanged, since reinstalling the extra would not help.
    """
    top = module.partition(".")[0]
    if extra is None:
        if top not in EXTRAS:
            raise ValueError(
                f"require: got module {module!r}, which belongs to no "
                f"fnnlab extra; expected one of {sorted(EXTRAS)} or an "
                f"explicit extra="
            )
        extra = EXTRAS[top][0]
    try:
        return importlib.import_module(module)
    except ImportError as error:
        if not _missing(module):
            raise
        raise MissingExtraError(module, extra, purpose) from error


def pyplot(purpose: str | None = None) -> ModuleType:
    """``matplotlib.pyplot``, or a :class:`MissingExtraError` naming the
    ``plots`` extra."""
    return require("matplotlib.pyplot", "plots", purpose)
