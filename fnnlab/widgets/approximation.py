"""Widgets of the chapter *Universal approximation*.

* :func:`approximation_explorer`: pick a target, the number of units
  ``M``, the steepness, the kind of unit and how the weights are chosen;
  see the fit and its error. The numbers come from
  :func:`fnnlab.approximation.approximate`.
* :func:`bump_builder`: set every unit's ``w``, ``b`` and ``v`` by hand
  and try to build a given bump. The numbers come from
  :func:`fnnlab.approximation.units_picture`.

Both only wire controls to those functions: each change of a control
calls ``ipywidgets.interactive_output``'s callback, which computes, draws
a matplotlib figure and shows it as a PNG in the output area. Each
returns an ``ipywidgets.VBox`` that also carries, for tests and curious
readers, ``controls`` (name -> control), ``label`` (the text line under
the controls) and ``shown`` (a dict holding the latest ``"result"`` and
its ``"figure"``).
"""

from __future__ import annotations

import functools
import io
from typing import Any, Callable

from ..approximation import (
    METHODS,
    TARGETS,
    UNIT_ACTIVATIONS,
    approximate,
    bump,
    units_picture,
)
from ..errors import FnnlabError, check_choice, check_positive, check_positive_int

__all__ = ["approximation_explorer", "bump_builder", "require_plots", "show"]

_HELP = "these widgets need ipywidgets and matplotlib: pip install 'fnnlab[plots]'"


def require_plots() -> tuple:
    """Import ipywidgets and matplotlib's ``Figure`` (not pyplot, so no
    global figure list is touched), or raise an ImportError that says
    ``pip install 'fnnlab[plots]'``."""
    try:
        import ipywidgets
        from matplotlib.figure import Figure
    except ImportError as error:
        raise ImportError(_HELP) from error
    return ipywidgets, Figure


def show(figure: Any) -> None:
    """Display a matplotlib figure as a PNG image in the current output
    (inside a widget's output area when called from its callback)."""
    from IPython.display import Image, display

    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=80)
    display(Image(data=buffer.getvalue(), format="png"))


def _box(widgets: Any, controls: dict, label: Any, out: Any,
         rows: list, shown: dict) -> Any:
    box = widgets.VBox(rows + [label, out])
    box.controls = controls
    box.label = label
    box.shown = shown
    return box


# --- fit a target with M units --------------------------------------------------

EXPLORER_METHODS = tuple(m for m in METHODS if m != "train")
"""The explorer offers the two fast methods; training takes seconds."""


def approximation_explorer(
    target: str = "sine",
    M: int = 8,
    steepness: float = 100.0,
    activation: str = "logistic",
    method: str = "construct",
) -> Any:
    """A widget: the fit of ``target`` by ``M`` hidden units, and its error.

    Controls: ``target`` (:data:`fnnlab.approximation.TARGETS`), ``M``
    (1 to 64), ``steepness`` (1 to 1000, logistic units only),
    ``activation`` (logistic or ReLU units) and ``method``
    (``"construct"``: the staircase or the interpolating line;
    ``"least_squares"``: evenly spaced units, best output weights). The
    figure shows the target and the fit above, ``|F - f|`` below; the
    label gives the largest error.

    Returns:
        an ``ipywidgets.VBox`` (see the module's docstring).

    Chapter: *Universal approximation*.
    """
    widgets, Figure = require_plots()
    check_choice("target", target, TARGETS)
    check_positive_int("M", M)
    check_positive("steepness", steepness)
    check_choice("activation", activation, UNIT_ACTIVATIONS)
    check_choice("method", method, EXPLORER_METHODS)
    wide = {"description_width": "80px"}
    controls = {
        "target": widgets.Dropdown(options=list(TARGETS), value=target,
                                   description="target", style=wide),
        "M": widgets.IntSlider(value=M, min=1, max=64,
                               description="units M", style=wide),
        "steepness": widgets.FloatLogSlider(
            value=steepness, base=10, min=0, max=3, step=0.05,
            description="steepness", readout_format=".3g", style=wide),
        "activation": widgets.ToggleButtons(
            options=list(UNIT_ACTIVATIONS), value=activation,
            description="units", style=wide),
        "method": widgets.ToggleButtons(
            options=list(EXPLORER_METHODS), value=method,
            description="weights", style=wide),
    }
    label = widgets.HTML()
    shown: dict = {}

    def draw(target: str, M: int, steepness: float, activation: str,
             method: str) -> None:
        fit = approximate(target, M, steepness, activation, method)
        figure = Figure(figsize=(7.5, 4.2), layout="constrained")
        top, bottom = figure.subplots(
            2, 1, sharex=True, height_ratios=[3, 1.3])
        top.plot(fit.x, fit.f, "k--", lw=1.5, label=f"target: {target}")
        top.plot(fit.x, fit.F, "C0", lw=2, label=f"F with M = {M}")
        top.legend(loc="best")
        top.set_ylabel("value")
        bottom.plot(fit.x, abs(fit.F - fit.f), "C3")
        bottom.set_ylabel("|F - f|")
        bottom.set_xlabel("x")
        note = ""
        if activation == "relu":
            note = " (ReLU units: the steepness changes nothing)"
        label.value = (
            f"largest error on [0, 1]: <b>{fit.max_error:.4f}</b>{note}"
        )
        shown["result"], shown["figure"] = fit, figure
        show(figure)

    out = widgets.interactive_output(draw, controls)
    rows = [
        widgets.HBox([widgets.VBox([controls[k] for k in
                                    ("target", "M", "steepness")]),
                      widgets.VBox([controls["activation"],
                                    controls["method"]])]),
    ]
    return _box(widgets, controls, label, out, rows, shown)


