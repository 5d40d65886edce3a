"""Figures without a screen, and the training-curve plot of a skorch run."""

from __future__ import annotations

import os
from collections.abc import Mapping

from ..utils import atomic_open
from ..utils.compat.sklearn import HasMethods, validate_params

__all__ = ["new_figure", "plot_training_curves", "save_figure"]


@validate_params({"figsize": [tuple, list]}, prefer_skip_nested_validation=True)
def new_figure(figsize):
    """A figure outside pyplot on the Agg canvas, with one axes.

    Works without a screen and is never registered with pyplot, so drawing many figures
    (one per report) leaks nothing; save it with :func:`save_figure`.

    Parameters
    ----------
    figsize : tuple of (float, float)
        Width and height in inches.

    Returns
    -------
    fig : matplotlib.figure.Figure
        A figure with the constrained layout.
    ax : matplotlib.axes.Axes
        Its only axes.

    Examples
    --------
    >>> from skvideo_clf.metrics import new_figure
    >>> fig, ax = new_figure((4, 3))
    >>> _ = ax.bar(["a", "b"], [0.4, 0.6])
    >>> fig.get_size_inches().tolist()
    [4.0, 3.0]
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=figsize, layout="constrained")
    FigureCanvasAgg(fig)
    return fig, fig.add_subplot()


@validate_params(
    {"fig": [HasMethods(["savefig"])], "path": [str, os.PathLike]},
    prefer_skip_nested_validation=True,
)
def save_figure(fig, path):
    """Save ``fig`` to ``path`` atomically at 100 dpi, in the format its extension names.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure, e.g. from :func:`new_figure`.
    path : str or path-like
        Target file; ``.png``, ``.pdf``, ``.svg``... (PNG without an extension). A reader
        never sees a half-written file.

    Returns
    -------
    path : str or path-like
        ``path``, as given.

    Examples
    --------
    >>> import os, tempfile
    >>> from skvideo_clf.metrics import new_figure, save_figure
    >>> fig, ax = new_figure((3, 2))
    >>> _ = ax.plot([0, 1], [1, 0])
    >>> path = save_figure(fig, os.path.join(tempfile.mkdtemp(), "line.png"))
    >>> open(path, "rb").read(4)
    b'\\x89PNG'
    """
    with atomic_open(path, "wb") as f:
        fig.savefig(f, dpi=100, format=os.path.splitext(path)[1].lstrip(".") or "png")
    return path


def _history_rows(history):
    """The epochs of a skorch net, skorch History or list of per-epoch dicts."""
    history = getattr(history, "history_", None) or getattr(history, "history", history)
    rows = [dict(row) for row in history]
    if not rows or not all(isinstance(r, Mapping) for r in rows):
        raise ValueError("history must be a fitted skorch net, its History, or a non-empty "
                         "list of per-epoch dicts.")
    return rows


@validate_params(
    {"history": "no_validation", "ax": [HasMethods(["plot"]), None], "keys": ["array-like"]},
    prefer_skip_nested_validation=True,
)
def plot_training_curves(history, ax=None, *, keys=("train_loss", "valid_loss")):
    """Plot per-epoch losses of a skorch training run.

    Parameters
    ----------
    history : fitted skorch net, skorch ``History`` or list of dict
        Epoch records with an ``"epoch"`` entry and the ``keys`` to plot (skorch's own
        ``net.history`` format).
    ax : matplotlib Axes, default=None
        Where to draw; a new pyplot figure when None.
    keys : sequence of str, default=("train_loss", "valid_loss")
        Entries to plot; those absent from every epoch (``valid_loss`` without a validation
        split, the library's default) are skipped.

    Returns
    -------
    ax : matplotlib Axes

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> from skvideo_clf.metrics import plot_training_curves
    >>> history = [{"epoch": 1, "train_loss": 1.2}, {"epoch": 2, "train_loss": 0.7}]
    >>> ax = plot_training_curves(history, ax=Figure().add_subplot())
    >>> [line.get_label() for line in ax.get_lines()]
    ['train_loss']
    """
    rows = _history_rows(history)
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=(6, 4))
    plotted = 0
    for key in keys:
        points = [(r.get("epoch", i + 1), r[key]) for i, r in enumerate(rows)
                  if r.get(key) is not None]
        if points:
            epochs, values = zip(*points, strict=True)
            ax.plot(epochs, values, marker="o", markersize=3, label=key)
            plotted += 1
    if not plotted:
        raise ValueError(f"None of {list(keys)} is recorded in the history; it records "
                         f"{sorted(rows[-1])}.")
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss")
    ax.set_title("Training curves")
    ax.legend()
    return ax


def _precision_recall_curves(indicators, scores, labels, ax, title):
    """One precision-recall curve (AP in the legend) per column of ``indicators`` that has
    a positive; the single-label report passes one-vs-rest columns, the multi-label one
    its label matrix."""
    from sklearn.metrics import PrecisionRecallDisplay

    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=(6, 5))
    displays = [
        PrecisionRecallDisplay.from_predictions(indicators[:, j], scores[:, j],
                                                name=str(label), ax=ax,
                                                plot_chance_level=False)
        for j, label in enumerate(labels) if indicators[:, j].any()
    ]
    ax.set_xlabel("Recall")
    ax.set_ylabel("Precision")
    ax.set_title(title)
    ax.legend(fontsize="small", loc="lower left")
    return displays
