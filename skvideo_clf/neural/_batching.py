"""How training data reach a network: datasets, collation and batch samplers.

- :class:`SequenceDataset` and :func:`pad_collate`: feature sequences (fixed-length or
  ragged) as a torch dataset, zero-padded per batch into ``{"x", "lengths"}``.
- :class:`LengthBucketBatchSampler`: batches of similar length, which pad little (the
  low-complexity RNN paper).
- :func:`make_iterator`: the ``DataLoader`` a classifier trains or predicts with, choosing
  among the above or a batch sampler given as ``iterator_train__batch_sampler`` (the
  bootstrapping CNN paper's balanced batches are
  :class:`skvideo_clf.sampling.BalancedDataLoader`).

torch's ``DataLoader`` refuses ``batch_size`` or ``shuffle`` together with a
``batch_sampler``, while skorch always passes ``batch_size`` (``net.batch_size`` unless
``iterator_train__batch_size`` is set): :func:`make_iterator` drops ``batch_size`` and
``shuffle`` next to a batch sampler.
"""

from __future__ import annotations

import numpy as np
import torch
from torch.utils.data import DataLoader, Sampler, Subset

__all__ = [
    "LengthBucketBatchSampler",
    "SequenceDataset",
    "WeightedDataset",
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
