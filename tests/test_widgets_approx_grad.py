"""The widgets of *Universal approximation* and *Optimization problems*,
driven without a browser: make the widget, set a control, check what the
callback produced (the label's text, the data of the plotted lines)."""

from __future__ import annotations

import builtins
import importlib

import numpy as np
import pytest

pytest.importorskip("ipywidgets")
matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")

import ipywidgets  # noqa: E402

import fnnlab  # noqa: E402

from fnnlab import approximation as ua  # noqa: E402
from fnnlab import optimization as opt  # noqa: E402
from fnnlab.errors import FnnlabError  # noqa: E402
from fnnlab.widgets.approximation import (  # noqa: E402
    approximation_explorer,
    bump_builder,
)
from fnnlab.widgets.gradients import gradient_norms_explorer  # noqa: E402


@pytest.fixture(autouse=True)
def _host_unless_a_backend_is_asked_for(request):
    """Tests without the ``backend`` fixture check host arithmetic with
    NumPy arrays, so they run on NumPy even under FNNLAB_BACKEND."""
    if "backend" in request.fixturenames:
        yield
    else:
        with fnnlab.use_backend("numpy"):
            yield


def fit_line(box):
    """The y data of the fit (the second line of the top axes)."""
    return box.shown["figure"].axes[0].lines[1].get_ydata()


# --- the approximation explorer ---------------------------------------------------

def test_explorer_starts_with_the_given_settings():
    box = approximation_explorer(target="abs", M=7, steepness=80.0)
    assert isinstance(box, ipywidgets.VBox)
    expected = ua.approximate("abs", 7, 80.0)
    assert f"{expected.max_error:.4f}" in box.label.value
    np.testing.assert_allclose(fit_line(box), expected.F)


def test_explorer_redraws_when_a_control_moves():
    box = approximation_explorer()
    before = box.label.value
    box.controls["M"].value = 31
    expected = ua.approximate("sine", 31, 100.0)
    assert box.label.value != before
    assert f"<b>{expected.max_error:.4f}</b>" in box.label.value
    np.testing.assert_allclose(fit_line(box), expected.F)
    assert box.shown["result"].net.widths == (1, 31, 1)


def test_explorer_target_method_and_units():
    box = approximation_explorer(M=4)
    box.controls["target"].value = "step"
    np.testing.assert_allclose(box.shown["figure"].axes[0].lines[0].get_ydata(),
                               ua.approximate("step", 4, 100.0).f)
    box.controls["method"].value = "least_squares"
    assert box.shown["result"].max_error == pytest.approx(
        ua.approximate("step", 4, 100.0, method="least_squares").max_error)
    box.controls["activation"].value = "relu"
    assert "steepness changes nothing" in box.label.value
    first = fit_line(box).copy()
    box.controls["steepness"].value = 3.0
    np.testing.assert_allclose(fit_line(box), first, atol=1e-9)


def test_explorer_error_panel_shows_the_error():
    box = approximation_explorer(M=5)
    bottom = box.shown["figure"].axes[1]
    fit = box.shown["result"]
    np.testing.assert_allclose(bottom.lines[0].get_ydata(), np.abs(fit.F - fit.f))


def test_explorer_refuses_bad_starting_values():
    with pytest.raises(FnnlabError, match="method: got 'train'"):
        approximation_explorer(method="train")
    with pytest.raises(FnnlabError, match="target"):
        approximation_explorer(target="cosine")


# --- the bump builder -------------------------------------------------------------

def test_bump_builder_reaches_zero_error_at_the_goal():
    box = bump_builder()
    assert set(box.controls) == {"w1", "b1", "v1", "w2", "b2", "v2"}
    assert "unit 1: 0.300" in box.label.value
    for name, value in {"w1": 50, "b1": -20, "v1": 1,
                        "w2": 50, "b2": -30, "v2": -1}.items():
        box.controls[name].value = value
    assert "unit 1: 0.400, unit 2: 0.600" in box.label.value
    assert "<b>0.0000</b>" in box.label.value
    ax = box.shown["figure"].axes[0]
    goal, unit1, unit2, total = (line.get_ydata() for line in ax.lines)
    np.testing.assert_allclose(total, goal, atol=1e-12)
    np.testing.assert_allclose(unit1 + unit2, total)


def test_bump_builder_lines_follow_the_sliders():
    box = bump_builder(units=3)
    box.controls["v3"].value = 0.5
    box.controls["w3"].value = 10
    picture = box.shown["result"]
    x = picture.x
    expected = 0.5 / (1 + np.exp(-(10 * x - 10)))
    np.testing.assert_allclose(box.shown["figure"].axes[0].lines[3].get_ydata(),
                               expected, atol=1e-12)


def test_bump_builder_checks_its_arguments():
    with pytest.raises(FnnlabError, match="units: got 5"):
        bump_builder(units=5)
    with pytest.raises(FnnlabError, match="start: got 1 triples"):
        bump_builder(units=2, start=[(1, 0, 1)])


# --- the gradient-norm explorer ----------------------------------------------------

def test_gradient_explorer_shows_one_bar_per_layer():
    box = gradient_norms_explorer(depth=6, activation="logistic", width=8)
    bars = box.shown["figure"].axes[0].patches
    expected = opt.gradient_norm_profile(6, "logistic", 8)
    np.testing.assert_allclose([b.get_height() for b in bars], expected)
    assert f"{expected[0] / expected[-1]:.2e}" in box.label.value


def test_gradient_explorer_follows_depth_and_activation():
    box = gradient_norms_explorer(depth=4, width=8)
    box.controls["depth"].value = 12
    assert len(box.shown["figure"].axes[0].patches) == 12
    box.controls["activation"].value = "relu"
    expected = opt.gradient_norm_profile(12, "relu", 8)
    np.testing.assert_allclose(box.shown["result"], expected)
    assert f"{expected[0] / expected[-1]:.2e}" in box.label.value
    with pytest.raises(FnnlabError, match="depth: got 30"):
        gradient_norms_explorer(depth=30)


# --- without the plots extra ----------------------------------------------------------

def test_missing_ipywidgets_says_how_to_install(monkeypatch):
    real_import = builtins.__import__

    def no_widgets(name, *args, **kwargs):
        if name == "ipywidgets" or name.startswith("ipywidgets."):
            raise ImportError("No module named 'ipywidgets'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_widgets)
    module = importlib.import_module("fnnlab.widgets.approximation")
    for make in (module.approximation_explorer, module.bump_builder,
                 gradient_norms_explorer):
        with pytest.raises(ImportError, match=r"pip install 'fnnlab\[plots\]'"):
            make()
