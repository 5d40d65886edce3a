"""A CNN trained from scratch on stacked optical flow (the hybrid framework's motion stream)."""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import TransformerMixin
from sklearn.utils.validation import check_array
from skorch.callbacks import LRScheduler

from ..utils import Substitution, check_sequences, unpadded_lengths
from ..utils.compat.sklearn import Interval, StrOptions
from ._base import SHARED_DOCS, NeuralClassifierBase
from ._batching import _writable
from ._modules import CNNM2048, MotionCNN
from ._steps import StepwiseMixin

__all__ = ["MotionCNNClassifier"]


@Substitution(**SHARED_DOCS)
class MotionCNNClassifier(TransformerMixin, StepwiseMixin, NeuralClassifierBase):
    """Motion-stream CNN on stacked optical flow, trained from scratch (the hybrid framework).

    Input is videos of flow stacks, as ``OpticalFlowTransformer(output="stack")`` returns
    them: ``(n_videos, T, 2L, H, W)``, or a list (1-D object array) of ``(T_i, 2L, H, W)``
    arrays, a stack being the x and y flow of ``L`` consecutive frame pairs as channels.
    As the two-stream networks train and test ([33] of the hybrid framework, Simonyan and
    Zisserman): ``fit`` trains on every stack with its video's label; ``predict_proba``
    averages the stacks' probabilities per video (``predict`` is its argmax);
    ``transform`` returns the first FC layer's activations per stack, ``(n_videos, T,
    fc)``, the motion features that the hybrid framework feeds to its LSTM, and, averaged
    over the stacks (``TemporalPooling``), to its SVMs and fusion network ("we adopt the
    output of the first FC layer of the two CNNs as the spatial and the short-term motion
    features", Section 3.1). **Padding is no stack**: all-zero stacks at the end of a video
    (a featurizer's ``padding="zeros"``; :func:`skvideo_clf.utils.unpadded_lengths`)
    neither train nor count in the average, and stay all-zero steps in ``transform``.

    One stack per sample, ``(n, 2L, H, W)``, is also accepted (each stack is a sample, and
    ``transform`` gives ``(n, fc)``), and a 2-D ``(n, D)`` input is read as ``D`` channels
    of 1x1 maps. A model fitted on videos of stacks classifies single stacks of the same
    shape, and the other way round.

    The defaults are a small CNN that trains in seconds on a CPU.
    ``MotionCNNClassifier.from_preset("hybrid-fusion")`` is the paper's motion CNN: "the CNN M
    [33]" trained from scratch by SGD with momentum 0.9, lr 1e-2, reduced
    to 1e-3 after 100K iterations and to 1e-4 after 200K (Section 4.1.2; an ``LRScheduler``
    callback stepping ``MultiStepLR`` per batch). The layers are CNN-M-2048's
    (:class:`~skvideo_clf.neural._modules.CNNM2048`: conv 96@7x7/2, 256@5x5/2, three
    512@3x3, fc6 4096, fc7 2048), ``transform`` returns fc6 (4096-d, after its ReLU: non-negative,
    as a chi2 kernel needs). Its input, L = 10 flows with the mean flow subtracted, cropped
    to 224x224 and flipped in training ("cropping and flipping are utilized following
    [33]"), is ``OpticalFlowTransformer(n_stack=10, output="stack", flow_size=256,
    subtract_mean=True)`` with ``crop_size=224, flip=True`` here (the preset leaves them
    off, so that it takes flow of any size). The layer list, L = 10, the sizes and the
    mean-flow subtraction come from the paper's reference [33] (Simonyan and Zisserman,
    two-stream networks), not from the hybrid framework's text, which says only
    "2L-channel"; the CNN batch size and iteration budget are not stated (the preset keeps
    the library's ``batch_size`` and ``max_epochs``: set ``max_epochs`` to reach 200K+
    iterations; the ``two-stream-table2`` protocol's ``--full`` uses 256 and 250K).

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
    crop_size : int or None, default=None
        Train on a random ``crop_size x crop_size`` crop of each stack (drawn anew for
        every stack of every batch), and predict and transform on its centre crop. [33]
        crops 224 px from flow computed on frames rescaled to 256 px:
        ``OpticalFlowTransformer(flow_size=256)`` with ``crop_size=224``. None: whole
        stacks.
    flip : bool, default=False
        Mirror each training stack left-right with probability 0.5, negating its x flow
        (channels 0, 2, ...), which is the flow of the mirrored video ([33]'s flipping).
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
    >>> X = rng.randn(20, 3, 4, 8, 8).astype("float32")  # 20 videos, 3 stacks of L = 2
    >>> y = np.repeat([0, 1], 10)
    >>> X[y == 1, :, 0] += 1.0                            # class 1 moves right
    >>> clf = MotionCNNClassifier(max_epochs=15, random_state=0).fit(X, y)
    >>> clf.predict_proba(X).shape                        # stacks averaged per video
    (20, 2)
    >>> clf.transform(X).shape                            # fc activations per stack
    (20, 3, 64)
    >>> bool(clf.score(X, y) > 0.9)
    True
    >>> clf.transform(X[0]).shape                         # one stack per sample
    (3, 64)
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
        "crop_size": [Interval(Integral, 1, None, closed="left"), None],
        "flip": ["boolean"],
    }

    def __init__(self, *, architecture="small", channels=(16, 32), fc_size=64, dropout=0.5,
                 crop_size=None, flip=False, **kwargs):
        super().__init__(**kwargs)
        self.architecture = architecture
        self.channels = channels
        self.fc_size = fc_size
        self.dropout = dropout
        self.crop_size = crop_size
        self.flip = flip

    def _prepare_X(self, X):
        if _is_video_list(X) or (isinstance(X, np.ndarray) and X.ndim == 5):
            return _check_stack_videos(X)
        X = check_array(X, dtype=np.float32, allow_nd=True)
        if X.ndim == 5:
            return _check_stack_videos(X)
        if X.ndim not in (2, 4):
            raise ValueError(
                f"X has shape {X.shape}; expected stacked flow: one stack per sample "
                "(n, 2L, H, W), videos of stacks (n_videos, T, 2L, H, W) or a list of "
                "(T_i, 2L, H, W) arrays (OpticalFlowTransformer(output='stack')), or (n, D).")
        return _writable(X)

    def _input_signature(self, data):
        if isinstance(data, tuple):  # videos of stacks: the shape of one stack
            seqs = data[0]
            shape = tuple(seqs.shape[2:] if isinstance(seqs, np.ndarray) else seqs[0].shape[1:])
            return int(np.prod(shape)), shape
        return super()._input_signature(data)

    def _n_samples(self, data):
        return len(data[1]) if isinstance(data, tuple) else len(data)

    def _to_model_input(self, X):
        return X[:, :, None, None] if X.ndim == 2 else X

    def _build_module(self, **kwargs):
        shape = self.input_shape_
        size = shape[1:] if len(shape) == 3 else (1, 1)
        if self.crop_size is not None:
            if min(size) < self.crop_size:
                raise ValueError(
                    f"crop_size={self.crop_size} is larger than the flow maps "
                    f"({size[0]}x{size[1]}); compute the flow at least that large "
                    "(OpticalFlowTransformer's flow_size) or lower crop_size.")
            size = (int(self.crop_size),) * 2
        if self.architecture == "cnn_m_2048":
            params = dict(in_channels=shape[0], n_classes=len(self.classes_),
                          input_size=size, dropout=self.dropout)
            return CNNM2048(**{**params, **kwargs})
        params = dict(in_channels=self.input_shape_[0], n_classes=len(self.classes_),
                      channels=tuple(int(c) for c in self.channels), fc_size=self.fc_size,
                      dropout=self.dropout)
        return MotionCNN(**{**params, **kwargs})

    def infer(self, x, **fit_params):
        # the network sees the crops (random in training, central otherwise) and flips
        return super().infer(self._crop_and_flip(x), **fit_params)

    def _crop_and_flip(self, x):
        """[33]'s augmentation of a batch ``(b, 2L, H, W)`` (see ``crop_size``, ``flip``)."""
        if (self.crop_size is None and not self.flip) or not torch.is_tensor(x) \
                or x.ndim != 4:
            return x
        training = self.module_.training
        if self.crop_size is not None:
            c = int(self.crop_size)
            h, w = x.shape[-2:]
            if training:
                tops = torch.randint(0, h - c + 1, (len(x),)).tolist()
                lefts = torch.randint(0, w - c + 1, (len(x),)).tolist()
                x = torch.stack([s[:, t:t + c, u:u + c] for s, t, u in zip(x, tops, lefts)])
            else:
                t, u = (h - c) // 2, (w - c) // 2
                x = x[:, :, t:t + c, u:u + c]
        if self.flip and training:
            mirrored = (torch.rand(len(x)) < 0.5).to(x.device)
            if bool(mirrored.any()):
                x = x.clone()
                flipped = x[mirrored].flip(-1)
                flipped[:, 0::2] = -flipped[:, 0::2]  # x flow changes sign in a mirror
                x[mirrored] = flipped
        return x

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float32"]
        return tags

    def fit_transform(self, X, y, **fit_params):
        """Fit, then return the first FC layer's activations on ``X``."""
        return self.fit(X, y, **fit_params).transform(X)

    @property
    def embedding_size(self):
        """Width of :meth:`transform`'s features: 4096 (fc6) for ``"cnn_m_2048"``, else
        ``fc_size``; known before ``fit``."""
        return CNNM2048.FC6_SIZE if self.architecture == "cnn_m_2048" else int(self.fc_size)

    def transform(self, X):
        """First FC layer activations (motion features), per stack, in the form of ``X``.

        Parameters
        ----------
        X : array-like
            ``(n_videos, T, 2L, H, W)`` gives ``(n_videos, T, fc)``; a list (or 1-D object
            array) of ``(T_i, 2L, H, W)`` arrays gives a 1-D object array of ``(T_i, fc)``;
            one stack per sample ``(n, 2L, H, W)`` (or ``(n, D)``) gives ``(n, fc)``.
            Padding stacks (all-zero stacks at the end of a video) stay all-zero steps.

        Returns
        -------
        float32 ndarray
            ``fc`` is :attr:`embedding_size`: 4096 (fc6) with ``"cnn_m_2048"``, after its
            ReLU (non-negative, as a chi2 kernel needs).
        """
        data = self._check_fitted_X(X)
        if not isinstance(data, tuple):
            return self._activations(self.module_.fc, data)
        return self._step_activations(self.module_.fc, data, ragged=_is_video_list(X),
                                      flat=False)