# --- build a bump by hand -------------------------------------------------------

def bump_builder(
    units: int = 2,
    goal: tuple = (0.4, 0.6, 1.0, 50.0),
    start: tuple | None = None,
) -> Any:
    """A widget: set each logistic unit's ``w``, ``b`` and ``v`` by hand.

    The figure shows every unit's contribution ``v_m logistic(w_m x +
    b_m)`` (thin lines), their sum ``F`` (thick) and the goal, the
    :func:`fnnlab.approximation.bump` with ``goal = (left, right, height,
    steepness)`` (dashed). The label gives each unit's edge ``-b/w`` and
    the largest distance between ``F`` and the goal; it is 0 when the
    units rebuild the goal exactly.

    Args:
        units: how many units (1 to 4).
        goal: the bump to build.
        start: the starting ``(w, b, v)`` of each unit, one triple per
            unit (default: the first unit a step at 0.3, the others off).

    Returns:
        an ``ipywidgets.VBox`` (see the module's docstring); its controls
        are named ``"w1"``, ``"b1"``, ``"v1"``, ``"w2"``, ...

    Chapter: *Universal approximation*.
    """
    widgets, Figure = require_plots()
    units = check_positive_int("units", units)
    if units > 4:
        raise FnnlabError(f"units: got {units}, expected 1 to 4")
    left, right, height, steep = goal
    target: Callable = functools.partial(
        bump, left=left, right=right, height=height, steepness=steep)
    if start is None:
        start = [(20.0, -6.0, 1.0)] + [(20.0, -10.0, 0.0)] * (units - 1)
    if len(start) != units:
        raise FnnlabError(
            f"start: got {len(start)} triples, expected {units}, one "
            "(w, b, v) per unit"
        )
    wide = {"description_width": "40px"}
    controls = {}
    columns = []
    for m, (w, b, v) in enumerate(start, 1):
        controls[f"w{m}"] = widgets.FloatSlider(
            value=w, min=-100, max=100, step=1, description=f"w{m}",
            style=wide)
        controls[f"b{m}"] = widgets.FloatSlider(
            value=b, min=-100, max=100, step=0.5, description=f"b{m}",
            style=wide)
        controls[f"v{m}"] = widgets.FloatSlider(
            value=v, min=-2, max=2, step=0.05, description=f"v{m}",
            style=wide)
        columns.append(widgets.VBox(
            [widgets.HTML(f"<b>unit {m}</b>")]
            + [controls[f"{k}{m}"] for k in "wbv"]))
    label = widgets.HTML()
    shown: dict = {}

    def draw(**values: float) -> None:
        w = [values[f"w{m}"] for m in range(1, units + 1)]
        b = [values[f"b{m}"] for m in range(1, units + 1)]
        v = [values[f"v{m}"] for m in range(1, units + 1)]
        picture = units_picture(w, b, v, target=target)
        figure = Figure(figsize=(7.5, 3.4), layout="constrained")
        ax = figure.subplots()
        ax.plot(picture.x, picture.f, "k--", lw=1.5, label="goal")
        for m, part in enumerate(picture.contributions, 1):
            ax.plot(picture.x, part, lw=1, alpha=0.8, label=f"unit {m}")
        ax.plot(picture.x, picture.F, "C3", lw=2.5, label="F = sum")
        ax.set_ylim(-2.2, 2.2)
        ax.set_xlabel("x")
        ax.legend(loc="upper right", fontsize="small")
        edges = ", ".join(
            f"unit {m}: {e:.3f}" for m, e in enumerate(picture.edges, 1))
        label.value = (
            f"edges -b/w: {edges}. Largest distance to the goal: "
            f"<b>{picture.max_error:.4f}</b>"
        )
        shown["result"], shown["figure"] = picture, figure
        show(figure)

    out = widgets.interactive_output(draw, controls)
    return _box(widgets, controls, label, out, [widgets.HBox(columns)],
                shown)
