"""Streams: named column blocks of a multi-stream feature matrix.

The hybrid framework paper fuses a spatial (frame CNN) stream and a motion (optical flow) stream.
Every multi-stream estimator of the library (the fusion SVMs, MKL, late fusion and
``FusionNetClassifier``) names its streams the same way: a dict from stream name to the
columns that stream occupies in ``X``, e.g. ``{"spatial": slice(0, 2048), "motion":
slice(2048, None)}``. Build such an ``X`` with :class:`sklearn.pipeline.FeatureUnion` (its
blocks come out in order), and either give the block sizes to :func:`streams_from_sizes`
or let the names do it: ``FeatureUnion`` prefixes every output column with its branch
name (``spatial__mean_x0``), so with the union's output as a DataFrame
(``union.set_output(transform="pandas")``) every estimator takes ``streams="prefix"``
(see :func:`streams_from_feature_names`). :func:`make_stream_union` builds such a union.
"""

from __future__ import annotations

from collections.abc import Mapping
from numbers import Integral

import numpy as np
from sklearn.pipeline import FeatureUnion

from .utils.compat.sklearn import Interval, validate_params

__all__ = [
    "make_stream_union",
    "normalize_weights",
    "resolve_streams",
    "streams_from_feature_names",
    "streams_from_sizes",
]


def make_stream_union(transformers, *, n_jobs=None, verbose=False):
    """A :class:`~sklearn.pipeline.FeatureUnion` whose branch names become stream names.

    The union writes its output as a DataFrame (``set_output(transform="pandas")``) with
    the column names ``<branch>__<feature>``, so the fusion estimator after it takes
    ``streams="prefix"`` and no column has to be counted by hand. Every branch must name
    its output columns (``get_feature_names_out``), as the library's 2-D transformers do.

    Parameters
    ----------
    transformers : list of (str, transformer)
        ``(stream name, transformer)`` pairs, in column order. Names may not contain
        ``"__"`` (it separates the stream from the feature name).
    n_jobs : int, default=None
        Passed to :class:`~sklearn.pipeline.FeatureUnion`.
    verbose : bool, default=False
        Passed to :class:`~sklearn.pipeline.FeatureUnion`.

    Returns
    -------
    union : FeatureUnion
        Unfitted, with pandas output.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.preprocessing import FunctionTransformer, StandardScaler
    >>> from skvideo_clf.streams import make_stream_union, streams_from_feature_names
    >>> identity = FunctionTransformer(feature_names_out="one-to-one")
    >>> union = make_stream_union([("spatial", StandardScaler()), ("motion", identity)])
    >>> Xu = union.fit_transform(np.arange(6.0).reshape(3, 2))
    >>> list(Xu.columns)
    ['spatial__x0', 'spatial__x1', 'motion__x0', 'motion__x1']
    >>> {k: v.tolist() for k, v in streams_from_feature_names(Xu.columns).items()}
    {'spatial': [0, 1], 'motion': [2, 3]}
    """
    transformers = list(transformers)
    for item in transformers:
        if not (isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], str)):
            raise ValueError("make_stream_union takes a list of (stream name, transformer) "
                             f"pairs, e.g. [('spatial', t1), ('motion', t2)]; got {item!r}.")
        if "__" in item[0] or not item[0]:
            raise ValueError(f"Stream name {item[0]!r} must be non-empty and free of '__': "
                             "it is the prefix streams='prefix' reads.")
    union = FeatureUnion(transformers, n_jobs=n_jobs, verbose=verbose,
                         verbose_feature_names_out=True)
    return union.set_output(transform="pandas")


