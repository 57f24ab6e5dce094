"""The training playground: choose data and a network, train it, look.

The controls only collect settings and pass them to
:func:`fnnlab.classifiers.run_playground`, which builds and trains the
network; the figure is drawn by :func:`fnnlab.plots.plot_decision_boundary`
and :func:`fnnlab.plots.plot_history`. All three are plain functions with
their own tests.

Chapter: *Networks as classifiers*, "A training playground".
"""

from __future__ import annotations

import html
import io
from typing import Any, Sequence

from ..classifiers import PLAYGROUND_DATASETS, parse_widths, run_playground
from ..errors import (
    FnnlabError,
    check_choice,
    check_nonnegative,
    check_positive,
    check_positive_int,
)
from ..plots import plot_decision_boundary, plot_history

__all__ = ["ACTIVATION_CHOICES", "Playground", "playground"]

ACTIVATION_CHOICES = ("relu", "tanh", "logistic", "leaky_relu")
"""The hidden activations the playground offers."""

_HELP = (
    "the playground needs ipywidgets and matplotlib: "
    "pip install 'fnnlab[plots]'"
)


def _libraries() -> tuple:
    try:
        import ipywidgets
        from matplotlib.figure import Figure
    except ImportError as error:
        raise ImportError(_HELP) from error
    return ipywidgets, Figure


class Playground:
    """Controls, a Train button, a progress bar, a status line and a figure
    (decision regions beside the loss and accuracy curves).

    Displaying a ``Playground`` displays its :attr:`widget`. Pressing Train
    calls :meth:`train`, which stores what it made in :attr:`net`,
    :attr:`history` and :attr:`data`.

    Attributes:
        controls: ``{"dataset", "widths", "activation", "lr", "lam",
            "epochs"}`` -> the ipywidgets control of that setting.
        button: the Train button (an ``ipywidgets.Button``).
        progress: the ``ipywidgets.IntProgress`` bar, one step an epoch.
        status: the ``ipywidgets.HTML`` status line.
        image: the ``ipywidgets.Image`` that shows ``figure`` as a PNG.
        figure: the matplotlib ``Figure`` shown in ``image``; its axes are
            ``boundary_ax``, ``loss_ax`` and ``accuracy_ax``.
        widget: the whole playground, an ``ipywidgets.VBox``.
        net: the network the last press of Train made (``None`` before).
        history: the :class:`fnnlab.History` of that training run.
        data: the ``(X, y)`` it was trained on.
    """

    def __init__(
        self,
        dataset: str = "moons",
        widths: Sequence[int] | str = (8, 8),
        activation: str = "relu",
        lr: float = 0.1,
        lam: float = 0.0,
        epochs: int = 200,
        seed: int = 0,
    ) -> None:
        widgets, Figure = _libraries()
        _check_start(dataset, activation, lr, lam, epochs)
        wide = {"description_width": "110px"}
        self.seed = seed
        self.controls = {
            "dataset": widgets.Dropdown(
                options=PLAYGROUND_DATASETS, value=dataset,
                description="data set", style=wide),
            "widths": widgets.Text(
                value=", ".join(str(m) for m in parse_widths(widths)),
                description="hidden widths", placeholder="e.g. 8, 8",
                style=wide),
            "activation": widgets.Dropdown(
                options=ACTIVATION_CHOICES, value=activation,
                description="activation", style=wide),
            "lr": widgets.FloatLogSlider(
                value=lr, base=10, min=-3, max=0, step=0.1,
                description="learning rate", readout_format=".3g",
                style=wide),
            "lam": widgets.BoundedFloatText(
                value=lam, min=0.0, max=10.0, step=1e-4,
                description="lambda", style=wide),
            "epochs": widgets.IntSlider(
                value=epochs, min=1, max=1000, description="epochs",
                style=wide),
        }
        self.button = widgets.Button(description="Train",
                                     button_style="primary")
        self.progress = widgets.IntProgress(
            value=0, min=0, max=epochs, description="training", style=wide)
        self.status = widgets.HTML(value="Press Train.")
        self.image = widgets.Image(format="png")
        self.figure = Figure(figsize=(11, 3.6), layout="constrained")
        axes = self.figure.subplots(1, 3)
        self.boundary_ax, self.loss_ax, self.accuracy_ax = axes
        self.net: Any = None
        self.history: Any = None
        self.data: Any = None
        self.button.on_click(lambda _button: self.train())
        self.widget = widgets.VBox([
            widgets.HBox([
                widgets.VBox(list(self.controls.values())[:3]),
                widgets.VBox(list(self.controls.values())[3:]),
            ]),
            widgets.HBox([self.button, self.progress]),
            self.status,
            self.image,
        ])

    def settings(self) -> dict:
        """The controls' values, as keyword arguments of run_playground."""
        values = {name: c.value for name, c in self.controls.items()}
        values["seed"] = self.seed
        return values

    def train(self) -> None:
        """What Train does: run the playground with the controls' settings,
        moving the progress bar each epoch, then redraw the figure.

        Bad settings (widths that are not numbers, a learning rate that
        diverges) are reported in the status line; the last result stays.
        """
        settings = self.settings()
        self.button.disabled = True
        self.progress.max = settings["epochs"]
        self.progress.value = 0

        def tick(epoch: int, history: Any) -> None:
            self.progress.value = epoch + 1

        try:
            settings["widths"] = parse_widths(settings["widths"])
            net, history, data = run_playground(**settings, callback=tick)
        except FnnlabError as error:
            self.status.value = (
                '<span style="color:#b00020">'
                + html.escape(str(error)) + "</span>"
            )
            return
        finally:
            self.button.disabled = False
        self.net, self.history, self.data = net, history, data
        self.draw()
        accuracy = history.train_accuracy[-1]
        self.status.value = (
            f"{history.epochs} epochs, network {list(net.widths)}: loss "
            f"{history.loss[-1]:.4f}, training accuracy {accuracy:.3f}"
        )

    def draw(self) -> None:
        """Redraw the regions and the training curves, and show them."""
        X, y = self.data
        for ax in (self.boundary_ax, self.loss_ax, self.accuracy_ax):
            ax.clear()
        plot_decision_boundary(self.net, X, y, ax=self.boundary_ax,
                               resolution=150)
        self.boundary_ax.set_title("decision regions")
        plot_history(self.history, axes=[self.loss_ax, self.accuracy_ax])
        buffer = io.BytesIO()
        self.figure.savefig(buffer, format="png", dpi=72)
        self.image.value = buffer.getvalue()

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.widget._repr_mimebundle_(**kwargs)

    def __repr__(self) -> str:
        return f"Playground({self.settings()!r})"


