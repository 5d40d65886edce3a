"""SVM on the chi2 kernel of one stream (the hybrid framework's Spatial SVM and Motion SVM)."""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
from sklearn import get_config
from sklearn.base import BaseEstimator, ClassifierMixin, _fit_context
from sklearn.calibration import CalibratedClassifierCV
from sklearn.model_selection import StratifiedKFold
from sklearn.svm import SVC
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import _check_sample_weight, check_is_fitted, validate_data

from ..streams import resolve_streams
from ..utils import check_sample_weight_length
from ._kernels import (
    _gamma_from_distances,
    _refuse_multilabel,
    chi2_distances,
)

__all__ = ["Chi2SVC"]


def _check_probability(self):
    if not self.probability:
        raise AttributeError(
            f"predict_proba is not available when probability=False; "
            f"build {type(self).__name__}(probability=True)."
        )
    return True


class _BaseChi2KernelSVC(ClassifierMixin, BaseEstimator):
    """Weighted sum of per-stream chi2 kernels fed to ``SVC(kernel="precomputed")``.

    Subclasses choose the streams (:meth:`_selected_streams`) and the kernel weights
    (:meth:`_fit_kernel_weights`); everything else (validation, negative input, gamma,
    prediction on the support vectors) lives here once.
    """

    # MKLClassifier reports its alternating rounds as n_iter_ instead of the SVC's.
    _counts_own_iterations = False

    _parameter_constraints: dict = {
        "streams": [dict, StrOptions({"prefix"}), None],
        "C": [Interval(Real, 0, None, closed="neither")],
        "gamma": [Interval(Real, 0, None, closed="neither"), StrOptions({"auto"})],
        "negative": [StrOptions({"raise", "shift"})],
        "class_weight": [dict, StrOptions({"balanced"}), None],
        "probability": ["boolean"],
        "tol": [Interval(Real, 0, None, closed="neither")],
        "max_iter": [Interval(Integral, -1, None, closed="left")],
        "random_state": ["random_state"],
    }

    def _svc(self):
        return SVC(
            kernel="precomputed",
            C=self.C,
            class_weight=getattr(self, "_class_weight", self.class_weight),
            tol=self.tol,
            max_iter=self.max_iter,
        )

    def _fit_svc(self, K, y, sample_weight=None):
        """Fit the final SVC on the training kernel, calibrated when ``probability``."""
        if not self.probability:
            self.calibrator_ = None
            return self._svc().fit(K, y, sample_weight=sample_weight)
        # SVC(probability=True) is deprecated since scikit-learn 1.9 in favour of this.
        # cross_val_predict splits a precomputed kernel on both axes (pairwise tag).
        _, counts = np.unique(y, return_counts=True)
        if counts.min() < 2:
            raise ValueError(
                "probability=True calibrates by cross-validation and needs at least 2 "
                f"training samples per class; a class has only {counts.min()} sample."
            )
        cv = StratifiedKFold(
            n_splits=int(min(5, counts.min())), shuffle=True, random_state=self.random_state
        )
        svc = self._svc()
        if sample_weight is not None and get_config()["enable_metadata_routing"]:
            # With routing on, the calibrator passes the weights only to a step that asks.
            svc.set_fit_request(sample_weight=True)
        self.calibrator_ = CalibratedClassifierCV(
            svc, method="sigmoid", cv=cv, ensemble=False
        ).fit(K, y, sample_weight=sample_weight)
        return self.calibrator_.calibrated_classifiers_[0].estimator

    def _selected_streams(self, n_features):  # pragma: no cover - abstract
        raise NotImplementedError

    def _fit_kernel_weights(self, kernels, y, sample_weight):  # pragma: no cover - abstract
        raise NotImplementedError

    def _resolve_streams(self, n_features):
        return resolve_streams(
            self.streams, n_features, feature_names=getattr(self, "feature_names_in_", None)
        )

    def _check_non_negative(self, X, method):
        if self.negative == "shift":
            # Features below the training minimum would be negative after the shift;
            # they are clipped to 0 (documented under ``negative``).
            return np.maximum(X + self.shift_, 0, dtype=X.dtype)
        for name, cols in self.stream_columns_.items():
            if np.min(X[:, cols]) < 0:
                raise ValueError(
                    f"Negative values in data passed to {type(self).__name__}.{method} "
                    f"(argument X, stream {name!r}): the chi2 kernel needs non-negative "
                    "features. Use non-negative features (histograms, ReLU / pooled CNN "
                    "activations), rescale them with sklearn.preprocessing.MinMaxScaler, or "
                    "build the estimator with negative='shift'."
                )
        return X

    # The inner SVC / calibrator get parameters already validated here.
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Fit the SVM on the training kernel.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Video-level features, non-negative unless ``negative="shift"``. A DataFrame
            whose columns carry the prefixes of a :class:`~sklearn.pipeline.FeatureUnion`
            (``spatial__...``) can name the streams, see ``streams="prefix"``.
        y : array-like of shape (n_samples,)
            Labels of any type.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weight of each sample, passed to :class:`~sklearn.svm.SVC` (which
            multiplies ``C`` by it, and by ``class_weight`` when given). Samples of weight 0
            are left out of everything fitted: the ``gamma="auto"`` mean distance (which
            counts sample ``i`` ``w_i`` times, so integer weights equal repetition), the
            ``negative="shift"`` minima and the SVM.

        Returns
        -------
        self : object
        """
        _refuse_multilabel(self, y)
        X, y = validate_data(self, X, y, dtype=[np.float64, np.float32])
        check_classification_targets(y)
        if sample_weight is not None:
            check_sample_weight_length(self, sample_weight, X.shape[0])
            sample_weight = _check_sample_weight(
                sample_weight, X, dtype=np.float64, ensure_non_negative=True
            )
            positive = sample_weight > 0
            # Dropped here rather than left to libsvm: with a precomputed kernel, SVC's
            # support_ then indexes the rows it kept, not the rows of K.
            X, y, sample_weight = X[positive], y[positive], sample_weight[positive]
        self._class_weight = self.class_weight
        if sample_weight is not None and isinstance(self.class_weight, str):
            # SVC balances by the unweighted class counts; count the weights instead so
            # that integer weights equal repetition ("balanced" as the other estimators
            # of scikit-learn that take both compute it).
            classes = np.unique(y)
            self._class_weight = dict(zip(classes, compute_class_weight(
                "balanced", classes=classes, y=y, sample_weight=sample_weight)))
        self.stream_columns_ = self._selected_streams(X.shape[1])
        if self.negative == "shift":
            self.shift_ = np.maximum(-X.min(axis=0), 0).astype(X.dtype)
        else:
            self.__dict__.pop("shift_", None)  # from an earlier fit with "shift"
        X = self._check_non_negative(X, "fit")
        kernels, gammas = [], {}
        for name, cols in self.stream_columns_.items():
            D = chi2_distances(X[:, cols])
            gamma = (
                _gamma_from_distances(D, sample_weight)
                if self.gamma == "auto"
                else float(self.gamma)
            )
            gammas[name] = gamma
            np.multiply(D, -gamma, out=D)
            kernels.append(np.exp(D, out=D))
        self.gammas_ = gammas
        weights = self._fit_kernel_weights(kernels, y, sample_weight)
        self.svc_ = self._fit_svc(
            sum(w * K for w, K in zip(weights, kernels) if w > 0), y, sample_weight
        )
        self.stream_weights_ = dict(zip(self.stream_columns_, weights.tolist()))
        self.classes_ = self.svc_.classes_
        if not self._counts_own_iterations:
            self.n_iter_ = self.svc_.n_iter_
        # Only the support vectors enter a prediction; keep just those rows.
        self.support_vectors_ = X[self.svc_.support_]
        self.n_train_ = X.shape[0]
        return self

    def _test_kernel(self, X, method):
        check_is_fitted(self)
        X = validate_data(self, X, dtype=[np.float64, np.float32], reset=False)
        X = self._check_non_negative(X, method)
        sv = self.support_vectors_
        K_sv = np.zeros((X.shape[0], sv.shape[0]), dtype=np.float64)
        for name, cols in self.stream_columns_.items():
            w = self.stream_weights_[name]
            if w == 0:
                continue
            D = chi2_distances(X[:, cols], sv[:, cols])
            K_sv += w * np.exp(-self.gammas_[name] * D)
        # SVC(kernel="precomputed") wants one column per training sample but reads only
        # the support columns, so the others can stay 0 (exact, and saves the kernel cost).
        K = np.zeros((X.shape[0], self.n_train_), dtype=np.float64)
        K[:, self.svc_.support_] = K_sv
        return K

    def decision_function(self, X):
        """Decision values of the underlying SVC (``decision_function_shape="ovr"``).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        scores : ndarray of shape (n_samples,) or (n_samples, n_classes)
        """
        K = self._test_kernel(X, "decision_function")
        return self.svc_.decision_function(K)

    def predict(self, X):
        """Predicted labels.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        y : ndarray of shape (n_samples,)
        """
        K = self._test_kernel(X, "predict")
        return self.svc_.predict(K)

    @available_if(_check_probability)
    def predict_proba(self, X):
        """Sigmoid-calibrated class probabilities (needs ``probability=True``).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Columns in the order of ``classes_``.
        """
        K = self._test_kernel(X, "predict_proba")
        return self.calibrator_.predict_proba(K)

    @available_if(_check_probability)
    def predict_log_proba(self, X):
        """Log of :meth:`predict_proba`.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
        """
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.positive_only = self.negative == "raise"
        return tags


class Chi2SVC(_BaseChi2KernelSVC):
    """SVM on the exponential chi2 kernel of one stream (Spatial SVM / Motion SVM).

    ``SVC(kernel="precomputed")`` fitted on
    :func:`sklearn.metrics.pairwise.chi2_kernel` of the chosen columns, the per-stream
    baselines of the hybrid framework's Table 2. Multi-class is SVC's one-vs-one.

    Parameters
    ----------
    streams : dict of str to slice or sequence of int, "prefix" or None, default=None
        ``"prefix"``: the ``<stream>__`` prefixes of the column names of a DataFrame ``X``
        (e.g. from ``FeatureUnion(...).set_output(transform="pandas")``), see
        :func:`skvideo_clf.streams.streams_from_feature_names`. Otherwise:
        Column blocks of ``X`` by name (see :func:`skvideo_clf.streams.resolve_streams`);
        ``None`` uses every column. Pass the same dict to every fusion estimator.
    stream : str, default=None
        Which stream of ``streams`` the kernel is computed on; may be left out when
        ``streams`` has a single entry.
    C : float, default=1.0
        SVM regularization.
    gamma : float or "auto", default="auto"
        Kernel width. ``"auto"``: ``1 / mean chi2 distance`` between the training
        samples (Zhang et al. 2007; see :func:`skvideo_clf.fusion.chi2_gamma`).
    negative : {"raise", "shift"}, default="raise"
        The chi2 kernel is defined for non-negative features only. ``"raise"``: negative
        input raises a ``ValueError`` naming the stream. ``"shift"``: each column is shifted
        by minus its training minimum (when negative) so the training data is non-negative;
        at prediction, values still negative after the shift are clipped to 0.
    class_weight : dict, "balanced" or None, default=None
        Passed to :class:`sklearn.svm.SVC`.
    probability : bool, default=False
        Enable :meth:`predict_proba`: Platt's sigmoid calibration of the decision values
        by :class:`~sklearn.calibration.CalibratedClassifierCV` (``ensemble=False``,
        stratified 5-fold, or fewer folds when a class has fewer samples), which replaces
        ``SVC(probability=True)`` (deprecated in scikit-learn 1.9). Needed for
        :class:`LateFusionClassifier` members.
    tol : float, default=1e-3
        SVC stopping tolerance.
    max_iter : int, default=-1
        SVC iteration limit, -1 for none.
    random_state : int, RandomState instance or None, default=None
        Shuffles the calibration folds (``probability=True`` only).

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    svc_ : SVC
        The fitted SVC on the precomputed kernel (on all training data).
    calibrator_ : CalibratedClassifierCV or None
        The probability calibration (``probability=True``), else None.
    gammas_ : dict of str to float
        The kernel width used for the stream.
    stream_columns_ : dict of str to ndarray
        The stream's column indices.
    stream_weights_ : dict of str to float
        ``{stream: 1.0}``.
    support_vectors_ : ndarray of shape (n_support, n_features)
        Training rows that are support vectors (after the shift, if any).
    shift_ : ndarray of shape (n_features,)
        Per-column shift (only with ``negative="shift"``).
    n_train_ : int
        Number of training samples.
    n_iter_ : ndarray of shape (n_classes * (n_classes - 1) // 2,)
        SVC solver iterations per one-vs-one sub-problem.
    n_features_in_ : int

    See Also
    --------
    EarlyFusionSVC : the average of several streams' chi2 kernels.

    Examples
    --------
    >>> import numpy as np
    >>> from skvideo_clf.fusion import Chi2SVC
    >>> rng = np.random.RandomState(0)
    >>> y = np.repeat(["run", "walk"], 20)
    >>> X = rng.rand(40, 6) + (y == "run")[:, None] * [1, 1, 1, 0, 0, 0]
    >>> streams = {"spatial": slice(0, 3), "motion": slice(3, 6)}
    >>> spatial = Chi2SVC(streams=streams, stream="spatial").fit(X, y)
    >>> float(spatial.score(X, y))
    1.0
    >>> motion = Chi2SVC(streams=streams, stream="motion").fit(X, y)  # pure noise
    >>> bool(motion.score(X, y) < 1.0)
    True

    Negative features raise an error that says what to do:

    >>> Chi2SVC().fit(X - 1, y)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: Negative values in data passed to Chi2SVC.fit (argument X, stream 'all'): ...
    """

    _parameter_constraints: dict = {
        **_BaseChi2KernelSVC._parameter_constraints,
        "stream": [str, None],
    }

    def __init__(
        self,
        streams=None,
        stream=None,
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
        self.stream = stream
        self.C = C
        self.gamma = gamma
        self.negative = negative
        self.class_weight = class_weight
        self.probability = probability
        self.tol = tol
        self.max_iter = max_iter
        self.random_state = random_state

    def _selected_streams(self, n_features):
        columns = self._resolve_streams(n_features)
        if self.stream is None:
            if len(columns) != 1:
                raise ValueError(
                    f"Chi2SVC uses one stream but streams has {len(columns)} "
                    f"({list(columns)}); name it with stream=..., or use EarlyFusionSVC "
                    "or MKLClassifier to combine streams."
                )
            return columns
        if self.stream not in columns:
            raise ValueError(
                f"stream={self.stream!r} is not one of the streams {list(columns)}."
            )
        return {self.stream: columns[self.stream]}

    def _fit_kernel_weights(self, kernels, y, sample_weight):
        return np.ones(1)
