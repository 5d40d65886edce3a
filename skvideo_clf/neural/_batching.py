"""How training data reach a network: datasets, collation and batch samplers.

- :class:`SequenceDataset` and :func:`pad_collate`: feature sequences (fixed-length or
  ragged) as a torch dataset, zero-padded per batch into ``{"x", "lengths"}``.
- :class:`LengthBucketBatchSampler`: batches of similar length, which pad little (the
  low-complexity RNN paper).
- :class:`BalancedBatchSampler` / :class:`BalancedDataLoader`: the bootstrapping CNN paper's
  balanced pseudo-batches, redrawn every epoch, as a torch batch sampler and as the ``DataLoader``
  skorch builds (``iterator_train=BalancedDataLoader``).
- :func:`make_iterator`: the ``DataLoader`` a classifier trains or predicts with, choosing
  among the above.

torch's ``DataLoader`` refuses ``batch_size`` or ``shuffle`` together with a
``batch_sampler``, while skorch always passes ``batch_size`` (``net.batch_size`` unless
``iterator_train__batch_size`` is set), and the labels a batch sampler needs are only
known once skorch has wrapped ``X, y`` into a dataset. :class:`BalancedDataLoader`
settles both: skorch builds it from the training dataset, it reads the labels from that
dataset and turns the ``batch_size`` skorch hands it into the balanced batch size;
:func:`make_iterator` drops ``batch_size`` and ``shuffle`` next to a batch sampler.
"""

from __future__ import annotations

import numpy as np
import torch
from sklearn.utils import check_random_state
from torch.utils.data import DataLoader, Sampler, Subset, WeightedRandomSampler

from ..sampling._bootstrap import _bootstrap_batches, _check_batch_params, _groups

__all__ = [
    "BalancedBatchSampler",
    "BalancedDataLoader",
    "LengthBucketBatchSampler",
    "SequenceDataset",
    "WeightedDataset",
    "class_balanced_sampler",
    "make_iterator",
    "pad_collate",
]


def _writable(a):
    # torch.from_numpy warns on read-only arrays (memory maps, sklearn's readonly checks).
    return a if a.flags.writeable else a.copy()


class SequenceDataset(torch.utils.data.Dataset):
    """Feature sequences (fixed-length array or list of arrays) with optional targets."""

    def __init__(self, seqs, lengths, y=None):
        if isinstance(seqs, np.ndarray):
            self.seqs = torch.from_numpy(_writable(np.ascontiguousarray(seqs)))
        else:
            self.seqs = [torch.from_numpy(_writable(s)) for s in seqs]
        self.lengths = np.asarray(lengths)
        self.y = None if y is None else torch.as_tensor(np.asarray(y))

    def __len__(self):
        return len(self.lengths)

    def __getitem__(self, i):
        target = self.y[i] if self.y is not None else torch.tensor(0)
        return self.seqs[i], target


def pad_collate(batch):
    """Zero-pad a list of ``(x_i (T_i, D), y_i)`` into ``({"x", "lengths"}, y)``."""
    xs, ys = zip(*batch)
    lengths = torch.tensor([len(x) for x in xs], dtype=torch.long)
    if bool((lengths == lengths[0]).all()):
        x = torch.stack(xs)
    else:
        x = torch.nn.utils.rnn.pad_sequence(xs, batch_first=True)
    # default_collate: a target is a label tensor, or {"y", "sample_weight"} when weighted
    return {"x": x, "lengths": lengths}, torch.utils.data.default_collate(ys)


class WeightedDataset(torch.utils.data.Dataset):
    """A training dataset whose targets carry each sample's weight.

    Item ``i`` is ``(x_i, {"y": y_i, "sample_weight": w_i})``, which batches into
    ``{"y": (b,), "sample_weight": (b,)}``: the classifier's ``get_loss`` weighs each term
    by it. ``y`` (the plain labels, for batch samplers and skorch's stratified splits) and
    ``lengths`` (for length bucketing) are those of ``dataset``.

    Parameters
    ----------
    dataset : torch Dataset with a ``y`` attribute
    sample_weight : array-like of shape (len(dataset),)

    Examples
    --------
    >>> import numpy as np
    >>> data = SequenceDataset(np.zeros((3, 2, 1), np.float32), [2, 2, 2], [0, 1, 1])
    >>> x, target = WeightedDataset(data, [1.0, 0.0, 2.0])[2]
    >>> int(target["y"]), float(target["sample_weight"])
    (1, 2.0)
    """

    def __init__(self, dataset, sample_weight):
        self.dataset = dataset
        self.sample_weight = torch.as_tensor(np.asarray(sample_weight, dtype=np.float32))
        self.y = dataset.y
        self.lengths = getattr(dataset, "lengths", None)

    def __len__(self):
        return len(self.dataset)

    def __getitem__(self, i):
        x, y = self.dataset[i]
        return x, {"y": y, "sample_weight": self.sample_weight[i]}


