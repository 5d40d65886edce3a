"""Balanced batches for torch and skorch: the bootstrapping CNN paper's pseudo-batches,
redrawn every epoch, and class-balanced sampling (:func:`class_balanced_sampler`).

:class:`BalancedBatchSampler` is a torch batch sampler; :class:`BalancedDataLoader` the
``DataLoader`` skorch builds (``iterator_train=BalancedDataLoader``). skorch always passes
``batch_size`` to its iterator, and the labels a batch sampler needs are only known once
skorch has wrapped ``X, y`` into a dataset: :class:`BalancedDataLoader` reads the labels
from that dataset and turns the ``batch_size`` skorch hands it into the balanced batch size.
The batches are :func:`~skvideo_clf.sampling.bootstrap_batches`' rule, drawn anew per pass.
"""

from __future__ import annotations

import numpy as np
import torch
from sklearn.utils import check_random_state
from torch.utils.data import DataLoader, Sampler, Subset, WeightedRandomSampler

from ._bootstrap import _bootstrap_batches, _check_batch_params, _groups

__all__ = ["BalancedBatchSampler", "BalancedDataLoader", "class_balanced_sampler"]


class BalancedBatchSampler(Sampler):
    """Yield the bootstrapping CNN paper's balanced pseudo-batches of indices, new every pass.

    Each pass over the sampler (one training epoch) is one run of Table I with
    ``n_iterations`` iterations: the negatives (the largest class, or every class but
    ``positive_class``) are split into ``N = floor(n / s_n)`` disjoint random batches and
    each batch is completed by positives drawn with replacement (every other class, drawn
    likewise, in the multi-class form). The split and the draws are new on each pass; the
    sequence of passes is fixed by ``random_state``. See
    :func:`~skvideo_clf.sampling.bootstrap_batches` for the exact rule.

    Parameters
    ----------
    y : array-like of shape (n_samples,)
        Labels of the dataset the indices point into.
    batch_size : int or None, default=None
        ``s``; ``None`` is twice the number of positives (``n_groups`` times the smallest
        group). Rounded down to a multiple of the number of groups.
    positive_class : label or None, default=None
        One-vs-rest on this class; ``None`` balances every class.
    n_iterations : int, default=1
        ``I``: passes over the ``N`` batches per epoch.
    random_state : int, RandomState instance or None, default=None

    Examples
    --------
    >>> import torch
    >>> from skvideo_clf.sampling import BalancedBatchSampler
    >>> y = [0] * 8 + [1] * 2
    >>> sampler = BalancedBatchSampler(y, random_state=0)
    >>> len(sampler), [sorted(y[i] for i in batch) for batch in sampler]
    (4, [[0, 0, 1, 1], [0, 0, 1, 1], [0, 0, 1, 1], [0, 0, 1, 1]])
    >>> data = torch.utils.data.TensorDataset(torch.arange(10), torch.tensor(y))
    >>> loader = torch.utils.data.DataLoader(data, batch_sampler=sampler)
    >>> [int(yb.sum()) for _, yb in loader]
    [2, 2, 2, 2]
    """

    def __init__(self, y, batch_size=None, *, positive_class=None, n_iterations=1,
                 random_state=None):
        y = _as_label_array(y)
        _check_batch_params(batch_size, n_iterations)
        groups, split = _groups(y, positive_class)
        self.y = y
        self.batch_size = batch_size
        self.positive_class = positive_class
        self.n_iterations = n_iterations
        self.random_state = random_state
        # One RandomState for the sampler's lifetime: each pass (epoch) draws new batches,
        # and the whole sequence is reproducible from random_state.
        self._rng = check_random_state(random_state)
        # Validate the batch size now (a wrong one should fail before training starts).
        _, self.per_group_, self.n_batches_ = _bootstrap_batches(
            y, batch_size, positive_class, 1, np.random.RandomState(0))
        self.batch_size_ = self.per_group_ * len(groups)

    def __iter__(self):
        batches, _, _ = _bootstrap_batches(self.y, self.batch_size, self.positive_class,
                                           self.n_iterations, self._rng)
        for batch in batches:
            yield batch.tolist()

    def __len__(self):
        return self.n_iterations * self.n_batches_


def _as_label_array(y):
    if torch.is_tensor(y):
        y = y.detach().cpu().numpy()
    y = np.asarray(y)
    if y.ndim != 1:
        raise ValueError(
            f"Balanced batches need 1-D class labels, got an array of shape {y.shape}."
        )
    return y


def _dataset_labels(dataset):
    """The labels behind a torch dataset: skorch's ``Dataset.y``, through ``Subset``s."""
    if isinstance(dataset, Subset):
        return _dataset_labels(dataset.dataset)[np.asarray(dataset.indices)]
    y = getattr(dataset, "y", None)
    if y is None:
        y = getattr(dataset, "targets", None)
    if y is None:
        raise ValueError(
            f"BalancedDataLoader needs the labels of the training data, but the "
            f"{type(dataset).__name__} it was given has none (no `y` or `targets`). Pass "
            "y to fit, or build a BalancedBatchSampler(y) yourself."
        )
    return _as_label_array(y)


