"""The base of every frame featurizer (public: ``BaseFrameTransformer``).

Videos (paths, arrays or clips) -> frame indices per video (``_planning``) -> cache
look-up -> the missing frames computed through the one override point,
``_featurize_frames`` (``_engine``) -> sequences padded, up-sampled or truncated to
``sequence_length``.
"""

from __future__ import annotations

import contextlib
import os
import warnings
from numbers import Integral

import cv2
import numpy as np
from joblib import Memory
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from .. import __version__
from ..utils import Substitution, object_array
from ..video import (
    COUNT_MODES,
    FRAME_STRATEGIES,
    READERS,
    VideoReadError,
    as_clips,
    keyframe_indices,
    recount_frames,
    source_fingerprint,
    video_info,
)
from ._cache import (
    FrameCache,
    augmentation_token,
    cache_root,
    fingerprint_mode,
    frame_key,
    stable_value,
)
from ._engine import FRAMES_PER_CALL, run_jobs
from ._planning import FramePlan, _Job, plan_frames

__all__ = ["BaseFrameTransformer", "BASE_PARAMETERS_DOC", "READING_OPTIONS_DOC", "_Job"]

#: The seven parameters of every featurizer, documented once (``Substitution``).
BASE_PARAMETERS_DOC = """sequence_length : int or None, default=40
        Time steps per video (the CNN-ResBiLSTM paper's alpha = 40). ``None`` returns the
        variable-length form: a 1-D object array of float32 ``(T_i, ...)`` arrays.
    frame_sampling : {"uniform", "block", "fps", "rand_down", "all"}, default="uniform"
        Strategy for videos and clips without frame indices (see
        :func:`skvideo_clf.video.sample_frame_indices`).
    padding : {"upsample", "zeros"}, default="upsample"
        A video with fewer frames than ``sequence_length``: repeat frames in order (the
        CNN-ResBiLSTM paper's UpSample; said at ``verbose``) or append zero steps (the UCF101
        thesis). Longer sequences are truncated.
    memory : str, path-like, joblib.Memory or None, default=None
        Folder of the frame cache (see :mod:`skvideo_clf.features._cache`); frame counts
        are kept there too. Its entries are identified by the parameters that define the
        features (and a network's weights digest), not by ``n_jobs``, ``batch_size`` or
        ``device``.
    n_jobs : int or None, default=None
        Videos are split over this many joblib tasks.
    verbose : int, default=0
        Progress bar (videos, frames/s) and notes.
    random_state : int, RandomState or None, default=None
        Seeds ``frame_sampling="rand_down"`` (and random weights, for networks)."""

#: The reading options, for featurizers that list them in ``__init__`` (``Substitution``).
READING_OPTIONS_DOC = """reader : {"opencv", "pyav"}, default="opencv"
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
        Decode (and resize) in this many worker processes that hand uint8 frames over in
        shared memory; ``None``: one decode thread in this process. The workers are kept,
        idle, for the process's next pooled ``transform`` until it ends or
        :func:`~skvideo_clf.features.shutdown_decode_workers`; each holds up to 48 MiB of
        shared memory (``/dev/shm``). On a CPU, decoder and
        torch threads together stay within the cores (see the user guide's "Reading
        videos").
    on_short_video : {"warn", "error"}, default="warn"
        A truncated file, far fewer frames decoding than its header declares (see
        :attr:`skvideo_clf.video.VideoInfo.truncated`): a warning naming the file and both
        counts, or ``"error"``: the video is refused (in the error listing bad videos)."""


def _check_labels(y):
    """Refuse labels no classifier can take before any frame is decoded (the featurizer is
    the first, slow step of a pipeline; the classifier would see ``y`` only at the end)."""
    if y is None:
        return
    values = np.asarray(y, dtype=object).ravel()
    missing = [i for i, v in enumerate(values) if v is None]
    if missing:
        raise ValueError(f"y holds None at position(s) {missing[:10]}: every video needs a "
                         "label.")
    kinds = {"str" if isinstance(v, (str, np.str_)) else "number" for v in values}
    if len(kinds) > 1:
        raise ValueError("y holds a mix of string and number labels (e.g. 'a' and 1); use "
                         "one type for every label.")