def _check_start(
    dataset: str, activation: str, lr: float, lam: float, epochs: int
) -> None:
    """Refuse starting values the controls would otherwise clip."""
    check_choice("dataset", dataset, PLAYGROUND_DATASETS)
    check_choice("activation", activation, ACTIVATION_CHOICES)
    if not 1e-3 <= check_positive("lr", lr) <= 1.0:
        raise FnnlabError(f"lr: got {lr!r}, expected 0.001 <= lr <= 1")
    if check_nonnegative("lam", lam) > 10.0:
        raise FnnlabError(f"lam: got {lam!r}, expected 0 <= lam <= 10")
    if check_positive_int("epochs", epochs) > 1000:
        raise FnnlabError(
            f"epochs: got {epochs!r}, expected 1 <= epochs <= 1000"
        )


def playground(
    dataset: str = "moons",
    widths: Sequence[int] | str = (8, 8),
    activation: str = "relu",
    lr: float = 0.1,
    lam: float = 0.0,
    epochs: int = 200,
    seed: int = 0,
    train: bool = True,
) -> Playground:
    """Make the training playground, trained once with these settings when
    ``train`` is true (so a saved notebook shows a result).

    Returns:
        the :class:`Playground`; it displays as its ipywidgets ``VBox``.

    Chapter: *Networks as classifiers*, "A training playground".
    """
    pg = Playground(dataset, widths, activation, lr, lam, epochs, seed)
    if train:
        pg.train()
    return pg
