"""The training playground widget, driven without a browser: set controls,
click Train, check what the callback produced."""

from __future__ import annotations

import sys
import warnings

import numpy as np
import pytest

pytest.importorskip("ipywidgets")
pytest.importorskip("matplotlib")

from fnnlab import FnnlabError, to_numpy  # noqa: E402
from fnnlab.classifiers import run_playground  # noqa: E402
from fnnlab.widgets.playground import Playground, playground  # noqa: E402

PNG = b"\x89PNG\r\n\x1a\n"


def _set(pg, **values):
    for name, value in values.items():
        pg.controls[name].value = value


def test_made_without_training_shows_nothing_yet():
    pg = playground(epochs=5, train=False)
    assert isinstance(pg, Playground)
    assert pg.history is None and pg.net is None
    assert pg.image.value == b""
    assert pg.status.value == "Press Train."
    assert pg.settings() == {
        "dataset": "moons", "widths": "8, 8", "activation": "relu",
        "lr": 0.1, "lam": 0.0, "epochs": 5, "seed": 0,
    }


def test_made_with_training_shows_a_result():
    pg = playground(dataset="xor", widths=(4,), epochs=12)
    assert pg.history.epochs == 12
    assert bytes(pg.image.value).startswith(PNG)
    assert "12 epochs" in pg.status.value
    assert pg.progress.value == pg.progress.max == 12


def test_click_trains_with_the_controls_settings():
    pg = playground(train=False)
    _set(pg, dataset="spirals", widths="6", activation="tanh", lr=0.3,
         lam=1e-3, epochs=7)
    pg.button.click()
    assert pg.net.widths == (2, 6, 3)
    assert pg.net.activations == ("tanh", "softmax")
    assert pg.history.epochs == 7
    _, expected, _ = run_playground("spirals", (6,), "tanh", 0.3, 1e-3, 7)
    assert pg.history.loss == expected.loss
    assert pg.progress.value == pg.progress.max == 7
    assert "7 epochs" in pg.status.value
    assert "network [2, 6, 3]" in pg.status.value


def test_the_figure_shows_this_run():
    pg = playground(train=False)
    _set(pg, dataset="moons", epochs=9)
    pg.button.click()
    (loss_line,) = pg.loss_ax.lines
    np.testing.assert_array_equal(loss_line.get_ydata(), pg.history.loss)
    np.testing.assert_array_equal(loss_line.get_xdata(), np.arange(1, 10))
    X, _ = pg.data
    points = pg.boundary_ax.collections[-1].get_offsets()
    np.testing.assert_array_equal(points, to_numpy(X))
    first = bytes(pg.image.value)
    assert first.startswith(PNG)
    _set(pg, dataset="xor")
    pg.button.click()
    assert bytes(pg.image.value) != first
    assert len(pg.loss_ax.lines) == 1


def test_progress_bar_moves_each_epoch_with_the_button_disabled():
    pg = playground(train=False)
    _set(pg, epochs=6)
    seen = []
    pg.progress.observe(
        lambda change: seen.append((change["new"], pg.button.disabled)),
        "value",
    )
    pg.button.click()
    assert seen == [(e, True) for e in range(1, 7)]
    assert pg.button.disabled is False
    pg.button.click()
    assert seen[6:] == [(0, True)] + [(e, True) for e in range(1, 7)]


def test_bad_widths_are_reported_and_the_last_result_kept():
    pg = playground(dataset="xor", epochs=3)
    history = pg.history
    _set(pg, widths="8, x")
    pg.button.click()
    assert "widths" in pg.status.value and "color" in pg.status.value
    assert pg.history is history
    assert pg.button.disabled is False


def test_divergence_is_reported():
    pg = playground(train=False)
    _set(pg, lr=1.0, lam=10.0, epochs=20)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        pg.button.click()
    assert "diverged" in pg.status.value
    assert pg.history is None


@pytest.mark.parametrize("kwargs, name", [
    ({"dataset": "circles"}, "dataset"),
    ({"activation": "swish"}, "activation"),
    ({"lr": 5.0}, "lr"),
    ({"lam": -1.0}, "lam"),
    ({"epochs": 5000}, "epochs"),
    ({"widths": "4, four"}, "widths"),
])
def test_starting_values_outside_the_controls_are_refused(kwargs, name):
    with pytest.raises(FnnlabError, match=name):
        playground(train=False, **kwargs)


def test_displays_as_its_ipywidgets_box():
    pg = playground(train=False)
    bundle = pg._repr_mimebundle_()
    view = bundle["application/vnd.jupyter.widget-view+json"]
    assert view["model_id"] == pg.widget.model_id
    assert "Playground(" in repr(pg)


def test_says_how_to_install_ipywidgets(monkeypatch):
    monkeypatch.setitem(sys.modules, "ipywidgets", None)
    with pytest.raises(ImportError, match=r"pip install 'fnnlab\[plots\]'"):
        playground(train=False)