def _is_video_list(X):
    """A list, tuple or 1-D object array of per-video arrays (the variable-length form)."""
    if isinstance(X, np.ndarray):
        return X.dtype == object and X.ndim == 1
    return isinstance(X, (list, tuple)) and len(X) > 0 and all(
        isinstance(v, np.ndarray) and v.ndim == 4 for v in X)


def _check_stack_videos(X):
    """Videos of flow stacks as ``(stacks, real lengths)``, validated by the sequences' rules.

    Each stack is flattened to one step for :func:`~skvideo_clf.utils.check_sequences`
    (numbers, finiteness, at least one step) and given its shape back; all-zero stacks at
    the end of a video are padding (:func:`~skvideo_clf.utils.unpadded_lengths`).
    """
    if isinstance(X, np.ndarray) and X.dtype != object:
        seqs, lengths = check_sequences(X.reshape(*X.shape[:2], -1), allow_2d=False)
        seqs = _writable(seqs.reshape(X.shape))
    else:
        shapes = {np.shape(v)[1:] for v in X}
        if any(np.ndim(v) != 4 for v in X) or len(shapes) != 1:
            raise ValueError(
                "X holds videos of flow stacks of different shapes "
                f"{sorted({np.shape(v) for v in X})}; each video must be a (T_i, 2L, H, W) "
                "array with the same 2L, H and W.")
        shape, = shapes
        seqs, lengths = check_sequences([np.reshape(v, (len(v), -1)) for v in X])
        if isinstance(seqs, np.ndarray):
            seqs = _writable(seqs.reshape(len(seqs), -1, *shape))
        else:
            seqs = [_writable(s.reshape(len(s), *shape)) for s in seqs]
    return seqs, unpadded_lengths(seqs, lengths)
