"""Comparing two models fairly: the corrected resampled t-test, Holm's correction, and a
paired bootstrap of the test videos.

Scores of two models measured on the same cross-validation folds are not independent: the
training sets of the folds overlap, so the plain paired t-test over folds is too confident.
Nadeau and Bengio (2003), "Inference for the Generalization Error" (Machine Learning 52),
correct the variance of the per-fold differences by ``1/k + n_test/n_train``; scikit-learn's
example "Statistical comparison of models using grid search" uses exactly this test, which
:func:`corrected_ttest` reproduces. Comparing several rows with one baseline makes several
tests: :func:`holm` adjusts their p-values (Holm 1979, "A simple sequentially rejective
multiple test procedure", step-down), so that the chance of any false "differs" stays under
alpha.

:func:`paired_bootstrap_difference` measures something else: how much a difference of two
*fixed, already trained* models moves when the test videos are resampled (test-set sampling
only). It ignores the variance of training, so it is no test of whether a *method* beats
another; it is kept to say how precisely the test set measures the difference.

Why here and not in ``protocols``: these are functions of score arrays (any scikit-learn
``cv_results_`` can use them, as in scikit-learn's example), they need only numpy and scipy,
and the runner of ``protocols`` (a floor above) calls them through this package's public
names.
"""

from __future__ import annotations

from collections import namedtuple

import numpy as np
from scipy import stats

__all__ = ["CorrectedTTestResult", "corrected_ttest", "holm", "paired_bootstrap_difference"]

#: The result of :func:`corrected_ttest`.
CorrectedTTestResult = namedtuple("CorrectedTTestResult", ["statistic", "pvalue", "df"])


def corrected_ttest(differences, n_train, n_test, *, alternative="two-sided"):
    """Nadeau and Bengio's corrected resampled t-test of per-fold score differences.

    With ``k`` evaluations (folds, times repeats) of two models on the same splits and
    ``d`` their per-fold differences, the statistic is
    ``t = mean(d) / sqrt(var(d, ddof=1) * (1/k + n_test/n_train))`` on ``k - 1`` degrees of
    freedom of Student's t distribution (:data:`scipy.stats.t`). The ``n_test/n_train``
    term accounts for the overlap of the training sets that the plain paired t-test
    ignores. scikit-learn's example "Statistical comparison of models using grid search"
    reports the one-sided p-value ``t.sf(|t|, k - 1)``; ``alternative="two-sided"`` is twice
    that (capped at 1).

    Parameters
    ----------
    differences : array-like of shape (k,)
        Score of model B minus score of model A, per fold (NaN entries are left out).
    n_train, n_test : int or array-like of shape (k,)
        Training and test set sizes; per-fold sizes (group-aware folds differ a little) are
        averaged, and the ratio of the means is used.
    alternative : {"two-sided", "greater", "less"}, default="two-sided"
        ``"greater"``: B scores higher than A (scikit-learn's example tests this side).

    Returns
    -------
    result : CorrectedTTestResult
        ``statistic`` (t), ``pvalue`` and ``df`` (``k - 1``). ``statistic`` and ``pvalue``
        are NaN with fewer than two finite differences or when every difference is the same
        (no variance to test: identical differences, e.g. two identical models, give
        ``statistic=nan`` and ``pvalue=1.0`` when the differences are all zero).

    Examples
    --------
    Five folds with 80 training and 20 test videos: the correction multiplies the variance
    of the mean by ``(1/5 + 20/80) / (1/5) = 2.25``, so t shrinks by 1.5 from the plain
    paired t-test's.

    >>> import numpy as np
    >>> from scipy import stats
    >>> from skvideo_clf.metrics import corrected_ttest
    >>> d = [0.05, 0.02, 0.04, 0.01, 0.03]
    >>> res = corrected_ttest(d, 80, 20)
    >>> round(res.statistic, 4), round(res.pvalue, 4), res.df
    (2.8284, 0.0474, 4)
    >>> round(float(stats.ttest_1samp(d, 0).statistic) / 1.5, 4)
    2.8284
    """
    if alternative not in ("two-sided", "greater", "less"):
        raise ValueError(f"alternative must be 'two-sided', 'greater' or 'less'; got "
                         f"{alternative!r}.")
    d = np.asarray(differences, dtype=float).ravel()
    d = d[np.isfinite(d)]
    k = len(d)
    df = max(k - 1, 0)
    ratio = float(np.mean(n_test)) / float(np.mean(n_train))
    if k < 2:
        return CorrectedTTestResult(float("nan"), float("nan"), df)
    var = np.var(d, ddof=1)
    if var <= 1e-24 * max(1.0, float(np.mean(d)) ** 2):
        same = bool(np.allclose(d, 0.0, atol=1e-12))
        return CorrectedTTestResult(float("nan"), 1.0 if same else float("nan"), df)
    t = float(np.mean(d) / np.sqrt(var * (1.0 / k + ratio)))
    if alternative == "greater":
        p = stats.t.sf(t, df)
    elif alternative == "less":
        p = stats.t.cdf(t, df)
    else:
        p = min(1.0, 2.0 * stats.t.sf(abs(t), df))
    return CorrectedTTestResult(t, float(p), df)


