"""Seed 004's regularized feature fusion network (section 3.3, Eq. 3-4, Algorithm 1)."""

from __future__ import annotations

from numbers import Integral, Real

import torch
from sklearn.utils._param_validation import Interval

from ..streams import resolve_streams
from ..utils import Substitution
from ._base import SHARED_DOCS, NeuralClassifierBase
from ._modules import FusionModule, prox_l21_l11

__all__ = ["FusionNetClassifier"]


@Substitution(**SHARED_DOCS)
class FusionNetClassifier(NeuralClassifierBase):
    """Regularized feature fusion network of seed 004.

    One sigmoid layer of ``stream_size`` units per stream, a fusion layer of
    ``fusion_size`` sigmoid units over their concatenation, a logistic-regression (softmax)
    class layer. Training minimizes Eq. 3: cross-entropy + ``lambda1`` L2 on all weights
    (the optimizer's weight decay) + ``lambda2/2 ||W^E||_{{2,1}} + lambda3 ||W^E||_{{1,1}}`` on
    the fusion weights ``W^E`` (rows = fusion units), by proximal gradient descent
    (Algorithm 1): after every optimizer step, ``W^E`` is replaced by the proximal operator
    of ``lr`` times that penalty (:func:`prox_l21_l11`, Eq. 4). With plain SGD this is
    exactly proximal gradient descent; with adaptive optimizers the prox uses the group's
    base ``lr``. ``lambda2 = lambda3 = 0`` is the non-regularized fusion network of the
    paper's Table 2.

    Parameters
    ----------
    streams : dict of str to slice or column indices, or None, default=None
        Column blocks of ``X``, e.g. ``{{"spatial": slice(0, 2048), "motion":
        slice(2048, None)}}`` (see :mod:`skvideo_clf.streams`); ``None`` is one stream.
    stream_size : int, default=200
    fusion_size : int, default=200
    lambda1 : float, default=3e-5
        L2 weight (weight decay) of every layer.
    lambda2 : float, default=0.0
        Weight of ``1/2 ||W^E||_{{2,1}}`` (hidden units shared by the streams).
    lambda3 : float, default=0.0
        Weight of ``||W^E||_{{1,1}}``.
    {base_parameters} ``PRESETS["seed004"]``: SGD, lr 0.7.

    Attributes
    ----------
    {base_attributes}
    streams_ : dict of str to ndarray
        The resolved columns of each stream.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.RandomState(0)
    >>> X = rng.randn(40, 6).astype("float32")
    >>> y = (X[:, 0] + X[:, 4] > 0).astype(int)
    >>> clf = FusionNetClassifier(streams={{"a": slice(0, 3), "b": slice(3, None)}},
    ...                           stream_size=8, fusion_size=8, lambda2=1e-3, lambda3=1e-3,
    ...                           lr=0.05, max_epochs=30, random_state=0).fit(X, y)
    >>> sorted(clf.streams_)
    ['a', 'b']
    >>> bool(clf.score(X, y) > 0.9)
    True
    """

    _input_kind = "tabular"

    PRESETS = {
        # lambda2/lambda3: the paper tunes them by cross-validation in lambda1's range.
        "seed004": dict(stream_size=200, fusion_size=200, optimizer=torch.optim.SGD, lr=0.7,
                        lambda1=3e-5, lambda2=3e-5, lambda3=3e-5),
    }

    _parameter_constraints = {
        **NeuralClassifierBase._parameter_constraints,
        "streams": [dict, None],
        "stream_size": [Interval(Integral, 1, None, closed="left")],
        "fusion_size": [Interval(Integral, 1, None, closed="left")],
        "lambda1": [Interval(Real, 0, None, closed="left")],
        "lambda2": [Interval(Real, 0, None, closed="left")],
        "lambda3": [Interval(Real, 0, None, closed="left")],
    }

    def __init__(self, *, streams=None, stream_size=200, fusion_size=200, lambda1=3e-5,
                 lambda2=0.0, lambda3=0.0, **kwargs):
        super().__init__(**kwargs)
        self.streams = streams
        self.stream_size = stream_size
        self.fusion_size = fusion_size
        self.lambda1 = lambda1
        self.lambda2 = lambda2
        self.lambda3 = lambda3

    def _build_module(self, **kwargs):
        self.streams_ = resolve_streams(self.streams, self.n_features_in_)
        params = dict(stream_columns=list(self.streams_.values()),
                      n_classes=len(self.classes_), stream_size=self.stream_size,
                      fusion_size=self.fusion_size)
        return FusionModule(**{**params, **kwargs})

    def initialize_optimizer(self, triggered_directly=None):
        named = list(self.get_all_learnable_params())
        args, kwargs = self.get_params_for_optimizer("optimizer", named)
        kwargs.setdefault("weight_decay", self.lambda1)
        self.optimizer_ = self.optimizer(*args, **kwargs)
        return self

    def train_step(self, batch, **fit_params):
        step = super().train_step(batch, **fit_params)
        weight = self.module_.fusion.weight
        if (self.lambda2 or self.lambda3) and weight.requires_grad:
            lr = next(g["lr"] for g in self.optimizer_.param_groups
                      if any(p is weight for p in g["params"]))
            weight.data.copy_(prox_l21_l11(weight.data, self.lambda2, self.lambda3, step=lr))
        return step
