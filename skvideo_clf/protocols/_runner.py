"""Run protocol rows fold by fold, resumably, and compare every row with the baseline.

Each finished ``(row, fold)`` is one JSON file written atomically (its test videos, labels,
class scores and scores), so a killed run resumes where it stopped. A file is loaded instead
of refitted only when its ``signature`` matches: the protocol and configuration (``context``),
the row's name and every parameter of its estimator, the fold's train and test videos, and
the *content* of each of those videos as the chosen fingerprint mode sees it
(:func:`~skvideo_clf.video.source_fingerprint`). A file that cannot be read back (truncated,
``null``, edited by hand) is recomputed with a warning naming it.

Rows are compared with the baseline over folds (every row sees the same folds) by Nadeau and
Bengio's corrected resampled t-test, with Holm's correction across the rows
(:func:`compare_with_baseline`); a paired bootstrap of the pooled test videos says how
precisely the test set measures each difference (test-set sampling only, models fixed).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import time
import warnings

import numpy as np
from sklearn.base import clone
from sklearn.model_selection import StratifiedGroupKFold

from ..metrics import corrected_ttest, evaluate, holm, paired_bootstrap_difference
from ..utils import atomic_write_text
from ..video import source_fingerprint
from ._routing import fit_params

__all__ = ["compare_with_baseline", "group_splits", "paired_comparison", "row_folder",
           "row_slug", "run_rows", "summarize_rows"]

#: The scores of every fold, in table order.
METRICS = ("accuracy", "f1_macro", "f1_weighted", "balanced_accuracy")

#: Family-wise error rate of the verdicts of :func:`compare_with_baseline`.
ALPHA = 0.05


def row_slug(name):
    """A readable, case- and punctuation-blind key of a row name (``fit --row`` matches on it).

    Two names can share a slug ("SVM A" and "svm-a"); files use :func:`row_folder`.

    Examples
    --------
    >>> from skvideo_clf.protocols import row_slug
    >>> row_slug("CNN-LSTM + class weighting")
    'cnn_lstm_class_weighting'
    """
    keep = [c.lower() if c.isalnum() else "_" for c in name]
    return "_".join(filter(None, "".join(keep).split("_")))


def row_folder(name):
    """The folder of a row's files: its slug (at most 60 characters) and a short digest of
    the exact name, so that two names never share a folder.

    Examples
    --------
    >>> from skvideo_clf.protocols import row_folder
    >>> row_folder("SVM A") != row_folder("svm-a"), row_folder("+++") != row_folder("---")
    (True, True)
    >>> row_folder("CNN-LSTM + class weighting").startswith("cnn_lstm_class_weighting-")
    True
    """
    digest = hashlib.sha256(name.encode("utf-8")).hexdigest()[:8]
    slug = row_slug(name)[:60].rstrip("_")
    return f"{slug}-{digest}" if slug else digest


def group_splits(y, groups, n_splits, *, n_repeats=1, random_state=0):
    """Group-aware stratified folds, repeated: no group is in both the training and the
    test side of any split.

    The first repeat is :class:`~sklearn.model_selection.StratifiedGroupKFold` with
    ``shuffle=True``. It orders the groups by how uneven their class counts are before
    assigning them, so with groups that span classes (UCF101's ``gY``) new seeds mostly give
    the same partition again; each further repeat therefore assigns the groups in a fresh
    random order, each to the fold whose class proportions it disturbs least (the rule of
    StratifiedGroupKFold, ties to the smaller fold). A group always moves as a whole; every
    repeat is a different partition (drawn again when one repeats an earlier one).
    ``n_splits`` is lowered to the smallest class's group count when that is smaller (at
    least 2).

    Parameters
    ----------
    y : array-like of shape (n_videos,)
    groups : array-like of shape (n_videos,)
    n_splits : int
    n_repeats : int, default=1
        Partitions; the splits of repeat ``r`` are ``splits[r * k:(r + 1) * k]``.
    random_state : int, default=0

    Returns
    -------
    splits : list of (ndarray, ndarray)
        ``k * n_repeats`` (train, test) index pairs.

    Raises
    ------
    ValueError
        The groups admit fewer than ``n_repeats`` different partitions.

    Examples
    --------
    >>> import numpy as np
    >>> from skvideo_clf.protocols._runner import group_splits
    >>> y = np.repeat(["a", "b"], 6)
    >>> groups = np.tile(["g1", "g2", "g3", "g4", "g5", "g6"], 2)   # each gY spans both classes
    >>> splits = group_splits(y, groups, 3, n_repeats=2)
    >>> len(splits), all(not set(groups[tr]) & set(groups[te]) for tr, te in splits)
    (6, True)
    >>> [sorted(set(groups[te])) for _, te in splits[:3]] != [
    ...     sorted(set(groups[te])) for _, te in splits[3:]]
    True
    """
    y, groups = np.asarray(y), np.asarray(groups)
    per_class = min(len(np.unique(groups[y == c])) for c in np.unique(y))
    k = max(2, min(n_splits, per_class))
    cv = StratifiedGroupKFold(k, shuffle=True, random_state=random_state)
    first = [(np.sort(tr), np.sort(te)) for tr, te in cv.split(np.zeros(len(y)), y, groups)]
    splits, seen = list(first), {_partition(first)}
    rng = np.random.default_rng(random_state)
    _, y_codes = np.unique(y, return_inverse=True)
    group_names, g_codes = np.unique(groups, return_inverse=True)
    counts = np.zeros((len(group_names), y_codes.max() + 1))
    np.add.at(counts, (g_codes, y_codes), 1)
    for _ in range(n_repeats - 1):
        for _attempt in range(100):
            fold_of = _greedy_group_folds(counts, k, rng)
            fold = fold_of[g_codes]
            repeat = [(np.flatnonzero(fold != f), np.flatnonzero(fold == f)) for f in range(k)]
            if all(len(te) for _, te in repeat) and _partition(repeat) not in seen:
                break
        else:
            raise ValueError(
                f"n_repeats={n_repeats} (--repeats): only {len(seen)} different {k}-fold "
                f"partitions of the {len(group_names)} groups were found in 100 draws; "
                f"repeat at most {len(seen)} times, or use more groups.")
        seen.add(_partition(repeat))
        splits.extend(repeat)
    return splits


def _partition(splits):
    return frozenset(frozenset(te.tolist()) for _, te in splits)


def _greedy_group_folds(counts, k, rng):
    """Fold of each group (rows of ``counts``, classes per group) in a random order."""
    per_fold = np.zeros((k, counts.shape[1]))
    totals = np.maximum(counts.sum(axis=0), 1)
    fold_of = np.empty(len(counts), dtype=int)
    for g in rng.permutation(len(counts)):
        trial = per_fold[None] + np.eye(k)[:, :, None] * counts[g][None, None]
        spread = np.std(trial / totals, axis=1).mean(axis=1)
        sizes = trial.sum(axis=2)[np.arange(k), np.arange(k)]
        best = np.lexsort((sizes, np.round(spread, 12)))[0]
        fold_of[g] = best
        per_fold[best] += counts[g]
    return fold_of


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


#: Parameters that change where or how loudly a row runs, not what it computes.
_NOT_RESULT_PARAMS = frozenset({"memory", "verbose", "n_jobs"})


def describe_estimator(value):
    """Every parameter of an unfitted estimator, nested, as JSON-able data (for signatures).

    Estimators (anything with ``get_params``) become their class and parameters, recursively
    (``memory``, ``verbose`` and ``n_jobs`` left out: they do not change a result); arrays
    a digest of their bytes; other objects their ``repr`` without memory addresses.

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skvideo_clf.protocols._runner import describe_estimator
    >>> describe_estimator(LogisticRegression(C=2.0))["params"]["C"]
    2.0
    """
    if hasattr(value, "get_params") and not isinstance(value, type):
        cls = type(value)
        params = value.get_params(deep=False)
        return {"class": f"{cls.__module__}.{cls.__qualname__}",
                "params": {k: describe_estimator(v) for k, v in sorted(params.items())
                           if k not in _NOT_RESULT_PARAMS}}
    if isinstance(value, (list, tuple)):
        return [describe_estimator(v) for v in value]
    if isinstance(value, dict):
        return {str(k): describe_estimator(v) for k, v in value.items()}
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        data = np.ascontiguousarray(value)
        return f"array{data.shape}{data.dtype}:" + hashlib.sha256(
            data.tobytes() if data.dtype != object else repr(data.tolist()).encode()
        ).hexdigest()[:16]
    return re.sub(r" at 0x[0-9a-fA-F]+", "", repr(value))


def video_fingerprints(X, mode="stat"):
    """One content fingerprint per video of ``X`` (paths, arrays, clips), as the frame cache
    sees it (:func:`~skvideo_clf.video.source_fingerprint` with ``mode``); any other sample
    (a row of features) gets a digest of its values.

    Examples
    --------
    >>> import numpy as np
    >>> from skvideo_clf.protocols._runner import video_fingerprints
    >>> a, b = np.zeros((2, 8, 8, 3), np.uint8), np.ones((2, 8, 8, 3), np.uint8)
    >>> fa, fb = video_fingerprints([a, b])
    >>> fa != fb, video_fingerprints([a.copy()])[0] == fa
    (True, True)
    """
    out = []
    for x in X:
        try:
            out.append(source_fingerprint(x, mode))
        except (TypeError, ValueError):  # not a video: features, a tabular row
            data = np.ascontiguousarray(np.asarray(x))
            out.append(f"values:{data.shape}{data.dtype}:"
                       + hashlib.sha256(data.tobytes()).hexdigest()[:16])
    return out


def fold_path(out_dir, row, k):
    """``out_dir/runs/<row folder>/fold<k+1>.json``."""
    return os.path.join(out_dir, "runs", row_folder(row), f"fold{k + 1}.json")


#: What a fold file must hold to be reused.
_RECORD_KEYS = frozenset({"signature", "metrics", "test", "labels", "y_true", "y_pred",
                          "y_score", "n_train", "seconds"})


def _load(path, signature):
    """The record of ``path`` when its signature matches; None when it is absent or stale;
    None with a warning naming the file when it cannot be read back."""
    if not os.path.exists(path):
        return None
    try:
        with open(path, encoding="utf-8") as fh:
            record = json.load(fh)
    except (OSError, ValueError) as exc:
        problem = f"is not readable JSON ({type(exc).__name__}: {exc})"
    else:
        if not isinstance(record, dict):
            problem = f"holds {type(record).__name__}, not a fold result"
        elif record.get("signature") != signature:
            return None  # made by another configuration, videos or fold: recomputed silently
        elif not _RECORD_KEYS <= set(record) or not isinstance(record["metrics"], dict):
            problem = f"lacks {sorted(_RECORD_KEYS - set(record)) or ['a metrics table']}"
        else:
            return record
    warnings.warn(f"Fold result {path!r} {problem}; recomputing it.", UserWarning,
                  stacklevel=3)
    return None


def run_rows(rows, X, y, splits, *, out_dir, context=None, labels=None, progress=None,
             log=None, fingerprint="stat"):
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
        One ``runs/<row>/fold<k>.json`` per finished ``(row, fold)``, written atomically
        (``<row>`` is :func:`row_folder`); None: nothing is written, nothing resumed.
    context : dict, default=None
        What else defines a result (protocol, configuration): part of each file's signature,
        so a changed setting is recomputed, never reused.
    labels : array-like, default=None
        Class order of the scores; ``np.unique(y)`` when None.
    progress : tqdm-like, default=None
        ``update(1)`` after each ``(row, fold)``; ``set_postfix_str`` names the running one.
    log : callable, default=None
        Told one line per resumed ``(row, fold)``.
    fingerprint : {"stat", "sample", "full"}, default="stat"
        How a video file's content enters the signature
        (:func:`~skvideo_clf.video.source_fingerprint`; in-memory videos always by their
        pixels): a fold is recomputed when the content of one of its videos changed as this
        mode sees it, under the same path and label.

    Returns
    -------
    results : list of dict
        Per row: ``name``, ``folds`` (the records: ``metrics``, ``test``, ``y_true``,
        ``y_pred``, ``y_score``, ``seconds``, ``resumed``, ``history``: the scalar
        entries of the final step's skorch history, or None), ``seconds``.

    Warns
    -----
    UserWarning
        A fold file that cannot be read back (not JSON, ``null``, keys missing): named, and
        recomputed.

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
    y = np.asarray(y)
    labels = np.unique(y) if labels is None else np.asarray(labels)
    context = {} if context is None else context
    # the content of every video (not only its path) decides whether a result is reused
    contents = None if out_dir is None else video_fingerprints(X, fingerprint)
    results = []
    for name, factory in rows:
        records = []
        t_row = time.perf_counter()
        prototype = factory()  # each fold fits a clone: one build, one description per row
        estimator_id = None if out_dir is None else describe_estimator(prototype)
        for k, (train, test) in enumerate(splits):
            path = signature = record = None
            if out_dir is not None:
                signature = _digest({
                    "context": context, "row": name, "estimator": estimator_id, "fold": k,
                    "train": [[int(i), contents[i], str(y[i])] for i in train],
                    "test": [[int(i), contents[i], str(y[i])] for i in test]})
                path = fold_path(out_dir, name, k)
                record = _load(path, signature)
            if record is not None:
                record["resumed"] = True
                if log is not None:
                    log(f"{name}, fold {k + 1}: finished earlier, kept ({path})")
            else:
                if progress is not None:
                    progress.set_postfix_str(f"{name}, fold {k + 1}/{len(splits)}")
                t0 = time.perf_counter()
                estimator = clone(prototype)
                # the CNN-ResBiLSTM paper's class weighting counts the fold before resampling
                estimator.fit(X[train], y[train], **fit_params(estimator, y[train]))
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

def paired_comparison(baseline, row, *, metric="accuracy", n_bootstrap=2000,
                      random_state=0):
    """How ``row`` differs from ``baseline`` over the same folds and test videos.

    The test is Nadeau and Bengio's corrected resampled t-test of the per-fold differences
    (:func:`~skvideo_clf.metrics.corrected_ttest`, two-sided; the test/train size ratio is
    the folds' mean), which, unlike a bootstrap of the test videos, counts the variance that
    training on other videos brings. The bootstrap interval is kept and named for what it
    measures: test-set sampling only, with both trained models fixed.

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
        ``n_folds``; ``t``, ``df`` and ``p`` (the corrected t-test; t and p are None with
        fewer than 2 folds or when every fold gives the same difference; p is 1.0 when every
        difference is 0); ``test_set_ci`` (95 % percentile interval of the pooled difference
        under resampling of the test videos, models fixed; a video tested once per
        repeat is drawn as one video); ``same_predictions`` (whether the two rows
        predicted the same class for every test video of every fold).

    Examples
    --------
    >>> from skvideo_clf.protocols._runner import paired_comparison
    >>> def res(preds):
    ...     return {"folds": [{"y_true": list("aabb"), "y_pred": list(p), "labels": ["a", "b"],
    ...                        "n_train": 8, "test": [0, 1, 2, 3],
    ...                        "metrics": {"accuracy": sum(map(str.__eq__, p, "aabb")) / 4}}
    ...                       for p in preds]}
    >>> cmp = paired_comparison(res(["abab", "abab"]), res(["aabb", "aaba"]))
    >>> cmp["diff"], cmp["fold_diffs"], cmp["df"]
    (0.375, [0.5, 0.25], 1)
    """
    b_folds, r_folds = baseline["folds"], row["folds"]
    diffs = [_none_to_nan(r["metrics"].get(metric)) - _none_to_nan(b["metrics"].get(metric))
             for b, r in zip(b_folds, r_folds, strict=True)]
    finite = np.isfinite(diffs)
    test = corrected_ttest(diffs, [f["n_train"] for f in b_folds],
                           [len(f["test"]) for f in b_folds])
    y_true = np.concatenate([np.asarray(f["y_true"], dtype=str) for f in b_folds])
    pred_b = np.concatenate([np.asarray(f["y_pred"], dtype=str) for f in b_folds])
    pred_r = np.concatenate([np.asarray(f["y_pred"], dtype=str) for f in r_folds])
    video = np.concatenate([np.asarray(f["test"], dtype=np.int64) for f in b_folds])
    ci = paired_bootstrap_difference(y_true, pred_b, pred_r, metric=metric, groups=video,
                                     labels=b_folds[0]["labels"], n_resamples=n_bootstrap,
                                     random_state=random_state)
    return {"metric": metric,
            "diff": float(np.mean(np.asarray(diffs)[finite])) if finite.any() else None,
            "fold_diffs": [float(d) for d in diffs], "n_folds": int(finite.sum()),
            "t": _finite_or_none(test.statistic), "df": test.df,
            "p": _finite_or_none(test.pvalue), "test_set_ci": [ci[0], ci[1]],
            "same_predictions": all(list(map(str, b["y_pred"])) == list(map(str, r["y_pred"]))
                                    for b, r in zip(b_folds, r_folds, strict=True))}


def compare_with_baseline(results, baseline, *, metric="accuracy", alpha=ALPHA,
                          references=(), n_bootstrap=2000, random_state=0):
    """Every row against the baseline: corrected t-test over folds, Holm across the rows.

    Parameters
    ----------
    results : list of dict
        From :func:`run_rows`; the row named ``baseline`` is among them.
    baseline : str
    metric : str, default="accuracy"
    alpha : float, default=0.05
        Family-wise error rate of the verdicts (Holm's step-down procedure over the rows'
        two-sided p-values, :func:`~skvideo_clf.metrics.holm`).
    references : sequence of str, default=()
        Rows shown for reference (a chance row): their difference and t-test are
        reported, but they are not among the tests Holm's correction counts, and their
        verdict is ``"reference (not tested)"``.
    n_bootstrap, random_state
        Of the test-set interval (:func:`paired_comparison`).

    Returns
    -------
    comparisons : dict
        Row name -> :func:`paired_comparison`'s dict plus ``p_holm`` and ``verdict``:
        ``"higher"`` / ``"lower"`` (Holm-adjusted p below ``alpha``), ``"no evidence of a
        difference"`` (a difference this test could not tell from fold-to-fold variation:
        not a proof that the rows are equal; also when the metric is equal on every fold
        but the predictions differ), ``"identical on every fold"`` (the same predictions
        on every fold), or ``"untested: ..."`` (under 2 folds, or the same nonzero
        difference on every fold).

    Examples
    --------
    Per-fold differences that flip sign (as a late-fusion row's did on real footage) are no
    evidence, however large their mean:

    >>> from skvideo_clf.protocols._runner import compare_with_baseline
    >>> truth, wrong = ["a", "b"] * 5, ["b", "a"] * 5
    >>> def res(name, accs):
    ...     return {"name": name, "folds": [
    ...         {"metrics": {"accuracy": a}, "n_train": 40, "test": list(range(10)),
    ...          "labels": ["a", "b"], "y_true": truth,
    ...          "y_pred": truth[:round(10 * a)] + wrong[round(10 * a):]} for a in accs]}
    >>> base = res("base", [0.5, 0.6, 0.5, 0.6, 0.5])
    >>> flip = res("flip", [0.8, 0.5, 0.7, 0.5, 0.4])
    >>> cmp = compare_with_baseline([base, flip], "base", n_bootstrap=200)["flip"]
    >>> round(cmp["diff"], 2), cmp["verdict"]
    (0.04, 'no evidence of a difference')
    """
    base = next(r for r in results if r["name"] == baseline)
    out = {res["name"]: paired_comparison(base, res, metric=metric, n_bootstrap=n_bootstrap,
                                          random_state=random_state)
           for res in results if res["name"] != baseline}
    tested = [name for name in out if name not in set(references)]
    adjusted = holm([out[name]["p"] for name in tested])
    for name, cmp in out.items():
        cmp["alpha"] = alpha
        if name in tested:
            cmp["p_holm"] = _finite_or_none(adjusted[tested.index(name)])
            cmp["verdict"] = _verdict(cmp, alpha)
        else:
            cmp["p_holm"], cmp["verdict"] = None, "reference (not tested)"
    return out


def _verdict(cmp, alpha):
    if cmp["n_folds"] < 2:
        return "untested: needs 2 or more folds"
    if cmp.get("same_predictions"):
        return "identical on every fold"
    if all(d == 0 for d in cmp["fold_diffs"] if np.isfinite(d)):
        # the same score from different predictions: no difference seen, no equality shown
        return "no evidence of a difference"
    if cmp["t"] is None:
        return "untested: the same difference on every fold"
    if cmp["p_holm"] < alpha:
        return "higher" if cmp["diff"] > 0 else "lower"
    return "no evidence of a difference"


def _finite_or_none(v):
    return None if v is None or not np.isfinite(v) else float(v)


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
        ``name``, ``<metric>_mean``, ``<metric>_std`` (over the folds where the metric is
        defined; None when no fold has it), ``<metric>_n`` (those folds' count: a fold's
        tail recall is undefined when no class is below the median size), ``seconds``.
    """
    out = []
    for res in results:
        row = {"name": res["name"]}
        for m in metrics:
            values = np.array([_none_to_nan(f["metrics"].get(m)) for f in res["folds"]])
            values = values[np.isfinite(values)]
            row[f"{m}_mean"] = float(values.mean()) if len(values) else None
            row[f"{m}_std"] = float(values.std()) if len(values) else None
            row[f"{m}_n"] = len(values)
        row["seconds"] = res["seconds"]
        out.append(row)
    return out
