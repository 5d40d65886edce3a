"""The :class:`VideoReport` and the functions that compute it from predictions."""

from __future__ import annotations

import json
import math
import os
import warnings
from dataclasses import dataclass, field
from numbers import Integral, Real

import numpy as np
from imblearn.metrics import classification_report_imbalanced
from sklearn.metrics import (
    ConfusionMatrixDisplay,
    accuracy_score,
    average_precision_score,
    balanced_accuracy_score,
    confusion_matrix,
    f1_score,
    top_k_accuracy_score,
)
from sklearn.utils.multiclass import unique_labels

from ..utils import atomic_write_text
from ..utils.compat.sklearn import HasMethods, validate_params
from ._multilabel import MultiLabelVideoReport, evaluate_multilabel
from ._plots import _precision_recall_curves, new_figure, plot_training_curves, save_figure
from ._table import _plain, _ReportTables

__all__ = ["VideoReport", "evaluate", "evaluate_estimator"]

#: Per-class columns of the report: imbalanced-learn's keys -> the names the report uses.
_PER_CLASS = {"pre": "precision", "rec": "recall", "spe": "specificity", "f1": "f1",
              "geo": "geometric_mean", "sup": "support"}


@dataclass
class VideoReport(_ReportTables):
    """The scores of one set of predictions; build it with :func:`evaluate`.

    Attributes
    ----------
    labels : list
        Class labels, in the order of the columns of ``y_score`` and of the confusion matrix.
    accuracy, balanced_accuracy, f1_macro, f1_weighted : float
        Overall scores.
    per_class : dict
        ``{label: {"precision", "recall", "specificity", "f1", "geometric_mean", "support"}}``.
    hit_at_k : dict
        ``{k: fraction of videos whose true class is among the k highest scores}``; empty
        without scores.
    average_precision : dict or None
        One-vs-rest average precision per class (NaN for a class absent from ``y_true``);
        ``None`` without scores.
    mean_average_precision : float or None
        Mean of ``average_precision`` over the classes present in ``y_true``.
    confusion_matrix : ndarray of shape (n_classes, n_classes)
        Rows are true classes, columns predicted ones.
    y_true, y_pred, y_score : ndarray
        What the report was computed from (kept for the plots).

    Examples
    --------
    >>> from skvideo_clf.metrics import evaluate
    >>> report = evaluate(["a", "b", "b"], ["a", "b", "a"])
    >>> {k: round(v, 3) for k, v in report.summary().items()}
    {'accuracy': 0.667, 'f1_macro': 0.667, 'f1_weighted': 0.667, 'balanced_accuracy': 0.75}
    >>> report.confusion_matrix.tolist()
    [[1, 0], [1, 1]]
    """

    labels: list
    accuracy: float
    balanced_accuracy: float
    f1_macro: float
    f1_weighted: float
    per_class: dict
    hit_at_k: dict
    average_precision: dict | None
    mean_average_precision: float | None
    confusion_matrix: np.ndarray
    y_true: np.ndarray = field(repr=False)
    y_pred: np.ndarray = field(repr=False)
    y_score: np.ndarray | None = field(default=None, repr=False)

    # -- numbers ---------------------------------------------------------------------------
    def summary(self) -> dict:
        """The overall scores as a flat ``{name: float}`` dict (one row of a comparison)."""
        out = {
            "accuracy": self.accuracy,
            "f1_macro": self.f1_macro,
            "f1_weighted": self.f1_weighted,
            "balanced_accuracy": self.balanced_accuracy,
        }
        for k, v in self.hit_at_k.items():
            out[f"hit@{k}"] = v
        if self.mean_average_precision is not None:
            out["mAP"] = self.mean_average_precision
        return out

    def to_dict(self) -> dict:
        """Everything as plain Python values (JSON-serializable; labels become strings)."""
        per_class = {}
        for label in self.labels:
            row = {k: _plain(v) for k, v in self.per_class[label].items()}
            if self.average_precision is not None:
                ap = self.average_precision[label]
                row["average_precision"] = None if math.isnan(ap) else ap
            per_class[str(label)] = row
        return {
            "labels": [str(_plain(label)) for label in self.labels],
            **self.summary(),
            "per_class": per_class,
            "confusion_matrix": self.confusion_matrix.tolist(),
        }

    # -- tables ----------------------------------------------------------------------------
    def _per_class_rows(self):
        rows = []
        for label in self.labels:
            row = {"class": str(label)}
            row.update({k: v for k, v in self.per_class[label].items()})
            if self.average_precision is not None:
                row["average_precision"] = self.average_precision[label]
            rows.append(row)
        return rows

    # -- plots -----------------------------------------------------------------------------
    def plot_confusion_matrix(self, ax=None, *, normalize=None, **kwargs):
        """Draw the confusion matrix with :class:`sklearn.metrics.ConfusionMatrixDisplay`.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Where to draw; a new pyplot figure when None.
        normalize : {None, "true", "pred", "all"}, default=None
            As in :func:`sklearn.metrics.confusion_matrix`; ``"true"`` shows per-class recall,
            the view that makes a neglected minority class visible.
        **kwargs
            Passed to :meth:`ConfusionMatrixDisplay.plot` (e.g. ``cmap``).

        Returns
        -------
        display : ConfusionMatrixDisplay
        """
        cm = self.confusion_matrix.astype(float)
        if normalize is not None:
            cm = confusion_matrix(self.y_true, self.y_pred, labels=self.labels,
                                  normalize=normalize)
        kwargs.setdefault("xticks_rotation", "vertical")
        kwargs.setdefault("values_format", ".2f" if normalize else ".0f")
        disp = ConfusionMatrixDisplay(cm, display_labels=[str(c) for c in self.labels])
        return disp.plot(ax=ax, **kwargs)

    def plot_precision_recall(self, ax=None):
        """One-vs-rest precision-recall curve per class, one axes, with its AP in the legend.

        Classes absent from ``y_true`` have no curve.

        Returns
        -------
        displays : list of PrecisionRecallDisplay
        """
        if self.y_score is None:
            raise ValueError("Precision-recall curves need scores: pass y_score to evaluate().")
        one_vs_rest = np.asarray(self.y_true)[:, None] == np.asarray(self.labels)[None, :]
        return _precision_recall_curves(one_vs_rest, self.y_score, self.labels, ax,
                                        "Precision-recall, one class vs rest")

    def save(self, folder, *, prefix="", training_history=None) -> dict:
        """Write the report into ``folder``: Markdown, CSV, JSON and PNG plots.

        Parameters
        ----------
        folder : str or path-like
            Created if missing.
        prefix : str, default=""
            Prepended to every file name (several reports in one folder).
        training_history : skorch History, fitted skorch net, or list of dict, default=None
            When given, its loss curves are saved too (see :func:`plot_training_curves`).

        Returns
        -------
        paths : dict
            ``{"markdown", "csv", "summary_csv", "json", "confusion_matrix",
            "confusion_matrix_normalized", ["precision_recall"], ["training_curves"]}`` ->
            path written.
        """
        os.makedirs(folder, exist_ok=True)
        paths = {}

        def target(name):
            return os.path.join(os.fspath(folder), prefix + name)

        def write(name, text):  # a report is never left half-written
            atomic_write_text(target(name), text)
            return target(name)

        paths["markdown"] = write("report.md", self.to_markdown())
        paths["csv"] = write("per_class.csv", self.to_csv())
        paths["summary_csv"] = write("summary.csv", self.to_csv("summary"))
        paths["json"] = write("report.json", json.dumps(self.to_dict(), indent=2,
                                                        allow_nan=False, default=_plain))
        n = len(self.labels)
        size = (max(4.5, 0.6 * n + 2.5), max(4.0, 0.6 * n + 2.0))
        fig, ax = new_figure(size)
        self.plot_confusion_matrix(ax=ax, colorbar=False)
        paths["confusion_matrix"] = save_figure(fig, target("confusion_matrix.png"))
        fig, ax = new_figure(size)
        self.plot_confusion_matrix(ax=ax, normalize="true", colorbar=False)
        ax.set_title("Row-normalized (per-class recall)")
        paths["confusion_matrix_normalized"] = save_figure(
            fig, target("confusion_matrix_normalized.png"))
        if self.y_score is not None:
            fig, ax = new_figure((6, 5))
            self.plot_precision_recall(ax=ax)
            paths["precision_recall"] = save_figure(fig, target("precision_recall.png"))
        if training_history is not None:
            fig, ax = new_figure((6, 4))
            plot_training_curves(training_history, ax=ax)
            paths["training_curves"] = save_figure(fig, target("training_curves.png"))
        return paths


