"""The report of a multi-label classifier (YouTube-8M and CCV scores).

A video labelled with several classes has a binary indicator row ``y_true[i]`` (one column
per label) and one score per label. The scores YouTube-8M and CCV quote:

* mean average precision (the hybrid framework paper on CCV): the mean over labels of
  :func:`sklearn.metrics.average_precision_score` on each column;
* hit@k: the fraction of videos with a true label among their ``k`` highest scores;
* GAP@20, YouTube-8M's global average precision: the 20 highest scores of every video are
  pooled and ranked, and AP is computed on that list over *all* true labels;
* label-wise precision, recall and F1, with micro and macro F1 and the subset accuracy, from
  :func:`sklearn.metrics.precision_recall_fscore_support` on thresholded predictions.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass, field

import numpy as np
from sklearn.metrics import (
    accuracy_score,
    average_precision_score,
    f1_score,
    precision_recall_fscore_support,
)
from sklearn.utils.multiclass import type_of_target

from ..utils import atomic_write_text
from ._plots import _precision_recall_curves, new_figure, save_figure
from ._table import _plain, _ReportTables

__all__ = ["MultiLabelVideoReport", "global_average_precision"]

#: YouTube-8M scores the 20 highest predictions of each video.
GAP_TOP_K = 20


def global_average_precision(y_true, y_score, *, top_k=GAP_TOP_K) -> float:
    """YouTube-8M's global average precision (GAP@k).

    The ``top_k`` highest scores of every video are pooled into one list, ranked by score,
    and its average precision is computed against the number of *all* true labels (those
    outside a video's top ``k`` count as missed), as in YouTube-8M's ``eval_util``.

    Parameters
    ----------
    y_true : array-like of shape (n_videos, n_labels)
        Binary indicator matrix.
    y_score : array-like of shape (n_videos, n_labels)
        Scores, higher meaning more likely.
    top_k : int, default=20
        Predictions kept per video (all of them when there are fewer labels).

    Returns
    -------
    gap : float
        0 when no video has a true label.

    Examples
    --------
    >>> from skvideo_clf.metrics import global_average_precision
    >>> global_average_precision([[1, 0], [0, 1]], [[.9, .1], [.8, .3]])
    0.8333333333333333
    """
    y_true = np.asarray(y_true)
    y_score = np.asarray(y_score, dtype=float)
    k = min(int(top_k), y_score.shape[1])
    # stable sort on -score: ties keep column order, so the number is reproducible
    top = np.argsort(-y_score, axis=1, kind="stable")[:, :k]
    rows = np.arange(y_score.shape[0])[:, None]
    scores, hits = y_score[rows, top].ravel(), y_true[rows, top].ravel() > 0
    n_positives = int((y_true > 0).sum())
    if n_positives == 0:
        return 0.0
    hits = hits[np.argsort(-scores, kind="stable")]
    precision_at_hits = np.cumsum(hits)[hits] / (np.flatnonzero(hits) + 1)
    return float(precision_at_hits.sum() / n_positives)


@dataclass
class MultiLabelVideoReport(_ReportTables):
    """The scores of multi-label predictions; :func:`evaluate` builds it from a 2-D ``y_true``.

    Attributes
    ----------
    labels : list
        Label names, in column order of ``y_true`` and ``y_score``.
    subset_accuracy : float
        Fraction of videos whose whole predicted label set is right.
    f1_micro, f1_macro : float
        F1 over all (video, label) decisions, and the mean of the label-wise F1.
    per_class : dict
        ``{label: {"precision", "recall", "f1", "support"}}`` (support: videos carrying it).
    hit_at_k : dict
        ``{k: fraction of videos with a true label among their k highest scores}``.
    average_precision : dict or None
        Average precision of each label's column (NaN for a label no video carries).
    mean_average_precision : float or None
        Mean of ``average_precision`` over the labels some video carries.
    global_average_precision : float or None
        YouTube-8M's GAP@20 (see :func:`global_average_precision`).
    y_true, y_pred, y_score : ndarray
        What the report was computed from.

    Examples
    --------
    >>> from skvideo_clf.metrics import evaluate
    >>> report = evaluate([[1, 0, 1], [0, 1, 0]], y_score=[[.9, .2, .6], [.3, .4, .1]])
    >>> report.mean_average_precision, report.hit_at_k
    (1.0, {1: 1.0, 3: 1.0})
    >>> report.per_class[1]["recall"]
    0.0
    """

    _rows_title = "Per label"

    labels: list
    subset_accuracy: float
    f1_micro: float
    f1_macro: float
    per_class: dict
    hit_at_k: dict
    average_precision: dict | None
    mean_average_precision: float | None
    global_average_precision: float | None
    y_true: np.ndarray = field(repr=False)
    y_pred: np.ndarray = field(repr=False)
    y_score: np.ndarray | None = field(default=None, repr=False)

    def summary(self) -> dict:
        """The overall scores as a flat ``{name: float}`` dict."""
        out = {"subset_accuracy": self.subset_accuracy, "f1_micro": self.f1_micro,
               "f1_macro": self.f1_macro}
        for k, v in self.hit_at_k.items():
            out[f"hit@{k}"] = v
        if self.mean_average_precision is not None:
            out["mAP"] = self.mean_average_precision
            out[f"GAP@{GAP_TOP_K}"] = self.global_average_precision
        return out

    def _per_class_rows(self):
        rows = []
        for label in self.labels:
            row = {"label": str(label), **self.per_class[label]}
            if self.average_precision is not None:
                row["average_precision"] = self.average_precision[label]
            rows.append(row)
        return rows

    def to_dict(self) -> dict:
        """Everything as plain Python values (JSON-serializable; labels become strings)."""
        per_class = {}
        for row in self._per_class_rows():
            name = row.pop("label")
            per_class[name] = {k: (None if isinstance(v, float) and math.isnan(v)
                                   else _plain(v)) for k, v in row.items()}
        return {"labels": [str(_plain(label)) for label in self.labels], "multilabel": True,
                **self.summary(), "per_class": per_class}

    def plot_precision_recall(self, ax=None):
        """Precision-recall curve of each label carried by some video, with its AP.

        Returns
        -------
        displays : list of PrecisionRecallDisplay
        """
        if self.y_score is None:
            raise ValueError("Precision-recall curves need scores: pass y_score to evaluate().")
        return _precision_recall_curves(np.asarray(self.y_true, bool), self.y_score,
                                        self.labels, ax, "Precision-recall per label")

    def save(self, folder, *, prefix="") -> dict:
        """Write Markdown, CSV, JSON and (with scores) the precision-recall plot.

        Returns
        -------
        paths : dict
            ``{"markdown", "csv", "summary_csv", "json", ["precision_recall"]}`` -> path.
        """
        os.makedirs(folder, exist_ok=True)

        def target(name):
            return os.path.join(os.fspath(folder), prefix + name)

        def write(name, text):
            atomic_write_text(target(name), text)
            return target(name)

        paths = {
            "markdown": write("report.md", self.to_markdown()),
            "csv": write("per_class.csv", self.to_csv()),
            "summary_csv": write("summary.csv", self.to_csv("summary")),
            "json": write("report.json", json.dumps(self.to_dict(), indent=2,
                                                    allow_nan=False, default=_plain)),
        }
        if self.y_score is not None:
            fig, ax = new_figure((6, 5))
            self.plot_precision_recall(ax=ax)
            paths["precision_recall"] = save_figure(fig, target("precision_recall.png"))
        return paths


def evaluate_multilabel(y_true, y_pred, y_score, labels, ks, threshold):
    """:func:`evaluate` for a 2-D ``y_true``; the arguments are those of ``evaluate``."""
    y_true = np.asarray(y_true)
    if type_of_target(y_true) != "multilabel-indicator" or not np.isin(y_true, (0, 1)).all():
        raise ValueError(
            "A 2-D y_true must be a binary indicator matrix (n_videos, n_labels) with at "
            f"least 2 labels, got shape {y_true.shape} of {type_of_target(y_true)!r}; "
            "binarize lists of labels with sklearn.preprocessing.MultiLabelBinarizer.")
    y_true = y_true.astype(int)
    n_videos, n_labels = y_true.shape
    if labels is None:
        labels = list(range(n_labels))
    labels = np.asarray(labels)
    if labels.ndim != 1 or len(labels) != n_labels or len(np.unique(labels)) != n_labels:
        raise ValueError(f"labels must name the {n_labels} columns of y_true, distinct, "
                         f"got {labels.tolist()}.")
    if y_score is not None:
        y_score = np.asarray(y_score, dtype=float)
        if y_score.shape != y_true.shape:
            raise ValueError(f"y_score has shape {y_score.shape} but the multi-label y_true "
                             f"has shape {y_true.shape}: one score per video and label.")
        if not np.isfinite(y_score).all():
            raise ValueError("y_score contains NaN or infinite values.")
    if y_pred is None:
        if y_score is None:
            raise ValueError("Give y_pred, y_score or both.")
        y_pred = (y_score >= threshold).astype(int)
    y_pred = np.asarray(y_pred)
    if y_pred.shape != y_true.shape:
        raise ValueError(f"y_pred has shape {y_pred.shape} but the multi-label y_true has "
                         f"shape {y_true.shape}: give y_pred as an indicator matrix too.")
    if not np.isin(y_pred, (0, 1)).all():
        raise ValueError("A multi-label y_pred must be a binary indicator matrix (0 and 1).")
    y_pred = y_pred.astype(int)

    precision, recall, f1, support = precision_recall_fscore_support(
        y_true, y_pred, average=None, zero_division=0)
    per_class = {
        label: {"precision": float(p), "recall": float(r), "f1": float(f),
                "support": int(s)}
        for label, p, r, f, s in zip(labels.tolist(), precision, recall, f1, support,
                                     strict=True)
    }
    hit_at_k, ap, mean_ap, gap = {}, None, None, None
    if y_score is not None:
        order = np.argsort(-y_score, axis=1, kind="stable")
        rows = np.arange(n_videos)[:, None]
        for kk in ks:
            hits = y_true[rows, order[:, :min(kk, n_labels)]].any(axis=1)
            hit_at_k[kk] = float(hits.mean())
        ap = {label: (float(average_precision_score(y_true[:, j], y_score[:, j]))
                      if y_true[:, j].any() else float("nan"))
              for j, label in enumerate(labels.tolist())}
        present = [v for v in ap.values() if not math.isnan(v)]
        mean_ap = float(np.mean(present)) if present else float("nan")
        gap = global_average_precision(y_true, y_score)
    return MultiLabelVideoReport(
        labels=labels.tolist(),
        subset_accuracy=float(accuracy_score(y_true, y_pred)),
        f1_micro=float(f1_score(y_true, y_pred, average="micro", zero_division=0)),
        f1_macro=float(f1_score(y_true, y_pred, average="macro", zero_division=0)),
        per_class=per_class,
        hit_at_k=hit_at_k,
        average_precision=ap,
        mean_average_precision=mean_ap,
        global_average_precision=gap,
        y_true=y_true,
        y_pred=y_pred,
        y_score=y_score,
    )
