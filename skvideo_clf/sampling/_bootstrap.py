"""BootstrapSampler: seed 001's balanced pseudo-batches (Table I, Eq. 3) as an imblearn sampler."""

from __future__ import annotations

from collections import OrderedDict
from numbers import Integral

import numpy as np
from imblearn.base import BaseSampler
from imblearn.utils._validation import ArraysTransformer
from sklearn.base import _fit_context
from sklearn.preprocessing import label_binarize
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval
from sklearn.utils.multiclass import check_classification_targets

from ..utils import object_array
from ._input import check_sampler_input

__all__ = ["BootstrapSampler", "bootstrap_batches"]


def bootstrap_batches(y, batch_size=None, *, positive_class=None, n_iterations=1,
                      random_state=None):
    """Index arrays into ``y`` forming seed 001's balanced pseudo-batches.

    The data fall into *groups*: the classes, or, when ``positive_class`` is given,
    that class (the positives) against all the others (the negatives). Every batch holds
    ``s_g = batch_size // n_groups`` instances of each group. One group, the negatives
    when ``positive_class`` is given and otherwise the largest class (the first in sorted
    order on a tie), is split once into ``N = floor(n / s_g)`` disjoint random batches of
    ``s_g`` (Eq. 3; the ``n mod s_g`` left over are not used in this call); every other
    group contributes ``s_g`` instances drawn with replacement to each batch (Table I,
    lines 5-7). The ``N`` batches are built ``n_iterations`` times over the same split,
    with fresh draws for the other groups each time.

    Parameters
    ----------
    y : array-like of shape (n_samples,)
        Labels.
    batch_size : int or None, default=None
        ``s``. ``None`` is the paper's choice, twice the number of positives: ``n_groups``
        times the size of the smallest group (``2 m`` for two groups). A ``batch_size``
        that is not a multiple of ``n_groups`` is rounded down to one.
    positive_class : label or None, default=None
        Make the problem one-vs-rest: this class against all the others.
    n_iterations : int, default=1
        ``I`` of Table I.
    random_state : int, RandomState instance or None, default=None

    Returns
    -------
    batches : list of ndarray of int
        ``n_iterations * N`` index arrays of length ``s``, each holding the ``s_g``
        indices of every group in turn (groups in sorted class order; negatives first).

    Examples
    --------
    >>> from skvideo_clf.sampling import bootstrap_batches
    >>> y = [0] * 10 + [1] * 3
    >>> batches = bootstrap_batches(y, random_state=0)
    >>> len(batches), [len(b) for b in batches]
    (3, [6, 6, 6])
    >>> [[y[i] for i in b] for b in batches][0]
    [0, 0, 0, 1, 1, 1]
    """
    batches, _, _ = _bootstrap_batches(np.asarray(y), batch_size, positive_class,
                                       n_iterations, check_random_state(random_state))
    return batches


def _groups(y, positive_class):
    classes = np.unique(y)
    if len(classes) < 2:
        raise ValueError(
            f"Balanced batches need at least 2 classes in y, got {len(classes)} class "
            f"({classes.tolist()})."
        )
    if positive_class is None:
        groups = [np.flatnonzero(y == c) for c in classes]
        return groups, int(np.argmax([len(g) for g in groups]))
    if positive_class not in classes:
        raise ValueError(
            f"positive_class={positive_class!r} is not among the labels "
            f"{classes.tolist()}; name one of them or pass None for all classes."
        )
    positive = y == positive_class
    return [np.flatnonzero(~positive), np.flatnonzero(positive)], 0


def _check_batch_params(batch_size, n_iterations):
    if batch_size is not None and (not isinstance(batch_size, Integral) or batch_size < 1):
        raise ValueError(f"batch_size must be a positive integer or None, got {batch_size!r}.")
    if not isinstance(n_iterations, Integral) or n_iterations < 1:
        raise ValueError(f"n_iterations must be a positive integer, got {n_iterations!r}.")