@Substitution(base_parameters=BASE_PARAMETERS_DOC, reading_options=READING_OPTIONS_DOC)
class BaseFrameTransformer(TransformerMixin, BaseEstimator):
    """Base class of frame featurizers: videos in, per-frame feature sequences out.

    Everything but the per-frame computation is done here: frame sampling, the frame
    cache, decoding (in a thread or a decode pool), batching, joblib parallelism,
    progress, checks of the features' shape and values, error reports that name every
    bad video, and padding or truncating to ``sequence_length``.

    **The contract.** A subclass implements one method, the one override point for
    computing features:

    * ``_featurize_frames(self, frames)``: ``frames`` is a uint8 array ``(n, H, W, 3)``
      (RGB) of frames of one video (at most 32; a network featurizer's batches of
      ``batch_size`` mix videos); it
      returns an array ``(n, ...)`` of their features (cast to float32). The engine
      refuses any other shape, naming the featurizer, and NaN or infinity, naming the
      video and frame. Features must depend only on the frame and the estimator's
      parameters (the cache relies on it).

    and ``__init__`` listing its own parameters and the base ones below (sklearn reads the
    parameters from its signature), passing the base ones to ``super().__init__`` and
    storing its own untouched, and ``_parameter_constraints`` extending
    ``BaseFrameTransformer._parameter_constraints``. It may set

    * ``_setup(self, clips, features)``: fit-time state (a network, weights, a model
      fitted on the training features). ``features()`` returns the training videos'
      per-frame features as a list of ``(T_i, ...)`` arrays, computed once and shared
      with ``fit_transform``.
    * ``_finish(self, features)``: per-video post-processing of a ``(T, ...)`` array
      after the cache (for example a PCA fitted in ``_setup``); its parameters are
      listed in ``_cache_ignore``.
    * what ``frames`` holds: ``_frame_transform()`` (a picklable function applied to
      each frame where it is decoded, e.g. a resize) and ``_frames_after_step()`` (``L``:
      each time step is then the ``(L + 1, ...)`` stack of its frame and the ``L`` after
      it, as optical flow needs).

    **The cache identity** is derived here, once: the class, ``get_params()`` minus the
    parameters in ``_cache_ignore`` (those that cannot change a frame's cached features:
    ``sequence_length``, ``frame_sampling``, ``padding``, ``memory``, ``n_jobs``,
    ``verbose``, ``random_state``; subclasses add theirs), ``_features_version`` (bump it
    when the computation changes), the library's and OpenCV's versions. A new parameter
    is part of the identity unless it is listed, so forgetting it costs cache misses,
    never stale features. To wrap a plain function instead of subclassing, see
    :class:`FunctionFrameTransformer`.

    Parameters
    ----------
    {base_parameters}

    **Reading options**, for subclasses that list them in ``__init__`` (class defaults
    otherwise; see the user guide's "Reading videos"):

    {reading_options}

    Attributes
    ----------
    n_frames_computed_ : int
        Time steps actually computed since ``fit`` (cache hits excluded).

    Examples
    --------
    >>> import numpy as np
    >>> from skvideo_clf.features import BaseFrameTransformer
    >>> class MeanColour(BaseFrameTransformer):
    ...     # mean R, G, B of each frame, times gain
    ...     _parameter_constraints = {{**BaseFrameTransformer._parameter_constraints,
    ...                               "gain": [float]}}
    ...     def __init__(self, gain=1.0, *, sequence_length=2, frame_sampling="uniform",
    ...                  padding="upsample", memory=None, n_jobs=None, verbose=0,
    ...                  random_state=None):
    ...         super().__init__(sequence_length=sequence_length, frame_sampling=frame_sampling,
    ...                          padding=padding, memory=memory, n_jobs=n_jobs,
    ...                          verbose=verbose, random_state=random_state)
    ...         self.gain = gain
    ...     def _featurize_frames(self, frames):
    ...         return frames.reshape(len(frames), -1, 3).mean(axis=1) * self.gain
    >>> video = np.full((5, 8, 8, 3), 10, np.uint8)
    >>> MeanColour(gain=0.5).fit_transform([video]).tolist()
    [[[5.0, 5.0, 5.0], [5.0, 5.0, 5.0]]]
    """

    _parameter_constraints: dict = {
        "sequence_length": [Interval(Integral, 1, None, closed="left"), None],
        "frame_sampling": [StrOptions(set(FRAME_STRATEGIES))],
        "padding": [StrOptions({"upsample", "zeros"})],
        "memory": [None, str, os.PathLike, Memory],
        "n_jobs": [Integral, None],
        "verbose": ["verbose"],
        "random_state": ["random_state"],
    }
    #: The reading options (see the class docstring): a subclass exposes them by listing
    #: them in its ``__init__`` and merging these constraints into its own; the class
    #: defaults below apply otherwise.
    _reading_constraints: dict = {
        "reader": [StrOptions(set(READERS))],
        "seek": [StrOptions({"exact", "keyframe"})],
        "count": [StrOptions(set(COUNT_MODES))],
        "n_decoders": [Interval(Integral, 1, None, closed="left"), None],
        "on_short_video": [StrOptions({"warn", "error"})],
    }

    #: Defaults of the reading options for subclasses that do not list them.
    reader = "opencv"
    seek = "exact"
    count = "auto"
    n_decoders = None
    on_short_video = "warn"

    def __init__(self, *, sequence_length=40, frame_sampling="uniform", padding="upsample",
                 memory=None, n_jobs=None, verbose=0, random_state=None):
        self.sequence_length = sequence_length
        self.frame_sampling = frame_sampling
        self.padding = padding
        self.memory = memory
        self.n_jobs = n_jobs
        self.verbose = verbose
        self.random_state = random_state

    #: Parameters that cannot change a frame's cached features (see the class docstring).
    _cache_ignore = frozenset({"sequence_length", "frame_sampling", "padding", "memory",
                               "n_jobs", "verbose", "random_state", "seek", "count",
                               "n_decoders", "on_short_video"})
    #: Bumped when a featurizer's computation changes within a release of the library.
    _features_version = 1
    #: Whether a batch of ``_featurize_frames`` may hold frames of several videos.
    _batches_mix_videos = False

    # ------------------------------------------------------------------ sklearn API
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Check parameters and set up the featurizer (weights, post-processing, ...).

        Parameters
        ----------
        X : list of str, path-like, uint8 ndarray (T, H, W, 3) or Clip
            Training videos.
        y : None
            Ignored.

        Returns
        -------
        self : object
            The fitted featurizer.
        """
        _check_labels(y)
        self._fit(X)
        return self

    @_fit_context(prefer_skip_nested_validation=True)
    def fit_transform(self, X, y=None, **fit_params):
        """Fit, then return the features of ``X`` (frames computed once for both).

        Parameters
        ----------
        X, y
            As :meth:`fit`.
        **fit_params : dict
            Ignored.

        Returns
        -------
        features : ndarray
            As :meth:`transform`.
        """
        _check_labels(y)
        seqs = self._fit(X)
        if seqs is None:
            seqs = self._raw_sequences(as_clips(X))
        return self._assemble(seqs)

    def transform(self, X):
        """Feature sequences of the videos in ``X``.

        Parameters
        ----------
        X : list of str, path-like, uint8 ndarray (T, H, W, 3) or Clip
            Videos. Clips with ``frame_indices`` are read at exactly those frames (and
            augmented if they carry an augmentation); others use ``frame_sampling``.

        Returns
        -------
        features : ndarray of shape (n_videos, sequence_length, ...) float32, or a 1-D
            object ndarray of float32 ``(T_i, ...)`` arrays when ``sequence_length=None``.
        """
        check_is_fitted(self, "n_frames_computed_")
        return self._assemble(self._raw_sequences(as_clips(X)))

    # ------------------------------------------------------------------ the contract
    def _featurize_frames(self, frames):
        """``(n, ...)`` uint8 frames (see the class docstring) -> ``(n, ...)`` features."""
        raise NotImplementedError(f"{type(self).__name__} must implement "
                                  "_featurize_frames(frames).")

    def _setup(self, clips, features):
        """Fit-time state; ``features()`` gives the training per-frame features."""

    def _finish(self, arr):
        """Per-video post-processing of ``(T, ...)`` features after the cache."""
        return arr

    def _frame_transform(self):
        """None, or a picklable function of one decoded uint8 frame run where it is
        decoded (a decode thread or a decode pool worker)."""
        return None

    def _frames_after_step(self):
        """Frames after each time step's own that its features need (0: the frame only)."""
        return 0

    # ------------------------------------------------------------------ engine hooks
    def _featurizer_name(self):
        """What computes the features, for messages about their shape."""
        return f"{type(self).__name__}._featurize_frames"

    def _frames_per_batch(self):
        return int(getattr(self, "batch_size", FRAMES_PER_CALL))

    def _computing(self):
        """Context around a computation in this process (a network's threads)."""
        return contextlib.nullcontext()

    def _fitted_identity(self) -> dict:
        """Fitted state that defines the features beyond the parameters (weights digest)."""
        return {}

    def _task_copy(self):
        """What each joblib task receives (a network featurizer ships a light copy)."""
        return self

    def _cache_identity(self) -> dict:
        """Everything that defines a frame's cached features (see the class docstring)."""
        params = {k: stable_value(v) for k, v in self.get_params(deep=False).items()
                  if k not in self._cache_ignore}
        if params.get("reader") == "opencv":  # the default keeps the identity it always had
            del params["reader"]
        cls = type(self)
        return {"featurizer": f"{cls.__module__}.{cls.__qualname__}",
                "features_version": self._features_version, "skvideo_clf": __version__,
                "opencv": cv2.__version__, "params": params, **self._fitted_identity()}

    # ------------------------------------------------------------------ internals
    def _fit(self, X):
        """Set up on ``X``; its raw per-frame features when ``_setup`` asked for them."""
        clips = as_clips(X)
        self.n_frames_computed_ = 0
        if self.seek == "keyframe" and self.reader == "opencv":
            # OpenCV's seek starts 16 frames before its target, which for a keyframe is in
            # the previous interval: every keyframe costs a whole interval of decoding
            # (measured 28x slower than PyAV on a 10-minute 720p file; same pixels)
            warnings.warn(
                f"{type(self).__name__}(seek='keyframe') with reader='opencv' decodes the "
                "keyframe interval before each keyframe: OpenCV cannot land on a keyframe "
                "itself. Set reader='pyav' (pip install av) to decode one frame per "
                "sampled frame.", UserWarning, stacklevel=3)
        memo = []

        def features():
            if not memo:
                memo.append(self._raw_sequences(clips))
            return memo[0]

        self._setup(clips, features)
        return memo[0] if memo else None

    def _say(self, msg):
        if self.verbose:
            print(f"[{type(self).__name__}] {msg}")

    def _plan(self, clip, seed):
        """Frame indices for one clip, how many zero steps to append, and each step's
        augmentation."""
        keyframes = None
        if self.seek == "keyframe":
            def keyframes(source):
                return keyframe_indices(source, self.reader)
        plan = FramePlan(self.frame_sampling, self.sequence_length, self.padding, keyframes)
        return plan_frames(clip, self._video_info(clip.source), plan, seed, self._say)

    def _raw_sequences(self, clips):
        """Per video, the un-post-processed features (list of float32 arrays)."""
        seed = None
        if self.frame_sampling == "rand_down" and self.random_state is not None:
            seed = int(check_random_state(self.random_state).randint(2**31))
        root = cache_root(self.memory)
        run = _Run(self, clips, seed,
                   FrameCache(root, self._cache_identity()) if root is not None else None)
        failed = run.compute(range(len(clips)))
        # A header count is checked by reading: a file that ends before a requested frame
        # is counted exactly and its videos are planned and read again, once.
        retry = [pos for pos in failed if self._recount(clips[pos].source)]
        if retry:
            run.forget(retry)
            run.compute(retry)
        if run.errors:
            lines = "\n".join(f"  - video {pos}: {msg}" for pos, msg in sorted(run.errors.items()))
            raise VideoReadError(
                f"{len(run.errors)} of {len(clips)} videos could not be featurized "
                f"({type(self).__name__}); fix or remove them:\n{lines}"
            )
        return run.sequences()

    def _assemble(self, seqs):
        seqs = [self._finish(s) for s in seqs]
        if self.sequence_length is None:
            return object_array(seqs)
        return np.stack(seqs).astype(np.float32, copy=False)

    # ------------------------------------------------------------------ reading frames
    def _read_options(self):
        """What ``Clip.read`` is given: the decoder and verified seeking."""
        return {"reader": self.reader, "seek": "auto"}

    def _seek_token(self, clip):
        """How the cache keys this clip's frames: ``"keyframe"`` when ``seek`` moved its
        sampled frames to keyframes (kept apart from exact runs), else ``"exact"``."""
        if (self.seek == "keyframe" and clip.frame_indices is None
                and self.frame_sampling in ("uniform", "fps")):
            return "keyframe"
        return "exact"

    def _count_dir(self, source):
        return cache_root(self.memory) if isinstance(source, str) else None

    def _video_info(self, source):
        """``video_info`` at this featurizer's ``count`` (kept with the frame cache); a
        truncated file warns or, with ``on_short_video="error"``, is refused."""
        info = video_info(source, self.count, cache_dir=self._count_dir(source))
        if info.truncated:
            msg = (f"{source}: only {info.n_frames} of the {info.declared_frames} frames "
                   "its header declares decode (a truncated or damaged file)")
            if self.on_short_video == "error":
                raise VideoReadError(msg + "; refused (on_short_video='error').")
            warnings.warn(msg + f"; featurized from those {info.n_frames} frames "
                          "(on_short_video='error' refuses it).", UserWarning, stacklevel=2)
        return info

    def _recount(self, source):
        """After a failed read: count a header-counted file exactly (kept in place of
        its header count); True when the count changed."""
        if not isinstance(source, str):
            return False
        try:
            info = video_info(source, self.count, cache_dir=self._count_dir(source))
            if info.counted != "header":
                return False
            exact = recount_frames(source, self.count, cache_dir=self._count_dir(source))
        except (VideoReadError, OSError):
            return False
        if exact.n_frames == info.n_frames:
            return False
        self._say(f"{source}: the header claims {info.n_frames} frames but a read ended "
                  f"before a requested one; counted exactly: {exact.n_frames} frames. "
                  "Planned and read again.")
        return True


