"""A trained stream fitted once per training set and shared by the rows of a comparison.

At ``--full``, the hybrid framework's rows all read one motion stream: a CNN trained on the
fold's flow stacks. Every row fitting its own would train the same network ten times per
fold. :class:`SharedFitTransformer` keys a fit on what decides it (the estimator's
parameters, the *content* of each training video and the labels) and keeps the fitted
estimator with its output in the run's cache folder, so that the second row of a fold loads
what the first trained.
"""

from __future__ import annotations

import os

import joblib
from sklearn.base import BaseEstimator, TransformerMixin, clone
from sklearn.utils.validation import check_is_fitted

from ._runner import video_fingerprints

__all__ = ["SharedFitTransformer"]

#: Sub-folder of the cache folder holding the shared fits.
FOLDER = "skvideo_clf_shared_fits"


def _fit_transform(estimator, X, y, contents):
    """``estimator`` cloned, fitted on ``(X, y)``, and its output on ``X``.

    Cached on ``(estimator, y, contents)``: ``X`` (paths, arrays) is replaced in the key by
    ``contents``, the fingerprints of its videos' content."""
    fitted = clone(estimator)
    return fitted, fitted.fit_transform(X, y)


class SharedFitTransformer(TransformerMixin, BaseEstimator):
    """Fit a transformer once per training set; later fits on the same videos load it.

    A fit is identified by the estimator's parameters (as joblib hashes them), the labels
    and each training video's content fingerprint
    (:func:`~skvideo_clf.video.source_fingerprint`, in the mode of ``memory``'s
    ``fingerprint``, ``"stat"`` for a plain folder): two pipelines that hold equal
    estimators and are fitted on the same videos share one fit. Changed content under the
    same paths is a new fit. With ``memory=None`` every fit trains.

    Parameters
    ----------
    estimator : transformer
        Fitted on the videos and their labels (``fit_transform(X, y)``); deterministic
        given them (a fixed ``random_state``), or sharing would change results.
    memory : None, str, path-like, joblib.Memory or FrameMemory, default=None
        The run's cache folder; fits are kept in its ``skvideo_clf_shared_fits``
        sub-folder.

    Attributes
    ----------
    estimator_ : transformer
        The fitted estimator (trained here or loaded from the cache).

    Examples
    --------
    >>> import numpy as np, tempfile
    >>> from sklearn.decomposition import PCA
    >>> X = np.random.RandomState(0).randn(20, 4)
    >>> folder = tempfile.mkdtemp()
    >>> a = SharedFitTransformer(PCA(2), memory=folder).fit(X)
    >>> b = SharedFitTransformer(PCA(2), memory=folder).fit(X)   # loaded, not refitted
    >>> np.allclose(a.transform(X), b.transform(X))
    True
    """

    def __init__(self, estimator, memory=None):
        self.estimator = estimator
        self.memory = memory

    def _cache(self):
        location = getattr(self.memory, "location", self.memory)
        if location is None:
            return None
        folder = os.path.join(os.path.expanduser(os.fspath(location)), FOLDER)
        return joblib.Memory(folder, verbose=0).cache(_fit_transform, ignore=["X"])

    def fit_transform(self, X, y=None):
        """Fit (or load the fit of the same estimator on the same videos), transform ``X``."""
        cached = self._cache()
        if cached is None:
            self.estimator_, Xt = _fit_transform(self.estimator, X, y, None)
            return Xt
        mode = getattr(self.memory, "fingerprint", "stat")
        self.estimator_, Xt = cached(self.estimator, X, y, video_fingerprints(X, mode))
        return Xt

    def fit(self, X, y=None):
        """Fit (or load the fit of the same estimator on the same videos); returns self."""
        if self._cache() is None:
            self.estimator_ = clone(self.estimator).fit(X, y)
        else:
            self.fit_transform(X, y)
        return self

    def transform(self, X):
        """The fitted estimator's ``transform``."""
        check_is_fitted(self, "estimator_")
        return self.estimator_.transform(X)
