"""Imbalance handling by resampling: the CNN-ResBiLSTM and bootstrapping CNN papers' samplers.

- :class:`SpatioTemporalOversampler` (the CNN-ResBiLSTM paper, Algorithm 1): synthetic clips made
by
  random frame selection in time and random augmentation, per clip or per frame
  (``augment_per``).
- :class:`BootstrapSampler` (the bootstrapping CNN paper, Table I): balanced pseudo-batches,
negatives split
  into batches and positives drawn with replacement.
- :class:`MLROSSampler` (Charte et al., 2015): multi-label random oversampling, cloning
  videos that carry labels rarer than the mean imbalance ratio.
- :class:`BalancedBatchSampler` / :class:`BalancedDataLoader`: the same batches for torch
  and skorch, redrawn every epoch (``iterator_train=BalancedDataLoader``).

Both samplers are imbalanced-learn samplers on one base, :class:`BaseVideoSampler`: in an
:class:`imblearn.pipeline.Pipeline` they run in ``fit`` only. They take videos (paths,
arrays, clips), feature sequences ``(n, T, D)`` and plain 2-D rows.
"""

from ._base import BaseVideoSampler
from ._bootstrap import BootstrapSampler, bootstrap_batches
from ._ml_ros import MLROSSampler, imbalance_ratio_per_label
from ._spatio_temporal import SpatioTemporalOversampler

__all__ = [
    "BalancedBatchSampler",
    "BalancedDataLoader",
    "BaseVideoSampler",
    "BootstrapSampler",
    "MLROSSampler",
    "SpatioTemporalOversampler",
    "bootstrap_batches",
    "imbalance_ratio_per_label",
]

_TORCH_NAMES = ("BalancedBatchSampler", "BalancedDataLoader")


def __getattr__(name):
    # The torch-based names are imported on first use so that the samplers (and
    # `import skvideo_clf.sampling`) do not pay for importing torch.
    if name in _TORCH_NAMES:
        from ..neural import _batching as _batch_sampler

        return getattr(_batch_sampler, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
