"""Cross-validate preset rows: fold scores, and one out-of-fold report per row.

A thin layer over the runner of ``skvideo-clf compare`` (:func:`run_rows`), which fits
every row on every fold; here nothing is written to disk and the results are regrouped.
"""

from __future__ import annotations

import numpy as np

from ._runner import run_rows

__all__ = ["cross_validate_presets"]

#: The fold scores of :func:`cross_validate_presets`: the three numbers of the CNN-ResBiLSTM
#: paper's tables.
SCORING = ("accuracy", "f1_macro", "f1_weighted")


def cross_validate_presets(presets, X, y, *, cv, progress=None):
    """Cross-validate every ``(name, factory)`` row on the same folds.

    The folds run through :func:`run_rows` (as in ``skvideo-clf compare``, without its
    files), so the fold scores are its :func:`~skvideo_clf.metrics.evaluate` scores; the
    out-of-fold class scores of all folds are pooled into one report per row (per-class
    recall, confusion matrix, precision-recall curves of the whole dataset).

    A row that is a Pipeline with a sampler before a classifier whose ``fit`` takes
    ``y_before_resampling`` (the neural classifiers) gets the training fold's labels as
    that parameter, so its ``class_weight="balanced"`` counts the classes before
    resampling (the CNN-ResBiLSTM paper). With metadata routing enabled, only a row whose
    classifier
    requests it (``set_fit_request(y_before_resampling=True)``) gets it.

    Parameters
    ----------
    presets : sequence of (str, callable)
        ``(name, factory)`` rows, e.g. from :meth:`Protocol.rows`; ``factory()`` returns an
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
        :class:`~skvideo_clf.metrics.VideoReport`), ``history`` (the per-epoch scalars of
        the final step's skorch history in the first fold that has one, a list of dicts,
        or None) and ``seconds``.

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
    from sklearn.model_selection import check_cv

    from ..metrics import evaluate

    y = np.asarray(y)
    labels = np.unique(y)
    splits = list(check_cv(cv, y, classifier=True).split(X, y))
    results = []
    for res in run_rows(presets, X, y, splits, out_dir=None, labels=labels,
                        progress=progress):
        oof = np.zeros((len(y), len(labels)))
        for fold in res["folds"]:
            oof[fold["test"]] = fold["y_score"]
        history = next((f["history"] for f in res["folds"] if f["history"]), None)
        results.append({"name": res["name"],
                        "scores": {m: [f["metrics"][m] for f in res["folds"]]
                                   for m in SCORING},
                        "report": evaluate(y, y_score=oof, labels=labels),
                        "history": history, "seconds": res["seconds"]})
    return results