def holm(pvalues):
    """Holm's step-down adjusted p-values (family-wise error rate across the tests).

    The ``m`` p-values are sorted, ``p_(1) <= ... <= p_(m)``; the ``i``-th smallest is
    multiplied by ``m - i + 1``, and a running maximum keeps the adjusted values in the same
    order (capped at 1). Rejecting every hypothesis whose adjusted p-value is below alpha is
    Holm's procedure at level alpha. (:func:`scipy.stats.false_discovery_control` adjusts for
    the false discovery rate, Benjamini-Hochberg, which is a weaker guarantee.)

    Parameters
    ----------
    pvalues : array-like of shape (m,)
        NaN (or None) marks a test that was not made: it stays NaN and does not count in
        ``m``.

    Returns
    -------
    adjusted : ndarray of shape (m,)

    Examples
    --------
    Four tests at alpha = 0.05: Holm rejects the first and the fourth (0.005 * 4 = 0.02,
    0.01 * 3 = 0.03) and stops at 0.03 * 2 = 0.06.

    >>> from skvideo_clf.metrics import holm
    >>> holm([0.01, 0.04, 0.03, 0.005]).round(3).tolist()
    [0.03, 0.06, 0.06, 0.02]
    """
    p = np.array([np.nan if v is None else v for v in np.ravel(pvalues)], dtype=float)
    out = np.full(p.shape, np.nan)
    tested = np.flatnonzero(np.isfinite(p))
    m = len(tested)
    if m == 0:
        return out
    order = tested[np.argsort(p[tested], kind="stable")]
    scaled = p[order] * (m - np.arange(m))
    out[order] = np.minimum(1.0, np.maximum.accumulate(scaled))
    return out


def _resample_metric(t, p, n_classes, metric, weight=None):
    """``metric`` of every row of the integer label arrays ``t``, ``p`` of shape (B, n),
    from per-class counts (true positives, support, predictions): O(B * (n + classes)).
    ``weight`` (0 or 1, same shape) leaves padding entries out."""
    B = t.shape[0]
    w = np.ones(t.shape) if weight is None else weight.astype(float)
    if metric == "accuracy":
        return ((t == p) * w).sum(axis=1) / w.sum(axis=1)
    offset = np.arange(B)[:, None] * n_classes

    def counts(codes, weights):
        return np.bincount(codes.ravel(), weights=weights.ravel(),
                           minlength=B * n_classes).reshape(B, n_classes)

    tp = counts(offset + t, (t == p) * w)
    support = counts(offset + t, w)
    with np.errstate(divide="ignore", invalid="ignore"):
        recall = np.where(support > 0, tp / support, 0.0)
        if metric == "balanced_accuracy":  # over the classes present in each resample
            return recall.sum(axis=1) / (support > 0).sum(axis=1)
        predicted = counts(offset + p, w)
        precision = np.where(predicted > 0, tp / predicted, 0.0)
        f1 = np.where(precision + recall > 0,
                      2 * precision * recall / (precision + recall), 0.0)
    if metric == "f1_macro":
        return f1.mean(axis=1)
    return (f1 * support).sum(axis=1) / support.sum(axis=1)


#: The metrics :func:`paired_bootstrap_difference` computes.
BOOTSTRAP_METRICS = ("accuracy", "f1_macro", "f1_weighted", "balanced_accuracy")