def _bootstrap_batches(y, batch_size, positive_class, n_iterations, rng):
    """(batches, per_group, n_batches); see :func:`bootstrap_batches`."""
    _check_batch_params(batch_size, n_iterations)
    groups, split = _groups(y, positive_class)
    if batch_size is None:
        per_group = min(len(g) for g in groups)
    else:
        per_group = int(batch_size) // len(groups)
        if per_group < 1:
            raise ValueError(
                f"batch_size={batch_size} is smaller than the {len(groups)} groups a "
                f"balanced batch must hold; use batch_size >= {len(groups)}."
            )
    n_batches = len(groups[split]) // per_group
    if n_batches == 0:
        raise ValueError(
            f"batch_size={batch_size} asks {per_group} instances of each group per batch "
            f"but the group that is split into batches has only {len(groups[split])}; "
            f"use batch_size <= {len(groups) * len(groups[split])}."
        )
    split_rows = rng.permutation(groups[split])[: n_batches * per_group]
    split_rows = split_rows.reshape(n_batches, per_group)
    batches = []
    for _ in range(n_iterations):
        for b in range(n_batches):
            parts = [split_rows[b] if k == split else rng.choice(g, per_group, replace=True)
                     for k, g in enumerate(groups)]
            batches.append(np.concatenate(parts))
    return batches, per_group, n_batches


