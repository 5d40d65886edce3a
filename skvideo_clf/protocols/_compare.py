"""Cross-validate preset rows: fold scores, and one out-of-fold report per row."""

from __future__ import annotations

import time

import numpy as np

__all__ = ["cross_validate_presets"]

#: The fold scores of :func:`cross_validate_presets`: the three numbers of seed 000's tables.
SCORING = ("accuracy", "f1_macro", "f1_weighted")


def _scores(estimator, X):
    method = "predict_proba" if hasattr(estimator, "predict_proba") else "decision_function"
    return np.asarray(getattr(estimator, method)(X), dtype=float)


def _fit_params(estimator, y):
    """The labels before resampling, for a pipeline whose classifier weights behind a sampler.

    Seed 000's class weighting counts the classes before oversampling; a Pipeline hands
    its last step only the resampled ``y``, so the original labels travel as the fit
    parameter ``y_before_resampling`` (cross_validate splits them with ``X``).
    """
    import inspect

    from sklearn import get_config
    from sklearn.utils.metadata_routing import get_routing_for_object

    steps = getattr(estimator, "steps", None)
    if not steps or not any(hasattr(step, "fit_resample") for _, step in steps[:-1]):
        return {}
    name, clf = steps[-1]
    if get_config().get("enable_metadata_routing", False):
        routed = get_routing_for_object(estimator).consumes("fit", ["y_before_resampling"])
        return {"y_before_resampling": y} if routed else {}
    fit = getattr(clf, "fit", None)
    if fit is None or "y_before_resampling" not in inspect.signature(fit).parameters:
        return {}
    return {f"{name}__y_before_resampling": y}


def cross_validate_presets(presets, X, y, *, cv, progress=None):
    """Cross-validate every ``(name, factory)`` row on the same folds.

    Each fold runs :func:`sklearn.model_selection.cross_validate` on one split, so the
    fold scores are scikit-learn's; the out-of-fold class scores of all folds are pooled
    into one :func:`~skvideo_clf.metrics.evaluate` report per row (per-class recall,
    confusion matrix, precision-recall curves of the whole dataset).

    A row that is a Pipeline with a sampler before a classifier whose ``fit`` takes
    ``y_before_resampling`` (the neural classifiers) gets the training fold's labels as
    that parameter, so its ``class_weight="balanced"`` counts the classes before
    resampling (seed 000). With metadata routing enabled, only a row whose classifier
    requests it (``set_fit_request(y_before_resampling=True)``) gets it.

    Parameters
    ----------
    presets : sequence of (str, callable)
        ``(name, factory)`` rows, e.g. from :func:`demo_presets`; ``factory()`` returns an
        unfitted classifier or Pipeline with ``predict_proba`` or ``decision_function``.
    X : ndarray of shape (n_videos, ...)
        Videos (an object array) or features: indexed by integer arrays.
    y : array-like of shape (n_videos,)
        Labels.
    cv : cross-validation generator or iterable of (train, test)
        Split once; every row sees the same folds.
    progress : tqdm-like, default=None
        Told ``set_postfix_str(row, fold)`` before and ``update(1)`` after each fit.

    Returns
    -------
    results : list of dict
        One per row, in order: ``name``, ``scores`` (``{"accuracy", "f1_macro",
        "f1_weighted"}`` -> list of fold values), ``report`` (out-of-fold
        :class:`~skvideo_clf.metrics.VideoReport`), ``history`` (the first fold's skorch
        history of the final step, or None) and ``seconds``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.model_selection import StratifiedKFold
    >>> from skvideo_clf.protocols import cross_validate_presets
    >>> rng = np.random.default_rng(0)
    >>> y = np.repeat(["a", "b"], 10)
    >>> X = rng.normal(size=(20, 3)) + (y == "b")[:, None] * 3
    >>> presets = [("logistic", LogisticRegression)]
    >>> res = cross_validate_presets(presets, X, y, cv=StratifiedKFold(2))
    >>> res[0]["name"], res[0]["scores"]["accuracy"], res[0]["report"].accuracy
    ('logistic', [1.0, 1.0], 1.0)
    """
    from sklearn.model_selection import check_cv, cross_validate

    from ..metrics import evaluate

    y = np.asarray(y)
    labels = np.unique(y)
    splits = list(check_cv(cv, y, classifier=True).split(X, y))
    results = []
    for name, factory in presets:
        estimator = factory()
        fold_scores = {m: [] for m in SCORING}
        oof = np.zeros((len(y), len(labels)))
        history = None
        t0 = time.perf_counter()
        for k, (train, test) in enumerate(splits):
            if progress is not None:
                progress.set_postfix_str(f"{name}, fold {k + 1}/{len(splits)}")
            res = cross_validate(estimator, X, y, cv=[(train, test)], scoring=SCORING,
                                 params=_fit_params(estimator, y) or None,
                                 return_estimator=True, error_score="raise")
            for m in SCORING:
                fold_scores[m].append(float(res[f"test_{m}"][0]))
            fitted = res["estimator"][0]
            cols = np.searchsorted(labels, fitted.classes_)
            oof[np.ix_(test, cols)] = _scores(fitted, X[test])
            clf = fitted.steps[-1][1] if hasattr(fitted, "steps") else fitted
            if history is None and hasattr(clf, "history_"):
                history = clf.history_
            if progress is not None:
                progress.update(1)
        results.append({"name": name, "scores": fold_scores,
                        "report": evaluate(y, y_score=oof, labels=labels),
                        "history": history, "seconds": time.perf_counter() - t0})
    return results