# No validate_params: scikit-learn's decorator skips **kwargs, and each size is checked
# below with a message that names its stream.
def streams_from_sizes(**sizes: int) -> dict[str, slice]:
    """Consecutive column blocks from their widths, in the order given.

    Parameters
    ----------
    **sizes : int
        Stream name to its number of columns (a positive integer), in column order.

    Returns
    -------
    streams : dict of str to slice
        Stream name to its block of columns, ready for any estimator's ``streams``.

    Raises
    ------
    ValueError
        A size is not a positive integer; the message names the stream.

    Examples
    --------
    >>> from skvideo_clf.streams import streams_from_sizes
    >>> streams_from_sizes(spatial=2048, motion=512)
    {'spatial': slice(0, 2048, None), 'motion': slice(2048, 2560, None)}
    """
    out, start = {}, 0
    for name, size in sizes.items():
        if not isinstance(size, Integral) or size < 1:
            raise ValueError(f"Stream {name!r}: size must be a positive integer, got {size!r}.")
        out[name] = slice(start, start + int(size))
        start += int(size)
    return out


@validate_params({"feature_names": ["array-like"]}, prefer_skip_nested_validation=True)
def streams_from_feature_names(feature_names) -> dict[str, np.ndarray]:
    """Streams from the ``<stream>__<feature>`` column names that ``FeatureUnion`` writes.

    Each name is split at its first ``"__"``; the part before it is the stream (the
    union's branch name), and a stream's columns are those carrying its prefix, streams in
    order of first appearance. This is what ``streams="prefix"`` does with the column
    names of a DataFrame ``X`` (``feature_names_in_``).

    Parameters
    ----------
    feature_names : array-like of str
        Column names, e.g. ``union.get_feature_names_out()`` of a fitted
        :class:`~sklearn.pipeline.FeatureUnion`.

    Returns
    -------
    streams : dict of str to ndarray of int
        Stream name to its column indices.

    Raises
    ------
    ValueError
        A name has no ``"__"`` prefix (e.g. a union built with
        ``verbose_feature_names_out=False``); the message lists a few.

    Examples
    --------
    >>> from skvideo_clf.streams import streams_from_feature_names
    >>> names = ["spatial__mean_x0", "spatial__mean_x1", "motion__mean_x0"]
    >>> {k: v.tolist() for k, v in streams_from_feature_names(names).items()}
    {'spatial': [0, 1], 'motion': [2]}
    """
    names = [str(name) for name in np.asarray(feature_names, dtype=object).ravel()]
    prefixes = [name.split("__", 1)[0] if "__" in name else None for name in names]
    unnamed = [name for name, prefix in zip(names, prefixes) if not prefix]
    if unnamed:
        raise ValueError(
            f"streams='prefix' reads the stream of each column from a '<stream>__' prefix, "
            f"as FeatureUnion writes it; {len(unnamed)} column name(s) have none, e.g. "
            f"{unnamed[:3]}. Build the union with verbose_feature_names_out=True (the "
            "default) or give streams as a dict."
        )
    out: dict[str, list[int]] = {}
    for i, prefix in enumerate(prefixes):
        out.setdefault(prefix, []).append(i)
    return {name: np.asarray(cols, dtype=np.intp) for name, cols in out.items()}


