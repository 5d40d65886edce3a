"""Small array helpers shared by featurizers, samplers and classifiers."""

from __future__ import annotations

import numpy as np

__all__ = ["object_array"]


def object_array(items) -> np.ndarray:
    """A 1-D object array holding ``items`` as they are (no unpacking into sub-arrays).

    The variable-length form of feature sequences: sklearn can index and split it.

    >>> import numpy as np
    >>> from skvideo_clf.utils import object_array
    >>> a = object_array([np.zeros((2, 3)), np.zeros((5, 3))])
    >>> a.shape, a[1].shape
    ((2,), (5, 3))
    """
    out = np.empty(len(items), dtype=object)
    for i, item in enumerate(items):  # item-wise: numpy would otherwise unpack arrays
        out[i] = item
    return out
