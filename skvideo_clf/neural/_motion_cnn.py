"""A CNN trained from scratch on stacked optical flow (seed 004's motion stream)."""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import TransformerMixin
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import check_array

from ..utils import Substitution
from ._base import SHARED_DOCS, NeuralClassifierBase
from ._batching import _writable
from ._modules import MotionCNN
from ._skorch_compat import resolved_device

__all__ = ["MotionCNNClassifier"]


@Substitution(**SHARED_DOCS)
class MotionCNNClassifier(TransformerMixin, NeuralClassifierBase):
    """Motion-stream CNN on stacked optical flow, trained from scratch (seed 004).

    Input is one stack per sample: ``(n, 2L, H, W)``, the x and y flow of ``L`` consecutive
    frame pairs as channels (the output layout of an optical-flow featurizer stacking
    ``L`` flows). A video with several stacks is several samples; average their
    ``predict_proba`` (or their ``transform``) per video. A 2-D ``(n, D)`` input is read as
    ``D`` channels of 1x1 maps. ``transform`` returns the first FC layer's activations,
    the motion features that seed 004 feeds to its LSTM, SVM and fusion network.

    Parameters
    ----------
    channels : tuple of int, default=(16, 32)
        Conv 3x3 + ReLU + 2x2 max-pool blocks.
    fc_size : int, default=64
        Width of the first FC layer (the ``transform`` output).
    dropout : float, default=0.5
    {base_parameters}

    Attributes
    ----------
    {base_attributes}

    See Also
    --------
    skvideo_clf.features.OpticalFlowTransformer : Stacked optical flow from videos.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.RandomState(0)
    >>> X = rng.randn(20, 4, 8, 8).astype("float32")   # L = 2 flow fields of 8x8
    >>> y = np.repeat([0, 1], 10)
    >>> X[y == 1, 0] += 1.0                              # class 1 moves right
    >>> clf = MotionCNNClassifier(max_epochs=15, random_state=0).fit(X, y)
    >>> clf.transform(X).shape
    (20, 64)
    >>> bool(clf.score(X, y) > 0.9)
    True
    """

    _input_kind = "image"
    _parameter_constraints = {
        **NeuralClassifierBase._parameter_constraints,
        "channels": [tuple, list],
        "fc_size": [Interval(Integral, 1, None, closed="left")],
        "dropout": [Interval(Real, 0, 1, closed="left")],
    }

    def __init__(self, *, channels=(16, 32), fc_size=64, dropout=0.5, **kwargs):
        super().__init__(**kwargs)
        self.channels = channels
        self.fc_size = fc_size
        self.dropout = dropout

    def _prepare_X(self, X):
        X = check_array(X, dtype=np.float32, allow_nd=True)
        if X.ndim not in (2, 4):
            raise ValueError(
                f"X has shape {X.shape}; expected stacked flow (n, 2L, H, W) or (n, D). "
                "For (n_videos, T, 2L, H, W), reshape to (n_videos * T, 2L, H, W) and "
                "average the per-stack outputs per video."
            )
        return _writable(X)

    def _to_model_input(self, X):
        return X[:, :, None, None] if X.ndim == 2 else X

    def _build_module(self, **kwargs):
        params = dict(in_channels=self.input_shape_[0], n_classes=len(self.classes_),
                      channels=tuple(int(c) for c in self.channels), fc_size=self.fc_size,
                      dropout=self.dropout)
        return MotionCNN(**{**params, **kwargs})

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float32"]
        return tags

    def fit_transform(self, X, y, **fit_params):
        """Fit, then return the first FC layer's activations on ``X``."""
        return self.fit(X, y, **fit_params).transform(X)

    def transform(self, X):
        """First FC layer activations (motion features).

        Parameters
        ----------
        X : array-like of shape (n, 2L, H, W) or (n, D)

        Returns
        -------
        ndarray of shape (n, fc_size), float32
        """
        data = self._check_fitted_X(X)
        features = []
        # forward_iter runs the batches (eval mode, no gradients, batch_size, device); the
        # first FC layer's output is caught on its way to the class layer.
        hook = self.module_.fc.register_forward_hook(
            lambda module, args, out: features.append(out.cpu()))
        try:
            with resolved_device(self):
                for _ in self.forward_iter(data):
                    pass
        finally:
            hook.remove()
        return torch.cat(features).numpy().astype(np.float32, copy=False)
