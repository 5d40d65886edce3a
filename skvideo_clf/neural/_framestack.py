"""FrameStack (VideoLT, ICCV 2021): frame-level resampling of two videos by class AP.

A skorch callback: :class:`FrameStack` rewrites training batches of feature sequences
before each step, and mixes the loss of the two labels through :class:`MixedTargetLoss`,
which it puts around the classifier's criterion for the time of training.
"""

from __future__ import annotations

from collections.abc import Mapping
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.metrics import average_precision_score
from sklearn.utils._param_validation import Interval, validate_parameter_constraints
from skorch.callbacks import Callback
from torch import nn

__all__ = ["FrameStack", "MixedTargetLoss"]

#: The criterion attributes the classifier reads or sets (sample weights, deferred
#: re-weighting): the wrapper passes them to the wrapped loss.
_DELEGATED = ("weight", "pos_weight", "reduction")


class MixedTargetLoss(nn.Module):
    """A criterion whose next call mixes two targets: ``(1 - beta) L(y) + beta L(y_mix)``.

    ``L`` is the wrapped criterion, evaluated per sample; for cross-entropy (and binary
    cross-entropy) this equals the loss of the soft target ``(1 - beta) y + beta y_mix``
    that VideoLT's FrameStack trains with. :meth:`mix` sets ``y_mix`` and ``beta`` for one
    call; without it the wrapped loss is returned as is. ``weight``, ``pos_weight`` and
    ``reduction`` read and write the wrapped loss's.

    Parameters
    ----------
    criterion : torch.nn.Module
        A loss with a ``reduction`` attribute (``"mean"``, ``"sum"`` or ``"none"``).
    """

    def __init__(self, criterion):
        super().__init__()
        self.inner = criterion
        self.pending = None

    def __getattr__(self, name):
        try:
            return super().__getattr__(name)
        except AttributeError:
            if name in _DELEGATED:
                return getattr(self._modules["inner"], name)
            raise

    def __setattr__(self, name, value):
        if name in _DELEGATED and "inner" in self.__dict__.get("_modules", {}):
            setattr(self._modules["inner"], name, value)
        else:
            super().__setattr__(name, value)

    def mix(self, y_mix, beta):
        """Mix ``y_mix`` with weight ``beta`` (per sample) into the next call."""
        self.pending = (y_mix, beta)

    def forward(self, logits, y):
        pending, self.pending = self.pending, None
        if pending is None:
            return self.inner(logits, y)
        y_mix, beta = pending
        beta = beta.to(logits.device, logits.dtype)
        y_mix = y_mix.to(y.device)
        reduction = self.inner.reduction
        self.inner.reduction = "none"
        try:
            a, b = self.inner(logits, y), self.inner(logits, y_mix)
        finally:
            self.inner.reduction = reduction
        if a.ndim > 1:  # one term per label
            beta = beta[:, None]
        terms = (1 - beta) * a + beta * b
        if reduction == "none":
            return terms
        if reduction == "sum":
            return terms.sum()
        weight = getattr(self.inner, "weight", None)
        if weight is not None and y.ndim == 1:  # as CrossEntropyLoss's weighted mean
            w = weight.to(logits.dtype)
            norm = (1 - beta) * w[y] + beta * w[y_mix]
            return terms.sum() / norm.sum().clamp_min(torch.finfo(terms.dtype).tiny)
        return terms.mean()


