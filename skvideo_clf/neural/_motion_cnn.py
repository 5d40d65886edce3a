"""A CNN trained from scratch on stacked optical flow (the hybrid framework's motion stream)."""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import TransformerMixin
from sklearn.utils.validation import check_array
from skorch.callbacks import LRScheduler

from ..utils import Substitution
from ..utils.compat.sklearn import Interval, StrOptions
from ..utils.compat.skorch import resolved_device
from ._base import SHARED_DOCS, NeuralClassifierBase
from ._batching import _writable
from ._modules import CNNM2048, MotionCNN

__all__ = ["MotionCNNClassifier"]


@Substitution(**SHARED_DOCS)
class MotionCNNClassifier(TransformerMixin, NeuralClassifierBase):
    """Motion-stream CNN on stacked optical flow, trained from scratch (the hybrid framework).

    Input is one stack per sample: ``(n, 2L, H, W)``, the x and y flow of ``L`` consecutive
    frame pairs as channels (the output layout of an optical-flow featurizer stacking
    ``L`` flows). A video with several stacks is several samples; average their
    ``predict_proba`` (or their ``transform``) per video. A 2-D ``(n, D)`` input is read as
    ``D`` channels of 1x1 maps. ``transform`` returns the first FC layer's activations,
    the motion features that the hybrid framework feeds to its LSTM, SVM and fusion network ("we
    adopt
    the output of the first FC layer of the two CNNs as the spatial and the short-term
    motion features", the hybrid framework).

    The defaults are a small CNN that trains in seconds on a CPU.
    ``MotionCNNClassifier.from_preset("hybrid-fusion")`` is the paper's motion CNN: "the CNN M
    [33]" trained from scratch by SGD with momentum 0.9, lr 1e-2, reduced
    to 1e-3 after 100K iterations and to 1e-4 after 200K (Section 4.1.2; an ``LRScheduler``
    callback stepping ``MultiStepLR`` per batch). The layers are CNN-M-2048's
    (:class:`~skvideo_clf.neural._modules.CNNM2048`: conv 96@7x7/2, 256@5x5/2, three
    512@3x3, fc6 4096, fc7 2048), ``transform`` returns fc6 (4096-d). Its input, L = 10
    flows at 224x224 with the mean flow subtracted, is ``OpticalFlowTransformer(n_stack=10,
    output="stack", flow_size=224, subtract_mean=True)``. The layer list, L = 10, 224 px and
    the mean-flow subtraction come from the paper's reference [33] (Simonyan and Zisserman,
    two-stream networks), not from the hybrid framework's text, which says only "2L-channel";
    the CNN batch size and iteration budget are not stated (the preset keeps the library's
    ``batch_size`` and ``max_epochs``: set ``max_epochs`` to reach 200K+ iterations).

    Parameters
    ----------
    architecture : {{"small", "cnn_m_2048"}}, default="small"
        ``"small"``: the blocks of ``channels`` and one FC layer of ``fc_size``.
        ``"cnn_m_2048"``: CNN-M-2048 (``channels`` and ``fc_size`` are not used; fc6 is
        4096 wide); flow maps must be at least 57x57 (224x224 in [33]).
    channels : tuple of int, default=(16, 32)
        Conv 3x3 + ReLU + 2x2 max-pool blocks (``architecture="small"``).
    fc_size : int, default=64
        Width of the first FC layer (the ``transform`` output) (``architecture="small"``).
    dropout : float, default=0.5
        After the FC layers (fc6 and fc7 in CNN-M-2048; 0.5 is the library's choice).
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

    PRESETS = {
        # The hybrid framework: CNN M [33] on 2L-channel flow, trained from
        # scratch, SGD
        # momentum 0.9, lr 1e-2 -> 1e-3 after 100K iterations -> 1e-4 after 200K.
        "hybrid-fusion": dict(
            architecture="cnn_m_2048", dropout=0.5, optimizer=torch.optim.SGD, lr=1e-2,
            optimizer__momentum=0.9,
            callbacks=[("lr_schedule", LRScheduler(
                torch.optim.lr_scheduler.MultiStepLR, milestones=[100_000, 200_000],
                gamma=0.1, step_every="batch"))]),
    }

    _parameter_constraints = {
        **NeuralClassifierBase._parameter_constraints,
        "architecture": [StrOptions({"small", "cnn_m_2048"})],
        "channels": [tuple, list],
        "fc_size": [Interval(Integral, 1, None, closed="left")],
        "dropout": [Interval(Real, 0, 1, closed="left")],
    }

    def __init__(self, *, architecture="small", channels=(16, 32), fc_size=64, dropout=0.5,
                 **kwargs):
        super().__init__(**kwargs)
        self.architecture = architecture
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
        if self.architecture == "cnn_m_2048":
            shape = self.input_shape_
            params = dict(in_channels=shape[0], n_classes=len(self.classes_),
                          input_size=shape[1:] if len(shape) == 3 else (1, 1),
                          dropout=self.dropout)
            return CNNM2048(**{**params, **kwargs})
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
            ``(n, 4096)`` (fc6) with ``architecture="cnn_m_2048"``.
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
