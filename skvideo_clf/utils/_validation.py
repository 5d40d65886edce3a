"""One validator for feature sequences, shared by pooling, classifiers, samplers and fusion.

Feature sequences come in three forms: a ``(n, T, D)`` array, the ragged form (a 1-D object
array or a list of ``(T_i, D)`` arrays) and a ``(n, D)`` array read as sequences of one step.
Every estimator of the library checks them here, so each malformed input gets one wording.
"""

from __future__ import annotations

import numpy as np
from scipy import sparse
from sklearn.utils import check_array

__all__ = [
    "SEQUENCE_FORMS",
    "check_sample_weight_length",
    "check_sequences",
    "is_ragged",
    "unpadded_lengths",
]

#: What every sequence error ends with: the forms the library accepts.
SEQUENCE_FORMS = (
    "expected (n_videos, n_steps, n_features), (n_videos, n_features) or a 1-D object array "
    "(or list) of (n_steps_i, n_features) arrays"
)


def is_ragged(X) -> bool:
    """Whether ``X`` is in the ragged form (1-D object array or list of 2-D arrays).

    >>> import numpy as np
    >>> is_ragged([np.zeros((2, 3)), np.zeros((4, 3))]), is_ragged(np.zeros((2, 4, 3)))
    (True, False)
    """
    if isinstance(X, np.ndarray):
        return X.dtype == object and X.ndim == 1
    return (
        isinstance(X, (list, tuple)) and len(X) > 0
        and all(isinstance(s, np.ndarray) and s.ndim == 2 for s in X)
    )


def _refuse_zero_features(shape, input_name):
    # scikit-learn's own wording first: its estimator checks (and users' habits) expect it.
    if shape[-1] == 0:
        raise ValueError(
            f"Found array with 0 feature(s) (shape={shape}) while a minimum of 1 is "
            f"required: {input_name} has 0 features per step ({SEQUENCE_FORMS})."
        )


def check_sequences(X, input_name="X", *, dtype=np.float32, ensure_all_finite=True,
                    allow_2d=True, stack=True):
    """Validate feature sequences; return them with their lengths.

    Parameters
    ----------
    X : array-like
        A ``(n, T, D)`` array, a 1-D object array or list of ``(T_i, D)`` arrays, or (when
        ``allow_2d``) a ``(n, D)`` array read as sequences of one step.
    input_name : str, default="X"
        The name errors use for ``X``.
    dtype : dtype or None, default=np.float32
        The dtype of the result; ``None`` keeps a numeric (or boolean) dtype as it is.
    ensure_all_finite : bool, default=True
        Refuse NaN and infinity.
    allow_2d : bool, default=True
        Read a 2-D ``(n, D)`` array as ``n`` sequences of one step.
    stack : bool, default=True
        Return ragged input whose sequences share one length as a 3-D array.

    Returns
    -------
    sequences : ndarray of shape (n, T, D) or list of ndarray of shape (T_i, D)
        A 3-D array for array input (and for ragged input of equal lengths when ``stack``),
        a list of 2-D arrays otherwise.
    lengths : ndarray of shape (n,), dtype int64
        The number of steps of each sequence.

    Raises
    ------
    ValueError
        On 0 sequences, 0 steps, 0 features, sequences of different feature sizes,
        non-numeric values, or (with ``ensure_all_finite``) NaN or infinity; the message
        names the sequence (``X[i]``) where one is at fault.

    Examples
    --------
    >>> import numpy as np
    >>> from skvideo_clf.utils import check_sequences
    >>> seqs, lengths = check_sequences([np.zeros((2, 3)), np.ones((4, 3))])
    >>> [s.shape for s in seqs], lengths.tolist()
    ([(2, 3), (4, 3)], [2, 4])
    >>> X, lengths = check_sequences(np.zeros((5, 3)))
    >>> X.shape, lengths.tolist()
    ((5, 1, 3), [1, 1, 1, 1, 1])
    """
    if sparse.issparse(X):
        raise TypeError(
            f"{input_name} is a sparse matrix, but dense feature sequences are required: "
            f"{SEQUENCE_FORMS}."
        )
    array_dtype = "numeric" if dtype is None else dtype
    if is_ragged(X):
        if len(X) == 0:
            raise ValueError(f"{input_name} holds 0 sequences; at least 1 is required.")
        seqs = []
        for i, s in enumerate(X):
            name = f"{input_name}[{i}]"
            if np.ndim(s) != 2:
                raise ValueError(f"Sequence {name} has shape {np.shape(s)}; {SEQUENCE_FORMS}.")
            try:
                a = check_array(s, dtype=array_dtype, input_name=name,
                                ensure_all_finite=ensure_all_finite, ensure_min_features=0)
            except ValueError as exc:
                raise ValueError(
                    f"Sequence {name} must be a numeric (n_steps, n_features) array with "
                    f"n_steps >= 1{' and finite values' if ensure_all_finite else ''}: {exc}"
                ) from exc
            seqs.append(a)
        widths = {s.shape[1] for s in seqs}
        if len(widths) > 1:
            raise ValueError(
                f"The sequences of {input_name} have different feature sizes {sorted(widths)}; "
                "every step of every video needs the same number of features."
            )
        _refuse_zero_features(seqs[0].shape, input_name)
        lengths = np.array([len(s) for s in seqs], dtype=np.int64)
        if stack and (lengths == lengths[0]).all():
            return np.stack(seqs), lengths
        return seqs, lengths
    try:
        X = check_array(X, dtype=array_dtype, allow_nd=True, input_name=input_name,
                        ensure_all_finite=ensure_all_finite, ensure_min_features=0)
    except ValueError as exc:
        if "dtype" in str(exc) or "convert" in str(exc):
            raise ValueError(f"{input_name} must be numeric feature sequences: {exc}") from exc
        raise
    if X.ndim == 2 and allow_2d:
        _refuse_zero_features(X.shape, input_name)
        X = X[:, None, :]
    if X.ndim != 3:
        raise ValueError(
            f"Expected feature sequences, but {input_name} has shape {X.shape}; "
            f"{SEQUENCE_FORMS}."
        )
    if X.shape[1] == 0:
        raise ValueError(f"{input_name} has sequences of 0 steps; at least 1 is required.")
    _refuse_zero_features(X.shape, input_name)
    return X, np.full(X.shape[0], X.shape[1], dtype=np.int64)