class LengthBucketBatchSampler(Sampler):
    """Mini-batches of sequences of similar length (the low-complexity RNN paper), in random order.

    Sequences are sorted by length (ties in random order) and cut into consecutive batches
    of ``batch_size``, so a batch pads only up to the longest of similar lengths; the order
    of the batches is shuffled every epoch.

    Parameters
    ----------
    lengths : array-like of int
    batch_size : int
    shuffle : bool, default=True
    generator : torch.Generator or None

    Examples
    --------
    >>> s = LengthBucketBatchSampler([5, 1, 4, 2, 3, 6], batch_size=2, shuffle=False)
    >>> [sorted(b) for b in s]
    [[1, 3], [2, 4], [0, 5]]
    """

    def __init__(self, lengths, batch_size, shuffle=True, generator=None):
        self.lengths = np.asarray(lengths)
        self.batch_size = int(batch_size)
        self.shuffle = shuffle
        self.generator = generator

    def __len__(self):
        return -(-len(self.lengths) // self.batch_size)

    def __iter__(self):
        n = len(self.lengths)
        if self.shuffle:
            tie = torch.randperm(n, generator=self.generator).numpy()
            order = tie[np.argsort(self.lengths[tie], kind="stable")]
        else:
            order = np.argsort(self.lengths, kind="stable")
        batches = [order[i:i + self.batch_size].tolist() for i in range(0, n, self.batch_size)]
        if self.shuffle:
            perm = torch.randperm(len(batches), generator=self.generator).tolist()
            batches = [batches[i] for i in perm]
        yield from batches


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
    """Class-balanced sampling over a training dataset (Kang et al., ICLR 2020).

    Each draw picks a class uniformly, then one of its samples uniformly (with
    replacement): torch's :class:`~torch.utils.data.WeightedRandomSampler` with weight
    ``1 / n_c`` per sample of class ``c``, as many draws per epoch as samples. Drawn from
    torch's global generator, which the classifiers seed from ``random_state``.

    Examples
    --------
    >>> import numpy as np
    >>> data = SequenceDataset(np.zeros((4, 1, 1), np.float32), [1] * 4, [0, 0, 0, 1])
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


def make_iterator(iterator, dataset, kwargs, *, batch_size, training, sort_by_length=False):
    """The ``DataLoader`` a classifier trains or predicts with.

    Parameters
    ----------
    iterator : DataLoader class
        ``iterator_train`` or ``iterator_valid``.
    dataset : torch Dataset
    kwargs : dict
        The ``iterator_train__*`` or ``iterator_valid__*`` options (consumed).
    batch_size : int
        The classifier's ``batch_size``, when ``kwargs`` sets none; ``-1`` is the whole
        dataset.
    training : bool
        Training batches are shuffled unless ``kwargs`` says otherwise.
    sort_by_length : bool, default=False
        Train on a plain ``DataLoader`` over sequences of varying length in
        :class:`LengthBucketBatchSampler` batches (unless ``kwargs`` gives a sampler).

    Returns
    -------
    iterator instance
    """
    inner = dataset
    while isinstance(inner, (WeightedDataset, Subset)):  # skorch's split gives Subsets
        inner = inner.dataset
    if isinstance(inner, SequenceDataset):
        kwargs.setdefault("collate_fn", pad_collate)
    if training:
        kwargs.setdefault("shuffle", True)
    if kwargs.get("batch_sampler") is not None:
        # DataLoader refuses batch_size/shuffle/sampler/drop_last next to a batch sampler.
        for key in ("batch_size", "shuffle", "sampler", "drop_last"):
            kwargs.pop(key, None)
        return iterator(dataset, **kwargs)
    kwargs.setdefault("batch_size", batch_size)
    if kwargs["batch_size"] == -1:
        kwargs["batch_size"] = len(dataset)
    lengths = getattr(dataset, "lengths", None)
    if training and sort_by_length and iterator is DataLoader and lengths is not None \
            and "sampler" not in kwargs and len(np.unique(lengths)) > 1:
        # Variable lengths: batches of similar length pad little (the low-complexity RNN paper).
        kwargs["batch_sampler"] = LengthBucketBatchSampler(
            lengths, kwargs.pop("batch_size"), shuffle=kwargs.pop("shuffle"))
        kwargs.pop("drop_last", None)
    return iterator(dataset, **kwargs)
