"""Feature vectors as square maps (the bootstrapping CNN paper: 324 PCA components -> 18x18)."""

from __future__ import annotations

import math

import numpy as np


def square_side(n_features, *, min_side=1) -> int:
    """Side of the smallest square that holds ``n_features`` values.

    Parameters
    ----------
    n_features : int
        Values per vector, >= 1.
    min_side : int, default=1
        Smallest side returned (two 3x3 convolutions without padding need 5).

    Returns
    -------
    side : int
        ``max(min_side, ceil(sqrt(n_features)))``.

    Examples
    --------
    >>> from skvideo_clf.features import square_side
    >>> square_side(324), square_side(325), square_side(4, min_side=5)
    (18, 19, 5)
    """
    if n_features < 1:
        raise ValueError(f"n_features must be >= 1; got {n_features}.")
    return max(int(min_side), math.isqrt(int(n_features) - 1) + 1)


def to_square_maps(X, side=None, *, min_side=1):
    """Lay each feature vector out row-major on a square map, zero-padded at the end.

    Parameters
    ----------
    X : array-like of shape (..., D)
        Feature vectors along the last axis.
    side : int or None, default=None
        Side of the maps; ``side * side >= D`` is required. None takes
        :func:`square_side` ``(D, min_side=min_side)``.
    min_side : int, default=1
        Smallest side when ``side`` is None.

    Returns
    -------
    maps : float32 ndarray of shape (..., side, side)
        The first ``D`` cells of each map hold the vector; the rest are zero (none when
        ``D`` is a square such as 324).

    Examples
    --------
    >>> import numpy as np
    >>> from skvideo_clf.features import to_square_maps
    >>> to_square_maps(np.arange(1, 4))
    array([[1., 2.],
           [3., 0.]], dtype=float32)
    >>> to_square_maps(np.zeros((7, 3, 324))).shape
    (7, 3, 18, 18)
    """
    X = np.asarray(X, dtype=np.float32)
    n = X.shape[-1]
    if side is None:
        side = square_side(n, min_side=min_side)
    if side * side < n:
        raise ValueError(f"{n} features do not fit on {side} x {side} maps.")
    if side * side > n:
        pad = np.zeros(X.shape[:-1] + (side * side - n,), np.float32)
        X = np.concatenate([X, pad], axis=-1)
    return X.reshape(X.shape[:-1] + (side, side))
