"""The low-complexity RNN paper's 5 -> 10 class transfer as one estimator (a row can fit it)."""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, _fit_context, clone
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

__all__ = ["HeadTransferClassifier", "source_classes"]


def source_classes(classes, fraction=0.5):
    """The classes a transfer trains on first: the first ``fraction`` of the sorted labels.

    The low-complexity RNN paper trains on 5 of 10 categories; on another class count the split is
    scaled
    proportionally, keeping at least 2 source classes and at least 1 new one.

    Examples
    --------
    >>> from skvideo_clf.protocols._transfer import source_classes
    >>> source_classes(list("abcdefghij")).tolist(), source_classes(list("abcd")).tolist()
    (['a', 'b', 'c', 'd', 'e'], ['a', 'b'])
    """
    classes = np.unique(np.asarray(classes))
    if len(classes) < 3:
        raise ValueError(f"A class transfer needs at least 3 classes, got {len(classes)}.")
    n = int(min(len(classes) - 1, max(2, round(len(classes) * fraction))))
    return classes[:n]


class HeadTransferClassifier(ClassifierMixin, BaseEstimator):
    """Train on the source classes, then refit only the class layer on the new ones.

    ``fit(X, y)`` fits a clone of ``estimator`` (a neural classifier, or a Pipeline ending
    in one) on the videos of the source classes (:func:`source_classes`), then calls the
    final step's ``refit_head(..., keep_classes=True)`` on the videos of the other classes
    (``head_data="new"``, the low-complexity RNN paper's fine-tuning data) or of all classes
    (``"all"``): the
    head scores every class, old and new, with all other layers frozen.

    Parameters
    ----------
    estimator : estimator
        Its final step has ``refit_head`` (:class:`~skvideo_clf.neural.LSTMClassifier`).
    source_fraction : float, default=0.5
        Share of the sorted classes trained first (5 of 10 in the low-complexity RNN paper).
    head_epochs : int or None, default=None
        Epochs of the head refit; None: the classifier's ``max_epochs``.
    head_data : {"new", "all"}, default="new"
        Which videos the head is refitted on.

    Attributes
    ----------
    estimator_ : estimator
        The fitted clone.
    classes_ : ndarray
        Every class of ``y``.
    source_classes_ : ndarray
        The classes of the first training.

    Examples
    --------
    >>> import numpy as np
    >>> from skvideo_clf.neural import LSTMClassifier
    >>> from skvideo_clf.protocols import HeadTransferClassifier
    >>> rng = np.random.RandomState(0)
    >>> X = rng.randn(40, 3, 2).astype("float32")
    >>> y = np.repeat(list("abcd"), 10)
    >>> clf = HeadTransferClassifier(LSTMClassifier(max_epochs=2, random_state=0)).fit(X, y)
    >>> clf.source_classes_.tolist(), clf.classes_.tolist(), clf.predict_proba(X).shape
    (['a', 'b'], ['a', 'b', 'c', 'd'], (40, 4))
    """

    _parameter_constraints = {
        "estimator": [HasMethods(["fit", "predict_proba"])],
        "source_fraction": [Interval(Real, 0, 1, closed="neither")],
        "head_epochs": [Interval(Integral, 0, None, closed="left"), None],
        "head_data": [StrOptions({"new", "all"})],
    }

    def __init__(self, estimator, *, source_fraction=0.5, head_epochs=None,
                 head_data="new"):
        self.estimator = estimator
        self.source_fraction = source_fraction
        self.head_epochs = head_epochs
        self.head_data = head_data

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y):
        from ..utils import object_array

        # videos (paths or arrays of different lengths) are indexed as an object array
        X = X if isinstance(X, np.ndarray) else object_array(X)
        y = np.asarray(y)
        self.source_classes_ = source_classes(y, self.source_fraction)
        first = np.isin(y, self.source_classes_)
        self.estimator_ = clone(self.estimator).fit(X[first], y[first])
        second = ~first if self.head_data == "new" else np.ones(len(y), dtype=bool)
        steps = getattr(self.estimator_, "steps", None)
        head, Xh = self.estimator_, X[second]
        if steps is not None:  # the frozen featurizer is part of the first training
            head = steps[-1][1]
            Xh = self.estimator_[:-1].transform(Xh)
        head.refit_head(Xh, y[second], self.head_epochs, keep_classes=True)
        self.classes_ = np.asarray(head.classes_)
        return self

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # A transfer needs source and new classes (3 or more), which scikit-learn's checks
        # on 2-D rows of 1-2 classes never give: tests/test_common.py checks it on videos.
        tags.input_tags.two_d_array = False
        tags.input_tags.three_d_array = True
        return tags

    def predict_proba(self, X):
        check_is_fitted(self)
        return self.estimator_.predict_proba(X)

    def predict(self, X):
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]