def paired_bootstrap_difference(y_true, y_pred_a, y_pred_b, *, metric="accuracy",
                                groups=None, labels=None, n_resamples=2000,
                                confidence_level=0.95, random_state=0):
    """Confidence interval of ``metric(b) - metric(a)`` under resampling of the test set.

    One bootstrap resample of the test videos scores both prediction sets (paired), through
    :func:`scipy.stats.bootstrap` (percentile interval). **What it measures**: test-set
    sampling only. The models are fixed, so the interval says how precisely these test
    videos measure the difference between *these two trained models*; it ignores how the
    models would change when trained on other videos, and is no test that one method beats
    another (use :func:`corrected_ttest` over folds for that).

    Parameters
    ----------
    y_true, y_pred_a, y_pred_b : array-like of shape (n_predictions,)
        Labels and the two models' predictions of the same videos.
    metric : {"accuracy", "f1_macro", "f1_weighted", "balanced_accuracy"}, default="accuracy"
        As :mod:`sklearn.metrics` computes them on each resample: macro scores average over
        ``labels``, balanced accuracy over the classes present in the resample.
    groups : array-like of shape (n_predictions,), default=None
        The video of each prediction, when a video is predicted more than once (repeated
        cross-validation tests each video once per repeat): a resample draws videos, each
        with all its predictions. None: every prediction its own video.
    labels : array-like, default=None
        Class order; the union of the three arrays when None.
    n_resamples : int, default=2000
    confidence_level : float, default=0.95
    random_state : int, default=0

    Returns
    -------
    low, high : float

    Examples
    --------
    >>> import numpy as np
    >>> from skvideo_clf.metrics import paired_bootstrap_difference
    >>> y = np.repeat(["a", "b"], 50)
    >>> good, poor = y.copy(), y.copy()
    >>> poor[::2] = "a"                         # half of the "b" videos wrong
    >>> low, high = paired_bootstrap_difference(y, poor, good)
    >>> bool(0.15 < low < 0.25 < high < 0.35)
    True
    """
    if metric not in BOOTSTRAP_METRICS:
        raise ValueError(f"metric must be one of {BOOTSTRAP_METRICS}; got {metric!r}.")
    y_true, a, b = (np.asarray(v).astype(str) for v in (y_true, y_pred_a, y_pred_b))
    labels = (np.unique(np.concatenate([y_true, a, b])) if labels is None
              else np.asarray(labels).astype(str))
    index = {c: i for i, c in enumerate(labels)}
    try:
        t, pa, pb = (np.array([index[v] for v in arr], dtype=np.int64)
                     for arr in (y_true, a, b))
    except KeyError as exc:
        raise ValueError(
            f"Label {str(exc.args[0])!r} is not among labels {labels.tolist()}.") from None
    K = len(labels)
    # rows: videos; columns: their predictions (-1 pads videos predicted fewer times)
    _, video = np.unique(np.arange(len(t)) if groups is None else np.asarray(groups),
                         return_inverse=True)
    order = np.argsort(video, kind="stable")
    per_video = np.bincount(video)
    slots = np.full((len(per_video), per_video.max(initial=0)), -1)
    rank = np.arange(len(t)) - np.repeat(np.cumsum(per_video) - per_video, per_video)
    slots[video[order], rank] = order

    def statistic(videos, axis=-1):
        rows = slots[np.asarray(videos, dtype=np.int64)]            # (..., n_videos, m)
        shape = rows.shape[:-2]
        rows = rows.reshape(-1, rows.shape[-2] * rows.shape[-1])
        valid, rows = rows >= 0, np.maximum(rows, 0)
        diff = (_resample_metric(t[rows], pb[rows], K, metric, valid)
                - _resample_metric(t[rows], pa[rows], K, metric, valid))
        return diff.reshape(shape)

    n_videos = len(per_video)
    if n_videos < 2 or np.array_equal(pa, pb):
        value = float(statistic(np.arange(n_videos)[None])[0]) if n_videos else float("nan")
        return value, value
    res = stats.bootstrap((np.arange(n_videos),), statistic, n_resamples=n_resamples,
                          batch=250, vectorized=True, method="percentile",
                          confidence_level=confidence_level,
                          rng=np.random.default_rng(random_state))
    return float(res.confidence_interval.low), float(res.confidence_interval.high)
