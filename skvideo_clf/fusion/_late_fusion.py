"""Late fusion: average the class probabilities of several classifiers, each on its stream.

The hybrid framework's SVM-LF and NN-LF (equal weights) and its hybrid framework (weights
estimated by
cross-validation). scikit-learn's :class:`~sklearn.ensemble.VotingClassifier` averages
probabilities too, but every member sees all of ``X`` and the weights are fixed, so the
stream selection and the cross-validated weights are written here.
"""

from __future__ import annotations

import itertools
from contextlib import contextmanager
from numbers import Integral

import numpy as np
import scipy.sparse as sp
from sklearn.base import ClassifierMixin, _fit_context, clone
from sklearn.metrics import log_loss
from sklearn.model_selection import check_cv, cross_val_predict
from sklearn.utils import Bunch
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.metadata_routing import (
    MetadataRouter,
    MethodMapping,
    _routing_enabled,
    process_routing,
)
from sklearn.utils.metaestimators import _BaseComposition
from sklearn.utils.multiclass import check_classification_targets, type_of_target, unique_labels
from sklearn.utils.validation import (
    _check_sample_weight,
    check_consistent_length,
    check_is_fitted,
    column_or_1d,
    has_fit_parameter,
    validate_data,
)

from ..streams import normalize_weights, resolve_streams
from ..utils import check_sample_weight_length, check_sequences

__all__ = ["LateFusionClassifier"]


def _multilabel_log_loss(Y, P, sample_weight=None):
    """Binary log-loss of every label, summed over labels, averaged over samples."""
    # Each label's probability is a Bernoulli of its own, as the members' sigmoids (or
    # one-vs-rest SVMs) model it; summing over labels is the log-likelihood of the row.
    P = np.clip(P, 1e-15, 1 - 1e-15)
    per_sample = -(Y * np.log(P) + (1 - Y) * np.log1p(-P)).sum(axis=1)
    return float(np.average(per_sample, weights=sample_weight))


def _simplex_grid(n_members, n_steps):
    """Every weight vector with entries in {0, 1/n_steps, ..., 1} summing to 1."""
    # Stars and bars: choose where the n_members - 1 bars go among n_steps + n_members - 1.
    for bars in itertools.combinations(range(n_steps + n_members - 1), n_members - 1):
        edges = (-1, *bars, n_steps + n_members - 1)
        yield np.diff(edges) - 1


