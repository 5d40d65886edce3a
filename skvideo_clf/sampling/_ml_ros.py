"""ML-ROS: multi-label random oversampling by label imbalance ratio (Charte et al., 2015)."""

from __future__ import annotations

from numbers import Real

import numpy as np
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import type_of_target

from ..utils import Substitution
from ..utils.compat.sklearn import Interval
from ._base import BaseVideoSampler, _sampler_docs
from ._input import check_sampler_input

__all__ = ["MLROSSampler", "imbalance_ratio_per_label"]


def imbalance_ratio_per_label(Y):
    """IRLbl of each label: the count of the most frequent label over the label's count.

    Parameters
    ----------
    Y : array-like of shape (n_samples, n_labels)
        Binary indicator matrix.

    Returns
    -------
    irlbl : ndarray of shape (n_labels,)
        1 for the most frequent label, larger for rarer ones; ``inf`` for a label no
        sample carries.

    Examples
    --------
    >>> from skvideo_clf.sampling import imbalance_ratio_per_label
    >>> imbalance_ratio_per_label([[1, 1], [1, 0], [1, 0], [1, 0]]).tolist()
    [1.0, 4.0]
    """
    counts = np.asarray(Y).sum(axis=0).astype(float)
    with np.errstate(divide="ignore"):
        return counts.max() / counts


@Substitution(**_sampler_docs)
class MLROSSampler(BaseVideoSampler):
    """Multi-label random oversampling (ML-ROS): clone videos carrying the rarest labels.

    The algorithm of Charte et al. (2015), "Addressing imbalance in multilabel
    classification: measures and random resampling algorithms". A label's imbalance ratio
    is ``IRLbl(l) = max_l' count(l') / count(l)`` and ``MeanIR`` their mean (labels no
    video carries left out). The labels with ``IRLbl > MeanIR`` are the minority labels;
    round after round, a random video carrying each minority label is cloned, and a label
    leaves the rounds once its ``IRLbl`` (counted on the grown dataset, clones of other
    labels' videos included) reaches ``MeanIR`` or less. It stops when ``percentage`` per
    cent of the dataset has been added or no minority label is left. Clones are exact
    copies: the video, clip or sequence and its whole label row.

    ``y`` is a binary indicator matrix ``(n, n_labels)``, as
    :class:`~sklearn.preprocessing.MultiLabelBinarizer` makes it. A 1-D ``y`` of class
    labels is read as its one-hot matrix (each video carries one label) and comes back
    1-D.

    {input_kinds}

    Parameters
    ----------
    percentage : float, default=25
        Videos to add, in per cent of the input (rounded), at most: fewer are added when
        every minority label reaches ``MeanIR`` first.
    {random_state}

    Attributes
    ----------
    irlbl_ : ndarray of shape (n_labels,)
        ``IRLbl`` of each label in the input (``inf`` for an absent label).
    mean_ir_ : float
        ``MeanIR`` of the input: the mean of the finite ``irlbl_``.
    minority_labels_ : ndarray of int
        Column indices of the labels with ``IRLbl > MeanIR``.
    sampling_strategy_ : dict
        Label column index -> clones added of a video carrying it (the label drawn for).
    {sample_indices_}
    {sample_weight_}
    {n_features_in_}
    {feature_names_in_}

    See Also
    --------
    SpatioTemporalOversampler : Single-label oversampling with synthetic clips.

    Notes
    -----
    In an :class:`imblearn.pipeline.Pipeline` it runs in ``fit`` only, like any sampler.
    imbalanced-learn's own target check refuses multi-label ``y`` (it takes an indicator
    matrix for one-vs-all encoded classes only); this sampler validates ``y`` itself.

    Examples
    --------
    >>> import numpy as np
    >>> from skvideo_clf.sampling import MLROSSampler, imbalance_ratio_per_label
    >>> Y = np.array([[1, 0]] * 16 + [[1, 1]] * 2 + [[0, 1]] * 2)
    >>> sequences = np.zeros((20, 4, 3), dtype=np.float32)
    >>> sampler = MLROSSampler(percentage=25, random_state=0)
    >>> X_res, Y_res = sampler.fit_resample(sequences, Y)
    >>> X_res.shape, sampler.irlbl_.tolist(), sampler.sampling_strategy_
    ((24, 4, 3), [1.0, 4.5], {{1: 4}})
    >>> imbalance_ratio_per_label(Y_res).round(2).tolist()
    [1.0, 2.62]
    """

    _sampling_type = "over-sampling"

    _parameter_constraints: dict = {
        "percentage": [Interval(Real, 0, None, closed="left")],
        "random_state": ["random_state"],
    }

    def __init__(self, percentage=25, *, random_state=None):
        self.percentage = percentage
        self.random_state = random_state

    def _check_X_y(self, X, y):
        # imblearn's check_target_type (run by check_sampler_input) refuses an indicator
        # matrix with several labels per row; validate X with a stand-in 1-D y instead.
        y = np.asarray(y)
        if y.ndim == 2 and y.shape[1] > 1:
            if type_of_target(y) != "multilabel-indicator" or not np.isin(y, (0, 1)).all():
                raise ValueError(
                    f"{type(self).__name__} takes y as a binary indicator matrix "
                    f"(n_samples, n_labels) or 1-D class labels, got a 2-D "
                    f"{type_of_target(y)!r} y of shape {y.shape}.")
            X, _, _ = check_sampler_input(self, X, np.zeros(y.shape[0], dtype=int))
            return X, y, False
        return check_sampler_input(self, X, y)

    def _fit_sampling_strategy(self, y):
        # No sampling_strategy to resolve: _fit_resample records the clones per label.
        pass

    def _fit_resample(self, X, y):
        if y.ndim == 1:
            classes, codes = np.unique(y, return_inverse=True)
            if len(classes) == 1:  # imbalanced-learn's wording, as its samplers say it
                raise ValueError("Sampler can't balance when only one class is present.")
            Y = np.eye(len(classes), dtype=int)[codes]
        else:
            Y = y
        rng = check_random_state(self.random_state)
        n_samples = Y.shape[0]
        counts = Y.sum(axis=0).astype(float)
        self.irlbl_ = imbalance_ratio_per_label(Y)
        present = counts > 0
        self.mean_ir_ = float(self.irlbl_[present].mean())
        self.minority_labels_ = np.flatnonzero(present & (self.irlbl_ > self.mean_ir_))
        bags = {int(j): np.flatnonzero(Y[:, j]) for j in self.minority_labels_}
        to_clone = int(round(n_samples * self.percentage / 100))
        clones, per_label = [], dict.fromkeys(bags, 0)
        while to_clone > 0 and bags:
            for label in list(bags):
                i = int(rng.choice(bags[label]))
                clones.append(i)
                per_label[label] += 1
                counts += Y[i]
                if counts.max() / counts[label] <= self.mean_ir_:
                    del bags[label]
                to_clone -= 1
                if to_clone == 0:
                    break
        self.sampling_strategy_ = per_label
        self.sample_indices_ = np.concatenate(
            [np.arange(n_samples), np.asarray(clones, dtype=np.intp)])
        return X.take(self.sample_indices_), y[self.sample_indices_]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags
