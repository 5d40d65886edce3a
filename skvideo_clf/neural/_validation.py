"""What a neural classifier accepts: ``X`` in its forms, labels, and class weights.

:class:`InputValidationMixin` turns ``X`` into the form a classifier trains on (sequences,
rows or maps, after ``_input_kind``), records or checks its feature size, and encodes the
labels, whatever their type, into the integers the loss reads.
"""

from __future__ import annotations

import numpy as np
from sklearn.preprocessing import LabelEncoder
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import _assert_all_finite, check_array, column_or_1d

from ..utils import check_sequences
from ._batching import _writable
from ._losses import effective_number_weights

__all__ = ["InputValidationMixin"]


class InputValidationMixin:
    """Input validation of :class:`~skvideo_clf.neural.NeuralClassifierBase`."""

    #: "sequence": (n, T, D) / ragged / (n, D); "tabular": (n, D); "image": see subclass.
    _input_kind = "sequence"

    def _check_X(self, X, reset):
        """Validate ``X`` into the internal form; record or check its feature size."""
        data = self._prepare_X(X)
        n_features, shape = self._input_signature(data)
        if reset:
            self.n_features_in_ = n_features
            self.input_shape_ = shape
        else:
            if n_features != self.n_features_in_ or shape != self.input_shape_:
                raise ValueError(
                    f"X has {n_features} features, but {type(self).__name__} is expecting "
                    f"{self.n_features_in_} features as input (input shape {shape} vs "
                    f"{self.input_shape_} in fit)."
                )
        return data

    def _prepare_X(self, X):
        if self._input_kind == "sequence":
            return check_sequences(X)
        X = check_array(X, dtype=np.float32, accept_sparse=False)
        return _writable(X)

    def _input_signature(self, data):
        if self._input_kind == "sequence":
            seqs = data[0]
            d = seqs.shape[2] if isinstance(seqs, np.ndarray) else seqs[0].shape[1]
            return d, (d,)
        return int(np.prod(data.shape[1:])), tuple(data.shape[1:])

    def _n_samples(self, data):
        return len(data[1]) if self._input_kind == "sequence" else len(data)

    def _check_y(self, y, n_samples):
        if y is None:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target y is None."
            )
        if np.asarray(y).ndim == 2 and np.asarray(y).shape[1] > 1:
            return self._check_multilabel_y(y, n_samples)
        y = column_or_1d(y, warn=True)
        if y.dtype.kind in "fc":
            _assert_all_finite(y, input_name="y")
        check_classification_targets(y)
        if len(y) != n_samples:
            raise ValueError(
                f"X and y have inconsistent numbers of samples: {n_samples} videos in X, "
                f"{len(y)} labels in y."
            )
        return y

    def _check_multilabel_y(self, y, n_samples):
        if not self._supports_multilabel():
            raise ValueError(
                f"{type(self).__name__} does not support multi-label y (a {np.shape(y)} "
                "indicator matrix): its prediction picks one class per video. Use "
                "LSTMClassifier, ResBiLSTMClassifier or another classifier with sigmoid "
                "outputs, or sklearn.multiclass.OneVsRestClassifier around this one.")
        y = check_array(y, ensure_2d=True, dtype=None, input_name="y")
        if type_of_target(y) != "multilabel-indicator" or not np.isin(y, (0, 1)).all():
            raise ValueError(
                f"{type(self).__name__}: a 2-D y must be a binary indicator matrix (one "
                "column per label, 0/1); turn lists of labels into one with "
                "sklearn.preprocessing.MultiLabelBinarizer.")
        if len(y) != n_samples:
            raise ValueError(
                f"X and y have inconsistent numbers of samples: {n_samples} videos in X, "
                f"{len(y)} label rows in y.")
        if getattr(self, "multilabel_", False) and y.shape[1] != len(self.classes_):
            raise ValueError(f"y has {y.shape[1]} labels, {type(self).__name__} was fitted "
                             f"on {len(self.classes_)}.")
        return y.astype(np.float32)

    def _supports_multilabel(self):
        # A subclass with its own predict (frame voting's vote) decides one class per
        # video; the base's sigmoid outputs and 0.5 threshold would be silently bypassed.
        from ._base import NeuralClassifierBase
        return type(self).predict is NeuralClassifierBase.predict

    def _set_labels(self, y, classes=None, loss_labels=None, loss_weight=None):
        self.multilabel_ = y.ndim == 2
        if self.multilabel_:
            self._set_multilabel(y, loss_labels, loss_weight)
            return
        # loss_labels: the label of every loss term, when the loss is not one per sample
        # (frame voting trains on frames): "balanced" must balance what the loss sums
        self.label_encoder_ = LabelEncoder().fit(y if classes is None else classes)
        if len(self.label_encoder_.classes_) < 2:
            raise ValueError(
                f"{type(self).__name__} needs samples of at least 2 classes; y has 1 class "
                f"({self.label_encoder_.classes_.tolist()[0]!r})."
            )
        labels = np.asarray(y if loss_labels is None else loss_labels)
        # samples (summed weights) per class, as the loss counts them: the priors and
        # margins of the long-tail losses and the effective-number weights read these
        w = np.ones(len(labels)) if loss_weight is None else np.asarray(loss_weight, float)
        self.class_counts_ = np.array([w[labels == c].sum() for c in self.classes_])
        if self.class_weight is None:
            self.class_weight_ = None
        elif isinstance(self.class_weight, str) and self.class_weight == "effective_number":
            self.class_weight_ = effective_number_weights(
                self.class_counts_, getattr(self, "effective_number_beta", 0.9999))
        else:
            self.class_weight_ = compute_class_weight(
                self.class_weight, classes=self.classes_, y=labels,
                sample_weight=loss_weight).astype(np.float32)

    def _set_multilabel(self, y, loss_labels=None, loss_weight=None):
        # classes_ are the column indices; the loss is one sigmoid per label and
        # class_weight_ holds the positive weight of each label (BCEWithLogitsLoss)
        n_labels = y.shape[1]
        loss = getattr(self, "loss", "cross_entropy")
        retrain = getattr(self, "retrain_head_epochs", None)
        if loss in ("logit_adjusted", "ldam") or getattr(self, "posthoc_tau", 0) or retrain:
            what = (f"loss={loss!r}" if loss in ("logit_adjusted", "ldam") else
                    "posthoc_tau" if getattr(self, "posthoc_tau", 0) else
                    "retrain_head_epochs (class-balanced sampling)")
            raise ValueError(
                f"{what} is defined for one softmax over classes, not for multi-label "
                "targets (independent sigmoids); use loss='cross_entropy' or 'focal', and "
                "class_weight='balanced' or 'effective_number', with a multi-label y.")
        self.label_encoder_ = LabelEncoder().fit(np.arange(n_labels))
        Y = y if loss_labels is None else np.asarray(loss_labels, dtype=np.float64)
        w = np.ones(len(Y)) if loss_weight is None or loss_labels is not None \
            else np.asarray(loss_weight, dtype=np.float64)
        n_pos = w @ Y
        self.class_counts_ = n_pos  # positive videos per label
        if self.class_weight is None:
            self.class_weight_ = None
        elif isinstance(self.class_weight, str) and self.class_weight == "effective_number":
            # Cui et al.'s weight of each label's term, from its positives; a label on
            # no video (a training fold without a rare label) weighs 1, as for "balanced"
            present = n_pos > 0
            self.class_weight_ = np.ones(n_labels, dtype=np.float32)
            if present.any():
                self.class_weight_[present] = effective_number_weights(
                    n_pos[present], getattr(self, "effective_number_beta", 0.9999))
        elif self.class_weight == "balanced":
            # Each label is a binary problem: scikit-learn's "balanced" weights on its
            # column are n / (2 n_pos) for positives and n / (2 n_neg) for negatives, and
            # pos_weight is their ratio, n_neg / n_pos. A column with one value (a label on
            # every video, or on none) weighs 1, as compute_class_weight gives a single
            # class: a ratio of 0 would switch an always-on label off.
            n_neg = w.sum() - n_pos
            both = (n_pos > 0) & (n_neg > 0)
            ratio = np.divide(n_neg, n_pos, out=np.ones_like(n_pos), where=both)
            self.class_weight_ = ratio.astype(np.float32)
        else:
            self.class_weight_ = np.array(
                [self.class_weight.get(j, 1.0) for j in range(n_labels)], dtype=np.float32)

    def _encode(self, y):
        if y.ndim == 2:
            return y
        unseen = np.setdiff1d(np.unique(y), self.classes_)
        if unseen.size:
            raise ValueError(
                f"y has labels {unseen.tolist()} unseen in the first fit (classes_ = "
                f"{self.classes_.tolist()}); fit from scratch, or use refit_head for new classes."
            )
        return self.label_encoder_.transform(y).astype(np.int64)

    @property
    def classes_(self):
        try:
            return self.label_encoder_.classes_
        except AttributeError:
            raise AttributeError(
                f"{type(self).__name__} has no classes_ before fit.") from None

    def _check_fitted_X(self, X):
        self.check_is_fitted()
        return self._check_X(X, reset=False)
