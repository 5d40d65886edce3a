"""Long-tail losses for the neural classifiers: focal, logit-adjusted, LDAM, and their weights.

Every neural classifier picks its training loss with ``loss=`` (see
:class:`~skvideo_clf.neural.NeuralClassifierBase`); :func:`make_criterion` builds it from the
class counts the classifier saw (``class_counts_``: counted on ``y_before_resampling`` when
given) and the class weights it chose (``class_weight_``):

- ``"cross_entropy"``: torch's ``CrossEntropyLoss`` (``BCEWithLogitsLoss`` for multi-label);
- ``"focal"``: :class:`FocalLoss` (softmax) or :class:`SigmoidFocalLoss` (multi-label);
- ``"logit_adjusted"``: :class:`LogitAdjustedLoss`;
- ``"ldam"``: :class:`LDAMLoss`, with deferred re-weighting through
  :class:`DeferredReweighting` (``reweight_start``).

Every single-label loss here keeps ``CrossEntropyLoss``'s conventions: logits and encoded
labels in, a ``weight`` buffer of class weights, ``reduction="mean"`` normalised by the sum of
the terms' class weights, so that the classifier's ``sample_weight`` handling applies as is.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from skorch.callbacks import Callback
from torch import nn

__all__ = [
    "DeferredReweighting",
    "FocalLoss",
    "LDAMLoss",
    "LOSSES",
    "LogitAdjustedLoss",
    "SigmoidFocalLoss",
    "effective_number_weights",
    "ldam_margins",
    "make_criterion",
]

#: The values of the classifiers' ``loss`` parameter.
LOSSES = ("cross_entropy", "focal", "logit_adjusted", "ldam")

#: Losses defined for one softmax over classes only (not for multi-label sigmoids).
_SOFTMAX_ONLY = ("logit_adjusted", "ldam")


def _positive_counts(class_counts, what):
    counts = np.asarray(class_counts, dtype=np.float64)
    if counts.ndim != 1 or not len(counts):
        raise ValueError(f"{what} needs one count per class, got shape {counts.shape}.")
    if (counts <= 0).any():
        raise ValueError(
            f"{what} needs a positive count of every class; classes at positions "
            f"{np.flatnonzero(counts <= 0).tolist()} have none in y (or in "
            "y_before_resampling).")
    return counts


def effective_number_weights(class_counts, beta=0.9999):
    """Class-balanced weights by the effective number of samples (Cui et al., 2019).

    "Class-Balanced Loss Based on Effective Number of Samples", Yin Cui, Menglin Jia,
    Tsung-Yi Lin, Yang Song and Serge Belongie, CVPR 2019: class ``j`` with ``n_j`` samples
    weighs ``(1 - beta) / (1 - beta ** n_j)``, normalised so that the weights sum to the
    number of classes. ``beta = 0`` weighs every class 1; ``beta -> 1`` tends to inverse
    class frequency.

    Parameters
    ----------
    class_counts : array-like of shape (n_classes,)
        Samples (or summed sample weights) per class, all positive.
    beta : float in [0, 1), default=0.9999
        The paper's hyper-parameter (0.9999 is its and Cao et al.'s choice for long-tailed
        CIFAR).

    Returns
    -------
    ndarray of shape (n_classes,), float32

    Examples
    --------
    >>> from skvideo_clf.neural import effective_number_weights
    >>> w = effective_number_weights([100, 10, 1], beta=0.9)
    >>> [round(float(v), 3) for v in w], round(float(w.sum()), 3)
    ([0.239, 0.367, 2.393], 3.0)
    """
    counts = _positive_counts(class_counts, "class_weight='effective_number'")
    if not 0 <= beta < 1:
        raise ValueError(f"beta must be in [0, 1), got {beta!r}.")
    w = (1.0 - beta) / (1.0 - np.power(beta, counts))
    return (w * len(counts) / w.sum()).astype(np.float32)


def ldam_margins(class_counts, max_margin=0.5):
    """LDAM's per-class margins: proportional to ``n_j ** (-1/4)``, the largest
    ``max_margin`` (Cao et al., 2019; see :class:`LDAMLoss`).

    Parameters
    ----------
    class_counts : array-like of shape (n_classes,)
    max_margin : float, default=0.5
        The margin of the rarest class (the paper's ``C`` is chosen so that it is 0.5).

    Returns
    -------
    ndarray of shape (n_classes,), float32

    Examples
    --------
    >>> from skvideo_clf.neural import ldam_margins
    >>> ldam_margins([16, 1]).tolist()
    [0.25, 0.5]
    """
    counts = _positive_counts(class_counts, "loss='ldam'")
    m = counts ** -0.25
    return (m * (max_margin / m.max())).astype(np.float32)


def _log_prior(class_counts):
    counts = _positive_counts(class_counts, "logit adjustment")
    return np.log(counts / counts.sum()).astype(np.float32)


def _weighted_mean(terms, weight, y, reduction):
    """CrossEntropyLoss's reductions of per-sample terms already multiplied by their class
    weight: ``"mean"`` divides by the sum of those weights."""
    if reduction == "none":
        return terms
    if reduction == "sum":
        return terms.sum()
    if weight is None:
        return terms.mean()
    return terms.sum() / weight.to(terms.dtype)[y].sum()


class _ClassWeighted(nn.Module):
    def __init__(self, weight=None, reduction="mean"):
        super().__init__()
        if reduction not in ("mean", "sum", "none"):
            raise ValueError(f"reduction must be 'mean', 'sum' or 'none', got {reduction!r}.")
        self.register_buffer("weight", None if weight is None else torch.as_tensor(weight))
        self.reduction = reduction


class FocalLoss(_ClassWeighted):
    """Softmax focal loss (Lin et al., 2017).

    "Focal Loss for Dense Object Detection", Tsung-Yi Lin, Priya Goyal, Ross Girshick,
    Kaiming He and Piotr Dollar, ICCV 2017: ``FL(p_t) = -alpha_t (1 - p_t) ** gamma
    log(p_t)``, here with the softmax probability of the true class as ``p_t``. ``alpha_t``
    is the class weight ``weight[y]`` (the classifier's ``class_weight``, e.g.
    ``"effective_number"`` for Cui et al.'s class-balanced focal loss); without one it is 1.
    The paper's ``alpha = 0.25`` balances its detector's foreground against background
    anchors and has no counterpart among classes, so none is applied by default.

    Parameters
    ----------
    gamma : float, default=2.0
        The focusing parameter; the paper's best value is 2, and ``gamma = 0`` is
        cross-entropy.
    weight : tensor of shape (n_classes,) or None
    reduction : {"mean", "sum", "none"}, default="mean"
        ``"mean"`` divides by the summed class weights of the batch, as
        ``CrossEntropyLoss`` does.

    Examples
    --------
    >>> import torch
    >>> from skvideo_clf.neural import FocalLoss
    >>> logits, y = torch.tensor([[2.0, 0.0], [0.0, 1.0]]), torch.tensor([0, 0])
    >>> bool(torch.isclose(FocalLoss(gamma=0.0)(logits, y),
    ...                    torch.nn.functional.cross_entropy(logits, y)))
    True
    >>> bool(FocalLoss()(logits, y) < FocalLoss(gamma=0.0)(logits, y))
    True
    """

    def __init__(self, gamma=2.0, weight=None, reduction="mean"):
        super().__init__(weight, reduction)
        self.gamma = gamma

    def forward(self, logits, y):
        log_p = F.log_softmax(logits, dim=-1).gather(-1, y[:, None]).squeeze(-1)
        terms = -log_p
        if self.gamma:
            terms = terms * (1.0 - log_p.exp()).clamp_min(0) ** self.gamma
        if self.weight is not None:
            terms = terms * self.weight.to(terms.dtype)[y]
        return _weighted_mean(terms, self.weight, y, self.reduction)


class SigmoidFocalLoss(nn.Module):
    """Focal loss over independent sigmoids, for multi-label targets (Lin et al., 2017).

    The form the paper trains its detector with: per label, ``-(1 - p_t) ** gamma`` times
    the binary cross-entropy term, where ``p_t`` is the sigmoid's probability of the given
    0/1 target. ``pos_weight`` and ``weight`` are ``BCEWithLogitsLoss``'s (a positive
    weight per label, a weight per label); ``gamma = 0`` is ``BCEWithLogitsLoss``.

    Parameters
    ----------
    gamma : float, default=2.0
    weight, pos_weight : tensor of shape (n_labels,) or None
    reduction : {"mean", "sum", "none"}, default="mean"

    Examples
    --------
    >>> import torch
    >>> from skvideo_clf.neural import SigmoidFocalLoss
    >>> z, y = torch.tensor([[2.0, -1.0]]), torch.tensor([[1.0, 1.0]])
    >>> bool(torch.isclose(SigmoidFocalLoss(gamma=0.0)(z, y),
    ...                    torch.nn.functional.binary_cross_entropy_with_logits(z, y)))
    True
    """

    def __init__(self, gamma=2.0, weight=None, pos_weight=None, reduction="mean"):
        super().__init__()
        self.gamma = gamma
        self.register_buffer("weight", None if weight is None else torch.as_tensor(weight))
        self.register_buffer("pos_weight",
                             None if pos_weight is None else torch.as_tensor(pos_weight))
        self.reduction = reduction

    def forward(self, logits, y):
        terms = F.binary_cross_entropy_with_logits(
            logits, y, weight=self.weight, pos_weight=self.pos_weight, reduction="none")
        if self.gamma:
            p = torch.sigmoid(logits)
            p_t = p * y + (1 - p) * (1 - y)
            terms = terms * (1.0 - p_t) ** self.gamma
        if self.reduction == "none":
            return terms
        return terms.sum() if self.reduction == "sum" else terms.mean()


class LogitAdjustedLoss(_ClassWeighted):
    """The logit-adjusted softmax cross-entropy (Menon et al., 2021).

    "Long-tail learning via logit adjustment", Aditya Krishna Menon, Sadeep Jayasumana,
    Ankit Singh Rawat, Himanshu Jain, Andreas Veit and Sanjiv Kumar, ICLR 2021: the loss is
    cross-entropy on ``logits + tau * log(prior)``, the prior being the training class
    frequencies; the network's own logits then estimate the balanced-error classifier.
    ``tau = 1`` is the paper's default (and the balanced softmax); ``tau = 0`` is
    cross-entropy. The post-hoc variant instead subtracts ``tau * log(prior)`` from a
    cross-entropy network's logits at prediction (the classifiers' ``posthoc_tau``).

    Parameters
    ----------
    class_counts : array-like of shape (n_classes,)
        Training samples per class (all positive); the prior is their share.
    tau : float, default=1.0
    weight : tensor of shape (n_classes,) or None
    reduction : {"mean", "sum", "none"}, default="mean"

    Examples
    --------
    >>> import torch
    >>> from skvideo_clf.neural import LogitAdjustedLoss
    >>> loss = LogitAdjustedLoss([90, 10])
    >>> logits, y = torch.zeros(1, 2), torch.tensor([1])
    >>> round(float(loss(logits, y)), 4)  # -log(0.1): the rare class is penalised
    2.3026
    """

    def __init__(self, class_counts, tau=1.0, weight=None, reduction="mean"):
        super().__init__(weight, reduction)
        self.tau = tau
        self.register_buffer("log_prior", torch.as_tensor(_log_prior(class_counts)))

    def forward(self, logits, y):
        adjusted = logits + self.tau * self.log_prior.to(logits.dtype)
        return F.cross_entropy(adjusted, y, weight=self.weight, reduction=self.reduction)


class LDAMLoss(_ClassWeighted):
    """Label-distribution-aware margin loss (Cao et al., 2019).

    "Learning Imbalanced Datasets with Label-Distribution-Aware Margin Loss", Kaidi Cao,
    Colin Wei, Adrien Gaidon, Nikos Arechiga and Tengyu Ma, NeurIPS 2019: the true class's
    logit is lowered by a margin ``Delta_j = C / n_j ** (1/4)`` (:func:`ldam_margins`, ``C``
    set so that the largest margin is ``max_margin``), and cross-entropy is taken on the
    logits times ``scale`` (the paper's code normalises features and weights and uses
    ``s = 30``; here the head's logits are scaled as they are). The paper's deferred
    re-weighting (DRW) trains with ``weight = None`` first and with class-balanced weights
    (:func:`effective_number_weights`, ``beta = 0.9999``) from a later epoch on:
    :class:`DeferredReweighting`.

    Parameters
    ----------
    class_counts : array-like of shape (n_classes,)
    max_margin : float, default=0.5
    scale : float, default=30.0
    weight : tensor of shape (n_classes,) or None
    reduction : {"mean", "sum", "none"}, default="mean"

    Examples
    --------
    >>> import torch
    >>> from skvideo_clf.neural import LDAMLoss
    >>> loss = LDAMLoss([16, 1], scale=1.0)
    >>> loss.margins.tolist()
    [0.25, 0.5]
    >>> logits, y = torch.zeros(1, 2), torch.tensor([1])
    >>> bool(loss(logits, y) > torch.nn.functional.cross_entropy(logits, y))
    True
    """

    def __init__(self, class_counts, max_margin=0.5, scale=30.0, weight=None,
                 reduction="mean"):
        super().__init__(weight, reduction)
        self.scale = scale
        self.register_buffer("margins", torch.as_tensor(ldam_margins(class_counts,
                                                                     max_margin)))

    def forward(self, logits, y):
        shift = torch.zeros_like(logits).scatter_(
            -1, y[:, None], self.margins.to(logits.dtype)[y][:, None])
        return F.cross_entropy(self.scale * (logits - shift), y, weight=self.weight,
                               reduction=self.reduction)


def make_criterion(loss, *, multilabel, class_counts, class_weight=None,
                   class_weight_as="weight", params=None, **kwargs):
    """The training criterion of a classifier's ``loss`` parameter.

    Parameters
    ----------
    loss : {"cross_entropy", "focal", "logit_adjusted", "ldam"}
    multilabel : bool
        One sigmoid per label instead of one softmax.
    class_counts : array-like of shape (n_classes,)
        Samples per class (positives per label when multi-label).
    class_weight : array-like or None
    class_weight_as : {"weight", "pos_weight"}, default="weight"
        Multi-label: whether ``class_weight`` weighs each label's whole term (``weight``)
        or its positive part (``pos_weight``).
    params : dict
        ``focal_gamma``, ``logit_adjustment_tau``, ``ldam_max_margin``, ``ldam_scale``.
    **kwargs
        The classifier's ``criterion__*`` options (``reduction``, ...).

    Returns
    -------
    torch.nn.Module
    """
    params = params or {}
    if loss not in LOSSES:
        raise ValueError(f"loss must be one of {LOSSES}, got {loss!r}.")
    weight = None if class_weight is None else torch.as_tensor(
        np.asarray(class_weight, dtype=np.float32))
    if multilabel:
        if loss in _SOFTMAX_ONLY:
            raise ValueError(
                f"loss={loss!r} is defined for one softmax over classes, not for "
                "multi-label targets (independent sigmoids); use loss='cross_entropy' or "
                "loss='focal' with a multi-label y.")
        if weight is not None and class_weight_as not in kwargs:
            kwargs[class_weight_as] = weight
        if loss == "focal":
            return SigmoidFocalLoss(gamma=params.get("focal_gamma", 2.0), **kwargs)
        return nn.BCEWithLogitsLoss(**kwargs)
    if weight is not None and "weight" not in kwargs:
        kwargs["weight"] = weight
    if loss == "focal":
        return FocalLoss(gamma=params.get("focal_gamma", 2.0), **kwargs)
    if loss == "logit_adjusted":
        return LogitAdjustedLoss(class_counts, tau=params.get("logit_adjustment_tau", 1.0),
                                 **kwargs)
    if loss == "ldam":
        return LDAMLoss(class_counts, max_margin=params.get("ldam_max_margin", 0.5),
                        scale=params.get("ldam_scale", 30.0), **kwargs)
    return nn.CrossEntropyLoss(**kwargs)


def reweight_epoch(start, max_epochs):
    """The first epoch (0-based) trained with class weights under ``reweight_start``."""
    if start is None:
        return 0
    if isinstance(start, float) and 0 < start < 1:
        return int(round(start * max_epochs))
    return int(start)


class DeferredReweighting(Callback):
    """Deferred re-weighting (Cao et al., 2019): the class weights apply from an epoch on.

    The "DRW" of "Learning Imbalanced Datasets with Label-Distribution-Aware Margin Loss"
    (Cao, Wei, Gaidon, Arechiga and Ma, NeurIPS 2019): train with the unweighted loss, then
    with the class weights from a later epoch on (the paper: epoch 160 of 200, with the
    effective-number weights of ``beta = 0.9999``). One of every neural classifier's default
    callbacks; it reads the classifier's ``reweight_start`` (None: the weights apply
    throughout, as without it) and counts the epochs of each ``fit`` / ``refit_head`` call.

    Examples
    --------
    >>> from skvideo_clf.neural import LSTMClassifier
    >>> type(dict(LSTMClassifier().get_default_callbacks())["reweighting"]).__name__
    'DeferredReweighting'
    """

    _NAMES = ("weight", "pos_weight")

    def on_train_begin(self, net, **kwargs):
        self.epoch_ = 0
        self.first_ = reweight_epoch(getattr(net, "reweight_start", None), net.max_epochs)
        crit = net.criterion_
        self.saved_ = {k: getattr(crit, k) for k in self._NAMES
                       if getattr(crit, k, None) is not None}

    def on_epoch_begin(self, net, **kwargs):
        on = self.epoch_ >= self.first_
        for k, v in self.saved_.items():
            setattr(net.criterion_, k, v if on else None)

    def on_epoch_end(self, net, **kwargs):
        self.epoch_ += 1

    def on_train_end(self, net, **kwargs):
        for k, v in getattr(self, "saved_", {}).items():
            setattr(net.criterion_, k, v)