class LateFusionClassifier(ClassifierMixin, _BaseComposition):
    """Weighted average of the predicted probabilities of per-stream classifiers.

    Each member is a ``(name, estimator, stream)`` triple: the estimator is fitted on the
    columns of its stream (a name from ``streams``), or on the whole input when ``stream``
    is ``None``. The fused probability is ``sum_m weights_[m] * P_m(x)``, its argmax the
    prediction. Members need ``predict_proba`` (set ``probability=True`` on SVMs); any
    scikit-learn compatible classifier works, the skorch classifiers of
    :mod:`skvideo_clf.neural` and whole :class:`~sklearn.pipeline.Pipeline` objects
    included.

    With ``weights="cv"`` the fusion weights are chosen on the training data only:
    every member's out-of-fold probabilities are computed with
    :func:`~sklearn.model_selection.cross_val_predict` (splits from ``cv``), then every
    weight vector on the simplex grid with step ``1 / n_weight_steps`` is scored by the
    log-loss of the fused out-of-fold probabilities and the best is kept (ties go to
    the first in grid order). The members are then refitted on all the training data.
    This is how the hybrid framework fuses its hybrid framework's networks.

    **Multi-label** ``y`` (a binary indicator matrix ``(n_samples, n_labels)``): every
    member must give one probability per label (the classifiers of
    :mod:`skvideo_clf.neural` do, and so does
    ``OneVsRestClassifier(Chi2SVC(probability=True))``); they are averaged label by label
    with the same weights, and ``predict`` thresholds the fused probabilities at 0.5.
    ``weights="cv"`` then scores a weight vector by the binary log-loss of each label,
    summed over the labels (the log-likelihood of independent per-label Bernoullis, which
    is what sigmoid outputs model), with plain k-fold splits. A member whose ``fit``
    refuses a 2-D ``y`` makes ``fit`` raise an error naming it.

    Parameters
    ----------
    members : list of (str, estimator, str or None)
        Name, unfitted classifier, and the stream it sees (``None``: all of ``X``).
        Names must be unique and must not contain ``"__"``.
    streams : dict of str to slice or sequence of int, "prefix" or None, default=None
        ``"prefix"``: the ``<stream>__`` prefixes of the column names of a DataFrame ``X``
        (e.g. from ``FeatureUnion(...).set_output(transform="pandas")``), see
        :func:`skvideo_clf.streams.streams_from_feature_names`. Otherwise:
        Column blocks (see :func:`skvideo_clf.streams.resolve_streams`); needed when a
        member names a stream. Columns are taken along the last axis, so 3-D sequence
        input ``(n, T, D)`` splits by feature too.
    weights : {"cv"}, dict of str to float, array-like of float or None, default=None
        ``None``: equal weights (the hybrid framework's SVM-LF / NN-LF). A dict by member name or a
        sequence in member order: fixed non-negative weights, normalized to sum to 1.
        ``"cv"``: chosen by internal cross-validation as described above.
    cv : int, cross-validation generator or iterable, default=5
        Splits for ``weights="cv"`` (an int means stratified k-fold).
    n_weight_steps : int, default=10
        Resolution of the weight grid for ``weights="cv"``; the grid has
        ``C(n_weight_steps + n_members - 1, n_members - 1)`` points (66 for three members).
    n_jobs : int, default=None
        Parallel jobs for :func:`~sklearn.model_selection.cross_val_predict`.
    verbose : int, default=0
        Passed to :func:`~sklearn.model_selection.cross_val_predict`.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels, or the label column indices ``0..n_labels - 1`` for a multi-label
        ``y``.
    multilabel_ : bool
        Whether ``y`` was a multi-label indicator matrix.
    estimators_ : list of estimators
        The fitted members, in order.
    named_estimators_ : Bunch
        The same by name.
    weights_ : ndarray of shape (n_members,)
        Fusion weights, summing to 1.
    cv_log_loss_ : float
        Log-loss of the fused out-of-fold probabilities at ``weights_`` (``weights="cv"``;
        per-label binary log-loss summed over labels for a multi-label ``y``).
    cv_member_log_loss_ : dict of str to float
        Out-of-fold log-loss of each member alone (``weights="cv"``).
    stream_columns_ : dict of str to ndarray
        Column indices of the streams the members use.
    n_features_in_ : int
        Columns of ``X`` when it was a 2-D numeric matrix.

    Examples
    --------
    SVM-LF over a spatial and a motion stream, and the same members with weights chosen
    by cross-validation (the motion block is noise here, so it gets little weight):

    >>> import numpy as np
    >>> from skvideo_clf.fusion import Chi2SVC, LateFusionClassifier
    >>> rng = np.random.RandomState(0)
    >>> y = np.repeat(["a", "b", "c"], 20)
    >>> X = rng.rand(60, 6)
    >>> X[:, :3] += np.eye(3)[np.searchsorted(["a", "b", "c"], y)]
    >>> streams = {"spatial": slice(0, 3), "motion": slice(3, 6)}
    >>> members = [
    ...     ("spatial", Chi2SVC(probability=True, random_state=0), "spatial"),
    ...     ("motion", Chi2SVC(probability=True, random_state=0), "motion"),
    ... ]
    >>> lf = LateFusionClassifier(members, streams=streams).fit(X, y)
    >>> lf.weights_.tolist()
    [0.5, 0.5]
    >>> hybrid = LateFusionClassifier(members, streams=streams, weights="cv").fit(X, y)
    >>> bool(hybrid.weights_[0] > 0.7)
    True

    NN-LF is the same with neural members, e.g. ``("spatial", MLPClassifier(), "spatial")``
    or a classifier of :mod:`skvideo_clf.neural`; members may be Pipelines with their own
    featurizers when ``X`` is a list of videos and every member's stream is ``None``.
    """

    _parameter_constraints: dict = {
        "members": [list],
        "streams": [dict, StrOptions({"prefix"}), None],
        "weights": [StrOptions({"cv"}), dict, "array-like", None],
        "cv": ["cv_object"],
        "n_weight_steps": [Interval(Integral, 1, None, closed="left")],
        "n_jobs": [Integral, None],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        members,
        streams=None,
        weights=None,
        *,
        cv=5,
        n_weight_steps=10,
        n_jobs=None,
        verbose=0,
    ):
        self.members = members
        self.streams = streams
        self.weights = weights
        self.cv = cv
        self.n_weight_steps = n_weight_steps
        self.n_jobs = n_jobs
        self.verbose = verbose

    # get_params / set_params through the (name, estimator) pairs, as ColumnTransformer
    # does for its (name, transformer, columns) triples.
    @property
    def _members(self):
        try:
            return [(name, est) for name, est, _ in self.members]
        except (TypeError, ValueError):
            return self.members

    @_members.setter
    def _members(self, value):
        try:
            self.members = [
                (name, est, stream)
                for (name, est), (_, _, stream) in zip(value, self.members)
            ]
        except (TypeError, ValueError):
            self.members = value

    def get_params(self, deep=True):
        """Parameters, with ``<member name>__<param>`` entries when ``deep``.

        Parameters
        ----------
        deep : bool, default=True

        Returns
        -------
        params : dict
        """
        return self._get_params("_members", deep=deep)

    def set_params(self, **params):
        """Set parameters, members' included (``svm__C=10``, ``svm=other_estimator``).

        Parameters
        ----------
        **params : dict

        Returns
        -------
        self : object
        """
        self._set_params("_members", **params)
        return self

    def _check_members(self):
        if not self.members:
            raise ValueError("members is empty; give a list of (name, estimator, stream).")
        for member in self.members:
            if not (isinstance(member, tuple | list) and len(member) == 3):
                raise ValueError(
                    f"Each member must be a (name, estimator, stream) triple; got {member!r}."
                )
        names = [name for name, _, _ in self.members]
        self._validate_names(names)
        for name, est, _ in self.members:
            if not hasattr(est, "fit") or not hasattr(est, "predict_proba"):
                raise ValueError(
                    f"Member {name!r} ({type(est).__name__}) has no fit/predict_proba; late "
                    "fusion averages probabilities (for SVC / Chi2SVC set probability=True)."
                )

    def _validate_X(self, X, reset):
        """Numeric 2-D/3-D input is validated here; anything else (a list of videos)
        goes to the members untouched, which validate it themselves."""
        if sp.issparse(X) or hasattr(X, "dtypes"):
            return validate_data(self, X, reset=reset, accept_sparse=True,
                                 ensure_all_finite=False)
        try:
            arr = np.asarray(X)
        except ValueError:  # ragged lists
            arr = None
        if arr is not None and arr.dtype.kind in "biuf":
            if arr.ndim == 2:
                return validate_data(self, arr, reset=reset, dtype=None,
                                     ensure_all_finite=False)
            if arr.ndim == 3:
                return check_sequences(arr, dtype=None, ensure_all_finite=False)[0]
        if any(stream is not None for _, _, stream in self.members):
            raise ValueError(
                "Members with a stream need X as a numeric array (n_samples, n_features) or "
                f"(n_samples, T, n_features); got {type(X).__name__}. Give stream=None to "
                "members that read other input (e.g. Pipelines over videos)."
            )
        return X

    def _member_input(self, X, stream):
        if stream is None:
            return X
        if stream not in self.stream_columns_:
            raise ValueError(
                f"A member uses stream {stream!r}, which is not one of the streams "
                f"{list(self.stream_columns_)}."
            )
        cols = self.stream_columns_[stream]
        return X[:, cols] if sp.issparse(X) else X[..., cols]

    # The members are user estimators: their own fit validates their parameters.
    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y, groups=None, sample_weight=None, **fit_params):
        """Fit every member on its stream, choosing the fusion weights first if asked.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_samples, T, n_features), \
or list
            Features (streams are column blocks of the last axis), or any input that the
            members read themselves when no member names a stream.
        y : array-like of shape (n_samples,) or (n_samples, n_labels)
            Class labels, or a multi-label binary indicator matrix.
        groups : array-like of shape (n_samples,), default=None
            Group labels for a group-aware ``cv`` splitter (``weights="cv"`` only).
        sample_weight : array-like of shape (n_samples,), default=None
            Weight of each sample, given to every member's ``fit``, in the cross-validation
            of ``weights="cv"`` too, where it also weighs the log-loss that picks the
            fusion weights. Without metadata routing every member must take
            ``sample_weight`` in ``fit`` (a ``ValueError`` names one that does not); with
            ``sklearn.set_config(enable_metadata_routing=True)`` the weights go to the
            members that ask for them (``member.set_fit_request(sample_weight=True)``).
        **fit_params : dict
            Other metadata for the members' ``fit``, with metadata routing only.

        Returns
        -------
        self : object
        """
        self._check_members()
        X = self._validate_X(X, reset=True)
        if y is None:
            raise ValueError(
                "LateFusionClassifier requires y to be passed, but the target y is None."
            )
        # np.asarray first: np.ndim / np.shape dispatch to array-likes that refuse it
        y_shape = np.asarray(y).shape
        self.multilabel_ = len(y_shape) == 2 and y_shape[1] > 1
        if self.multilabel_:
            if type_of_target(y) != "multilabel-indicator":
                raise ValueError(
                    "LateFusionClassifier takes a 2-D y as a binary indicator matrix of 0/1 "
                    f"(sklearn.preprocessing.MultiLabelBinarizer makes one); got "
                    f"{type_of_target(y)!r} of shape {y_shape}."
                )
            y = np.asarray(y).astype(int)
            self.classes_ = np.arange(y.shape[1])
        else:
            y = column_or_1d(y, warn=True)
            check_classification_targets(y)
            self.classes_ = unique_labels(y)
        check_consistent_length(X, y)
        n_features = X.shape[-1] if hasattr(X, "shape") and len(X.shape) >= 2 else None
        uses_streams = any(stream is not None for _, _, stream in self.members)
        self.stream_columns_ = (
            resolve_streams(self.streams, n_features,
                            feature_names=getattr(self, "feature_names_in_", None))
            if uses_streams else {}
        )
        names = [name for name, _, _ in self.members]
        if sample_weight is not None:
            check_sample_weight_length(self, sample_weight, len(y))
            sample_weight = _check_sample_weight(sample_weight, X if hasattr(X, "shape")
                                                 else np.empty((len(y), 0)),
                                                 ensure_non_negative=True)
        member_params = self._route_fit_params(groups, sample_weight, fit_params)
        for stale in ("cv_log_loss_", "cv_member_log_loss_"):  # from an earlier fit
            self.__dict__.pop(stale, None)
        if isinstance(self.weights, str):  # "cv"
            self.weights_ = self._cv_weights(X, y, groups, sample_weight, member_params)
        else:
            self.weights_ = normalize_weights(self.weights, names, what="members")
        self.estimators_ = []
        for name, est, stream in self.members:
            with self._naming_member_that_refuses_multilabel(name, est):
                self.estimators_.append(
                    clone(est).fit(self._member_input(X, stream), y, **member_params[name]))
        self.named_estimators_ = Bunch(**dict(zip(names, self.estimators_)))
        return self

    @contextmanager
    def _naming_member_that_refuses_multilabel(self, name, est):
        """A member's own refusal of a 2-D ``y``, re-raised naming this estimator."""
        try:
            yield
        except ValueError as exc:
            if not self.multilabel_:
                raise
            raise ValueError(
                f"LateFusionClassifier does not support a multi-label y with member "
                f"{name!r} ({type(est).__name__}), whose fit failed on it: {exc} Give "
                "members with one probability per label: a classifier of "
                "skvideo_clf.neural, or sklearn.multiclass.OneVsRestClassifier(...) around a "
                "single-label one (with probability=True for SVMs)."
            ) from exc

    def _route_fit_params(self, groups, sample_weight, fit_params):
        """The ``fit`` metadata of each member, by member name."""
        names = [name for name, _, _ in self.members]
        if _routing_enabled():
            params = dict(fit_params)
            if sample_weight is not None:
                params["sample_weight"] = sample_weight
            if groups is not None:
                params["groups"] = groups
            routed = process_routing(self, "fit", **params)
            return {name: dict(routed[name].fit) for name in names}
        if fit_params:
            raise ValueError(
                f"LateFusionClassifier.fit got {sorted(fit_params)}: metadata other than "
                "groups and sample_weight reach the members only with metadata routing, "
                "sklearn.set_config(enable_metadata_routing=True)."
            )
        if sample_weight is None:
            return {name: {} for name in names}
        for name, est, _ in self.members:
            if not has_fit_parameter(est, "sample_weight"):
                raise ValueError(
                    f"Member {name!r} ({type(est).__name__}) does not take sample_weight in "
                    "fit. Leave sample_weight out, replace the member, or (e.g. for a "
                    "Pipeline member) enable metadata routing with "
                    "sklearn.set_config(enable_metadata_routing=True) and request it: "
                    "member.set_fit_request(sample_weight=True) on the step that uses it."
                )
        return {name: {"sample_weight": sample_weight} for name in names}

    def get_metadata_routing(self):
        """Metadata routing: ``fit`` metadata go to the members and to the ``cv`` splitter.

        Returns
        -------
        routing : MetadataRouter
        """
        router = MetadataRouter(owner=self)
        for name, est, _ in self.members:
            router.add(**{name: est}, method_mapping=MethodMapping().add(
                caller="fit", callee="fit"))
        if isinstance(self.weights, str):  # "cv": groups for a group-aware splitter
            router.add(splitter=check_cv(self.cv), method_mapping=MethodMapping().add(
                caller="fit", callee="split"))
        return router

    def _cv_weights(self, X, y, groups, sample_weight, member_params):
        cv = check_cv(self.cv, y, classifier=True)
        routing = _routing_enabled()

        def split_params(name):
            # With routing on, cross_val_predict takes groups among the metadata it routes.
            params = dict(member_params[name])
            if routing and groups is not None:
                params["groups"] = groups
            return params or None

        # cross_val_predict orders predict_proba columns by np.unique(y) = classes_ and
        # cuts each member's metadata (its sample weights) along with the folds.
        oof = []
        for name, est, stream in self.members:
            with self._naming_member_that_refuses_multilabel(name, est):
                P = cross_val_predict(
                    clone(est), self._member_input(X, stream), y,
                    groups=None if routing else groups, cv=cv, method="predict_proba",
                    n_jobs=self.n_jobs, verbose=self.verbose, params=split_params(name),
                )
            oof.append(self._check_member_proba(name, est, P))
        if self.multilabel_:
            def loss_of(P):
                return _multilabel_log_loss(y, P, sample_weight)
        else:
            # Rows of float32 (skorch) or rounded probabilities sum to 1 only
            # approximately; log_loss warns on that, so make them exact.
            oof = [P / P.sum(axis=1, keepdims=True) for P in oof]

            def loss_of(P):
                return float(log_loss(y, P / P.sum(axis=1, keepdims=True),
                                      labels=self.classes_, sample_weight=sample_weight))
        names = [name for name, _, _ in self.members]
        self.cv_member_log_loss_ = {name: loss_of(P) for name, P in zip(names, oof)}
        best, best_loss = None, np.inf
        for steps in _simplex_grid(len(oof), self.n_weight_steps):
            w = steps / self.n_weight_steps
            fused = sum(wm * P for wm, P in zip(w, oof) if wm > 0)
            loss = loss_of(fused)
            if loss < best_loss - 1e-12:
                best, best_loss = w, loss
        self.cv_log_loss_ = float(best_loss)
        return best

    def _check_member_proba(self, name, est, P):
        P = np.asarray(P, dtype=float)
        if self.multilabel_ and (P.ndim != 2 or P.shape[1] != len(self.classes_)):
            raise ValueError(
                f"LateFusionClassifier needs one probability per label from every member "
                f"with a multi-label y; member {name!r} ({type(est).__name__}) gave "
                f"predict_proba of shape {P.shape} for {len(self.classes_)} labels."
            )
        return P

    def _member_proba(self, name, est, X):
        P = self._check_member_proba(name, est, est.predict_proba(X))
        member_classes = getattr(est, "classes_", None)
        if (self.multilabel_ or member_classes is None
                or np.array_equal(member_classes, self.classes_)):
            return P
        # A member that saw the labels in another order (or not all of them).
        out = np.zeros((P.shape[0], len(self.classes_)))
        out[:, np.searchsorted(self.classes_, member_classes)] = P
        return out

    def predict_proba(self, X):
        """Weighted average of the members' probabilities.

        Parameters
        ----------
        X : array-like or list
            As in :meth:`fit`.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes) or (n_samples, n_labels)
            Class probabilities, or each label's probability for a multi-label fit.
        """
        check_is_fitted(self)
        X = self._validate_X(X, reset=False)
        return sum(
            w * self._member_proba(name, est, self._member_input(X, stream))
            for w, est, (name, _, stream) in zip(self.weights_, self.estimators_,
                                                 self.members)
            if w > 0
        )

    def predict(self, X):
        """Class with the largest fused probability.

        Parameters
        ----------
        X : array-like or list
            As in :meth:`fit`.

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_labels)
            Classes, or the indicator matrix of the labels whose fused probability is at
            least 0.5 for a multi-label fit.
        """
        proba = self.predict_proba(X)
        if self.multilabel_:
            return (proba >= 0.5).astype(int)
        return self.classes_[np.argmax(proba, axis=1)]
