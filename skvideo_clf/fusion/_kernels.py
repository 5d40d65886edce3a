"""Chi2 kernel helpers shared by the kernel SVMs of :mod:`skvideo_clf.fusion`.

The kernel is scikit-learn's exponential chi2 kernel,
``k(x, y) = exp(-gamma * sum_i (x_i - y_i)**2 / (x_i + y_i))``
(:func:`sklearn.metrics.pairwise.chi2_kernel`), computed here from the chi2 distance
matrix so that the distances of the training set serve twice: once for ``gamma`` and once
for the kernel.
"""

from __future__ import annotations

import numpy as np
from sklearn.metrics.pairwise import additive_chi2_kernel
from sklearn.utils._param_validation import validate_params

__all__ = ["chi2_distances", "mean_chi2_distance", "chi2_gamma"]


@validate_params({"X": ["array-like"], "Y": ["array-like", None]},
                 prefer_skip_nested_validation=True)
def chi2_distances(X, Y=None):
    """Chi2 distances ``d(x, y) = sum_i (x_i - y_i)**2 / (x_i + y_i)`` (0/0 taken as 0).

    The negation of :func:`sklearn.metrics.pairwise.additive_chi2_kernel`, which computes
    it (in compiled code); features must be non-negative.

    Parameters
    ----------
    X : array-like of shape (n_samples_X, n_features)
        Non-negative features.
    Y : array-like of shape (n_samples_Y, n_features), default=None
        Non-negative features; ``None`` means ``X``.

    Returns
    -------
    D : ndarray of shape (n_samples_X, n_samples_Y)
        Non-negative distances.

    Examples
    --------
    >>> from skvideo_clf.fusion import chi2_distances
    >>> chi2_distances([[1.0, 0.0]], [[0.0, 1.0], [1.0, 0.0]]).tolist()
    [[2.0, 0.0]]
    """
    D = additive_chi2_kernel(X, Y)
    np.negative(D, out=D)
    # The compiled kernel can return -0.0 or a tiny negative value from rounding.
    np.maximum(D, 0, out=D)
    return D


@validate_params({"D": [np.ndarray]}, prefer_skip_nested_validation=True)
def mean_chi2_distance(D):
    """Mean of the off-diagonal entries of a square chi2 distance matrix.

    The diagonal (a sample's distance to itself, always 0) is left out so that the value
    does not depend on how many training samples there are.

    Parameters
    ----------
    D : ndarray of shape (n_samples, n_samples)
        Chi2 distances, e.g. from :func:`chi2_distances`.

    Returns
    -------
    mean : float
        0.0 when there are fewer than two samples.

    Examples
    --------
    >>> import numpy as np
    >>> from skvideo_clf.fusion import mean_chi2_distance
    >>> mean_chi2_distance(np.array([[0.0, 2.0], [2.0, 0.0]]))
    2.0
    """
    n = D.shape[0]
    if n < 2:
        return 0.0
    return float((D.sum() - np.trace(D)) / (n * (n - 1)))


@validate_params({"X": ["array-like"]}, prefer_skip_nested_validation=True)
def chi2_gamma(X):
    """The ``gamma="auto"`` rule: one over the mean chi2 distance between training samples.

    ``gamma = 1 / mean_{i != j} d(x_i, x_j)`` with the chi2 distance of
    :func:`chi2_distances`, the common practice of Zhang et al. (IJCV 2007, "Local features
    and kernels for classification of texture and object categories"), also used for the
    chi2 SVM baselines of the hybrid framework. Zhang et al. write the distance with a factor 1/2;
    the
    product ``gamma * d`` and hence the kernel do not depend on that factor. When every
    training sample is identical (mean distance 0) ``gamma`` is 1.0.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        Non-negative training features of one stream.

    Returns
    -------
    gamma : float
        Positive kernel width.

    Examples
    --------
    >>> from skvideo_clf.fusion import chi2_gamma
    >>> chi2_gamma([[1.0, 0.0], [0.0, 1.0], [1.0, 0.0]])  # distances 2, 0, 2 -> mean 4/3
    0.75
    """
    return _gamma_from_distances(chi2_distances(X))


def _gamma_from_distances(D, sample_weight=None):
    """``gamma="auto"`` from a training distance matrix, with frequency weights.

    ``sum_ij w_i w_j D_ij / (W**2 - W)``, ``W = sum_i w_i``, is the off-diagonal mean of
    the data with sample ``i`` repeated ``w_i`` times (copies are at distance 0), so
    integer weights equal repetition and a weight of 0 equals dropping the sample. When
    ``W <= 1`` that denominator is not positive and the weighted mean over distinct pairs
    is used instead.
    """
    if sample_weight is None:
        mean = mean_chi2_distance(D)
    else:
        w = np.asarray(sample_weight, dtype=np.float64)
        total = float((w @ D) @ w)
        W = w.sum()
        denom = W * W - W if W > 1 else W * W - float(w @ w)
        mean = total / denom if denom > 0 else 0.0
    return 1.0 / mean if mean > 0 else 1.0


def _refuse_multilabel(estimator, y):
    """A 2-D ``y`` (multi-label indicator matrix), refused with the way to fit it."""
    if np.asarray(y).ndim == 2 and np.asarray(y).shape[1] > 1:
        name = type(estimator).__name__
        raise ValueError(
            f"{name} takes one label per video; got a 2-D y of shape {np.asarray(y).shape}. For "
            f"multi-label videos fit one {name} per label: "
            f"sklearn.multiclass.OneVsRestClassifier({name}(...)).fit(X, Y) with Y the "
            "indicator matrix (sklearn.preprocessing.MultiLabelBinarizer makes one from "
            "lists of labels)."
        )