def _check_k(k):
    ks = (k,) if isinstance(k, Integral) else tuple(k)
    if not ks or any(not isinstance(v, Integral) or v < 1 for v in ks):
        raise ValueError(f"k must be a positive integer or a sequence of them, got {k!r}.")
    return tuple(int(v) for v in ks)


@validate_params(
    {
        "y_true": ["array-like"],
        "y_pred": ["array-like", None],
        "y_score": ["array-like", None],
        "labels": ["array-like", None],
        # no bounds here: _check_k names a bad k in its own words
        "k": [Integral, "array-like"],
        "threshold": [Real],
    },
    prefer_skip_nested_validation=True,
)
def evaluate(y_true, y_pred=None, *, y_score=None, labels=None, k=(1, 3),
             threshold=0.5) -> VideoReport | MultiLabelVideoReport:
    """Score predictions of a video classifier: every metric the five papers report.

    A 2-D ``y_true`` is a multi-label binary indicator matrix (one column per label, as
    :class:`~sklearn.preprocessing.MultiLabelBinarizer` makes it): the report is then a
    :class:`MultiLabelVideoReport` (mAP, per-label AP, hit@k, YouTube-8M's GAP@20,
    label-wise precision/recall/F1, micro and macro F1), and ``y_pred`` and ``y_score``
    must have the shape of ``y_true``.

    Parameters
    ----------
    y_true : array-like of shape (n_videos,) or (n_videos, n_labels)
        True labels (any type), or a binary indicator matrix for multi-label videos.
    y_pred : array-like of shape (n_videos,), default=None
        Predicted labels. When None, the label of the highest score in ``y_score``.
    y_score : array-like of shape (n_videos, n_classes), default=None
        Class probabilities or decision scores, one column per entry of ``labels``
        (``estimator.classes_`` order). Needed for hit@k, average precision and the
        precision-recall plot; a 1-D array is read as the score of ``labels[1]`` (binary).
    labels : array-like of shape (n_classes,), default=None
        Classes in column order. Defaults to the sorted union of ``y_true`` and ``y_pred``
        (the ``classes_`` order scikit-learn estimators use); give ``estimator.classes_`` when
        the evaluated videos do not cover every class the model knows.
    k : int or sequence of int, default=(1, 3)
        The ``k`` of hit@k. ``k`` at or above the number of classes counts as 1.0.
    threshold : float, default=0.5
        Multi-label only: without ``y_pred``, a label is predicted where its score is at
        least ``threshold`` (0.5 for probabilities; use 0 for decision scores).

    Returns
    -------
    report : VideoReport or MultiLabelVideoReport
        The scores, the confusion matrix (single-label) and what they were computed from.

    Examples
    --------
    >>> from skvideo_clf.metrics import evaluate
    >>> report = evaluate(["a", "a", "b", "c"], ["a", "b", "b", "c"],
    ...                   y_score=[[.6, .4, 0], [.3, .7, 0], [0, 1, 0], [.1, .2, .7]])
    >>> round(report.accuracy, 3), round(report.f1_macro, 3), report.hit_at_k
    (0.75, 0.778, {1: 0.75, 3: 1.0})
    >>> report.per_class["a"]["recall"], report.mean_average_precision
    (0.5, 1.0)
    """
    y_true = np.asarray(y_true)
    ks = _check_k(k)
    if y_true.ndim == 2 and y_true.size:
        return evaluate_multilabel(y_true, y_pred, y_score, labels, ks, threshold)
    if y_true.ndim != 1 or y_true.size == 0:
        raise ValueError(f"y_true must be a non-empty 1-D array of labels, got shape "
                         f"{y_true.shape}.")
    if y_score is not None:
        y_score = np.asarray(y_score, dtype=float)
        if y_score.shape[0] != y_true.shape[0]:
            raise ValueError(f"y_score has {y_score.shape[0]} rows but y_true has "
                             f"{y_true.shape[0]} labels.")
        if not np.isfinite(y_score).all():
            raise ValueError("y_score contains NaN or infinite values.")
    if labels is None:
        if y_pred is None and y_score is not None:
            raise ValueError("Give labels (estimator.classes_) with y_score: the column "
                             "order of the scores cannot be guessed.")
        labels = unique_labels(y_true, y_pred) if y_pred is not None else unique_labels(y_true)
    labels = np.asarray(labels)
    if labels.ndim != 1 or len(np.unique(labels)) != len(labels):
        raise ValueError("labels must be a 1-D array of distinct classes.")
    n_classes = len(labels)
    if y_score is not None:
        if y_score.ndim == 1:
            if n_classes != 2:
                raise ValueError("A 1-D y_score is only valid with two labels.")
            y_score = np.column_stack([-y_score, y_score])
        if y_score.ndim != 2 or y_score.shape[1] != n_classes:
            raise ValueError(f"y_score must have one column per label ({n_classes}), got "
                             f"shape {y_score.shape}.")
    if y_pred is None:
        if y_score is None:
            raise ValueError("Give y_pred, y_score or both.")
        y_pred = labels[np.argmax(y_score, axis=1)]
    y_pred = np.asarray(y_pred)
    if y_pred.shape != y_true.shape:
        raise ValueError(f"y_pred has shape {y_pred.shape}, y_true has {y_true.shape}.")
    unknown = np.setdiff1d(unique_labels(y_true, y_pred), labels)
    if unknown.size:
        raise ValueError(f"Labels {unknown.tolist()} appear in y_true/y_pred but not in "
                         f"labels={labels.tolist()}.")

    # Positional target names: str(label) could collide (1 and "1").
    names = [str(i) for i in range(n_classes)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # classes without support: 0 by design
        imb = classification_report_imbalanced(y_true, y_pred, labels=labels,
                                                target_names=names, output_dict=True,
                                                zero_division=0)
    per_class = {}
    for name, label in zip(names, labels.tolist(), strict=True):
        row = imb[name]
        per_class[label] = {ours: (int(row[theirs]) if theirs == "sup" else float(row[theirs]))
                            for theirs, ours in _PER_CLASS.items()}

    hit_at_k, ap, mean_ap = {}, None, None
    if y_score is not None:
        # top_k_accuracy_score wants its labels sorted: sort the columns with them.
        order = np.argsort(labels, kind="stable")
        sorted_labels, sorted_score = labels[order], y_score[:, order]
        for kk in ks:
            if kk >= n_classes:
                # Every class is among the top k: sklearn warns and returns 1.0; say it plainly.
                hit_at_k[kk] = 1.0
            elif n_classes == 2:
                hit_at_k[kk] = float(top_k_accuracy_score(y_true, sorted_score[:, 1], k=kk,
                                                          labels=sorted_labels))
            else:
                hit_at_k[kk] = float(top_k_accuracy_score(y_true, sorted_score, k=kk,
                                                          labels=sorted_labels))
        ap = {}
        for j, label in enumerate(labels.tolist()):
            positive = y_true == labels[j]
            # AP is undefined without a positive; sklearn would warn and return 0.
            ap[label] = (float(average_precision_score(positive, y_score[:, j]))
                         if positive.any() else float("nan"))
        present = [v for v in ap.values() if not math.isnan(v)]
        mean_ap = float(np.mean(present))

    return VideoReport(
        labels=labels.tolist(),
        accuracy=float(accuracy_score(y_true, y_pred)),
        balanced_accuracy=float(_balanced_accuracy(y_true, y_pred)),
        f1_macro=float(f1_score(y_true, y_pred, labels=labels, average="macro",
                                zero_division=0)),
        f1_weighted=float(f1_score(y_true, y_pred, labels=labels, average="weighted",
                                   zero_division=0)),
        per_class=per_class,
        hit_at_k=hit_at_k,
        average_precision=ap,
        mean_average_precision=mean_ap,
        confusion_matrix=confusion_matrix(y_true, y_pred, labels=labels),
        y_true=y_true,
        y_pred=y_pred,
        y_score=y_score,
    )


def _balanced_accuracy(y_true, y_pred):
    with warnings.catch_warnings():
        # A predicted class absent from y_true: sklearn warns, the mean recall stays right.
        warnings.simplefilter("ignore", UserWarning)
        return balanced_accuracy_score(y_true, y_pred)


@validate_params(
    {
        "estimator": [HasMethods(["predict"])],
        "X": "no_validation",  # videos, clips or features: whatever estimator accepts
        "y": ["array-like"],
        "k": [Integral, "array-like"],
    },
    prefer_skip_nested_validation=True,
)
def evaluate_estimator(estimator, X, y, *, k=(1, 3)) -> VideoReport:
    """Evaluate a fitted classifier (or Pipeline) on videos ``X`` with labels ``y``.

    Labels come from the classifier's own ``predict`` (a frame-voting classifier's majority
    vote, an SVM's decision, not the argmax of its probabilities) and scores from
    ``predict_proba`` (else ``decision_function``). For a Pipeline, the steps before the
    classifier run once and both methods of the classifier read their output, so videos
    are featurized only once. Without a score method the score-based metrics are absent.

    Parameters
    ----------
    estimator : fitted classifier with ``classes_``
        A classifier or a Pipeline ending in one.
    X : videos or features accepted by ``estimator``
        What ``estimator.predict`` reads.
    y : array-like of shape (n_videos,) or (n_videos, n_labels)
        True labels, or a binary indicator matrix for a multi-label classifier.
    k : int or sequence of int, default=(1, 3)
        The ``k`` of hit@k.

    Returns
    -------
    report : VideoReport or MultiLabelVideoReport
        Every score of :func:`evaluate`, with ``labels`` in ``estimator.classes_`` order.

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skvideo_clf.metrics import evaluate_estimator
    >>> X, y = [[0.0], [1.0], [2.0], [3.0]], ["no", "no", "yes", "yes"]
    >>> clf = LogisticRegression().fit(X, y)
    >>> evaluate_estimator(clf, X, y).accuracy
    1.0
    """
    classes = getattr(estimator, "classes_", None)
    if classes is None:
        raise ValueError("estimator must be a fitted classifier with classes_.")
    final = estimator
    if hasattr(estimator, "steps") and len(estimator.steps) > 1:
        # samplers run in fit only: skipped here as an imblearn Pipeline skips them at
        # predict time (a sub-pipeline ending in a sampler has no transform of its own)
        for _, step in estimator.steps[:-1]:
            if step not in (None, "passthrough") and not hasattr(step, "fit_resample"):
                X = step.transform(X)
        final = estimator.steps[-1][1]
    y_pred = final.predict(X)
    for method in ("predict_proba", "decision_function"):
        if hasattr(final, method):
            score = np.asarray(getattr(final, method)(X), dtype=float)
            return evaluate(y, y_pred, y_score=score, labels=classes, k=k)
    return evaluate(y, y_pred, labels=classes, k=k)
