"""Temporal pooling of feature sequences into video-level features."""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.validation import check_is_fitted

from ..utils import check_sequences


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
        Leave out time steps whose features are all exactly zero (the zero padding of
        fixed-length sequences), so padding does not drag the mean towards zero. A sequence
        that is all zeros pools to zeros.

    Attributes
    ----------
    n_features_in_ : int
        ``D``, the per-step feature size seen in ``fit``.

    Examples
    --------
    >>> import numpy as np
    >>> from skvideo_clf.features import TemporalPooling
    >>> X = np.array([[[1.0, 2.0], [3.0, 0.0], [0.0, 0.0]]], dtype=np.float32)
    >>> TemporalPooling().fit_transform(X).tolist()
    [[2.0, 1.0]]
    >>> TemporalPooling(method="max").fit_transform(X).tolist()
    [[3.0, 2.0]]
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
        for s in seqs:
            if self.mask_padding:
                keep = np.any(s != 0, axis=1)
                s = s[keep] if keep.any() else s[:1] * 0
            parts = []
            if self.method in ("mean", "mean_max"):
                parts.append(s.mean(axis=0))
            if self.method in ("max", "mean_max"):
                parts.append(s.max(axis=0))
            out.append(np.concatenate(parts))
        return np.asarray(out, dtype=np.float32)
