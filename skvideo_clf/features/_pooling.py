"""Temporal pooling of feature sequences into video-level features."""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.validation import _check_feature_names_in, check_is_fitted

from ..utils import check_sequences, unpadded_lengths


def as_sequences(X):
    """Feature sequences as a list of float32 ``(T_i, D)`` arrays.

    Parameters
    ----------
    X : ndarray of shape (n, T, D) or (n, D), or 1-D object ndarray of (T_i, D) arrays
        A ``(n, D)`` array is read as sequences of length 1; validated by
        :func:`skvideo_clf.utils.check_sequences`.

    Returns
    -------
    sequences : list of float32 ndarray of shape (T_i, D)

    Examples
    --------
    >>> import numpy as np
    >>> from skvideo_clf.features._pooling import as_sequences
    >>> [s.shape for s in as_sequences(np.zeros((2, 3)))]
    [(1, 3), (1, 3)]
    """
    seqs, _ = check_sequences(X, stack=False)
    return list(seqs)


class TemporalPooling(TransformerMixin, BaseEstimator):
    """Pool feature sequences over time: ``(n, T, D) -> (n, D)`` (or ``(n, 2D)``).

    Parameters
    ----------
    method : {"mean", "max", "mean_max"}, default="mean"
        ``"mean_max"`` concatenates the mean and the max.
    mask_padding : bool, default=True
        Leave out the zero padding of fixed-length sequences (the all-zero steps at the end
        of a sequence, see :func:`skvideo_clf.utils.unpadded_lengths`), so padding does not
        drag the mean towards zero. A sequence that is all zeros pools to zeros.

    Attributes
    ----------
    n_features_in_ : int
        ``D``, the per-step feature size seen in ``fit``.

    Notes
    -----
    Output columns are named by :meth:`get_feature_names_out` (``mean_x0``, ...,
    ``max_x0``, ...), so :meth:`set_output` gives DataFrames and a
    :class:`~sklearn.pipeline.FeatureUnion` of pooled branches names every column after
    its branch (``spatial__mean_x0``), which ``streams="prefix"`` of the fusion
    estimators reads.

    Examples
    --------
    >>> import numpy as np
    >>> from skvideo_clf.features import TemporalPooling
    >>> X = np.array([[[1.0, 2.0], [3.0, 0.0], [0.0, 0.0]]], dtype=np.float32)
    >>> TemporalPooling().fit_transform(X).tolist()
    [[2.0, 1.0]]
    >>> TemporalPooling(method="max").fit_transform(X).tolist()
    [[3.0, 2.0]]
    >>> TemporalPooling(method="mean_max").fit(X).get_feature_names_out().tolist()
    ['mean_x0', 'mean_x1', 'max_x0', 'max_x1']
    """

    _parameter_constraints: dict = {
        "method": [StrOptions({"mean", "max", "mean_max"})],
        "mask_padding": ["boolean"],
    }

    def __init__(self, method="mean", mask_padding=True):
        self.method = method
        self.mask_padding = mask_padding

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float32"]  # features are float32
        return tags

    def fit(self, X, y=None):
        """Record the feature size.

        Parameters
        ----------
        X : ndarray of shape (n, T, D) or (n, D), or a ragged object ndarray
            Feature sequences (see :func:`as_sequences`).
        y : None
            Ignored.

        Returns
        -------
        self : object
        """
        self._validate_params()
        self.n_features_in_ = as_sequences(X)[0].shape[1]
        return self

    def transform(self, X):
        """Pool each sequence over time.

        Parameters
        ----------
        X : ndarray of shape (n, T, D) or (n, D), or a ragged object ndarray
            Feature sequences with the ``D`` seen in ``fit``.

        Returns
        -------
        pooled : float32 ndarray of shape (n, D), or (n, 2D) for ``"mean_max"``
        """
        check_is_fitted(self, "n_features_in_")
        seqs = as_sequences(X)
        if seqs[0].shape[1] != self.n_features_in_:
            raise ValueError(f"X has {seqs[0].shape[1]} features, but TemporalPooling is "
                             f"expecting {self.n_features_in_} features as input (per step).")
        out = []
        lengths = unpadded_lengths(seqs) if self.mask_padding else [len(s) for s in seqs]
        for s, n in zip(seqs, lengths):
            s = s[:n]
            parts = []
            if self.method in ("mean", "mean_max"):
                parts.append(s.mean(axis=0))
            if self.method in ("max", "mean_max"):
                parts.append(s.max(axis=0))
            out.append(np.concatenate(parts))
        return np.asarray(out, dtype=np.float32)

    def get_feature_names_out(self, input_features=None):
        """Names of the pooled columns: the statistic, then the per-step feature name.

        Parameters
        ----------
        input_features : array-like of str, default=None
            Names of the ``D`` per-step features; ``None`` gives ``x0 .. x{D-1}``.

        Returns
        -------
        feature_names_out : ndarray of str
            ``mean_<name>`` for ``"mean"``, ``max_<name>`` for ``"max"``, the mean names
            then the max names for ``"mean_max"``, in the order of the columns.
        """
        check_is_fitted(self, "n_features_in_")
        names = _check_feature_names_in(self, input_features)
        stats = {"mean": ["mean"], "max": ["max"], "mean_max": ["mean", "max"]}[self.method]
        return np.asarray([f"{stat}_{name}" for stat in stats for name in names], dtype=object)