def class_balanced_sampler(dataset):
    r"""Class-balanced sampling over a training dataset (Kang et al., ICLR 2020).

    The dataset's labels are read as :class:`BalancedDataLoader` reads them (``y`` or
    ``targets``, through ``Subset``\ s).

    Each draw picks a class uniformly, then one of its samples uniformly (with
    replacement): torch's :class:`~torch.utils.data.WeightedRandomSampler` with weight
    ``1 / n_c`` per sample of class ``c``, as many draws per epoch as samples. Drawn from
    torch's global generator, which the classifiers seed from ``random_state``.

    Examples
    --------
    >>> import torch
    >>> from skvideo_clf.sampling import class_balanced_sampler
    >>> data = torch.utils.data.TensorDataset(torch.zeros(4, 1))
    >>> data.y = [0, 0, 0, 1]
    >>> (class_balanced_sampler(data).weights * 3).tolist()
    [1.0, 1.0, 1.0, 3.0]
    """
    y = _dataset_labels(dataset)
    _, inverse, counts = np.unique(y, return_inverse=True, return_counts=True)
    return WeightedRandomSampler(torch.as_tensor(1.0 / counts[inverse]), len(y),
                                 replacement=True)


class BalancedDataLoader(DataLoader):
    """A ``DataLoader`` over the bootstrapping CNN paper's balanced batches, built as skorch does.

    skorch calls ``iterator_train(dataset, batch_size=..., **iterator_train__*)`` once per
    ``fit``; this class reads the labels from that dataset and iterates a
    :class:`BalancedBatchSampler`, so every epoch sees freshly drawn balanced batches.
    Give it to any skorch classifier as ``iterator_train=BalancedDataLoader`` (keep the
    default ``DataLoader`` for ``iterator_valid``: prediction must see every sample once).

    Parameters
    ----------
    dataset : torch Dataset
        A skorch ``Dataset`` (or a ``Subset`` of one), or any dataset with ``y`` or
        ``targets``.
    batch_size : int or None, default=None
        The balanced batch size ``s``. skorch passes ``net.batch_size`` here unless
        ``iterator_train__batch_size`` is set; set ``iterator_train__batch_size=None``
        for the paper's choice (twice the number of positives).
    shuffle : bool or None, default=None
        Ignored: the batches are random by construction. Accepted because skorch users
        often set ``iterator_train__shuffle=True``.
    positive_class : label or None, default=None
        One-vs-rest on this class (as it appears in ``dataset.y``, i.e. encoded if the
        classifier encodes labels); ``None`` balances every class.
    n_iterations : int, default=1
        Passes over the ``N`` batches per epoch.
    random_state : int, RandomState instance or None, default=None
        Seeds the batch draws of the whole fit (each epoch draws anew). ``None`` draws the
        seed from torch's generator, so a classifier's own ``random_state`` (which seeds
        torch during ``fit``) makes the batches reproducible too.
    **kwargs
        Passed to ``DataLoader`` (``num_workers``, ``collate_fn``, ...); ``sampler``,
        ``batch_sampler`` and ``drop_last`` are refused.

    Examples
    --------
    >>> import numpy as np, torch
    >>> from skorch import NeuralNetClassifier
    >>> from skvideo_clf.sampling import BalancedDataLoader
    >>> X = np.random.RandomState(0).randn(30, 4).astype(np.float32)
    >>> y = np.array([0] * 24 + [1] * 6)
    >>> net = NeuralNetClassifier(
    ...     torch.nn.Sequential(torch.nn.Linear(4, 2), torch.nn.Softmax(dim=-1)),
    ...     max_epochs=2, train_split=None, verbose=0,
    ...     iterator_train=BalancedDataLoader, iterator_train__batch_size=None,
    ...     iterator_train__random_state=0)
    >>> net = net.fit(X, y)
    >>> net.history[-1, "batches", 0, "train_batch_size"]   # 6 negatives + 6 positives
    12

    The library's classifiers take it the same way (their labels are encoded, so a
    ``positive_class`` is given as its index in ``classes_``)::

        from skvideo_clf.neural import ResBiLSTMClassifier
        clf = ResBiLSTMClassifier(iterator_train=BalancedDataLoader,
                                  iterator_train__batch_size=None,  # s = 2 m, as the paper
                                  iterator_train__random_state=0)
        pipe = Pipeline([("resample", SpatioTemporalOversampler(sequence_length=40)),
                         ("features", InceptionFrameTransformer(sequence_length=40)),
                         ("clf", clf)])
    """

    def __init__(self, dataset, batch_size=None, shuffle=None, *, positive_class=None,
                 n_iterations=1, random_state=None, **kwargs):
        for name in ("sampler", "batch_sampler", "drop_last"):
            if kwargs.get(name):
                raise ValueError(
                    f"BalancedDataLoader builds its own batches; it does not take {name}. "
                    "(The library's sequence classifiers pass a length-bucketing batch "
                    "sampler for variable-length input: set sort_by_length=False.)"
                )
            kwargs.pop(name, None)
        if batch_size == -1:  # skorch's "whole dataset in one batch"
            batch_size = len(dataset)
        if random_state is None:
            random_state = int(torch.randint(2**31 - 1, ()).item())
        batch_sampler = BalancedBatchSampler(
            _dataset_labels(dataset), batch_size, positive_class=positive_class,
            n_iterations=n_iterations, random_state=random_state)
        super().__init__(dataset, batch_sampler=batch_sampler, **kwargs)