class _Run:
    """One ``_raw_sequences`` call: the plans, cache keys, found features and errors of
    its clips, filled by :meth:`compute` (which may run twice, see ``_recount``)."""

    def __init__(self, featurizer, clips, seed, cache):
        self.featurizer, self.clips, self.seed, self.cache = featurizer, clips, seed, cache
        self.errors, self.plans, self.keys = {}, {}, {}
        self.found = {}  # frame key -> features

    def forget(self, positions):
        for pos in positions:
            del self.errors[pos], self.plans[pos], self.keys[pos]

    def compute(self, positions):
        """Plan, look up and compute the frames of ``clips[positions]``; returns the
        positions whose frames a computation failed to produce."""
        jobs, job_fp = self._missing(positions)
        if jobs:
            self.featurizer._say(f"{len(positions)} videos: {len(self.found)} frames "
                                 f"cached, {sum(len(j.indices) for j in jobs)} to compute.")
        job_errors = run_jobs(self.featurizer, jobs, lambda j, f: self._store(jobs[j],
                                                                             job_fp[j], f))
        bad_fps = {job_fp[j]: msg for j, msg in job_errors.items()}
        failed = []
        for pos in positions:
            ks = self.keys.get(pos)
            if ks is not None and any(k not in self.found for k in ks):
                fp = self._fingerprint(self.clips[pos])
                self.errors.setdefault(pos, bad_fps.get(fp, f"{self.clips[pos].source}: "
                                                            "not computed"))
                failed.append(pos)
        return failed

    def _fingerprint(self, clip):
        return source_fingerprint(clip.source, fingerprint_mode(self.featurizer.memory))

    def _missing(self, positions):
        """Plan the clips; the distinct frames not in the cache, as jobs per (video
        fingerprint, augmentation), and each job's fingerprint.

        Steps with their own augmentation (clips augmented per frame) of one video go
        into one job that carries an augmentation per index, read in one pass, unless
        the featurizer reads a window of frames per step: then one job per augmentation,
        its window augmented alike."""
        # (fingerprint, group, seek) -> [source, {(index, aug token): augmentation}]
        wanted, planned = {}, set()  # planned: keys already in a job (computed once)
        windowed = bool(self.featurizer._frames_after_step())
        for pos in positions:
            clip = self.clips[pos]
            try:
                idx, n_pad, augs = self.featurizer._plan(clip, self.seed)
                fp = self._fingerprint(clip)
            except (VideoReadError, OSError) as exc:
                self.errors[pos] = str(exc)
                continue
            self.plans[pos] = (idx, n_pad)
            seek = self.featurizer._seek_token(clip)
            self.keys[pos] = ks = [frame_key(fp, i, a, seek) for i, a in zip(idx, augs)]
            for i, a, k in zip(idx, augs, ks):
                if k in self.found or k in planned:
                    continue
                value = self.cache.get(k) if self.cache is not None else None
                if value is not None:
                    self.found[k] = value
                    continue
                planned.add(k)
                token = augmentation_token(a)
                group = ("per frame" if clip.per_frame_augmentation and not windowed
                         else token)
                wanted.setdefault((fp, group, seek), [clip.source, {}])[1].setdefault(
                    (int(i), token), a)
        jobs = []
        for (_, group, seek), (source, frames) in wanted.items():
            pairs = sorted(frames.items(), key=lambda item: item[0])
            idx = tuple(i for (i, _), _ in pairs)
            augs = tuple(a for _, a in pairs)
            aug = augs if group == "per frame" else augs[0]
            jobs.append(_Job(source, aug, idx, str(source), seek))
        return jobs, [fp for fp, _, _ in wanted]

    def _store(self, job, fp, feats):
        # Called as each video finishes, so the cache keeps every finished video of a run
        # that is killed later on.
        for i, f in zip(job.indices, feats):
            if not np.all(np.isfinite(f)):
                raise ValueError(
                    f"{job.name}: the features of frame {i} contain NaN or infinity "
                    f"({type(self.featurizer).__name__}); the frame or the weights are "
                    "broken.")
        for k, (i, f) in enumerate(zip(job.indices, feats)):
            key = frame_key(fp, i, job.augmentation_at(k), job.seek)
            self.found[key] = f
            if self.cache is not None:
                self.cache.put(key, f)
        self.featurizer.n_frames_computed_ += len(job.indices)

    def sequences(self):
        seqs = []
        for pos in range(len(self.clips)):
            arr = np.stack([self.found[k] for k in self.keys[pos]]).astype(np.float32,
                                                                          copy=False)
            n_pad = self.plans[pos][1]
            if n_pad:
                arr = np.concatenate([arr, np.zeros((n_pad,) + arr.shape[1:], np.float32)])
            seqs.append(arr)
        return seqs
