"""Run protocol rows fold by fold, resumably, and compare every row with the baseline.

Each finished ``(row, fold)`` is one JSON file written atomically (its test videos, labels,
class scores and scores), so a killed run resumes where it stopped: a file whose
``signature`` (protocol, configuration, row, the fold's train and test videos) matches is
loaded instead of refitted. Paired comparisons use the fact that every row sees the same
folds: per-fold differences (sign-flip and paired t-test p-values) and a bootstrap over the
pooled test videos.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import time

import numpy as np

from ._routing import _fit_params

__all__ = ["group_splits", "paired_comparison", "row_slug", "run_rows", "summarize_rows"]

#: The scores of every fold, in table order.
METRICS = ("accuracy", "f1_macro", "f1_weighted", "balanced_accuracy")


def row_slug(name):
    """A file-system name for a row.

    Examples
    --------
    >>> from skvideo_clf.protocols._runner import row_slug
    >>> row_slug("CNN-LSTM + class weighting")
    'cnn_lstm_class_weighting'
    """
    keep = [c.lower() if c.isalnum() else "_" for c in name]
    return "_".join(filter(None, "".join(keep).split("_")))


def group_splits(y, groups, n_splits, *, random_state=0):
    """Group-aware stratified folds: no group is in both the training and the test side.

    Uses :class:`~sklearn.model_selection.StratifiedGroupKFold`; ``n_splits`` is lowered to
    the size of the smallest class's group count when that is smaller (at least 2).

    Parameters
    ----------
    y : array-like of shape (n_videos,)
    groups : array-like of shape (n_videos,)
    n_splits : int
    random_state : int, default=0

    Returns
    -------
    splits : list of (ndarray, ndarray)

    Examples
    --------
    >>> import numpy as np
    >>> from skvideo_clf.protocols._runner import group_splits
    >>> y = np.repeat(["a", "b"], 6)
    >>> groups = np.repeat(["a1", "a2", "a3", "b1", "b2", "b3"], 2)
    >>> splits = group_splits(y, groups, 3)
    >>> len(splits), all(not set(groups[tr]) & set(groups[te]) for tr, te in splits)
    (3, True)
    """
    from sklearn.model_selection import StratifiedGroupKFold

    y, groups = np.asarray(y), np.asarray(groups)
    per_class = min(len(np.unique(groups[y == c])) for c in np.unique(y))
    k = max(2, min(n_splits, per_class))
    cv = StratifiedGroupKFold(k, shuffle=True, random_state=random_state)
    return [(np.sort(tr), np.sort(te)) for tr, te in cv.split(np.zeros(len(y)), y, groups)]


def _scores(estimator, X, labels):
    """Class scores in ``labels`` order (a class unseen in training scores 0)."""
    if hasattr(estimator, "predict_proba"):
        raw = np.asarray(estimator.predict_proba(X), dtype=float)
    else:
        raw = np.asarray(estimator.decision_function(X), dtype=float)
        if raw.ndim == 1:
            raw = np.column_stack([-raw, raw])
    out = np.zeros((raw.shape[0], len(labels)))
    out[:, np.searchsorted(labels, estimator.classes_)] = raw
    return out


def _digest(obj):
    text = json.dumps(obj, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def fold_path(out_dir, row, k):
    return os.path.join(out_dir, "runs", row_slug(row), f"fold{k + 1}.json")


def _load(path, signature):
    try:
        with open(path, encoding="utf-8") as fh:
            record = json.load(fh)
    except (OSError, ValueError):
        return None
    return record if record.get("signature") == signature else None


def run_rows(rows, X, y, splits, *, out_dir, context=None, labels=None, progress=None,
             log=None):
    """Fit and score every row on every split; resume from the JSON files of ``out_dir``.

    Parameters
    ----------
    rows : sequence of (str, callable)
        ``(name, factory)``; ``factory()`` returns an unfitted classifier or Pipeline.
    X : ndarray of shape (n_videos,)
        Videos, indexed by integer arrays.
    y : array-like of shape (n_videos,)
    splits : list of (train, test)
        Every row sees the same splits.
    out_dir : str or None
        One ``runs/<row>/fold<k>.json`` per finished ``(row, fold)``, written atomically;
        None: nothing is written, nothing resumed.
    context : dict, default=None
        What else defines a result (protocol, configuration, video paths): part of each
        file's signature, so a changed setting is recomputed, never reused.
    labels : array-like, default=None
        Class order of the scores; ``np.unique(y)`` when None.
    progress : tqdm-like, default=None
        ``update(1)`` after each ``(row, fold)``; ``set_postfix_str`` names the running one.
    log : callable, default=None
        Told one line per resumed ``(row, fold)``.

    Returns
    -------
    results : list of dict
        Per row: ``name``, ``folds`` (the records: ``metrics``, ``test``, ``y_true``,
        ``y_pred``, ``y_score``, ``seconds``, ``resumed``, ``history``: the scalar
        entries of the final step's skorch history, or None), ``seconds``.

    Examples
    --------
    >>> import numpy as np, tempfile
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skvideo_clf.protocols._runner import run_rows
    >>> rng = np.random.default_rng(0)
    >>> y = np.repeat(["a", "b"], 10)
    >>> X = rng.normal(size=(20, 3)) + (y == "b")[:, None] * 3
    >>> splits = [(np.arange(0, 20, 2), np.arange(1, 20, 2))]
    >>> out = tempfile.mkdtemp()
    >>> res = run_rows([("logistic", LogisticRegression)], X, y, splits, out_dir=out)
    >>> res[0]["folds"][0]["metrics"]["accuracy"]
    1.0
    >>> run_rows([("logistic", LogisticRegression)], X, y, splits,
    ...          out_dir=out)[0]["folds"][0]["resumed"]
    True
    """
    from sklearn.base import clone

    from ..metrics import evaluate
    from ..utils import atomic_write_text

    y = np.asarray(y)
    labels = np.unique(y) if labels is None else np.asarray(labels)
    context = {} if context is None else context
    results = []
    for name, factory in rows:
        records = []
        t_row = time.perf_counter()
        for k, (train, test) in enumerate(splits):
            signature = _digest({"context": context, "row": name, "fold": k,
                                 "train": np.asarray(train).tolist(),
                                 "test": np.asarray(test).tolist()})
            path = None if out_dir is None else fold_path(out_dir, name, k)
            record = None if path is None else _load(path, signature)
            if record is not None:
                record["resumed"] = True
                if log is not None:
                    log(f"{name}, fold {k + 1}: finished earlier, kept ({path})")
            else:
                if progress is not None:
                    progress.set_postfix_str(f"{name}, fold {k + 1}/{len(splits)}")
                t0 = time.perf_counter()
                estimator = clone(factory())
                # the CNN-ResBiLSTM paper's class weighting counts the training fold
                # before resampling
                estimator.fit(X[train], y[train], **_fit_params(estimator, y[train]))
                score = _scores(estimator, X[test], labels)
                pred = np.asarray(estimator.predict(X[test]))
                report = evaluate(y[test], pred, y_score=score, labels=labels, k=(1,))
                record = {
                    "row": name, "fold": k + 1, "signature": signature,
                    "n_train": len(train), "test": np.asarray(test).tolist(),
                    "labels": [str(c) for c in labels],
                    "y_true": [str(c) for c in y[test]], "y_pred": [str(c) for c in pred],
                    "y_score": np.round(score, 6).tolist(),
                    "metrics": {m: _float(v) for m, v in report.summary().items()},
                    "seconds": time.perf_counter() - t0,
                    "history": _history(estimator),
                }
                if path is not None:
                    os.makedirs(os.path.dirname(path), exist_ok=True)
                    atomic_write_text(path, json.dumps(record))
                record["resumed"] = False
            records.append(record)
            if progress is not None:
                progress.update(1)
        results.append({"name": name, "folds": records,
                        "seconds": sum(r["seconds"] for r in records),
                        "wall_seconds": time.perf_counter() - t_row})
    return results


def _history(estimator):
    """The per-epoch scalars of a fitted skorch net (the last step), for training curves."""
    clf = estimator.steps[-1][1] if hasattr(estimator, "steps") else estimator
    history = getattr(clf, "history_", None)
    if history is None:
        return None

    def scalar(v):
        return isinstance(v, (bool, int)) or isinstance(v, float) and bool(np.isfinite(v))

    return [{k: v for k, v in epoch.items() if scalar(v)} for epoch in history]


def _float(v):
    return None if v is None or not np.isfinite(v) else float(v)


# --- paired comparisons ------------------------------------------------------------------

def _sign_flip_p(diffs, n_random=20000, random_state=0):
    """Two-sided p-value of mean(diffs) = 0 under random sign flips (exact up to 2^14)."""
    d = np.asarray(diffs, dtype=float)
    if len(d) == 0 or np.allclose(d, 0):
        return 1.0
    observed = abs(d.mean())
    if len(d) <= 14:
        signs = np.array(list(itertools.product((1, -1), repeat=len(d))))
    else:
        signs = np.random.default_rng(random_state).choice((1, -1), size=(n_random, len(d)))
    null = np.abs((signs * d).mean(axis=1))
    return float(np.mean(null >= observed - 1e-12))


def _confusions(t, p, n_classes, idx):
    """One confusion matrix per bootstrap resample (rows of ``idx``)."""
    B = idx.shape[0]
    codes = (np.arange(B)[:, None] * n_classes * n_classes + t[idx] * n_classes + p[idx])
    return np.bincount(codes.ravel(), minlength=B * n_classes ** 2).reshape(
        B, n_classes, n_classes)


def _metric_from_confusions(cm, metric, present):
    diag = np.diagonal(cm, axis1=1, axis2=2).astype(float)
    support = cm.sum(axis=2).astype(float)
    if metric == "accuracy":
        return diag.sum(axis=1) / cm.sum(axis=(1, 2))
    with np.errstate(divide="ignore", invalid="ignore"):
        recall = np.where(support > 0, diag / support, 0.0)
        if metric == "balanced_accuracy":
            return recall[:, present].mean(axis=1)
        predicted = cm.sum(axis=1).astype(float)
        precision = np.where(predicted > 0, diag / predicted, 0.0)
        f1 = np.where(precision + recall > 0,
                      2 * precision * recall / (precision + recall), 0.0)
    if metric == "f1_macro":
        return f1.mean(axis=1)
    if metric == "f1_weighted":
        return (f1 * support).sum(axis=1) / support.sum(axis=1)
    raise ValueError(f"No bootstrap for metric {metric!r}.")


def paired_comparison(baseline, row, *, metric="accuracy", n_bootstrap=2000,
                      random_state=0):
    """How ``row`` differs from ``baseline`` on the same folds and the same test videos.

    Parameters
    ----------
    baseline, row : dict
        Results of :func:`run_rows` (same splits).
    metric : {"accuracy", "f1_macro", "f1_weighted", "balanced_accuracy"}
    n_bootstrap : int, default=2000
        Resamples of the pooled test videos (paired: one resample scores both rows).
    random_state : int, default=0

    Returns
    -------
    comparison : dict
        ``metric``; ``diff`` (mean over folds of row - baseline); ``fold_diffs``;
        ``p_sign_flip`` (exact sign-flip test of the fold differences; with k folds it
        cannot go below ``2 / 2**k``); ``p_t`` (paired t-test, None under 2 folds or zero
        variance); ``bootstrap_ci`` (95 % interval of the pooled difference) and
        ``p_bootstrap``; ``beyond_noise`` (the interval excludes 0).

    Examples
    --------
    >>> from skvideo_clf.protocols._runner import paired_comparison
    >>> def res(pred):
    ...     return {"folds": [{"y_true": list("aabb"), "y_pred": pred, "labels": ["a", "b"],
    ...                        "metrics": {"accuracy": sum(map(str.__eq__, pred, "aabb")) / 4}}]}
    >>> cmp = paired_comparison(res(list("abab")), res(list("aabb")))
    >>> cmp["diff"], cmp["fold_diffs"]
    (0.5, [0.5])
    """
    from scipy import stats

    b_folds, r_folds = baseline["folds"], row["folds"]
    diffs = [_none_to_nan(r["metrics"].get(metric)) - _none_to_nan(b["metrics"].get(metric))
             for b, r in zip(b_folds, r_folds, strict=True)]
    out = {"metric": metric, "diff": float(np.nanmean(diffs)),
           "fold_diffs": [float(d) for d in diffs],
           "p_sign_flip": _sign_flip_p(np.asarray(diffs)[np.isfinite(diffs)]),
           "p_t": None}
    if len(diffs) >= 2 and np.nanstd(diffs) > 0:
        out["p_t"] = float(stats.ttest_1samp(diffs, 0.0, nan_policy="omit").pvalue)
    labels = b_folds[0]["labels"]
    index = {c: i for i, c in enumerate(labels)}

    def codes(folds, key):
        return np.array([index[v] for f in folds for v in f[key]], dtype=np.int64)

    t = codes(b_folds, "y_true")
    pb, pr = codes(b_folds, "y_pred"), codes(r_folds, "y_pred")
    rng = np.random.default_rng(random_state)
    present = np.unique(t)
    K = len(labels)
    boot = np.empty(n_bootstrap)
    for start in range(0, n_bootstrap, 250):  # chunks bound the memory of big test sets
        idx = rng.integers(0, len(t), size=(min(250, n_bootstrap - start), len(t)))
        boot[start:start + len(idx)] = (
            _metric_from_confusions(_confusions(t, pr, K, idx), metric, present)
            - _metric_from_confusions(_confusions(t, pb, K, idx), metric, present))
    lo, hi = np.quantile(boot, [0.025, 0.975])
    out["bootstrap_ci"] = [float(lo), float(hi)]
    out["p_bootstrap"] = float(min(1.0, 2 * min(np.mean(boot <= 0), np.mean(boot >= 0))))
    out["beyond_noise"] = bool(lo > 0 or hi < 0)
    return out


def _none_to_nan(v):
    return float("nan") if v is None else float(v)


def summarize_rows(results, *, metrics=METRICS):
    """Mean and standard deviation over folds of every metric, per row.

    Parameters
    ----------
    results : list of dict
        From :func:`run_rows`.
    metrics : sequence of str
        Keys of the fold records' ``metrics``.

    Returns
    -------
    rows : list of dict
        ``name``, ``<metric>_mean``, ``<metric>_std`` (None when no fold has the metric),
        ``seconds``.
    """
    out = []
    for res in results:
        row = {"name": res["name"]}
        for m in metrics:
            values = np.array([_none_to_nan(f["metrics"].get(m)) for f in res["folds"]])
            values = values[np.isfinite(values)]
            row[f"{m}_mean"] = float(values.mean()) if len(values) else None
            row[f"{m}_std"] = float(values.std()) if len(values) else None
        row["seconds"] = res["seconds"]
        out.append(row)
    return out
