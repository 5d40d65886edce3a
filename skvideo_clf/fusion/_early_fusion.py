"""SVM early fusion: one SVM on the average of per-stream chi2 kernels (SVM-EF)."""

from __future__ import annotations

from ..streams import normalize_weights
from ._chi2_svc import _BaseChi2KernelSVC

__all__ = ["EarlyFusionSVC"]


class EarlyFusionSVC(_BaseChi2KernelSVC):
    """SVM on a weighted average of per-stream chi2 kernels (SVM-EF).

    Each stream gets its own exponential chi2 kernel with its own ``gamma`` (by default
    ``1 / mean chi2 distance`` of that stream's training features, so streams of different
    scale and width contribute comparably); the kernels are averaged, with equal weights
    as in the hybrid framework or with given ones, and one ``SVC(kernel="precomputed")`` is
    trained on
    the result.

    Parameters
    ----------
    streams : dict of str to slice or sequence of int, "prefix" or None, default=None
        ``"prefix"``: the ``<stream>__`` prefixes of the column names of a DataFrame ``X``
        (e.g. from ``FeatureUnion(...).set_output(transform="pandas")``), see
        :func:`skvideo_clf.streams.streams_from_feature_names`. Otherwise:
        Column blocks of ``X`` by name (see :func:`skvideo_clf.streams.resolve_streams`);
        ``None`` is a single stream over every column (then this equals :class:`Chi2SVC`).
        The multi-stream ``X`` is typically built with :class:`sklearn.pipeline.FeatureUnion`
        of one featurizer per stream, whose output blocks come in the order given.
    weights : dict of str to float, array-like of float or None, default=None
        Non-negative kernel weights, by stream name or in the order of ``streams``;
        normalized to sum to 1. ``None``: equal weights.
    C, gamma, negative, class_weight, probability, tol, max_iter, random_state
        As in :class:`Chi2SVC`; ``gamma`` (when a number) is used for every stream.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    svc_ : SVC
    calibrator_ : CalibratedClassifierCV or None
    gammas_ : dict of str to float
        Kernel width per stream.
    stream_weights_ : dict of str to float
        Normalized kernel weight per stream.
    stream_columns_ : dict of str to ndarray
    support_vectors_ : ndarray of shape (n_support, n_features)
    shift_ : ndarray of shape (n_features,)
        Only with ``negative="shift"``.
    n_train_ : int
    n_features_in_ : int

    See Also
    --------
    MKLClassifier : learns the kernel weights instead of fixing them.

    Examples
    --------
    Two featurizers side by side: :class:`sklearn.pipeline.FeatureUnion` already builds
    the multi-stream matrix, and :func:`skvideo_clf.streams.streams_from_sizes` names its
    blocks (here two column selectors stand in for a spatial and a motion featurizer).

    >>> import numpy as np
    >>> from sklearn.pipeline import FeatureUnion, make_pipeline
    >>> from sklearn.preprocessing import FunctionTransformer
    >>> from skvideo_clf.fusion import EarlyFusionSVC
    >>> from skvideo_clf.streams import streams_from_sizes
    >>> rng = np.random.RandomState(0)
    >>> y = np.repeat([0, 1, 2], 15)
    >>> raw = rng.rand(45, 6) + np.eye(3)[y].repeat(2, axis=1) * 0.6
    >>> union = FeatureUnion([
    ...     ("spatial", FunctionTransformer(lambda X: X[:, :3])),
    ...     ("motion", FunctionTransformer(lambda X: X[:, 3:])),
    ... ])
    >>> streams = streams_from_sizes(spatial=3, motion=3)
    >>> clf = make_pipeline(union, EarlyFusionSVC(streams=streams)).fit(raw, y)
    >>> clf[-1].stream_weights_
    {'spatial': 0.5, 'motion': 0.5}
    >>> float(clf.score(raw, y)) > 0.9
    True

    NN early fusion (the hybrid framework's NN-EF) needs no class of its own: it is a neural
    classifier on the same concatenated matrix, e.g.
    ``make_pipeline(union, MinMaxScaler(), MLPClassifier())`` or a classifier of
    :mod:`skvideo_clf.neural` in place of the MLP.
    """

    _parameter_constraints: dict = {
        **_BaseChi2KernelSVC._parameter_constraints,
        "weights": [dict, "array-like", None],
    }

    def __init__(
        self,
        streams=None,
        weights=None,
        *,
        C=1.0,
        gamma="auto",
        negative="raise",
        class_weight=None,
        probability=False,
        tol=1e-3,
        max_iter=-1,
        random_state=None,
    ):
        self.streams = streams
        self.weights = weights
        self.C = C
        self.gamma = gamma
        self.negative = negative
        self.class_weight = class_weight
        self.probability = probability
        self.tol = tol
        self.max_iter = max_iter
        self.random_state = random_state

    def _selected_streams(self, n_features):
        return self._resolve_streams(n_features)

    def _fit_kernel_weights(self, kernels, y, sample_weight):
        return normalize_weights(self.weights, list(self.stream_columns_))
