"""What a sampler was given (videos, feature sequences or plain rows) and how to index it.

imbalanced-learn's samplers validate ``X`` as a 2-D array; video samplers must also take
lists of paths, arrays and clips, and feature sequences ``(n, T, D)``. Like imblearn's own
``RandomOverSampler`` (which overrides ``_check_X_y`` to accept strings and NaN),
:class:`~skvideo_clf.sampling.BaseVideoSampler` overrides ``_check_X_y`` with
:func:`check_sampler_input`; samplers get a :class:`SamplerInput` in ``_fit_resample``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np
from imblearn.utils import check_target_type
from scipy import sparse
from sklearn.utils import check_array, check_consistent_length
from sklearn.utils.multiclass import type_of_target
from sklearn.utils.validation import validate_data

from ..utils import check_sequences, object_array
from ..utils.compat.sklearn import safe_indexing
from ..video import Clip, InMemoryVideo, as_clips

__all__ = ["SamplerInput", "check_sampler_input"]

_VIDEO_HINT = (
    "Samplers take a list of videos (paths, (n_frames, height, width, 3) uint8 arrays or "
    "Clips), feature sequences as a (n_videos, n_steps, n_features) array or a 1-D object "
    "array of (n_steps_i, n_features) arrays, or a 2-D (n_samples, n_features) array."
)


@dataclass
class SamplerInput:
    """Validated sampler input.

    ``kind`` is ``"videos"`` (``data`` is a list of :class:`~skvideo_clf.video.Clip`),
    ``"sequences"`` (``data`` is a 3-D array or a list of 2-D arrays) or ``"rows"``
    (``data`` is a validated 2-D array, sparse matrix or DataFrame).
    """

    kind: str
    data: object
    n_samples: int

    def take(self, indices):
        """Samples ``indices``, in the output form of their kind.

        Rows keep their container type (array, sparse matrix, DataFrame), videos become a
        1-D object array of clips, and sequences a 3-D array when they came as one (an
        object array of 2-D arrays otherwise).
        """
        if self.kind == "rows":
            return safe_indexing(self.data, indices)
        if self.kind == "sequences" and isinstance(self.data, np.ndarray):
            return self.data[indices]
        return object_array([self.data[i] for i in indices])


def _item_kind(item):
    if isinstance(item, (str, os.PathLike, Clip, InMemoryVideo)):
        return "videos"
    if isinstance(item, np.ndarray) or (hasattr(item, "__array__") and not np.isscalar(item)):
        arr = np.asarray(item)
        if arr.ndim == 4 or (arr.ndim == 3 and arr.dtype == np.uint8):
            return "videos"
        if arr.ndim == 2:
            return "sequences"
    return "rows"


def _input_kind(X):
    if sparse.issparse(X) or hasattr(X, "iloc"):  # sparse matrices and DataFrames
        return "rows"
    if isinstance(X, (str, os.PathLike, Clip, InMemoryVideo)):
        raise TypeError(f"Got a single video {X!r}; wrap it in a list: [video]. {_VIDEO_HINT}")
    if isinstance(X, np.ndarray) and X.dtype != object:
        if X.ndim == 5:
            return "videos"
        if X.ndim == 3:
            return "sequences"
        if X.ndim == 2:
            return "rows"
        raise ValueError(f"Got a {X.ndim}-D {X.dtype} array of shape {X.shape}. {_VIDEO_HINT}")
    if isinstance(X, np.ndarray) and X.ndim != 1:
        return "rows"  # 2-D object arrays: categorical rows, as imblearn takes them
    try:
        n = len(X)
    except TypeError:
        raise TypeError(f"Expected a sequence of samples, got {type(X).__name__}. "
                        f"{_VIDEO_HINT}") from None
    if n == 0:
        raise ValueError(f"Found array with 0 sample(s) while a minimum of 1 is required. "
                         f"{_VIDEO_HINT}")
    kinds = {_item_kind(X[i]) for i in range(n)}
    if len(kinds) > 1:
        raise ValueError(
            f"X mixes {' and '.join(sorted(kinds))}; pass one kind of input per call. "
            f"{_VIDEO_HINT}"
        )
    return kinds.pop()


def _check_sequences(X):
    # Samplers return what they were given, so dtype, NaN and the container form stay.
    seqs, _ = check_sequences(X, dtype=None, ensure_all_finite=False, allow_2d=False,
                              stack=False)
    return seqs


def check_sampler_input(sampler, X, y):
    """Validate ``X`` and ``y`` for a sampler; returns ``(SamplerInput, y, binarize_y)``.

    ``"rows"`` input goes through scikit-learn's validation exactly like imblearn's
    ``RandomOverSampler`` (strings, NaN, sparse and DataFrames accepted), which also sets
    ``n_features_in_`` and ``feature_names_in_``; video and sequence input have no feature
    columns, so those attributes are removed.
    """
    try:
        y, binarize_y = check_target_type(y, indicate_one_vs_all=True)
    except ValueError as exc:
        if type_of_target(y) != "multilabel-indicator":
            raise
        # imblearn's message names neither the sampler nor the one that does take it.
        name = type(sampler).__name__
        raise ValueError(
            f"{name} does not support a multi-label y (an indicator matrix with several "
            "labels per video); skvideo_clf.sampling.MLROSSampler oversamples multi-label "
            "videos."
        ) from exc
    kind = _input_kind(X)
    if kind == "rows":
        if not hasattr(X, "iloc"):
            X = check_array(X, dtype=None, accept_sparse=["csr", "csc"],
                            ensure_all_finite=False)
        validate_data(sampler, X=X, y=y, reset=True, skip_check_array=True)
        data = X
    else:
        for attr in ("n_features_in_", "feature_names_in_"):
            if hasattr(sampler, attr):
                delattr(sampler, attr)
        data = as_clips(X) if kind == "videos" else _check_sequences(X)
    n_samples = data.shape[0] if hasattr(data, "shape") else len(data)
    check_consistent_length(np.empty(n_samples), y)
    return SamplerInput(kind, data, n_samples), np.asarray(y), binarize_y
