"""The widget of the chapter *Optimization problems*: per-layer gradient norms.

:func:`gradient_norms_explorer` lets the reader pick the depth, the width
and the hidden activation of a fresh network and shows
``||dR/dW^(l)||_F`` for every layer ``l``, computed by
:func:`fnnlab.optimization.gradient_norm_profile` (one backpropagation on
the centered two-moons data). The returned ``ipywidgets.VBox`` carries
``controls``, ``label`` and ``shown`` like the widgets of
:mod:`fnnlab.widgets.approximation`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import FnnlabError, check_choice, check_positive_int
from ..optimization import gradient_norm_profile
from .approximation import _box, require_plots, show

__all__ = ["GRADIENT_ACTIVATIONS", "gradient_norms_explorer"]

GRADIENT_ACTIVATIONS = ("logistic", "tanh", "relu")
"""The hidden activations the explorer compares."""


def gradient_norms_explorer(
    depth: int = 10, activation: str = "logistic", width: int = 16
) -> Any:
    """A widget: every layer's gradient norm in a fresh deep network.

    Controls: ``depth`` (layers with parameters, 2 to 20), ``width``
    (units per hidden layer, 4 to 64) and ``activation``. The figure is a
    bar per layer on a logarithmic axis; the label gives the ratio of the
    first layer's norm to the last one's, which is near 1 when gradients
    neither vanish nor explode.

    Returns:
        an ``ipywidgets.VBox`` whose ``shown["result"]`` is the array of
        norms ``(depth,)``.

    Chapter: *Optimization problems*.
    """
    widgets, Figure = require_plots()
    depth = check_positive_int("depth", depth)
    if not 2 <= depth <= 20:
        raise FnnlabError(f"depth: got {depth}, expected 2 to 20")
    check_choice("activation", activation, GRADIENT_ACTIVATIONS)
    width = check_positive_int("width", width)
    wide = {"description_width": "80px"}
    controls = {
        "depth": widgets.IntSlider(value=depth, min=2, max=20,
                                   description="layers L", style=wide),
        "width": widgets.IntSlider(value=width, min=4, max=64,
                                   description="width", style=wide),
        "activation": widgets.ToggleButtons(
            options=list(GRADIENT_ACTIVATIONS), value=activation,
            description="hidden f", style=wide),
    }
    label = widgets.HTML()
    shown: dict = {}

    def draw(depth: int, width: int, activation: str) -> None:
        norms = gradient_norm_profile(depth, activation, width)
        figure = Figure(figsize=(7.5, 3.2), layout="constrained")
        ax = figure.subplots()
        layers = np.arange(1, depth + 1)
        ax.bar(layers, norms, color="C0")
        ax.set_yscale("log")
        ax.set_xticks(layers)
        ax.set_xlabel("layer l")
        ax.set_ylabel("||dR/dW^(l)||")
        ax.set_title(f"{activation}, {depth} layers of width {width}, "
                     "at initialization")
        label.value = (
            f"first layer / last layer: <b>{norms[0] / norms[-1]:.2e}</b>"
        )
        shown["result"], shown["figure"] = norms, figure
        show(figure)

    out = widgets.interactive_output(draw, controls)
    rows = [widgets.HBox([widgets.VBox([controls["depth"],
                                        controls["width"]]),
                          controls["activation"]])]
    return _box(widgets, controls, label, out, rows, shown)