class BootstrapSampler(BaseSampler):
    """Balanced pseudo-batches by bootstrapping (seed 001, Table I and Eq. 3).

    The training set is turned into ``n_iterations * N`` batches of the same size and
    composition: the negatives are split once into ``N = floor(n / s_n)`` disjoint random
    batches of ``s_n`` (the ``n mod s_n`` left over are not used), and each batch is
    completed by ``s_p`` positives drawn with replacement, fresh for every batch and every
    iteration. By default the batch holds twice as many instances as there are positives
    (``s = 2 m``, ``s_n = s_p = m``), as in the paper.

    Multi-class generalization: with ``positive_class=None`` and more than two classes,
    each batch is balanced across all classes, ``s // n_classes`` of each; the largest
    class plays the negatives (split into disjoint batches) and every other class the
    positives (drawn with replacement). With two classes this is exactly the paper, the
    minority being the positives. Naming ``positive_class`` gives the one-vs-rest form:
    that class against all the others pooled, half a batch each.

    The output is the concatenated batches, in order. To feed them to a network *as
    batches*, iterate in order with the same batch size (``max_epochs=1`` then reproduces
    Table I: ``n_iterations`` passes over ``N`` batches); to draw fresh batches every
    epoch instead, skip this step and give the network
    :class:`~skvideo_clf.sampling.BalancedDataLoader` (same composition, redrawn per
    epoch). For estimators that do not train by mini-batches the output is a balanced
    bootstrap sample.

    Parameters
    ----------
    batch_size : int or None, default=None
        ``s``. ``None``: twice the number of positives (``n_groups`` times the smallest
        group). Rounded down to a multiple of the number of groups.
    positive_class : label or None, default=None
        One-vs-rest on this class; ``None`` balances every class.
    n_iterations : int, default=1
        ``I``: how many times the ``N`` batches are built.
    random_state : int, RandomState instance or None, default=None
        Draws the split of the negatives and the positives of every batch.

    Attributes
    ----------
    sampling_strategy_ : dict
        Number of output rows of each class (what the resampled data hold, not a gain).
    sample_indices_ : ndarray of shape (n_iterations * N * batch_size_,)
        Index of the input sample behind each output row.
    batches_ : list of ndarray
        Positions in the *output* of each batch (consecutive ranges of ``batch_size_``).
    batch_size_ : int
        The batch size used.
    n_batches_ : int
        ``N``, batches per iteration.
    n_features_in_ : int
        Number of features, for 2-D input only.
    feature_names_in_ : ndarray of str
        Column names, for DataFrame input only.

    Notes
    -----
    Takes the same input as :class:`SpatioTemporalOversampler`: videos (output: a 1-D
    object array of :class:`~skvideo_clf.video.Clip` without frame indices, read with the
    featurizer's own strategy), feature sequences (output: the selected sequences, a 3-D
    array for 3-D input, an object array for variable lengths) or 2-D rows (output: the
    selected rows in the input container).

    Examples
    --------
    >>> import numpy as np
    >>> from skvideo_clf.sampling import BootstrapSampler
    >>> X = np.arange(26, dtype=float).reshape(13, 2)
    >>> y = np.array(["neg"] * 10 + ["pos"] * 3)
    >>> sampler = BootstrapSampler(random_state=0)
    >>> X_res, y_res = sampler.fit_resample(X, y)
    >>> sampler.batch_size_, sampler.n_batches_, X_res.shape
    (6, 3, (18, 2))
    >>> [y_res[b].tolist().count("pos") for b in sampler.batches_]
    [3, 3, 3]

    Feeding the batches to a skorch network unchanged (one pass reproduces Table I;
    ``clf`` stands for any ``skorch.NeuralNetClassifier``)::

        pipe = Pipeline([("resample", BootstrapSampler(batch_size=32, n_iterations=10)),
                         ("clf", clf.set_params(max_epochs=1, iterator_train__batch_size=32,
                                                iterator_train__shuffle=False))])
    """

    _sampling_type = "bypass"

    _parameter_constraints: dict = {
        "batch_size": [Interval(Integral, 1, None, closed="left"), None],
        "positive_class": "no_validation",
        "n_iterations": [Interval(Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
    }

    def __init__(self, batch_size=None, *, positive_class=None, n_iterations=1,
                 random_state=None):
        self.batch_size = batch_size
        self.positive_class = positive_class
        self.n_iterations = n_iterations
        self.random_state = random_state

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, **params):
        """Check the input and compute the batch layout; use ``fit_resample``."""
        self.fit_resample(X, y)
        return self

    @_fit_context(prefer_skip_nested_validation=True)
    def fit_resample(self, X, y, **params):
        """Build the batches and return their rows, concatenated in order.

        Parameters
        ----------
        X : list of videos, array of shape (n, T, D), object array of (T_i, D) arrays, \
                or {array-like, sparse matrix, DataFrame} of shape (n, n_features)
        y : array-like of shape (n,)

        Returns
        -------
        X_resampled : same kind as ``X`` (clips for videos)
        y_resampled : ndarray of shape (n_iterations * N * batch_size_,)
        """
        check_classification_targets(y)
        arrays_transformer = ArraysTransformer(X, y)
        inp, y, binarize_y = check_sampler_input(self, X, y)
        rng = check_random_state(self.random_state)
        batches, per_group, n_batches = _bootstrap_batches(
            y, self.batch_size, self.positive_class, self.n_iterations, rng)
        indices = np.concatenate(batches)
        size = len(batches[0])
        self.sample_indices_ = indices
        self.batch_size_ = size
        self.n_batches_ = n_batches
        self.batches_ = [np.arange(i * size, (i + 1) * size) for i in range(len(batches))]
        y_res = y[indices]
        classes, counts = np.unique(y_res, return_counts=True)
        self.sampling_strategy_ = OrderedDict(zip(classes.tolist(), counts.tolist()))

        if inp.kind == "rows":
            X_res = inp.take_rows(indices)
        elif inp.kind == "videos":
            X_res = object_array([inp.data[i] for i in indices])
        elif isinstance(inp.data, np.ndarray):
            X_res = inp.data[indices]
        else:
            X_res = object_array([inp.data[i] for i in indices])
        if binarize_y:
            y_res = label_binarize(y_res, classes=np.unique(y))
        if inp.kind == "rows":
            return arrays_transformer.transform(X_res, y_res)
        return X_res, y_res

    def _fit_resample(self, X, y):  # pragma: no cover - fit_resample does the work
        raise NotImplementedError

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        tags.input_tags.string = True
        tags.input_tags.allow_nan = True
        tags.sampler_tags.sample_indices = True
        return tags
