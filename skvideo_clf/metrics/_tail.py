"""Tail recall: how a classifier does on the rare classes of a long-tailed problem."""

from __future__ import annotations

import numpy as np
from sklearn.metrics import recall_score

__all__ = ["tail_classes", "tail_recall"]


def tail_classes(y, *, class_sizes=None):
    """The classes whose size is below the median class size.

    Parameters
    ----------
    y : array-like of shape (n_samples,)
        Labels whose counts are the class sizes (e.g. the training labels), unless
        ``class_sizes`` is given.
    class_sizes : dict or None, default=None
        ``{label: size}``, instead of counting ``y``.

    Returns
    -------
    ndarray
        The tail classes, sorted. Empty when every class has the median size.

    Examples
    --------
    >>> from skvideo_clf.metrics import tail_classes
    >>> tail_classes(list("aaaabbbccd")).tolist()
    ['c', 'd']
    """
    if class_sizes is None:
        labels, counts = np.unique(np.asarray(y), return_counts=True)
    else:
        labels = np.array(sorted(class_sizes))
        counts = np.array([class_sizes[c] for c in labels], dtype=float)
    return labels[counts < np.median(counts)]


def tail_recall(y_true, y_pred, *, class_sizes=None, labels=None):
    """Mean recall of the classes below the median class size ("tail recall").

    The long-tail literature reports accuracy on the rare ("tail" or "few-shot") classes
    beside overall accuracy; with a handful of classes, as in video datasets, the split
    is the median class size: the classes strictly below it are the tail.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n_samples,)
    class_sizes : dict or None, default=None
        ``{label: size}`` deciding the tail (e.g. the training counts). None: the counts of
        ``y_true`` (a stratified test fold has the training proportions).
    labels : array-like or None, default=None
        Every class of the problem; only classes with videos in ``y_true`` are scored.

    Returns
    -------
    float
        NaN when it is undefined: no class is strictly below the median size (every class
        the same size, as in a fold of a balanced set), or no tail class has a video in
        ``y_true``. Averaged over folds, take the mean over the folds where it is defined
        and say how many they are (``compare`` shows e.g. ``0.500 (1 of 2 folds)``):
        never count an undefined fold as 0.

    Examples
    --------
    >>> from skvideo_clf.metrics import tail_recall
    >>> y_true = list("aaaabbbccd")
    >>> y_pred = list("aaaabbbcaa")
    >>> tail_recall(y_true, y_pred)  # c: 1/2, d: 0/1
    0.25
    >>> tail_recall(list("aabb"), list("aaab"))  # no class below the median: undefined
    nan
    """
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    if len(y_true) != len(y_pred):
        raise ValueError(f"y_true and y_pred differ in length: {len(y_true)} and "
                         f"{len(y_pred)}.")
    tail = tail_classes(y_true, class_sizes=class_sizes)
    if labels is not None:
        tail = tail[np.isin(tail, np.asarray(labels))]
    tail = tail[np.isin(tail, y_true)]
    if not len(tail):
        return float("nan")
    return float(np.mean(recall_score(y_true, y_pred, labels=tail, average=None,
                                      zero_division=0)))