def unpadded_lengths(sequences, lengths=None):
    """Lengths of feature sequences without their zero padding: all-zero steps at the end.

    The library's one rule for recognising padding (a featurizer's ``padding="zeros"``, the
    zero-padding of ragged batches): the trailing steps whose features are all exactly zero.
    A zero step followed by a non-zero one is a frame, not padding. A sequence of zeros
    only keeps its first step, so that every sequence keeps at least one.

    Parameters
    ----------
    sequences : ndarray of shape (n, T, D) or sequence of ndarray of shape (T_i, D)
        As :func:`check_sequences` returns them.
    lengths : array-like of shape (n,) or None, default=None
        Steps of each sequence to look at (``None``: all of them).

    Returns
    -------
    lengths : ndarray of shape (n,), dtype int64
        At least 1 for every sequence.

    Examples
    --------
    >>> import numpy as np
    >>> from skvideo_clf.utils import unpadded_lengths
    >>> X = np.array([[[1.0], [0.0], [2.0], [0.0]], [[0.0], [0.0], [0.0], [0.0]]])
    >>> unpadded_lengths(X).tolist()
    [3, 1]
    """
    if lengths is None:
        lengths = [len(s) for s in sequences]
    out = np.asarray(lengths, dtype=np.int64).copy()
    for i, s in enumerate(sequences):
        steps = np.asarray(s[:out[i]])
        nonzero = np.flatnonzero(np.any(steps.reshape(len(steps), -1) != 0, axis=1))
        out[i] = nonzero[-1] + 1 if nonzero.size else 1
    return out


def check_sample_weight_length(estimator, sample_weight, n_samples):
    """Refuse ``sample_weight`` of the wrong length, naming the estimator and the fix.

    A length mismatch is the usual sign of weights routed past a sampler, which
    imbalanced-learn's Pipeline does not resample; scikit-learn's own check says only the
    two shapes.

    Parameters
    ----------
    estimator : object
        The estimator being fitted (named in the error).
    sample_weight : array-like or None
        The weights.
    n_samples : int
        The number of samples they must match.

    Raises
    ------
    ValueError
        When the lengths differ.

    Examples
    --------
    >>> from skvideo_clf.utils import check_sample_weight_length
    >>> check_sample_weight_length(object(), [1.0, 2.0], 2)
    >>> check_sample_weight_length(object(), [1.0], 2)
    Traceback (most recent call last):
    ...
    ValueError: object.fit got 1 sample weights for 2 samples. ...
    """
    n_weights = len(sample_weight) if hasattr(sample_weight, "__len__") else None
    if n_weights is not None and n_weights != n_samples:
        raise ValueError(
            f"{type(estimator).__name__}.fit got {n_weights} sample weights for {n_samples} "
            "samples. A sampler step before it changes the number of samples and "
            "imbalanced-learn's Pipeline does not resample the weights: resample outside "
            "the Pipeline with sampler.fit_resample(X, y, sample_weight=w) and fit the rest "
            "with sample_weight=sampler.sample_weight_."
        )