class FrameStack(Callback):
    """FrameStack: frame-level resampling adapted to the classes' running precision.

    From "VideoLT: Large-scale Long-tailed Video Recognition", Xing Zhang, Zuxuan Wu,
    Zejia Weng, Huazhu Fu, Jingjing Chen, Yu-Gang Jiang and Larry S. Davis, ICCV 2021. After
    ``warmup_epochs`` plain epochs, the first ``ratio`` of every training batch is replaced
    by stacked sequences: video ``i`` is paired with a random video ``j`` of the same batch,
    ``F_j = floor(beta L)`` frames are taken evenly from ``j`` and ``L - F_j`` from ``i``
    and concatenated in time (``j``'s first), ``L`` being the batch's sequence length, and
    the target is ``(1 - beta) y_i + beta y_j`` with ``beta = AP_i / (AP_i + AP_j)``
    (0.5 when both are 0): the video of the class the network already ranks well gives up
    frames to the other. ``AP`` is each class's average precision on the previous epoch's
    training batches, scored un-mixed and in eval mode before each step (for a multi-label
    video, the mean over the labels of ``y * AP``, as the paper's code does).

    Faithful on cached frame features: VideoLT trains FrameStack on pre-extracted frame
    features (ResNet-101, 60 frames per video), which is what the sequence classifiers of
    this package read. A callback rather than a sampler, since the stacking depends on the
    network's running precision and is redrawn every batch; it composes in a ``Pipeline``
    as the classifier's ``callbacks=[("framestack", FrameStack())]``. The paper's default
    settings: ``ratio = 0.5``, stacking from the second epoch (its ``warm_epoch = 0``).
    The loss is the classifier's, on both labels (exactly the soft-target loss for
    cross-entropy; see :class:`MixedTargetLoss`).

    For classifiers of feature sequences ``(n, T, D)`` (``LSTMClassifier``,
    ``ResBiLSTMClassifier``); frame voting, 2-D rows and images are refused.

    Parameters
    ----------
    ratio : float in (0, 1], default=0.5
        Share of each training batch that is stacked.
    warmup_epochs : int, default=1
        Plain epochs before stacking starts (at least 1: the precision comes from an epoch).

    Attributes
    ----------
    average_precision_ : ndarray of shape (n_classes,)
        Per-class AP of the last finished epoch (0 for a class without a training video
        in it).

    Examples
    --------
    >>> import numpy as np
    >>> from skvideo_clf.neural import FrameStack, LSTMClassifier
    >>> rng = np.random.RandomState(0)
    >>> X = rng.randn(40, 6, 3).astype("float32")
    >>> y = np.r_[np.zeros(32, int), np.ones(8, int)]
    >>> clf = LSTMClassifier(max_epochs=3, random_state=0,
    ...                      callbacks=[("framestack", FrameStack())]).fit(X, y)
    >>> dict(clf.callbacks_)["framestack"].average_precision_.shape
    (2,)
    """

    _parameter_constraints = {
        "ratio": [Interval(Real, 0, 1, closed="right")],
        "warmup_epochs": [Interval(Integral, 1, None, closed="left")],
    }

    def __init__(self, ratio=0.5, warmup_epochs=1):
        self.ratio = ratio
        self.warmup_epochs = warmup_epochs

    def on_train_begin(self, net, **kwargs):
        validate_parameter_constraints(
            self._parameter_constraints,
            {"ratio": self.ratio, "warmup_epochs": self.warmup_epochs},
            caller_name=type(self).__name__)
        self.n_classes_ = len(net.classes_)
        self.epoch_ = 0
        self.average_precision_ = None
        self._scores, self._targets = [], []
        if not isinstance(net.criterion_, MixedTargetLoss):
            net.criterion_ = MixedTargetLoss(net.criterion_)

    def on_epoch_begin(self, net, **kwargs):
        self._scores, self._targets = [], []

    def on_batch_begin(self, net, batch=None, training=False, **kwargs):
        if not training:
            return
        Xi, yi = batch
        if not (isinstance(Xi, Mapping) and "x" in Xi and Xi["x"].ndim == 3):
            raise TypeError(
                f"FrameStack stacks frames of feature sequences (n, T, D); "
                f"{type(net).__name__} does not train on batches of such sequences (frame "
                "voting trains on frames, the CNNs on images).")
        y = yi["y"] if isinstance(yi, Mapping) else yi
        with torch.no_grad():  # the un-mixed batch, scored for this epoch's AP
            out = net.evaluation_step((Xi, yi), training=False)
            multilabel = y.ndim == 2
            proba = torch.sigmoid(out) if multilabel else torch.softmax(out, dim=-1)
        self._scores.append(proba.cpu().numpy())
        self._targets.append(y.cpu().numpy())
        if self.epoch_ >= self.warmup_epochs and self.average_precision_ is not None:
            self._stack(net, Xi, y)

    def _stack(self, net, Xi, y):
        x, lengths = Xi["x"], Xi["lengths"]
        n = int(len(x) * self.ratio)
        if n < 1:
            return
        L = x.shape[1]
        ap = torch.as_tensor(self.average_precision_, dtype=torch.float32)
        yc = y[:n].cpu()
        sample_ap = (yc.float() * ap).mean(dim=1) if yc.ndim == 2 else ap[yc]
        perm = torch.randperm(n)
        total = sample_ap + sample_ap[perm]
        beta = torch.where(total < 1e-5, torch.full_like(total, 0.5),
                           sample_ap / total.clamp_min(1e-5))
        mixed = x.clone()
        for i in range(n):
            j = int(perm[i])
            f_j = int(beta[i] * L)
            idx_j = torch.linspace(0, int(lengths[j]) - 1, f_j).round().long()
            idx_i = torch.linspace(0, int(lengths[i]) - 1, L - f_j).round().long()
            mixed[i] = torch.cat((x[j][idx_j], x[i][idx_i]))
        Xi["x"] = mixed
        lengths[:n] = L
        y_mix = y.clone()
        y_mix[:n] = y[:n][perm.to(y.device)]
        full_beta = torch.zeros(len(x))
        full_beta[:n] = beta
        net.criterion_.mix(y_mix, full_beta)

    def on_epoch_end(self, net, **kwargs):
        self.epoch_ += 1
        if not self._scores:
            return
        scores, targets = np.concatenate(self._scores), np.concatenate(self._targets)
        onehot = targets if targets.ndim == 2 else np.eye(self.n_classes_)[targets]
        ap = np.zeros(self.n_classes_)
        for c in range(self.n_classes_):
            if onehot[:, c].any():
                ap[c] = average_precision_score(onehot[:, c], scores[:, c])
        self.average_precision_ = ap

    def on_train_end(self, net, **kwargs):
        self._scores, self._targets = [], []  # not kept in a pickled model
        if isinstance(net.criterion_, MixedTargetLoss):
            net.criterion_ = net.criterion_.inner

