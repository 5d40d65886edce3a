"""BootstrapSampler: the bootstrapping CNN paper's balanced pseudo-batches (Table I, Eq. 3)."""

from __future__ import annotations

from collections import OrderedDict
from numbers import Integral

import numpy as np
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import (
    Interval,
    validate_parameter_constraints,
    validate_params,
)

from ..utils import Substitution
from ._base import BaseVideoSampler, _sampler_docs

__all__ = ["BootstrapSampler", "bootstrap_batches"]

#: The parameters of the bootstrapping CNN paper's batches, for the function, the sampler and
#: the torch one.
_BATCH_CONSTRAINTS = {
    "batch_size": [Interval(Integral, 1, None, closed="left"), None],
    "positive_class": "no_validation",
    "n_iterations": [Interval(Integral, 1, None, closed="left")],
    "random_state": ["random_state"],
}

_batch_docs = {
    **_sampler_docs,
    "batch_size": """batch_size : int or None, default=None
        ``s``. ``None`` is the paper's choice, twice the number of positives: ``n_groups``
        times the size of the smallest group (``2 m`` for two groups). A ``batch_size``
        that is not a multiple of ``n_groups`` is rounded down to one.""",
    "positive_class": """positive_class : label or None, default=None
        One-vs-rest on this class: it against all the others. ``None`` balances every
        class.""",
    "n_iterations": """n_iterations : int, default=1
        ``I`` of Table I: how many times the ``N`` batches are built.""",
}


@validate_params({"y": ["array-like"], **_BATCH_CONSTRAINTS},
                 prefer_skip_nested_validation=True)
@Substitution(**_batch_docs)
def bootstrap_batches(y, batch_size=None, *, positive_class=None, n_iterations=1,
                      random_state=None):
    """Index arrays into ``y`` forming the bootstrapping CNN paper's balanced pseudo-batches.

    The data fall into *groups*: the classes, or, when ``positive_class`` is given,
    that class (the positives) against all the others (the negatives). Every batch holds
    ``s_g = batch_size // n_groups`` instances of each group. One group, the negatives
    when ``positive_class`` is given and otherwise the largest class (the first in sorted
    order on a tie), is split once into ``N = floor(n / s_g)`` disjoint random batches of
    ``s_g`` (Eq. 3; the ``n mod s_g`` left over are not used in this call); every other
    group contributes ``s_g`` instances drawn with replacement to each batch (Table I).
    The ``N`` batches are built ``n_iterations`` times over the same split,
    with fresh draws for the other groups each time.

    Parameters
    ----------
    y : array-like of shape (n_samples,)
        Labels.
    {batch_size}
    {positive_class}
    {n_iterations}
    {random_state}

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
    # For BalancedBatchSampler, a torch Sampler and no estimator (no _fit_context): the
    # same constraints, checked by hand.
    validate_parameter_constraints(
        {name: _BATCH_CONSTRAINTS[name] for name in ("batch_size", "n_iterations")},
        {"batch_size": batch_size, "n_iterations": n_iterations},
        caller_name="BalancedBatchSampler",
    )


def _bootstrap_batches(y, batch_size, positive_class, n_iterations, rng):
    """(batches, per_group, n_batches); see :func:`bootstrap_batches`. Unvalidated."""
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


@Substitution(**_batch_docs)
class BootstrapSampler(BaseVideoSampler):
    """Balanced pseudo-batches by bootstrapping (the bootstrapping CNN paper, Table I and Eq. 3).

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
    {batch_size}
    {positive_class}
    {n_iterations}
    {random_state}
        It draws the split of the negatives and the positives of every batch.

    Attributes
    ----------
    sampling_strategy_ : dict
        Number of output rows of each class (what the resampled data hold, not a gain).
    {sample_indices_}
        ``n_samples_resampled = n_iterations * N * batch_size_``.
    {sample_weight_}
    batches_ : list of ndarray
        Positions in the *output* of each batch (consecutive ranges of ``batch_size_``).
    batch_size_ : int
        The batch size used.
    n_batches_ : int
        ``N``, batches per iteration.
    {n_features_in_}
    {feature_names_in_}

    Notes
    -----
    {input_kinds}

    The clips out of videos have no frame indices: the featurizer reads them with its own
    strategy. Sequences come out as they went in: a 3-D array for 3-D input, an object
    array for variable lengths.

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

    _parameter_constraints: dict = {**_BATCH_CONSTRAINTS}

    def __init__(self, batch_size=None, *, positive_class=None, n_iterations=1,
                 random_state=None):
        self.batch_size = batch_size
        self.positive_class = positive_class
        self.n_iterations = n_iterations
        self.random_state = random_state

    @Substitution(**_sampler_docs)
    def fit(self, X, y, **params):
        """Check the input and draw the batch layout; use ``fit_resample``.

        Parameters
        ----------
        {X_y}
        **params : dict
            Passed to ``fit_resample``.

        Returns
        -------
        self : object
            The sampler.
        """
        # The layout, and the class counts in sampling_strategy_, are those of the draws.
        self.fit_resample(X, y, **params)
        return self

    def _fit_sampling_strategy(self, y):
        # No sampling_strategy to resolve: _fit_resample counts the classes it drew.
        pass

    def _fit_resample(self, X, y):
        batches, _, n_batches = _bootstrap_batches(
            y, self.batch_size, self.positive_class, self.n_iterations,
            check_random_state(self.random_state))
        indices = np.concatenate(batches)
        size = len(batches[0])
        self.sample_indices_ = indices
        self.batch_size_ = size
        self.n_batches_ = n_batches
        self.batches_ = [np.arange(i * size, (i + 1) * size) for i in range(len(batches))]
        y_res = y[indices]
        classes, counts = np.unique(y_res, return_counts=True)
        self.sampling_strategy_ = OrderedDict(zip(classes.tolist(), counts.tolist()))
        return X.take(indices), y_res