# `streams` is checked by hand below: its messages show what a stream dict looks like.
@validate_params(
    {
        "streams": "no_validation",
        "n_features": [Interval(Integral, 1, None, closed="left")],
        "feature_names": ["array-like", None],
    },
    prefer_skip_nested_validation=True,
)
def resolve_streams(streams, n_features: int, feature_names=None) -> dict[str, np.ndarray]:
    """Validate ``streams`` against ``n_features`` and return name -> column indices.

    Parameters
    ----------
    streams : dict of str to slice or sequence of int, "prefix", or None
        ``None`` means one stream named ``"all"`` over every column. ``"prefix"`` takes
        the streams from the ``<stream>__`` prefixes of ``feature_names`` (see
        :func:`streams_from_feature_names`).
    n_features : int
        Columns in ``X``.
    feature_names : array-like of str, default=None
        Column names of ``X`` (an estimator's ``feature_names_in_``); needed for
        ``"prefix"`` only.

    Returns
    -------
    columns : dict of str to ndarray of int
        Non-empty, in-range, in the order given.

    Raises
    ------
    ValueError
        A stream is empty, out of range, or ``streams`` is not a mapping.

    Examples
    --------
    >>> from skvideo_clf.streams import resolve_streams
    >>> cols = resolve_streams({"a": slice(0, 2), "b": slice(2, None)}, n_features=5)
    >>> {k: v.tolist() for k, v in cols.items()}
    {'a': [0, 1], 'b': [2, 3, 4]}
    """
    if streams is None:
        return {"all": np.arange(n_features)}
    if isinstance(streams, str) and streams == "prefix":
        if feature_names is None:
            raise ValueError(
                "streams='prefix' names the streams from the column names of X, which has "
                "none: give X as a DataFrame, e.g. the output of "
                "FeatureUnion([...]).set_output(transform='pandas'), or give streams as a "
                "dict such as {'spatial': slice(0, 2048), 'motion': slice(2048, None)}."
            )
        if len(feature_names) != n_features:
            raise ValueError(
                f"{len(feature_names)} feature names for the {n_features} columns of X."
            )
        return streams_from_feature_names(feature_names)
    if not isinstance(streams, Mapping) or not streams:
        raise ValueError(
            "streams must be a non-empty dict such as {'spatial': slice(0, 2048), "
            f"'motion': slice(2048, None)}} (or 'prefix'); got {streams!r}."
        )
    out = {}
    for name, cols in streams.items():
        if not isinstance(name, str):
            raise ValueError(f"Stream names must be strings, got {name!r}.")
        if isinstance(cols, slice):
            idx = np.arange(n_features)[cols]
            if cols.stop is not None and cols.stop > n_features:
                raise ValueError(
                    f"Stream {name!r} = {cols} reaches past the {n_features} columns of X."
                )
        else:
            idx = np.asarray(cols)
            if idx.dtype == bool:
                raise ValueError(f"Stream {name!r}: give column indices or a slice, not a mask.")
            idx = idx.astype(np.intp, copy=False).ravel()
            if idx.size and (idx.min() < 0 or idx.max() >= n_features):
                raise ValueError(
                    f"Stream {name!r} names columns outside 0..{n_features - 1}."
                )
        if idx.size == 0:
            raise ValueError(f"Stream {name!r} selects no columns of X ({n_features} columns).")
        out[name] = idx
    return out


@validate_params(
    {"weights": [Mapping, "array-like", None], "names": ["array-like"], "what": [str]},
    prefer_skip_nested_validation=True,
)
def normalize_weights(weights, names, what="streams") -> np.ndarray:
    """Fusion weights, one per name, as a non-negative array summing to 1.

    Parameters
    ----------
    weights : None, dict of str to float, or sequence of float
        ``None`` weighs every name equally; a dict gives weights by name (absent names
        get 0); a sequence gives them in the order of ``names``.
    names : list of str
        The streams (or ensemble members) being weighted.
    what : str, default="streams"
        How error messages call the names.

    Returns
    -------
    weights : ndarray of shape (len(names),)
        Non-negative, summing to 1, in the order of ``names``.

    Raises
    ------
    ValueError
        Unknown names, the wrong number of weights, or weights that are negative, not
        finite or all 0.

    Examples
    --------
    >>> from skvideo_clf.streams import normalize_weights
    >>> normalize_weights({"spatial": 3, "motion": 1}, ["spatial", "motion"]).tolist()
    [0.75, 0.25]
    """
    if weights is None:
        return np.full(len(names), 1.0 / len(names))
    if isinstance(weights, Mapping):
        unknown = set(weights) - set(names)
        if unknown:
            raise ValueError(f"weights names unknown {what} {sorted(unknown)}; {what}: {names}.")
        w = np.array([float(weights.get(name, 0.0)) for name in names])
    else:
        w = np.asarray(weights, dtype=float).ravel()
        if w.shape[0] != len(names):
            raise ValueError(
                f"weights has {w.shape[0]} entries but there are {len(names)} {what} {names}."
            )
    if not np.all(np.isfinite(w)) or np.any(w < 0) or w.sum() <= 0:
        raise ValueError(f"weights must be finite, non-negative and not all 0; got {w.tolist()}.")
    return w / w.sum()
